"""LAMM's box overlap functions (``cal_iou``, ``cal_iou_3d`` at a2bb614), vectorised with identical arithmetic.

Each function compares one ground-truth box with many predicted boxes and performs the same IEEE
double operations in the same order as the original, so results are bit-identical.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def iou_2d(gt: Sequence[float] | np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """LAMM ``cal_iou(gt, box)`` for every row of ``boxes`` (``[x1, y1, x2, y2]``, any units, no ``+1``).

    ``gt`` may be one box (result shape (D,)) or several (G, 4) (result (G, D)). Division by a zero
    union gives NaN or infinity, as NumPy did in the original.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    g = np.asarray(gt, dtype=np.float64)
    single = g.ndim == 1
    g = g.reshape(-1, 4).T[:, :, None]
    b = boxes.T[:, None, :]
    iw = np.maximum(np.minimum(g[2], b[2]) - np.maximum(g[0], b[0]), 0.0)
    ih = np.maximum(np.minimum(g[3], b[3]) - np.maximum(g[1], b[1]), 0.0)
    inter = iw * ih
    union = (b[2] - b[0]) * (b[3] - b[1]) + (g[2] - g[0]) * (g[3] - g[1]) - inter
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        iou = inter / union
    return iou[0] if single else iou


def corners_3d(box: Sequence[float]) -> list[float]:
    """``[cx, cy, cz, l, w, h]`` -> ``[x1, y1, z1, x2, y2, z2]`` with ``|size| / 2`` and Python's ``round(., 3)``."""
    cx, cy, cz, lx, ly, lz = (float(v) for v in box[:6])
    return [round(cx - abs(lx / 2), 3), round(cy - abs(ly / 2), 3), round(cz - abs(lz / 2), 3),
            round(cx + abs(lx / 2), 3), round(cy + abs(ly / 2), 3), round(cz + abs(lz) / 2, 3)]


def iou_3d(gt: Sequence[float], boxes: Sequence[Sequence[float]]) -> np.ndarray:
    """LAMM's old ``cal_iou_3d(gt, box)`` for every box: axis overlaps are **not** clamped at 0.

    Two boxes disjoint on exactly two axes get a positive "intersection" and can score in (0, 1);
    only values outside [0, 1] become 0. Where the original divided by a zero union (and raised
    ``ZeroDivisionError``) the result here is 0. Boxes holding NaN or infinity use scalar arithmetic
    so that Python's ``max``/``min`` NaN behaviour is kept.
    """
    if len(boxes) == 0:
        return np.zeros(0)
    return iou_3d_corners(corners_3d(gt), [corners_3d(b) for b in boxes])


def iou_3d_corners(g: list[float], corners: list[list[float]]) -> np.ndarray:
    """:func:`iou_3d` from corners already made by :func:`corners_3d` (ground truth ``g``, predictions ``corners``)."""
    if len(corners) == 0:
        return np.zeros(0)
    array = np.asarray(corners, dtype=np.float64)
    finite = np.isfinite(array).all(axis=1)
    lo = np.maximum(np.asarray(g[:3]), array[:, :3])
    hi = np.minimum(np.asarray(g[3:]), array[:, 3:])
    with np.errstate(all="ignore"):
        inter = (hi[:, 0] - lo[:, 0]) * (hi[:, 1] - lo[:, 1]) * (hi[:, 2] - lo[:, 2])
        volume_gt = (g[3] - g[0]) * (g[4] - g[1]) * (g[5] - g[2])
        volume = (array[:, 3] - array[:, 0]) * (array[:, 4] - array[:, 1]) * (array[:, 5] - array[:, 2])
        union = volume_gt + volume - inter
        iou = np.where(union != 0, inter / np.where(union != 0, union, 1.0), 0.0)
    iou = np.where((iou > 1) | (iou < 0), 0.0, iou)
    for i in np.flatnonzero(~finite):
        iou[i] = iou_3d_scalar(g, corners[i])
    return iou


def iou_3d_scalar(g: list[float], b: list[float]) -> float:
    """Old ``cal_iou_3d`` on two corner lists from :func:`corners_3d`, in Python floats (as the original)."""
    x1, y1, z1 = max(g[0], b[0]), max(g[1], b[1]), max(g[2], b[2])
    x2, y2, z2 = min(g[3], b[3]), min(g[4], b[4]), min(g[5], b[5])
    inter = (x2 - x1) * (y2 - y1) * (z2 - z1)
    union = (g[3] - g[0]) * (g[4] - g[1]) * (g[5] - g[2]) + (b[3] - b[0]) * (b[4] - b[1]) * (b[5] - b[2]) - inter
    if union == 0:
        return 0.0
    iou = inter / union
    return 0.0 if iou > 1 or iou < 0 else iou
