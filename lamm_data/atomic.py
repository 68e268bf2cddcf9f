"""Putting files in place without ever exposing a half-written one: write to a unique temp name, then rename.

Temp names are unique per call (``.<name>.<8 hex>.tmp`` beside the target) so two processes never
append to the same temp file, and ``os.replace`` makes the final name appear complete or not at all.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path


def temp_path(target: Path, tag: str = "tmp") -> Path:
    """A fresh, unused temporary name beside ``target`` (same folder, so a rename is atomic)."""
    return target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.{tag}")


def write_bytes_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` via a synced temp file and a rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(target)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


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
