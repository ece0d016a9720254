"""Backends behind the registry: a third-party backend from an entry point, end to end; the
built-ins declared once; options in the cache key (two --base-url are two results)."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor.backends import registry
from extractor.backends.base import Backend
from extractor.ingest.pipeline import ingest_paths
from extractor.store import open_db
from fake_openai_server import FakeOpenAI, write_papers

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = Path(__file__).parent / "plugin_wordmatch"
METHEX = str(Path(sys.executable).parent / "methex")


@pytest.fixture()
def plugin_env(tmp_path):
    """The plugin as pip would install it: a .dist-info whose entry_points.txt is its
    pyproject's entry points, on the PYTHONPATH of the methex processes started."""
    project = tomllib.loads((PLUGIN / "pyproject.toml").read_text())["project"]
    site = tmp_path / "site"
    info = site / f"methex_wordmatch-{project['version']}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project['name']}\n"
                                   f"Version: {project['version']}\n")
    lines = []
    for group, eps in project["entry-points"].items():
        lines += [f"[{group}]"] + [f"{k} = {v}" for k, v in eps.items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("METHEX_", "OPENAI_"))}
    env.update(PYTHONPATH=os.pathsep.join([str(site), str(PLUGIN)]), COLUMNS="200",
               METHEX_DB=str(tmp_path / "p.db"))
    return env


def methex(env, *args):
    return subprocess.run([METHEX, *args], capture_output=True, text=True, env=env,
                          cwd=env["PYTHONPATH"].split(os.pathsep)[0], timeout=300)


def test_a_third_party_backend_from_an_entry_point_runs_end_to_end(plugin_env, tmp_path):
    res = methex(plugin_env, "extract", "--help")
    assert res.returncode == 0, res.stderr
    help_text = " ".join(res.stdout.split())
    assert "wordmatch" in help_text and "--word TEXT wordmatch: the word to find" in help_text
    assert "--target-field" in help_text

    paper = tmp_path / "paper.txt"
    paper.write_text("Methods\n\nThe network was implemented in PyTorch and trained on one GPU. "
                     "Evaluation used the held-out test split of the data set.\n")
    assert methex(plugin_env, "ingest", str(paper)).returncode == 0
    res = methex(plugin_env, "extract", "--backend", "wordmatch", "--fields", "frameworks")
    assert res.returncode == 0, res.stderr
    db = sqlite3.connect(plugin_env["METHEX_DB"])
    rows = db.execute(
        "SELECT r.backend, v.value, v.accepted, ev.quote, r.settings FROM field_values v "
        "JOIN extractions e ON e.id = v.extraction_id JOIN runs r ON r.id = e.run_id "
        "LEFT JOIN evidence ev ON ev.value_id = v.id").fetchall()
    assert [(b, v, a) for b, v, a, _, _ in rows] == [("wordmatch", "PyTorch", 1)]
    assert "The network was implemented in PyTorch" in rows[0][3]      # its verified quote
    assert json.loads(rows[0][4])["backend"] == {"word": "PyTorch",
                                                 "target_field": "frameworks"}
    # its options are part of the cache key: the same again is done, another word is new work
    again = methex(plugin_env, "extract", "--backend", "wordmatch", "--fields", "frameworks")
    assert "nothing new to extract" in again.stderr
    other = methex(plugin_env, "extract", "--backend", "wordmatch", "--fields", "frameworks",
                   "--word", "GPU")
    assert other.returncode == 0 and "extraction run 2" in other.stderr


def test_builtins_are_the_entry_points_pyproject_declares():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())[
        "project"]["entry-points"][registry.GROUP]
    assert declared == registry.BUILTIN
    assert registry.backend_names()[:4] == ["rules", "learned", "llama", "openai"]
    for name in registry.BUILTIN:
        cls = registry.backend_class(name)
        assert issubclass(cls, Backend) and cls.name == name


def test_unknown_backend_names_the_known_ones():
    with pytest.raises(ValueError, match="unknown backend 'nope'; choose one of rules, learned"):
        registry.make_backend("nope")


@pytest.fixture()
def papers_db(tmp_path):
    path = tmp_path / "u.db"
    ingest_paths(open_db(path), write_papers(tmp_path / "papers", 1))
    return path


def test_the_same_model_at_two_base_urls_is_two_cached_results(papers_db, monkeypatch):
    from extractor.cli import cli
    for k in [k for k in os.environ if k.startswith(("METHEX_", "OPENAI_"))]:
        monkeypatch.delenv(k)
    with FakeOpenAI() as server:
        one = server.base_url                                   # 127.0.0.1
        two = one.replace("127.0.0.1", "localhost")             # the same server, another URL

        def extract(url):
            res = CliRunner().invoke(cli, ["extract", "--db", str(papers_db), "--backend",
                                           "openai", "--model", "fake-model", "--base-url", url,
                                           "--fields", "frameworks"])
            assert res.exit_code == 0, res.output
            return sqlite3.connect(papers_db).execute(
                "SELECT count(*) FROM runs").fetchone()[0]

        assert extract(one) == 1
        assert extract(two) == 2        # not "already done": another endpoint, another result
        assert extract(one) == 2        # each is cached on its own
        assert extract(two) == 2
    stored = [json.loads(s)["backend"] for (s,) in sqlite3.connect(papers_db).execute(
        "SELECT settings FROM runs ORDER BY id")]
    assert [s["base_url"] for s in stored] == [one, two]
    assert all(s["mode"] == "TOOLS" and s["timeout"] == 600 for s in stored)
    keys = sqlite3.connect(papers_db).execute(
        "SELECT DISTINCT cache_key FROM group_results").fetchall()
    assert len(keys) == 2


def test_readme_shows_the_plugin_the_tests_install():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Your own backend"):]
    block = section[section.index("```python\n") + 10:]
    block = block[:block.index("```")]
    code = (PLUGIN / "methex_wordmatch.py").read_text()
    assert block[block.index("class "):] == code[code.index("class "):]
    assert 'wordmatch = "methex_wordmatch:WordMatchBackend"' in section
