"""lamm_data: the LAMM release as a typed catalog, validated records and Arrow-backed datasets.

Nothing is read or computed at import time.
"""

from lamm_data._version import __version__
from lamm_data.catalog import BENCHMARKS, CATALOG, GROUPS, CatalogEntry, entries, resolve

__all__ = ["BENCHMARKS", "CATALOG", "GROUPS", "CatalogEntry", "__version__", "entries", "resolve"]
