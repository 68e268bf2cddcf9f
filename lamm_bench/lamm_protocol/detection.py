"""LAMM detection "mAP" (a recall over ground-truth objects) and 3D grounding accuracy."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from lamm_bench.lamm_protocol.iou import corners_3d, iou_2d, iou_3d_corners, iou_3d_scalar
from lamm_bench.parsing import lamm

LabelMatch = Callable[[str, str], bool]
"""``match(label, answer)``: LAMM's WordNet ``classification_acc``."""

DETECTION_IOU = 0.5


def detection_hits(objects: Sequence[tuple[str, Sequence[float]]], text: str, match: LabelMatch, *,
                   three_d: bool = False) -> list[bool]:
    """Per ground-truth object: does it count for LAMM's ``detection_eval`` / ``detection3d_eval``?

    An object counts when ``match(label, whole answer)`` holds and **any** parsed box has IoU
    strictly above 0.5 (boxes may be reused; there are no scores). 2D uses ``parse_bbox`` +
    ``cal_iou``; 3D uses ``parse_bbox_3d`` + the unclamped ``cal_iou_3d``.
    """
    boxes = lamm.boxes_3d(text) if three_d else lamm.boxes_2d(text)
    if not boxes:
        return [False] * len(objects)
    if three_d:
        parsed = [corners_3d(b) for b in boxes]
        ious = np.array([iou_3d_corners(corners_3d(gt_box), parsed) for _, gt_box in objects]).reshape(-1, len(boxes))
    else:
        ious = iou_2d(np.array([gt_box for _, gt_box in objects], dtype=np.float64).reshape(-1, 4), boxes)
    geometric = (ious > DETECTION_IOU).any(axis=1).tolist()
    # the label test and the box test are both pure: testing the cheap one first changes nothing
    return [hit and match(label, text) for hit, (label, _) in zip(geometric, objects, strict=True)]


def grounding_iou(gt_box: Sequence[float], text: str) -> float | None:
    """LAMM ``grounding3d_eval``: old-``cal_iou_3d`` IoU of the **first** parsed box, ``None`` without a box.

    The sample is correct at threshold ``t`` when the IoU is strictly above ``t``.
    """
    boxes = lamm.boxes_3d(text)
    if not boxes:
        return None
    return iou_3d_scalar(corners_3d(gt_box), corners_3d(boxes[0]))
