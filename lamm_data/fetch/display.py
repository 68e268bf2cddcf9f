"""Rendering for the ``fetch`` and ``verify`` commands: rich progress bars on stderr, result tables on stdout.

Only the CLI uses this module; the library reports through :class:`~lamm_data.fetch.progress.Progress`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.progress import Progress as RichBars
from rich.table import Table

from lamm_data.fetch.progress import SILENT, Progress
from lamm_data.fetch.report import FetchReport
from lamm_data.fetch.verify import VerifyReport

SHOWN_PROBLEMS = 20


class RichProgress:
    """A :class:`Progress` drawing one bar per task (bytes, rate, ETA); finished tasks are removed."""

    def __init__(self, console: Console) -> None:
        self.bars = RichBars(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                             TimeRemainingColumn(), console=console, transient=True)

    def start(self, label: str, total: int | None) -> int:
        return int(self.bars.add_task(escape(label), total=total))

    def advance(self, task: int, amount: int) -> None:
        self.bars.advance(task, amount)  # type: ignore[arg-type]

    def finish(self, task: int) -> None:
        self.bars.remove_task(task)  # type: ignore[arg-type]


@contextmanager
def progress_bars(console: Console, quiet: bool) -> Iterator[Progress]:
    """Bars on ``console`` while the block runs; :data:`SILENT` when ``quiet`` or not on a terminal."""
    if quiet or not console.is_terminal:
        yield SILENT
        return
    rich_progress = RichProgress(console)
    with rich_progress.bars:
        yield rich_progress


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000  # type: ignore[assignment]
    return str(n)


def fetch_table(report: FetchReport) -> Table:
    """One row per catalog file: path under the root, action, size, sha256 prefix, source and detail."""
    table = Table(title=f"lamm-data fetch {report.group} -> {escape(str(report.root))}")
    for column in ("file", "action", "size", "sha256", "source"):
        table.add_column(column, overflow="fold")
    for o in report.outcomes:
        source = escape(o.source) + (f" ({escape(o.detail)})" if o.detail else "")
        table.add_row(escape(o.relpath), o.action, _size(o.size), o.sha256[:12], source)
    return table


def print_fetch(report: FetchReport, out: Console, err: Console) -> None:
    """Results on ``out``; notes and media problems on ``err``."""
    out.print(fetch_table(report))
    for note in report.notes:
        err.print(f"[yellow]note:[/yellow] {escape(note)}")
    for problem in report.absent_folders:
        err.print(f"[yellow]warning:[/yellow] {escape(str(problem))}")
    missing = report.missing_media
    for problem in missing[:SHOWN_PROBLEMS]:
        err.print(f"[red]missing media:[/red] {escape(str(problem))}")
    if len(missing) > SHOWN_PROBLEMS:
        err.print(f"... and {len(missing) - SHOWN_PROBLEMS} more missing media files")
    counts: dict[str, int] = {}
    for o in report.outcomes:
        counts[o.action] = counts.get(o.action, 0) + 1
    summary = ", ".join(f"{n} {a}" for a, n in counts.items()) or "nothing to do"
    media = ("" if not report.media_checked else "; every referenced media file is present" if report.ok
             else f"; [red]{len(missing)} referenced media file(s) missing[/red]")
    out.print(f"{len(report.outcomes)} file(s): {summary}{media}")


def verify_json(report: VerifyReport) -> dict[str, Any]:
    """Machine-readable form of a verify report."""
    return {"root": str(report.root), "ok": report.ok, "checked": report.checked, "bytes": report.bytes,
            "missing": report.missing, "changed": [{"file": f, "reason": r} for f, r in report.changed],
            "extra": report.extra}


def print_verify(report: VerifyReport, out: Console) -> None:
    """Every problem, one per line, then a summary line."""
    for rel in report.missing:
        out.print(f"[red]missing[/red] {escape(rel)}")
    for rel, reason in report.changed:
        out.print(f"[red]changed[/red] {escape(rel)}: {escape(reason)}")
    for rel in report.extra:
        out.print(f"[yellow]extra[/yellow] {escape(rel)} (not in the manifest)")
    verdict = "[green]all verified[/green]" if report.ok else "[red]problems found[/red]"
    out.print(f"{report.checked} file(s), {_size(report.bytes)} re-hashed; {len(report.missing)} missing, "
              f"{len(report.changed)} changed, {len(report.extra)} extra: {verdict}")
