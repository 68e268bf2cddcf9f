"""The corpus of hostile inputs: JSON texts that nest too deep, hold huge integers, lone surrogates, NUL bytes or
repeated keys, crafted ``.npy`` headers, malformed diagnostics records and reports. Each builder returns bytes."""

from __future__ import annotations

import io
import json

import numpy as np

DEEP = "[" * 5000 + "]" * 5000
"""Nesting far beyond any parser's recursion limit."""
HUGE_INT = "9" * 5000
"""An integer beyond CPython's 4300-digit int/str conversion limit."""


def _ai2d(**fields: str) -> str:
    """One VQA_AI2D item as JSON text, with some fields replaced by raw JSON text."""
    item = {"id": '"4562"', "image": '"ai2d_images/4562.png"', "query": '"Which stage? Options: (A) egg (B) pupa"',
            "gt_choice": "1", "gt_choices": '["egg", "pupa"]', **fields}
    return "{" + ", ".join(f'"{k}": {v}' for k, v in item.items()) + "}"


META_FILES: dict[str, bytes] = {
    "deep": f"[{_ai2d(query=DEEP)}]".encode(),
    "huge-int": f"[{_ai2d(gt_choice=HUGE_INT)}]".encode(),
    "huge-int-id": f"[{_ai2d(id=HUGE_INT)}]".encode(),
    "lone-surrogate": ("[" + _ai2d(query=r'"which \ud800 stage?"') + "]").encode(),
    "nul-in-media-path": ("[" + _ai2d(image=json.dumps("ai2d_images/a\x00.png")) + "]").encode(),
    "duplicate-id-key": ("[" + _ai2d()[:-1] + ', "id": "other"}]').encode(),
    "not-utf8": b'[{"id": "\xff"}]',
    "truncated": f"[{_ai2d()}".encode()[:-20],
    "top-level-object": _ai2d().encode(),
}
"""VQA_AI2D meta files (``2D_Benchmark/meta_file/VQA_AI2D.json``) that every reader must refuse."""


def _turns(*, repeat: str = "") -> str:
    """Two conversation turns as JSON text; ``repeat`` names a key the human turn holds twice."""
    human = '{"from": "human", "value": "What is in the picture?"' + (f', "{repeat}": "again"' if repeat else "") + "}"
    return f'[{human}, {{"from": "gpt", "value": "A kitchen."}}]'


_IMAGE = '"image": "coco_images/000000019028.jpg"'
_PCL = '"pcl": "shapenet_pcls/04256520_cb71cb7b36dbcb6f826fc8d57346a2e4_4096.npy"'
INSTRUCT_META_FILES: dict[str, tuple[str, bytes, str]] = {
    "2d-id-twice": ("LAMM_instruct_186k",
                    f'[{{"id": "1", {_IMAGE}, "conversations": {_turns()}, "id": "2"}}]'.encode(), "id"),
    "2d-value-twice-in-a-turn": ("LAMM_instruct_186k",
                                 f'[{{"id": "1", {_IMAGE}, "conversations": {_turns(repeat="value")}}}]'.encode(),
                                 "value"),
    "3d-pcl-twice": ("LAMM_3dinstruct_10k", f'[{{{_PCL}, "conversations": {_turns()}, {_PCL}}}]'.encode(), "pcl"),
}
"""Instruction meta files whose only item repeats a key (JSON keeps the last value silently): (catalog name,
bytes, the key)."""


def _answer(text: str, **fields: str) -> str:
    record = {"benchmark": '"VQA_AI2D"', "id": '"4562"', "text": text, **fields}
    return "{" + ", ".join(f'"{k}": {v}' for k, v in record.items()) + "}\n"


PREDICTIONS: dict[str, bytes] = {
    "deep": _answer(DEEP).encode(),
    "huge-int-id": _answer('"(B)"', id=HUGE_INT).encode(),
    "deep-in-extra-field": _answer('"(B)"', extra=DEEP).encode(),
    "not-utf8": b'{"benchmark": "VQA_AI2D", "id": "4562", "text": "\xff"}\n',
    "nul-byte": b'{"benchmark": "VQA_AI2D", "id": "4562", "text": "(B)"}\x00\n',
    "array-deep": f"[{_answer(DEEP)}]".encode(),
}
"""Predictions JSONL files (for ``--benchmark VQA_AI2D``) that ``score`` must refuse."""


def crafted_npy(shape: tuple[int, ...] = (10**12, 6), payload_rows: int = 4) -> bytes:
    """A ``.npy`` whose header claims ``shape`` (float32) but holds only ``payload_rows`` rows of 6 values."""
    out = io.BytesIO()
    header = {"descr": "<f4", "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(out, header)
    out.write(np.zeros((payload_rows, 6), np.float32).tobytes())
    return out.getvalue()


NPY_FILES: dict[str, bytes] = {
    "claims-1e12-rows": crafted_npy(),
    "claims-huge-columns": crafted_npy((4, 10**15)),
    "garbage": b"\x93NUMPY\x01\x00\xff\xffnot a header",
    "empty": b"",
}
"""Point clouds that replace ``3D_Benchmark/scannet_pcls/scene0011_00_vert.npy``."""


# Diagnostics: (benchmark, field path, value) applied to the first record of that benchmark.
BAD_DIAGNOSTICS: dict[str, tuple[str, tuple[str | int, ...], object]] = {
    "index-string": ("VQA_AI2D", ("index",), "<script>alert(1)</script>"),
    "index-float": ("VQA_AI2D", ("index",), 0.5),
    "index-negative-huge": ("VQA_AI2D", ("index",), -10**30),
    "boxes-strings": ("Detection_VOC2012", ("parsed", "boxes"), ["a", "b"]),
    "boxes-too-short": ("Detection_VOC2012", ("parsed", "boxes"), [[0.1, 0.2]]),
    "ground-truth-box-string": ("Detection_VOC2012", ("ground_truth", 0, "bbox"), "0 0 1 1"),
    "joints-string": ("Keypoints_Detection_LSP", ("parsed", "joints"), "all of them"),
    "threshold-string": ("Keypoints_Detection_LSP", ("threshold_px",), "ten"),
    "iou-string": ("VG_ScanRefer", ("iou",), "half"),
    "person-box-string": ("Locating_LSP", ("person_box_px",), "x"),
    "missing-string": ("VQA_AI2D", ("missing",), "no"),
    "benchmark-number": ("VQA_AI2D", ("benchmark",), 7),
}
"""Malformed diagnostics records that ``lamm-bench report`` must refuse with a one-line error."""

ODD_DIAGNOSTICS: dict[str, tuple[str, tuple[str | int, ...], object]] = {
    "ground-truth-null": ("Detection_VOC2012", ("ground_truth",), None),
    "parsed-null": ("Keypoints_Detection_LSP", ("parsed",), None),
    "threshold-zero": ("Keypoints_Detection_LSP", ("threshold_px",), 0),
    "huge-distance": ("Keypoints_Detection_LSP", ("parsed", "joints", 0, "distance_px"), 1e308),
    "absurd-box": ("Detection_VOC2012", ("parsed", "boxes"), [[1e308, -1e308, 0.5, 0.5]]),
    "mixed-box-lengths": ("Detection_VOC2012", ("parsed", "boxes"), [[0.1, 0.1, 0.5, 0.5], [0, 0, 1, 1, 1, 1]]),
    "3d-box-in-2d": ("Detection_VOC2012", ("ground_truth", 0, "bbox"), [0, 0, 1, 1, 1, 1]),
}
"""Unusual but well-typed records: the page is written, nothing crashes."""

BAD_REPORTS: dict[str, tuple[tuple[str, ...], str]] = {
    "infinity-metric": (("results", "VQA_AI2D", "lamm", "Acc"), "Infinity"),
    "nan-metric": (("results", "VQA_AI2D", "metrics", "accuracy"), "NaN"),
    "huge-n": (("results", "VQA_AI2D", "n"), HUGE_INT),
    "deep-warning": (("meta", "warnings"), DEEP),
}
"""``report.json`` fields replaced by raw JSON text (inputs of ``report`` and ``compare``)."""
