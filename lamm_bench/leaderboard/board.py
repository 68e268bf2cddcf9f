"""The leaderboard as values: columns (benchmark, block, metric), one row per model, best value per column.

Display convention (both the HTML page and the Markdown table): LAMM-protocol numbers are shown as
the report stores them (percent; Counting_FSC147's MAE in objects); honest metrics stored as fractions (and
scores such as CIDEr-D) are shown ×100 so that both blocks read on one scale; counts (MAE, RMSE) stay in
objects. Direction and unit of each metric come from the benchmark's spec. The best value of a column is the
highest (the lowest for errors, MAE/RMSE and failure rates) among measured rows only;
reported reference rows are never marked, nor is anything when fewer than two rows have a value or all
values are equal, nor a row on a metric computed over parsed answers only (Counting's MAE, RMSE) when fewer
than half of its answers were read. Ties are all marked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from lamm_bench.benchmarks.registry import get_spec
from lamm_bench.benchmarks.spec import Metric
from lamm_bench.leaderboard.reported import ReportedModel, Status
from lamm_bench.leaderboard.runs import Run
from lamm_bench.scorers.base import LAMM_PREFIX
from lamm_bench.tables import headlines
from lamm_data.catalog import benchmark_names
from lamm_data.errors import LammError

Block = Literal["lamm", "metrics"]

_TIE = 1e-9


@dataclass(frozen=True)
class Column:
    """One metric of one benchmark: ``block`` is ``lamm`` (LAMM's evaluator) or ``metrics`` (honest)."""

    benchmark: str
    block: Block
    name: str

    @property
    def ci_key(self) -> str:
        """Key of this metric in a result's ``ci95``."""
        return LAMM_PREFIX + self.name if self.block == "lamm" else self.name

    @property
    def metric(self) -> Metric:
        """The metric's direction and unit, from the benchmark's spec (defaults when it has none)."""
        try:
            return get_spec(self.benchmark).metric(self.block, self.name)
        except LammError:  # a benchmark this process has no spec for (a report from a plug-in)
            return Metric(self.name, "higher", "percent" if self.block == "lamm" else "fraction")

    @property
    def lower_is_better(self) -> bool:
        """Errors and failure rates: lower is better."""
        return self.metric.lower_is_better

    @property
    def raw(self) -> bool:
        """Counted in objects or pixels (MAE, RMSE), not a rate."""
        return self.metric.unit in ("count", "pixels")

    @property
    def scale(self) -> float:
        """Factor from the stored value to the displayed one (fractions and scores ×100)."""
        return self.metric.scale

    @property
    def label(self) -> str:
        """Header text: ``LAMM Acc`` or the honest metric's name, with an arrow for lower-is-better."""
        text = f"LAMM {self.name}" if self.block == "lamm" else self.name
        return text + (" ↓" if self.lower_is_better else "")


@dataclass(frozen=True)
class Cell:
    """A displayed value (already scaled), its interval, or the status of a reported number."""

    value: float | None = None
    ci: tuple[float, float] | None = None
    status: Status | None = None


@dataclass(frozen=True)
class Row:
    """A model: measured (from a report) or reported (published numbers)."""

    name: str
    reported: bool
    cells: dict[Column, Cell] = field(default_factory=dict)


@dataclass(frozen=True)
class Board:
    """Columns, rows and the best cells (``(row index, column)``)."""

    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    best: frozenset[tuple[int, Column]]

    def is_best(self, row: int, column: Column) -> bool:
        """Whether the cell holds the best value of its column."""
        return (row, column) in self.best


def benchmarks_of(runs: Sequence[Run]) -> list[str]:
    """Benchmarks present in any report, in catalog order."""
    present = {name for run in runs for name in run.report.results}
    return [name for name in benchmark_names() if name in present]


def _present(runs: Sequence[Run], column: Column) -> bool:
    for run in runs:
        result = run.report.results.get(column.benchmark)
        if result is not None and getattr(result, column.block).get(column.name) is not None:
            return True
    return False


def lamm_columns(runs: Sequence[Run], benchmark: str) -> list[Column]:
    """The LAMM-protocol metrics of a benchmark, in report order."""
    names = dict.fromkeys(k for run in runs if benchmark in run.report.results
                          for k in run.report.results[benchmark].lamm)
    return [Column(benchmark, "lamm", name) for name in names]


def headline_columns(runs: Sequence[Run], benchmark: str, *, limit: int | None = None) -> list[Column]:
    """The headline honest metrics of a benchmark (those of ``lamm-bench score``'s table) that have values."""
    columns = [Column(benchmark, "metrics", m) for m in headlines(benchmark)]
    return [c for c in columns if _present(runs, c)][:limit]


def leaderboard_columns(runs: Sequence[Run]) -> list[Column]:
    """Main table: per benchmark, every LAMM number and the first headline honest metric."""
    return [c for name in benchmarks_of(runs) for c in (*lamm_columns(runs, name), *headline_columns(runs, name,
                                                                                                   limit=1))]


def detail_columns(runs: Sequence[Run], benchmark: str) -> list[Column]:
    """Per-benchmark table: LAMM numbers, every headline metric and the parse-failure rate."""
    failure = Column(benchmark, "metrics", "parse_failure_rate")
    return [*lamm_columns(runs, benchmark), *headline_columns(runs, benchmark),
            *([failure] if _present(runs, failure) else [])]


def measured_cell(run: Run, column: Column) -> Cell:
    """A report's value for a column, scaled for display (empty when the report lacks it)."""
    result = run.report.results.get(column.benchmark)
    if result is None:
        return Cell()
    value = getattr(result, column.block).get(column.name)
    ci = result.ci95.get(column.ci_key)
    return Cell(None if value is None else value * column.scale,
                None if ci is None else (ci[0] * column.scale, ci[1] * column.scale))


def reported_cell(model: ReportedModel, column: Column) -> Cell:
    """A published value for a column (only LAMM-protocol columns have one)."""
    value = model.value(column.benchmark, column.name) if column.block == "lamm" else None
    if isinstance(value, str):
        return Cell(status=value)
    return Cell(value)


MIN_PARSED = 0.5
"""A metric over parsed answers only marks a row best only when at least this fraction of its items has a read
answer."""


def _best(rows: Sequence[Row], columns: Sequence[Column], parsed: Sequence[dict[str, float | None]]) -> \
        frozenset[tuple[int, Column]]:
    best: set[tuple[int, Column]] = set()
    for column in columns:
        values = [(i, row.cells[column].value) for i, row in enumerate(rows) if not row.reported
                  and row.cells[column].value is not None and _covers(column, parsed[i])]
        if len(values) < 2:
            continue
        if max(v for _, v in values) - min(v for _, v in values) <= _TIE:  # type: ignore[operator]
            continue  # all equal: nothing to mark
        pick = min if column.lower_is_better else max
        target = pick(v for _, v in values)
        best.update((i, column) for i, v in values if abs(v - target) <= _TIE)  # type: ignore[operator]
    return frozenset(best)


def _covers(column: Column, parsed: dict[str, float | None]) -> bool:
    """Whether a row may be marked best in ``column``: always, unless the metric ignores unread answers and fewer
    than half of this row's items have a read answer."""
    if column.metric.over != "parsed":
        return True
    rate = parsed.get(column.benchmark)
    return rate is not None and rate >= MIN_PARSED


def _parsed_rates(run: Run) -> dict[str, float | None]:
    """Fraction of each benchmark's items whose answer was given and could be read."""
    return {name: (r.n - r.missing - r.unparsed) / r.n if r.n else None for name, r in run.report.results.items()}


def build_board(runs: Sequence[Run], columns: Sequence[Column], references: Sequence[ReportedModel] = ()) -> Board:
    """Rows for the runs (in order), then the reference rows, and the best cell of each column."""
    rows = [Row(run.name, False, {c: measured_cell(run, c) for c in columns}) for run in runs]
    rows += [Row(ref.title, True, {c: reported_cell(ref, c) for c in columns}) for ref in references]
    parsed = [_parsed_rates(run) for run in runs] + [{} for _ in references]
    return Board(tuple(columns), tuple(rows), _best(rows, columns, parsed))


def format_value(cell: Cell) -> str:
    """``25.00``; the status of a reported number; ``–`` when there is none."""
    if cell.status is not None:
        return cell.status
    return "–" if cell.value is None else f"{cell.value:.2f}"


def format_ci(cell: Cell) -> str:
    """``[0.00, 75.00]`` or an empty string."""
    return "" if cell.ci is None else f"[{cell.ci[0]:.2f}, {cell.ci[1]:.2f}]"
