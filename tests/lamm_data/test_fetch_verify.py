"""`lamm-data verify ROOT`: re-hash against the manifest; missing, changed and extra files give exit 1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hub_server import serving
from sample_zips import build_mirror
from typer.testing import CliRunner

from lamm_data.cli import app
from lamm_data.fetch import MANIFEST, fetch, verify_root
from lamm_data.fetch.errors import ManifestError

runner = CliRunner()
MEDIA = "3D_Benchmark/scannet_pcls/scene0011_00_vert.npy"
META = "3D_Benchmark/meta_file/VG_ScanRefer.json"


@pytest.fixture
def root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    build_mirror(tmp_path / "zips", group="3D_Benchmark")
    with serving(monkeypatch, tmp_path / "client"):
        fetch("3D_Benchmark", root=tmp_path / "lamm", archives_from=str(tmp_path / "zips"))
    yield tmp_path / "lamm"


def _verify(root: Path, *args: str):
    return runner.invoke(app, ["verify", "--root", str(root), *args], catch_exceptions=False)


def test_fetched_root_verifies(root: Path) -> None:
    result = _verify(root)
    assert result.exit_code == 0, result.output
    report = verify_root(root)
    manifest = json.loads((root / MANIFEST).read_text())
    assert report.ok and report.checked == len(manifest["files"]) > 3
    assert MEDIA in manifest["files"] and META in manifest["files"]


def test_a_changed_byte_is_detected(root: Path) -> None:
    assert (root / MEDIA).is_file()
    data = bytearray((root / MEDIA).read_bytes())
    data[len(data) // 2] ^= 0x01
    (root / MEDIA).write_bytes(bytes(data))  # same size, one bit different
    result = _verify(root)
    assert result.exit_code == 1
    assert f"changed {MEDIA}: sha256" in " ".join(result.output.split())
    assert "1 changed" in result.output


def test_missing_changed_size_and_extra_files(root: Path) -> None:
    (root / META).unlink()
    (root / "3D_Benchmark/meta_file/Detection_ScanNet.json").write_bytes(b"[]")
    (root / "3D_Benchmark/scannet_pcls/stray.npy").write_bytes(b"x")
    (root / "answers").mkdir()
    (root / "answers/preds.jsonl").write_text("{}\n")  # outside the group folders: not the manifest's business
    result = _verify(root, "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["missing"] == [META]
    assert [c["file"] for c in report["changed"]] == ["3D_Benchmark/meta_file/Detection_ScanNet.json"]
    assert "size 2 bytes" in report["changed"][0]["reason"]
    assert report["extra"] == ["3D_Benchmark/scannet_pcls/stray.npy"]


def test_verify_needs_a_manifest(tmp_path: Path, root: Path) -> None:
    result = _verify(tmp_path / "elsewhere")
    assert result.exit_code == 1 and "no manifest" in result.output and "lamm-data fetch" in result.output
    (root / MANIFEST).write_text("{not json")
    with pytest.raises(ManifestError, match="not valid JSON"):
        verify_root(root)
    for malformed in ('{"format": 1, "files": []}', '{"format": 1, "files": {"a": {"size": 1}}}'):
        (root / MANIFEST).write_text(malformed)
        result = _verify(root)
        assert result.exit_code == 1 and "malformed entry" in result.output and "Traceback" not in result.output
