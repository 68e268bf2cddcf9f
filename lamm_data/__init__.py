"""lamm_data: the LAMM release as a typed catalog, validated records and Arrow-backed datasets.

Nothing is read or computed at import time; ``load_split``, ``iter_records`` and ``read_columns`` (which need
``pyarrow`` / ``datasets``) are imported on first use. The catalog holds each file's record model (pydantic).
Conversion lives in :mod:`lamm_data.convert`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from lamm_data._version import __version__
from lamm_data.catalog import BENCHMARKS, CATALOG, GROUPS, CatalogEntry, entries, resolve

if TYPE_CHECKING:
    from lamm_data.columns import read_columns
    from lamm_data.load import load_split
    from lamm_data.stream import iter_records

_LAZY = {"load_split": "lamm_data.load", "iter_records": "lamm_data.stream", "read_columns": "lamm_data.columns"}

__all__ = ["BENCHMARKS", "CATALOG", "GROUPS", "CatalogEntry", "__version__", "entries", "iter_records", "load_split",
           "read_columns", "resolve"]


def __getattr__(name: str) -> Any:
    """Import the heavy entry points (``load_split``, ``iter_records``, ``read_columns``) on first access."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lamm_data' has no attribute {name!r}")
