"""Every record type accepts the documented shapes and rejects the rest with the field that is wrong."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from lamm_data.metafile import validate_meta
from lamm_data.schemas import RECORD_MODELS, Grounding3DRecord, InstructRecord2D

TURNS = [{"from": "human", "value": "What is this?"}, {"from": "gpt", "value": "A dog."}]
J14 = [[10.0 + k, 20.0 + k, 1.0] for k in range(14)]
VALID: dict[str, dict[str, Any]] = {
    "LAMM_instruct_186k": {"id": "000000019028", "image": "coco_images/000000019028.jpg", "conversations": TURNS,
                           "task_type": "conversation", "src_image": "coco2017"},
    "LAMM_3dinstruct_10k": {"pcl": "shapenet_pcls/a_4096.npy", "conversations": TURNS,
                            "task_type": "classification3d", "src_dataset": "ShapeNet", "src_id": "a"},
    "Caption_flickr30k": {"id": "1", "image": "flickr30k_images/1.jpg", "query": "q", "sentences": ["A dog."]},
    "Classification_CIFAR10": {"id": 3, "image": "cifar10_images/3.png", "query": "q", "label": "dog"},
    "Counting_FSC147": {"id": "2", "image": "fsc147_images/2.jpg", "query": "q", "num": 2,
                        "points": [[1.5, 2.0], [3.0, 4.0]]},
    "Detection_VOC2012": {"id": "2008_000008", "image": "./voc2012_images/a.jpg", "query": "q",
                          "object": [{"label": "horse", "bbox": [0.1, 0.2, 0.9, 0.9]}]},
    "Facial_Classification_CelebA(Hair)": {"id": "1", "image": "celeba_images/1.jpg", "query": "q", "attr": "black"},
    "Facial_Classification_CelebA(Smile)": {"id": "1", "image": "celeba_images/1.jpg", "query": "q", "attr": "-1"},
    "Fine-grained_Classification_UCMerced": {"id": "b", "image": "ucmerced_images/b.jpg", "query": "q",
                                             "label": "beach"},
    "Keypoints_Detection_LSP": {"id": "im1", "image": "lsp_images/im1.jpg", "query": "{}", "gt_joints": J14},
    "Locating_FSC147": {"id": "2", "image": "fsc147_images/2.jpg", "query": "q", "points": [[1, 2]]},
    "Locating_LSP": {"id": "im1", "image": "lsp_images/im1.jpg", "query": "q",
                     "gt_joints": [[float(k), float(k)] for k in range(14)]},
    "Locating_VOC2012": {"id": "a", "image": "voc2012_images/a.jpg", "query": "q",
                         "object": [{"label": "dog", "bbox": [0, 0, 1, 1]}]},
    "OCR_SVT": {"id": "s", "image": "svt_images/s.jpg", "query": "q", "word_list": ["HOTEL"]},
    "VQA_AI2D": {"id": "4", "image": "ai2d_images/4.png", "query": "q", "gt_choice": 1,
                 "gt_choices": ["egg", "pupa"]},
    "VQA_SQAimage": {"id": "10", "image": "sqaimage_images/10.png", "query": "q", "gt_choice": 4,
                     "gt_choices": ["a", "b", "c", "d", "e"]},
    "Detection_ScanNet": {"id": "scene0011_00", "pcl": "./scannet_pcls/scene0011_00_vert.npy", "query": "q",
                          "object": [{"label": "chair", "bbox": [1.5, 2.3, 0.4, 0.6, 0.5, 0.9]}]},
    "VG_ScanRefer": {"id": "r1", "pcl": "./scannet_pcls/s.npy", "query": "q", "object": [1, 2, 0.5, 1, 1, 1]},
    "VQA_ScanQA_multiplechoice": {"id": "q1", "pcl": "./scannet_pcls/s.npy", "query": "q", "gt_choice": 5,
                                  "gt_choices": ["a", "b", "c", "d", "e", "f"]},
}


def _validate(tmp_path: Path, name: str, items: list[Any]):
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    return validate_meta(path, check_media=False)


@pytest.mark.parametrize("name", sorted(VALID))
def test_documented_items_are_valid(tmp_path: Path, name: str) -> None:
    report, records = _validate(tmp_path, name, [VALID[name]])
    assert report.ok, [str(p) for p in report.problems]
    assert records is not None and len(records) == 1


def test_every_record_model_is_covered() -> None:
    from lamm_data.catalog import resolve

    assert {resolve(n).record_model.KEY for n in VALID} == set(RECORD_MODELS)


def _with(name: str, path: str, value: Any) -> dict[str, Any]:
    item = copy.deepcopy(VALID[name])
    *parents, last = path.split(".")
    target: Any = item
    for key in parents:
        target = target[int(key)] if key.isdigit() else target[key]
    if value is _DELETE:
        del target[last]
    elif last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return item


_DELETE = object()

INVALID = [
    ("LAMM_instruct_186k", "conversations.0.from", "gpt", "conversations", "expected 'human'"),
    ("LAMM_instruct_186k", "conversations.1.from", "robot", "conversations[1].from", "'human' or 'gpt'"),
    ("LAMM_instruct_186k", "conversations", [TURNS[0]], "conversations", "at least one human turn"),
    ("LAMM_instruct_186k", "image", "/data/coco/x.jpg", "image", "absolute"),
    ("LAMM_instruct_186k", "image", "coco_images/../../etc/passwd", "image", "leaves the split folder"),
    ("LAMM_instruct_186k", "image", _DELETE, "image", "required field is missing"),
    ("LAMM_instruct_186k", "id", True, "id", "integer or a string"),
    ("LAMM_instruct_186k", "id", 1.5, "id", "integer or a string"),
    ("LAMM_3dinstruct_10k", "pcl", "C:\\data\\x.npy", "pcl", "absolute"),
    ("Caption_flickr30k", "sentences", [], "sentences", "at least 1"),
    ("Classification_CIFAR10", "label", "", "label", "at least 1 character"),
    ("Counting_FSC147", "num", -1, "num", "greater than or equal to 0"),
    ("Counting_FSC147", "num", 2.5, "num", "valid integer"),
    ("Counting_FSC147", "points.0", [1.0], "points[0]", "2 or 3 numbers"),
    ("Detection_VOC2012", "object.0.bbox", [0.9, 0.2, 0.1, 0.9], "object[0].bbox", "x1 > x2"),
    ("Detection_VOC2012", "object.0.bbox", [10, 20, 300, 400], "object[0].bbox", "not normalised"),
    ("Detection_VOC2012", "object.0.bbox", [0.1, 0.2, 0.3], "object[0].bbox", "4 numbers"),
    ("Detection_VOC2012", "object.0.label", _DELETE, "object[0].label", "required field is missing"),
    ("Facial_Classification_CelebA(Smile)", "attr", "0", "attr", "'1' or '-1'"),
    ("Facial_Classification_CelebA(Smile)", "attr", 1, "attr", "'1' or '-1'"),
    ("Keypoints_Detection_LSP", "gt_joints", J14[:13], "gt_joints", "at least 14"),
    ("Keypoints_Detection_LSP", "gt_joints.3", [1, 2, 3, 4], "gt_joints[3]", "2 or 3 numbers"),
    ("VQA_AI2D", "gt_choice", 2, "", "not an index into gt_choices"),
    ("VQA_AI2D", "gt_choices", ["only"], "", "expected 2 to 5"),
    ("VQA_SQAimage", "gt_choices", ["a", "b", "c", "d", "e", "f"], "", "expected 2 to 5"),
    ("Detection_ScanNet", "object.0.bbox", [1, 2, 3, 0.5, -0.1, 1], "object[0].bbox", "negative size"),
    ("VG_ScanRefer", "object", _DELETE, "", "exactly one of 'object'"),
    ("VQA_ScanQA_multiplechoice", "gt_choice", 6, "", "not an index"),
]


@pytest.mark.parametrize(("name", "path", "value", "field", "message"), INVALID,
                         ids=[f"{n}-{p}-{m}" for n, p, _, _, m in INVALID])
def test_invalid_items_name_the_field(tmp_path: Path, name: str, path: str, value: Any, field: str,
                                      message: str) -> None:
    good = VALID[name]
    first = {**good, "id": f"{good['id']}-0"} if "id" in good else good  # not a duplicate id of the bad item
    report, records = _validate(tmp_path, name, [first, _with(name, path, value)])
    assert records is None
    errors = report.errors
    assert len(errors) == 1, [str(p) for p in errors]
    problem = errors[0]
    assert problem.index == 1
    assert problem.field == field
    assert message in problem.message
    expected_id = None if "id" not in good or path == "id" else str(good["id"])
    assert problem.id == expected_id
    assert str(problem).startswith(f"{tmp_path / (name + '.json')}:1:")


def test_numbers_must_be_finite(tmp_path: Path) -> None:
    path = tmp_path / "VG_ScanRefer.json"
    path.write_text('[{"id": "r", "pcl": "s.npy", "query": "q", "object": [1, 2, NaN, 1, 1, Infinity]}]')
    report, _ = validate_meta(path, check_media=False)
    assert sorted(p.field for p in report.errors) == ["object[2]", "object[5]"]
    assert all("finite" in p.message for p in report.errors)


def test_scanrefer_accepts_the_older_gt_bbox_key(tmp_path: Path) -> None:
    item = _with("VG_ScanRefer", "object", _DELETE)
    item["gt_bbox"] = [1, 2, 3, 1, 1, 1]
    report, records = _validate(tmp_path, "VG_ScanRefer", [item])
    assert report.ok
    assert isinstance(records[0], Grounding3DRecord) and records[0].box == [1.0, 2.0, 3.0, 1.0, 1.0, 1.0]


def test_unknown_fields_warn_but_do_not_fail(tmp_path: Path) -> None:
    item = copy.deepcopy(VALID["LAMM_instruct_186k"])
    item["caption"] = "kept"
    item["conversations"][1]["score"] = 3
    report, records = _validate(tmp_path, "LAMM_instruct_186k", [item, item])
    assert report.ok and records is not None
    assert sorted((w.field, w.message) for w in report.warnings) == [
        ("caption", "field not in the schema (kept; seen in 2 item(s))"),
        ("conversations[*].score", "field not in the schema (kept; seen in 2 item(s))"),
    ]
    assert isinstance(records[0], InstructRecord2D) and records[0].model_extra == {"caption": "kept"}


def test_int_and_str_ids_are_kept_as_stored(tmp_path: Path) -> None:
    a = _with("Classification_CIFAR10", "id", 7)
    b = _with("Classification_CIFAR10", "id", "8")
    _, records = _validate(tmp_path, "Classification_CIFAR10", [a, b])
    assert [r.id for r in records] == [7, "8"]


def test_repeated_benchmark_ids_are_an_error_unless_allowed(tmp_path: Path) -> None:
    from lamm_data.metafile import read_meta

    a = _with("OCR_SVT", "id", "same")
    path = tmp_path / "OCR_SVT.json"
    path.write_text(json.dumps([a, a]), encoding="utf-8")
    report, records = validate_meta(path, check_media=False)
    assert records is None and [(p.index, p.field) for p in report.errors] == [(1, "id")]
    assert len(read_meta(path, unique_ids=False)) == 2
