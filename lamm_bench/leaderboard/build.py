"""Everything ``lamm-bench report`` does, as library calls: load, then render and write atomically."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lamm_bench.leaderboard.markdown import render_markdown
from lamm_bench.leaderboard.page import render_page
from lamm_bench.leaderboard.reported import ReportedModel, reference_rows
from lamm_bench.leaderboard.runs import Run, data_differences, load_runs
from lamm_bench.leaderboard.samples import BenchmarkSamples, read_samples
from lamm_data.atomic import write_bytes_atomic

HTML_NAME = "index.html"
MARKDOWN_NAME = "leaderboard.md"


@dataclass
class Leaderboard:
    """Loaded inputs of a leaderboard: runs, reference rows and per-model diagnostics summaries."""

    runs: list[Run]
    references: list[ReportedModel] = field(default_factory=list)
    diagnostics: dict[str, dict[str, BenchmarkSamples]] = field(default_factory=dict)

    @property
    def notes(self) -> list[str]:
        """Problems to tell the user about (also shown on the page)."""
        notes = [note for run in self.runs for note in run.notes] + data_differences(self.runs)
        notes += [f"{model}: {s.benchmark}: {s.note}" for model, summaries in self.diagnostics.items()
                  for s in summaries.values() if s.note]
        return notes


def data_root(run: Run, data: str | os.PathLike[str] | None) -> Path:
    """Where a run's questions and media are read: ``data`` if given, else the root its report was scored on."""
    return Path(data) if data is not None else Path(run.report.meta.data.root)


def load_leaderboard(reports: Sequence[str | os.PathLike[str]], *, names: Sequence[str] = (),
                     diagnostics: Sequence[str | os.PathLike[str]] = (), references: Sequence[str] = (),
                     data: str | os.PathLike[str] | None = None, max_samples: int = 24,
                     follow_symlinks: bool = False) -> Leaderboard:
    """Read reports, attach diagnostics (summarized, with ``max_samples`` failed samples per benchmark) and
    select reference rows (``paper-v1``, ``paper-v1:all``, ``readme-2023-07:LAMM`` ...).

    Raises:
        ReportError: bad reports, names, diagnostics or reference specs.
    """
    chosen = [model for spec in references for model in reference_rows(spec)]
    runs = load_runs(reports, names=names, diagnostics=diagnostics)
    summaries = {run.name: read_samples(run.diagnostics, data_root(run, data), limit=max_samples,
                                        follow_symlinks=follow_symlinks)
                 for run in runs if run.diagnostics is not None}
    return Leaderboard(runs, list(dict.fromkeys(chosen)), summaries)


def write_html(board: Leaderboard, out_dir: str | os.PathLike[str], *, title: str | None = None) -> Path:
    """Write ``out_dir/index.html`` (created atomically) and return its path."""
    text = render_page(board.runs, references=board.references, diagnostics=board.diagnostics,
                       **({"title": title} if title else {}))
    path = Path(out_dir) / HTML_NAME
    write_bytes_atomic(path, _utf8(text))
    return path


def _utf8(text: str) -> bytes:
    """UTF-8 bytes of a page; a lone surrogate (an answer may hold one) is shown as ``?``."""
    return text.encode("utf-8", "replace")


def markdown(board: Leaderboard) -> str:
    """The Markdown table."""
    return render_markdown(board.runs, references=board.references)


def write_markdown(board: Leaderboard, out_dir: str | os.PathLike[str]) -> Path:
    """Write ``out_dir/leaderboard.md`` (created atomically) and return its path."""
    path = Path(out_dir) / MARKDOWN_NAME
    write_bytes_atomic(path, _utf8(markdown(board)))
    return path
