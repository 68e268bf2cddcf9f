"""The Python API of ``lamm_bench``: :func:`score`, :func:`compare` and :func:`report`, as the CLI runs them.

    from lamm_bench import score, compare, report

    result = score("answers.jsonl", root="lamm-sample")                 # a path, as `lamm-bench score` reads it
    result = score([{"id": "0", "benchmark": "CIFAR10", "text": "cat"}], root="lamm-sample", allow_partial=True)
    result.results["Classification_CIFAR10"].metrics["accuracy"]        # a typed Report (pydantic)

Each function returns a value and prints nothing; errors are :class:`lamm_data.errors.LammError` subclasses with
a one-line message.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from lamm_bench.compare import Comparison, compare_reports
from lamm_bench.metrics.bootstrap import RESAMPLES
from lamm_bench.predictions import PredictionSet, predictions_from_records, read_predictions
from lamm_bench.report import Report
from lamm_bench.scoring import score as _score
from lamm_data.layout import default_root

Predictions = str | os.PathLike[str] | Iterable[Mapping[str, Any]]
"""What :func:`score` accepts: a path (JSONL file, legacy answer folder or file), or records in memory (a list of
dicts, a ``datasets.Dataset``, any iterable of mappings with ``id``, ``benchmark`` and ``text``)."""


def prediction_set(predictions: Predictions, benchmark: str | None = None) -> PredictionSet:
    """Read or collect ``predictions`` (see :data:`Predictions`) into a :class:`PredictionSet`."""
    if isinstance(predictions, (str, os.PathLike)):
        return read_predictions(predictions, benchmark)
    return predictions_from_records(predictions, benchmark)


def score(predictions: Predictions, root: str | os.PathLike[str] | None = None, *, benchmark: str | None = None,
          seed: int = 0, resamples: int = RESAMPLES, allow_partial: bool = False, jobs: int = 1,
          out: str | os.PathLike[str] | None = None, diagnostics: str | os.PathLike[str] | None = None) -> Report:
    """Score predictions on the LAMM benchmarks: LAMM's protocol numbers and honest metrics with 95% intervals.

    Args:
        predictions: a path, a list of dicts or a ``datasets.Dataset`` (see :data:`Predictions`).
        root: LAMM root holding the benchmark meta files (default: ``$LAMM_DATA_ROOT``, else ``~/.cache/lamm``).
        benchmark: score only this benchmark (name or alias); records may then omit ``benchmark``.
        seed: bootstrap seed. resamples: bootstrap resamples (0: no intervals).
        allow_partial: score only the benchmarks that have predictions (else every benchmark must have some).
        jobs: worker processes scoring benchmarks in parallel.
        out: also write ``report.json`` here, with its bootstrap sidecar beside it (what :func:`compare` pairs).
        diagnostics: also write the per-sample records (JSONL) here.

    Returns:
        The :class:`~lamm_bench.report.Report`: ``results[benchmark].lamm`` (LAMM's numbers, fractions),
        ``.metrics`` (honest metrics), ``.ci95`` and ``meta``.

    Raises:
        PredictionsError, JoinError, MissingDataError: bad predictions, predictions that do not match the ground
            truth, ground truth missing under ``root``.
    """
    from lamm_bench.outputs import write_outputs

    chosen = prediction_set(predictions, benchmark)
    scored = _score(chosen, Path(root) if root is not None else default_root(), seed=seed, resamples=resamples,
                    allow_partial=allow_partial, diagnostics=diagnostics is not None, jobs=jobs)
    write_outputs(scored, report=out, diagnostics=diagnostics)  # all files or none
    return scored.report


def compare(report_a: str | os.PathLike[str], report_b: str | os.PathLike[str], *, seed: int = 0,
            resamples: int = RESAMPLES) -> Comparison:
    """Per-metric differences ``B - A`` of two ``report.json`` files written by :func:`score` (``out=``) or
    ``lamm-bench score --out``, with a paired bootstrap interval when both were scored on the same data."""
    return compare_reports(report_a, report_b, seed=seed, resamples=resamples)


def report(reports: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str] | None = None, *,
           format: Literal["html", "md"] = "html", names: Sequence[str] = (), references: Sequence[str] = (),
           root: str | os.PathLike[str] | None = None, max_samples: int = 24, title: str | None = None) -> Path | str:
    """A leaderboard of several ``report.json`` files, as ``lamm-bench report`` makes it.

    Returns the path of ``out/index.html`` (``format="html"``, ``out`` required) or of ``out/leaderboard.md``,
    or the Markdown text itself when ``format="md"`` and ``out`` is ``None``. ``references``: published rows
    (``paper-v1``, ``readme-2023-07:LAMM`` ...); ``root``: where the failed samples' questions and pictures are
    read (default: the root each report was scored on).
    """
    from lamm_bench.leaderboard.build import load_leaderboard, markdown, write_html, write_markdown

    if format not in ("html", "md"):
        raise ValueError(f"format must be 'html' or 'md', not {format!r}")
    if format == "html" and out is None:
        raise ValueError("out is required for format='html' (the page is written to out/index.html)")
    board = load_leaderboard(list(reports), names=names, references=references, data=root, max_samples=max_samples)
    if format == "html":
        return write_html(board, out, title=title)  # type: ignore[arg-type]
    return markdown(board) if out is None else write_markdown(board, out)
