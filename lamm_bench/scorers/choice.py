"""Multiple-choice benchmarks (option letters from the spec: A-E for VQA_AI2D and VQA_SQAimage, A-F for ScanQA)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lamm_bench.benchmarks.registry import get_spec
from lamm_bench.diagnostics import ChoiceDiagnostics
from lamm_bench.ground_truth import GroundTruth
from lamm_bench.lamm_protocol.choice import choice_correct
from lamm_bench.parsing.choice import parse_choice
from lamm_bench.scorers.base import BenchmarkScore, ScoringContext, Tally, finish, sample_record


def score_choice(gt: GroundTruth, texts: Sequence[str | None], ctx: ScoringContext) -> BenchmarkScore:
    """LAMM ``Acc`` (``VQAvisionacc``) and honest ``accuracy`` / ``parse_rate``."""
    letters = get_spec(gt.name).choice_letters
    n = len(gt)
    present = np.array([t is not None for t in texts])
    lamm_ok = np.zeros(n, dtype=bool)
    parsed = np.zeros(n, dtype=bool)
    right = np.zeros(n, dtype=bool)
    samples = [] if ctx.diagnostics else None
    for i, text in enumerate(texts):
        answer, choices = gt.columns["gt_choice"][i], gt.columns["gt_choices"][i]
        if text is None:
            if samples is not None:
                samples.append(sample_record(ChoiceDiagnostics, gt, i, None, correct=False, lamm={"correct": False}))
            continue
        lamm_ok[i] = choice_correct(text, choices, answer, letters)
        found = parse_choice(text, choices)
        parsed[i] = found.index is not None
        right[i] = found.index == answer
        if samples is not None:
            letter = None if found.index is None else chr(ord("A") + found.index)
            samples.append(sample_record(
                ChoiceDiagnostics, gt, i, text,
                parsed={"option": letter, "how": found.how}, parse_failure=found.failure,
                expected=letters[answer], correct=bool(right[i]), lamm={"correct": bool(lamm_ok[i])},
                note=None if found.index is None or found.index < len(choices) else
                f"option {letter} does not exist ({len(choices)} options)"))
    tally = Tally(gt)
    return finish(gt, present=present, unparsed=present & ~parsed, samples=samples,
                  lamm={"Acc": tally.ratio(lamm_ok, scale=100.0)},
                  metrics={"accuracy": tally.ratio(right), "parse_rate": tally.ratio(parsed, present)})
