"""LAMM's flickr30k "BLEU4": per image, the best NLTK ``sentence_bleu`` over the answer's sentences."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from lamm_bench.parsing import lamm

_WEIGHTS = (0.25, 0.25, 0.25, 0.25)


def best_sentence_bleu(references: Sequence[str], text: str) -> float:
    """BLEU-4 of one image as LAMM's ``BLEU4`` computed it, as a fraction (the benchmark mean is x100).

    References: each reference with every ``.`` removed, split on whitespace (case kept). Answer:
    :func:`lamm_bench.parsing.lamm.quoted`, split on ``.``; each piece split on whitespace is scored
    with NLTK ``sentence_bleu`` (uniform 4-gram weights, no smoothing) and the maximum is kept.
    """
    from nltk.translate.bleu_score import sentence_bleu

    refs = [sentence.replace(".", "").split() for sentence in references]
    best = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NLTK warns about zero n-gram counts; LAMM scored them as NLTK does
        for piece in lamm.quoted(text).split("."):
            best = max(best, float(sentence_bleu(refs, piece.split(), _WEIGHTS)))
    return best
