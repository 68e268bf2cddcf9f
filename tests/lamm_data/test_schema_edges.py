"""Schema rules at their edges: turn order beyond the first two turns, the first 3D size, the choice index
message, Windows separators in media paths (expected values from the rules in docs/data-formats.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_schemas import VALID, _validate, _with

from lamm_data.schemas import normalise_media_path

H, G = {"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}


@pytest.mark.parametrize(("turns", "message"), [
    ([H, H], "turn 1 is from 'human'; expected 'gpt'"),
    ([H, G, G], "turn 2 is from 'gpt'; expected 'human'"),
    ([H, G, H, H], "turn 3 is from 'human'; expected 'gpt'"),
])
def test_turns_must_alternate_all_the_way(tmp_path: Path, turns: list, message: str) -> None:
    name = "LAMM_instruct_186k"
    report, records = _validate(tmp_path, name, [_with(name, "conversations", turns)])
    assert records is None and len(report.errors) == 1
    assert message in report.errors[0].message


def test_alternating_turns_are_valid(tmp_path: Path) -> None:
    report, records = _validate(tmp_path, "LAMM_instruct_186k", [_with("LAMM_instruct_186k", "conversations",
                                                                        [H, G, H, G])])
    assert records is not None and not report.errors


@pytest.mark.parametrize("size", [[-0.5, 0.1, 1], [0.5, -0.1, 1], [0.5, 0.1, -1]])
def test_every_3d_size_must_be_non_negative(tmp_path: Path, size: list) -> None:
    name = "Detection_ScanNet"
    report, records = _validate(tmp_path, name, [_with(name, "object.0.bbox", [1, 2, 3, *size])])
    assert records is None and "negative size" in report.errors[0].message


def test_choice_index_message_names_the_valid_range(tmp_path: Path) -> None:
    item = {**VALID["VQA_AI2D"], "gt_choices": ["egg", "pupa", "adult"], "gt_choice": 3}
    report, records = _validate(tmp_path, "VQA_AI2D", [item])
    assert records is None and "gt_choice 3 is not an index into gt_choices (0..2)" in report.errors[0].message


def test_media_paths_are_normalised_to_forward_slashes() -> None:
    assert normalise_media_path("voc2012_images\\a.jpg") == "voc2012_images/a.jpg"
    assert normalise_media_path("./voc2012_images/a.jpg") == "voc2012_images/a.jpg"
    assert normalise_media_path("voc2012_images//a.jpg") == "voc2012_images/a.jpg"
    assert normalise_media_path("voc2012_images/a.jpg") == "voc2012_images/a.jpg"


# --- every bound of a schema rule, on both sides (rules from docs/data-formats.md and the lamm_data.schemas
# docstring: normalised boxes in [0, 1] with x1 <= x2 and y1 <= y2, 3D sizes >= 0 with any centre, exactly 14
# joints, at least one OCR word, 2 to 5 (2D) or 2 to 6 (3D) options and an index 0..n-1 into them) ---------------

def _one_error(tmp_path: Path, name: str, path: str, value: object) -> str:
    report, records = _validate(tmp_path, name, [_with(name, path, value)])
    assert records is None and len(report.errors) == 1, [str(p) for p in report.errors]
    return report.errors[0].message


def _valid(tmp_path: Path, name: str, path: str, value: object):
    report, records = _validate(tmp_path, name, [_with(name, path, value)])
    assert report.ok and records is not None, [str(p) for p in report.errors]
    return records[0]


@pytest.mark.parametrize("box", [[-0.1, 0.2, 0.5, 0.9], [0.1, -1.0, 0.5, 0.9], [0.1, 0.2, 1.5, 0.9],
                                 [0.1, 0.2, 0.5, 2.0]])
def test_a_box_coordinate_just_outside_zero_to_one_is_not_normalised(tmp_path: Path, box: list) -> None:
    assert "not normalised" in _one_error(tmp_path, "Detection_VOC2012", "object.0.bbox", box)


@pytest.mark.parametrize("box", [[0.5, 0.2, 0.5, 0.9], [0.1, 0.4, 0.9, 0.4], [0.0, 0.0, 0.0, 0.0],
                                 [1.0, 1.0, 1.0, 1.0]])
def test_a_box_with_x1_equal_to_x2_or_y1_equal_to_y2_is_valid(tmp_path: Path, box: list) -> None:
    """The rule rejects x1 > x2 and y1 > y2 only: a zero-width or zero-height box is a box."""
    record = _valid(tmp_path, "Detection_VOC2012", "object.0.bbox", box)
    assert record.object[0]["bbox"] == box


@pytest.mark.parametrize("box", [[1.0, 2.0, 3.0, 0.0, 0.5, 1.0], [-1.0, -2.0, -0.5, 1.0, 1.0, 1.0],
                                 [1.0, 2.0, 3.0, 0.0, 0.0, 0.0]])
def test_a_3d_box_may_have_a_zero_size_and_a_negative_centre(tmp_path: Path, box: list) -> None:
    record = _valid(tmp_path, "Detection_ScanNet", "object.0.bbox", box)
    assert record.object[0]["bbox"] == box


def test_validated_records_keep_every_coordinate(tmp_path: Path) -> None:
    """The checks return the value they check: points, joints and boxes reach the record unchanged."""
    assert _valid(tmp_path, "Keypoints_Detection_LSP", "id", "k").gt_joints == VALID["Keypoints_Detection_LSP"][
        "gt_joints"]
    assert _valid(tmp_path, "Counting_FSC147", "id", "c").points == [[1.5, 2.0], [3.0, 4.0]]
    assert _valid(tmp_path, "Locating_FSC147", "points", [[1, 2, 1], [3, 4]]).points == [[1.0, 2.0, 1.0],
                                                                                         [3.0, 4.0]]
    assert _valid(tmp_path, "Detection_VOC2012", "id", "d").object == [{"label": "horse",
                                                                        "bbox": [0.1, 0.2, 0.9, 0.9]}]


def test_exactly_fourteen_joints(tmp_path: Path) -> None:
    joints = VALID["Keypoints_Detection_LSP"]["gt_joints"]
    assert "at most 14" in _one_error(tmp_path, "Keypoints_Detection_LSP", "gt_joints", [*joints, joints[0]])
    assert "at most 14" in _one_error(tmp_path, "Locating_LSP", "gt_joints", [[1.0, 1.0]] * 15)


def test_ocr_needs_at_least_one_word(tmp_path: Path) -> None:
    assert "at least 1" in _one_error(tmp_path, "OCR_SVT", "word_list", [])


@pytest.mark.parametrize(("name", "choice", "choices", "message"), [
    ("VQA_AI2D", -1, ["egg", "pupa"], "gt_choice -1 is not an index into gt_choices (0..1)"),
    ("VQA_ScanQA_multiplechoice", -1, list("abc"), "gt_choice -1 is not an index into gt_choices (0..2)"),
    ("VQA_ScanQA_multiplechoice", 0, list("abcdefg"), "gt_choices has 7 options; expected 2 to 6"),
    ("VQA_ScanQA_multiplechoice", 0, ["a"], "gt_choices has 1 options; expected 2 to 6"),
])
def test_choice_bounds(tmp_path: Path, name: str, choice: int, choices: list, message: str) -> None:
    item = {**VALID[name], "gt_choice": choice, "gt_choices": choices}
    report, records = _validate(tmp_path, name, [item])
    assert records is None and len(report.errors) == 1 and message in report.errors[0].message


def test_media_path_normalisation_is_posix_normpath() -> None:
    """``normalise_media_path`` is ``posixpath.normpath`` with backslashes as separators (it only skips the call
    where normpath would change nothing)."""
    import posixpath

    for path in ("voc2012_images/a.jpg", "voc2012_images/", "voc2012_images/sub/", "./a.jpg", ".a/b.jpg",
                 "a/./b.jpg", "a//b.jpg", "a\\b.jpg", "a/b/../c.jpg", "a.", "a/b.jpg/"):
        assert normalise_media_path(path) == posixpath.normpath(path.replace("\\", "/")), path


@pytest.mark.parametrize("path", ["voc2012_images/../voc2012_images/a.jpg", "a/b/../c.jpg", "a/..b.jpg"])
def test_a_dotdot_that_stays_in_the_split_folder_is_valid(tmp_path: Path, path: str) -> None:
    assert _valid(tmp_path, "Detection_VOC2012", "image", path).image == path


@pytest.mark.parametrize("path", ["..", "a/../..", "../a.jpg", "a/../../a.jpg"])
def test_a_path_that_leaves_the_split_folder_is_an_error(tmp_path: Path, path: str) -> None:
    assert "leaves the split folder" in _one_error(tmp_path, "Detection_VOC2012", "image", path)


def test_an_id_of_a_str_subclass_is_kept() -> None:
    """Ids built from NumPy arrays are ``numpy.str_`` (a ``str`` subclass): accepted and kept, not dropped."""
    import numpy as np

    from lamm_data.schemas import ClassificationRecord

    record = ClassificationRecord.model_validate({**VALID["Classification_CIFAR10"], "id": np.str_("c7")})
    assert record.id == "c7"
