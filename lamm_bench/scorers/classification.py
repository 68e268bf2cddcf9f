"""Classification benchmarks: CIFAR10, UCMerced, CelebA(Hair) (a class name) and CelebA(Smile) (yes/no)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lamm_bench.benchmarks.registry import get_spec
from lamm_bench.diagnostics import ClassDiagnostics, SmileDiagnostics
from lamm_bench.ground_truth import GroundTruth
from lamm_bench.lamm_protocol.text_match import label_in_text, smile_label
from lamm_bench.parsing.mentions import Vocabulary
from lamm_bench.parsing.yesno import parse_smile
from lamm_bench.scorers.base import BenchmarkScore, ScoringContext, Tally, finish, sample_record


def score_class_name(gt: GroundTruth, texts: Sequence[str | None], ctx: ScoringContext) -> BenchmarkScore:
    """CIFAR10, UCMerced, CelebA(Hair): LAMM ``Acc``; honest ``accuracy_exact`` and ``accuracy_synonym``.

    The label is the benchmark's (first) ground-truth field. LAMM (the spec's ``lamm_rule``): CIFAR10 and Hair
    use the WordNet synonym rule, UCMerced a case-sensitive substring test (``substring``); CIFAR10 divides by
    the number of answers given (``answers``: ``len(pred_data)``), the others by the item count.
    """
    spec = get_spec(gt.name)
    labels = gt.columns[spec.gt_fields[0]]
    substring = "substring" in spec.lamm_rule
    vocabulary = Vocabulary([*spec.label_set, *labels])
    n = len(gt)
    present = np.array([t is not None for t in texts])
    lamm_ok, exact, synonym, parsed = (np.zeros(n, dtype=bool) for _ in range(4))
    samples = [] if ctx.diagnostics else None
    for i, text in enumerate(texts):
        label = labels[i]
        if text is None:
            if samples is not None:
                samples.append(sample_record(ClassDiagnostics, gt, i, None, expected=label, correct=False,
                                             lamm={"correct": False}))
            continue
        synonym[i] = ctx.label_match(label, text)
        lamm_ok[i] = label_in_text(label, text) if substring else synonym[i]
        named = vocabulary.named(text)
        parsed[i] = len(named) == 1
        exact[i] = named == [label]
        if samples is not None:
            failure = None if parsed[i] else ("no class named" if not named else f"several classes named: "
                                                                                 f"{', '.join(named)}")
            samples.append(sample_record(ClassDiagnostics, gt, i, text, parsed={"classes": named},
                                         parse_failure=failure, expected=label, correct=bool(exact[i]),
                                         synonym_match=bool(synonym[i]), lamm={"correct": bool(lamm_ok[i])}))
    tally = Tally(gt)
    lamm_den = present if "answers" in spec.lamm_rule else 1.0
    return finish(gt, present=present, unparsed=present & ~parsed, samples=samples,
                  lamm={"Acc": tally.ratio(lamm_ok, lamm_den, scale=100.0)},
                  metrics={"accuracy_exact": tally.ratio(exact), "accuracy_synonym": tally.ratio(synonym)})


def score_smile(gt: GroundTruth, texts: Sequence[str | None], ctx: ScoringContext) -> BenchmarkScore:
    """CelebA(Smile): LAMM ``Acc`` ("no"/"not" token means not smiling) and honest yes/no ``accuracy``."""
    attrs = gt.columns["attr"]
    n = len(gt)
    present = np.array([t is not None for t in texts])
    lamm_ok, right, parsed = (np.zeros(n, dtype=bool) for _ in range(3))
    samples = [] if ctx.diagnostics else None
    for i, text in enumerate(texts):
        if text is None:
            if samples is not None:
                samples.append(sample_record(SmileDiagnostics, gt, i, None, expected=attrs[i], correct=False,
                                             lamm={"correct": False}))
            continue
        lamm_label = smile_label(text, ctx.tokenize)
        lamm_ok[i] = lamm_label == attrs[i]
        found = parse_smile(text)
        parsed[i] = found.label is not None
        right[i] = found.label == attrs[i]
        if samples is not None:
            samples.append(sample_record(SmileDiagnostics, gt, i, text, parsed={"label": found.label, "how": found.how},
                                         parse_failure=found.failure, expected=attrs[i], correct=bool(right[i]),
                                         lamm={"label": lamm_label, "correct": bool(lamm_ok[i])}))
    tally = Tally(gt)
    return finish(gt, present=present, unparsed=present & ~parsed, samples=samples,
                  lamm={"Acc": tally.ratio(lamm_ok, scale=100.0)}, metrics={"accuracy": tally.ratio(right)})
