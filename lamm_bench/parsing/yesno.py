"""Honest yes/no parser for CelebA(Smile): does the answer say the person smiles?"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LEADING = re.compile(r"^\W*(yes|yeah|yep|no|nope)\b", re.IGNORECASE)
_SMILE = re.compile(r"\b(smil\w*|grin\w*|laugh\w*)", re.IGNORECASE)
_NEGATION = re.compile(r"\b(not|no|never|neither|nor|without)\b|n't\b|n’t\b", re.IGNORECASE)
_SENTENCE_START = re.compile(r"[.!?;]\s")


@dataclass(frozen=True)
class ParsedYesNo:
    """``"1"`` (smiling), ``"-1"`` (not smiling) or ``None``, how it was read, and why not."""

    label: str | None
    how: str | None = None
    failure: str | None = None


def parse_smile(text: str) -> ParsedYesNo:
    """Read a smiling yes/no answer.

    1. A leading ``yes``/``no`` decides.
    2. Else the first smile word (``smiling``, ``grin``, ``laughing``...): ``"-1"`` when a negation
       (``not``, ``no``, ``never``, ``n't``...) occurs earlier in the same sentence, else ``"1"``.
    3. Else the answer is not parsed.
    """
    m = _LEADING.match(text)
    if m is not None:
        return ParsedYesNo("1" if m.group(1).lower() in ("yes", "yeah", "yep") else "-1", "leading yes/no")
    m = _SMILE.search(text)
    if m is None:
        return ParsedYesNo(None, None, "empty answer" if not text.strip() else "no yes/no and no smile word")
    starts = [s.end() for s in _SENTENCE_START.finditer(text, 0, m.start())]
    sentence = text[(starts[-1] if starts else 0): m.start()]
    negated = _NEGATION.search(sentence) is not None
    return ParsedYesNo("-1" if negated else "1", "negated smile word" if negated else "smile word")
