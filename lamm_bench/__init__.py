"""lamm_bench: score predictions on the LAMM benchmarks, by id, with the paper's protocol and honest metrics.

The public API (see ``docs/api.md``)::

    from lamm_bench import score, compare, report

Never imports torch; nothing is computed at import time: every public name below is imported on first use.
``lamm_bench.report`` and ``lamm_bench.compare`` are the functions; the modules of the same names stay
importable with ``from lamm_bench.report import Report``.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from lamm_data._version import __version__

if TYPE_CHECKING:
    from lamm_bench.api import Predictions, compare, report, score
    from lamm_bench.compare import Comparison, Difference
    from lamm_bench.errors import JoinError, PredictionsError, ReportError
    from lamm_bench.predictions import PredictionRecord, prediction_schema, predictions_from_records, read_predictions
    from lamm_bench.report import BenchmarkResult, Report, read_report

_LAZY = {
    "score": "lamm_bench.api", "compare": "lamm_bench.api", "report": "lamm_bench.api",
    "Predictions": "lamm_bench.api",
    "Report": "lamm_bench.report", "BenchmarkResult": "lamm_bench.report", "read_report": "lamm_bench.report",
    "Comparison": "lamm_bench.compare", "Difference": "lamm_bench.compare",
    "PredictionRecord": "lamm_bench.predictions", "read_predictions": "lamm_bench.predictions",
    "predictions_from_records": "lamm_bench.predictions", "prediction_schema": "lamm_bench.predictions",
    "PredictionsError": "lamm_bench.errors", "JoinError": "lamm_bench.errors", "ReportError": "lamm_bench.errors",
}

__all__ = ["BenchmarkResult", "Comparison", "Difference", "JoinError", "PredictionRecord", "Predictions",
           "PredictionsError", "Report", "ReportError", "__version__", "compare", "prediction_schema",
           "predictions_from_records", "read_predictions", "read_report", "report", "score"]


def __getattr__(name: str) -> Any:
    """Import a public name on first access."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lamm_bench' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """``lamm_bench`` itself: importing the submodules ``lamm_bench.report`` / ``lamm_bench.compare`` does not
    replace the API functions of the same names on the package (the import system sets the submodule as an
    attribute of its package; that one assignment is skipped)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("report", "compare") and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
