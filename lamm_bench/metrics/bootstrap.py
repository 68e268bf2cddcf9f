"""Seeded cluster bootstrap: 95% percentile intervals, and paired intervals for differences.

Every metric is an *estimator* over clusters (images or scenes): a function of how often each
cluster was drawn. Mean-type metrics are :class:`Ratio` of per-cluster sums; AP is
:class:`AveragePrecision`; corpus metrics such as CIDEr-D bring their own estimator that recomputes
the corpus statistics (IDF included) from the drawn clusters. Every estimator turns into plain
arrays (:meth:`arrays`) and back (:func:`estimator_from_arrays`), which is what the report's sidecar
stores so that ``lamm-bench compare`` can redraw the same resamples for two reports.

Randomness comes only from the ``numpy.random.Generator`` passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import numpy as np

from lamm_bench.metrics.detection import DetectionSet, average_precision

RESAMPLES = 1000
"""Default number of bootstrap resamples."""
LEVEL = 0.95
_CHUNK_CELLS = 2_000_000  # resamples x clusters drawn at once (bounds memory)


@dataclass(frozen=True)
class Draws:
    """A batch of resamples: ``indices`` (B, C) clusters drawn, ``counts`` (B, C) times each cluster was drawn."""

    indices: np.ndarray
    counts: np.ndarray

    @classmethod
    def identity(cls, n_clusters: int) -> Draws:
        """The data as observed (one row, every cluster once): gives the point estimate."""
        return cls(np.arange(n_clusters)[None, :], np.ones((1, n_clusters)))


class Estimator(Protocol):
    """A metric that can be recomputed on resampled clusters."""

    kind: ClassVar[str]

    def evaluate(self, draws: Draws) -> np.ndarray:
        """The metric for each resample row (NaN where undefined)."""
        ...

    def arrays(self) -> dict[str, Any]:
        """Plain arrays and scalars from which :func:`estimator_from_arrays` rebuilds the estimator."""
        ...


@dataclass(frozen=True)
class Ratio:
    """``scale * sum(num) / sum(den)`` over drawn clusters (``sqrt`` of the ratio first when ``root``).

    Accuracy, recall, precision, F1 (``num = 2 TP``, ``den = 2 TP + FP + FN``), MAE, RMSE and PCK are all ratios.
    """

    num: np.ndarray
    den: np.ndarray
    scale: float = 1.0
    root: bool = False
    kind: ClassVar[str] = "ratio"

    def evaluate(self, draws: Draws) -> np.ndarray:
        """See class docstring."""
        num = draws.counts @ np.asarray(self.num, dtype=np.float64)
        den = draws.counts @ np.asarray(self.den, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
        return (np.sqrt(value) if self.root else value) * self.scale

    def arrays(self) -> dict[str, Any]:
        """See :class:`Estimator`."""
        return {"num": np.asarray(self.num, dtype=np.float64), "den": np.asarray(self.den, dtype=np.float64),
                "scale": self.scale, "root": self.root}


@dataclass(frozen=True)
class AveragePrecision:
    """COCO-style AP over drawn images (see :mod:`lamm_bench.metrics.detection`), times ``scale``."""

    data: DetectionSet
    scale: float = 1.0
    kind: ClassVar[str] = "average_precision"

    def evaluate(self, draws: Draws) -> np.ndarray:
        """See :class:`Estimator`."""
        return average_precision(self.data, draws.counts) * self.scale

    def arrays(self) -> dict[str, Any]:
        """See :class:`Estimator`."""
        d = self.data
        return {"det_cluster": d.det_cluster, "det_score": d.det_score, "det_tp": d.det_tp,
                "det_class": d.det_class, "gt_count": d.gt_count, "scale": self.scale}


_BUILDERS: dict[str, Callable[[Mapping[str, Any]], Estimator]] = {
    "ratio": lambda a: Ratio(np.asarray(a["num"]), np.asarray(a["den"]), float(a["scale"]), bool(a["root"])),
    "average_precision": lambda a: AveragePrecision(DetectionSet(
        np.asarray(a["det_cluster"]), np.asarray(a["det_score"]), np.asarray(a["det_tp"], dtype=bool),
        np.asarray(a["det_class"]), np.asarray(a["gt_count"])), float(a["scale"])),
}


def register_estimator(kind: str, build: Callable[[Mapping[str, Any]], Estimator]) -> None:
    """Make :func:`estimator_from_arrays` know another estimator kind (used by the caption metrics)."""
    _BUILDERS[kind] = build


def estimator_from_arrays(kind: str, arrays: Mapping[str, Any]) -> Estimator:
    """Rebuild an estimator from :meth:`Estimator.arrays`.

    Raises:
        KeyError: unknown kind.
    """
    return _BUILDERS[kind](arrays)


def draws(n_clusters: int, rng: np.random.Generator, resamples: int = RESAMPLES) -> Iterator[Draws]:
    """Bootstrap resamples of ``n_clusters`` clusters, in memory-bounded batches."""
    per_batch = max(1, _CHUNK_CELLS // max(n_clusters, 1))
    done = 0
    while done < resamples:
        rows = min(per_batch, resamples - done)
        indices = rng.integers(0, n_clusters, size=(rows, n_clusters))
        flat = (indices + (np.arange(rows) * n_clusters)[:, None]).ravel()
        counts = np.bincount(flat, minlength=rows * n_clusters).reshape(rows, n_clusters).astype(np.float64)
        yield Draws(indices, counts)
        done += rows


def _interval(values: np.ndarray, level: float) -> tuple[float, float] | None:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.percentile(finite, [tail, 100.0 - tail])
    return float(low), float(high)


def bootstrap_intervals(estimators: Mapping[str, Estimator], n_clusters: int, rng: np.random.Generator, *,
                        resamples: int = RESAMPLES, level: float = LEVEL) -> dict[str, tuple[float, float] | None]:
    """Percentile interval of every estimator over the same ``resamples`` cluster resamples.

    ``None`` where no resample gives a finite value (e.g. no clusters).
    """
    if n_clusters == 0 or resamples <= 0:
        return dict.fromkeys(estimators)
    collected: dict[str, list[np.ndarray]] = {name: [] for name in estimators}
    for batch in draws(n_clusters, rng, resamples):
        for name, estimator in estimators.items():
            collected[name].append(estimator.evaluate(batch))
    return {name: _interval(np.concatenate(parts), level) for name, parts in collected.items()}


def paired_intervals(a: Mapping[str, Estimator], b: Mapping[str, Estimator], n_clusters: int,
                     rng: np.random.Generator, *, resamples: int = RESAMPLES,
                     level: float = LEVEL) -> dict[str, tuple[float, float] | None]:
    """Percentile interval of ``a[name] - b[name]`` with both recomputed on the same resamples.

    Only names present in both are compared; ``a`` and ``b`` must describe the same clusters in the same order.
    """
    names = [name for name in a if name in b]
    if n_clusters == 0 or resamples <= 0:
        return dict.fromkeys(names)
    collected: dict[str, list[np.ndarray]] = {name: [] for name in names}
    for batch in draws(n_clusters, rng, resamples):
        for name in names:
            collected[name].append(a[name].evaluate(batch) - b[name].evaluate(batch))
    return {name: _interval(np.concatenate(parts), level) for name, parts in collected.items()}


def point_estimate(estimator: Estimator, n_clusters: int) -> float:
    """The estimator on the data as observed."""
    return float(estimator.evaluate(Draws.identity(n_clusters))[0])
