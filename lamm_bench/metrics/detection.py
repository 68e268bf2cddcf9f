"""Detection without confidence scores: one-to-one matching (precision, recall, F1) and COCO-style AP.

Matching for precision/recall/F1 is a **maximum** one-to-one matching between predicted and
ground-truth boxes whose IoU is at least the threshold (and, in the class-aware variant, whose
classes agree): the largest number of true positives any assignment achieves, independent of the
order the boxes were written in.

AP follows pycocotools' ``COCOeval`` exactly (greedy matching per image and class in score order,
each detection taking the still-unmatched ground truth of highest IoU >= threshold; 101-point
interpolated precision; mean over classes that have ground truth), with two conventions of ours:
the answer gives no confidences, so the k-th box of an answer gets score ``1 / (k + 1)`` (answer
order is the rank; equal scores across images keep image order, as pycocotools' stable sort does),
and there is no per-image cap on detections.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

RECALL_POINTS = np.linspace(0.0, 1.0, 101)
"""pycocotools' recall thresholds."""
_EPS = np.spacing(1)


def max_matching(eligible: np.ndarray | list[list[bool]]) -> list[tuple[int, int]]:
    """Maximum-cardinality matching of a boolean (predictions x ground truth) eligibility matrix.

    Returns ``(prediction, ground truth)`` pairs. Kuhn's augmenting paths; rows are tried in order.
    """
    rows = eligible.tolist() if isinstance(eligible, np.ndarray) else eligible
    options = [[g for g, ok in enumerate(row) if ok] for row in rows]
    owner: dict[int, int] = {}

    def augment(p: int, seen: set[int]) -> bool:
        for g in options[p]:
            if g in seen:
                continue
            seen.add(g)
            if g not in owner or augment(owner[g], seen):
                owner[g] = p
                return True
        return False

    for p in range(len(options)):
        if options[p]:
            augment(p, set())
    return sorted((p, g) for g, p in owner.items())


def greedy_coco(ious: np.ndarray | list[list[float]], threshold: float) -> list[int]:
    """pycocotools' per-image matching: detections (rows, already in score order) take the unmatched
    ground truth (columns) of highest IoU >= ``threshold`` (ties go to the later column).

    Returns the matched column per detection, ``-1`` if none.
    """
    rows = ious.tolist() if isinstance(ious, np.ndarray) else ious
    floor = min(threshold, 1 - 1e-10)
    taken: set[int] = set()
    matched = []
    for row in rows:
        best, best_iou = -1, floor
        for g, value in enumerate(row):
            if g in taken or value < best_iou:
                continue
            best, best_iou = g, value
        if best >= 0:
            taken.add(best)
        matched.append(best)
    return matched


@dataclass(frozen=True)
class DetectionSet:
    """Detections of a whole benchmark for AP, grouped by class.

    ``det_cluster[i]``: image (cluster) index of detection i; ``det_score``: its score;
    ``det_tp``: whether the greedy matching made it a true positive; ``det_class``: its class index;
    ``gt_count[c, k]``: ground-truth boxes of class k in cluster c.
    """

    det_cluster: np.ndarray
    det_score: np.ndarray
    det_tp: np.ndarray
    det_class: np.ndarray
    gt_count: np.ndarray


def _segmented_ap(tp: np.ndarray, segment: np.ndarray, n_segments: int, weights: np.ndarray,
                  n_gt: np.ndarray, dtype: type[np.floating], running: dict[int, np.ndarray]) -> np.ndarray:
    """101-point interpolated AP of each class (segment) for each row of ``weights``.

    Args:
        tp: (D,) true-positive flags, detections sorted by class, then by score (descending, stable).
        segment: (D,) class index of each detection (non-decreasing).
        n_segments: number of classes K.
        weights: (B, D) how often each detection counts (its image's draw count), integers.
        n_gt: (B, K) ground-truth boxes per class in each row.
        dtype: float type of the precision/recall arithmetic.
        running: per class, the running sum of ``weights`` (filled here; shared by calls with the same weights).

    Returns:
        (B, K) AP; NaN where a class has no ground truth. A detection of weight w counts as w identical
        detections placed together.
    """
    rows = weights.shape[0]
    ap = np.zeros((rows, n_segments))
    starts = np.searchsorted(segment, np.arange(n_segments), side="left")
    ends = np.searchsorted(segment, np.arange(n_segments), side="right")
    row_offsets = (2.0 * np.arange(rows)[:, None]).astype(dtype)  # keeps rows apart in one searchsorted
    queries = (RECALL_POINTS[None, :] + row_offsets).ravel().astype(dtype)
    eps = dtype(_EPS)
    for k in range(n_segments):
        lo, hi = starts[k], ends[k]
        hits = lo + np.flatnonzero(tp[lo:hi])
        if not len(hits):
            continue  # no true positive: AP 0 (or NaN without ground truth)
        w = weights[:, lo:hi]
        # Only true-positive positions matter: recall rises only there, so the first detection reaching a
        # recall threshold is one of them, and between two of them precision only falls, so the running max
        # of precision from the right (pycocotools' envelope) at such a position is the max over them.
        # Counts are integers: integer running sums are exact (and faster than float ones).
        tp_sum = np.cumsum(weights[:, hits], axis=1, dtype=weights.dtype).astype(dtype)
        if k not in running:
            running[k] = np.cumsum(w, axis=1, dtype=weights.dtype)
        all_sum = running[k][:, hits - lo].astype(dtype)
        with np.errstate(divide="ignore", invalid="ignore"):
            # pycocotools: precision = tp / (fp + tp + eps), fp + tp being every detection of the class so far
            precision = tp_sum / (all_sum + eps)
            recall = tp_sum / n_gt[:, k:k + 1].astype(dtype)
        recall[~np.isfinite(recall)] = 0.0
        envelope = np.maximum.accumulate(precision[:, ::-1], axis=1)[:, ::-1]
        width = len(hits)
        index = np.searchsorted((recall + row_offsets).ravel(), queries, side="left").reshape(rows, -1)
        index -= np.arange(rows)[:, None] * width
        picked = np.take_along_axis(envelope, np.minimum(index, width - 1), axis=1)
        ap[:, k] = np.where(index < width, picked, 0.0).mean(axis=1, dtype=np.float64)
    return np.where(n_gt > 0, ap, np.nan)


def average_precision(data: DetectionSet, counts: np.ndarray, cache: dict | None = None) -> np.ndarray:
    """AP (mean over classes with ground truth) for each row of cluster ``counts`` (B, C) -> (B,).

    ``counts`` of all ones (one row) gives the point estimate, computed in float64 like pycocotools;
    bootstrap batches (several rows holding how often each cluster was drawn) are computed in float32.
    That usually changes an AP by less than 1e-5, but where a recall lands exactly on one of the 101 recall
    points, float32 rounding can put it on the other side of that point and move the AP by up to 1/101 of a
    precision (5.5e-4 seen on a golden case); it only touches individual resamples, never the point estimate.
    ``cache`` (one per batch) shares the ordering, weights and running
    sums between detection sets built on the same arrays (the thresholds of one benchmark).
    """
    dtype = np.float64 if counts.shape[0] == 1 else np.float32
    n_classes = data.gt_count.shape[1]
    key = (id(data.det_cluster), id(data.det_score), id(data.det_class), id(counts))
    shared = cache.get(key) if cache is not None else None
    if shared is None:
        known = data.det_class >= 0
        # detections of known classes, by class, then by descending score (stable: image order, answer order)
        order = np.lexsort((np.arange(len(data.det_score)), -data.det_score, data.det_class))
        order = order[known[order]]
        shared = (order, counts.astype(np.int32)[:, data.det_cluster[order]], {})
        if cache is not None:
            cache[key] = shared
    order, weights, running = shared
    n_gt = counts @ data.gt_count.astype(np.float64)
    ap = _segmented_ap(data.det_tp[order], data.det_class[order], n_classes, weights, n_gt, dtype, running)
    with np.errstate(all="ignore"):
        valid = ~np.isnan(ap)
        total = np.where(valid, ap, 0.0).sum(axis=1)
        return np.where(valid.any(axis=1), total / valid.sum(axis=1), np.nan)


def rank_scores(n: int) -> np.ndarray:
    """Scores standing for answer order: the k-th box (0-based) of an answer gets ``1 / (k + 1)``."""
    return 1.0 / (np.arange(n) + 1.0)


@dataclass(frozen=True)
class ImageMatch:
    """One image at one threshold: true positives of the maximum matching and the matched pairs."""

    tp: int
    pairs: tuple[tuple[int, int], ...]


def match_image(ious: np.ndarray | list[list[float]], threshold: float,
                same_class: np.ndarray | list[list[bool]] | None = None) -> ImageMatch:
    """Maximum one-to-one matching of predictions (rows) to ground truth (columns) at IoU >= ``threshold``.

    ``same_class`` (same shape) restricts pairs to agreeing classes.
    """
    rows = ious.tolist() if isinstance(ious, np.ndarray) else ious
    allowed = same_class.tolist() if isinstance(same_class, np.ndarray) else same_class
    eligible = [[v >= threshold and (allowed is None or allowed[p][g]) for g, v in enumerate(row)]
                for p, row in enumerate(rows)]
    pairs = max_matching(eligible) if any(any(row) for row in eligible) else []
    return ImageMatch(len(pairs), tuple(pairs))


def class_agreement(pred_labels: Sequence[str | None], gt_labels: Sequence[str]) -> list[list[bool]]:
    """Boolean (predictions x ground truth) table: the prediction's class equals the ground-truth class."""
    return [[p is not None and p == g for g in gt_labels] for p in pred_labels]
