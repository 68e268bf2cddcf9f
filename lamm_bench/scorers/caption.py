"""Caption_flickr30k: LAMM's max-over-sentences BLEU4 and the COCO caption metrics."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lamm_bench.ground_truth import GroundTruth
from lamm_bench.lamm_protocol.captions import best_sentence_bleu
from lamm_bench.scorers.base import BenchmarkScore, ScoringContext, Tally, finish, sample_record


def score_caption(gt: GroundTruth, texts: Sequence[str | None], ctx: ScoringContext) -> BenchmarkScore:
    """LAMM ``BLEU4``; honest CIDEr-D, BLEU-1..4 and ROUGE-L when the caption suite is available."""
    sentences = gt.columns["sentences"]
    present = np.array([t is not None for t in texts])
    parsed = np.array([t is not None and bool(t.strip()) for t in texts])
    bleu = np.array([best_sentence_bleu(sentences[i], t) if t is not None else 0.0 for i, t in enumerate(texts)])
    samples = None
    if ctx.diagnostics:
        samples = [sample_record(gt, i, t, parse_failure=None if parsed[i] or t is None else "empty answer",
                                 references=list(sentences[i]), lamm={"bleu4": float(bleu[i])})
                   for i, t in enumerate(texts)]
    tally = Tally(gt)
    return finish(gt, present=present, unparsed=present & ~parsed, samples=samples,
                  lamm={"BLEU4": tally.ratio(bleu, scale=100.0)}, metrics={})
