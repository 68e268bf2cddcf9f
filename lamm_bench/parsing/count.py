"""Honest count parser: the first number the answer states, in digits or English words."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
          "sixteen seventeen eighteen nineteen").split()
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_WORD_VALUES = {**{w: i for i, w in enumerate(_UNITS)}, **_TENS, "a dozen": 12, "dozen": 12, "hundred": 100}
_WORDS = "|".join(sorted(_WORD_VALUES, key=len, reverse=True))
_TOKEN = re.compile(
    rf"(?P<digits>(?<![\w.])\d{{1,3}}(?:,\d{{3}})+(?![\d,]\d)|(?<![\w.])\d+(?:\.\d+)?(?![\w]))"
    rf"|\b(?P<tens>{'|'.join(_TENS)})[- ](?P<unit>one|two|three|four|five|six|seven|eight|nine)\b"
    rf"|\b(?P<word>{_WORDS})\b",
    re.IGNORECASE,
)
_NONE = re.compile(r"\b(?:no|none|nothing|zero)\b", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedCount:
    """The number read (``None`` if none) and why there is none."""

    value: float | None
    failure: str | None = None


def parse_count(text: str) -> ParsedCount:
    """First number in ``text``: digits (``12``, ``12.``, ``1,024``, ``3.5``), number words (``seven``,
    ``twenty-five``, ``a dozen``); ``no``/``none``/``nothing`` mean 0 only when no other number appears.
    """
    m = _TOKEN.search(text)
    if m is not None:
        if m.group("digits") is not None:
            value = float(m.group("digits").replace(",", ""))
            return ParsedCount(value) if math.isfinite(value) else ParsedCount(None, "number too large")
        if m.group("tens") is not None:
            return ParsedCount(float(_TENS[m.group("tens").lower()] + _UNITS.index(m.group("unit").lower())))
        return ParsedCount(float(_WORD_VALUES[" ".join(m.group("word").lower().split())]))
    if _NONE.search(text):
        return ParsedCount(0.0)
    return ParsedCount(None, "empty answer" if not text.strip() else "no number in the answer")
