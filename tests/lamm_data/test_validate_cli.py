"""`lamm-data validate`: every problem reported, precise one-line errors, exit codes, JSON report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench._generate import write_instruct_2d
from lamm_data.cli import app

runner = CliRunner()
VOC = "2D_Benchmark/meta_file/Detection_VOC2012.json"


def _invoke(*args: str):
    return runner.invoke(app, ["validate", *args], catch_exceptions=False)


def test_sample_root_is_valid(sample_root_ro: Path) -> None:
    result = _invoke(str(sample_root_ro))
    assert result.exit_code == 0, result.output
    assert "19 file(s)" in result.output and "all valid" in result.output


@pytest.mark.parametrize("sub", ["2D_Benchmark", "3D_Benchmark/meta_file", VOC])
def test_split_folder_and_single_file(sample_root_ro: Path, sub: str) -> None:
    result = _invoke(str(sample_root_ro / sub))
    assert result.exit_code == 0, result.output


def test_json_report(sample_root_ro: Path) -> None:
    result = _invoke(str(sample_root_ro / "3D_Benchmark"), "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert [f["name"] for f in report["files"]] == ["Detection_ScanNet", "VG_ScanRefer", "VQA_ScanQA_multiplechoice"]
    assert all(f["media"] == "checked" and f["errors"] == [] for f in report["files"])


def test_reports_all_problems_not_the_first(sample_root: Path) -> None:
    path = sample_root / VOC
    items = json.loads(path.read_text())
    items[0]["object"][1]["bbox"] = [0.9, 0.1, 0.2, 0.5]
    items[1]["image"] = "../outside.jpg"
    items[2]["id"] = items[0]["id"]
    items[2]["object"][0]["label"] = ""
    path.write_text(json.dumps(items))
    result = _invoke(str(path), "--json")
    assert result.exit_code == 1
    errors = json.loads(result.stdout)["files"][0]["errors"]
    got = {(e["index"], e["id"], e["field"]) for e in errors}
    assert got == {(0, "2008_000008", "object[1].bbox"), (1, "2008_000015", "image"),
                   (2, "2008_000008", "object[0].label"), (2, "2008_000008", "id")}
    # the duplicate id alone is an error too
    items[0]["object"][1]["bbox"] = [0.1, 0.1, 0.2, 0.5]
    items[1]["image"] = "voc2012_images/2008_000015.jpg"
    items[2]["object"][0]["label"] = "dog"
    path.write_text(json.dumps(items))
    result = _invoke(str(path))
    assert result.exit_code == 1
    assert f"{path}:2:2008_000008:id: duplicate id: item 0 has the same id" in result.output


def test_missing_media_are_reported_and_no_media_skips(sample_root: Path) -> None:
    (sample_root / "2D_Benchmark/voc2012_images/2008_000015.jpg").unlink()
    result = _invoke(str(sample_root / VOC))
    assert result.exit_code == 1
    assert "1:2008_000015:image: media file not found" in result.output
    assert _invoke(str(sample_root / VOC), "--no-media").exit_code == 0


def test_absent_media_folder_is_a_warning_not_an_error(sample_root: Path) -> None:
    shutil.rmtree(sample_root / "3D_Benchmark/scannet_pcls")
    result = _invoke(str(sample_root / "3D_Benchmark"), "--json")
    assert result.exit_code == 0
    files = json.loads(result.stdout)["files"]
    assert all(f["media"] == "absent" for f in files)
    assert all("is not present" in f["warnings"][0]["message"] for f in files)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file: expected a JSON array of records"),
        (b"  \n", "empty file"),
        (b'[{"id": "a", "image": "x.jpg", "query": "q", "obj', "truncated JSON: the data ends inside an unfinished "
                                                                "value at line 1 column"),
        (b'[{"id": "a",, }]', "not JSON: Expecting property name enclosed in double quotes at line 1 column 13"),
        (b'{"id": "a"}', "wrong top-level type: expected a JSON array of records, found an object"),
        (b'"hello"', "wrong top-level type: expected a JSON array of records, found a string"),
        (b'{"id": "a"}\n{"id": "b"}\n', "JSON Lines (one object per line) found"),
        (b'[{"id": "caf\xe9"}]', "not UTF-8: byte 0xe9 at offset 12 (line 1) cannot be decoded"),
    ],
)
def test_unreadable_files_give_one_line_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "Detection_VOC2012.json"
    path.write_bytes(content)
    result = _invoke(str(path))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("error ")]
    assert len(lines) == 1 and lines[0].startswith(f"error {path}:-:-:-: {message}"), result.output


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "OCR_SVT.json"
    path.write_bytes(b'\xef\xbb\xbf[{"id": "1", "image": "svt_images/1.jpg", "query": "q", "word_list": ["A"]}]')
    assert _invoke(str(path), "--no-media").exit_code == 0


def test_unknown_file_name_needs_name_option(tmp_path: Path, sample_root_ro: Path) -> None:
    path = tmp_path / "my_detection.json"
    shutil.copy(sample_root_ro / VOC, path)
    result = _invoke(str(path), "--no-media")
    assert result.exit_code == 1
    assert "unknown LAMM file 'my_detection.json'" in result.output and "--name" in result.output
    assert _invoke(str(path), "--no-media", "--name", "VOC2012").exit_code == 0


def test_name_of_an_archive_is_a_one_line_error(sample_root_ro: Path) -> None:
    result = _invoke(str(sample_root_ro / VOC), "--no-media", "--name", "voc2012_images")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"error {sample_root_ro / VOC}:-:-:-: voc2012_images is an archive, not a meta file" in result.output


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    result = _invoke(str(tmp_path / "nope"))
    assert result.exit_code == 1
    assert f"error {tmp_path / 'nope'}:-:-:-: no such file or folder" in result.output


def test_paths_are_printed_as_they_are_not_as_markup(tmp_path: Path, sample_root_ro: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("c[b]").mkdir()
    shutil.copy(sample_root_ro / "2D_Benchmark/meta_file/OCR_SVT.json", "c[b]/OCR_SVT.json")
    result = _invoke("c[b]/OCR_SVT.json", "--no-media")
    assert result.exit_code == 0
    assert "c[b]/\n" in result.output and "  OCR_SVT.json " in result.output


def test_inputs_are_not_modified(sample_root: Path) -> None:
    before = {p: p.read_bytes() for p in sample_root.rglob("*.json")}
    _invoke(str(sample_root))
    assert {p: p.read_bytes() for p in sample_root.rglob("*.json")} == before


@pytest.mark.slow
def test_generated_full_format_instruction_file(tmp_path: Path) -> None:
    path = write_instruct_2d(tmp_path / "2D_Instruct/meta_file/LAMM_instruct_186k.json", n_items=3000)
    result = _invoke(str(path), "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)["files"][0]
    assert report["items"] == 3000 and report["media"] == "absent"
