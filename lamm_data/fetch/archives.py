"""LAMM archives from ``--archives-from``: a local folder holding the zips, the base URL of a mirror, or
``opendatalab`` (through the ``openxlab`` SDK, :mod:`lamm_data.fetch.opendatalab`).

The zips are not on the Hugging Face hub (they are published on OpenDataLab, ``catalog.ARCHIVE_HOME``).
A source is searched at ``<base>/<GROUP>/<name>.zip`` (OpenDataLab's ``raw/`` layout), then
``<base>/<name>.zip``. A ``SHA256SUMS`` file beside the zip (lines ``<sha256>  <file name>``), when there
is one, gives the published checksum; otherwise the computed sha256 is recorded.

A zip from a mirror is downloaded (resumably) to ``ROOT/.lamm/partial/``; a zip in a local folder is read
where it is. After verification it is unpacked into ``ROOT/GROUP/<name>/`` and, unless ``--no-unpack``
asked to store it as ``ROOT/GROUP/<name>.zip``, not copied into the root. A zip from OpenDataLab is
downloaded to a temporary folder under ``ROOT/.lamm/tmp`` and checked against the size and sha256 that
OpenDataLab lists for it; from there on it is treated like a mirror's download.
"""

from __future__ import annotations

import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from lamm_data.atomic import temp_path
from lamm_data.catalog import ARCHIVE_HOME, OPENDATALAB_REPO, CatalogEntry
from lamm_data.fetch import transfer
from lamm_data.fetch.errors import (
    ArchiveSourceError,
    ChecksumError,
    FetchError,
    RemoteNotFoundError,
    UnsafeArchiveError,
)
from lamm_data.fetch.manifest import STATE_DIR, ArchiveRecord, Manifest, utc_now
from lamm_data.fetch.progress import SILENT, Progress
from lamm_data.fetch.report import Outcome
from lamm_data.fetch.unpack import MAX_RATIO, default_max_bytes, unpack
from lamm_data.hashing import CHUNK, Digest, Hasher, hash_file

if TYPE_CHECKING:
    from lamm_data.fetch.opendatalab import OpenDataLab

CHECKSUMS = "SHA256SUMS"
_SUM_LINE = re.compile(r"([0-9a-fA-F]{64})\s+\*?(.+)")


def no_source_message(group: str, archives: Iterable[CatalogEntry]) -> str:
    """Why archives cannot be fetched without ``--archives-from``, and what to do."""
    names = ", ".join(e.filename for e in archives)
    return (f"the {group} archives ({names}) are not on the Hugging Face hub: they are published on OpenDataLab "
            f"at {ARCHIVE_HOME}/{group}. Download them, then pass --archives-from DIR (a folder holding the "
            "zips) or --archives-from URL (the base URL of a mirror); or install the opendatalab extra and set "
            "OPENXLAB_AK/OPENXLAB_SK to let fetch download them (--archives-from opendatalab, see docs/fetch.md); "
            "or pass --meta-only to fetch only the meta files")


@dataclass(frozen=True)
class ArchiveSource:
    """Where archives come from: ``kind`` ``folder`` (absolute path), ``url`` (base URL, no trailing slash) or
    ``opendatalab`` (``location``: the dataset repository)."""

    kind: Literal["folder", "url", "opendatalab"]
    location: str

    @classmethod
    def parse(cls, text: str) -> ArchiveSource:
        """Read an ``--archives-from`` value: ``opendatalab``, ``http(s)://`` URL, ``file://`` URL or folder path
        (write ``./opendatalab`` for a folder of that name).

        Raises:
            ArchiveSourceError: a folder that does not exist.
        """
        if text == "opendatalab":
            return cls("opendatalab", OPENDATALAB_REPO)
        if text.startswith(("http://", "https://")):
            return cls("url", text.rstrip("/"))
        path = Path(urllib.parse.unquote(urllib.parse.urlparse(text).path) if text.startswith("file://") else text)
        path = path.expanduser()
        if not path.is_dir():
            raise ArchiveSourceError(f"--archives-from {text}: no such folder; give a folder holding the zips or "
                                     "an http(s):// mirror URL")
        return cls("folder", str(path.resolve()))

    def candidates(self, entry: CatalogEntry) -> list[str]:
        """Where to look for the entry's zip, in order."""
        sep = "/" if self.kind == "url" else os.sep
        return [sep.join((self.location, entry.group, entry.filename)), sep.join((self.location, entry.filename))]

    def describe(self) -> str:
        """For messages."""
        if self.kind == "opendatalab":
            return f"OpenDataLab {self.location}"
        return f"mirror {self.location}" if self.kind == "url" else f"folder {self.location}"


@dataclass
class PublishedChecksums:
    """``SHA256SUMS`` files found next to the zips, read once per folder/URL."""

    _cache: dict[str, dict[str, str]] = field(default_factory=dict)

    def lookup(self, location: str, kind: str) -> str | None:
        """The published sha256 of the zip at ``location`` (a path or URL), if a ``SHA256SUMS`` beside it says."""
        sep = "/" if kind == "url" else os.sep
        base, _, name = location.rpartition(sep)
        if base not in self._cache:
            self._cache[base] = _parse_sums(_read_sums(base + sep + CHECKSUMS, kind))
        return self._cache[base].get(name)


def _read_sums(where: str, kind: str) -> str:
    if kind == "folder":
        try:
            return Path(where).read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""
    try:
        with urllib.request.urlopen(urllib.request.Request(where, headers={"User-Agent": transfer.USER_AGENT}),
                                    timeout=30) as response:
            return response.read(1 << 20).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code in (403, 404, 410):
            return ""
        raise FetchError(f"{where}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise FetchError(f"cannot reach {where}: {exc.reason}") from None


def _parse_sums(text: str) -> dict[str, str]:
    sums = {}
    for line in text.splitlines():
        match = _SUM_LINE.fullmatch(line.strip())
        if match:
            sums[match.group(2).strip().rpartition("/")[2]] = match.group(1).lower()
    return sums


@dataclass(frozen=True)
class _Zip:
    path: Path
    digest: Digest
    source: dict[str, Any]
    detail: str
    partial: Path | None = None
    stored: bool = False
    published: str | None = None


def fetch_archive(entry: CatalogEntry, source: ArchiveSource, root: Path, manifest: Manifest, *,
                  unpack_it: bool = True, force: bool = False, progress: Progress = SILENT,
                  checksums: PublishedChecksums | None = None, retry_wait: float = 1.0,
                  opendatalab: OpenDataLab | None = None, max_unpacked_bytes: int | None = None,
                  max_ratio: float | None = None) -> Outcome:
    """Bring one archive into ``root`` (unpacked, or stored with ``unpack_it=False``) and record it.

    ``opendatalab``: the session that downloads from OpenDataLab (required when ``source.kind`` is
    ``opendatalab``; the archive must have been located with it). ``max_unpacked_bytes`` / ``max_ratio`` raise
    the zip-bomb caps of :func:`~lamm_data.fetch.unpack.unpack` (default: the documented size + 10%, or twice
    the archive's size; :data:`~lamm_data.fetch.unpack.MAX_RATIO`).

    Raises:
        RemoteNotFoundError / ArchiveSourceError: the zip is not at the source.
        ChecksumError: it does not match its published sha256 (a downloaded copy is deleted).
        UnsafeArchiveError: it is truncated, corrupt or unsafe (a downloaded copy is deleted).
        FetchError: the target folder exists and was not unpacked by fetch (pass ``force``).
    """
    rel_zip, folder = entry.relpath, f"{entry.group}/{entry.name}"
    record = manifest.archives.get(rel_zip)
    if record is not None and not force and _done(manifest, rel_zip, folder, unpack_it):
        return Outcome(rel_zip, "archive", "skipped", record.size, record.sha256, _show(record.source),
                       f"{record.members} files" if unpack_it else "")
    target = root / folder
    if unpack_it and target.exists() and not (record and record.folder == folder) and not force:
        raise FetchError(f"{target} exists but was not unpacked by lamm-data fetch; move it away, or pass --force "
                         "to replace it")
    got = _obtain(entry, source, root, manifest, progress, retry_wait, force, opendatalab)
    if got.stored or source.kind == "opendatalab":
        published = got.published
    else:
        published = (checksums or PublishedChecksums()).lookup(str(got.source.get("url") or got.source.get("path")),
                                                               source.kind)
    if published and published != got.digest.sha256:
        _discard(got)
        says = "OpenDataLab lists" if source.kind == "opendatalab" else f"its {CHECKSUMS} says"
        raise ChecksumError(f"{entry.filename} from {source.describe()}: sha256 {got.digest.sha256[:16]}…, {says} "
                            f"{published[:16]}…; " + ("the download was discarded, run again"
                                                      if got.partial else "replace the file"))
    checksum = record.checksum if got.stored and record else "published" if published else "computed"
    arch = ArchiveRecord(got.digest.size, got.digest.sha256, utc_now(), got.source, checksum)
    if not unpack_it:
        _store(got, root / rel_zip)
        manifest.add_file(rel_zip, got.digest, got.source)
        arch.kept = True
        manifest.archives[rel_zip] = arch
        manifest.save()
        return Outcome(rel_zip, "archive", "kept", arch.size, arch.sha256, _show(got.source), got.detail)
    try:
        cap = max_unpacked_bytes or default_max_bytes(entry.documented_size, got.digest.size)
        members = unpack(got.path, root / entry.group, entry.name, progress=progress, name=entry.filename,
                         max_bytes=cap, max_ratio=max_ratio or MAX_RATIO)
    except UnsafeArchiveError:
        _discard(got)
        raise
    manifest.drop_folder(folder)
    for member in members:
        manifest.add_file(f"{entry.group}/{member.relpath}", member.digest, {"type": "archive", "archive": rel_zip})
    arch.folder, arch.members, arch.kept = folder, len(members), got.path == root / rel_zip
    manifest.archives[rel_zip] = arch
    manifest.save()
    _discard(got)
    detail = ", ".join(d for d in (got.detail, f"{len(members)} files") if d)
    return Outcome(rel_zip, "archive", "unpacked", arch.size, arch.sha256, _show(got.source), detail)


def needs_transfer(entry: CatalogEntry, manifest: Manifest, unpack_it: bool, force: bool) -> bool:
    """True when :func:`fetch_archive` would have to get the zip from its source (not done, no stored copy)."""
    if force:
        return True
    return not (_done(manifest, entry.relpath, f"{entry.group}/{entry.name}", unpack_it)
                or manifest.intact(entry.relpath))


def _done(manifest: Manifest, rel_zip: str, folder: str, unpack_it: bool) -> bool:
    record = manifest.archives.get(rel_zip)
    if record is None:
        return False
    if not unpack_it:
        return record.kept and manifest.intact(rel_zip)
    if record.folder != folder:
        return False
    members = [k for k in manifest.files if k.startswith(folder + "/")]
    return len(members) == record.members and all(manifest.intact(k) for k in members)


def _obtain(entry: CatalogEntry, source: ArchiveSource, root: Path, manifest: Manifest, progress: Progress,
            retry_wait: float, force: bool, opendatalab: OpenDataLab | None = None) -> _Zip:
    """The zip to unpack or store: a verified copy already under the root, the folder's file, or a download."""
    kept = root / entry.relpath
    if not force and manifest.intact(entry.relpath):
        rec = manifest.files[entry.relpath]
        return _Zip(kept, Digest(rec.size, rec.sha256), rec.source, "stored copy", stored=True)
    if source.kind == "opendatalab":
        if opendatalab is None:
            raise ValueError("an OpenDataLab source needs its session (opendatalab=...)")
        path, remote, retries = opendatalab.download(entry, progress)
        try:
            digest = _hash(path, progress, entry.filename)
        except BaseException:
            opendatalab.discard(path)
            raise
        detail = f"after {retries} cut transfer{'s' if retries > 1 else ''}" if retries else ""
        return _Zip(path, digest, {"type": "opendatalab", "repo": opendatalab.repo, "path": remote.path}, detail,
                    path, published=remote.sha256 or None)
    if source.kind == "folder":
        path = next((Path(c) for c in source.candidates(entry) if Path(c).is_file()), None)
        if path is None:
            raise ArchiveSourceError(f"{entry.filename} is not in {source.location} (looked for "
                                     f"{entry.group}/{entry.filename} and {entry.filename}); get it from "
                                     f"{ARCHIVE_HOME}/{entry.group}")
        digest = _hash(path, progress, entry.filename)
        return _Zip(path, digest, {"type": "folder", "folder": source.location, "path": str(path)}, "")
    partial = root / STATE_DIR / "partial" / entry.group / (entry.filename + ".partial")
    if force:
        partial.unlink(missing_ok=True)
    tried = []
    for url in source.candidates(entry):
        try:
            result = transfer.download(url, partial, progress=progress, label=entry.filename, retry_wait=retry_wait)
        except RemoteNotFoundError:
            tried.append(url)
            continue
        digest = _hash(partial, progress, entry.filename)
        if digest.size != result.size:
            _discard(_Zip(partial, digest, {}, "", partial))
            raise ChecksumError(f"{url}: {digest.size} bytes on disk, the mirror announced {result.size}; the "
                                "download was discarded, run again")
        detail = f"resumed from {result.resumed_from:,} bytes" if result.resumed_from else ""
        return _Zip(partial, digest, {"type": "url", "url": url}, detail, partial)
    raise RemoteNotFoundError(f"{entry.filename} is not on the {source.describe()} (HTTP 404 for "
                              f"{' and '.join(tried)}); get it from {ARCHIVE_HOME}/{entry.group}")


def _hash(path: Path, progress: Progress, name: str) -> Digest:
    task = progress.start(f"sha256 {name}", path.stat().st_size)
    try:
        return hash_file(path, on_bytes=lambda n: progress.advance(task, n))
    finally:
        progress.finish(task)


def _store(got: _Zip, dest: Path) -> None:
    """Put the verified zip at ``dest``: rename a download, copy (re-hashed) a file from a local folder."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if got.path == dest:
        return
    if got.partial is not None:
        os.replace(got.partial, dest)
        transfer.sidecar(got.partial).unlink(missing_ok=True)
        return
    tmp = temp_path(dest)
    try:
        hasher = Hasher()
        with open(got.path, "rb") as src, open(tmp, "wb") as dst:
            while chunk := src.read(CHUNK):
                dst.write(chunk)
                hasher.update(chunk)
        if hasher.digest().sha256 != got.digest.sha256:
            raise ChecksumError(f"{got.path} changed while it was copied to {dest}; run again")
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _discard(got: _Zip) -> None:
    """Delete a downloaded partial zip and its sidecar (never a user's file)."""
    if got.partial is not None:
        got.partial.unlink(missing_ok=True)
        transfer.sidecar(got.partial).unlink(missing_ok=True)


def _show(source: dict[str, Any]) -> str:
    if source.get("type") == "opendatalab":
        return f"OpenDataLab {source.get('repo')}:{source.get('path')}"
    return str(source.get("url") or source.get("path") or source.get("type", "?"))
