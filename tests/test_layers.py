"""The import-linter contracts of pyproject.toml hold (core <- ingest/retrieve/verify <-
backends <- extract <- cli; the library never imports the command line)."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept():
    res = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Contracts: 2 kept, 0 broken." in res.stdout


def _imported_modules(path: Path) -> set[str]:
    import ast
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def _methex_imports(path: Path) -> set[str]:
    return {m for m in _imported_modules(path) if m.split(".")[0] in ("extractor", "schemas")}


def _file_of(module: str) -> Path:
    parts = module.split(".")
    base = ROOT / "schemas" if parts[:2] == ["extractor", "schemas"] else ROOT / "extractor"
    rest = parts[2:] if parts[:2] == ["extractor", "schemas"] else parts[1:]
    f = base.joinpath(*rest)
    return f / "__init__.py" if f.is_dir() else f.with_suffix(".py")


def test_schemas_package_is_the_bottom_layer():
    # schemas/ ships as extractor.schemas through package-dir, which import-linter's graph
    # (built from the extractor/ directory) cannot see; so its contract is checked here:
    # everything imports the schema; the schema imports, directly or not, nothing of methex but
    # itself and the text normaliser it folds vocabularies with (and that one's hyphen rules).
    allowed = {"extractor.ingest.normalize", "extractor.ingest.hyphens"}
    seen: set[str] = set()
    todo = [f"extractor.schemas.{f.stem}" for f in sorted((ROOT / "schemas").glob("*.py"))]
    assert todo
    while todo:
        mod = todo.pop()
        if mod in seen:
            continue
        seen.add(mod)
        for dep in _methex_imports(_file_of(mod)):
            assert dep == "extractor.schemas" or dep.startswith("extractor.schemas.") \
                or dep in allowed, f"{mod} imports {dep}"
            todo.append(dep)
    assert allowed & seen                # the closure was followed into the normaliser


def test_the_schema_layer_check_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from extractor.store import Store\nimport extractor.schemas.spec\n")
    assert _imported_modules(bad) == {"extractor.store", "extractor.schemas.spec"}
