"""VG_ScanRefer: one box per description, scored by 3D IoU (clusters are scenes)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lamm_bench.diagnostics import GroundingDiagnostics
from lamm_bench.ground_truth import GroundTruth
from lamm_bench.lamm_protocol.detection import grounding_iou
from lamm_bench.metrics.iou import iou_pairs_3d
from lamm_bench.parsing.shapes import parse_boxes_3d
from lamm_bench.scorers.base import BenchmarkScore, ScoringContext, Tally, finish, sample_record

THRESHOLDS = (0.25, 0.5)


def score_grounding(gt: GroundTruth, texts: Sequence[str | None], ctx: ScoringContext) -> BenchmarkScore:
    """LAMM ``Acc@0.25`` / ``Acc@0.5`` (first box, unclamped IoU, strict ``>``) and honest ``acc@0.25`` /
    ``acc@0.5`` / ``mean_iou`` (first box, clamped IoU, ``>=``; no box = IoU 0)."""
    n = len(gt)
    present = np.array([t is not None for t in texts])
    parsed = np.zeros(n, dtype=bool)
    lamm_iou = np.full(n, -1.0)
    first = np.zeros((n, 6))
    found_all = []
    for i, text in enumerate(texts):
        found = parse_boxes_3d(text) if text is not None else None
        found_all.append(found)
        if text is None:
            continue
        value = grounding_iou(gt.columns["object"][i], text)
        lamm_iou[i] = -1.0 if value is None or not np.isfinite(value) else value
        if found.items:
            parsed[i] = True
            first[i] = found.items[0]
    iou = np.where(parsed, iou_pairs_3d(first, np.asarray(gt.columns["object"], dtype=np.float64).reshape(-1, 6)), 0.0)
    samples = None
    if ctx.diagnostics:
        samples = []
        for i, (text, found) in enumerate(zip(texts, found_all, strict=True)):
            box = list(gt.columns["object"][i])
            if found is None:
                samples.append(sample_record(GroundingDiagnostics, gt, i, None, ground_truth=box, correct=False))
                continue
            samples.append(sample_record(
                GroundingDiagnostics, gt, i, text,
                parsed={"box": list(found.items[0]) if found.items else None, "boxes": len(found.items),
                                     "notes": list(found.notes)},
                parse_failure=found.failure, ground_truth=box, iou=float(iou[i]), correct=bool(iou[i] >= 0.5),
                lamm={"iou": None if lamm_iou[i] < 0 else float(lamm_iou[i])}))
    tally = Tally(gt)
    lamm = {f"Acc@{t}": tally.ratio(lamm_iou > t, scale=100.0) for t in THRESHOLDS}
    metrics = {f"acc@{t}": tally.ratio(iou >= t) for t in THRESHOLDS}
    metrics["mean_iou"] = tally.ratio(iou)
    return finish(gt, present=present, unparsed=present & ~parsed, samples=samples, lamm=lamm, metrics=metrics)
