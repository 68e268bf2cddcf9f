"""Plain-text views of reports and comparisons (built here as lines, printed by the CLI).

Every view uses the leaderboard's units (:data:`UNITS`): rates and accuracies in percent (LAMM's numbers as LAMM
prints them, honest fractions ×100), Counting's MAE/RMSE in objects, CIDEr-D ×100 as captioning papers report
it. Lines are laid out to fit the terminal (80 columns included) without breaking a word: long benchmark names
give way to their catalog alias (``UCMerced`` for ``Fine-grained_Classification_UCMerced``), which every command
accepts too.
"""

from __future__ import annotations

from collections.abc import Sequence

from lamm_bench.benchmarks.registry import get_spec
from lamm_bench.benchmarks.spec import Metric
from lamm_bench.compare import Comparison, Difference
from lamm_bench.report import BenchmarkResult, Report
from lamm_bench.scorers.base import LAMM_PREFIX
from lamm_data.catalog import resolve
from lamm_data.errors import LammError

UNITS = ("units: % for accuracies and rates (LAMM's numbers as LAMM prints them, honest",
         "fractions ×100), Counting MAE/RMSE in objects, CIDEr-D ×100; [95% interval]")
"""The units note every view prints (the leaderboard page and Markdown state the same convention)."""
SYNONYM_NOTE = ("accuracy_synonym: LAMM's WordNet rule over all items; it rejects some correct",
                "spellings (\"tennis court\" for tenniscourt), so it can be below accuracy_exact")
"""Why ``accuracy_synonym`` may be lower than ``accuracy_exact`` (legend of the views that show both)."""
PARSED_NOTE = ("MAE, RMSE: over read answers only (see parse rate); MAE_all counts an unread",
               "answer as a miss by the true count")
"""What Counting's parsed-only metrics leave out."""
SHORT_NAME = 15
"""Benchmark names longer than this are shown as their shortest alias when the full names do not fit."""


def headlines(benchmark: str) -> tuple[str, ...]:
    """The honest metrics of a benchmark shown in summaries (its spec's headlines; every metric is in report.json)."""
    try:
        return tuple(m.name for m in get_spec(benchmark).headlines)
    except LammError:  # a benchmark this process has no spec for (a report from a plug-in)
        return ()


def metric_of(benchmark: str, block: str, name: str) -> Metric:
    """Direction and unit of a metric from the benchmark's spec (defaults for a benchmark without one)."""
    try:
        return get_spec(benchmark).metric(block, name)  # type: ignore[arg-type]
    except LammError:
        return Metric(name, "higher", "percent" if block == "lamm" else "fraction")


def short_name(benchmark: str) -> str:
    """The benchmark's shortest catalog alias when its name is longer than :data:`SHORT_NAME`, else the name."""
    try:
        aliases = [a for a in resolve(benchmark).aliases if resolve(a).name == benchmark and len(a) < len(benchmark)]
    except LammError:
        return benchmark
    return min(aliases, key=len) if len(benchmark) > SHORT_NAME and aliases else benchmark


def shown(value: float | None, metric: Metric, *, signed: bool = False) -> str:
    """A stored value in display units: ×100 for fractions and scores, 1 decimal (2 for counts and pixels)."""
    if value is None:
        return "-"
    digits = 2 if metric.unit in ("count", "pixels") else 1
    return f"{value * metric.scale:{'+' if signed else ''}.{digits}f}"


def with_interval(value: float | None, ci: Sequence[float] | None, metric: Metric) -> str:
    """``value [low, high]`` in display units (the value alone without an interval)."""
    text = shown(value, metric)
    return text if ci is None else f"{text} [{shown(ci[0], metric)}, {shown(ci[1], metric)}]"


def label(metric: Metric, block: str) -> str:
    """``LAMM Acc`` or the honest metric's key, with ↓ when lower is better."""
    text = f"LAMM {metric.name}" if block == "lamm" else metric.name
    return text + (" ↓" if metric.lower_is_better else "")


def _columns(rows: list[list[str]], width: int) -> list[str]:
    """Left-aligned columns two spaces apart (one when that is what fits ``width``); the last is not padded."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    longest = sum(widths) + max(len(r[-1]) for r in rows) + 2 * len(widths)
    gap = "  " if longest <= width else " "
    return [gap.join([*(c.ljust(w) for c, w in zip(r, widths, strict=False)), r[-1]]).rstrip() for r in rows]


def _names(benchmarks: Sequence[str], fits: int) -> dict[str, str]:
    """Full names when the longest fits in ``fits`` characters, else short names."""
    full = max((len(b) for b in benchmarks), default=0) <= fits
    return {b: b if full else short_name(b) for b in benchmarks}


def _headline(result: BenchmarkResult, benchmark: str, block: str) -> str:
    """``name value [low, high]`` of the first metric of a block that has a value."""
    names = list(result.lamm) if block == "lamm" else [m for m in headlines(benchmark) if m in result.metrics]
    for name in names:
        values = result.lamm if block == "lamm" else result.metrics
        metric = metric_of(benchmark, block, name)
        key = LAMM_PREFIX + name if block == "lamm" else name
        if values.get(name) is not None:
            return f"{metric.name}{' ↓' if metric.lower_is_better else ''} " \
                   f"{with_interval(values[name], result.ci95.get(key), metric)}"
    return "-"


def summary_lines(report: Report, width: int = 80) -> list[str]:
    """One line per benchmark: LAMM's headline number and the honest headline metric, each with its interval."""
    meta = report.meta
    lines = [*_wrap(f"lamm-bench score: {len(report.results)} benchmark(s), {meta.resamples} bootstrap resamples "
                    f"(seed {meta.seed})", width), *UNITS]
    rows = [[name, _headline(r, name, "lamm"), _headline(r, name, "metrics")] for name, r in report.results.items()]
    if not rows:
        return lines
    rest = max(len(r[1]) for r in rows) + max(len(r[2]) for r in rows) + 4
    names = _names([r[0] for r in rows], width - rest - 2)
    table = [["benchmark", "LAMM protocol", "honest metric"], *([names[r[0]], r[1], r[2]] for r in rows)]
    lines += ["", *_columns(table, width)]
    flagged = [f"{names[n]} {r.missing} missing" for n, r in report.results.items() if r.missing]
    flagged += [f"{names[n]} {r.unparsed} unreadable" for n, r in report.results.items() if r.unparsed]
    if flagged:
        lines += ["", *_wrap("answers: " + ", ".join(flagged), width)]
    lines += ["", "↓ lower is better; --details: every metric with counts and notes"]
    return lines


def detail_lines(report: Report, width: int = 80) -> list[str]:
    """Every metric of every benchmark, one per line, grouped by benchmark, with the legend."""
    meta = report.meta
    lines = [*_wrap(f"lamm-bench score: every metric, {meta.resamples} bootstrap resamples (seed {meta.seed})",
                    width), *UNITS]
    for name, result in report.results.items():
        lines += ["", f"{name}: {result.n} items, {result.missing} missing, {result.unparsed} unreadable answers"]
        rows = []
        for block, values in (("lamm", result.lamm), ("metrics", result.metrics)):
            for key, value in values.items():
                metric = metric_of(name, block, key)
                ci = result.ci95.get(LAMM_PREFIX + key if block == "lamm" else key)
                rows.append(["  " + label(metric, block), with_interval(value, ci, metric)])
        lines += _columns(rows, width) if rows else []
    shown_keys = {k for r in report.results.values() for k in r.metrics}
    lines += ["", "↓ lower is better"]
    if "accuracy_synonym" in shown_keys:
        lines += list(SYNONYM_NOTE)
    if "MAE_all" in shown_keys:
        lines += list(PARSED_NOTE)
    return lines


def _unchanged(d: Difference, metric: Metric) -> bool:
    """The difference and its interval all read 0 at display precision (or there is no difference)."""
    values = [d.difference, *(d.ci95 or ())]
    return d.a == d.b or all(v is not None and shown(abs(v), metric) == shown(0.0, metric) for v in values)


def comparison_lines(comparison: Comparison, *, all_metrics: bool = False, width: int = 80) -> list[str]:
    """One line per metric that changed: A, B, B - A and its paired 95% interval, in display units, with the
    direction of the metric (↓: lower is better, so a negative difference is an improvement). Unchanged rows
    and non-headline honest metrics are left out unless ``all_metrics``."""
    rows, hidden = [], 0
    for d in comparison.differences:
        if not all_metrics and d.block == "metrics" and d.name not in headlines(d.benchmark):
            continue
        metric = metric_of(d.benchmark, d.block, d.name)
        if not all_metrics and _unchanged(d, metric):
            hidden += 1
            continue
        ci = "-" if d.ci95 is None else f"[{shown(d.ci95[0], metric, signed=True)}, " \
                                        f"{shown(d.ci95[1], metric, signed=True)}]"
        rows.append([d.benchmark, label(metric, d.block), shown(d.a, metric), shown(d.b, metric),
                     shown(d.difference, metric, signed=True), ci])
    lines = ["lamm-bench compare: B - A per metric, paired 95% interval", *UNITS]
    if rows:
        rest = sum(max(len(r[i]) for r in rows) + 2 for i in range(1, 6))
        names = _names([r[0] for r in rows], width - rest - 2)
        table = [["benchmark", "metric", "A", "B", "B - A", "interval"],
                 *([names[r[0]], *r[1:]] for r in rows)]
        lines += ["", *_columns(table, width)]
    else:
        lines += ["", "no metric changed"]
    notes = ["↓ lower is better: a negative B - A is an improvement"]
    if hidden:
        notes.append(f"{hidden} unchanged row(s) hidden; --all shows them and every metric")
    return [*lines, "", *notes]


def _wrap(text: str, width: int) -> list[str]:
    """Word-wrap at spaces (a word longer than the width stays whole on its own line)."""
    lines, current = [], ""
    for word in text.split(" "):
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = "  " + word
        else:
            current = f"{current} {word}" if current else word
    return [*lines, current] if current else lines
