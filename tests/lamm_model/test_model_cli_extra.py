"""``lamm-model`` without the ``model`` extra, and the prediction defaults."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lamm_model import cli

# Runs the real console entry point in a fresh interpreter where importing torch fails as it does when torch
# is not installed (ModuleNotFoundError, name "torch").
_BLOCKED = """
import sys
sys.modules["torch"] = None
from lamm_model.cli import main
sys.argv = ["lamm-model", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize("argv", [["train", "--config", "sample_cpu"],
                                  ["predict", "--checkpoint", "x", "--data", "sample", "-b", "all", "--out", "p.jsonl"],
                                  ["check", "--config", "sample_cpu"]])
def test_without_torch_one_line_names_the_model_extra_and_exits_2(argv: list[str], tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", _BLOCKED, *argv], capture_output=True, text=True, cwd=tmp_path,
                          timeout=120)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "'model' extra" in lines[0] and "torch is not installed" in lines[0]
    assert "pip install" in lines[0]


def test_help_needs_no_torch(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", _BLOCKED, "predict", "--help"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120, env={"COLUMNS": "200", "PATH": ""})
    assert done.returncode == 0 and "--batch-size" in done.stdout and "--threads" in done.stdout


def test_other_missing_modules_are_not_blamed_on_the_extra() -> None:
    @cli.needs_model_extra
    def broken() -> None:
        import lamm_no_such_module  # noqa: F401

    with pytest.raises(ModuleNotFoundError):
        broken()


def test_threads_follow_the_cpus_this_process_may_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli.os, "sched_getaffinity", lambda pid: {0, 3}, raising=False)
    assert cli.cpu_threads() == 2
    monkeypatch.delattr(cli.os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(cli.os, "cpu_count", lambda: 6)
    assert cli.cpu_threads() == 6


def test_predict_sets_the_thread_count_and_defaults_to_batches_of_four(monkeypatch: pytest.MonkeyPatch,
                                                                       tmp_path: Path) -> None:
    import torch
    from typer.testing import CliRunner

    import lamm_model.predict as predict_module

    seen: dict[str, object] = {}

    def fake_predict(*args: object, batch_size: int, **kwargs: object) -> predict_module.PredictSummary:
        seen["batch_size"], seen["threads"] = batch_size, torch.get_num_threads()
        return predict_module.PredictSummary(tmp_path / "p.jsonl")

    monkeypatch.setattr(predict_module, "predict", fake_predict)
    monkeypatch.setattr(cli, "cpu_threads", lambda: 1)
    before = torch.get_num_threads()
    try:
        done = CliRunner().invoke(cli.app, ["predict", "--checkpoint", "c", "--data", "sample", "-b", "all",
                                            "--out", str(tmp_path / "p.jsonl")])
        assert done.exit_code == 0, done.output
        assert seen == {"batch_size": cli.DEFAULT_BATCH_SIZE, "threads": 1}
        CliRunner().invoke(cli.app, ["predict", "--checkpoint", "c", "--data", "sample", "-b", "all",
                                     "--out", str(tmp_path / "p.jsonl"), "--threads", "2", "--batch-size", "1"])
        assert seen == {"batch_size": 1, "threads": 2}
    finally:
        torch.set_num_threads(before)
