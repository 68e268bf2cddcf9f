"""Zip bombs: the total unpacked size and each entry's compression ratio are capped. Each refusal is a clean
error that leaves nothing behind."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from lamm_data.fetch.errors import UnsafeArchiveError
from lamm_data.fetch.unpack import default_max_bytes, documented_bytes, unpack


def _bomb(path: Path, size: int = 50 << 20) -> Path:
    """A small zip of one entry of zeros that unpacks to ``size`` bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("lsp_images/zeros.jpg", "w", force_zip64=True) as f:
            chunk = bytes(1 << 20)
            for _ in range(size >> 20):
                f.write(chunk)
    return path


def _nothing_left(tmp_path: Path) -> None:
    assert [p.name for p in tmp_path.iterdir()] == ["bomb.zip"], list(tmp_path.iterdir())


def test_a_high_ratio_entry_is_refused(tmp_path: Path) -> None:
    archive = _bomb(tmp_path / "bomb.zip")
    assert archive.stat().st_size < 200_000
    with pytest.raises(UnsafeArchiveError, match=r"expands .* \(more than 200x\); a zip bomb"):
        unpack(archive, tmp_path / "2D_Benchmark", "lsp_images", max_bytes=1 << 40)
    _nothing_left(tmp_path)


def test_the_total_unpacked_size_is_capped(tmp_path: Path) -> None:
    archive = _bomb(tmp_path / "bomb.zip")
    with pytest.raises(UnsafeArchiveError, match=r"unpacks to 52,428,800 bytes, more than the cap"):
        unpack(archive, tmp_path / "2D_Benchmark", "lsp_images", max_ratio=1e9)
    _nothing_left(tmp_path)
    members = unpack(archive, tmp_path / "2D_Benchmark", "lsp_images", max_ratio=1e9, max_bytes=60 << 20)
    assert members[0].digest.size == 50 << 20  # both caps raised: unpacked


def test_default_caps() -> None:
    assert documented_bytes("7.8 GB [8.5 GB]") == 8_500_000_000
    assert default_max_bytes("1 GB", 123) == 1_100_000_000
    assert default_max_bytes("", 1000) == 2000
