"""Honest multiple-choice parser: which option letter the answer gives, or why none can be read."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_STATED = re.compile(r"\b(?i:answer)\s*(?:(?i:is)|:)?\s*[:\-]?\s*(?:\(([A-Fa-f])\)|([A-F])(?![A-Za-z0-9]))")
_BARE = re.compile(r"^\s*(?:\(([A-F])\)|([A-F])(?:[.:)]|\s*$))")
_PAREN = re.compile(r"\(([A-F])\)")


@dataclass(frozen=True)
class ParsedChoice:
    """Option index read from the answer (0 = A), how it was read, and why there is none."""

    index: int | None
    how: str | None = None
    failure: str | None = None


def _one(letters: list[str] | list[tuple[str, str]], how: str) -> ParsedChoice | None:
    distinct = list(dict.fromkeys("".join(letter).upper() for letter in letters))
    if not distinct:
        return None
    if len(distinct) > 1:
        return ParsedChoice(None, how, f"conflicting options {', '.join(distinct)} ({how})")
    return ParsedChoice(ord(distinct[0]) - ord("A"), how)


def _whole_word_hits(text: str, word: str) -> list[int]:
    """Start offsets of ``word`` in ``text`` not preceded or followed by a word character."""
    hits = []
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
            hits.append(start)
        start = text.find(word, start + 1)
    return hits


def _by_text(text: str, choices: Sequence[str]) -> ParsedChoice | None:
    lowered = text.lower()
    spans: list[tuple[int, int, int]] = []
    for i, choice in enumerate(choices):
        option = choice.strip().lower()
        if not option:
            continue
        spans.extend((start, start + len(option), i) for start in _whole_word_hits(lowered, option))
    # an option whose every mention lies inside a longer option's mention is not mentioned
    named = {i for s, e, i in spans
             if not any(s2 <= s and e <= e2 and (e2 - s2) > (e - s) for s2, e2, _ in spans)}
    if len(named) == 1:
        return ParsedChoice(named.pop(), "option text")
    if len(named) > 1:
        letters = ", ".join(chr(ord("A") + i) for i in sorted(named))
        return ParsedChoice(None, "option text", f"several options named by their text ({letters})")
    return None


def parse_choice(text: str, choices: Sequence[str]) -> ParsedChoice:
    """Read the chosen option, trying in order:

    1. stated answers (``The answer is (B)``, ``Answer: B``; case-insensitive);
    2. an answer that starts with the letter (``B``, ``(B) ...``, ``B. ...``, ``B) ...``);
    3. parenthesised letters ``(B)`` anywhere;
    4. the text of exactly one option (whole words, case-insensitive; an option contained in a longer
       named option does not count).

    The first step that finds something decides; several different letters in that step are a parse
    failure. A letter beyond the number of options is returned as read (it scores as wrong).
    """
    if not text.strip():
        return ParsedChoice(None, None, "empty answer")
    for found in (_one(_STATED.findall(text), "stated answer"),
                  _one(_BARE.findall(text), "leading letter"),
                  _one(_PAREN.findall(text), "parenthesised letter"),
                  _by_text(text, choices)):
        if found is not None:
            return found
    return ParsedChoice(None, None, "no option letter and no option text in the answer")
