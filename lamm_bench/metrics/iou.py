"""Intersection over union, pairwise, for the honest metrics (standard definitions, no ``+1``)."""

from __future__ import annotations

import numpy as np


def iou_matrix_2d(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every ``[x1, y1, x2, y2]`` box in ``a`` (shape (N, 4)) with every box in ``b`` (M, 4) -> (N, M).

    Continuous coordinates (normalised or pixels alike); a zero union gives 0.
    """
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    iw = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    ih = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = iw * ih
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def iou_matrix_3d(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of axis-aligned 3D boxes ``[cx, cy, cz, l, w, h]`` (metres), (N, 6) x (M, 6) -> (N, M).

    Each axis overlap is clamped at 0 (unlike LAMM's old ``cal_iou_3d``); sizes are taken as absolute values.
    """
    a = np.asarray(a, dtype=np.float64).reshape(-1, 6)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 6)
    a_lo, a_hi = a[:, :3] - np.abs(a[:, 3:]) / 2, a[:, :3] + np.abs(a[:, 3:]) / 2
    b_lo, b_hi = b[:, :3] - np.abs(b[:, 3:]) / 2, b[:, :3] + np.abs(b[:, 3:]) / 2
    overlap = np.clip(np.minimum(a_hi[:, None], b_hi[None]) - np.maximum(a_lo[:, None], b_lo[None]), 0, None)
    inter = overlap.prod(axis=2)
    vol_a = np.prod(a_hi - a_lo, axis=1)
    vol_b = np.prod(b_hi - b_lo, axis=1)
    union = vol_a[:, None] + vol_b[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
