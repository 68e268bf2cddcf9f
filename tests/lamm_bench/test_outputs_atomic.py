"""A failed ``score`` / ``report`` run never destroys the previous run's files: every output is written to a
temporary file, and all are renamed into place only once all were written; the error names the file."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lamm_bench.cli import app
from lamm_data import atomic
from lamm_data.atomic import write_files_atomic
from lamm_data.errors import OutputError
from lamm_data.sample import write_sample

RUNNER = CliRunner(env={"COLUMNS": "250"})
ANSWERS_A = '{"id": "4562", "text": "The answer is (B)."}\n'
ANSWERS_B = '{"id": "4562", "text": "The answer is (A)."}\n{"id": "4563", "text": "(C)"}\n'


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden temp files included) with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample(tmp_path_factory.mktemp("lamm") / "root")


def score(root: Path, answers: str, work: Path, *extra: str):
    path = work / "answers.jsonl"
    path.write_text(answers)
    return RUNNER.invoke(app, ["score", str(path), "--root", str(root), "--benchmark", "AI2D", "--resamples", "20",
                               "-q", *extra])


def enospc_on(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make the write of any temp file for ``name`` fail as on a full disk (at fsync, as real disks do)."""
    real = os.fsync

    def fsync(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").split("/")[-1].startswith(f".{name}."):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd)

    monkeypatch.setattr(atomic.os, "fsync", fsync)


def test_failed_score_keeps_the_previous_diagnostics(root: Path, tmp_path: Path) -> None:
    """The report's folder is a file: the diagnostics of the previous run must survive, nothing is left."""
    runs = tmp_path / "r"
    first = score(root, ANSWERS_A, tmp_path, "--out", str(runs / "report.json"), "--diagnostics",
                  str(runs / "diagnostics.jsonl"))
    assert first.exit_code == 0, first.output
    (tmp_path / "blocker").write_text("a file")
    before = snapshot(tmp_path)
    second = score(root, ANSWERS_A, tmp_path, "--out", str(tmp_path / "blocker" / "report.json"),
                   "--diagnostics", str(runs / "diagnostics.jsonl"))
    assert second.exit_code == 1
    assert second.stderr.strip() == (f"error: cannot write {tmp_path / 'blocker' / 'report.bootstrap.npz'}: "
                                     f"{tmp_path / 'blocker'} is a file, not a folder")  # the first file written
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("failing", ["report.json", "report.bootstrap.npz", "diagnostics.jsonl"])
def test_full_disk_during_score_keeps_every_previous_output(root: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch, failing: str) -> None:
    runs = tmp_path / "r"
    args = ("--out", str(runs / "report.json"), "--diagnostics", str(runs / "diagnostics.jsonl"))
    assert score(root, ANSWERS_A, tmp_path, *args).exit_code == 0
    before = snapshot(tmp_path)
    enospc_on(monkeypatch, failing)
    second = score(root, ANSWERS_B, tmp_path, *args)
    assert second.exit_code == 1
    assert second.stderr.strip() == f"error: cannot write {runs / failing}: no space left on device"
    after = snapshot(tmp_path)
    after["answers.jsonl"] = before["answers.jsonl"]  # the only file this test changed
    assert after == before


def test_score_writes_into_a_new_folder_and_removes_it_on_failure(root: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    enospc_on(monkeypatch, "report.json")
    result = score(root, ANSWERS_A, tmp_path, "--out", str(tmp_path / "new" / "deeper" / "report.json"))
    assert result.exit_code == 1 and "no space left on device" in result.stderr
    assert not (tmp_path / "new").exists()
    monkeypatch.undo()
    result = score(root, ANSWERS_A, tmp_path, "--out", str(tmp_path / "new" / "deeper" / "report.json"),
                   "--diagnostics", str(tmp_path / "new" / "d.jsonl"))
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "new" / "deeper" / "report.json").read_text())
    assert report["meta"]["diagnostics"]["file"] == "../d.jsonl"


@pytest.mark.parametrize("fmt, name", [("html", "index.html"), ("md", "leaderboard.md")])
def test_failed_report_keeps_the_previous_page(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              fmt: str, name: str) -> None:
    assert score(root, ANSWERS_A, tmp_path, "--out", str(tmp_path / "m" / "report.json")).exit_code == 0
    site = tmp_path / "site"
    args = ["report", str(tmp_path / "m" / "report.json"), "--out", str(site), "--format", fmt]
    assert RUNNER.invoke(app, args).exit_code == 0
    before = snapshot(tmp_path)
    enospc_on(monkeypatch, name)
    result = RUNNER.invoke(app, [*args, "--title", "another"])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: cannot write {site / name}: no space left on device"
    assert snapshot(tmp_path) == before
    monkeypatch.undo()
    (tmp_path / "file").write_text("x")
    result = RUNNER.invoke(app, [*args[:3], str(tmp_path / "file"), *args[4:]])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: cannot write {tmp_path / 'file' / name}: {tmp_path / 'file'} is a file, " \
                                    "not a folder"


def test_write_files_atomic_names_a_folder_target(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"old")
    (tmp_path / "b").mkdir()
    with pytest.raises(OutputError, match=r"cannot write .*b: it is a folder"):
        write_files_atomic({tmp_path / "a": b"new", tmp_path / "b": b"new"})
    assert (tmp_path / "a").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]
    assert isinstance(OutputError("x"), OSError)
