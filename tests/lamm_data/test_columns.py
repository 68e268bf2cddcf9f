"""read_columns: one reader for ground truth, the same values whether read from the meta file or the converted split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lamm_data.catalog import BENCHMARKS, resolve
from lamm_data.columns import read_columns
from lamm_data.convert import convert
from lamm_data.errors import LammError, SchemaError
from lamm_data.layout import find_meta
from lamm_data.sample import write_sample
from lamm_data.schemas import Grounding3DRecord


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample(tmp_path_factory.mktemp("columns") / "root")


def _plain(values: list) -> list:
    return json.loads(json.dumps(values))  # tuples and lists compare alike


def test_converted_and_meta_reads_agree(root: Path, tmp_path: Path) -> None:
    before = {name: read_columns(name, root, ["query", *resolve(name).gt_fields]) for name in BENCHMARKS}
    assert {c.source for c in before.values()} == {"meta"}
    assert all(c.sizes is None for c in before.values())
    out = tmp_path / "arrow"
    convert(root, BENCHMARKS, out=out)
    for name, meta in before.items():
        arrow = read_columns(name, root, ["query", *resolve(name).gt_fields], arrow_dir=out)
        assert arrow.source == "arrow" and arrow.sha256 == meta.sha256 and arrow.meta == meta.meta, name
        assert [str(i) for i in arrow.ids] == [str(i) for i in meta.ids], name
        assert [p.removeprefix("./") for p in arrow.media] == [p.removeprefix("./") for p in meta.media], name
        assert _plain(arrow.values) == _plain(meta.values), name
        if resolve(name).modality == "image":
            assert arrow.sizes is not None and len(arrow.sizes) == len(arrow), name


def test_scanrefer_box_is_read_from_either_key(root: Path, tmp_path: Path) -> None:
    """The older `gt_bbox` spelling is one rule of the record model (Record.COALESCED), used by every reader."""
    copy = tmp_path / "old"
    meta = find_meta(root, "VG_ScanRefer")
    target = copy / meta.relative_to(root)
    target.parent.mkdir(parents=True)
    items = json.loads(meta.read_text(encoding="utf-8"))
    items[0]["gt_bbox"] = items[0].pop("object")
    target.write_text(json.dumps(items), encoding="utf-8")
    current = read_columns("VG_ScanRefer", root, ["object"]).values["object"]
    old = read_columns("ScanRefer", copy, ["object"])
    assert _plain(old.values["object"]) == _plain(current) and old.source == "meta"
    convert(copy, ["VG_ScanRefer"])
    assert _plain(read_columns("VG_ScanRefer", copy, ["object"]).values["object"]) == _plain(current)
    assert Grounding3DRecord.coalesce("object", {"gt_bbox": [1, 2, 3, 1, 1, 1], "object": None}) == [1, 2, 3, 1, 1, 1]


def test_stale_conversion_is_not_used_and_bad_input_is_refused(root: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    meta = find_meta(root, "OCR_SVT")
    target = copy / meta.relative_to(root)
    target.parent.mkdir(parents=True)
    target.write_bytes(meta.read_bytes())
    convert(copy, ["OCR_SVT"])
    assert read_columns("OCR_SVT", copy, ["word_list"]).source == "arrow"
    items = json.loads(target.read_text(encoding="utf-8"))
    items[0]["word_list"] = ["changed"]
    target.write_text(json.dumps(items), encoding="utf-8")
    fresh = read_columns("OCR_SVT", copy, ["word_list"])
    assert fresh.source == "meta" and fresh.values["word_list"][0] == ["changed"]
    with pytest.raises(LammError, match=r"OCR_SVT records have no field 'words'"):
        read_columns("OCR_SVT", copy, ["words"])
    items[1]["id"] = items[0]["id"]
    target.write_text(json.dumps(items), encoding="utf-8")
    with pytest.raises(SchemaError, match="duplicate id"):
        read_columns("OCR_SVT", copy, ["word_list"])
    assert len(read_columns("OCR_SVT", copy, ["word_list"], unique_ids=False)) == len(items)


def test_meta_read_hashes_every_byte_and_keeps_only_the_columns_asked_for(root: Path, tmp_path: Path) -> None:
    """Read one item at a time, the sha256 is still of the whole file (a BOM and whitespace after the array
    included), and the values are the ones the records hold."""
    import hashlib

    meta = find_meta(root, "OCR_SVT")
    target = tmp_path / meta.relative_to(root)
    target.parent.mkdir(parents=True)
    items = json.loads(meta.read_text(encoding="utf-8"))
    data = b"\xef\xbb\xbf" + json.dumps(items, indent=1).encode() + b"\n\n  \n"
    target.write_bytes(data)
    got = read_columns("OCR_SVT", tmp_path, ["word_list"])
    assert got.source == "meta" and got.sha256 == hashlib.sha256(data).hexdigest()
    assert [str(i) for i in got.ids] == [str(item["id"]) for item in items]
    assert _plain(got.values["word_list"]) == [item["word_list"] for item in items]
    assert set(got.values) == {"word_list"}
