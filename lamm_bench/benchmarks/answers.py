"""Reference answers rendered from benchmark ground truth (a spec's ``answer``), so a benchmark file can serve as
training data.

LAMM's fine-tuned rows (e.g. CIFAR10 91.2, ScanQA 99.89) came from training on benchmark-style data;
the answer wording here is ours, modelled on LAMM's instruction-data templates (lamm-formats.md §3.5:
"There is an object at the [x1, y1, x2, y2] position of the image, and its category is C.") and
chosen so that LAMM's own parsers read it back (numbers not followed by punctuation, ``The answer is
(X)`` for choices). Coordinates: 2D boxes/points normalised to [0, 1] with 2 decimals (pixels are
divided by the stored image's width/height), 3D boxes ``[cx, cy, cz, lx, ly, lz]`` in metres with
3 decimals.

Each renderer takes one row (the item's fields, plus ``width``/``height`` in pixels where coordinates are in
pixels) and returns one answer per query the item is asked (:func:`~lamm_bench.benchmarks.prompts.item_queries`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lamm_data.schemas import CHOICE_LETTERS, JOINT_NAMES, Grounding3DRecord

Row = Mapping[str, Any]


def _xy(point: Sequence[float], row: Mapping[str, Any]) -> str:
    return f"[{point[0] / row['width']:.2f}, {point[1] / row['height']:.2f}]"


def _box2d(box: Sequence[float]) -> str:
    return "[" + ", ".join(f"{v:.2f}" for v in box) + "]"


def _box3d(box: Sequence[float]) -> str:
    return "[" + ", ".join(f"{v:.3f}" for v in box) + "]"


def _choice(row: Mapping[str, Any]) -> str:
    i = row["gt_choice"]
    return f"The answer is ({CHOICE_LETTERS[i]}) {row['gt_choices'][i]}."


def _detection(row: Mapping[str, Any]) -> str:
    return " ".join(f"There is an object at the {_box2d(o['bbox'])} position of the image, and its category is "
                    f"{o['label']}." for o in row["object"])


def _locating_boxes(row: Mapping[str, Any]) -> str:
    parts = []
    for o in row["object"]:
        x1, y1, x2, y2 = o["bbox"]
        parts.append(f"There is a {o['label']} at [{(x1 + x2) / 2:.2f}, {(y1 + y2) / 2:.2f}].")
    return " ".join(parts)


def _hips(row: Mapping[str, Any]) -> str:
    right, left = row["gt_joints"][2], row["gt_joints"][3]
    return "The hip is located at " + _xy(((right[0] + left[0]) / 2, (right[1] + left[1]) / 2), row) + "."


def _detection3d(row: Mapping[str, Any]) -> str:
    return " ".join(f"An object within the {o['label']} category can be observed at the {_box3d(o['bbox'])} "
                    "position in the point cloud." for o in row["object"])


def _grounding(row: Mapping[str, Any]) -> str:
    box = Grounding3DRecord.coalesce("object", row)
    return f"The object described is located at {_box3d(box)} in the point cloud."


def caption(row: Row) -> list[str]:
    """The first reference caption."""
    return [row["sentences"][0]]


def class_name(row: Row) -> list[str]:
    return [f"The category label for this image is {row['label']}."]


def fine_grained(row: Row) -> list[str]:
    return [f"The fine-grained category label for this image is {row['label']}."]


def counting(row: Row) -> list[str]:
    return [f"There are {row['num']} of them in the image."]


def detection(row: Row) -> list[str]:
    return [_detection(row)]


def hair_colour(row: Row) -> list[str]:
    return [f"The hair color of the person is {row['attr']}."]


def smile(row: Row) -> list[str]:
    return ["Yes, the person is smiling." if row["attr"] == "1" else "No, the person is not smiling."]


def locating_boxes(row: Row) -> list[str]:
    return [_locating_boxes(row)]


def hips(row: Row) -> list[str]:
    return [_hips(row)]


def locating_points(row: Row) -> list[str]:
    return ["The objects are at " + ", ".join(_xy(p, row) for p in row["points"]) + "."]


def ocr(row: Row) -> list[str]:
    return [" ".join(row["word_list"])]


def choice(row: Row) -> list[str]:
    return [_choice(row)]


def detection3d(row: Row) -> list[str]:
    return [_detection3d(row)]


def grounding(row: Row) -> list[str]:
    return [_grounding(row)]


def keypoints(row: Row) -> list[str]:
    """One answer per LSP joint, in LSP order: ``The <joint> is located at [x, y].``"""
    return [f"The {name} is located at {_xy(joint, row)}." for name, joint in zip(JOINT_NAMES, row["gt_joints"],
                                                                                   strict=True)]
