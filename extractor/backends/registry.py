"""Backends by name: the `methex.backends` entry points, in the spirit of simonw/llm's plugins.

A package makes a backend available to `methex extract --backend NAME` by declaring

    [project.entry-points."methex.backends"]
    NAME = "its_module:ItsBackend"       # a subclass of extractor.backends.base.Backend

methex's own backends are declared the same way in its pyproject.toml; BUILTIN names them too,
so a source checkout that was never installed still has them. A backend module is imported
only when its class is asked for.
"""
from __future__ import annotations

import logging
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from extractor.backends.base import Backend

GROUP = "methex.backends"
DEFAULT_BACKEND = "rules"
BUILTIN = {
    "rules": "extractor.backends.rules:RulesBackend",
    "learned": "extractor.backends.learned:LearnedBackend",
    "llama": "extractor.backends.llama:LlamaBackend",
    "openai": "extractor.backends.openai_compat:OpenAIBackend",
}

log = logging.getLogger(__name__)


class UnknownBackend(ValueError):
    pass


def _entry_points() -> dict[str, EntryPoint]:
    found = {n: EntryPoint(n, v, GROUP) for n, v in BUILTIN.items()}
    for ep in entry_points(group=GROUP):
        if ep.name in BUILTIN and ep.value != BUILTIN[ep.name]:
            log.warning("ignoring backend %r from %s: the name is methex's own", ep.name,
                        ep.value)
            continue
        found.setdefault(ep.name, ep)
    return found


def backend_names() -> list[str]:
    """Every registered backend: the built-ins first, then the others by name."""
    eps = _entry_points()
    return [n for n in BUILTIN] + sorted(n for n in eps if n not in BUILTIN)


def backend_class(name: str) -> type[Backend]:
    eps = _entry_points()
    if name not in eps:
        raise UnknownBackend(f"unknown backend {name!r}; choose one of "
                             f"{', '.join(backend_names())}")
    cls = eps[name].load()
    if not (isinstance(cls, type) and issubclass(cls, Backend)):
        raise UnknownBackend(f"backend {name!r} ({eps[name].value}) is not a subclass of "
                             "extractor.backends.base.Backend")
    if cls.name != name:
        raise UnknownBackend(f"backend {name!r} ({eps[name].value}) calls itself "
                             f"{cls.name!r}; the entry point and the class name must agree")
    return cls


def loadable_backends() -> dict[str, type[Backend]]:
    """Every backend class that imports; a broken plugin is logged and left out."""
    out = {}
    for name in backend_names():
        try:
            out[name] = backend_class(name)
        except Exception as e:  # a third party's import error must not break methex
            log.warning("backend %r cannot be loaded: %s", name, e)
    return out


def make_backend(name: str, **options: Any) -> Backend:
    """The backend `name` with these options (None values are left to its defaults)."""
    cls = backend_class(name)
    given = {k: v for k, v in options.items() if v is not None}
    return cls.from_options(cls.Options.model_validate(given))
