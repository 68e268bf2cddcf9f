"""The honest IoU on boxes that are not cubes or squares, degenerate boxes, and both pair helpers.

3D: axis-aligned ``[cx, cy, cz, l, w, h]`` with each overlap clamped at 0 (docs/metrics.md), worked out by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from lamm_bench.metrics.iou import iou_matrix_2d, iou_matrix_3d, iou_pairs_2d, iou_pairs_3d

GT3 = [0.0, 0.0, 0.0, 2.0, 4.0, 6.0]  # (-1, -2, -3) - (1, 2, 3), volume 48
CASES_3D = [
    ([0.5, 1.0, 1.5, 2.0, 4.0, 6.0], 20.25 / (96 - 20.25)),  # overlaps 1.5 x 3 x 4.5
    ([0.0, 0.0, 0.0, 1.0, 2.0, 3.0], 6 / 48),
    ([0.0, 0.0, 1.5, 2.0, 4.0, 3.0], 24 / 48),  # z from 0 to 3: the upper half
    ([3.0, 5.0, 0.0, 2.0, 2.0, 6.0], 0.0),  # disjoint on x and y (LAMM's old formula gives 0.2)
    ([0.0, 0.0, 0.0, -2.0, -4.0, -6.0], 1.0),  # sizes by absolute value
]


@pytest.mark.parametrize(("box", "expected"), CASES_3D)
def test_3d_iou_by_hand(box: list[float], expected: float) -> None:
    assert iou_matrix_3d([GT3], [box])[0, 0] == pytest.approx(expected, abs=1e-15)
    assert iou_pairs_3d([box], [GT3])[0] == pytest.approx(expected, abs=1e-15)


def test_pairs_and_matrix_agree() -> None:
    boxes = np.array([b for b, _ in CASES_3D])
    np.testing.assert_allclose(iou_pairs_3d(boxes, np.tile(GT3, (len(boxes), 1))),
                               iou_matrix_3d(boxes, [GT3])[:, 0], rtol=0, atol=1e-15)
    a = np.array([[0.0, 0.0, 2.0, 4.0], [1.0, 1.0, 3.0, 2.0]])
    b = np.array([[1.0, 0.0, 3.0, 4.0], [0.0, 0.0, 2.0, 2.0]])
    np.testing.assert_allclose(iou_pairs_2d(a, b), np.diag(iou_matrix_2d(a, b)), rtol=0, atol=1e-15)
    assert iou_pairs_2d(a, b)[0] == pytest.approx(4 / 12) and iou_matrix_2d(a, b).shape == (2, 2)


def test_degenerate_boxes_give_zero() -> None:
    point = [[0.5, 0.5, 0.5, 0.5]]
    assert iou_matrix_2d(point, point).tolist() == [[0.0]]  # zero union: 0, not NaN or 1
    assert iou_matrix_3d([[0, 0, 0, 0, 0, 0]], [[0, 0, 0, 0, 0, 0]]).tolist() == [[0.0]]
    assert iou_matrix_2d([[0, 0, 1, 1]], [[2, 2, 3, 3]]).tolist() == [[0.0]]  # disjoint on both axes
