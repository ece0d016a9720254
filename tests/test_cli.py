"""The whole `methex` command tree: every command and option documents itself."""
import click
from click.testing import CliRunner

from extractor.cli import cli


def walk(group: click.Group, path=()):
    for name, cmd in group.commands.items():
        yield (*path, name), cmd
        if isinstance(cmd, click.Group):
            yield from walk(cmd, (*path, name))


def test_every_command_and_option_has_help():
    runner = CliRunner()
    names = set()
    for path, cmd in walk(cli):
        names.add(" ".join(path))
        assert cmd.help and len(cmd.help.strip()) > 20, path
        res = runner.invoke(cli, [*path, "--help"])
        assert res.exit_code == 0 and "Usage:" in res.output, (path, res.output)
        for p in cmd.params:
            if isinstance(p, click.Option):
                assert p.help, f"{' '.join(path)} {p.opts} has no help"
    assert {"ingest", "extract", "run", "query", "sql", "show", "audit", "review", "export",
            "eval", "models", "models install", "models list", "annotations import",
            "serve"} <= names


def test_unknown_backend_and_field_are_clear_errors(tmp_path):
    runner = CliRunner()
    db = str(tmp_path / "e.db")
    res = runner.invoke(cli, ["extract", "--db", db, "--fields", "frameworks,nope"])
    assert res.exit_code != 0 and "unknown field(s): nope" in res.output
    res = runner.invoke(cli, ["extract", "--db", db, "--backend", "openai"])
    assert res.exit_code != 0 and "--model is required" in res.output
