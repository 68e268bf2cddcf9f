"""Content digests of files: size and sha256, plus, on request, the git blob sha1 the hub reports for non-LFS files.

The hub's tree listing gives an LFS file's sha256 (``lfs.oid``), but for a file stored directly in git
only its git blob id: ``sha1(b"blob <size>\\0" + content)``. :class:`Hasher` computes both in one pass.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

CHUNK = 1 << 20
"""Bytes read per step (1 MiB)."""


@dataclass(frozen=True)
class Digest:
    """Size in bytes, sha256 (hex) and, when requested, the git blob sha1 (hex) of some content."""

    size: int
    sha256: str
    git_sha1: str | None = None


class Hasher:
    """Incremental sha256 (and git blob sha1 when the final size is known in advance)."""

    def __init__(self, git_size: int | None = None) -> None:
        self._sha256 = hashlib.sha256()
        self._git = None
        if git_size is not None:
            self._git = hashlib.sha1(usedforsecurity=False)
            self._git.update(b"blob %d\0" % git_size)
        self.size = 0

    def update(self, data: bytes) -> None:
        """Feed the next bytes."""
        self._sha256.update(data)
        if self._git is not None:
            self._git.update(data)
        self.size += len(data)

    def digest(self) -> Digest:
        """The digest of everything fed so far."""
        return Digest(self.size, self._sha256.hexdigest(), self._git.hexdigest() if self._git else None)


def hash_file(path: str | os.PathLike[str], *, git: bool = False,
              on_bytes: Callable[[int], None] | None = None) -> Digest:
    """Digest of a file; ``git=True`` also computes its git blob sha1. ``on_bytes(n)`` reports progress."""
    hasher = Hasher(os.stat(path).st_size if git else None)
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            hasher.update(chunk)
            if on_bytes is not None:
                on_bytes(len(chunk))
    return hasher.digest()


class HashingReader:
    """A binary file whose bytes read are hashed (sha256) on the way."""

    def __init__(self, f: BinaryIO) -> None:
        self._f, self._hash = f, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._f.read(size)
        self._hash.update(data)
        return data

    def hexdigest(self) -> str:
        """Digest of the bytes read so far."""
        return self._hash.hexdigest()
