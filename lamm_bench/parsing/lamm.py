"""LAMM's own answer parsers (``src/datasets/utils.py`` at a2bb614), re-implemented with their quirks.

Every function here reproduces what the original returned on the same text, including behaviour that
looks wrong (``../shared/docs/lamm-formats.md`` §8.1 and §10):

* :func:`bracket_numbers` never clears its buffer after a token that is not a number, so garbage
  carries into the next token (``"[x1: 0.2, 0.3]"`` yields nothing); a number right before an unclosed
  bracket at the end of the text is dropped; "a number" is anything Python's ``float()`` accepts
  (``"1e3"``, ``"inf"``, ``"nan"``, ``"1_0"``, surrounding tabs or newlines).
* :func:`boxes_2d` / :func:`boxes_3d` / :func:`points` concatenate the numbers of all ``[...]`` groups,
  then all ``(...)`` groups, and cut the list into 4-/6-/2-tuples: groups are not kept apart. With no
  bracketed number at all they fall back to every unsigned number in the text.
* :func:`count` returns the first whitespace token that is all digits or an English number word.

Where the original would raise (``int("²")`` after ``"²".isdigit()``, a count too large for a float), these
functions skip the token instead; that is the only difference and it is documented in docs/metrics.md.
"""

from __future__ import annotations

import re

_FALLBACK_NUMBER = re.compile(r"[0-9]+\.?[0-9]*")
_DELIMITERS = re.compile(r"[, ]")

NUMBER_WORDS: dict[str, int] = {
    "no": 0, "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
}
"""LAMM's ``num_dict``: the words ``count`` understands (``"no"`` is 0)."""


def _as_number(token: str) -> float | None:
    try:
        return float(token)
    except ValueError:
        return None


def bracket_numbers(text: str, opening: str, closing: str) -> list[float]:
    """Numbers LAMM's ``parse_num`` reads between ``opening`` and ``closing`` characters.

    Inside a group every character except ``,`` and space goes into a buffer; at ``,``, space or
    ``closing`` the buffer is emitted and cleared if ``float()`` accepts it, and otherwise kept (and
    grown). Nested ``opening`` characters are dropped; text outside groups is ignored; the buffer
    left when the text ends inside an unclosed group is dropped.
    """
    start = text.find(opening)
    if start < 0:
        return []
    found: list[float] = []
    buffer = ""
    position = start
    length = len(text)
    while position < length:
        end = text.find(closing, position + 1)
        closed = end >= 0
        content = text[position + 1: end if closed else length].replace(opening, "")
        pieces = _DELIMITERS.split(content)
        for piece in pieces[:-1]:
            buffer += piece
            value = _as_number(buffer)
            if value is not None:
                found.append(value)
                buffer = ""
        buffer += pieces[-1]
        if not closed:
            break
        value = _as_number(buffer)
        if value is not None:
            found.append(value)
            buffer = ""
        position = text.find(opening, end + 1)
        if position < 0:
            break
    return found


def _grouped_numbers(text: str, size: int) -> list[float]:
    numbers = bracket_numbers(text, "[", "]") + bracket_numbers(text, "(", ")")
    numbers = numbers[: len(numbers) // size * size]
    if not numbers:
        numbers = [float(s) for s in _FALLBACK_NUMBER.findall(text)]
        numbers = numbers[: len(numbers) // size * size]
    return numbers


def boxes_2d(text: str) -> list[list[float]]:
    """LAMM's ``parse_bbox``: ``[x1, y1, x2, y2]`` boxes.

    A quadruple with ``x1 > x2`` **and** ``y1 > y2`` has its corners swapped; one that still has
    ``x1 > x2`` or ``y1 > y2`` (or a NaN) is dropped.
    """
    numbers = _grouped_numbers(text, 4)
    boxes = []
    for i in range(0, len(numbers), 4):
        box = numbers[i: i + 4]
        if box[0] > box[2] and box[1] > box[3]:
            box = [box[2], box[3], box[0], box[1]]
        if box[0] <= box[2] and box[1] <= box[3]:
            boxes.append(box)
    return boxes


def boxes_3d(text: str) -> list[list[float]]:
    """LAMM's ``parse_bbox_3d``: sextuples ``[cx, cy, cz, l, w, h]``, no validity check."""
    numbers = _grouped_numbers(text, 6)
    return [numbers[i: i + 6] for i in range(0, len(numbers), 6)]


def points(text: str) -> list[list[float]]:
    """LAMM's ``parse_keypoints``: pairs ``[x, y]``."""
    numbers = _grouped_numbers(text, 2)
    return [numbers[i: i + 2] for i in range(0, len(numbers), 2)]


def quoted(text: str) -> str:
    """LAMM's ``parse_sentence``: with a ``"`` in the text, the odd-numbered ``"``-separated pieces joined by spaces."""
    if '"' not in text:
        return text
    return " ".join(text.split('"')[1::2])


def count(text: str) -> int | None:
    """LAMM's ``ennum2numerical``: the first whitespace token that ``isdigit()`` or is a number word.

    The caller lowercases the text first (as the FSC147 evaluator did). ``"12."`` and ``"12,"`` are not
    numbers. Tokens that ``isdigit()`` but that ``int()`` rejects (``"²"``) or whose value no float can hold
    (309 digits and more) are skipped; the original raised (``int()``, or ``OverflowError`` when it summed
    the error into its float total).
    """
    for word in text.split():
        if word.isdigit():
            try:
                value = int(word)
                float(value)
            except (ValueError, OverflowError):
                continue
            return value
        if word in NUMBER_WORDS:
            return NUMBER_WORDS[word]
    return None
