"""Compare two reports: per-metric difference ``B - A`` with a paired bootstrap interval where possible.

The interval is paired (both reports' metrics recomputed on the same resamples of images/scenes)
when, for a benchmark, both reports carry their bootstrap sidecar and were scored against the same
ground truth: same meta-file sha256, item count and join mode, and the same cluster keys. Otherwise the
difference is given without an interval and the reason is stated.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from lamm_bench.metrics.bootstrap import RESAMPLES, paired_intervals
from lamm_bench.report import Report, read_report
from lamm_bench.scorers.base import LAMM_PREFIX
from lamm_bench.scoring import benchmark_rng
from lamm_bench.sidecar import BenchmarkEstimators, read_sidecar


@dataclass(frozen=True)
class Difference:
    """One metric of one benchmark in both reports."""

    benchmark: str
    block: str
    name: str
    a: float | None
    b: float | None
    difference: float | None
    ci95: tuple[float, float] | None


@dataclass
class Comparison:
    """All differences, plus why some benchmarks have no paired interval."""

    differences: list[Difference]
    notes: list[str] = field(default_factory=list)
    only_in_a: list[str] = field(default_factory=list)
    only_in_b: list[str] = field(default_factory=list)


def _sidecar(report: Report, path: Path) -> dict[str, BenchmarkEstimators] | None:
    if report.meta.samples is None:
        return None
    return read_sidecar(path.parent / report.meta.samples.file, report.meta.samples.sha256)


def _unpaired_reason(name: str, a: Report, b: Report, side_a, side_b) -> str | None:
    if side_a is None or side_b is None:
        return "a report has no bootstrap sidecar (score with --out to write one)"
    da, db = a.meta.data.benchmarks.get(name), b.meta.data.benchmarks.get(name)
    if da is None or db is None or (da.sha256, da.items, da.join) != (db.sha256, db.items, db.join):
        return "the reports were scored against different ground truth"
    ea, eb = side_a.get(name), side_b.get(name)
    if ea is None or eb is None or (ea.n_clusters, ea.clusters_sha256) != (eb.n_clusters, eb.clusters_sha256):
        return "the sidecars describe different images/scenes"
    return None


def compare_reports(path_a: str | os.PathLike[str], path_b: str | os.PathLike[str], *, seed: int = 0,
                    resamples: int = RESAMPLES) -> Comparison:
    """Differences ``B - A`` for every metric both reports have.

    Raises:
        ReportError: a report or its sidecar cannot be read.
    """
    path_a, path_b = Path(path_a), Path(path_b)
    a, b = read_report(path_a), read_report(path_b)
    side_a, side_b = _sidecar(a, path_a), _sidecar(b, path_b)
    out = Comparison([], only_in_a=sorted(set(a.results) - set(b.results)),
                     only_in_b=sorted(set(b.results) - set(a.results)))
    for name in (n for n in a.results if n in b.results):
        reason = _unpaired_reason(name, a, b, side_a, side_b)
        intervals = {}
        if reason is None:
            ea, eb = side_a[name], side_b[name]  # type: ignore[index]
            intervals = paired_intervals(eb.estimators, ea.estimators, ea.n_clusters, benchmark_rng(seed, name),
                                         resamples=resamples)
        else:
            out.notes.append(f"{name}: no paired interval: {reason}")
        for block, key_prefix in (("lamm", LAMM_PREFIX), ("metrics", "")):
            values_a, values_b = getattr(a.results[name], block), getattr(b.results[name], block)
            for metric in (m for m in values_a if m in values_b):
                va, vb = values_a[metric], values_b[metric]
                diff = None if va is None or vb is None else vb - va
                out.differences.append(Difference(name, block, metric, va, vb, diff,
                                                  intervals.get(key_prefix + metric)))
    return out
