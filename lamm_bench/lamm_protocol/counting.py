"""LAMM FSC147 counting error (``FSC_eval``)."""

from __future__ import annotations

from lamm_bench.parsing import lamm

SMALL_COUNT = 10
"""``MAE(<10)`` averages over images whose ground-truth count is below this."""


def count_error(gt: int, text: str) -> float:
    """``|gt - predicted|`` where the prediction is LAMM's ``ennum2numerical`` of the lowercased answer (none -> 0)."""
    predicted = lamm.count(text.lower())
    return float(abs(gt - (predicted if predicted is not None else 0)))
