"""lamm_data: the LAMM release as a typed catalog, validated records and Arrow-backed datasets.

Nothing is read or computed at import time; the entry points that need ``pyarrow`` / ``datasets`` /
``pydantic`` (``load_split``, ``iter_records``, ``export_parquet``, ``validate_paths`` ..., and the catalog, whose
entries hold their record models) are imported on first use. The public names are listed in ``__all__`` and
documented in ``docs/api.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from lamm_data._version import __version__

if TYPE_CHECKING:
    from lamm_data.catalog import BENCHMARKS, CATALOG, GROUPS, CatalogEntry, entries, resolve
    from lamm_data.columns import SplitColumns, read_columns
    from lamm_data.errors import LammError, MetaFileError, MissingDataError, SchemaError, UnknownNameError
    from lamm_data.layout import default_root, find_meta
    from lamm_data.load import load_split, open_split
    from lamm_data.metafile import FileReport, Problem, read_meta, validate_meta, validate_paths
    from lamm_data.parquet import ParquetExport, export_parquet
    from lamm_data.sample import write_sample
    from lamm_data.stream import iter_records

_LAZY = {
    "BENCHMARKS": "lamm_data.catalog", "CATALOG": "lamm_data.catalog", "GROUPS": "lamm_data.catalog",
    "CatalogEntry": "lamm_data.catalog", "entries": "lamm_data.catalog", "resolve": "lamm_data.catalog",
    "load_split": "lamm_data.load", "open_split": "lamm_data.load", "iter_records": "lamm_data.stream",
    "read_columns": "lamm_data.columns", "SplitColumns": "lamm_data.columns",
    "export_parquet": "lamm_data.parquet", "ParquetExport": "lamm_data.parquet",
    "validate_paths": "lamm_data.metafile", "validate_meta": "lamm_data.metafile", "read_meta": "lamm_data.metafile",
    "FileReport": "lamm_data.metafile", "Problem": "lamm_data.metafile",
    "write_sample": "lamm_data.sample", "default_root": "lamm_data.layout", "find_meta": "lamm_data.layout",
    "LammError": "lamm_data.errors", "MetaFileError": "lamm_data.errors", "MissingDataError": "lamm_data.errors",
    "SchemaError": "lamm_data.errors", "UnknownNameError": "lamm_data.errors",
}

__all__ = ["BENCHMARKS", "CATALOG", "GROUPS", "CatalogEntry", "FileReport", "LammError", "MetaFileError",
           "MissingDataError", "ParquetExport", "Problem", "SchemaError", "SplitColumns", "UnknownNameError",
           "__version__", "default_root", "entries", "export_parquet", "find_meta", "iter_records", "load_split",
           "open_split", "read_columns", "read_meta", "resolve", "validate_meta", "validate_paths", "write_sample"]


def __getattr__(name: str) -> Any:
    """Import a public name (``load_split``, ``export_parquet`` ...) on first access."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lamm_data' has no attribute {name!r}")
