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


def max_matching(eligible: np.ndarray) -> list[tuple[int, int]]:
    """Maximum-cardinality matching of a boolean (predictions x ground truth) eligibility matrix.

    Returns ``(prediction, ground truth)`` pairs. Kuhn's augmenting paths; rows are tried in order.
    """
    n_pred, n_gt = eligible.shape
    owner = [-1] * n_gt
    options = [np.flatnonzero(eligible[p]).tolist() for p in range(n_pred)]

    def augment(p: int, seen: list[bool]) -> bool:
        for g in options[p]:
            if seen[g]:
                continue
            seen[g] = True
            if owner[g] < 0 or augment(owner[g], seen):
                owner[g] = p
                return True
        return False

    for p in range(n_pred):
        if options[p]:
            augment(p, [False] * n_gt)
    return [(p, g) for g, p in enumerate(owner) if p >= 0]


def greedy_coco(ious: np.ndarray, threshold: float) -> np.ndarray:
    """pycocotools' per-image matching: detections (rows, already in score order) take the unmatched
    ground truth (columns) of highest IoU >= ``threshold`` (ties go to the later column).

    Returns the matched column per detection, ``-1`` if none.
    """
    n_det, n_gt = ious.shape
    matched = np.full(n_det, -1)
    taken = np.zeros(n_gt, dtype=bool)
    for d in range(n_det):
        best, best_iou = -1, min(threshold, 1 - 1e-10)
        for g in range(n_gt):
            if taken[g] or ious[d, g] < best_iou:
                continue
            best, best_iou = g, ious[d, g]
        if best >= 0:
            matched[d] = best
            taken[best] = True
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


def _interpolated_ap(tp: np.ndarray, weights: np.ndarray, n_gt: np.ndarray) -> np.ndarray:
    """Mean 101-point interpolated precision per row of ``weights`` (B, D); ``tp`` (D,) in score order.

    Rows with no ground truth give NaN. A detection of weight w counts as w identical detections.
    """
    rows = weights.shape[0]
    if tp.size == 0:
        return np.where(n_gt > 0, 0.0, np.nan)
    tp_sum = np.cumsum(weights * tp, axis=1)
    fp_sum = np.cumsum(weights * (~tp), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        recall = tp_sum / n_gt[:, None]
    precision = tp_sum / (tp_sum + fp_sum + _EPS)
    precision = np.maximum.accumulate(precision[:, ::-1], axis=1)[:, ::-1]
    # one searchsorted over all rows: shift row b by 2b so rows stay apart (recall lies in [0, 1])
    n_det = tp.size
    offsets = 2.0 * np.arange(rows)
    flat = (np.nan_to_num(recall, nan=0.0) + offsets[:, None]).ravel()
    queries = (RECALL_POINTS[None, :] + offsets[:, None]).ravel()
    index = np.searchsorted(flat, queries, side="left").reshape(rows, -1)
    local = index - (np.arange(rows) * n_det)[:, None]
    valid = local < n_det
    q = np.where(valid, np.take_along_axis(precision, np.minimum(local, n_det - 1), axis=1), 0.0)
    return np.where(n_gt > 0, q.mean(axis=1), np.nan)


def average_precision(data: DetectionSet, counts: np.ndarray) -> np.ndarray:
    """AP (mean over classes with ground truth) for each row of cluster ``counts`` (B, C) -> (B,).

    ``counts`` of all ones gives the point estimate; bootstrap rows hold how often each cluster was drawn.
    """
    order = np.argsort(-data.det_score, kind="mergesort")
    per_class = []
    for k in range(data.gt_count.shape[1]):
        n_gt = counts @ data.gt_count[:, k]
        mine = order[data.det_class[order] == k]
        weights = counts[:, data.det_cluster[mine]]
        per_class.append(_interpolated_ap(data.det_tp[mine], weights, n_gt.astype(np.float64)))
    if not per_class:
        return np.full(counts.shape[0], np.nan)
    stacked = np.vstack(per_class)
    with np.errstate(all="ignore"):
        valid = ~np.isnan(stacked)
        total = np.where(valid, stacked, 0.0).sum(axis=0)
        return np.where(valid.any(axis=0), total / valid.sum(axis=0), np.nan)


def rank_scores(n: int) -> np.ndarray:
    """Scores standing for answer order: the k-th box (0-based) of an answer gets ``1 / (k + 1)``."""
    return 1.0 / (np.arange(n) + 1.0)


@dataclass(frozen=True)
class ImageMatch:
    """One image at one threshold: true positives of the maximum matching and the matched pairs."""

    tp: int
    pairs: tuple[tuple[int, int], ...]


def match_image(ious: np.ndarray, threshold: float, same_class: np.ndarray | None = None) -> ImageMatch:
    """Maximum one-to-one matching of predictions (rows) to ground truth (columns) at IoU >= ``threshold``.

    ``same_class`` (same shape) restricts pairs to agreeing classes.
    """
    eligible = ious >= threshold
    if same_class is not None:
        eligible &= same_class
    pairs = max_matching(eligible) if eligible.any() else []
    return ImageMatch(len(pairs), tuple(sorted(pairs)))


def class_agreement(pred_labels: Sequence[str | None], gt_labels: Sequence[str]) -> np.ndarray:
    """Boolean (predictions x ground truth) matrix: the prediction's class equals the ground-truth class."""
    return np.array([[p is not None and p == g for g in gt_labels] for p in pred_labels], dtype=bool).reshape(
        len(pred_labels), len(gt_labels))
