"""OCR_SVT: LAMM ``Word Acc`` and honest word recall / precision."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from lamm_bench.diagnostics import OCRDiagnostics
from lamm_bench.ground_truth import GroundTruth
from lamm_bench.lamm_protocol.text_match import word_accuracy
from lamm_bench.parsing.words import normalise_word, parse_words
from lamm_bench.scorers.base import BenchmarkScore, ScoringContext, Tally, finish, sample_record


def score_ocr(gt: GroundTruth, texts: Sequence[str | None], ctx: ScoringContext) -> BenchmarkScore:
    """Honest metrics match words as multisets (a word said once finds one ground-truth occurrence),
    micro-averaged over the corpus: recall = matched / ground-truth words, precision = matched / words read."""
    n = len(gt)
    present = np.array([t is not None for t in texts])
    lamm_acc, matched, n_gt, n_read = (np.zeros(n) for _ in range(4))
    parsed = np.zeros(n, dtype=bool)
    samples = [] if ctx.diagnostics else None
    for i, text in enumerate(texts):
        words = gt.columns["word_list"][i]
        expected = Counter(w for w in (normalise_word(x) for x in words) if w)
        n_gt[i] = sum(expected.values())
        if text is None:
            if samples is not None:
                samples.append(sample_record(OCRDiagnostics, gt, i, None, expected=list(words), correct=False,
                                             lamm={"score": 0.0}))
            continue
        lamm_acc[i] = word_accuracy(words, text)
        found = parse_words(text)
        parsed[i] = found.failure is None
        read = Counter(found.words)
        hits = expected & read
        matched[i], n_read[i] = sum(hits.values()), len(found.words)
        if samples is not None:
            samples.append(sample_record(
                OCRDiagnostics, gt, i, text,
                parsed={"words": list(found.words), "quoted": found.quoted}, parse_failure=found.failure,
                expected=list(words), matched=sorted(hits.elements()), correct=bool(matched[i] == n_gt[i]),
                lamm={"score": float(lamm_acc[i])}))
    tally = Tally(gt)
    return finish(gt, present=present, unparsed=present & ~parsed, samples=samples,
                  lamm={"Word Acc": tally.ratio(lamm_acc, scale=100.0)},
                  metrics={"word_recall": tally.ratio(matched, n_gt), "word_precision": tally.ratio(matched, n_read)})
