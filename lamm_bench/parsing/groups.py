"""Bracketed number groups (``[0.1, 0.2, 0.3, 0.4]``, ``(0.5, 0.6)``): the honest box and point parsers.

A group is an opening ``[`` or ``(``, numbers separated by commas, semicolons or whitespace, and a
closing ``]`` or ``)``. Groups are kept apart (unlike LAMM's parser) and only a group with exactly
the expected count of numbers is a box (4 numbers in 2D, 6 in 3D) or a point (2 numbers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_GROUP = re.compile(rf"[\[(]\s*((?:{NUMBER})(?:(?:\s*[,;]\s*|\s+)(?:{NUMBER}))*)\s*,?\s*[\])]")
_SPLIT = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class NumberGroup:
    """One bracketed group: its numbers and its character span ``[start, end)`` in the text."""

    values: tuple[float, ...]
    start: int
    end: int


def number_groups(text: str) -> list[NumberGroup]:
    """Every bracketed group of numbers in ``text``, in order."""
    groups = []
    for m in _GROUP.finditer(text):
        values = tuple(float(v) for v in _SPLIT.split(m.group(1).strip()) if v)
        groups.append(NumberGroup(values, m.start(), m.end()))
    return groups


@dataclass(frozen=True)
class Tuples:
    """Groups of the expected size (``items``, with ``spans``) and why there are none (``failure``)."""

    items: tuple[tuple[float, ...], ...]
    spans: tuple[tuple[int, int], ...]
    failure: str | None
    ignored: tuple[int, ...] = ()
    """Sizes of bracketed groups that were skipped because they held another count of numbers."""


def tuples(text: str, size: int, what: str) -> Tuples:
    """Groups holding exactly ``size`` numbers; ``what`` names them in the failure message (``"box"``)."""
    groups = number_groups(text)
    kept = [g for g in groups if len(g.values) == size]
    ignored = tuple(len(g.values) for g in groups if len(g.values) != size)
    failure = None
    if not kept:
        if ignored:
            failure = f"no {what}: bracketed groups hold {', '.join(map(str, ignored))} number(s), not {size}"
        elif not text.strip():
            failure = "empty answer"
        else:
            failure = f"no {what}: no bracketed group of {size} numbers"
    return Tuples(tuple(g.values for g in kept), tuple((g.start, g.end) for g in kept), failure, ignored)
