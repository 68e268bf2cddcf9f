"""The page's charts, built from the reports (metric bars, parse failures, per-joint PCK) and from
diagnostics files (IoU and keypoint-distance histograms). Values are displayed as in :mod:`.board`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from lamm_bench.benchmarks.registry import get_spec
from lamm_bench.diagnostics import DiagnosticsRecord, GroundingDiagnostics
from lamm_bench.leaderboard.board import Column, measured_cell, reported_cell
from lamm_bench.leaderboard.reported import ReportedModel
from lamm_bench.leaderboard.runs import Run
from lamm_bench.leaderboard.samples import BenchmarkSamples
from lamm_bench.leaderboard.svg import Series, bar_chart, color, histogram
from lamm_bench.metrics.pck import PCK_ALPHA
from lamm_data.errors import LammError

Diagnostics = Mapping[str, Mapping[str, BenchmarkSamples]]
"""Per model name: the diagnostics summary of each benchmark."""


def _series(runs: Sequence[Run], columns: Sequence[Column], references: Sequence[ReportedModel]) -> list[Series]:
    out = []
    for k, run in enumerate(runs):
        cells = [measured_cell(run, c) for c in columns]
        out.append(Series(run.name, [c.value for c in cells], [c.ci for c in cells], color(k)))
    for k, ref in enumerate(references, start=len(runs)):
        values = [reported_cell(ref, c).value for c in columns]
        if any(v is not None for v in values):
            out.append(Series(ref.title, values, color=color(k), marker=True))
    return out


def metric_charts(runs: Sequence[Run], columns: Sequence[Column], references: Sequence[ReportedModel] = ()
                  ) -> list[str]:
    """Bars with 95% whiskers for a benchmark's metrics, one chart per scale: percent (rates and LAMM's
    accuracies, axis to at least 100), scores such as CIDEr-D (×100, their own axis), objects, pixels."""
    charts = []
    for scale, (title, axis, min_top) in _SCALES.items():
        chosen = [c for c in columns if _scale(c) == scale]
        if not chosen:
            continue
        charts.append(bar_chart(f"{chosen[0].benchmark}: {title}", [c.label for c in chosen],
                                _series(runs, chosen, references), axis_label=axis, min_top=min_top))
    return charts


_SCALES = {"percent": ("metrics in percent", "percent (95% interval)", 100.0),
           "score": ("scores ×100", "score ×100, e.g. CIDEr-D (95% interval)", 0.0),
           "count": ("errors in objects", "objects (95% interval)", 0.0),
           "pixels": ("distances in pixels", "pixels (95% interval)", 0.0)}
"""Chart title, axis label and least axis top of each display scale."""


def _scale(column: Column) -> str:
    unit = column.metric.unit
    return "percent" if unit in ("fraction", "percent") else unit


def parse_failure_chart(runs: Sequence[Run], benchmarks: Sequence[str]) -> str:
    """Parse-failure rate of every benchmark and model (answers given but not parsed / answers given)."""
    columns = [Column(name, "metrics", "parse_failure_rate") for name in benchmarks]
    return bar_chart("Parse-failure rate per benchmark", benchmarks, _series(runs, columns, ()),
                     axis_label="percent of answers given (95% interval)", label_width=230)


def joint_chart(runs: Sequence[Run], benchmark: str, joints: Sequence[str]) -> str | None:
    """PCK@0.1 of each joint of a keypoint benchmark (``None`` when no report has them)."""
    columns = [Column(benchmark, "metrics", f"pck@0.1/{joint}") for joint in joints]
    series = _series(runs, columns, ())
    if not any(v is not None for s in series for v in s.values):
        return None
    return bar_chart(f"{benchmark}: PCK@0.1 per joint", list(joints), series,
                     axis_label="percent (95% interval)", min_top=100.0)


def _models_with(diagnostics: Diagnostics, benchmark: str, attribute: str) -> list[tuple[int, str, list]]:
    found = []
    for k, (model, summaries) in enumerate(diagnostics.items()):
        summary = summaries.get(benchmark)
        values = getattr(summary, attribute) if summary is not None else []
        if values:
            found.append((k, model, values))
    return found


def _kind(benchmark: str) -> type[DiagnosticsRecord]:
    try:
        return get_spec(benchmark).diagnostics
    except LammError:  # a benchmark this process has no spec for
        return DiagnosticsRecord


def keypoint_charts(runs: Sequence[Run], diagnostics: Diagnostics, benchmark: str) -> list[str]:
    """Per-joint PCK and the joint-error histogram of a benchmark asked one query per joint (else none)."""
    try:
        joints = get_spec(benchmark).protocol.joints
    except LammError:
        return []
    if not joints:
        return []
    return [c for c in (joint_chart(runs, benchmark, joints), pck_histogram(diagnostics, benchmark)) if c]


def iou_histogram(diagnostics: Diagnostics, benchmark: str) -> str | None:
    """Distribution of the best IoU reached for each ground-truth object (detection) or item (grounding)."""
    found = _models_with(diagnostics, benchmark, "ious")
    if not found:
        return None
    edges = np.linspace(0.0, 1.0, 11)
    series = [Series(model, np.histogram(np.clip(values, 0, 1), bins=edges)[0].tolist(), color=color(k))
              for k, model, values in found]
    unit = "description" if _kind(benchmark) is GroundingDiagnostics else "object"
    return histogram(f"{benchmark}: best IoU per ground-truth {unit}", edges.tolist(), series,
                     axis_label=f"IoU (share of ground-truth {unit}s; 0 = no overlapping box)",
                     thresholds=(0.25, 0.5))


def pck_histogram(diagnostics: Diagnostics, benchmark: str) -> str | None:
    """Distribution of keypoint errors in units of the person scale; PCK@0.1 counts those left of 0.1."""
    found = _models_with(diagnostics, benchmark, "joint_distances")
    if not found:
        return None
    edges = np.linspace(0.0, 0.5, 11)
    series = []
    for k, model, values in found:
        known = np.array([v for v in values if v is not None], dtype=np.float64)
        counts = np.histogram(known[known <= edges[-1]], bins=edges)[0].tolist()
        series.append(Series(model, [*counts, int((known > edges[-1]).sum()), sum(v is None for v in values)],
                             color=color(k)))
    return histogram(f"{benchmark}: joint error / person scale", edges.tolist(), series,
                     axis_label="distance to the true joint ÷ max(person width, height) (share of joints)",
                     thresholds=(PCK_ALPHA,), overflow=("> 0.5", "none"))
