"""Binary locating: Locating_VOC2012 (objects' boxes), Locating_LSP (the person box), Locating_FSC147 (points)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lamm_bench.benchmarks.registry import get_spec
from lamm_bench.diagnostics import LocatingBoxesDiagnostics, LocatingPersonDiagnostics, LocatingPointsDiagnostics
from lamm_bench.ground_truth import GroundTruth
from lamm_bench.lamm_protocol.points import PCK_THRESHOLD, inside_objects, inside_person, near_points
from lamm_bench.metrics.detection import class_agreement
from lamm_bench.metrics.pck import match_points, match_points_to_boxes
from lamm_bench.parsing.mentions import Vocabulary, labels_near
from lamm_bench.parsing.shapes import parse_points
from lamm_bench.scorers.base import BenchmarkScore, ScoringContext, Tally, finish, sample_record


def score_locating_boxes(gt: GroundTruth, texts: Sequence[str | None], ctx: ScoringContext) -> BenchmarkScore:
    """Locating_VOC2012. LAMM ``Acc``: objects whose label matches the answer (WordNet) and whose box holds
    a point strictly inside. Honest: one-to-one matching of points to boxes containing them (edges included),
    recall over objects and precision over points, with and without class agreement."""
    objects = gt.columns["object"]
    vocabulary = Vocabulary([*get_spec(gt.name).label_set, *(o["label"] for objs in objects for o in objs)])
    n = len(gt)
    present = np.array([t is not None for t in texts])
    parsed = np.zeros(n, dtype=bool)
    lamm_ok, n_obj, n_pts, hit_any, hit_cls = (np.zeros(n) for _ in range(5))
    samples = [] if ctx.diagnostics else None
    for i, text in enumerate(texts):
        labels = [o["label"] for o in objects[i]]
        boxes = np.array([o["bbox"] for o in objects[i]], dtype=np.float64).reshape(-1, 4)
        n_obj[i] = len(labels)
        if text is None:
            if samples is not None:
                samples.append(sample_record(LocatingBoxesDiagnostics, gt, i, None, correct=False, lamm={"located": 0}))
            continue
        lamm_ok[i] = inside_objects([(o["label"], o["bbox"]) for o in objects[i]], text, ctx.label_match)
        found = parse_points(text)
        parsed[i] = found.failure is None
        points = np.array(found.items, dtype=np.float64).reshape(-1, 2)
        classes = labels_near(text, found.spans, vocabulary)
        n_pts[i] = len(points)
        pairs_any = match_points_to_boxes(points, boxes)
        pairs_cls = match_points_to_boxes(points, boxes, class_agreement(classes, labels))
        hit_any[i], hit_cls[i] = len(pairs_any), len(pairs_cls)
        if samples is not None:
            samples.append(sample_record(
                LocatingBoxesDiagnostics, gt, i, text,
                parsed={"points": [list(p) for p in found.items], "classes": classes,
                                     "notes": list(found.notes)}, parse_failure=found.failure,
                ground_truth=[{"label": o["label"], "bbox": list(o["bbox"])} for o in objects[i]],
                matches=[{"point": p, "object": g} for p, g in sorted(pairs_cls)],
                correct=bool(hit_cls[i] == n_obj[i]), lamm={"located": int(lamm_ok[i])}))
    tally = Tally(gt)
    return finish(gt, present=present, unparsed=present & ~parsed, samples=samples,
                  lamm={"Acc": tally.ratio(lamm_ok, n_obj, scale=100.0)},
                  metrics={"recall": tally.ratio(hit_cls, n_obj), "precision": tally.ratio(hit_cls, n_pts),
                           "recall_agnostic": tally.ratio(hit_any, n_obj),
                           "precision_agnostic": tally.ratio(hit_any, n_pts)})


def score_locating_person(gt: GroundTruth, texts: Sequence[str | None], ctx: ScoringContext) -> BenchmarkScore:
    """Locating_LSP. LAMM ``Acc``: any point strictly inside the joints' box. Honest ``accuracy``: the
    **first** point inside it (edges included)."""
    n = len(gt)
    sizes = gt.sizes or ()
    present = np.array([t is not None for t in texts])
    parsed, lamm_ok, right = (np.zeros(n, dtype=bool) for _ in range(3))
    samples = [] if ctx.diagnostics else None
    for i, text in enumerate(texts):
        joints = np.array([j[:2] for j in gt.columns["gt_joints"][i]], dtype=np.float64)
        box = [*joints.min(axis=0), *joints.max(axis=0)]
        if text is None:
            if samples is not None:
                samples.append(sample_record(LocatingPersonDiagnostics, gt, i, None, correct=False,
                                             lamm={"correct": False}))
            continue
        lamm_ok[i] = inside_person(joints, sizes[i], text)
        found = parse_points(text)
        parsed[i] = found.failure is None
        if found.items:
            x, y = found.items[0][0] * sizes[i][0], found.items[0][1] * sizes[i][1]
            right[i] = box[0] <= x <= box[2] and box[1] <= y <= box[3]
        if samples is not None:
            samples.append(sample_record(
                LocatingPersonDiagnostics, gt, i, text,
                parsed={"points": [list(p) for p in found.items]}, parse_failure=found.failure,
                person_box_px=[float(v) for v in box], image_size=list(sizes[i]), correct=bool(right[i]),
                lamm={"correct": bool(lamm_ok[i])}))
    tally = Tally(gt)
    return finish(gt, present=present, unparsed=present & ~parsed, samples=samples,
                  lamm={"Acc": tally.ratio(lamm_ok, scale=100.0)}, metrics={"accuracy": tally.ratio(right)})


def score_locating_points(gt: GroundTruth, texts: Sequence[str | None], ctx: ScoringContext) -> BenchmarkScore:
    """Locating_FSC147. LAMM ``Acc`` (first version's ``point_distance_eval``): images with < 10 points, each
    ground-truth point found when a parsed point is within 0.1 (normalised). Honest: every image, one-to-one
    matching of points closer than 0.1 (normalised), ``recall`` over ground-truth points, ``precision`` over
    predicted points."""
    n = len(gt)
    sizes = gt.sizes or ()
    present = np.array([t is not None for t in texts])
    parsed = np.zeros(n, dtype=bool)
    lamm_found, lamm_counted, matched, n_gt, n_pred = (np.zeros(n) for _ in range(5))
    samples = [] if ctx.diagnostics else None
    for i, text in enumerate(texts):
        points = gt.columns["points"][i]
        lamm_found[i], lamm_counted[i] = near_points(points, sizes[i], text or "")
        n_gt[i] = len(points)
        if text is None:
            if samples is not None:
                samples.append(sample_record(LocatingPointsDiagnostics, gt, i, None, correct=False, lamm={"found": 0}))
            continue
        found = parse_points(text)
        parsed[i] = found.failure is None
        targets = np.array([p[:2] for p in points], dtype=np.float64).reshape(-1, 2) / np.asarray(sizes[i], dtype=float)
        pairs = match_points(np.array(found.items).reshape(-1, 2), targets, PCK_THRESHOLD)
        matched[i], n_pred[i] = len(pairs), len(found.items)
        if samples is not None:
            samples.append(sample_record(
                LocatingPointsDiagnostics, gt, i, text,
                parsed={"points": [list(p) for p in found.items]}, parse_failure=found.failure,
                matches=[{"point": p, "target": g} for p, g in sorted(pairs)], targets=int(n_gt[i]),
                correct=bool(matched[i] == n_gt[i]),
                lamm={"found": int(lamm_found[i]), "counted": int(lamm_counted[i])}))
    tally = Tally(gt)
    return finish(gt, present=present, unparsed=present & ~parsed, samples=samples,
                  lamm={"Acc": tally.ratio(lamm_found, lamm_counted, scale=100.0)},
                  metrics={"recall@0.1": tally.ratio(matched, n_gt), "precision@0.1": tally.ratio(matched, n_pred)})
