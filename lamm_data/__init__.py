"""lamm_data: the LAMM release as a typed catalog, validated records and Arrow-backed datasets.

Nothing is read or computed at import time; ``load_split``, ``iter_records`` and ``convert`` (which
need ``pyarrow`` / ``datasets``) are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from lamm_data._version import __version__
from lamm_data.catalog import BENCHMARKS, CATALOG, GROUPS, CatalogEntry, entries, resolve

if TYPE_CHECKING:
    from lamm_data.convert import convert
    from lamm_data.load import load_split
    from lamm_data.stream import iter_records

_LAZY = {"load_split": "lamm_data.load", "iter_records": "lamm_data.stream", "convert": "lamm_data.convert"}

__all__ = ["BENCHMARKS", "CATALOG", "GROUPS", "CatalogEntry", "__version__", "convert", "entries", "iter_records",
           "load_split", "resolve"]


def __getattr__(name: str) -> Any:
    """Import the heavy entry points (``load_split``, ``iter_records``, ``convert``) on first access."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lamm_data' has no attribute {name!r}")
