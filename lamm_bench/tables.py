"""Rich tables of reports and comparisons (built here, printed by the CLI)."""

from __future__ import annotations

from rich.table import Table

from lamm_bench.benchmarks.registry import get_spec
from lamm_bench.compare import Comparison
from lamm_bench.report import Report
from lamm_bench.scorers.base import LAMM_PREFIX
from lamm_data.errors import LammError


def headlines(benchmark: str) -> tuple[str, ...]:
    """The honest metrics of a benchmark shown in summaries (its spec's headlines; every metric is in report.json)."""
    try:
        return tuple(m.name for m in get_spec(benchmark).headlines)
    except LammError:  # a benchmark this process has no spec for (a report from a plug-in)
        return ()


def _number(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _with_ci(value: float | None, ci: tuple[float, float] | None, digits: int) -> str:
    text = _number(value, digits)
    return text if ci is None else f"{text} [{_number(ci[0], digits)}, {_number(ci[1], digits)}]"


def report_table(report: Report) -> Table:
    """One row per benchmark: counts, the LAMM numbers and the headline honest metrics, with 95% intervals."""
    table = Table(title=f"lamm-bench score ({report.meta.resamples} bootstrap resamples, seed {report.meta.seed})")
    for column in ("benchmark", "n", "missing", "unparsed", "LAMM protocol", "metrics"):
        table.add_column(column, overflow="fold", justify="right" if column in ("n", "missing", "unparsed") else "left")
    for name, result in report.results.items():
        lamm = "\n".join(f"{k} {_with_ci(v, result.ci95.get(LAMM_PREFIX + k), 2)}" for k, v in result.lamm.items())
        shown = [m for m in headlines(name) if m in result.metrics] + ["parse_failure_rate"]
        metrics = "\n".join(f"{m} {_with_ci(result.metrics[m], result.ci95.get(m), 3)}" for m in shown)
        table.add_row(name, str(result.n), str(result.missing), str(result.unparsed), lamm, metrics)
    return table


def comparison_table(comparison: Comparison, *, all_metrics: bool = False) -> Table:
    """One row per metric: A, B, B - A and its paired 95% interval."""
    table = Table(title="lamm-bench compare (B - A)")
    for column in ("benchmark", "metric", "A", "B", "B - A", "95% CI (paired)"):
        table.add_column(column, overflow="fold")
    for d in comparison.differences:
        if not all_metrics and d.block == "metrics" and d.name not in headlines(d.benchmark):
            continue
        name = f"{'lamm ' if d.block == 'lamm' else ''}{d.name}"
        ci = "-" if d.ci95 is None else f"[{d.ci95[0]:+.4g}, {d.ci95[1]:+.4g}]"
        diff = "-" if d.difference is None else f"{d.difference:+.4g}"
        table.add_row(d.benchmark, name, _number(d.a, 4), _number(d.b, 4), diff, ci)
    return table
