"""The embedded sample is a small, valid LAMM root with real media and baseline answers for every item."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from lamm_data import catalog
from lamm_data.cli import app
from lamm_data.layout import find_meta
from lamm_data.metafile import read_meta
from lamm_data.sample import BASELINE_ANSWERS, MARKER, is_sample, sample_source, write_sample
from lamm_data.schemas import media_field


def test_sample_is_small() -> None:
    total = sum(p.stat().st_size for p in sample_source().rglob("*") if p.is_file())
    assert total < 2 * 1024 * 1024


def test_every_benchmark_and_one_instruct_file_per_group(sample_root_ro: Path) -> None:
    for name in catalog.BENCHMARKS:
        assert len(read_meta(find_meta(sample_root_ro, name))) >= 2, name
    for group in ("2D_Instruct", "3D_Instruct"):
        assert len(list((sample_root_ro / group / "meta_file").glob("*.json"))) == 1


def test_media_are_real_files_of_varied_sizes(sample_root_ro: Path) -> None:
    sizes = set()
    for name in (*catalog.BENCHMARKS, "LAMM_instruct_186k", "LAMM_3dinstruct_10k"):
        entry = catalog.resolve(name)
        key = media_field(entry.record_model)
        for record in read_meta(find_meta(sample_root_ro, entry)):
            path = sample_root_ro / entry.group / getattr(record, key)
            if key == "image":
                with Image.open(path) as img:
                    img.load()
                    sizes.add(img.size)
            else:
                cloud = np.load(path)
                assert cloud.dtype == np.float32 and cloud.ndim == 2 and cloud.shape[1] in (3, 6)
    assert len(sizes) >= 10


def test_baseline_answers_cover_every_benchmark_item(sample_root_ro: Path) -> None:
    lines = (sample_root_ro / BASELINE_ANSWERS).read_text(encoding="utf-8").splitlines()
    answers = [json.loads(line) for line in lines]
    got = {(a["benchmark"], str(a["id"])) for a in answers}
    assert len(got) == len(answers)
    want = {(name, str(r.id)) for name in catalog.BENCHMARKS for r in read_meta(find_meta(sample_root_ro, name))}
    assert got == want
    lsp = [a for a in answers if a["benchmark"] == "Keypoints_Detection_LSP"]
    assert all(isinstance(a["text"], dict) and len(a["text"]) == 14 for a in lsp)


def test_write_sample_refuses_a_non_empty_folder_even_with_overwrite(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    for overwrite in (False, True):
        with pytest.raises(FileExistsError, match="not empty and is not a LAMM sample"):
            write_sample(tmp_path / "x", overwrite=overwrite)
    assert [p.name for p in (tmp_path / "x").iterdir()] == ["keep.txt"]
    assert (tmp_path / "x" / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x"]  # no temporary folder left behind


def test_force_replaces_only_a_folder_holding_a_previous_sample(tmp_path: Path) -> None:
    runner = CliRunner()
    mine = tmp_path / "lamm-sample"
    (mine / "notes").mkdir(parents=True)
    (mine / "notes" / "thesis.tex").write_text("years of work")
    (mine / "SAMPLE.md").write_text("my own sample notes\n")
    result = runner.invoke(app, ["sample", str(mine), "--force"])
    assert result.exit_code == 1, result.output
    assert "is not a LAMM sample" in result.stderr and MARKER in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert (mine / "notes" / "thesis.tex").read_text() == "years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lamm-sample"]


def test_readme_command_1_can_be_run_again(tmp_path: Path) -> None:
    """``lamm-data sample lamm-sample --force`` over a sample that holds a report of its own (README command 1)."""
    runner = CliRunner()
    dest = tmp_path / "lamm-sample"
    assert runner.invoke(app, ["sample", str(dest), "--force"]).exit_code == 0
    assert is_sample(dest) and json.loads((dest / MARKER).read_text())["written_by"] == "lamm-data sample"
    (dest / "report.json").write_text("{}")
    (dest / BASELINE_ANSWERS).write_text("edited")
    assert runner.invoke(app, ["sample", str(dest), "--force"]).exit_code == 0
    assert not (dest / "report.json").exists()
    assert (dest / BASELINE_ANSWERS).read_bytes() == (sample_source() / BASELINE_ANSWERS).read_bytes()


def test_a_sample_written_before_the_marker_is_recognised(tmp_path: Path) -> None:
    dest = write_sample(tmp_path / "old")
    (dest / MARKER).unlink()
    assert is_sample(dest)
    write_sample(dest, overwrite=True)
    (dest / MARKER).unlink()
    (dest / BASELINE_ANSWERS).unlink()  # SAMPLE.md alone is not enough
    assert not is_sample(dest)
    with pytest.raises(FileExistsError, match="not a LAMM sample"):
        write_sample(dest, overwrite=True)


def test_sample_command_writes_the_root_and_refuses_to_overwrite(tmp_path: Path) -> None:
    runner = CliRunner()
    dest = tmp_path / "s"
    result = runner.invoke(app, ["sample", str(dest)])
    assert result.exit_code == 0 and f"baseline answers: {dest / BASELINE_ANSWERS}" in result.stdout
    source = sorted([Path(MARKER), *(p.relative_to(sample_source()) for p in sample_source().rglob("*")
                                      if p.is_file())])
    assert sorted(p.relative_to(dest) for p in dest.rglob("*") if p.is_file()) == source
    again = runner.invoke(app, ["sample", str(dest)])
    assert again.exit_code == 1 and "not empty" in again.stderr and "--force" in again.stderr
    assert runner.invoke(app, ["sample", str(dest), "--force"]).exit_code == 0


def test_sample_refuses_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("mine")
    result = CliRunner().invoke(app, ["sample", str(tmp_path / "f"), "--force"])
    assert result.exit_code == 1 and "is a file, not a folder" in result.stderr
    assert (tmp_path / "f").read_text() == "mine"
