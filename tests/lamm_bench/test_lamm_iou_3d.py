"""LAMM's old ``cal_iou_3d`` on boxes that are not cubes, so that every axis and every corner index matters.

Expected values are worked out by hand from the original formula (docs/lamm-formats.md §8.4): corners
``c -/+ |size| / 2`` rounded to 3 decimals; overlap per axis ``min(x2) - max(x1)`` **not** clamped;
``inter = ox * oy * oz``; ``union = vol_gt + vol_box - inter``; an IoU outside [0, 1] becomes 0. The NumPy path
(any finite box) and the scalar path (the first box for grounding, boxes with NaN or infinity) must agree.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lamm_bench.lamm_protocol.detection import grounding_iou
from lamm_bench.lamm_protocol.iou import corners_3d, iou_3d, iou_3d_corners, iou_3d_scalar

GT = [0.0, 0.0, 0.0, 2.0, 4.0, 6.0]  # corners (-1, -2, -3) - (1, 2, 3), volume 48

CASES = [
    # box, expected IoU (by hand)
    ([0.5, 1.0, 1.5, 2.0, 4.0, 6.0], (1.5 * 3 * 4.5) / (48 + 48 - 1.5 * 3 * 4.5)),  # shifted on every axis
    ([0.0, 0.0, 0.0, 1.0, 2.0, 3.0], 6 / 48),  # inside: (1 * 2 * 3) / 48
    ([0.0, 0.0, 0.0, 2.0, 4.0, 3.0], 24 / 48),  # half the height
    ([3.0, 5.0, 0.0, 2.0, 2.0, 6.0], (-1 * -2 * 6) / (48 + 24 - 12)),  # disjoint on x and y: LAMM's positive IoU
    ([3.0, 0.0, 0.0, 2.0, 4.0, 6.0], 0.0),  # disjoint on x only: negative intersection -> 0
    ([4.5, 7.5, 0.0, 2.0, 4.0, 6.0], 0.0),  # disjoint on x and y: (-2.5 * -3.5 * 6) / (96 - 52.5) = 1.21 > 1 -> 0
    ([0.0, 0.0, 0.0, -2.0, -4.0, -6.0], 1.0),  # negative sizes count by absolute value
    ([0.1234, 0.0, 0.0, 2.0, 4.0, 6.0], None),  # rounding to 3 decimals: computed below
]


def _by_hand(box: list[float]) -> float:
    g = [round(v, 3) for v in (-1, -2, -3, 1, 2, 3)]
    cx, cy, cz, lx, ly, lz = box
    b = [round(cx - abs(lx) / 2, 3), round(cy - abs(ly) / 2, 3), round(cz - abs(lz) / 2, 3),
         round(cx + abs(lx) / 2, 3), round(cy + abs(ly) / 2, 3), round(cz + abs(lz) / 2, 3)]
    ox, oy, oz = (min(g[k + 3], b[k + 3]) - max(g[k], b[k]) for k in range(3))
    inter = ox * oy * oz
    union = 48 + (b[3] - b[0]) * (b[4] - b[1]) * (b[5] - b[2]) - inter
    iou = inter / union
    return 0.0 if iou > 1 or iou < 0 else iou


def test_corners_round_and_use_absolute_sizes() -> None:
    assert corners_3d([1.0, 2.0, 3.0, 2.0, -4.0, 6.0]) == [0.0, 0.0, 0.0, 2.0, 4.0, 6.0]
    assert corners_3d([0.12345, 0.0, 0.0, 0.0, 0.0, 0.0]) == [0.123, 0.0, 0.0, 0.123, 0.0, 0.0]
    assert corners_3d([0.0, 0.0, 0.0, 1.0, 3.0, 5.0]) == [-0.5, -1.5, -2.5, 0.5, 1.5, 2.5]
    # every coordinate rounded to 3 decimals (0.12345 - 0.11131 / 2 = 0.067795 -> 0.068, ...; each of the six
    # differs at 4 decimals, so every rounding is checked)
    assert corners_3d([0.12345, 1.23456, 2.34567, 0.11131, 0.22222, 0.33242]) == [
        0.068, 1.123, 2.179, 0.179, 1.346, 2.512]


@pytest.mark.parametrize(("box", "expected"), CASES)
def test_old_3d_iou_on_boxes_that_are_not_cubes(box: list[float], expected: float | None) -> None:
    expected = _by_hand(box) if expected is None else expected
    assert _by_hand(box) == pytest.approx(expected, abs=1e-15)
    vectorised = iou_3d(GT, [box])
    assert vectorised.shape == (1,) and vectorised[0] == pytest.approx(expected, abs=1e-15)
    assert iou_3d_scalar(corners_3d(GT), corners_3d(box)) == pytest.approx(expected, abs=1e-15)
    assert grounding_iou(GT, f"the box is [{', '.join(map(str, box))}]") == pytest.approx(expected, abs=1e-15)


def test_several_boxes_at_once_keep_their_order() -> None:
    boxes = [box for box, _ in CASES]
    expected = [_by_hand(box) for box in boxes]
    np.testing.assert_allclose(iou_3d(GT, boxes), expected, rtol=0, atol=1e-15)
    assert iou_3d(GT, []).shape == (0,)
    assert iou_3d_corners(corners_3d(GT), []).shape == (0,)


def test_boxes_with_nan_or_infinity_take_the_scalar_path() -> None:
    """Python's ``max``/``min`` keep the first argument when a comparison with NaN is false."""
    boxes = [[0.0, 0.0, 0.0, 2.0, 4.0, 3.0], [math.nan, 0.0, 0.0, 2.0, 4.0, 6.0], [0.0, 0.0, 0.0, math.inf, 4.0, 6.0]]
    got = iou_3d(GT, boxes)
    assert got[0] == 0.5
    # NaN corner: max(-1, nan) = -1 and min(1, nan) = 1, so the overlap is the ground truth's (48), but the box's
    # volume is NaN: the union is NaN, the IoU NaN, and NaN > 1 / NaN < 0 are false: the value stays NaN
    assert math.isnan(iou_3d_scalar(corners_3d(GT), corners_3d(boxes[1])))
    assert math.isnan(got[1])
    # infinite size: inter = 2 * 4 * 6 = 48, union = inf -> IoU 0
    assert got[2] == 0.0 == iou_3d_scalar(corners_3d(GT), corners_3d(boxes[2]))


def test_zero_union_is_zero_not_an_error() -> None:
    flat = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert iou_3d_scalar(corners_3d(flat), corners_3d(flat)) == 0.0
    assert iou_3d(flat, [flat]).tolist() == [0.0]


def test_zero_union_with_a_nonzero_intersection_is_zero() -> None:
    """Boxes disjoint on x and y whose unclamped "intersection" equals the sum of their volumes: the ground truth
    (0, 0, 0)-(1, 1, 0.5) and the box (3, 2, 0)-(4, 3, 0.5) overlap by -2, -1 and 0.5, so inter = 1 and
    union = 0.5 + 0.5 - 1 = 0. The original divided by zero; the result here is 0 (not inter / 1 = 1), on both
    paths."""
    gt, box = [0.5, 0.5, 0.25, 1.0, 1.0, 0.5], [3.5, 2.5, 0.25, 1.0, 1.0, 0.5]
    assert corners_3d(gt) == [0.0, 0.0, 0.0, 1.0, 1.0, 0.5] and corners_3d(box) == [3.0, 2.0, 0.0, 4.0, 3.0, 0.5]
    assert iou_3d(gt, [box]).tolist() == [0.0]
    assert iou_3d_scalar(corners_3d(gt), corners_3d(box)) == 0.0


@pytest.mark.parametrize(("box", "expected"), [
    ([0.0, 0.0, 2.0, 4.0], 1.0),
    ([1.0, 0.0, 3.0, 4.0], 4 / 12),  # overlap 1 x 4; union 8 + 8 - 4
    ([0.0, 3.0, 2.0, 5.0], 2 / 10),  # overlap 2 x 1; union 8 + 4 - 2
    ([3.0, 0.0, 4.0, 4.0], 0.0),  # disjoint in x: the overlap is clamped at 0
    ([0.0, 5.0, 2.0, 6.0], 0.0),  # disjoint in y
    ([-1.0, -1.0, 0.5, 0.5], 0.25 / (8 + 2.25 - 0.25)),
])
def test_lamm_2d_iou_by_hand(box: list[float], expected: float) -> None:
    """LAMM ``cal_iou``: ``max(min(x2) - max(x1), 0) * max(min(y2) - max(y1), 0) / (area_a + area_b - inter)``."""
    from lamm_bench.lamm_protocol.iou import iou_2d

    gt = [0.0, 0.0, 2.0, 4.0]
    assert iou_2d(gt, [box])[0] == pytest.approx(expected, abs=1e-15)
    assert iou_2d([gt, box], [box, gt]).shape == (2, 2)
    assert iou_2d([gt, box], [box, gt])[1, 1] == pytest.approx(expected, abs=1e-15)
