"""Seeded cluster bootstrap: 95% percentile intervals, and paired intervals for differences.

Every metric is an *estimator* over clusters (images or scenes): a function of how often each
cluster was drawn. Mean-type metrics are :class:`Ratio` of per-cluster sums; AP is
:class:`AveragePrecision`; corpus caption metrics are
:class:`~lamm_bench.metrics.captions.CaptionCorpus`, which recomputes the corpus statistics (CIDEr-D's
IDF included) from the drawn clusters. Every estimator turns into plain arrays (:meth:`arrays`) and back
(:func:`lamm_bench.metrics.estimators.estimator_from_arrays`), which is what the report's sidecar stores so
that ``lamm-bench compare`` can redraw the same resamples for two reports.

Randomness comes only from the ``numpy.random.Generator`` passed in. When every estimator of a benchmark is
a ratio, clusters with identical values are merged and the merged groups' counts drawn from the equivalent
multinomial (same bootstrap distribution, much cheaper for 20,000 yes/no items).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import numpy as np

from lamm_bench.metrics.detection import DetectionSet, average_precision

RESAMPLES = 1000
"""Default number of bootstrap resamples."""
LEVEL = 0.95
_CHUNK_CELLS = 2_000_000  # resamples x clusters drawn at once (bounds memory)


@dataclass(frozen=True)
class Draws:
    """A batch of resamples: ``indices`` (B, C) clusters drawn, ``counts`` (B, C) times each cluster was drawn.

    ``cache`` lets estimators of one batch share work (e.g. AP at two thresholds over the same detections).
    """

    indices: np.ndarray
    counts: np.ndarray
    cache: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

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
        """Plain arrays and scalars from which :func:`~lamm_bench.metrics.estimators.estimator_from_arrays` rebuilds
        the estimator."""
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
        return self.from_sums(draws.counts @ np.asarray(self.num, dtype=np.float64),
                              draws.counts @ np.asarray(self.den, dtype=np.float64))

    def from_sums(self, num: np.ndarray, den: np.ndarray) -> np.ndarray:
        """The metric from resampled sums of ``num`` and ``den`` (NaN where ``den`` is 0)."""
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
        return average_precision(self.data, draws.counts, draws.cache) * self.scale

    def arrays(self) -> dict[str, Any]:
        """See :class:`Estimator`."""
        d = self.data
        return {"det_cluster": d.det_cluster, "det_score": d.det_score, "det_tp": d.det_tp,
                "det_class": d.det_class, "gt_count": d.gt_count, "scale": self.scale}


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


def _grouped(estimators: list[Ratio], n_clusters: int) -> tuple[list[Ratio], np.ndarray] | None:
    """Clusters with identical values in every ratio, merged: reduced estimators and group sizes.

    Drawing ``n_clusters`` clusters uniformly with replacement draws each group a Multinomial number of
    times, so resampling the groups is the same bootstrap at a fraction of the cost. ``None`` when merging
    does not shrink the problem at least fourfold.
    """
    stacked = np.column_stack([column for r in estimators for column in (r.num, r.den)])
    unique, inverse = np.unique(stacked, axis=0, return_inverse=True)
    if len(unique) * 4 > n_clusters:
        return None
    reduced = [Ratio(unique[:, 2 * i], unique[:, 2 * i + 1], r.scale, r.root) for i, r in enumerate(estimators)]
    return reduced, np.bincount(inverse.ravel(), minlength=len(unique)).astype(np.float64)


def _resampled(sides: list[Mapping[str, Estimator]], n_clusters: int, rng: np.random.Generator,
               resamples: int) -> list[dict[str, np.ndarray]]:
    """Every estimator of every side evaluated on the same ``resamples`` cluster resamples."""
    names = [list(side) for side in sides]
    flat = [side[name] for side, keys in zip(sides, names, strict=True) for name in keys]
    collected: list[list[np.ndarray]] = [[] for _ in flat]
    grouped = _grouped(flat, n_clusters) if flat and all(isinstance(e, Ratio) for e in flat) else None  # type: ignore[arg-type]
    if grouped is not None:
        reduced, sizes = grouped
        counts = rng.multinomial(n_clusters, sizes / sizes.sum(), size=resamples).astype(np.float64)
        batch = Draws(np.empty((resamples, 0), dtype=np.int64), counts)
        collected = [[estimator.evaluate(batch)] for estimator in reduced]
    else:
        # all ratios of a batch in one matrix product (counts @ [num | den] columns) rather than one each
        ratios = [i for i, e in enumerate(flat) if isinstance(e, Ratio)]
        columns = np.column_stack([c for i in ratios for c in (flat[i].num, flat[i].den)]) if ratios else None  # type: ignore[union-attr]
        for batch in draws(n_clusters, rng, resamples):
            sums = batch.counts @ columns if columns is not None else None
            for k, i in enumerate(ratios):
                collected[i].append(flat[i].from_sums(sums[:, 2 * k], sums[:, 2 * k + 1]))  # type: ignore[union-attr,index]
            for i, estimator in enumerate(flat):
                if not isinstance(estimator, Ratio):
                    collected[i].append(estimator.evaluate(batch))
    out: list[dict[str, np.ndarray]] = []
    position = 0
    for keys in names:
        out.append({name: np.concatenate(collected[position + j]) for j, name in enumerate(keys)})
        position += len(keys)
    return out


def bootstrap_intervals(estimators: Mapping[str, Estimator], n_clusters: int, rng: np.random.Generator, *,
                        resamples: int = RESAMPLES, level: float = LEVEL) -> dict[str, tuple[float, float] | None]:
    """Percentile interval of every estimator over the same ``resamples`` cluster resamples.

    ``None`` where no resample gives a finite value (e.g. no clusters).
    """
    if n_clusters == 0 or resamples <= 0:
        return dict.fromkeys(estimators)
    (values,) = _resampled([estimators], n_clusters, rng, resamples)
    return {name: _interval(v, level) for name, v in values.items()}


def paired_intervals(a: Mapping[str, Estimator], b: Mapping[str, Estimator], n_clusters: int,
                     rng: np.random.Generator, *, resamples: int = RESAMPLES,
                     level: float = LEVEL) -> dict[str, tuple[float, float] | None]:
    """Percentile interval of ``a[name] - b[name]`` with both recomputed on the same resamples.

    Only names present in both are compared; ``a`` and ``b`` must describe the same clusters in the same order.
    """
    names = [name for name in a if name in b]
    if n_clusters == 0 or resamples <= 0:
        return dict.fromkeys(names)
    va, vb = _resampled([{n: a[n] for n in names}, {n: b[n] for n in names}], n_clusters, rng, resamples)
    return {name: _interval(va[name] - vb[name], level) for name in names}


def point_estimate(estimator: Estimator, n_clusters: int) -> float:
    """The estimator on the data as observed."""
    return float(estimator.evaluate(Draws.identity(n_clusters))[0])
