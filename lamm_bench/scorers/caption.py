"""Caption_flickr30k: LAMM's max-over-sentences BLEU4 and the COCO caption metrics."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lamm_bench.diagnostics import CaptionDiagnostics
from lamm_bench.ground_truth import GroundTruth
from lamm_bench.lamm_protocol.captions import best_sentence_bleu
from lamm_bench.metrics.bootstrap import Estimator
from lamm_bench.metrics.captions import caption_estimators
from lamm_bench.scorers.base import BenchmarkScore, ScoringContext, Tally, finish, sample_record
from lamm_bench.text.caption import rouge_l


def score_caption(gt: GroundTruth, texts: Sequence[str | None], ctx: ScoringContext) -> BenchmarkScore:
    """LAMM ``BLEU4`` and pycocoevalcap-equal CIDEr-D, BLEU-1..4 and ROUGE-L (PTB-tokenised, without Java).

    A missing answer is scored as an empty caption (0 on every metric, and it still counts in the corpus).
    """
    sentences = gt.columns["sentences"]
    present = np.array([t is not None for t in texts])
    parsed = np.array([t is not None and bool(t.strip()) for t in texts])
    bleu = np.array([best_sentence_bleu(sentences[i], t) if t is not None else 0.0 for i, t in enumerate(texts)])
    estimators, captions = caption_estimators(sentences, [t or "" for t in texts], gt.cluster)
    refs = dict(zip(captions.ids, captions.references, strict=True))
    rouge = rouge_l(refs, dict(zip(captions.ids, captions.predictions, strict=True)))
    tally = Tally(gt)
    metrics: dict[str, Estimator] = {**estimators, "ROUGE-L": tally.ratio(rouge)}
    samples = None
    if ctx.diagnostics:
        cider, bleu4 = captions.cider.scores(), captions.bleu.scores()[:, 3]
        samples = [sample_record(CaptionDiagnostics, gt, i, t, parsed={"tokens": captions.predictions[i]},
                                 parse_failure=None if parsed[i] or t is None else "empty answer",
                                 references=list(sentences[i]), scores={"CIDEr-D": float(cider[i]),
                                 "BLEU-4": float(bleu4[i]), "ROUGE-L": float(rouge[i])},
                                 lamm={"bleu4": float(bleu[i])})
                   for i, t in enumerate(texts)]
    return finish(gt, present=present, unparsed=present & ~parsed, samples=samples,
                  lamm={"BLEU4": tally.ratio(bleu, scale=100.0)}, metrics=metrics)
