"""Every threshold, tested exactly at the threshold, through the benchmark scorers.

Expected values follow the written definitions, not our code: the LAMM rules as docs/lamm-formats.md §8 quotes
the original evaluators (``IoU > 0.5``, ``distance < 0.1``, strictly inside, images with ``>= 10`` points skipped,
``MAE(<10)`` over ``gt < 10``), and the honest rules of docs/metrics.md (``IoU >= t``, ``distance <= 0.1 x person
size``, edges included, points "closer than" 0.1). Boxes are chosen so the IoU is exactly representable (0.5 and
0.25 are binary fractions) and pycocotools computes the same value; distances of exactly 0.1 are ``hypot(0.1, 0)``,
which IEEE arithmetic returns as the double nearest 0.1 (LAMM's ``sqrt(dx*dx + dy*dy)`` too).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import math
from pathlib import Path

import numpy as np
import pytest
from pycocotools import mask as mask_utils
from scoring_helpers import SIMPLE, make_gt

from lamm_bench.benchmarks import get_spec
from lamm_bench.lamm_protocol.choice import choice_correct

GT_BOX = [0.0, 0.0, 1.0, 1.0]
AT_HALF = [0.0, 0.0, 0.5, 1.0]  # IoU with GT_BOX: 0.5 / 1 = 0.5 exactly
AT_QUARTER = [0.0, 0.0, 0.25, 1.0]  # 0.25 / 1 = 0.25 exactly


def run(name: str, columns: dict, texts: list, **kw):
    """Score ``texts`` against ground truth built from ``columns`` (each item its own image)."""
    return get_spec(name).scorer(make_gt(name, columns, **kw), texts, SIMPLE)


def _coco_ap():
    """pycocotools' COCOeval as driven by the committed golden script (iouThrs = [0.25, 0.5], no cap)."""
    path = Path(__file__).parent / "golden" / "make_ap_golden.py"
    spec = importlib.util.spec_from_file_location("make_ap_golden", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.coco_ap


def _box_text(box: list[float]) -> str:
    return "a dog at [" + ", ".join(map(str, box)) + "]"


@pytest.mark.reference
def test_boundary_boxes_have_exactly_the_threshold_iou_in_pycocotools() -> None:
    xywh = [[b[0], b[1], b[2] - b[0], b[3] - b[1]] for b in (AT_HALF, AT_QUARTER)]
    ious = mask_utils.iou(xywh, [[0.0, 0.0, 1.0, 1.0]], [0])
    assert ious[:, 0].tolist() == [0.5, 0.25]


@pytest.mark.reference
def test_honest_detection_matches_a_box_at_exactly_the_iou_threshold() -> None:
    """IoU == 0.5 matches at 0.5 and 0.25; IoU == 0.25 matches only at 0.25 (docs: a pair needs IoU >= t)."""
    objects = {"object": [[{"label": "dog", "bbox": GT_BOX}], [{"label": "dog", "bbox": GT_BOX}]]}
    result = run("Detection_VOC2012", objects, [_box_text(AT_HALF), _box_text(AT_QUARTER)])
    m = result.metrics
    for suffix in ("", "_agnostic"):
        assert m[f"recall@0.5{suffix}"] == 0.5 and m[f"precision@0.5{suffix}"] == 0.5
        assert m[f"f1@0.5{suffix}"] == 0.5
        assert m[f"recall@0.25{suffix}"] == 1.0 and m[f"precision@0.25{suffix}"] == 1.0
    # AP: pycocotools itself, at iouThrs = [0.25, 0.5], on the same boxes in answer order
    images = [{"gt": [{"box": GT_BOX, "cls": 0}], "pred": [{"box": AT_HALF, "cls": 0}]},
              {"gt": [{"box": GT_BOX, "cls": 0}], "pred": [{"box": AT_QUARTER, "cls": 0}]}]
    with contextlib.redirect_stdout(io.StringIO()):
        ap_025, ap_05 = _coco_ap()(images, False, 1)
    assert (ap_025, ap_05) == (1.0, pytest.approx(51 / 101, abs=1e-12))  # sanity: the boundary pair counts
    assert m["ap@0.25"] == pytest.approx(ap_025, abs=1e-12) and m["ap@0.5"] == pytest.approx(ap_05, abs=1e-12)
    # LAMM: strictly above 0.5, so neither image's object counts
    assert result.lamm["mAP@0.5"] == 0.0


def test_honest_3d_detection_and_grounding_at_exactly_the_iou_threshold() -> None:
    """3D boxes [cx, cy, cz, l, w, h]: a 2 x 1 x 1 box and its left half (IoU 0.5), a 4 x 1 x 1 box and its
    left quarter (IoU 0.25). Honest: >=; LAMM's Acc@t: strictly > (docs/lamm-formats.md §8.4)."""
    half_gt, half = [0.0, 0.0, 0.0, 2.0, 1.0, 1.0], "[-0.5, 0, 0, 1, 1, 1]"
    quarter_gt, quarter = [0.0, 0.0, 0.0, 4.0, 1.0, 1.0], "[-1.5, 0, 0, 1, 1, 1]"
    grounding = run("VG_ScanRefer", {"box": [half_gt, quarter_gt]}, [half, quarter])
    assert grounding.metrics["acc@0.5"] == 0.5 and grounding.metrics["acc@0.25"] == 1.0
    assert grounding.metrics["mean_iou"] == pytest.approx((0.5 + 0.25) / 2, abs=1e-15)
    assert grounding.lamm == {"Acc@0.25": 50.0, "Acc@0.5": 0.0}  # 0.5 > 0.25 only; 0.25 > 0.25 and 0.5 > 0.5 fail
    objects = {"object": [[{"label": "chair", "bbox": half_gt}], [{"label": "chair", "bbox": quarter_gt}]]}
    detection = run("Detection_ScanNet", objects, [f"a chair {half}", f"a chair {quarter}"])
    assert detection.metrics["recall@0.5"] == 0.5 and detection.metrics["recall@0.25"] == 1.0
    assert detection.lamm["mAP@0.5"] == 0.0


def test_lamm_detection_is_strictly_above_one_half() -> None:
    objects = {"object": [[{"label": "dog", "bbox": GT_BOX}], [{"label": "dog", "bbox": GT_BOX}]]}
    result = run("Detection_VOC2012", objects, [_box_text(AT_HALF), _box_text([0.0, 0.0, 0.5000001, 1.0])])
    assert result.lamm["mAP@0.5"] == 50.0


def test_honest_pck_at_exactly_a_tenth_of_the_person_size() -> None:
    """Person box 200 px high (joints from y = 0 to 200): threshold 0.1 x 200 = 20 px, distance <= 20 counts."""
    joints = [[0.0, 0.0]] * 13 + [[0.0, 200.0]]
    size = (100, 200)
    exactly = {"right ankle": "[0, 0.1]"}  # (0, 20) px: 20 px from the right ankle at (0, 0)
    beyond = {"right ankle": "[0, 0.105]"}  # 21 px
    result = run("Keypoints_Detection_LSP", {"gt_joints": [joints, joints]}, [exactly, beyond], sizes=[size, size])
    assert result.metrics["pck@0.1/right ankle"] == 0.5
    assert result.metrics["pck@0.1"] == pytest.approx(1 / 28)


def test_lamm_pck_distance_is_strictly_below_a_tenth_of_the_image() -> None:
    """LAMM ``correct_keypoints``: normalised distance < 0.1. Joint 0 at the origin; [0.1, 0] is exactly 0.1."""
    assert math.sqrt(0.1 * 0.1 + 0.0 * 0.0) == 0.1  # the original's arithmetic gives exactly the threshold
    joints = [[0.0, 0.0]] * 14
    size = (100, 200)
    result = run("Keypoints_Detection_LSP", {"gt_joints": [joints, joints]},
                 [{"a": "[0.1, 0]"}, {"a": "[0.0999, 0]"}], sizes=[size, size])
    assert result.lamm["PCK"] == pytest.approx(100 * (0 + 1 / 14) / 2)


def test_lamm_pck_counts_every_hit_joint() -> None:
    """Two joints hit in one image: 2/14 (the original never incremented; we restore ``hits += 1``)."""
    joints = [[50.0, 100.0]] * 14
    size = (100, 200)
    answers = {"right ankle": "[0.5, 0.5]", "right knee": "[0.52, 0.5]", "right hip": "[0.9, 0.9]"}
    result = run("Keypoints_Detection_LSP", {"gt_joints": [joints]}, [answers], sizes=[size])
    assert result.lamm["PCK"] == pytest.approx(100 * 2 / 14)
    # person box of zero size: the honest threshold is 0 px, only the point exactly on its joint counts
    assert result.metrics["pck@0.1"] == pytest.approx(1 / 14)


def test_lamm_pck_counts_two_hits_through_the_scorer_with_a_real_person() -> None:
    joints = [[10.0 * k, 12.0 * k] for k in range(14)]  # pixels, image 200 x 200
    size = (200, 200)
    names = ["right ankle", "right knee", "right hip"]
    answers = {names[0]: "[0, 0]", names[1]: "[0.05, 0.06]", names[2]: "[0.9, 0.9]"}
    result = run("Keypoints_Detection_LSP", {"gt_joints": [joints]}, [answers], sizes=[size])
    assert result.lamm["PCK"] == pytest.approx(100 * 2 / 14)
    assert result.metrics["pck@0.1"] == pytest.approx(2 / 14)


def test_locating_points_on_the_box_edge() -> None:
    """LAMM: strictly inside; honest: edges included (VOC2012 and LSP). One point on each of the four edges of a
    box that is not a square, and one inside."""
    box = [0.25, 0.125, 0.5, 0.75]
    on_edges = ["[0.25, 0.5]", "[0.375, 0.125]", "[0.5, 0.5]", "[0.375, 0.75]", "[0.375, 0.5]"]
    voc = {"object": [[{"label": "dog", "bbox": box}]] * 5}
    result = run("Locating_VOC2012", voc, [f"the dog at {p}" for p in on_edges])
    assert result.lamm["Acc"] == 20.0  # only the inner point
    assert result.metrics["recall"] == 1.0 and result.metrics["precision"] == 1.0
    # LSP: person box (20, 25)-(40, 150) px in a 80 x 200 image = (0.25, 0.125)-(0.5, 0.75) normalised
    joints = [[20.0, 25.0]] * 13 + [[40.0, 150.0]]
    size = (80, 200)
    lsp = run("Locating_LSP", {"gt_joints": [joints] * 5}, on_edges, sizes=[size] * 5)
    assert lsp.lamm["Acc"] == 20.0 and lsp.metrics["accuracy"] == 1.0
    outside = ["[0.24, 0.5]", "[0.375, 0.12]", "[0.51, 0.5]", "[0.375, 0.76]"]
    assert run("Locating_LSP", {"gt_joints": [joints] * 4}, outside, sizes=[size] * 4).metrics["accuracy"] == 0.0
    result = run("Locating_VOC2012", {"object": voc["object"][:4]}, [f"the dog at {p}" for p in outside])
    assert result.metrics["recall"] == 0.0


def test_locating_points_at_exactly_the_distance_threshold() -> None:
    """FSC147 points: LAMM finds a point at distance < 0.1, honest matching needs "closer than" 0.1: at exactly
    0.1 neither counts; just inside both do."""
    size = (100, 200)
    points = {"points": [[[0.0, 0.0]], [[0.0, 0.0]]]}
    result = run("Locating_FSC147", points, ["[0.1, 0]", "[0.0999, 0]"], sizes=[size, size])
    assert result.lamm["Acc"] == 50.0
    assert result.metrics["recall@0.1"] == 0.5 and result.metrics["precision@0.1"] == 0.5


def test_fsc147_locating_skips_images_with_ten_points_or_more() -> None:
    size = (100, 200)
    nine, ten = [[0.0, 0.0]] * 9, [[0.0, 0.0]] * 10
    result = run("Locating_FSC147", {"points": [nine, ten]}, ["[0, 0]", "[0, 0]"], sizes=[size, size])
    assert result.lamm["Acc"] == 100.0 * 9 / 9  # the 10-point image is not counted at all
    result = run("Locating_FSC147", {"points": [nine, ten]}, ["[0.5, 0.5]", "[0, 0]"], sizes=[size, size])
    assert result.lamm["Acc"] == 0.0  # ... so its hit does not help
    assert result.metrics["recall@0.1"] == pytest.approx(1 / 19)  # honest: every image counts


def test_counting_small_subset_is_below_ten() -> None:
    """``MAE(<10)`` averages over ground truth < 10: a count of exactly 10 is outside, 9 inside."""
    result = run("Counting_FSC147", {"num": [9, 10, 10]}, ["8", "0", "7"])
    assert result.lamm["MAE(<10)"] == 1.0
    assert result.lamm["MAE"] == pytest.approx((1 + 10 + 3) / 3)


@pytest.mark.parametrize(("text", "gt", "correct"), [
    ("ANSWER: B and later ANSWER: C", 1, True),  # the first match decides ...
    ("ANSWER: B and later ANSWER: C", 2, False),  # ... not the last
    ("ANSWER: C ANSWER: B ANSWER: B", 1, False),
])
def test_lamm_choice_answer_colon_takes_the_first_match(text: str, gt: int, correct: bool) -> None:
    choices = ["egg", "pupa", "adult"]
    assert choice_correct(text, choices, gt) is correct
    result = run("VQA_AI2D", {"gt_choice": [gt], "gt_choices": [choices]}, [text])
    assert result.lamm["Acc"] == (100.0 if correct else 0.0)


def test_counting_exact_accuracy_needs_an_exact_count() -> None:
    """exact_accuracy: |gt - read| == 0 only; 0.5 off is wrong (no rounding)."""
    result = run("Counting_FSC147", {"num": [3, 3]}, ["3", "3.5"])
    assert result.metrics["exact_accuracy"] == 0.5
    assert result.metrics["MAE"] == 0.25


def test_iou_threshold_pairs_are_one_to_one_at_the_boundary() -> None:
    """Two predictions at exactly IoU 0.5 with one object: one true positive, one false positive."""
    objects = {"object": [[{"label": "dog", "bbox": GT_BOX}]]}
    text = "a dog at [0, 0, 0.5, 1] and a dog at [0.5, 0, 1, 1]"
    m = run("Detection_VOC2012", objects, [text]).metrics
    assert (m["recall@0.5"], m["precision@0.5"]) == (1.0, 0.5)
    assert np.isclose(m["f1@0.5"], 2 * 1 / 3)


def test_a_joint_answer_is_read_from_its_first_point() -> None:
    joints = [[10.0 * k, 12.0 * k] for k in range(14)]
    answers = [{"right ankle": "[0, 0] or [0.9, 0.9]"}, {"right ankle": "[0.9, 0.9]"}]
    result = run("Keypoints_Detection_LSP", {"gt_joints": [joints, joints]}, answers, sizes=[(200, 200)] * 2)
    assert result.metrics["pck@0.1/right ankle"] == 0.5  # the first answer's first point is right, its last is not
