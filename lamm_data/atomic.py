"""Putting files in place without ever exposing a half-written one: write to a unique temp name, then rename.

Temp names are unique per call (``.<name>.<8 hex>.tmp`` beside the target) so two processes never
append to the same temp file, and ``os.replace`` makes the final name appear complete or not at all.
"""

from __future__ import annotations

import errno
import os
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path

from lamm_data.errors import OutputError


def temp_path(target: Path, tag: str = "tmp") -> Path:
    """A fresh, unused temporary name beside ``target`` (same folder, so a rename is atomic)."""
    return target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.{tag}")


def current_umask() -> int:
    """The process's umask (read from ``/proc`` where possible, so that no other thread sees it change)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def follow_umask(path: Path) -> None:
    """Give a file the permissions ``open()`` would have given it (for files written by libraries that use 0600)."""
    os.chmod(path, 0o666 & ~current_umask())


def temp_dir(target: Path) -> Path:
    """Create and return a fresh temporary folder beside ``target`` (``.<name>.<8 hex>.tmp``), with the permissions
    the umask gives (unlike :func:`tempfile.mkdtemp`'s 0700), so that a folder renamed into place from it stays
    readable on a shared root as other tools' folders are."""
    while True:
        path = temp_path(target)
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue


def write_bytes_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` via a synced temp file and a rename.

    Raises:
        OutputError: the file cannot be written (the message names it and says why).
    """
    write_files_atomic({Path(target): data})


def _reason(exc: OSError) -> str:
    """``no space left on device`` from an OSError (its strerror, first letter lowered)."""
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


def _not_a_folder(target: Path) -> Path | None:
    """The first ancestor of ``target`` that exists but is not a folder, if any."""
    for parent in reversed(target.parents):
        if parent.exists() and not parent.is_dir():
            return parent
    return None


def _make_parents(target: Path) -> list[Path]:
    """Create the missing folders above ``target``; returns those created, outermost first."""
    missing = [p for p in reversed(target.parents) if not p.is_dir()]
    for folder in missing:
        folder.mkdir(exist_ok=True)
    return missing


def _cannot_write(target: Path, exc: OSError) -> OutputError:
    blocker = _not_a_folder(target) if exc.errno in (errno.EEXIST, errno.ENOTDIR, errno.ENOENT) else None
    if blocker is not None:
        return OutputError(f"cannot write {target}: {blocker} is a file, not a folder")
    if isinstance(exc, IsADirectoryError) or (exc.errno == errno.EISDIR) or target.is_dir():
        return OutputError(f"cannot write {target}: it is a folder")
    return OutputError(f"cannot write {target}: {_reason(exc)}")


def write_files_atomic(files: Mapping[Path, bytes]) -> None:
    """Write every file or none: each goes to a synced temp file beside its target, and the temp files are
    renamed into place only once all of them were written. On failure (or interruption) the temp files and
    the folders created for them are removed and every target keeps its previous content.

    Raises:
        OutputError: a file cannot be written (the message names it and says why: ``cannot write
            r/report.json: no space left on device``).
    """
    created: list[Path] = []
    temps: dict[Path, Path] = {}
    done = False
    try:
        for target, data in files.items():
            target = Path(target)
            try:
                created += _make_parents(target)
                if target.is_dir():
                    raise IsADirectoryError(errno.EISDIR, "Is a directory", str(target))
                tmp = temps[target] = temp_path(target)
                with open(tmp, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
            except OSError as exc:
                raise _cannot_write(target, exc) from None
        for target, tmp in temps.items():
            try:
                os.replace(tmp, target)
            except OSError as exc:
                raise _cannot_write(target, exc) from None
        done = True
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
        for folder in [] if done else reversed(created):
            try:
                folder.rmdir()  # only when empty
            except OSError:
                pass


def replace_folder(new: Path, target: Path) -> None:
    """Move the complete folder ``new`` to ``target``, replacing what is there.

    The old folder is first renamed aside (``.<name>.<hex>.old``) and deleted only after ``new`` is in
    place, so ``target`` is at every moment either the old complete folder or the new complete one.
    """
    old = temp_path(target, "old") if target.exists() else None
    if old is not None:
        os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def remove_leftovers(folder: Path) -> list[Path]:
    """Delete temp files/folders an interrupted run left in ``folder`` (names ``.<x>.<8 hex>.{tmp,old,unpack}``)."""
    removed = []
    if not folder.is_dir():
        return removed
    for path in folder.iterdir():
        parts = path.name.split(".")
        if path.name.startswith(".") and len(parts) >= 4 and parts[-1] in ("tmp", "old", "unpack") \
                and len(parts[-2]) == 8:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed
