"""Helpers of the hostile-input suite: snapshots of every file under a folder, the contract every entry point
keeps on bad input, and a writable workspace."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from click.testing import Result


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones included) with its bytes; folders as ``<dir>``."""
    out: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            out[key] = f"<link to {os.readlink(path)}>".encode()
        else:
            out[key] = b"<dir>" if path.is_dir() else path.read_bytes()
    return out


def refused(result: Result, *, stderr_lines: int | None = 1) -> str:
    """Assert the contract of a refused input: exit 1, no traceback, (by default) exactly one line on stderr.
    Returns stderr."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"uncaught {type(result.exception).__name__}: {result.exception}\n{result.output}")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    if stderr_lines is not None:
        assert len(lines) == stderr_lines, result.stderr
    return result.stderr


@dataclass
class Workspace:
    """A writable copy of the sample root and a folder for outputs, with a snapshot of both."""

    root: Path
    out: Path
    base: Path

    def before(self) -> dict[str, bytes]:
        return snapshot(self.base)

    def unchanged(self, before: dict[str, bytes]) -> None:
        after = snapshot(self.base)
        assert sorted(set(after) - set(before)) == [], "files were written"
        assert sorted(set(before) - set(after)) == [], "files were removed"
        assert [k for k in before if before[k] != after[k]] == [], "files were modified"
