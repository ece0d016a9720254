"""Extraction backends: a base class (base.Backend) and a registry of entry points
(registry). Implementations are imported lazily so the core and the basic install never need
llama-cpp-python or a network client they do not use.
"""
from __future__ import annotations

from extractor.backends.base import Backend
from extractor.backends.registry import (DEFAULT_BACKEND, backend_class,  # noqa: F401
                                         backend_names, make_backend)


def prompt_hash_for(backend: Backend) -> str:
    """Hash of the prompt template a backend renders ("-" for backends without one)."""
    return backend.prompt_hash
