"""Meta files are read one item at a time: a key repeated in any meta file is an error found by the same parse,
reported with every other problem, across chunk boundaries, by validate_meta, read_meta and convert_file."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pyarrow as pa
import pytest

import lamm_data.arrow_build
from bench._generate import instruct_2d_item
from lamm_data import jsontext
from lamm_data.convert import InvalidMetaError, convert_file
from lamm_data.errors import SchemaError
from lamm_data.metafile import Problem, read_meta, validate_meta
from lamm_data.provenance import ARROW_FILE
from lamm_data.schemas import InstructRecord2D

DUP = 2500  # the item holding the repeated key: several 1 MiB chunks into the file
BAD = 100  # an item with a schema error


def _instruct_file(root: Path, n: int = 3000) -> tuple[Path, list[dict], int]:
    """A 2D instruction file (indented, ~4 MB) whose item DUP repeats "id" and item BAD has a third speaker;
    returns the path, the items and the line where item DUP starts."""
    rng = random.Random(7)
    items = [instruct_2d_item(rng, i) for i in range(n)]
    items[DUP]["MARK"] = "x"
    items[BAD]["conversations"][1]["from"] = "robot"
    text = json.dumps(items, indent=1, ensure_ascii=False).replace('"MARK": "x"', '"id": "again"')
    start = text.rfind("\n {\n", 0, text.index('"id": "again"')) + 1
    path = root / "2D_Instruct" / "meta_file" / "LAMM_instruct_186k.json"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return path, items, text.count("\n", 0, start) + 1


def test_a_repeated_key_in_an_instruction_file_is_an_error_with_every_other_problem(tmp_path: Path) -> None:
    path, items, line = _instruct_file(tmp_path)
    assert path.stat().st_size > 3 << 20
    report, records = validate_meta(path, check_media=False)
    assert records is None and report.items == len(items)
    assert [(p.index, p.id, p.field) for p in report.errors] == [(BAD, items[BAD]["id"], "conversations[1].from"),
                                                                  (DUP, "again", "id")]
    assert report.errors[1] == Problem(str(path), DUP, "again", "id", f'duplicate key "id" in the item at line '
                                       f"{line}: JSON would keep only its last value")
    with pytest.raises(SchemaError) as caught:
        read_meta(path)
    assert caught.value.problems == report.errors


def test_convert_refuses_a_repeated_key_and_writes_nothing(tmp_path: Path) -> None:
    path, _, line = _instruct_file(tmp_path)
    out = tmp_path / "out"
    with pytest.raises(InvalidMetaError, match=rf'{DUP}:again:id: duplicate key "id" in the item at line {line}:'):
        convert_file(path, out)
    assert [p.name for p in out.iterdir()] == []


def test_a_repeated_key_in_a_nested_object_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "LAMM_instruct_186k.json"
    path.write_text('[\n{"id": "1", "image": "a.jpg", "conversations": [{"from": "human", "value": "q"},\n'
                    '  {"from": "gpt", "value": "a", "from": "gpt"}]}]')
    report, _ = validate_meta(path, check_media=False)
    assert [str(p) for p in report.errors] == [
        f'{path}:0:1:from: duplicate key "from" in the item at line 2: JSON would keep only its last value']


def test_a_lone_surrogate_is_reported_where_it_is(tmp_path: Path) -> None:
    path = tmp_path / "OCR_SVT.json"
    path.write_text('[{"id": "1", "image": "svt_images/1.jpg", "query": "q", "word_list": ["A"]},\n'
                    ' {"id": "2", "image": "svt_images/2.jpg", "query": "q \\ud800", "word_list": ["A"]}]')
    report, _ = validate_meta(path, check_media=False)
    assert [(p.index, p.message.split(": half")[0]) for p in report.errors] == [
        (1, r"not valid JSON text: lone surrogate \ud800 at line 2 column 55")]


def test_a_syntax_error_is_reported_where_it_is_without_reading_on(tmp_path: Path) -> None:
    path = tmp_path / "OCR_SVT.json"
    item = '{"id": "1", "image": "svt_images/1.jpg", "query": "q", "word_list": ["A"]}'
    path.write_text(f"[{item},\n {item[:-1]},, }}, " + ", ".join([item] * 40_000) + "]")  # 3 MB
    report, _ = validate_meta(path, check_media=False)
    assert [str(p) for p in report.errors] == [f"{path}:-:-:-: not JSON: Expecting property name enclosed in "
                                               "double quotes at line 2 column 76"]

    class Counted(io.BytesIO):
        read_bytes = 0

        def read(self, size: int | None = -1) -> bytes:
            data = super().read(size)
            self.read_bytes += len(data)
            return data

    source = Counted(path.read_bytes())
    with pytest.raises(jsontext.ArrayError, match="line 2 column 76"):
        list(jsontext.iter_array(source, chunk_bytes=4096))
    assert source.read_bytes == 4096  # the first chunk: the rest of the file was not read


def test_convert_reads_back_the_records_validate_read(tmp_path: Path) -> None:
    """The second read takes each batch from its byte range: a BOM, multi-byte characters, CRLF line ends and
    items across 1 MiB chunks must not shift a range."""
    rng = random.Random(3)
    items = [instruct_2d_item(rng, i) for i in range(2500)]
    for i, item in enumerate(items):
        item["conversations"][0]["value"] += " café ☕ 猫 😀" * (i % 5)
    path = tmp_path / "2D_Instruct" / "meta_file" / "LAMM_instruct_186k.json"
    path.parent.mkdir(parents=True)
    text = json.dumps(items, indent=1, ensure_ascii=False).replace("\n", "\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert path.stat().st_size > 3 << 20
    lamm_data.arrow_build.BATCH_ROWS, saved = 97, lamm_data.arrow_build.BATCH_ROWS  # many ranges, odd sizes
    try:
        result = convert_file(path, tmp_path / "out")
    finally:
        lamm_data.arrow_build.BATCH_ROWS = saved
    table = pa.ipc.open_stream(pa.memory_map(str(result.path / ARROW_FILE))).read_all()
    assert table.column("id").to_pylist() == [item["id"] for item in items]
    assert table.column("conversations").to_pylist() == [item["conversations"] for item in items]
    assert [r.model_dump() for r in read_meta(path)] == [r.model_dump() for r in
                                                          map(InstructRecord2D.model_validate, items)]
