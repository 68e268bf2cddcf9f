"""`lamm-data fetch` failure modes map to one-line messages and exit 1: disk full, permission denied, busy
root, wrong names; a failed placement leaves no file under its final name."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock
from hub_server import HubServer, serving
from typer.testing import CliRunner

from lamm_data.cli import app
from lamm_data.errors import UnknownNameError
from lamm_data.fetch import Manifest, fetch
from lamm_data.fetch import run as fetch_run
from lamm_data.fetch.errors import DiskFullError, RootBusyError, RootPermissionError, SelectionError

runner = CliRunner()


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[HubServer]:
    with serving(monkeypatch, tmp_path / "client") as server:
        yield server


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "lamm"


def _cli(root: Path, *args: str):
    return runner.invoke(app, ["fetch", "3D_Benchmark", "--meta-only", "--root", str(root), "-q", *args],
                         catch_exceptions=False)


def _one_line_error(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines and lines[0].startswith("error: ") and "Traceback" not in output
    return " ".join(output.split())


def test_too_little_free_space_is_refused_before_downloading(hub: HubServer, root: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch_run.shutil, "disk_usage", lambda _: _Usage(100))
    with pytest.raises(DiskFullError, match=r"no room for 3D_Benchmark/meta_file/Detection_ScanNet\.json"):
        fetch("3D_Benchmark", root=root, meta_only=True)
    assert hub.requests(contains="/resolve/") == []


class _Usage:
    def __init__(self, free: int) -> None:
        self.free, self.total, self.used = free, free, 0


@pytest.mark.parametrize(("error", "expected"), [
    (OSError(errno.ENOSPC, "No space left on device"), "no space left on the device"),
    (PermissionError(errno.EACCES, "Permission denied"), "permission denied"),
])
def test_disk_full_and_permission_denied_while_placing_a_file(hub: HubServer, root: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              error: OSError, expected: str) -> None:
    real_replace = os.replace

    def failing_replace(src, dst):
        if "meta_file" in str(dst):
            error.filename = str(dst)
            raise error
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    result = _cli(root)
    assert result.exit_code == 1
    message = _one_line_error(result.output)
    assert expected in message and "3D_Benchmark/meta_file/Detection_ScanNet.json" in message
    assert not (root / "3D_Benchmark/meta_file").exists() or not any((root / "3D_Benchmark/meta_file").iterdir())
    assert Manifest.load(root).files == {}
    assert not any((root / ".lamm").rglob("*.json.*"))  # the staging copy is gone too
    with pytest.raises(DiskFullError if expected.startswith("no space") else RootPermissionError):
        fetch("3D_Benchmark", root=root, meta_only=True)


def test_root_that_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = runner.invoke(app, ["fetch", "3D_Benchmark", "--meta-only", "--root", str(blocker)],
                           catch_exceptions=False)
    assert result.exit_code == 1
    assert f"cannot use {blocker}" in _one_line_error(result.output)


def test_unwritable_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_mkdir = Path.mkdir

    def denied(self, *args, **kwargs):
        if self.name == ".lamm":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", denied)
    with pytest.raises(RootPermissionError, match=r"permission denied: .*\.lamm .*pick a writable --root"):
        fetch("3D_Benchmark", root=tmp_path / "lamm", meta_only=True)


def test_a_second_fetch_on_the_same_root_is_refused(hub: HubServer, root: Path) -> None:
    (root / ".lamm").mkdir(parents=True)
    with FileLock(str(root / ".lamm/lock")), pytest.raises(RootBusyError, match="another lamm-data fetch"):
        fetch("3D_Benchmark", root=root, meta_only=True)
    assert hub.log == []


@pytest.mark.parametrize(("args", "error", "text"), [
    (["3D_Benchmark", "LSP"], SelectionError, "belongs to 2D_Benchmark, not 3D_Benchmark"),
    (["3D_Benchmark", "scannet_pcls", "--meta-only"], SelectionError, "is an archive but --meta-only"),
    (["3D_Benchmark", "ScanRefr"], UnknownNameError, "Closest names: VG_ScanRefer"),
    (["3D_Bench"], UnknownNameError, "unknown group '3D_Bench'"),
])
def test_wrong_names(root: Path, args: list[str], error: type[Exception], text: str) -> None:
    result = runner.invoke(app, ["fetch", *args, "--root", str(root)], catch_exceptions=False)
    assert result.exit_code == 1 and text in _one_line_error(result.output)
    assert not root.exists()
