"""``lamm-data verify``: re-hash every file the manifest lists and report missing, changed and extra files.

"Extra" files are files inside the four group folders that the manifest does not list (files elsewhere
under the root, e.g. ``answers/``, are not the manifest's business); the ``.lamm`` folder is skipped.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from lamm_data.catalog import GROUPS
from lamm_data.fetch.manifest import Manifest
from lamm_data.fetch.progress import SILENT, Progress
from lamm_data.hashing import hash_file


@dataclass
class VerifyReport:
    """Result of :func:`verify_root`: counts and the paths (relative to the root) of each kind of problem."""

    root: Path
    checked: int = 0
    bytes: int = 0
    missing: list[str] = field(default_factory=list)
    changed: list[tuple[str, str]] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is missing, changed or extra."""
        return not (self.missing or self.changed or self.extra)


def verify_root(root: str | os.PathLike[str], progress: Progress = SILENT) -> VerifyReport:
    """Compare every file under ``root``'s group folders with ``ROOT/.lamm/manifest.json`` (sizes and sha256).

    Raises:
        ManifestError: no manifest, or an unreadable one.
    """
    root = Path(root).expanduser()
    manifest = Manifest.load(root, required=True)
    report = VerifyReport(root)
    total = sum(r.size for r in manifest.files.values())
    task = progress.start("verify", total)
    try:
        for rel, record in sorted(manifest.files.items()):
            path = root / rel
            if not path.is_file():
                report.missing.append(rel)
                progress.advance(task, record.size)
                continue
            digest = hash_file(path, on_bytes=lambda n: progress.advance(task, n))
            report.checked += 1
            report.bytes += digest.size
            if digest.size != record.size:
                report.changed.append((rel, f"size {digest.size:,} bytes, the manifest says {record.size:,}"))
                progress.advance(task, record.size - digest.size)
            elif digest.sha256 != record.sha256:
                report.changed.append((rel, f"sha256 {digest.sha256[:16]}…, the manifest says {record.sha256[:16]}…"))
    finally:
        progress.finish(task)
    report.extra = [rel for rel in _files_under_groups(root) if rel not in manifest.files]
    return report


def _files_under_groups(root: Path) -> list[str]:
    found = []
    for group in GROUPS:
        base = root / group
        for folder, dirs, files in os.walk(base):
            dirs.sort()
            rel_folder = Path(folder).relative_to(root).as_posix()
            found += [f"{rel_folder}/{name}" for name in sorted(files)]
    return found
