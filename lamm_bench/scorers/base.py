"""What every benchmark scorer receives and returns."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from lamm_bench.diagnostics import DiagnosticsRecord
from lamm_bench.ground_truth import GroundTruth
from lamm_bench.metrics.bootstrap import Estimator, Ratio, point_estimate

R = TypeVar("R", bound=DiagnosticsRecord)

LAMM_PREFIX = "lamm."
"""Estimators of the ``lamm`` block are keyed ``lamm.<name>`` (their ``ci95`` keys too)."""


@dataclass(frozen=True)
class ScoringContext:
    """Shared inputs of the scorers.

    Attributes:
        label_match: LAMM's WordNet ``classification_acc(label, answer)``.
        tokenize: NLTK-compatible ``word_tokenize`` (CelebA(Smile)).
        diagnostics: build per-sample records.
    """

    label_match: Callable[[str, str], bool]
    tokenize: Callable[[str], list[str]]
    diagnostics: bool = False


@dataclass
class BenchmarkScore:
    """One benchmark's result: LAMM numbers, honest metrics, their estimators and per-sample records."""

    lamm: dict[str, float | None]
    metrics: dict[str, float | None]
    estimators: dict[str, Estimator]
    n: int
    missing: int
    unparsed: int
    n_clusters: int
    samples: list[DiagnosticsRecord] | None = None
    notes: list[str] = field(default_factory=list)


class Tally:
    """Turns per-item numerators and denominators into per-cluster :class:`Ratio` estimators."""

    def __init__(self, gt: GroundTruth) -> None:
        self.cluster = gt.cluster
        self.n_clusters = gt.n_clusters

    def per_cluster(self, values: Sequence[float] | np.ndarray) -> np.ndarray:
        """Sum of an item-level quantity per cluster."""
        return np.bincount(self.cluster, weights=np.asarray(values, dtype=np.float64), minlength=self.n_clusters)

    def ratio(self, num: Sequence[float] | np.ndarray, den: Sequence[float] | np.ndarray | float = 1.0, *,
              scale: float = 1.0, root: bool = False) -> Ratio:
        """``scale * sum(num) / sum(den)`` from item-level values (a scalar ``den`` applies to every item)."""
        den_values = np.full(len(self.cluster), float(den)) if np.isscalar(den) else den
        return Ratio(self.per_cluster(num), self.per_cluster(den_values), scale, root)  # type: ignore[arg-type]


def _clean(value: float) -> float | None:
    return None if not np.isfinite(value) else float(value)


def finish(gt: GroundTruth, *, present: np.ndarray, unparsed: np.ndarray, lamm: Mapping[str, Estimator],
           metrics: Mapping[str, Estimator], samples: list[DiagnosticsRecord] | None,
           extra_metrics: Mapping[str, float | None] | None = None, notes: Sequence[str] = ()) -> BenchmarkScore:
    """Point estimates of every estimator, packed into a :class:`BenchmarkScore`.

    ``present`` and ``unparsed`` are per-item flags (answer given; answer given but not parsed). Every
    benchmark also gets ``parse_failure_rate``: unparsed answers over answers given.
    """
    present = np.asarray(present, dtype=bool)
    unparsed = np.asarray(unparsed, dtype=bool) & present
    estimators: dict[str, Estimator] = {LAMM_PREFIX + k: v for k, v in lamm.items()}
    estimators.update(metrics)
    estimators["parse_failure_rate"] = Tally(gt).ratio(unparsed, present)
    values = {k: _clean(point_estimate(v, gt.n_clusters)) for k, v in estimators.items()}
    metric_values = {k: values[k] for k in [*metrics, "parse_failure_rate"]}
    metric_values.update(extra_metrics or {})
    return BenchmarkScore(
        lamm={k: values[LAMM_PREFIX + k] for k in lamm}, metrics=metric_values, estimators=estimators,
        n=len(gt), missing=int(len(gt) - present.sum()), unparsed=int(unparsed.sum()),
        n_clusters=gt.n_clusters, samples=samples, notes=list(notes))


def sample_record(kind: type[R], gt: GroundTruth, index: int, text: Any, **fields: Any) -> R:
    """A diagnostics record of ``kind``: benchmark, id, index, answer, then the scorer's fields."""
    return kind.build(benchmark=gt.name, id=gt.ids[index] if gt.ids is not None else None, index=index,  # type: ignore[return-value]
                      missing=text is None, text=text, **fields)
