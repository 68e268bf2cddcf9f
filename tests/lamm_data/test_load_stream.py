"""iter_records: the same validated records as read_meta, one at a time, in bounded memory."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from bench._generate import write_instruct_2d
from lamm_data import iter_records
from lamm_data.catalog import entries
from lamm_data.errors import MetaFileError, MissingDataError, SchemaError, UnknownNameError
from lamm_data.layout import find_meta
from lamm_data.metafile import read_meta, validate_meta
from lamm_data.sample import sample_source, write_sample

SAMPLE_FILES = [e.name for e in entries(kind="meta") if (sample_source() / e.relpath).is_file()]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_sample(tmp_path / "lamm")


def dumps(records: list) -> list[dict]:
    return [r.model_dump() for r in records]


@pytest.mark.parametrize("name", SAMPLE_FILES)
@pytest.mark.parametrize("chunk", [7, 64, 1 << 20])
def test_same_records_as_read_meta(name: str, chunk: int) -> None:
    path = sample_source() / next(e for e in entries(kind="meta") if e.name == name).relpath
    assert dumps(list(iter_records(path, chunk_bytes=chunk))) == dumps(read_meta(path))


@pytest.mark.parametrize("layout", ["pretty", "compact", "bom", "crlf"])
def test_layouts(root: Path, layout: str) -> None:
    meta = find_meta(root, "Detection_VOC2012")
    items = json.loads(meta.read_text())
    text = {"pretty": json.dumps(items, indent=4), "compact": json.dumps(items, separators=(",", ":")),
            "bom": "\ufeff" + json.dumps(items), "crlf": json.dumps(items, indent=2).replace("\n", "\r\n")}[layout]
    meta.write_text(text, encoding="utf-8", newline="")
    assert dumps(list(iter_records(meta, chunk_bytes=16))) == dumps(read_meta(meta))


def test_by_name_under_a_root(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert len(list(iter_records("VOC2012", root))) == 3
    assert len(list(iter_records("ocr_svt.json", root))) == 3  # an alias, although it looks like a file name
    with pytest.raises(MissingDataError, match="no such meta file"):
        next(iter_records("my_file.json", root))
    with pytest.raises(UnknownNameError):
        next(iter_records("VOC2O12", root))
    with pytest.raises(MissingDataError, match="lamm-data fetch"):
        next(iter_records("VG_ScanRefer", root / "nowhere"))
    with pytest.raises(MissingDataError, match="no such meta file"):
        next(iter_records(root / "OCR_SVT.json"))


def test_empty_array(root: Path) -> None:
    meta = find_meta(root, "OCR_SVT")
    meta.write_text(" [ ] \n")
    assert list(iter_records(meta)) == []


@pytest.mark.parametrize(("text", "message"), [
    ('[{"id": "1", "image": "svt_images/1.jpg", "query": "q", "word_list": ["A"]}, {"id": "2", "ima',
     "truncated JSON"),
    ('[{"id": "1", "image": "svt_images/1.jpg", "query": "q", "word_list": ["A"]}', "array is not closed"),
    ('{"id": "1"}', "wrong top-level type: expected a JSON array of records, found an object"),
    ("", "found an empty file"),
    ('[{"id": "1", "image": "svt_images/1.jpg", "query": "q", "word_list": ["A"]}] []', "extra data"),
    ('[{"id": "1", "image": "svt_images/1.jpg", "query": "q", "word_list": ["A"]}\n {"id": 2}]',
     "expected ',' or ']' after an item at line 2 column 2"),
])
def test_malformed_files(root: Path, text: str, message: str) -> None:
    meta = find_meta(root, "OCR_SVT")
    meta.write_text(text)
    with pytest.raises(MetaFileError, match=message):
        list(iter_records(meta, chunk_bytes=16))


def test_not_utf8(root: Path) -> None:
    meta = find_meta(root, "OCR_SVT")
    meta.write_bytes(b'[{"id": "\xff"}]')
    with pytest.raises(MetaFileError, match="not UTF-8: byte at offset 9"):
        list(iter_records(meta))


def test_invalid_item_is_reported_like_validate_after_the_valid_ones(root: Path) -> None:
    meta = find_meta(root, "Detection_VOC2012")
    items = json.loads(meta.read_text())
    items[2]["object"][0]["bbox"] = [0.5, 0.5, 0.2, 1.5]
    meta.write_text(json.dumps(items, indent=1))
    stream = iter_records(meta, chunk_bytes=32)
    assert [r.id for r in (next(stream), next(stream))] == [items[0]["id"], items[1]["id"]]
    with pytest.raises(SchemaError) as caught:
        next(stream)
    report, _ = validate_meta(meta, check_media=False)
    assert caught.value.problems == report.errors
    assert str(caught.value.problems[0]).startswith(f"{meta}:2:{items[2]['id']}:object[0].bbox: ")


def test_duplicate_benchmark_id(root: Path) -> None:
    meta = find_meta(root, "OCR_SVT")
    items = json.loads(meta.read_text())
    items[2]["id"] = items[0]["id"]
    meta.write_text(json.dumps(items))
    with pytest.raises(SchemaError, match="duplicate id: item 0 has the same id"):
        list(iter_records(meta))


def _peak_bytes(meta: Path) -> int:
    tracemalloc.start()
    try:
        count = sum(1 for _ in iter_records(meta, chunk_bytes=64 << 10))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count > 0
    return peak


def test_memory_stays_bounded(tmp_path: Path) -> None:
    """Memory holds one chunk and one item, not the file (json.load needs ~3x the file size).

    What grows a little is pydantic-core's cache of short strings, which has a fixed capacity.
    """
    small = write_instruct_2d(tmp_path / "small" / "LAMM_instruct_186k.json", 500)
    large = write_instruct_2d(tmp_path / "large" / "LAMM_instruct_186k.json", 2000)
    peak_small, peak_large = _peak_bytes(small), _peak_bytes(large)
    growth = large.stat().st_size - small.stat().st_size
    assert peak_large - peak_small < growth / 10, (peak_small, peak_large, growth)
    assert peak_large < large.stat().st_size / 4
