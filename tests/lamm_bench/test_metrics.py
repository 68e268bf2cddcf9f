"""Honest metrics: IoU, matching, AP (golden values from pycocotools), PCK, bootstrap."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from lamm_bench.metrics.bootstrap import (
    AveragePrecision,
    Draws,
    Ratio,
    bootstrap_intervals,
    draws,
    paired_intervals,
    point_estimate,
)
from lamm_bench.metrics.detection import DetectionSet, average_precision, greedy_coco, match_image, max_matching
from lamm_bench.metrics.estimators import estimator_from_arrays
from lamm_bench.metrics.iou import iou_matrix_2d, iou_matrix_3d
from lamm_bench.metrics.pck import keypoint_correct, match_points, person_scale

GOLDEN = json.loads((Path(__file__).parent / "golden" / "ap_golden.json").read_text())


@pytest.mark.reference
def test_iou_2d_equals_pycocotools() -> None:
    rng = np.random.default_rng(0)
    a = np.sort(rng.uniform(0, 100, (30, 2, 2)), axis=1).transpose(0, 2, 1).reshape(30, 4)[:, [0, 2, 1, 3]]
    b = np.sort(rng.uniform(0, 100, (20, 2, 2)), axis=1).transpose(0, 2, 1).reshape(20, 4)[:, [0, 2, 1, 3]]
    xywh = lambda x: np.column_stack([x[:, 0], x[:, 1], x[:, 2] - x[:, 0], x[:, 3] - x[:, 1]])  # noqa: E731
    expected = mask_utils.iou(xywh(a).tolist(), xywh(b).tolist(), [0] * len(b))
    np.testing.assert_allclose(iou_matrix_2d(a, b), expected, rtol=0, atol=1e-12)


def test_iou_3d_is_clamped() -> None:
    unit = np.array([[0, 0, 0, 1, 1, 1]], dtype=float)
    assert iou_matrix_3d(unit, [[2, 2, 0, 1, 1, 1]])[0, 0] == 0.0  # LAMM's old formula says 1.0
    assert iou_matrix_3d(unit, [[0.5, 0, 0, 1, 1, 1]])[0, 0] == pytest.approx(0.5 / 1.5)
    assert iou_matrix_3d(unit, [[0, 0, 0, 2, 2, 2]])[0, 0] == pytest.approx(1 / 8)


def test_max_matching_beats_greedy_order() -> None:
    # prediction 0 can take either ground truth; prediction 1 only ground truth 0: the maximum is 2
    eligible = np.array([[True, True], [True, False]])
    assert sorted(max_matching(eligible)) == [(0, 1), (1, 0)]
    ious = np.array([[0.9, 0.6], [0.7, 0.0]])
    assert match_image(ious, 0.5).tp == 2
    assert greedy_coco(ious, 0.5) == [0, -1]  # pycocotools' greedy gets only 1
    assert match_image(ious, 0.5, np.array([[False, True], [False, False]])).tp == 1


def _detection_set(case: dict, agnostic: bool, threshold: float) -> DetectionSet:
    n_classes = 1 if agnostic else case["n_classes"]
    cluster, score, tp, cls = [], [], [], []
    gt_count = np.zeros((len(case["images"]), n_classes))
    for i, image in enumerate(case["images"]):
        gcls = [0 if agnostic else g["cls"] for g in image["gt"]]
        pcls = [0 if agnostic else p["cls"] for p in image["pred"]]
        for c in gcls:
            gt_count[i, c] += 1
        ious = iou_matrix_2d(np.array([p["box"] for p in image["pred"]]), np.array([g["box"] for g in image["gt"]]))
        flags = np.zeros(len(pcls), dtype=bool)
        for c in set(pcls):
            rows = [k for k, p in enumerate(pcls) if p == c]
            cols = [k for k, g in enumerate(gcls) if g == c]
            flags[rows] = np.array(greedy_coco(ious[np.ix_(rows, cols)], threshold)) >= 0
        cluster += [i] * len(pcls)
        score += (1.0 / (np.arange(len(pcls)) + 1)).tolist()
        tp += flags.tolist()
        cls += pcls
    return DetectionSet(np.array(cluster, dtype=int), np.array(score), np.array(tp, dtype=bool),
                        np.array(cls, dtype=int), gt_count)


@pytest.mark.reference
@pytest.mark.parametrize("index", range(len(GOLDEN["cases"])))
@pytest.mark.parametrize("agnostic", [False, True])
def test_average_precision_equals_pycocotools(index: int, agnostic: bool) -> None:
    case = GOLDEN["cases"][index]
    for threshold in GOLDEN["thresholds"]:
        expected = case["ap_agnostic" if agnostic else "ap"][str(threshold)]
        data = _detection_set(case, agnostic, threshold)
        got = float(average_precision(data, np.ones((1, len(case["images"]))))[0])
        if expected is None:
            assert np.isnan(got)
        else:
            assert got == pytest.approx(expected, abs=1e-12)


def test_weighted_ap_equals_ap_of_duplicated_images() -> None:
    """A cluster drawn k times counts as k copies of the image placed together (ties keep image order)."""
    case = GOLDEN["cases"][4]
    data = _detection_set(case, False, 0.5)
    counts = np.ones((1, len(case["images"])))
    counts[0, :7] = 3.0  # the first 7 images drawn three times
    counts[0, 7:12] = 0.0  # the next 5 not drawn
    images = [image for image in case["images"][:7] for _ in range(3)] + case["images"][12:]
    expanded = _detection_set({"n_classes": case["n_classes"], "images": images}, False, 0.5)
    assert average_precision(data, counts)[0] == pytest.approx(
        average_precision(expanded, np.ones((1, len(images))))[0], abs=1e-12)


def test_batch_ap_leaves_out_images_not_drawn() -> None:
    """In a bootstrap batch (several rows, float32) an image drawn 0 times adds nothing, also when it holds the
    top-ranked detections: each row equals the AP of the images it drew (to float32 precision)."""
    case = GOLDEN["cases"][4]
    data = _detection_set(case, False, 0.5)
    n = len(case["images"])
    counts = np.ones((2, n))
    counts[0, :7] = 0.0  # row 0 leaves out the first 7 images, whose detections rank first (score 1, image order)
    assert data.det_tp[np.isin(data.det_cluster, np.arange(7))].any()  # ... and some of them are true positives
    drawn = _detection_set({"n_classes": case["n_classes"], "images": case["images"][7:]}, False, 0.5)
    got = average_precision(data, counts)  # row 1 only makes it a batch
    assert got[0] == pytest.approx(average_precision(drawn, np.ones((1, n - 7)))[0], abs=1e-6)


def test_greedy_matching_caps_the_threshold_below_one_like_pycocotools() -> None:
    """pycocotools' evaluateImg uses ``min(t, 1 - 1e-10)``: at a threshold of 1 an IoU of 1 - 5e-11 still matches,
    1 - 2e-10 does not."""
    assert greedy_coco([[1 - 5e-11]], 1.0) == [0]
    assert greedy_coco([[1 - 2e-10]], 1.0) == [-1]
    assert greedy_coco([[1.0]], 1.0) == [0]


def test_each_row_of_a_batch_gets_the_ap_of_its_own_draw() -> None:
    """One class, four images with one object each, one detection each (score ties: image order): TP, FP, TP, TP.
    Every row of a batch must equal that row scored alone (the rows share one sorted search; each row draws 3
    objects, so no recall is one of the 101 recall points and float32 cannot move a tie)."""
    data = DetectionSet(np.arange(4), np.ones(4), np.array([True, False, True, True]), np.zeros(4, dtype=int),
                        np.ones((4, 1)))
    # rows reaching full recall are followed by rows whose best precision comes first (TP, FP, TP)
    counts = np.array([[1.0, 0.0, 1.0, 1.0], [1.0, 1.0, 1.0, 0.0], [0.0, 1.0, 1.0, 1.0], [3.0, 0.0, 0.0, 0.0],
                       [1.0, 1.0, 1.0, 0.0], [0.0, 1.0, 2.0, 0.0]])
    batch = average_precision(data, counts)
    alone = [float(average_precision(data, row[None, :])[0]) for row in counts]
    # by hand: row 2 finds FP, TP, TP (precision 0, 1/2, 2/3 at recall 0, 1/3, 2/3): the envelope is 2/3 at the
    # 67 recall points 0.00..0.66 and 0 above
    assert alone[0] == 1.0 and alone[2] == pytest.approx(67 * (2 / 3) / 101, abs=1e-12)
    np.testing.assert_allclose(batch, alone, rtol=0, atol=1e-6)


def test_pck_and_point_matching() -> None:
    joints = np.array([[10.0, 20.0], [110.0, 220.0]])
    assert person_scale(joints) == 200.0
    ok, distance = keypoint_correct((0.1, 0.2), np.array([10.0, 40.0]), (100, 100), 200.0)
    assert (ok, distance) == (True, pytest.approx(20.0))
    assert keypoint_correct((0.1, 0.2), np.array([10.0, 41.0]), (100, 100), 200.0)[0] is False
    assert keypoint_correct(None, joints[0], (100, 100), 200.0) == (False, None)
    assert match_points(np.array([[0.5, 0.5], [0.52, 0.5]]), np.array([[0.5, 0.5]]), 0.1) == [(0, 0)]


def test_ratio_bootstrap_is_seeded_and_covers_the_estimate() -> None:
    rng_values = np.random.default_rng(1).uniform(size=200)
    ratio = Ratio(rng_values, np.ones(200))
    first = bootstrap_intervals({"m": ratio}, 200, np.random.default_rng(7), resamples=500)["m"]
    second = bootstrap_intervals({"m": ratio}, 200, np.random.default_rng(7), resamples=500)["m"]
    assert first == second
    low, high = first
    assert low < point_estimate(ratio, 200) < high
    # the percentile interval of a mean is about +-1.96 standard errors
    se = rng_values.std() / np.sqrt(200)
    assert high - low == pytest.approx(2 * 1.96 * se, rel=0.15)


def test_draw_counts_match_indices() -> None:
    for batch in draws(37, np.random.default_rng(3), resamples=10):
        for row in range(batch.indices.shape[0]):
            assert np.array_equal(np.bincount(batch.indices[row], minlength=37), batch.counts[row])


def test_paired_interval_of_identical_estimators_is_zero() -> None:
    ratio = Ratio(np.arange(10.0), np.ones(10))
    shifted = Ratio(np.arange(10.0) + 1, np.ones(10))
    out = paired_intervals({"m": ratio}, {"m": ratio}, 10, np.random.default_rng(0), resamples=50)
    assert out["m"] == (0.0, 0.0)
    low, high = paired_intervals({"m": shifted}, {"m": ratio}, 10, np.random.default_rng(0), resamples=50)["m"]
    assert (low, high) == (pytest.approx(1.0), pytest.approx(1.0))


def test_estimators_round_trip_through_arrays() -> None:
    data = _detection_set(GOLDEN["cases"][3], False, 0.25)
    for estimator in (Ratio(np.arange(5.0), np.full(5, 2.0), 100.0, True), AveragePrecision(data, 100.0)):
        rebuilt = estimator_from_arrays(estimator.kind, estimator.arrays())
        n = len(estimator.arrays().get("num", data.gt_count))
        batch = Draws(np.zeros((2, n), dtype=int), np.random.default_rng(0).integers(0, 3, (2, n)).astype(float))
        np.testing.assert_array_equal(rebuilt.evaluate(batch), estimator.evaluate(batch))


def test_grouped_bootstrap_matches_the_plain_one() -> None:
    """Yes/no items merge into a few groups; the interval must agree with drawing clusters one by one."""
    values = (np.random.default_rng(5).uniform(size=4000) < 0.3).astype(float)
    ratio = Ratio(values, np.ones(4000))
    grouped = bootstrap_intervals({"m": ratio}, 4000, np.random.default_rng(1), resamples=2000)["m"]
    plain_values = np.concatenate([ratio.evaluate(batch) for batch in draws(4000, np.random.default_rng(1), 2000)])
    plain = tuple(np.percentile(plain_values, [2.5, 97.5]))
    assert grouped == (pytest.approx(plain[0], abs=0.003), pytest.approx(plain[1], abs=0.003))
    se = np.sqrt(0.3 * 0.7 / 4000)
    assert grouped[1] - grouped[0] == pytest.approx(2 * 1.96 * se, rel=0.1)


def test_caption_estimators_recompute_the_corpus_on_resamples() -> None:
    from lamm_bench.metrics.captions import caption_estimators
    from lamm_bench.text.caption import CiderD, caption_metrics

    refs = [["A dog runs on the beach.", "A dog on sand."], ["Two men stand in a yard.", "Men outside."],
            ["A child climbs stairs.", "A girl on the steps."]]
    preds = ["A dog runs on sand.", "Two men are outside.", ""]
    estimators, captions = caption_estimators(refs, preds, np.array([0, 1, 2]))
    expected = caption_metrics({str(i): r for i, r in enumerate(refs)}, {str(i): p for i, p in enumerate(preds)})
    for name, estimator in estimators.items():
        assert point_estimate(estimator, 3) == pytest.approx(expected[name], abs=1e-12)
    # a resample drawing image 0 twice and image 1 once: CIDEr-D with document frequencies of that multiset
    batch = Draws(np.array([[0, 0, 1]]), np.array([[2.0, 1.0, 0.0]]))
    cider = CiderD.prepare(dict(enumerate(captions.references)), dict(enumerate(captions.predictions)))
    assert estimators["CIDEr-D"].evaluate(batch)[0] == pytest.approx(cider.score_resample(np.array([0, 0, 1])))
    rebuilt = estimator_from_arrays("caption_corpus", estimators["BLEU-4"].arrays())
    assert rebuilt.evaluate(batch)[0] == pytest.approx(estimators["BLEU-4"].evaluate(batch)[0])


def test_captions_and_references_of_different_lengths_are_an_error() -> None:
    """One list of references per prediction: an extra list is an error, never silently dropped by ``zip``."""
    from lamm_bench.metrics.captions import TokenisedCaptions, caption_estimators

    refs = [["A dog runs."], ["Two men stand."], ["A child climbs."]]
    with pytest.raises(ValueError):
        caption_estimators(refs, ["A dog.", "Two men."], np.array([0, 1]))
    captions = TokenisedCaptions([["a", "dog"], ["two", "men"], ["a", "child"]], ["a dog", "two men"],
                                 np.array([0, 1]))
    with pytest.raises(ValueError):
        captions.cider  # noqa: B018 (the property raises)
    with pytest.raises(ValueError):
        captions.bleu  # noqa: B018


def test_ap_batch_cache_changes_nothing() -> None:
    """Two thresholds over the same arrays share ordering and running sums within a batch."""
    case = GOLDEN["cases"][5]
    low, high = _detection_set(case, False, 0.25), _detection_set(case, False, 0.5)
    high = DetectionSet(low.det_cluster, low.det_score, high.det_tp, low.det_class, low.gt_count)
    (batch,) = list(draws(len(case["images"]), np.random.default_rng(2), resamples=50))
    shared = Draws(batch.indices, batch.counts)
    for data in (low, high):
        np.testing.assert_array_equal(AveragePrecision(data).evaluate(shared),
                                      AveragePrecision(data).evaluate(Draws(batch.indices, batch.counts)))
    assert len(shared.cache) == 1
