"""The fast paths added to validation for conversion speed decide exactly as the straightforward checks did."""

from __future__ import annotations

import itertools
import json
import os
import posixpath
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from pydantic import ValidationError

from lamm_data.arrow_build import _IRREGULAR
from lamm_data.layout import find_meta
from lamm_data.metafile import validate_meta
from lamm_data.sample import write_sample
from lamm_data.schemas import CaptionRecord, InstructRecord2D, _check_id, _check_media_path, normalise_media_path


def reference_media_path(value: str) -> str:
    """The check as first written (before the fast path)."""
    if not value:
        raise ValueError("media path is empty")
    if value.startswith(("/", "\\")) or (len(value) > 1 and value[1] == ":"):
        raise ValueError("absolute")
    normal = posixpath.normpath(value.replace("\\", "/"))
    if normal == ".." or normal.startswith("../"):
        raise ValueError("leaves")
    return value


PATHS = ["a.jpg", "coco_images/1.jpg", "./scannet_pcls/s.npy", "/abs/x.jpg", "\\x.jpg", "C:/x.jpg", "c:x", "..",
         "../x.jpg", "a/../../x.jpg", "a/../b.jpg", "a/..b.jpg", "..a/b.jpg", "a\\..\\..\\x.jpg", "x:", ":", "a",
         "./..", "a/./../..", "....", "a/b/../../..", ""]


@pytest.mark.parametrize("value", PATHS)
def test_media_path_check_matches_the_reference(value: str) -> None:
    try:
        expected: str | None = reference_media_path(value)
    except ValueError:
        expected = None
    try:
        got: str | None = _check_media_path(value)
    except ValueError:
        got = None
    assert got == expected


@pytest.mark.parametrize("value", [p for p in PATHS if p] + ["a/.b.jpg", "a/b/", "./a//b/./c.npy", "a\\b.jpg"])
def test_media_path_normalisation_fast_path_is_exact(value: str) -> None:
    """The shortcut (return the path unchanged) is taken only where ``normpath`` changes nothing, and the
    vectorised test the converter uses picks exactly the paths the shortcut does not cover."""
    full = posixpath.normpath(value.replace("\\", "/"))
    assert normalise_media_path(value) == full
    irregular = pc.match_substring_regex(pa.array([value]), _IRREGULAR)[0].as_py()
    assert irregular or full == value


@pytest.mark.parametrize("value", ["abc", 12, np.str_("abc"), type("S", (str,), {})("x")])
def test_id_check_accepts_ints_and_strings(value: object) -> None:
    assert _check_id(value) is value


@pytest.mark.parametrize("value", [True, 1.5, None, ["a"]])
def test_id_check_refuses_the_rest(value: object) -> None:
    with pytest.raises(ValueError, match="id must be an integer or a string"):
        _check_id(value)


@pytest.mark.parametrize("speakers", [s for n in range(2, 6) for s in itertools.product(("human", "gpt"), repeat=n)])
def test_turn_alternation(speakers: tuple[str, ...]) -> None:
    item = {"image": "a.jpg", "conversations": [{"from": s, "value": "v"} for s in speakers]}
    valid = all(s == ("human" if i % 2 == 0 else "gpt") for i, s in enumerate(speakers))
    if valid:
        InstructRecord2D.model_validate(item)
    else:
        first_bad = next(i for i, s in enumerate(speakers) if s != ("human" if i % 2 == 0 else "gpt"))
        with pytest.raises(ValidationError, match=f"turn {first_bad} is from"):
            InstructRecord2D.model_validate(item)


def test_unknown_nested_and_top_level_fields_are_still_reported(tmp_path: Path) -> None:
    root = write_sample(tmp_path / "lamm")
    meta = find_meta(root, "LAMM_instruct_186k")
    report, _ = validate_meta(meta)
    assert report.warnings == []
    items = json.loads(meta.read_text())
    items[3]["conversations"][1]["score"] = 1
    items[5]["origin"] = "x"
    meta.write_text(json.dumps(items))
    report, _ = validate_meta(meta)
    assert sorted((w.index, w.field) for w in report.warnings) == [(3, "conversations[*].score"), (5, "origin")]
    assert CaptionRecord.model_validate({"image": "a.jpg", "query": "q", "sentences": ["s"]}).unknown_fields() == []


@pytest.mark.parametrize("spelling", ["./{}", "{}", ".//{}"])
def test_media_lookup_normalises_irregular_paths(tmp_path: Path, spelling: str) -> None:
    root = write_sample(tmp_path / "lamm")
    meta = find_meta(root, "OCR_SVT")
    items = json.loads(meta.read_text())
    for item in items:
        item["image"] = spelling.format(item["image"])
    meta.write_text(json.dumps(items))
    report, records = validate_meta(meta)
    assert records is not None and report.media == "checked"
    os.remove(root / "2D_Benchmark" / "svt_images" / "18_01.jpg")
    report, records = validate_meta(meta)
    assert records is None and [e.field for e in report.errors] == ["image"]
