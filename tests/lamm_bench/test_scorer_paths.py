"""Scorer paths the boundary and denominator tests do not reach: answers keyed by LSP joint name in any order,
visibility flags on joints and points, the first of several points or boxes, non-square images, points whose x
and y differ, class-aware against class-agnostic AP, boxes spread over three images, and the note on keys that
name no joint. Expected values are worked out by hand from docs/metrics.md and docs/lamm-formats.md section 8
(AP from pycocotools)."""

from __future__ import annotations

import contextlib
import io
import math

import numpy as np
import pytest
from scoring_helpers import SIMPLE, make_gt
from test_boundaries import _coco_ap

from lamm_bench.benchmarks import get_spec
from lamm_bench.scorers.base import finish

# 14 joints of a 200 x 200 image: joint k at (10k, 12k) px; the person box is 130 x 156 px, so the honest
# threshold is 0.1 x 156 = 15.6 px. Head top (joint 13) is at (130, 156) px = (0.65, 0.78) normalised.
JOINTS = [[10.0 * k, 12.0 * k] for k in range(14)]
SIZE = (200, 200)


def run(name: str, columns: dict, texts: list, **kw):
    return get_spec(name).scorer(make_gt(name, columns, **kw), texts, SIMPLE)


def test_joint_answers_are_matched_by_name_in_any_order_and_spelling() -> None:
    """Keys are joint names, case- and underscore-insensitive, in any order: the honest PCK follows the names.
    LAMM's PCK ignores the keys: the k-th entry is compared with joint k."""
    answers = {"HEAD_TOP": "[0.65, 0.78]", "Right  Ankle": "[0, 0]"}
    result = run("Keypoints_Detection_LSP", {"gt_joints": [JOINTS]}, [answers], sizes=[SIZE])
    assert result.metrics["pck@0.1/head top"] == 1.0 and result.metrics["pck@0.1/right ankle"] == 1.0
    assert result.metrics["pck@0.1"] == pytest.approx(2 / 14)
    # LAMM: entry 0 ([0.65, 0.78]) is far from joint 0 (0, 0); entry 1 ([0, 0]) is 0.078 from joint 1 (0.05, 0.06)
    assert result.lamm["PCK"] == pytest.approx(100 * 1 / 14)


def test_joints_and_points_with_a_visibility_flag_score_like_without() -> None:
    """LSP joints and FSC147 points may be ``[x, y, flag]`` (docs/lamm-formats.md): the flag is not a coordinate."""
    flagged = [[x, y, 1.0] for x, y in JOINTS]
    answers = {"head top": "[0.65, 0.78]", "right ankle": "[0, 0]"}
    result = run("Keypoints_Detection_LSP", {"gt_joints": [flagged]}, [answers], sizes=[SIZE])
    assert result.metrics["pck@0.1"] == pytest.approx(2 / 14)
    person = [[20.0, 40.0, 1.0]] * 13 + [[60.0, 120.0, 0.0]]  # box [20, 60] x [40, 120] px in a 100 x 200 image
    result = run("Locating_LSP", {"gt_joints": [person]}, ["[0.5, 0.25]"], sizes=[(100, 200)])
    assert result.metrics["accuracy"] == 1.0 and result.lamm["Acc"] == 100.0
    result = run("Locating_FSC147", {"points": [[[20.0, 120.0, 1.0]]]}, ["[0.2, 0.6]"], sizes=[(100, 200)])
    assert result.metrics["recall@0.1"] == 1.0 and result.lamm["Acc"] == 100.0


def test_locating_a_person_reads_the_first_point_in_pixels_of_a_non_square_image() -> None:
    """Honest LSP accuracy: the first point, scaled by width (x) and height (y), inside the joints' box.
    [0.5, 0.25] in a 100 x 200 image is (50, 50) px: inside [20, 60] x [40, 120]; read with the height for x
    it would be (100, 50), outside."""
    person = [[20.0, 40.0]] * 13 + [[60.0, 120.0]]
    texts = ["[0.5, 0.25] then [0.9, 0.9]", "[0.5, 0.25]", "[0.9, 0.9] then [0.5, 0.25]"]
    result = run("Locating_LSP", {"gt_joints": [person] * 3}, texts, sizes=[(100, 200)] * 3)
    assert result.metrics["accuracy"] == pytest.approx(2 / 3)


def test_fsc147_points_with_different_x_and_y() -> None:
    """A point at (0.2, 0.6) on its target (20, 120) px of a 100 x 200 image; (0.6, 0.2) is 0.57 away."""
    result = run("Locating_FSC147", {"points": [[[20.0, 120.0]], [[20.0, 120.0]]]}, ["[0.2, 0.6]", "[0.6, 0.2]"],
                 sizes=[(100, 200)] * 2)
    assert result.metrics["recall@0.1"] == 0.5 and result.metrics["precision@0.1"] == 0.5


@pytest.mark.reference
def test_class_aware_and_class_agnostic_ap_differ_as_pycocotools_says() -> None:
    """A dog box put on the cat and a cat box on nothing: class-aware, nothing is found; class-agnostic, the first
    box finds the cat and the second is a false positive."""
    objects = [{"label": "dog", "bbox": [0.0, 0.0, 0.5, 1.0]}, {"label": "cat", "bbox": [0.5, 0.0, 1.0, 1.0]}]
    text = "a dog at [0.5, 0, 1, 1] and a cat at [0.9, 0.9, 1, 1]"
    m = run("Detection_VOC2012", {"object": [objects]}, [text]).metrics
    images = [{"gt": [{"box": [0.0, 0.0, 0.5, 1.0], "cls": 0}, {"box": [0.5, 0.0, 1.0, 1.0], "cls": 1}],
               "pred": [{"box": [0.5, 0.0, 1.0, 1.0], "cls": 0}, {"box": [0.9, 0.9, 1.0, 1.0], "cls": 1}]}]
    with contextlib.redirect_stdout(io.StringIO()):
        aware, agnostic = _coco_ap()(images, False, 2), _coco_ap()(images, True, 2)
    assert aware[1] == 0.0 and agnostic[1] == pytest.approx(51 / 101)  # the case the test is about
    assert m["ap@0.5"] == pytest.approx(aware[1], abs=1e-12)
    assert m["ap@0.5_agnostic"] == pytest.approx(agnostic[1], abs=1e-12)
    assert m["ap@0.25_agnostic"] == pytest.approx(agnostic[0], abs=1e-12)
    assert (m["recall@0.5"], m["recall@0.5_agnostic"]) == (0.0, 0.5)


def test_boxes_of_three_images_are_each_compared_with_their_own_objects() -> None:
    """Image 1's box is wrong (IoU 0.01), images 0 and 2 are right: the IoU tables must not shift."""
    dog = [{"label": "dog", "bbox": [0.0, 0.0, 1.0, 1.0]}]
    texts = ["a dog at [0, 0, 1, 1]", "a dog at [0, 0, 0.1, 0.1]", "a dog at [0, 0, 1, 1]"]
    m = run("Detection_VOC2012", {"object": [dog] * 3}, texts).metrics
    assert m["recall@0.5"] == pytest.approx(2 / 3) and m["precision@0.5"] == pytest.approx(2 / 3)


def test_detection_needs_one_answer_per_item() -> None:
    dog = [{"label": "dog", "bbox": [0.0, 0.0, 1.0, 1.0]}]
    gt = make_gt("Detection_VOC2012", {"object": [dog] * 3})
    with pytest.raises(ValueError):
        get_spec("Detection_VOC2012").scorer(gt, ["a dog at [0, 0, 1, 1]"] * 2, SIMPLE)


def test_grounding_reads_the_first_box() -> None:
    box = [0.0, 0.0, 0.0, 2.0, 1.0, 1.0]
    texts = ["[0, 0, 0, 2, 1, 1] and [5, 0, 0, 1, 1, 1]", "[0, 0, 0, 2, 1, 1]"]
    result = run("VG_ScanRefer", {"object": [box, box]}, texts)
    assert result.metrics["acc@0.5"] == 1.0 and result.metrics["mean_iou"] == 1.0


def test_counting_rmse_squares_the_errors_and_exact_accuracy_counts_exact_answers() -> None:
    """Errors 3, 0, 0: RMSE sqrt(9 / 3) = sqrt(3); exact answers 2 of 3."""
    result = run("Counting_FSC147", {"num": [3, 5, 5]}, ["6", "5", "5"])
    assert result.metrics["RMSE"] == pytest.approx(math.sqrt(3))
    assert result.metrics["exact_accuracy"] == pytest.approx(2 / 3)
    assert result.metrics["MAE"] == pytest.approx(1.0)


def test_records_are_built_only_when_asked_for() -> None:
    result = run("Counting_FSC147", {"num": [3]}, ["3"])
    assert result.samples is None


def test_finish_adds_metrics_computed_outside_the_estimators() -> None:
    gt = make_gt("Counting_FSC147", {"num": [3, 4]})
    score = finish(gt, present=np.array([True, False]), unparsed=np.array([False, False]), lamm={}, metrics={},
                   samples=None, extra_metrics={"frames": 7.0})
    assert score.metrics == {"parse_failure_rate": 0.0, "frames": 7.0}
    assert (score.n, score.missing) == (2, 1)


@pytest.mark.parametrize(("answers", "note"), [
    # two keyed answers hold 'nose' (2x) and 'tail'; a keyed answer without unknown keys and a positional one
    # (no key is a joint name: nothing is unknown there) do not count
    ([{"right ankle": "[0, 0]", "nose": "[0.1, 0.1]", "tail": "[0, 0]"}, {"head top": "[0.65, 0.78]", "nose": "[0, 0]"},
      {"right ankle": "[0, 0]"}, {"a": "[0, 0]", "b": "[0, 0]"}, None],
     "2 answer(s) hold 3 entries whose key is not an LSP joint name ('nose', 'tail'); those entries were not scored"),
    # exactly three unknown names, most frequent first: all shown, no ellipsis
    ([{"neck": "[0, 0]", "w": "1", "x": "1", "y": "1"}, {"neck": "[0, 0]", "w": "1", "x": "1"},
      {"neck": "[0, 0]", "w": "1"}],
     "3 answer(s) hold 6 entries whose key is not an LSP joint name ('w', 'x', 'y'); those entries were not scored"),
    # four: the three most frequent, then an ellipsis
    ([{"neck": "[0, 0]", "w": "1", "x": "1", "y": "1", "z": "1"}, {"neck": "[0, 0]", "w": "1", "x": "1", "y": "1"},
      {"neck": "[0, 0]", "w": "1", "x": "1"}, {"neck": "[0, 0]", "w": "1"}],
     "4 answer(s) hold 10 entries whose key is not an LSP joint name ('w', 'x', 'y' ...); those entries were not "
     "scored"),
    ([{"neck": "[0, 0]", "Head_Top": "[0, 0]"}, {"a": "[0, 0]"}], None),
])
def test_keys_that_name_no_joint_are_noted(answers: list, note: str | None) -> None:
    result = run("Keypoints_Detection_LSP", {"gt_joints": [JOINTS] * len(answers)}, answers,
                 sizes=[SIZE] * len(answers))
    assert result.notes == ([note] if note else [])


@pytest.mark.reference
def test_boxes_are_ranked_by_their_place_in_the_answer_across_images() -> None:
    """The k-th box of an answer scores 1 / (k + 1): the first boxes of all images rank before the second ones
    (docs/metrics.md), as in the golden script that drives pycocotools. Image 0: TP then FP; image 1: TP, TP."""
    a, b = [0.0, 0.0, 0.5, 0.5], [0.5, 0.5, 1.0, 1.0]
    objects = [[{"label": "dog", "bbox": a}], [{"label": "dog", "bbox": a}, {"label": "dog", "bbox": b}]]
    texts = ["a dog at [0, 0, 0.5, 0.5] and a dog at [0.6, 0, 1, 0.4]",
             "a dog at [0, 0, 0.5, 0.5] and a dog at [0.5, 0.5, 1, 1]"]
    m = run("Detection_VOC2012", {"object": objects}, texts).metrics
    wrong = [0.6, 0.0, 1.0, 0.4]
    images = [{"gt": [{"box": a, "cls": 0}], "pred": [{"box": a, "cls": 0}, {"box": wrong, "cls": 0}]},
              {"gt": [{"box": a, "cls": 0}, {"box": b, "cls": 0}],
               "pred": [{"box": a, "cls": 0}, {"box": b, "cls": 0}]}]
    with contextlib.redirect_stdout(io.StringIO()):
        ap = _coco_ap()(images, False, 1)
    assert ap[1] == pytest.approx((67 * 1.0 + 34 * 0.75) / 101)  # TP, TP, FP, TP: by hand
    assert m["ap@0.5"] == pytest.approx(ap[1], abs=1e-12)


def test_pck_threshold_follows_the_longer_side_of_the_person() -> None:
    """Joints spanning 100 px across and 20 px down: threshold 0.1 x 100 = 10 px; an answer 9 px off counts."""
    joints = [[0.0, 0.0]] * 13 + [[100.0, 20.0]]
    result = run("Keypoints_Detection_LSP", {"gt_joints": [joints]}, [{"right ankle": "[0.045, 0]"}],
                 sizes=[(200, 200)])
    assert result.metrics["pck@0.1/right ankle"] == 1.0


def test_small_3d_boxes_have_their_own_iou() -> None:
    """Two 0.5 m cubes shifted by 0.25 m: intersection 0.0625, union 0.1875 m^3, IoU 1/3 (a union below 1 m^3)."""
    result = run("VG_ScanRefer", {"object": [[0.0, 0.0, 0.0, 0.5, 0.5, 0.5]]}, ["[0.25, 0, 0, 0.5, 0.5, 0.5]"])
    assert result.metrics["mean_iou"] == pytest.approx(1 / 3) and result.metrics["acc@0.25"] == 1.0


def test_lamm_point_distance_uses_both_axes() -> None:
    """LAMM's ``sqrt(dx^2 + dy^2) < 0.1``: (0.05, 0.09) off is 0.103 away, not found; (0.05, 0.08) is 0.094."""
    joints = [[0.0, 0.0]] * 14
    answers = [{"a": "[0.05, 0.09]"}, {"a": "[0.05, 0.08]"}]
    result = run("Keypoints_Detection_LSP", {"gt_joints": [joints, joints]}, answers, sizes=[(100, 100)] * 2)
    assert result.lamm["PCK"] == pytest.approx(100 * (0 + 1 / 14) / 2)


def test_lamm_pck_reads_only_the_first_fourteen_entries() -> None:
    """The k-th entry is compared with joint k; a 15th entry has no joint and is not scored."""
    answers = {f"entry {k}": f"[{10 * k / 200}, {12 * k / 200}]" for k in range(15)}
    result = run("Keypoints_Detection_LSP", {"gt_joints": [JOINTS]}, [answers], sizes=[SIZE])
    assert result.lamm["PCK"] == pytest.approx(100.0)


def test_an_fsc147_image_without_points_counts_for_nothing_in_lamm() -> None:
    """An image with no ground-truth point adds no point to find (LAMM's ``point_distance_eval`` loops over
    none): the LAMM number is that of the other image."""
    result = run("Locating_FSC147", {"points": [[], [[50.0, 100.0]]]}, ["[0.5, 0.5]", "[0.5, 0.5]"],
                 sizes=[(100, 200)] * 2)
    assert result.lamm["Acc"] == 100.0 and result.metrics["recall@0.1"] == 1.0
