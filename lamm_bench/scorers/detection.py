"""Detection: 2D normalised boxes (Detection_VOC2012) or 3D centre/size boxes in metres (Detection_ScanNet)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from lamm_bench.benchmarks.registry import get_spec
from lamm_bench.diagnostics import DetectionDiagnostics
from lamm_bench.ground_truth import GroundTruth
from lamm_bench.lamm_protocol.detection import detection_hits
from lamm_bench.metrics.bootstrap import AveragePrecision, Estimator
from lamm_bench.metrics.detection import DetectionSet, class_agreement, greedy_coco, match_image, rank_scores
from lamm_bench.metrics.iou import iou_pairs_2d, iou_pairs_3d
from lamm_bench.parsing.mentions import Vocabulary, labels_near
from lamm_bench.parsing.shapes import parse_boxes_2d, parse_boxes_3d
from lamm_bench.scorers.base import BenchmarkScore, ScoringContext, Tally, finish, sample_record

THRESHOLDS = (0.5, 0.25)
"""IoU thresholds of the honest detection metrics (a match needs IoU >= threshold)."""


class _APBuilder:
    """Collects greedy (pycocotools) matches per threshold, class-aware and class-agnostic."""

    def __init__(self, gt: GroundTruth, classes: tuple[str, ...]) -> None:
        self.classes = {c: k for k, c in enumerate(classes)}
        self.n_classes = len(classes)
        self.gt_count = np.zeros((gt.n_clusters, self.n_classes))
        self.gt_any = np.zeros((gt.n_clusters, 1))
        self.cluster: list[int] = []
        self.score: list[float] = []
        self.cls: list[int] = []
        self.tp: dict[tuple[float, bool], list[bool]] = {(t, c): [] for t in THRESHOLDS for c in (True, False)}

    def add(self, cluster: int, rows: list[list[float]], pred_labels: list[str | None], gt_labels: list[str]) -> None:
        for label in gt_labels:
            self.gt_count[cluster, self.classes[label]] += 1
        self.gt_any[cluster, 0] += len(gt_labels)
        n = len(pred_labels)
        if n == 0:
            return
        self.cluster.extend([cluster] * n)
        self.score.extend(rank_scores(n).tolist())
        self.cls.extend(self.classes.get(p, -1) if p is not None else -1 for p in pred_labels)
        for t in THRESHOLDS:
            self.tp[(t, False)].extend(g >= 0 for g in greedy_coco(rows, t))
            tp = [False] * n
            for label in {p for p in pred_labels if p is not None}:
                mine = [i for i, p in enumerate(pred_labels) if p == label]
                cols = [g for g, name in enumerate(gt_labels) if name == label]
                sub = [[rows[i][g] for g in cols] for i in mine]
                for i, g in zip(mine, greedy_coco(sub, t), strict=True):
                    tp[i] = g >= 0
            self.tp[(t, True)].extend(tp)

    def estimators(self) -> dict[str, Estimator]:
        # the thresholds share their arrays, so a bootstrap batch orders and sums the detections once per mode
        cluster, score = np.array(self.cluster, dtype=np.int64), np.array(self.score)
        classes, anything = np.array(self.cls, dtype=np.int64), np.zeros(len(self.cluster), dtype=np.int64)
        out: dict[str, Estimator] = {}
        for t in THRESHOLDS:
            out[f"ap@{t}"] = AveragePrecision(DetectionSet(cluster, score, np.array(self.tp[(t, True)], dtype=bool),
                                                           classes, self.gt_count))
            out[f"ap@{t}_agnostic"] = AveragePrecision(DetectionSet(
                cluster, score, np.array(self.tp[(t, False)], dtype=bool), anything, self.gt_any))
        return out


def _all_ious(predicted: Sequence[Sequence[Sequence[float]]], objects: Sequence[Sequence[Any]],
              three_d: bool) -> list[list[list[float]]]:
    """Per image, the IoU table (predicted boxes x ground-truth objects), computed in one vectorised pass."""
    width = 6 if three_d else 4
    pred_rows, gt_rows, shapes = [], [], []
    for boxes, objs in zip(predicted, objects, strict=True):
        shapes.append((len(boxes), len(objs)))
        for box in boxes:
            for o in objs:
                pred_rows.append(box)
                gt_rows.append(o["bbox"])
    pairs = iou_pairs_3d if three_d else iou_pairs_2d
    flat = pairs(np.array(pred_rows, dtype=np.float64).reshape(-1, width),
                 np.array(gt_rows, dtype=np.float64).reshape(-1, width)).tolist()
    out, at = [], 0
    for n_pred, n_gt in shapes:
        out.append([flat[at + p * n_gt: at + (p + 1) * n_gt] for p in range(n_pred)])
        at += n_pred * n_gt
    return out


def score_detection(gt: GroundTruth, texts: Sequence[str | None], ctx: ScoringContext) -> BenchmarkScore:
    """LAMM ``mAP@0.5`` (recall with whole-answer class matching, boxes reusable) and honest P/R/F1/AP."""
    spec = get_spec(gt.name)
    three_d = spec.three_d
    parse = parse_boxes_3d if three_d else parse_boxes_2d
    objects = gt.columns["object"]
    vocabulary = Vocabulary([*spec.label_set, *(o["label"] for objs in objects for o in objs)])
    ap = _APBuilder(gt, vocabulary.labels)
    n = len(gt)
    present = np.array([t is not None for t in texts])
    parsed = np.zeros(n, dtype=bool)
    lamm_hits, n_gt, n_pred = np.zeros(n), np.zeros(n), np.zeros(n)
    tp = {(t, c): np.zeros(n) for t in THRESHOLDS for c in (True, False)}
    found_all = [parse(text) if text is not None else None for text in texts]
    labels_all = [labels_near(text, found.spans, vocabulary) if found is not None else []
                  for text, found in zip(texts, found_all, strict=True)]
    ious_all = _all_ious([f.items if f is not None else () for f in found_all], objects, three_d)
    samples = [] if ctx.diagnostics else None
    for i, text in enumerate(texts):
        found, labels, ious = found_all[i], labels_all[i], ious_all[i]
        gt_labels = [o["label"] for o in objects[i]]
        n_gt[i] = len(gt_labels)
        n_pred[i] = len(labels) if found is None else len(found.items)
        parsed[i] = found is not None and found.failure is None
        agree = class_agreement(labels, gt_labels)
        matches: dict[str, Any] = {}
        for t in THRESHOLDS:
            for with_class in (True, False):
                m = match_image(ious, t, agree if with_class else None)
                tp[(t, with_class)][i] = m.tp
                if samples is not None:
                    matches[f"{t}{'' if with_class else '_agnostic'}"] = [
                        {"pred": p, "gt": g, "iou": round(ious[p][g], 6)} for p, g in m.pairs]
        ap.add(int(gt.cluster[i]), ious, labels, gt_labels)
        hits = detection_hits([(o["label"], o["bbox"]) for o in objects[i]], text, ctx.label_match,
                              three_d=three_d) if text is not None else [False] * len(gt_labels)
        lamm_hits[i] = sum(hits)
        if samples is not None:
            samples.append(sample_record(
                DetectionDiagnostics, gt, i, text,
                parsed={"boxes": [list(b) for b in found.items], "classes": labels,
                                     "notes": list(found.notes)} if found is not None else None,
                parse_failure=found.failure if found is not None else None,
                ground_truth=[{"label": o["label"], "bbox": list(o["bbox"])} for o in objects[i]],
                matches=matches, correct=bool(tp[(0.5, True)][i] == n_gt[i] == n_pred[i]),
                lamm={"hits": [bool(h) for h in hits]}))
    tally = Tally(gt)
    metrics: dict[str, Estimator] = {}
    for t in THRESHOLDS:
        for with_class in (True, False):
            suffix = f"@{t}" + ("" if with_class else "_agnostic")
            hits_t = tp[(t, with_class)]
            metrics["precision" + suffix] = tally.ratio(hits_t, n_pred)
            metrics["recall" + suffix] = tally.ratio(hits_t, n_gt)
            metrics["f1" + suffix] = tally.ratio(2 * hits_t, n_pred + n_gt)
    metrics.update(ap.estimators())
    return finish(gt, present=present, unparsed=present & ~parsed, samples=samples,
                  lamm={"mAP@0.5": tally.ratio(lamm_hits, n_gt, scale=100.0)}, metrics=dict(sorted(metrics.items())))
