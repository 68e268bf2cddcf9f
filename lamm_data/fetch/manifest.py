"""``ROOT/.lamm/manifest.json``: what ``lamm-data fetch`` put under a LAMM root, where from, and its hashes.

Format (``"format": 1``)::

    {"format": 1,
     "files": {"<path under ROOT>": {"size": int, "sha256": hex, "time": ISO-8601 UTC, "mtime_ns": int,
                                     "source": {...}}},
     "archives": {"<GROUP>/<name>.zip": {"size": int, "sha256": hex, "time": ..., "source": {...},
                                         "checksum": "published" | "computed", "folder": "<GROUP>/<name>" | null,
                                         "members": int, "kept": bool}}}

``files`` lists every file under the root that fetch wrote (meta files, unpacked media, kept zips);
``lamm-data verify`` re-hashes exactly these. A ``source`` is one of
``{"type": "hub", "endpoint", "repo", "revision", "commit", "path"}``, ``{"type": "url", "url"}``,
``{"type": "folder", "folder", "path"}``, ``{"type": "opendatalab", "repo", "path"}`` or, for a file
unpacked from a zip,
``{"type": "archive", "archive": "<GROUP>/<name>.zip"}`` (whose own source is under ``archives``).
``archives`` records each zip that was unpacked or kept, whether or not the zip is still on disk.
``mtime_ns`` lets a re-run skip files whose size and modification time are unchanged; ``verify`` ignores it.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from lamm_data.atomic import write_bytes_atomic
from lamm_data.fetch.errors import ManifestError
from lamm_data.hashing import Digest

STATE_DIR = ".lamm"
"""Folder under the root holding the manifest, the lock and transfer leftovers."""
MANIFEST = f"{STATE_DIR}/manifest.json"
FORMAT = 1


def utc_now() -> str:
    """The current time as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class FileRecord:
    """One file under the root: its size (bytes), sha256 (hex), when it was verified, and where it came from."""

    size: int
    sha256: str
    time: str
    source: dict[str, Any]
    mtime_ns: int | None = None


@dataclass
class ArchiveRecord:
    """One zip: its own size/sha256/source, whether its checksum was published or computed here, and where
    it was unpacked (``folder``, ``None`` if not unpacked) with how many files; ``kept``: the zip is under the root.
    """

    size: int
    sha256: str
    time: str
    source: dict[str, Any]
    checksum: str = "computed"
    folder: str | None = None
    members: int = 0
    kept: bool = False


@dataclass
class Manifest:
    """The manifest of one root. Load with :meth:`load`, change, then :meth:`save` (atomic)."""

    root: Path
    files: dict[str, FileRecord] = field(default_factory=dict)
    archives: dict[str, ArchiveRecord] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        """``ROOT/.lamm/manifest.json``."""
        return self.root / MANIFEST

    @classmethod
    def load(cls, root: str | os.PathLike[str], *, required: bool = False) -> Manifest:
        """Read the root's manifest; an absent one is empty unless ``required``.

        Raises:
            ManifestError: the file is not valid JSON of this format, or is absent and ``required``.
        """
        root = Path(root)
        path = root / MANIFEST
        try:
            raw = json.loads(path.read_bytes())
        except FileNotFoundError:
            if required:
                raise ManifestError(f"{path}: no manifest; this root was not written by `lamm-data fetch` "
                                    f"(run it first, e.g. lamm-data fetch 2D_Benchmark --root {root})") from None
            return cls(root)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ManifestError(f"{path}: not valid JSON ({exc}); delete it and fetch again") from None
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            found = raw.get("format") if isinstance(raw, dict) else type(raw).__name__
            raise ManifestError(f"{path}: unknown manifest format {found!r}; expected {FORMAT}")
        try:
            files = {k: FileRecord(**v) for k, v in raw.get("files", {}).items()}
            archives = {k: ArchiveRecord(**v) for k, v in raw.get("archives", {}).items()}
        except (TypeError, AttributeError) as exc:  # an entry that is not an object, or lacks fields
            raise ManifestError(f"{path}: malformed entry ({exc})") from None
        return cls(root, files, archives)

    def save(self) -> None:
        """Write the manifest atomically (temp file + rename), keys sorted."""
        data = {"format": FORMAT,
                "files": {k: asdict(v) for k, v in sorted(self.files.items())},
                "archives": {k: asdict(v) for k, v in sorted(self.archives.items())}}
        write_bytes_atomic(self.path, json.dumps(data, indent=1, ensure_ascii=False).encode("utf-8") + b"\n")

    def add_file(self, relpath: str, digest: Digest, source: dict[str, Any]) -> FileRecord:
        """Record the file at ``ROOT/relpath`` (already in place) with its digest and source."""
        stat = (self.root / relpath).stat()
        record = FileRecord(digest.size, digest.sha256, utc_now(), source, stat.st_mtime_ns)
        self.files[relpath] = record
        return record

    def intact(self, relpath: str) -> bool:
        """True when ``relpath`` is recorded and its size and modification time are unchanged since."""
        record = self.files.get(relpath)
        if record is None:
            return False
        try:
            stat = (self.root / relpath).stat()
        except OSError:
            return False
        return stat.st_size == record.size and stat.st_mtime_ns == record.mtime_ns

    def drop_folder(self, folder: str) -> None:
        """Forget every file recorded under ``folder`` (a path under the root, no trailing slash)."""
        prefix = folder.rstrip("/") + "/"
        for key in [k for k in self.files if k.startswith(prefix)]:
            del self.files[key]
