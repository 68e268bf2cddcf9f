"""Honest box and point parsers built on :mod:`.groups`, with the conventions of the honest metrics.

* 2D boxes: ``[x1, y1, x2, y2]`` normalised to [0, 1]; the two corners may come in any order (each
  axis is sorted); values outside [0, 1] are kept and flagged.
* 3D boxes: ``[cx, cy, cz, l, w, h]`` in metres; negative sizes are replaced by their absolute value.
* points: ``[x, y]`` normalised to [0, 1].

Groups holding a non-finite value are ignored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lamm_bench.parsing.groups import tuples


@dataclass(frozen=True)
class ParsedShapes:
    """Parsed boxes or points (``items``), their character spans, notes, and why there are none."""

    items: tuple[tuple[float, ...], ...]
    spans: tuple[tuple[int, int], ...]
    failure: str | None
    notes: tuple[str, ...] = ()


def _finite(items, spans):
    kept = [(i, s) for i, s in zip(items, spans, strict=True) if all(math.isfinite(v) for v in i)]
    return tuple(i for i, _ in kept), tuple(s for _, s in kept)


def parse_boxes_2d(text: str) -> ParsedShapes:
    """Every bracketed group of exactly 4 numbers, as ``(x1, y1, x2, y2)`` with ``x1 <= x2``, ``y1 <= y2``."""
    found = tuples(text, 4, "box")
    items, spans = _finite(found.items, found.spans)
    boxes, notes = [], []
    for x1, y1, x2, y2 in items:
        if x1 > x2 or y1 > y2:
            notes.append("corners reordered")
        box = (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
        if not all(0.0 <= v <= 1.0 for v in box):
            notes.append("coordinates outside [0, 1]")
        boxes.append(box)
    failure = found.failure if not boxes and found.failure else (None if boxes else "no box: non-finite numbers")
    return ParsedShapes(tuple(boxes), spans, failure, tuple(dict.fromkeys(notes)))


def parse_boxes_3d(text: str) -> ParsedShapes:
    """Every bracketed group of exactly 6 numbers, as ``(cx, cy, cz, l, w, h)`` with sizes made non-negative."""
    found = tuples(text, 6, "3D box")
    items, spans = _finite(found.items, found.spans)
    notes = ["negative size made positive"] if any(v < 0 for b in items for v in b[3:]) else []
    boxes = tuple((*b[:3], abs(b[3]), abs(b[4]), abs(b[5])) for b in items)
    failure = found.failure if not boxes and found.failure else (None if boxes else "no 3D box: non-finite numbers")
    return ParsedShapes(boxes, spans, failure, tuple(notes))


def parse_points(text: str) -> ParsedShapes:
    """Every bracketed group of exactly 2 numbers, as ``(x, y)``."""
    found = tuples(text, 2, "point")
    items, spans = _finite(found.items, found.spans)
    notes = ["coordinates outside [0, 1]"] if any(not 0.0 <= v <= 1.0 for p in items for v in p) else []
    failure = found.failure if not items and found.failure else (None if items else "no point: non-finite numbers")
    return ParsedShapes(items, spans, failure, tuple(notes))
