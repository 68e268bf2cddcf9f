"""LAMM point-based evaluators: keypoint PCK, binary locating (VOC boxes, LSP person box), FSC147 point distance.

Ground-truth joints and FSC147 points are in pixels; answers are normalised ``[x, y]`` in [0, 1].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from lamm_bench.lamm_protocol.detection import LabelMatch
from lamm_bench.parsing import lamm

PCK_THRESHOLD = 0.1
"""Distance threshold in normalised image units (x / width, y / height), strict ``<``."""


def _near(points: list[list[float]], target: np.ndarray, threshold: float = PCK_THRESHOLD) -> bool:
    """LAMM ``correct_keypoints``: any point with ``sqrt(dx^2 + dy^2) < threshold``."""
    if not points:
        return False
    array = np.asarray(points, dtype=np.float64)
    diff = array - target
    with np.errstate(all="ignore"):
        return bool((np.sqrt(diff[:, 0] * diff[:, 0] + diff[:, 1] * diff[:, 1]) < threshold).any())


def _inside(points: list[list[float]], box: Sequence[float]) -> bool:
    """LAMM ``check_inside_bbox``: any point strictly inside ``[x1, y1, x2, y2]``."""
    return any(box[0] < x < box[2] and box[1] < y < box[3] for x, y in points)


def pck_hits(joints: Sequence[Sequence[float]], size: tuple[int, int], answers: Mapping[str, str]) -> int:
    """Joints LAMM's ``PCK`` finds, with the missing ``+= 1`` restored (the original always scored 0).

    The k-th entry of ``answers`` (insertion order, whatever its key) is compared with joint k;
    a joint is found when any parsed point lies within 0.1 (Euclidean, normalised by image
    width and height) of it. Visibility flags are ignored. The image's PCK is ``hits / 14``.
    """
    normalised = np.array([j[:2] for j in joints], dtype=np.float64) / np.asarray(size, dtype=np.float64)
    hits = 0
    for k, answer in enumerate(answers.values()):
        if k >= len(normalised):
            break
        if _near(lamm.points(answer), normalised[k]):
            hits += 1
    return hits


def inside_objects(objects: Sequence[tuple[str, Sequence[float]]], text: str, match: LabelMatch) -> int:
    """Objects LAMM's ``inside_bbox_eval`` counts as located (out of ``len(objects)``).

    With no parsed point nothing counts; otherwise an object counts when ``match(label, answer)``
    holds and any point lies strictly inside its normalised box.
    """
    points = lamm.points(text)
    if not points:
        return 0
    return sum(1 for label, box in objects if _inside(points, box) and match(label, text))


def inside_person(joints: Sequence[Sequence[float]], size: tuple[int, int], text: str) -> bool:
    """LAMM ``inside_human_bbox_eval``: any point (scaled to pixels) strictly inside the joints' min/max box."""
    points = lamm.points(text)
    if not points:
        return False
    array = np.array([j[:2] for j in joints], dtype=np.float64)
    box = [*array.min(axis=0), *array.max(axis=0)]
    width, height = size
    return _inside([[x * width, y * height] for x, y in points], box)


FSC147_MAX_POINTS = 10
"""Images with this many ground-truth points or more are skipped by ``point_distance_eval``."""


def near_points(points: Sequence[Sequence[float]], size: tuple[int, int], text: str) -> tuple[int, int]:
    """LAMM v1 ``point_distance_eval`` for one image: ``(found, counted)`` ground-truth points.

    Images with 10 or more points are skipped (``(0, 0)``); otherwise each point counts, and is
    found when any parsed point lies within 0.1 of it (normalised by width and height).
    """
    if len(points) >= FSC147_MAX_POINTS:
        return 0, 0
    if not points:
        return 0, 0
    targets = np.array([p[:2] for p in points], dtype=np.float64) / np.asarray(size, dtype=np.float64)
    parsed = lamm.points(text)
    return sum(1 for target in targets if _near(parsed, target)), len(targets)
