"""Honest OCR word parser: the words an answer reads out."""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_QUOTED = re.compile(r"[\"“”]([^\"“”]*)[\"“”]")


def normalise_word(word: str) -> str:
    """Lowercase and keep letters and digits only (``"AMERICA'S"`` -> ``"americas"``)."""
    return "".join(_WORD.findall(word.lower()))


@dataclass(frozen=True)
class ParsedWords:
    """Normalised words read from the answer and why there are none."""

    words: tuple[str, ...]
    quoted: bool
    failure: str | None = None


def parse_words(text: str) -> ParsedWords:
    """Words of the answer: the quoted spans (``"..."``, curly quotes too) when there are any, else the
    whole answer; each word lowercased with punctuation removed."""
    spans = _QUOTED.findall(text)
    source = " ".join(spans) if spans else text
    words = tuple(w for w in (normalise_word(t) for t in source.split()) if w)
    if not words:
        return ParsedWords((), bool(spans), "empty answer" if not text.strip() else "no word in the answer")
    return ParsedWords(words, bool(spans))
