"""Corpus caption metrics (CIDEr-D, BLEU-1..4) as bootstrap estimators over images.

The metrics themselves are :mod:`lamm_bench.text.caption` (pycocoevalcap-equal, Java-free). A resample
re-scores the drawn images as a multiset: CIDEr-D recomputes its document frequencies (IDF) from the
drawn images' references, BLEU sums the drawn images' n-gram statistics. ROUGE-L is a mean of per-image
values and is an ordinary :class:`~lamm_bench.metrics.bootstrap.Ratio`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np

from lamm_bench.metrics.bootstrap import Draws

CORPUS_METRICS = ("CIDEr-D", "BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4")


@dataclass(eq=False)
class TokenisedCaptions:
    """PTB-tokenised references and predictions, one entry per benchmark item, and each item's cluster."""

    references: list[list[str]]
    predictions: list[str]
    cluster: np.ndarray

    @property
    def ids(self) -> list[str]:
        return [str(i) for i in range(len(self.predictions))]

    @cached_property
    def cider(self) -> Any:
        from lamm_bench.text.caption import CiderD

        return CiderD.prepare(dict(zip(self.ids, self.references, strict=True)),
                              dict(zip(self.ids, self.predictions, strict=True)))

    @cached_property
    def bleu(self) -> Any:
        from lamm_bench.text.caption import Bleu

        return Bleu.prepare(dict(zip(self.ids, self.references, strict=True)),
                            dict(zip(self.ids, self.predictions, strict=True)))

    def arrays(self) -> dict[str, np.ndarray]:
        """Texts as fixed-width unicode arrays (no pickling): references flattened with per-item counts."""
        return {"ref_text": np.array([r for refs in self.references for r in refs], dtype=str),
                "ref_count": np.array([len(refs) for refs in self.references], dtype=np.int64),
                "pred_text": np.array(self.predictions, dtype=str), "cluster": np.asarray(self.cluster)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, Any]) -> TokenisedCaptions:
        flat = [str(x) for x in arrays["ref_text"]]
        bounds = np.concatenate(([0], np.cumsum(arrays["ref_count"])))
        references = [flat[bounds[i]:bounds[i + 1]] for i in range(len(bounds) - 1)]
        return cls(references, [str(x) for x in arrays["pred_text"]], np.asarray(arrays["cluster"]))


@dataclass(frozen=True)
class CaptionCorpus:
    """One corpus caption metric recomputed on resampled images (``metric`` in :data:`CORPUS_METRICS`)."""

    captions: TokenisedCaptions
    metric: str
    kind: ClassVar[str] = "caption_corpus"

    def evaluate(self, draws: Draws) -> np.ndarray:
        """Corpus value for each resample row (items weighted by how often their cluster was drawn)."""
        weights = draws.counts[:, self.captions.cluster]
        out = np.empty(len(weights))
        for row, w in enumerate(weights):
            if self.metric == "CIDEr-D":
                out[row] = self.captions.cider.score_weights(w) if w.any() else np.nan
            else:
                out[row] = self.captions.bleu.score_weights(w)[int(self.metric[-1]) - 1] if w.any() else np.nan
        return out

    def arrays(self) -> dict[str, Any]:
        """See :class:`~lamm_bench.metrics.bootstrap.Estimator`."""
        return {**self.captions.arrays(), "metric": self.metric}


def caption_estimators(references: Sequence[Sequence[str]], predictions: Sequence[str],
                       cluster: np.ndarray) -> tuple[dict[str, CaptionCorpus], TokenisedCaptions]:
    """Tokenise once and build the CIDEr-D and BLEU-1..4 estimators sharing the prepared statistics."""
    from lamm_bench.text.caption import tokenize_captions

    ids = [str(i) for i in range(len(predictions))]
    refs_tok, preds_tok = tokenize_captions(dict(zip(ids, references, strict=True)),
                                            dict(zip(ids, predictions, strict=True)))
    captions = TokenisedCaptions([refs_tok[i] for i in ids], [preds_tok[i] for i in ids], np.asarray(cluster))
    return {m: CaptionCorpus(captions, m) for m in CORPUS_METRICS}, captions


def caption_from_arrays(arrays: dict[str, Any]) -> CaptionCorpus:
    """Rebuild a :class:`CaptionCorpus` from :meth:`CaptionCorpus.arrays`."""
    return CaptionCorpus(TokenisedCaptions.from_arrays(arrays), str(arrays["metric"]))
