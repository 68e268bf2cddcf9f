"""``write_bytes_atomic`` and ``replace_folder`` under real failures: a disk that fills up halfway through the
write (``ENOSPC`` from the file's ``write``), and a rename that fails (``os.replace`` raising).

The failure is injected into the operating-system call only; everything around it (temp names, clean-up,
rollback) runs as in production. After each failure the old content must be intact, byte for byte, no temp
file may be left behind and the error must reach the caller.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

import lamm_data.atomic
from lamm_data.atomic import remove_leftovers, replace_folder, write_bytes_atomic
from lamm_data.sample import write_sample

OLD = b"old content\n" * 1000
NEW = b"new content that is longer\n" * 1000


def _disk_full_after(limit: int):
    """An ``open`` whose files accept ``limit`` bytes, then fail with ENOSPC (what a full disk does)."""
    real_open = open

    class _Full:
        def __init__(self, f) -> None:
            self._f = f
            self.written = 0

        def write(self, data: bytes) -> int:
            room = limit - self.written
            if len(data) > room:
                self._f.write(data[:room])
                self.written = limit
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            self.written += len(data)
            return self._f.write(data)

        def __getattr__(self, name: str):
            return getattr(self._f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            self._f.close()

    def fake_open(file, mode="r", *args, **kwargs):
        f = real_open(file, mode, *args, **kwargs)
        return _Full(f) if "w" in mode or "a" in mode else f

    return fake_open


def _failing_replace(fail_when):
    """``os.replace`` that raises EIO for the calls ``fail_when(src, dst)`` selects, and renames otherwise."""
    real_replace = os.replace
    calls: list[tuple[str, str]] = []

    def replace(src, dst, *args, **kwargs):
        calls.append((str(src), str(dst)))
        if fail_when(Path(src), Path(dst)):
            raise OSError(errno.EIO, f"injected rename failure {src} -> {dst}")
        return real_replace(src, dst, *args, **kwargs)

    replace.calls = calls  # type: ignore[attr-defined]
    return replace


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_write_bytes_atomic_replaces_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.json"
    write_bytes_atomic(target, OLD)
    write_bytes_atomic(target, NEW)
    assert target.read_bytes() == NEW
    assert [p.name for p in target.parent.iterdir()] == ["out.json"]


def test_disk_full_halfway_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.json"
    target.write_bytes(OLD)
    monkeypatch.setattr(lamm_data.atomic, "open", _disk_full_after(len(NEW) // 2), raising=False)
    with pytest.raises(OSError) as info:
        write_bytes_atomic(target, NEW)
    assert info.value.errno == errno.ENOSPC
    assert target.read_bytes() == OLD  # intact, not truncated or half-new
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # the half-written temp is gone


def test_disk_full_on_a_first_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lamm_data.atomic, "open", _disk_full_after(10), raising=False)
    with pytest.raises(OSError):
        write_bytes_atomic(tmp_path / "report.json", NEW)
    assert list(tmp_path.iterdir()) == []


def test_failed_rename_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.json"
    target.write_bytes(OLD)
    replace = _failing_replace(lambda src, dst: dst == target)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError, match="injected rename failure"):
        write_bytes_atomic(target, NEW)
    monkeypatch.undo()
    assert replace.calls and target.read_bytes() == OLD
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def _folders(tmp_path: Path) -> tuple[Path, Path]:
    target = write_sample(tmp_path / "lamm")  # a real, nested folder: the embedded sample
    new = tmp_path / "new"
    (new / "inner").mkdir(parents=True)
    (new / "inner" / "file.bin").write_bytes(NEW)
    (new / "top.txt").write_bytes(b"top")
    return new, target


def test_replace_folder_replaces_the_whole_folder(tmp_path: Path) -> None:
    new, target = _folders(tmp_path)
    expected = _tree(new)
    replace_folder(new, target)
    assert _tree(target) == expected and not new.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lamm"]  # the old folder (renamed aside) is deleted


def test_replace_folder_into_a_new_place(tmp_path: Path) -> None:
    new, _ = _folders(tmp_path)
    expected = _tree(new)
    replace_folder(new, tmp_path / "fresh")
    assert _tree(tmp_path / "fresh") == expected


def test_failed_move_of_the_new_folder_restores_the_old_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    new, target = _folders(tmp_path)
    old_tree, new_tree = _tree(target), _tree(new)
    replace = _failing_replace(lambda src, dst: src == new)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError, match="injected rename failure"):
        replace_folder(new, target)
    monkeypatch.undo()
    assert [dst for _, dst in replace.calls].count(str(target)) >= 2  # moved aside, then moved back
    assert _tree(target) == old_tree  # every old file back, byte for byte
    assert _tree(new) == new_tree  # the new folder is not lost either
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lamm", "new"]  # nothing renamed aside remains


def test_failed_move_aside_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    new, target = _folders(tmp_path)
    old_tree, new_tree = _tree(target), _tree(new)
    monkeypatch.setattr(os, "replace", _failing_replace(lambda src, dst: src == target))
    with pytest.raises(OSError, match="injected rename failure"):
        replace_folder(new, target)
    monkeypatch.undo()
    assert _tree(target) == old_tree and _tree(new) == new_tree
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lamm", "new"]


def test_remove_leftovers_deletes_only_temp_names(tmp_path: Path) -> None:
    keep = ["report.json", ".hidden", ".a.b.tmp", ".x.1234567.tmp", ".x.12345678.bak", "x.12345678.tmp"]
    gone = [".report.json.0123abcd.tmp", ".lamm.89abcdef.old", ".z.fedcba98.unpack"]
    for name in keep + gone[:1]:
        (tmp_path / name).write_bytes(b"x")
    for name in gone[1:]:
        (tmp_path / name / "deep").mkdir(parents=True)
        (tmp_path / name / "deep" / "f").write_bytes(b"x")
    removed = remove_leftovers(tmp_path)
    assert sorted(p.name for p in removed) == sorted(gone)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(keep)
    assert remove_leftovers(tmp_path / "missing") == []
