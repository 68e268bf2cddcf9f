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
