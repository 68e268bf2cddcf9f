"""Rebuild any estimator from its plain arrays (what the report's bootstrap sidecar stores).

This module knows every estimator kind; :mod:`~lamm_bench.metrics.bootstrap` (ratios, AP) and
:mod:`~lamm_bench.metrics.captions` (corpus caption metrics) each define theirs, so neither imports the other
for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from lamm_bench.metrics.bootstrap import AveragePrecision, Estimator, Ratio
from lamm_bench.metrics.captions import caption_from_arrays
from lamm_bench.metrics.detection import DetectionSet

_BUILDERS: dict[str, Callable[[Mapping[str, Any]], Estimator]] = {
    Ratio.kind: lambda a: Ratio(np.asarray(a["num"]), np.asarray(a["den"]), float(a["scale"]), bool(a["root"])),
    AveragePrecision.kind: lambda a: AveragePrecision(DetectionSet(
        np.asarray(a["det_cluster"]), np.asarray(a["det_score"]), np.asarray(a["det_tp"], dtype=bool),
        np.asarray(a["det_class"]), np.asarray(a["gt_count"])), float(a["scale"])),
    "caption_corpus": lambda a: caption_from_arrays(dict(a)),
}


def estimator_from_arrays(kind: str, arrays: Mapping[str, Any]) -> Estimator:
    """Rebuild an estimator from :meth:`~lamm_bench.metrics.bootstrap.Estimator.arrays`.

    Raises:
        KeyError: unknown kind.
    """
    return _BUILDERS[kind](arrays)
