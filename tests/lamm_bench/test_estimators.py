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


def test_each_estimator_gets_its_own_interval() -> None:
    """Several estimators bootstrapped together (the grouped and the batched path): each keeps its own values."""
    from lamm_bench.metrics.bootstrap import bootstrap_intervals, paired_intervals

    n = 50
    ones, zeros = Ratio(np.ones(n), np.ones(n)), Ratio(np.zeros(n), np.ones(n))
    half = Ratio(np.arange(n) % 2 == 0, np.ones(n), scale=10.0)
    out = bootstrap_intervals({"ones": ones, "zeros": zeros, "half": half}, n, np.random.default_rng(0), resamples=200)
    assert out["ones"] == (1.0, 1.0) and out["zeros"] == (0.0, 0.0)
    low, high = out["half"]
    assert 2.0 < low < 5.0 < high < 8.0
    data = DetectionSet(np.arange(4), np.ones(4), np.array([True, False, True, True]), np.zeros(4, dtype=int),
                        np.ones((4, 1)))
    mixed = bootstrap_intervals({"ones": ones.__class__(np.ones(4), np.ones(4)), "ap": AveragePrecision(data),
                                 "zeros": zeros.__class__(np.zeros(4), np.ones(4))}, 4, np.random.default_rng(0),
                                resamples=200)
    assert mixed["ones"] == (1.0, 1.0) and mixed["zeros"] == (0.0, 0.0) and mixed["ap"] != (1.0, 1.0)
    paired = paired_intervals({"a": ones, "b": zeros}, {"a": zeros, "b": zeros}, n, np.random.default_rng(0),
                              resamples=100)
    assert paired == {"a": (1.0, 1.0), "b": (0.0, 0.0)}
