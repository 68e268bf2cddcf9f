"""The bootstrap estimators apply their scale (and square root) to the value they compute."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lamm_bench.metrics.bootstrap import AveragePrecision, Draws, Ratio
from lamm_bench.metrics.detection import DetectionSet, average_precision

GOLDEN = json.loads((Path(__file__).parent / "golden" / "ap_golden.json").read_text())


def test_ratio_scale_and_root() -> None:
    ratio = Ratio(np.array([1.0, 3.0, 0.0]), np.array([2.0, 2.0, 0.0]), scale=100.0, root=True)
    counts = np.array([[1.0, 1.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, 3.0]])
    got = ratio.evaluate(Draws(np.zeros((3, 3), dtype=int), counts))
    assert got[0] == pytest.approx(100 * np.sqrt(4 / 4)) and got[1] == pytest.approx(100 * np.sqrt(2 / 4))
    assert np.isnan(got[2])  # nothing drawn has a denominator: undefined, not 0


def test_average_precision_scale() -> None:
    case = GOLDEN["cases"][2]
    images = case["images"]
    tp, cluster, score, cls = [], [], [], []
    gt_count = np.zeros((len(images), 1))
    for i, image in enumerate(images):
        gt_count[i, 0] = len(image["gt"])
        for k, _ in enumerate(image["pred"]):
            cluster.append(i)
            score.append(1 / (k + 1))
            cls.append(0)
            tp.append(k % 2 == 0)
    data = DetectionSet(np.array(cluster), np.array(score), np.array(tp), np.array(cls), gt_count)
    counts = np.ones((1, len(images)))
    plain = average_precision(data, counts)[0]
    assert 0 < plain < 1
    scaled = AveragePrecision(data, 100.0).evaluate(Draws(np.zeros((1, len(images)), dtype=int), counts))
    assert scaled[0] == pytest.approx(100 * plain)
