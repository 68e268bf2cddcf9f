"""``lamm-bench score --root sample``: the embedded sample beside the predictions, as ``lamm-model predict
--root sample`` writes it (reused, never overwriting another folder)."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from lamm_bench.cli import app
from lamm_data.sample import BASELINE_ANSWERS, is_sample, sample_source


def test_score_data_sample_uses_the_sample_beside_the_predictions(tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    shutil.copyfile(sample_source() / BASELINE_ANSWERS, answers)
    args = ["score", str(answers), "--root", "sample", "--resamples", "0", "--jobs", "1", "--quiet"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert is_sample(tmp_path / "lamm-sample") and "VQA_AI2D" in first.output
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0 and again.output == first.output


def test_score_data_sample_refuses_a_foreign_folder(tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    shutil.copyfile(sample_source() / BASELINE_ANSWERS, answers)
    (tmp_path / "lamm-sample").mkdir()
    (tmp_path / "lamm-sample" / "mine.txt").write_text("keep me", encoding="utf-8")
    result = CliRunner().invoke(app, ["score", str(answers), "--root", "sample", "--quiet"])
    assert result.exit_code != 0 and "not a LAMM sample" in result.output
    assert (tmp_path / "lamm-sample" / "mine.txt").read_text(encoding="utf-8") == "keep me"
