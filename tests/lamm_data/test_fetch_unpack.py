"""Safe, atomic unpacking: hostile or damaged zips are rejected and leave nothing behind."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from sample_zips import HOSTILE, hostile_zip, zip_media

from lamm_data import catalog
from lamm_data.fetch.errors import DiskFullError, UnsafeArchiveError
from lamm_data.fetch.unpack import unpack
from lamm_data.sample import sample_source

LSP = catalog.resolve("lsp_images")


def _listing(path: Path) -> list[str]:
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*"))


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_or_damaged_zip_is_rejected_and_leaves_nothing(tmp_path: Path, kind: str) -> None:
    archive = hostile_zip(tmp_path / "in" / "lsp_images.zip", kind)
    group = tmp_path / "root" / "2D_Benchmark"
    (group / "lsp_images").mkdir(parents=True)
    (group / "lsp_images" / "previous.jpg").write_bytes(b"old copy")
    with pytest.raises(UnsafeArchiveError, match=r"lsp_images\.zip") as exc:
        unpack(archive, group, "lsp_images")
    assert "rejected" in str(exc.value)
    # the previous folder is untouched, no temp folder is left, nothing escaped
    assert _listing(tmp_path / "root") == ["2D_Benchmark", "2D_Benchmark/lsp_images",
                                           "2D_Benchmark/lsp_images/previous.jpg"]
    assert not (tmp_path / "evil.txt").exists() and not Path("/tmp/lamm-evil.txt").exists()


@pytest.mark.parametrize(("kind", "reason"), [
    ("zip-slip", "climbs out of the target folder"), ("parent", "climbs out"), ("absolute", "absolute path"),
    ("drive", "absolute path"), ("backslash", "climbs out"), ("symlink", "symbolic link"),
    ("device", "not a regular file"), ("duplicate", "appears twice"), ("encrypted", "encrypted"),
    ("truncated", "truncated or corrupt"), ("corrupt", "truncated or corrupt"),
])
def test_rejection_says_why(tmp_path: Path, kind: str, reason: str) -> None:
    archive = hostile_zip(tmp_path / "lsp_images.zip", kind)
    with pytest.raises(UnsafeArchiveError, match=reason):
        unpack(archive, tmp_path / "out", "lsp_images")


@pytest.mark.parametrize("flat", [False, True], ids=["nested", "flat"])
def test_unpack_places_files_under_the_archive_folder(tmp_path: Path, flat: bool) -> None:
    archive = zip_media(LSP, tmp_path / "lsp_images.zip", flat=flat)
    group = tmp_path / "2D_Benchmark"
    members = unpack(archive, group, "lsp_images")
    source = sample_source() / "2D_Benchmark" / "lsp_images"
    expected = sorted(f"lsp_images/{p.name}" for p in source.iterdir())
    assert sorted(m.relpath for m in members) == expected
    for m in members:
        data = (group / m.relpath).read_bytes()
        assert data == (source / Path(m.relpath).name).read_bytes()
        assert (m.digest.size, m.digest.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert _listing(group) == ["lsp_images", *expected]  # no hidden temp folder left


def test_unpack_replaces_the_previous_folder_as_a_whole(tmp_path: Path) -> None:
    group = tmp_path / "2D_Benchmark"
    (group / "lsp_images").mkdir(parents=True)
    (group / "lsp_images" / "stale.jpg").write_bytes(b"from an older archive")
    unpack(zip_media(LSP, tmp_path / "lsp_images.zip"), group, "lsp_images")
    assert not (group / "lsp_images" / "stale.jpg").exists()
    assert (group / "lsp_images" / "im0001.jpg").is_file()


def test_unpack_refuses_when_the_disk_is_too_small(tmp_path: Path) -> None:
    archive = zip_media(LSP, tmp_path / "lsp_images.zip")
    with zipfile.ZipFile(archive) as zf:
        need = sum(i.file_size for i in zf.infolist())
    with pytest.raises(DiskFullError, match=f"needs {need:,} bytes"):
        unpack(archive, tmp_path / "g", "lsp_images", free_bytes=lambda _: need - 1)
    assert not (tmp_path / "g").exists() or _listing(tmp_path / "g") == []
