"""PCK (percentage of correct keypoints) relative to the person's size, and point-to-target matching."""

from __future__ import annotations

import numpy as np

from lamm_bench.metrics.detection import max_matching

PCK_ALPHA = 0.1


def person_scale(joints: np.ndarray) -> float:
    """``max(width, height)`` in pixels of the box spanned by the ground-truth joints (all of them)."""
    xy = np.asarray(joints, dtype=np.float64)[:, :2]
    return float(max(np.ptp(xy[:, 0]), np.ptp(xy[:, 1])))


def keypoint_correct(predicted: tuple[float, float] | None, joint: np.ndarray, size: tuple[int, int],
                     scale: float, alpha: float = PCK_ALPHA) -> tuple[bool, float | None]:
    """Whether a normalised predicted point lies within ``alpha * scale`` pixels of the joint (and the distance).

    PCK in the sense of Yang & Ramanan (2013): threshold ``alpha * max(h, w)`` of the person box.
    """
    if predicted is None:
        return False, None
    px, py = predicted[0] * size[0], predicted[1] * size[1]
    distance = float(np.hypot(px - joint[0], py - joint[1]))
    return distance <= alpha * scale, distance


def match_points(predicted: np.ndarray, targets: np.ndarray, radius: float) -> list[tuple[int, int]]:
    """Maximum one-to-one matching of predicted points to target points closer than ``radius`` (same units)."""
    predicted = np.asarray(predicted, dtype=np.float64).reshape(-1, 2)
    targets = np.asarray(targets, dtype=np.float64).reshape(-1, 2)
    if not len(predicted) or not len(targets):
        return []
    distance = np.hypot(predicted[:, None, 0] - targets[None, :, 0], predicted[:, None, 1] - targets[None, :, 1])
    return max_matching(distance < radius)


def match_points_to_boxes(points: np.ndarray, boxes: np.ndarray, allowed: list[list[bool]] | None = None,
                          ) -> list[tuple[int, int]]:
    """Maximum one-to-one matching of points to the boxes ``[x1, y1, x2, y2]`` containing them (edges included)."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if not len(points) or not len(boxes):
        return []
    inside = ((points[:, None, 0] >= boxes[None, :, 0]) & (points[:, None, 0] <= boxes[None, :, 2])
              & (points[:, None, 1] >= boxes[None, :, 1]) & (points[:, None, 1] <= boxes[None, :, 3]))
    if allowed is not None:
        inside &= np.asarray(allowed, dtype=bool).reshape(inside.shape)
    return max_matching(inside)
