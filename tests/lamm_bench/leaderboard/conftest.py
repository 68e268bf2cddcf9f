"""Fixture: the baseline answers of the embedded sample and a degraded copy, both scored with diagnostics."""

from __future__ import annotations

import pytest
from leaderboard_helpers import Scored, degrade, score

from lamm_data.sample import BASELINE_ANSWERS, write_sample


@pytest.fixture(scope="session")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Scored:
    base = tmp_path_factory.mktemp("leaderboard")
    root = write_sample(base / "root")
    degraded = degrade(root / BASELINE_ANSWERS, base / "degraded.jsonl")
    baseline = score(root, root / BASELINE_ANSWERS, base / "baseline")
    return Scored(root, baseline, score(root, degraded, base / "degraded"))
