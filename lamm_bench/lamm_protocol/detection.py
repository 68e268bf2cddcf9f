"""LAMM detection "mAP" (a recall over ground-truth objects) and 3D grounding accuracy."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from lamm_bench.lamm_protocol.iou import iou_2d, iou_3d
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
    hits = []
    for label, gt_box in objects:
        if not boxes or not match(label, text):
            hits.append(False)
            continue
        ious = iou_3d(gt_box, boxes) if three_d else iou_2d(gt_box, np.asarray(boxes))
        hits.append(bool((ious > DETECTION_IOU).any()))
    return hits


def grounding_iou(gt_box: Sequence[float], text: str) -> float | None:
    """LAMM ``grounding3d_eval``: old-``cal_iou_3d`` IoU of the **first** parsed box, ``None`` without a box.

    The sample is correct at threshold ``t`` when the IoU is strictly above ``t``.
    """
    boxes = lamm.boxes_3d(text)
    if not boxes:
        return None
    return float(iou_3d(gt_box, boxes[:1])[0])
