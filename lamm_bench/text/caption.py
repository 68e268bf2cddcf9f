"""CIDEr-D, BLEU-1..4 and ROUGE-L exactly as pycocoevalcap computes them, without Java, with fast bootstrap.

Definitions (all on PTB-tokenised, lower-cased text; ``tokenize=True`` applies :func:`ptb_tokenize` first):

* **CIDEr-D** (pycocoevalcap ``Cider``, which is CIDEr-D): n-grams n = 1..4 of each caption weighted by
  tf × idf, idf = log(number of images) − log(max(1, number of images whose references contain the n-gram));
  per image and n, the clipped cosine Σ min(h, r)·r / (‖h‖‖r‖) between the candidate vector h and each reference
  vector r, times the length penalty exp(−δ²/(2·6²)) where δ is the difference of their *bigram counts*
  (pycocoevalcap's length); averaged over n, summed over references, divided by their number, times 10.
  The corpus score is the mean over images. Document frequencies come from the evaluated set itself, so a
  bootstrap recomputes them on every resample (:meth:`CiderD.score_resample`).
* **BLEU-n** (pycocoevalcap ``Bleu``, option ``closest``): corpus-level modified n-gram precisions (clipped
  by the maximum count in any one reference), geometric mean up to n with the +1e-15 / +1e-9 guards, times the
  brevity penalty exp(1 − r/c) when c < r, where c is the total candidate length and r the sum over images of
  the reference length closest to the candidate's (the shorter one on ties). Per-image BLEU is the same
  formula on one image.
* **ROUGE-L** (pycocoevalcap ``Rouge``): per image, with the longest common subsequence of the candidate and
  each reference, the F-measure (β = 1.2) of the best precision and the best recall over references; the
  corpus score is the mean over images.

Values are fractions as pycocoevalcap returns them (CIDEr-D is on its own 0–10 scale), not ×100.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from lamm_bench.text.ptb import ptb_tokenize
from lamm_data.errors import LammError

METRICS = ("CIDEr-D", "BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "ROUGE-L")
_N = 4
_TINY, _SMALL = 1e-15, 1e-9  # pycocoevalcap BleuScorer's guards
_ROUGE_BETA = 1.2
_PACK_LIMIT = 2**62  # n-grams are packed into one int64 while the vocabulary allows it


class CaptionInputError(LammError, ValueError):
    """References and predictions that cannot be scored together (ids differ, no references, not text)."""


def _ngrams(words: Sequence[str], n: int = _N) -> Counter[tuple[str, ...]]:
    return Counter(tuple(words[i:i + k]) for k in range(1, n + 1) for i in range(len(words) - k + 1))


def _sentence_ngrams(sentences: Sequence[str]) -> tuple[np.ndarray, ...]:
    """Count the 1..4-grams of whitespace-tokenised sentences with NumPy.

    Returns:
        ``(sentence, ngram, count, order, length)``: one row per distinct n-gram of each sentence, sorted by
        sentence then n-gram id; ``order[g]`` is n − 1 for n-gram ``g``; ``length[s]`` the token count of ``s``.
    """
    vocab: dict[str, int] = {}
    tokens = [[vocab.setdefault(w, len(vocab)) for w in text.split()] for text in sentences]
    lengths = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))
    words = np.fromiter((w for t in tokens for w in t), dtype=np.int64, count=int(lengths.sum())) + 1
    sent_of = np.repeat(np.arange(len(tokens)), lengths)
    left = np.repeat(np.cumsum(lengths), lengths) - np.arange(len(words))  # tokens to the sentence end, incl.
    rows, owners = [], []
    for n in range(1, _N + 1):
        start = np.flatnonzero(left >= n)
        grams = np.zeros((len(start), _N), dtype=np.int64)
        for j in range(n):
            grams[:, j] = words[start + j]
        rows.append(grams)
        owners.append(sent_of[start])
    grams = np.concatenate(rows)
    base = len(vocab) + 1
    if base**_N < _PACK_LIMIT:  # one int64 per n-gram: sorting integers is far faster than sorting rows
        packed = grams[:, 0]
        for j in range(1, _N):
            packed = packed * base + grams[:, j]
        unique_packed, gram = np.unique(packed, return_inverse=True)
        unique = (unique_packed[:, None] // base ** np.arange(_N - 1, -1, -1)) % base
    else:
        unique, gram = np.unique(grams, axis=0, return_inverse=True)
    gram = gram.reshape(-1)
    order = (unique != 0).sum(axis=1) - 1
    n_gram = max(len(unique), 1)
    key, count = _sorted_unique(np.concatenate(owners) * n_gram + gram, counts=True)
    return key // n_gram, key % n_gram, count.astype(np.float64), order, lengths


def _sorted_unique(values: np.ndarray, counts: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values (and how often each occurs) by one sort, faster than ``np.unique`` here."""
    ordered = np.sort(values)
    if len(ordered) == 0:
        return ordered, np.zeros(0, dtype=np.int64)
    first = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    return ordered[first], (np.diff(np.append(first, len(ordered))) if counts else first)


def _check(refs: Mapping[str, Sequence[str]], preds: Mapping[str, str]) -> list[str]:
    """The image ids (in ``refs`` order) after checking both mappings cover the same images with text."""
    if not refs:
        raise CaptionInputError("no images to score: the references are empty")
    missing = [k for k in refs if k not in preds]
    extra = [k for k in preds if k not in refs]
    if missing or extra:
        raise CaptionInputError(f"references and predictions must cover the same images: {len(missing)} without a "
                                f"prediction (e.g. {missing[:3]}), {len(extra)} without references (e.g. {extra[:3]})")
    empty = [k for k, v in refs.items() if isinstance(v, str) or len(v) == 0]
    if empty:
        raise CaptionInputError(f"{len(empty)} images have no list of reference captions (e.g. {empty[:3]})")
    bad = [k for k, v in preds.items() if not isinstance(v, str)] + [
        k for k, v in refs.items() if not all(isinstance(r, str) for r in v)]
    if bad:
        raise CaptionInputError(f"{len(bad)} images have a caption that is not a string (e.g. {bad[:3]})")
    return list(refs)


def tokenize_captions(refs: Mapping[str, Sequence[str]], preds: Mapping[str, str],
                      ) -> tuple[dict[str, list[str]], dict[str, str]]:
    """PTB-tokenise references and predictions as pycocoevalcap does (one batch each, in image order)."""
    ids = _check(refs, preds)
    flat = ptb_tokenize([r for k in ids for r in refs[k]])
    out_refs, start = {}, 0
    for k in ids:
        out_refs[k] = flat[start:start + len(refs[k])]
        start += len(refs[k])
    return out_refs, dict(zip(ids, ptb_tokenize([preds[k] for k in ids]), strict=True))


class CiderD:
    """CIDEr-D over a fixed set of images, re-scorable on any multiset of them (bootstrap resamples).

    Build with :meth:`prepare`; every score is computed from integer-coded n-gram tables with NumPy.
    """

    def __init__(self, image_ids: list[str], tables: dict[str, np.ndarray], n_vocab: int, sigma: float) -> None:
        self.image_ids = image_ids
        self._t = tables
        self._n_vocab = n_vocab
        self._sigma = sigma

    @classmethod
    def prepare(cls, refs_tok: Mapping[str, Sequence[str]], preds_tok: Mapping[str, str], *,
                sigma: float = 6.0) -> CiderD:
        """Index tokenised references and predictions (whitespace-separated tokens; ids as in ``refs_tok``)."""
        ids = _check(refs_tok, preds_tok)
        n_img = len(ids)
        ref_img = np.repeat(np.arange(n_img), [len(refs_tok[k]) for k in ids])
        sentences = [preds_tok[k] for k in ids] + [r for k in ids for r in refs_tok[k]]
        sent, gram, tf, order, lengths = _sentence_ngrams(sentences)
        n_gram = len(order)
        is_hyp = sent < n_img
        hyp_img, hyp_gram, hyp_tf = sent[is_hyp], gram[is_hyp], tf[is_hyp]
        rg_ref, rg_gram, rg_tf = sent[~is_hyp] - n_img, gram[~is_hyp], tf[~is_hyp]
        df_key, _ = _sorted_unique(ref_img[rg_ref] * n_gram + rg_gram)  # (image, n-gram) pairs in a reference
        hyp_key = hyp_img * n_gram + hyp_gram  # sorted, as _sentence_ngrams returns rows sorted by sentence, n-gram
        ref_key = ref_img[rg_ref] * n_gram + rg_gram
        at = np.minimum(np.searchsorted(hyp_key, ref_key), max(len(hyp_key) - 1, 0))
        shared = (hyp_key[at] == ref_key) if len(hyp_key) else np.zeros(len(ref_key), dtype=bool)
        bigrams = np.maximum(lengths - 1, 0).astype(np.float64)  # pycocoevalcap's "length": bigram count
        tables = {
            "df_img": df_key // n_gram, "df_gram": df_key % n_gram,
            "hyp_bin": hyp_img * _N + order[hyp_gram], "hyp_gram": hyp_gram, "hyp_tf2": hyp_tf**2,
            "ref_img": ref_img, "ref_bin": rg_ref * _N + order[rg_gram], "rg_gram": rg_gram, "rg_tf2": rg_tf**2,
            "pair_bin": (rg_ref * _N + order[rg_gram])[shared], "pair_gram": rg_gram[shared],
            "pair_coef": np.minimum(hyp_tf[at[shared]], rg_tf[shared]) * rg_tf[shared],
            "penalty": np.exp(-np.square(bigrams[:n_img][ref_img] - bigrams[n_img:]) / (2 * sigma**2)),
            "n_refs": np.bincount(ref_img, minlength=n_img).astype(np.float64),
        }
        return cls(ids, tables, n_gram, sigma)

    def scores(self, weights: np.ndarray | None = None) -> np.ndarray:
        """Per-image CIDEr-D, with document frequencies from the images weighted by ``weights``.

        Args:
            weights: how many times each image is in the evaluated set (default: once each).

        Returns:
            Array of one score per image of :attr:`image_ids` (also for images of weight 0).
        """
        t = self._t
        n_img = len(self.image_ids)
        w_img = np.ones(n_img) if weights is None else np.asarray(weights, dtype=np.float64)
        df = np.bincount(t["df_gram"], weights=w_img[t["df_img"]], minlength=self._n_vocab)
        idf = np.log(w_img.sum()) - np.log(np.maximum(df, 1.0))
        idf2 = idf * idf
        n_ref = len(t["ref_img"])
        hyp_norm = np.sqrt(np.bincount(t["hyp_bin"], weights=t["hyp_tf2"] * idf2[t["hyp_gram"]],
                                       minlength=n_img * _N))
        ref_norm = np.sqrt(np.bincount(t["ref_bin"], weights=t["rg_tf2"] * idf2[t["rg_gram"]], minlength=n_ref * _N))
        dot = np.bincount(t["pair_bin"], weights=t["pair_coef"] * idf2[t["pair_gram"]],
                          minlength=n_ref * _N).astype(np.float64)  # (bincount of nothing is integer)
        norms = hyp_norm.reshape(n_img, _N)[t["ref_img"]] * ref_norm.reshape(n_ref, _N)
        dot = dot.reshape(n_ref, _N)
        cosine = np.divide(dot, norms, out=dot.copy(), where=norms != 0)
        per_ref = cosine.sum(axis=1) * t["penalty"]
        return np.bincount(t["ref_img"], weights=per_ref, minlength=n_img) / (_N * t["n_refs"]) * 10.0

    def score(self) -> float:
        """Corpus CIDEr-D of all images once (pycocoevalcap ``Cider().compute_score``'s first value)."""
        return float(self.scores().mean())

    def score_weights(self, weights: np.ndarray) -> float:
        """Corpus CIDEr-D of the multiset with ``weights[i]`` copies of image ``i`` (document frequencies too)."""
        w = np.asarray(weights, dtype=np.float64)
        return float(np.dot(self.scores(w), w) / w.sum())

    def score_resample(self, indices: np.ndarray) -> float:
        """Corpus CIDEr-D of the images at ``indices`` (positions in :attr:`image_ids`, repeats allowed)."""
        return self.score_weights(np.bincount(np.asarray(indices), minlength=len(self.image_ids)))


class Bleu:
    """BLEU-1..4 over a fixed set of images from per-image sufficient statistics (corpus and resamples)."""

    def __init__(self, image_ids: list[str], stats: np.ndarray) -> None:
        self.image_ids = image_ids
        self._stats = stats  # per image: testlen, closest reflen, guess[4], correct[4]

    @classmethod
    def prepare(cls, refs_tok: Mapping[str, Sequence[str]], preds_tok: Mapping[str, str]) -> Bleu:
        """Count, per image, candidate length, closest reference length, n-gram guesses and clipped matches."""
        ids = _check(refs_tok, preds_tok)
        stats = np.zeros((len(ids), 2 + 2 * _N))
        for i, k in enumerate(ids):
            words = preds_tok[k].split()
            testlen = len(words)
            max_counts: Counter[tuple[str, ...]] = Counter()
            ref_lens = []
            for ref in refs_tok[k]:
                ref_words = ref.split()
                ref_lens.append(len(ref_words))
                max_counts |= _ngrams(ref_words)
            counts = _ngrams(words)
            correct = [0] * _N
            for g, c in counts.items():
                correct[len(g) - 1] += min(max_counts.get(g, 0), c)
            stats[i, 0] = testlen
            stats[i, 1] = min((abs(r - testlen), r) for r in ref_lens)[1]
            stats[i, 2:2 + _N] = [max(0, testlen - k + 1) for k in range(1, _N + 1)]
            stats[i, 2 + _N:] = correct
        return cls(ids, stats)

    @staticmethod
    def _bleu(testlen: np.ndarray, reflen: np.ndarray, guess: np.ndarray, correct: np.ndarray) -> np.ndarray:
        """BLEU-1..4 (last axis) from summed statistics, with pycocoevalcap's guards and brevity penalty."""
        precision = np.cumprod((correct + _TINY) / (guess + _SMALL), axis=-1)
        bleu = precision ** (1.0 / np.arange(1, _N + 1))
        ratio = (testlen + _TINY) / (reflen + _SMALL)
        with np.errstate(divide="ignore"):
            penalty = np.where(ratio < 1, np.exp(1 - 1 / ratio), 1.0)
        return bleu * penalty[..., None]

    def scores(self) -> np.ndarray:
        """Per-image BLEU-1..4, shape (images, 4) (pycocoevalcap's per-image list)."""
        s = self._stats
        return self._bleu(s[:, 0], s[:, 1], s[:, 2:2 + _N], s[:, 2 + _N:])

    def score_weights(self, weights: np.ndarray) -> np.ndarray:
        """Corpus BLEU-1..4 of the multiset with ``weights[i]`` copies of image ``i``."""
        total = np.asarray(weights, dtype=np.float64) @ self._stats
        return self._bleu(total[0], total[1], total[2:2 + _N], total[2 + _N:])

    def score(self) -> np.ndarray:
        """Corpus BLEU-1..4 of all images once."""
        return self.score_weights(np.ones(len(self.image_ids)))

    def score_resample(self, indices: np.ndarray) -> np.ndarray:
        """Corpus BLEU-1..4 of the images at ``indices`` (repeats allowed)."""
        return self.score_weights(np.bincount(np.asarray(indices), minlength=len(self.image_ids)))


def _lcs(a: list[str], b: list[str]) -> int:
    """Length of the longest common subsequence of two token lists."""
    if len(a) < len(b):
        a, b = b, a
    row = [0] * (len(b) + 1)
    for x in a:
        prev_diag = 0
        for j, y in enumerate(b, start=1):
            up = row[j]
            row[j] = prev_diag + 1 if x == y else max(up, row[j - 1])
            prev_diag = up
    return row[-1]


def rouge_l(refs_tok: Mapping[str, Sequence[str]], preds_tok: Mapping[str, str]) -> np.ndarray:
    """Per-image ROUGE-L (pycocoevalcap ``Rouge``; tokens split on single spaces as it does)."""
    scores = []
    for k in _check(refs_tok, preds_tok):
        cand = preds_tok[k].split(" ")
        prec, rec = [], []
        for ref in refs_tok[k]:
            ref_words = ref.split(" ")
            lcs = _lcs(ref_words, cand)
            prec.append(lcs / len(cand))
            rec.append(lcs / len(ref_words))
        p, r = max(prec), max(rec)
        scores.append((1 + _ROUGE_BETA**2) * p * r / (r + _ROUGE_BETA**2 * p) if p != 0 and r != 0 else 0.0)
    return np.asarray(scores, dtype=np.float64)


@dataclass(frozen=True)
class CaptionScores:
    """Corpus and per-image caption metrics for the images ``image_ids`` (in the references' order).

    ``per_image`` has, for each of :data:`METRICS`, one value per image: CIDEr-D with document frequencies from
    the whole set, pycocoevalcap's per-image BLEU-n, and ROUGE-L (whose mean is the corpus value).
    """

    image_ids: tuple[str, ...]
    corpus: dict[str, float]
    per_image: dict[str, np.ndarray]


def caption_scores(refs: Mapping[str, Sequence[str]], preds: Mapping[str, str], *,
                   tokenize: bool = True) -> CaptionScores:
    """All caption metrics with per-image values (see the module docstring for definitions)."""
    refs_tok, preds_tok = tokenize_captions(refs, preds) if tokenize else (refs, preds)
    cider = CiderD.prepare(refs_tok, preds_tok)
    bleu = Bleu.prepare(refs_tok, preds_tok)
    rouge = rouge_l(refs_tok, preds_tok)
    cider_per_image, bleu_per_image, bleu_corpus = cider.scores(), bleu.scores(), bleu.score()
    corpus = {"CIDEr-D": float(cider_per_image.mean())}
    per_image = {"CIDEr-D": cider_per_image}
    for n in range(_N):
        corpus[f"BLEU-{n + 1}"] = float(bleu_corpus[n])
        per_image[f"BLEU-{n + 1}"] = bleu_per_image[:, n]
    corpus["ROUGE-L"] = float(rouge.mean())
    per_image["ROUGE-L"] = rouge
    return CaptionScores(tuple(cider.image_ids), corpus, per_image)


def caption_metrics(refs: Mapping[str, Sequence[str]], preds: Mapping[str, str], *,
                    tokenize: bool = True) -> dict[str, float]:
    """Corpus CIDEr-D, BLEU-1..4 and ROUGE-L, equal to pycocoevalcap's on the same tokenised text.

    Args:
        refs: image id -> reference captions (at least one per image).
        preds: image id -> predicted caption; the same ids as ``refs``.
        tokenize: apply pycocoevalcap's PTB tokenization (:func:`ptb_tokenize`) first; False when the
            captions are already tokenised (tokens separated by spaces).

    Returns:
        ``{"CIDEr-D", "BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "ROUGE-L"}`` as fractions (not ×100).

    Raises:
        CaptionInputError: no images, the ids differ, an image has no references, or a caption is not a string.
    """
    return caption_scores(refs, preds, tokenize=tokenize).corpus
