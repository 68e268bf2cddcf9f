"""Regenerate ``ap_golden.json``: COCO AP computed by pycocotools on seeded random detection scenarios.

    python tests/lamm_bench/golden/make_ap_golden.py

Each scenario is a list of images with ground-truth boxes (class ids) and predicted boxes in answer
order. The k-th predicted box of an image gets score 1 / (k + 1), the rank convention of
lamm_bench.metrics.detection. pycocotools' COCOeval runs with iouThrs = [0.25, 0.5], one area range
covering everything and maxDets = [10000] (no cap); the AP at each threshold is the mean of the
precision array over recall points and classes with ground truth, as ``COCOeval.summarize`` computes it.
Class-agnostic AP is the same evaluation with every box in one class.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
from pathlib import Path

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

OUT = Path(__file__).with_name("ap_golden.json")
THRESHOLDS = [0.25, 0.5]


def scenario(rng: random.Random, n_images: int, n_classes: int) -> list[dict]:
    images = []
    for _ in range(n_images):
        gts = []
        for _ in range(rng.randint(0, 4)):
            x, y = rng.uniform(0, 80), rng.uniform(0, 80)
            gts.append({"box": [x, y, x + rng.uniform(2, 20), y + rng.uniform(2, 20)], "cls": rng.randrange(n_classes)})
        preds = []
        for g in gts:
            if rng.random() < 0.7:
                b = [v + rng.uniform(-4, 4) for v in g["box"]]
                b = [min(b[0], b[2]), min(b[1], b[3]), max(b[0], b[2]), max(b[1], b[3])]
                preds.append({"box": b, "cls": g["cls"] if rng.random() < 0.8 else rng.randrange(n_classes)})
        for _ in range(rng.randint(0, 2)):
            x, y = rng.uniform(0, 80), rng.uniform(0, 80)
            box = [x, y, x + rng.uniform(2, 20), y + rng.uniform(2, 20)]
            preds.append({"box": box, "cls": rng.randrange(n_classes)})
        rng.shuffle(preds)
        images.append({"gt": gts, "pred": preds})
    return images


def coco_ap(images: list[dict], agnostic: bool, n_classes: int) -> list[float | None]:
    def cls(c: int) -> int:
        return 1 if agnostic else c + 1

    gt = COCO()
    anns, dets = [], []
    for i, image in enumerate(images, start=1):
        for g in image["gt"]:
            x1, y1, x2, y2 = g["box"]
            anns.append({"id": len(anns) + 1, "image_id": i, "category_id": cls(g["cls"]), "iscrowd": 0,
                         "bbox": [x1, y1, x2 - x1, y2 - y1], "area": (x2 - x1) * (y2 - y1)})
        for k, p in enumerate(image["pred"]):
            x1, y1, x2, y2 = p["box"]
            dets.append({"image_id": i, "category_id": cls(p["cls"]), "bbox": [x1, y1, x2 - x1, y2 - y1],
                         "score": 1.0 / (k + 1)})
    gt.dataset = {"images": [{"id": i} for i in range(1, len(images) + 1)], "annotations": anns,
                  "categories": [{"id": c + 1} for c in range(1 if agnostic else n_classes)]}
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
        dt = gt.loadRes(dets) if dets else COCO()
        if not dets:
            dt.dataset = {"images": gt.dataset["images"], "annotations": [], "categories": gt.dataset["categories"]}
            dt.createIndex()
        ev = COCOeval(gt, dt, "bbox")
        ev.params.iouThrs = np.array(THRESHOLDS)
        ev.params.maxDets = [10000]
        ev.params.areaRng = [[0, 1e10]]
        ev.params.areaRngLbl = ["all"]
        ev.evaluate()
        ev.accumulate()
    out = []
    for t in range(len(THRESHOLDS)):
        precision = ev.eval["precision"][t, :, :, 0, 0]
        valid = precision[precision > -1]
        out.append(float(np.mean(valid)) if valid.size else None)
    return out


def main() -> None:
    rng = random.Random(20240601)
    cases = []
    for n_images, n_classes in [(1, 1), (3, 2), (10, 3), (25, 4), (60, 5), (120, 6)] * 3:
        images = scenario(rng, n_images, n_classes)
        cases.append({"n_classes": n_classes, "images": images,
                      "ap": {str(t): v for t, v in zip(THRESHOLDS, coco_ap(images, False, n_classes), strict=True)},
                      "ap_agnostic": {str(t): v for t, v in zip(THRESHOLDS, coco_ap(images, True, n_classes),
                                                                strict=True)}})
    OUT.write_text(json.dumps({"generator": "pycocotools COCOeval", "thresholds": THRESHOLDS, "cases": cases}) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
