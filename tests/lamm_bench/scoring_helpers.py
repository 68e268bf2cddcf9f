"""Shared helpers of the lamm_bench scoring tests: tiny ground truth built in the test, a simple label matcher."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from lamm_bench.ground_truth import GroundTruth
from lamm_bench.scorers.base import ScoringContext


def word_match(label: str, text: str) -> bool:
    """Stand-in for LAMM's WordNet rule where a test is about a formula, not about synonyms."""
    return label.lower() in re.findall(r"[a-z]+", text.lower())


def simple_tokenize(text: str) -> list[str]:
    return re.findall(r"\w+|[^\w\s]", text)


SIMPLE = ScoringContext(word_match, simple_tokenize)


def make_gt(name: str, columns: Mapping[str, Sequence[Any]], *, ids: Sequence[str] | None = None,
            media: Sequence[str] | None = None, sizes: Sequence[tuple[int, int]] | None = None) -> GroundTruth:
    """Ground truth of ``name`` from columns; each item its own cluster unless ``media`` says otherwise."""
    n = len(next(iter(columns.values())))
    media = list(media) if media is not None else [f"m{i}" for i in range(n)]
    keys: dict[str, int] = {}
    cluster = np.array([keys.setdefault(m, len(keys)) for m in media])
    return GroundTruth(name, tuple(ids) if ids is not None else tuple(str(i) for i in range(n)), None,
                       dict(columns), cluster, tuple(keys), tuple(sizes) if sizes is not None else None,
                       {"file": f"{name}.json", "sha256": "0" * 64, "items": n, "source": "meta"})
