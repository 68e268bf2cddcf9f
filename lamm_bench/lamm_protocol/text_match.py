"""LAMM's text-matching evaluators: OCR word accuracy, UCMerced substring, CelebA smile yes/no."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lamm_bench.parsing import lamm


def word_accuracy(words: Sequence[str], text: str) -> float:
    """LAMM ``SVT_eval`` for one image: fraction of ground-truth words (lowercased) among the answer's words.

    The answer goes through :func:`lamm_bench.parsing.lamm.quoted`, is lowercased and split on
    whitespace; repeated ground-truth words each count.
    """
    predicted = set(lamm.quoted(text).lower().split())
    return sum(1 for w in words if w.lower() in predicted) / len(words)


def label_in_text(label: str, text: str) -> bool:
    """LAMM ``UCMerced_eval``: the label is a **case-sensitive substring** of the answer."""
    return label in text


def smile_label(text: str, tokenize: Callable[[str], list[str]]) -> str:
    """LAMM ``CelebA_smile_eval``: ``"-1"`` if ``"no"`` or ``"not"`` is a token of the lowercased answer, else ``"1"``.

    ``tokenize`` is NLTK's ``word_tokenize`` (Punkt + Treebank); the punctuation filter of the
    original cannot remove ``no``/``not``, so it is not needed here.
    """
    lowered = text.lower()
    if "no" not in lowered:  # tokens are substrings of the text: no "no" in it, no "no"/"not" token
        return "1"
    tokens = tokenize(lowered)
    return "-1" if "no" in tokens or "not" in tokens else "1"
