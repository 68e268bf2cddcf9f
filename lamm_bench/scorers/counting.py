"""Counting_FSC147: LAMM ``MAE`` / ``MAE(<10)`` and honest MAE, RMSE and exact accuracy."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lamm_bench.diagnostics import CountingDiagnostics
from lamm_bench.ground_truth import GroundTruth
from lamm_bench.lamm_protocol.counting import SMALL_COUNT, count_error
from lamm_bench.parsing import lamm
from lamm_bench.parsing.count import parse_count
from lamm_bench.scorers.base import BenchmarkScore, ScoringContext, Tally, finish, sample_record


def score_counting(gt: GroundTruth, texts: Sequence[str | None], ctx: ScoringContext) -> BenchmarkScore:
    """LAMM: unparsed or missing answers count as 0. Honest: ``MAE`` and ``RMSE`` over parsed answers only
    (read with ``parse_failure_rate``), ``MAE_all`` over every item with an unparsed or missing answer counted as
    a miss by the true count (the error of answering 0), ``exact_accuracy`` over every item."""
    counts = np.asarray(gt.columns["num"], dtype=np.float64)
    n = len(gt)
    present = np.array([t is not None for t in texts])
    lamm_error = np.zeros(n)
    error = np.zeros(n)
    parsed = np.zeros(n, dtype=bool)
    samples = [] if ctx.diagnostics else None
    for i, text in enumerate(texts):
        lamm_error[i] = count_error(int(counts[i]), text or "")
        if text is None:
            if samples is not None:
                samples.append(sample_record(CountingDiagnostics, gt, i, None, expected=int(counts[i]), correct=False,
                                             lamm={"error": lamm_error[i]}))
            continue
        found = parse_count(text)
        if found.value is not None:
            parsed[i] = True
            error[i] = abs(found.value - counts[i])
        if samples is not None:
            samples.append(sample_record(
                CountingDiagnostics, gt, i, text,
                parsed={"number": found.value}, parse_failure=found.failure, expected=int(counts[i]),
                error=float(error[i]) if parsed[i] else None, correct=bool(parsed[i] and error[i] == 0),
                lamm={"number": lamm.count(text.lower()), "error": float(lamm_error[i])}))
    tally = Tally(gt)
    small = counts < SMALL_COUNT
    return finish(
        gt, present=present, unparsed=present & ~parsed, samples=samples,
        lamm={"MAE": tally.ratio(lamm_error), "MAE(<10)": tally.ratio(lamm_error * small, small)},
        metrics={"MAE_all": tally.ratio(np.where(parsed, error, counts)),
                 "MAE": tally.ratio(error * parsed, parsed), "RMSE": tally.ratio(error**2 * parsed, parsed, root=True),
                 "exact_accuracy": tally.ratio(parsed & (error == 0))})
