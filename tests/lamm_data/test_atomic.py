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
from lamm_data.atomic import remove_leftovers, replace_folder, temp_path, write_bytes_atomic
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
    target = tmp_path / "sub" / "deeper" / "out.json"  # missing parents are created
    write_bytes_atomic(target, OLD)
    write_bytes_atomic(target, NEW)
    assert target.read_bytes() == NEW
    assert [p.name for p in target.parent.iterdir()] == ["out.json"]


def test_data_is_on_disk_before_the_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The temp file is flushed and fsync'ed with all its bytes before ``os.replace`` makes it visible."""
    target = tmp_path / "out.bin"
    events: list[tuple[str, int]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.fstat(fd).st_size))
        real_fsync(fd)

    def replace(src, dst) -> None:
        events.append(("replace", Path(src).stat().st_size))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    write_bytes_atomic(target, NEW)
    write_bytes_atomic(target, b"short")  # smaller than the write buffer: only a flush puts it in the file
    assert events == [("fsync", len(NEW)), ("replace", len(NEW)), ("fsync", 5), ("replace", 5)]


def test_temp_names_are_the_ones_leftover_cleaning_removes(tmp_path: Path) -> None:
    names = {temp_path(tmp_path / "report.json").name for _ in range(20)}
    assert len(names) == 20  # unique per call
    for name in names:
        assert name.startswith(".report.json.") and name.endswith(".tmp") and len(name.split(".")[-2]) == 8
        (tmp_path / name).write_bytes(b"half")
    (tmp_path / "report.json").write_bytes(OLD)
    assert {p.name for p in remove_leftovers(tmp_path)} == names
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
    assert temp_path(tmp_path / "lamm", "old").name.endswith(".old")


def test_an_old_folder_that_cannot_be_deleted_does_not_fail_the_replacement(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The new folder is in place; what could not be deleted of the old one stays as a ``.old`` leftover."""
    new, target = _folders(tmp_path)
    (target / "locked.bin").write_bytes(b"x")
    new_tree = _tree(new)
    real_unlink = os.unlink

    def unlink(path, *args, **kwargs):
        if os.fspath(path).endswith("locked.bin"):
            raise PermissionError(errno.EPERM, "injected", os.fspath(path))
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)
    replace_folder(new, target)
    monkeypatch.undo()
    assert _tree(target) == new_tree
    (leftover,) = [p for p in tmp_path.iterdir() if p.name.endswith(".old")]
    assert remove_leftovers(tmp_path) == [leftover]


def test_disk_full_halfway_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.json"
    target.write_bytes(OLD)
    monkeypatch.setattr(lamm_data.atomic, "open", _disk_full_after(len(NEW) // 2), raising=False)
    with pytest.raises(OSError, match="no space left on device") as info:
        write_bytes_atomic(target, NEW)
    assert str(target) in str(info.value)  # the error names the file
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
    keep = ["report.json", ".hidden", ".a.b.tmp", ".x.1234567.tmp", ".x.12345678.bak", "x.12345678.tmp",
            ".12345678.tmp"]
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


def test_remove_leftovers_is_best_effort(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A leftover that another process deletes first, or that cannot be deleted, does not stop the cleaning."""
    (tmp_path / ".a.0123abcd.tmp").write_bytes(b"x")
    (tmp_path / ".b.89abcdef.old" / "deep").mkdir(parents=True)
    (tmp_path / ".b.89abcdef.old" / "deep" / "locked.bin").write_bytes(b"x")
    real_unlink = os.unlink

    def unlink(path, *args, **kwargs):
        name = os.fspath(path)
        if name.endswith(".a.0123abcd.tmp"):  # gone before we get to it
            real_unlink(path, *args, **kwargs)
            raise FileNotFoundError(errno.ENOENT, "injected", name)
        if name.endswith("locked.bin"):
            raise PermissionError(errno.EPERM, "injected", name)
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)
    removed = remove_leftovers(tmp_path)
    assert sorted(p.name for p in removed) == [".a.0123abcd.tmp", ".b.89abcdef.old"]


# --- several files at once, hosts without hard links, folders created meanwhile, the umask ----------------------

def _failing_rename_of(victim: Path, src_suffix: str = ".tmp"):
    """Fail only the rename of ``victim``'s temp file into place (not the rollback's renames)."""
    return _failing_replace(lambda src, dst: dst == victim and src.name.endswith(src_suffix))


def test_a_failed_rename_of_a_later_file_removes_the_new_earlier_one(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file or none: 'a' is new and already renamed into place when 'b' fails; 'a' must go again."""
    from lamm_data.atomic import OutputError, write_files_atomic

    a, b = tmp_path / "a.json", tmp_path / "b.json"
    b.write_bytes(OLD)
    monkeypatch.setattr(os, "replace", _failing_rename_of(b))
    with pytest.raises(OutputError, match="cannot write"):
        write_files_atomic({a: NEW, b: NEW})
    monkeypatch.undo()
    assert not a.exists() and b.read_bytes() == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.json"]


def test_without_hard_links_the_backup_is_a_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a file system without hard links (``os.link`` fails) the old content is kept as a copy, and a failed
    later rename still puts it back."""
    from lamm_data.atomic import OutputError, write_files_atomic

    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_bytes(OLD)
    b.write_bytes(OLD)

    def no_link(src, dst, *args, **kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_link)
    monkeypatch.setattr(os, "replace", _failing_rename_of(b))
    with pytest.raises(OutputError):
        write_files_atomic({a: NEW, b: NEW})
    monkeypatch.undo()
    assert a.read_bytes() == OLD and b.read_bytes() == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.json"]


def test_a_folder_created_meanwhile_by_another_process_is_used(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The parent folder appears between the check and the ``mkdir`` (another process made it): not an error."""
    parent = tmp_path / "run"
    real_is_dir = Path.is_dir
    raced = []

    def is_dir(self: Path) -> bool:
        if self == parent and not raced:
            raced.append(self)
            parent.mkdir()  # the other process wins the race
            return False
        return real_is_dir(self)

    monkeypatch.setattr(Path, "is_dir", is_dir)
    write_bytes_atomic(parent / "report.json", NEW)
    monkeypatch.undo()
    assert raced and (parent / "report.json").read_bytes() == NEW


@pytest.fixture(params=[0o027, 0o022])
def umask(request):
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


def test_current_umask_reads_the_process_umask_and_leaves_it(umask: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from lamm_data.atomic import current_umask

    assert current_umask() == umask
    # without /proc (another system): read by setting and restoring it
    def no_proc(*args, **kwargs):
        raise OSError(errno.ENOENT, "No such file or directory")

    monkeypatch.setattr(lamm_data.atomic, "open", no_proc, raising=False)
    assert current_umask() == umask
    assert os.umask(umask) == umask  # still in force afterwards


def test_follow_umask_gives_the_mode_open_would_give(umask: int, tmp_path: Path) -> None:
    path = tmp_path / "weights.safetensors"
    path.write_bytes(b"x")
    os.chmod(path, 0o600)
    lamm_data.atomic.follow_umask(path)
    expected = {0o027: 0o640, 0o022: 0o644}[umask]  # 0o666 & ~umask
    assert path.stat().st_mode & 0o777 == expected
    plain = tmp_path / "plain"
    with open(plain, "w"):
        pass
    assert plain.stat().st_mode & 0o777 == expected  # what open() gives under the same umask
