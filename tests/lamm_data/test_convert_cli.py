"""``lamm-data convert`` and ``lamm-data export-parquet``: output, exit codes, error reports."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pyarrow.dataset as pads
import pytest
from typer.testing import CliRunner

from lamm_data.cli import app
from lamm_data.layout import find_meta
from lamm_data.load import open_split
from lamm_data.sample import write_sample

runner = CliRunner()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_sample(tmp_path / "lamm")


def _statuses(stdout: str) -> list[str]:
    """The status column of convert's rows (``  NAME  STATUS  ROWS  SECONDS  [note]``)."""
    return [line.split()[1] for line in stdout.splitlines()[2:] if line.startswith("  ") and not line.startswith("   ")]


def test_convert_everything_then_nothing(root: Path) -> None:
    first = runner.invoke(app, ["convert", "--root", str(root), "-q"])
    assert first.exit_code == 0, first.output
    assert _statuses(first.stdout).count("converted") == 19
    assert len(list((root / ".lamm" / "arrow").iterdir())) == 19  # the split folders; no lock file is left
    again = runner.invoke(app, ["convert", "--root", str(root), "-q"])
    assert again.exit_code == 0 and _statuses(again.stdout).count("current") == 19


def test_convert_names_to_another_folder_with_options(root: Path, tmp_path: Path) -> None:
    out = tmp_path / "arrow"
    result = runner.invoke(app, ["convert", "--root", str(root), "VOC2012", "ScanQA", "--out", str(out),
                                 "--num-proc", "2", "--embed-media", "-q"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["Detection_VOC2012", "VQA_ScanQA_multiplechoice"]
    assert open_split(out / "Detection_VOC2012", decode=False)[0]["image"]["bytes"][:2] == b"\xff\xd8"
    clouds = open_split(out / "VQA_ScanQA_multiplechoice", decode=False)
    assert clouds.features["pcl"] == datasets.List(datasets.List(datasets.Value("float32")))  # the points


def test_invalid_file_prints_the_validate_report_and_exits_1(root: Path) -> None:
    meta = find_meta(root, "VQA_AI2D")
    items = json.loads(meta.read_text())
    items[0]["gt_choice"] = 9
    items[1]["query"] = 5
    meta.write_text(json.dumps(items))
    validate = runner.invoke(app, ["validate", str(meta), "-q"])
    convert = runner.invoke(app, ["convert", "--root", str(root), "AI2D", "OCR_SVT", "-q"])
    assert (validate.exit_code, convert.exit_code) == (1, 1)
    problem_lines = [line for line in validate.stdout.splitlines() if line.startswith(("error ", "warning "))]
    assert len(problem_lines) == 2
    assert [line for line in convert.stderr.splitlines() if line.startswith(("error ", "warning "))] == problem_lines
    assert {"failed", "converted"} <= set(_statuses(convert.stdout))  # OCR_SVT still converted
    assert not (root / ".lamm" / "arrow" / "VQA_AI2D").exists()


def test_missing_file_and_unknown_name(root: Path) -> None:
    find_meta(root, "OCR_SVT").unlink()
    missing = runner.invoke(app, ["convert", "--root", str(root), "OCR_SVT"])
    assert missing.exit_code == 1
    assert "lamm-data fetch 2D_Benchmark OCR_SVT" in missing.stderr
    unknown = runner.invoke(app, ["convert", "--root", str(root), "VOC2O12"])
    assert unknown.exit_code == 1 and "Detection_VOC2012" in unknown.stderr
    archive = runner.invoke(app, ["convert", "--root", str(root), "voc2012_images"])
    assert archive.exit_code == 1 and "voc2012_images is an archive, not a meta file" in archive.stderr
    empty = runner.invoke(app, ["convert", "--root", str(root / "nowhere")])
    assert empty.exit_code == 1 and "no LAMM meta file" in empty.stderr


def test_export_parquet(root: Path, tmp_path: Path) -> None:
    out = tmp_path / "pq"
    result = runner.invoke(app, ["export-parquet", "--root", str(root), "LSP", "LAMM_3dinstruct_10k", "--out", str(out),
                                 "--shard-rows", "2"])
    assert result.exit_code == 0, result.output
    assert "Keypoints_Detection_LSP" in result.stdout
    assert pads.dataset(out / "LAMM_3dinstruct_10k" / "data").count_rows() == 4
    assert len(list((out / "Keypoints_Detection_LSP" / "data").glob("*.parquet"))) == 2


def test_export_parquet_into_a_file_is_a_one_line_error(root: Path, tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("")
    result = runner.invoke(app, ["export-parquet", "--root", str(root), "LSP", "--out", str(tmp_path / "taken")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.strip() == f"error: File exists: {tmp_path / 'taken'}"


def test_export_parquet_needs_out(root: Path) -> None:
    result = runner.invoke(app, ["export-parquet", "--root", str(root), "LSP"])
    assert result.exit_code == 2
