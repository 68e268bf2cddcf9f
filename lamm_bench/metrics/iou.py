"""Intersection over union, pairwise, for the honest metrics (standard definitions, no ``+1``)."""

from __future__ import annotations

import numpy as np


def _iou_2d(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of broadcastable arrays of ``[x1, y1, x2, y2]`` boxes (last axis); a zero union gives 0."""
    iw = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    ih = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    inter = iw * ih
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    union = area_a + (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1]) - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def iou_matrix_2d(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every ``[x1, y1, x2, y2]`` box in ``a`` (shape (N, 4)) with every box in ``b`` (M, 4) -> (N, M).

    Continuous coordinates (normalised or pixels alike); a zero union gives 0.
    """
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    return _iou_2d(a[:, None, :], b[None, :, :])


def iou_pairs_2d(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of the i-th box of ``a`` with the i-th box of ``b`` (both (N, 4)) -> (N,); as :func:`iou_matrix_2d`."""
    return _iou_2d(np.asarray(a, dtype=np.float64).reshape(-1, 4), np.asarray(b, dtype=np.float64).reshape(-1, 4))


def _iou_3d(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of broadcastable arrays of ``[cx, cy, cz, l, w, h]`` boxes (last axis), clamped per axis."""
    a_lo, a_hi = a[..., :3] - np.abs(a[..., 3:]) / 2, a[..., :3] + np.abs(a[..., 3:]) / 2
    b_lo, b_hi = b[..., :3] - np.abs(b[..., 3:]) / 2, b[..., :3] + np.abs(b[..., 3:]) / 2
    inter = np.clip(np.minimum(a_hi, b_hi) - np.maximum(a_lo, b_lo), 0, None).prod(axis=-1)
    union = (a_hi - a_lo).prod(axis=-1) + (b_hi - b_lo).prod(axis=-1) - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def iou_matrix_3d(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of axis-aligned 3D boxes ``[cx, cy, cz, l, w, h]`` (metres), (N, 6) x (M, 6) -> (N, M).

    Each axis overlap is clamped at 0 (unlike LAMM's old ``cal_iou_3d``); sizes are taken as absolute values.
    """
    a = np.asarray(a, dtype=np.float64).reshape(-1, 6)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 6)
    return _iou_3d(a[:, None, :], b[None, :, :])


def iou_pairs_3d(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of the i-th box of ``a`` with the i-th box of ``b`` (both (N, 6)) -> (N,); as :func:`iou_matrix_3d`."""
    return _iou_3d(np.asarray(a, dtype=np.float64).reshape(-1, 6), np.asarray(b, dtype=np.float64).reshape(-1, 6))
