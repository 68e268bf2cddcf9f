"""Reference answers rendered from benchmark ground truth, so a benchmark file can serve as training data.

LAMM's fine-tuned rows (e.g. CIFAR10 91.2, ScanQA 99.89) came from training on benchmark-style data;
the answer wording here is ours, modelled on LAMM's instruction-data templates (lamm-formats.md §3.5:
"There is an object at the [x1, y1, x2, y2] position of the image, and its category is C.") and
chosen so that LAMM's own parsers read it back (numbers not followed by punctuation, ``The answer is
(X)`` for choices). Coordinates: 2D boxes/points normalised to [0, 1] with 2 decimals (pixels are
divided by the stored image's width/height), 3D boxes ``[cx, cy, cz, lx, ly, lz]`` in metres with
3 decimals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lamm_data.catalog import CatalogEntry
from lamm_data.features import CLASS_LABELS
from lamm_data.schemas import CHOICE_LETTERS, JOINT_NAMES

Turn = dict[str, str]


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
    box = row.get("object") or row.get("gt_bbox")
    return f"The object described is located at {_box3d(box)} in the point cloud."


_SINGLE: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "caption": lambda r: r["sentences"][0],
    "classification": lambda r: f"The category label for this image is {r['label']}.",
    "finegrained": lambda r: f"The fine-grained category label for this image is {r['label']}.",
    "counting": lambda r: f"There are {r['num']} of them in the image.",
    "detection2d": _detection,
    "facial_hair": lambda r: f"The hair color of the person is {r['attr']}.",
    "facial_smile": lambda r: "Yes, the person is smiling." if r["attr"] == "1" else "No, the person is not smiling.",
    "locating_boxes": _locating_boxes,
    "locating_joints": _hips,
    "locating_points": lambda r: "The objects are at " + ", ".join(_xy(p, r) for p in r["points"]) + ".",
    "ocr": lambda r: " ".join(r["word_list"]),
    "vqa_choice": _choice,
    "vqa_choice3d": _choice,
    "detection3d": _detection3d,
    "grounding3d": _grounding,
}


def reference_turns(entry: CatalogEntry, row: Mapping[str, Any]) -> list[Turn]:
    """The conversation (human query, gpt answer) a benchmark row becomes as training data.

    Keypoints_Detection_LSP becomes 14 rounds, one per joint in LSP order, each asking the row's
    query template filled with the joint name (as LAMM's inference did) and answering ``[x, y]``. A closed label
    set's class index (a converted split's ``ClassLabel`` column) is answered with the class name.

    Raises:
        KeyError: a ground-truth field is missing (or ``width``/``height`` for pixel coordinates).
        ValueError: the file is not a benchmark file.
    """
    if not entry.is_benchmark:
        raise ValueError(f"{entry.name} is not a benchmark file; its rows already hold conversations")
    if entry.record == "keypoints":
        turns: list[Turn] = []
        for name, joint in zip(JOINT_NAMES, row["gt_joints"], strict=True):
            turns.append({"from": "human", "value": row["query"].format(name)})
            turns.append({"from": "gpt", "value": f"The {name} is located at {_xy(joint, row)}."})
        return turns
    labels = CLASS_LABELS.get(str(entry.record))
    if labels is not None and isinstance(row.get(labels[0]), int):  # a converted split's ClassLabel index
        row = {**row, labels[0]: labels[1][row[labels[0]]]}
    return [{"from": "human", "value": row["query"]}, {"from": "gpt", "value": _SINGLE[entry.record](row)}]
