"""LAMM multiple-choice accuracy (``VQAvisionacc``): three regexes, then an option-text fallback."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

LETTERS_2D = "ABCDE"
"""Letters the 2D evaluator (SQAimage, AI2D) recognises."""
LETTERS_3D = "ABCDEF"
"""Letters the 3D evaluator (ScanQA multiple choice) recognises."""


@cache
def _patterns(letters: str) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    span = f"[{letters[0]}-{letters[-1]}]"
    return (re.compile(rf"The answer is \(?{span}\)?\W|the answer is \(?{span}\)?\W"),
            re.compile(rf"ANSWER: {span}"),
            re.compile(rf"\({span}\)"))


def _text_fallback(text: str, choices: Sequence[str], gt_index: int) -> bool:
    """Lowercased ground-truth option text is a substring of the answer and no other option's text is."""
    lowered = text.lower()
    if choices[gt_index].lower() not in lowered:
        return False
    return not any(choice.lower() in lowered for i, choice in enumerate(choices) if i != gt_index)


def choice_correct(text: str, choices: Sequence[str], gt_index: int, letters: str = LETTERS_2D) -> bool:
    """Whether LAMM scored the answer correct.

    The first pattern with any match decides: ``The answer is (X)`` (followed by a non-word
    character) and ``(X)``: correct iff **every** match contains the ground-truth letter;
    ``ANSWER: X``: correct iff the first match ends with it. With no match at all, the text fallback
    applies. ``letters`` is ``"ABCDE"`` for 2D and ``"ABCDEF"`` for ScanQA.
    """
    gt_letter = letters[gt_index]
    answer_is, answer_colon, parenthesised = _patterns(letters)
    found = answer_is.findall(text)
    if found:
        return all(gt_letter in m for m in found)
    found = answer_colon.findall(text)
    if found:
        return found[0][-1] == gt_letter
    found = parenthesised.findall(text)
    if found:
        return all(gt_letter in m for m in found)
    return _text_fallback(text, choices, gt_index)
