"""``lamm-data fetch``: bring one group's meta files (hub) and archives (OpenDataLab, mirror or folder) into a
LAMM root.

Order: choose the files, refuse early when archives are wanted without a usable source (no source, or
OpenDataLab without its SDK or credentials), take the root's lock, log in to OpenDataLab and list the
archives still to fetch, fetch meta files (skipping verified ones), fetch and unpack archives, then check
that every media file the group's meta files reference exists. Every placed file is recorded in
``ROOT/.lamm/manifest.json`` as soon
as it is in place, so an interrupted run loses at most the file in flight (and archive downloads resume).
"""

from __future__ import annotations

import errno
import os
import shlex
import shutil
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

from lamm_data import catalog
from lamm_data.atomic import remove_leftovers, temp_path
from lamm_data.catalog import DEFAULT_REPO, CatalogEntry
from lamm_data.errors import LammError
from lamm_data.fetch import hub, opendatalab
from lamm_data.fetch.archives import (
    ArchiveSource,
    PublishedChecksums,
    fetch_archive,
    needs_transfer,
    no_source_message,
)
from lamm_data.fetch.errors import (
    ArchiveSourceError,
    DiskFullError,
    FetchError,
    OfflineError,
    RootBusyError,
    RootPermissionError,
    SelectionError,
)
from lamm_data.fetch.manifest import STATE_DIR, Manifest
from lamm_data.fetch.progress import SILENT, Progress
from lamm_data.fetch.report import FetchReport, Outcome
from lamm_data.hashing import hash_file
from lamm_data.metafile import Problem, validate_meta
from lamm_data.schemas import media_field


def select(group: str, names: Sequence[str], repo: str, meta_only: bool
           ) -> tuple[list[CatalogEntry], list[CatalogEntry], list[str]]:
    """The meta files and archives to fetch, and notes about files left out.

    Without ``names``: every meta file of the group that ``repo`` publishes, and every archive (unless
    ``meta_only``). With ``names`` (any catalog name or alias): exactly those.

    Raises:
        UnknownNameError: an unknown group or name.
        SelectionError: a name of another group, or an archive named together with ``meta_only``.
    """
    group_entries = list(catalog.entries(group))
    notes: list[str] = []
    if names:
        chosen = list(dict.fromkeys(catalog.resolve(n) for n in names))
        for e in chosen:
            if e.group != group:
                raise SelectionError(f"{e.name} belongs to {e.group}, not {group}; run: lamm-data fetch {e.group} "
                                     f"{shlex.quote(e.name)}")
            if meta_only and e.kind == "archive":
                raise SelectionError(f"{e.name} is an archive but --meta-only was given")
    else:
        chosen = [e for e in group_entries if e.kind == "meta" and hub.in_repo(e, repo)]
        notes += [f"{e.name} is not published in {repo}; get it with --repo {e.hub[0].repo_id}"
                  for e in group_entries if e.kind == "meta" and not hub.in_repo(e, repo)]
        if not meta_only:
            chosen += [e for e in group_entries if e.kind == "archive"]
    return [e for e in chosen if e.kind == "meta"], [e for e in chosen if e.kind == "archive"], notes


def fetch(group: str, names: Sequence[str] = (), *, root: str | os.PathLike[str], repo: str = DEFAULT_REPO,
          revision: str | None = None, meta_only: bool = False, archives_from: str | None = None,
          unpack: bool = True, force: bool = False, progress: Progress = SILENT,
          retry_wait: float = 1.0, max_unpacked_bytes: int | None = None, max_ratio: float | None = None
          ) -> FetchReport:
    """Fetch a group (or the named files of it) into ``root`` and return what was done.

    ``archives_from``: a folder, a mirror URL or ``opendatalab``; by default ``opendatalab`` when the
    ``openxlab`` SDK is installed and OpenDataLab credentials exist (:func:`default_source`).
    ``max_unpacked_bytes`` / ``max_ratio``: raise the zip-bomb caps of each archive (see
    :func:`lamm_data.fetch.archives.fetch_archive`).

    Raises:
        LammError subclasses with one-line messages: see :mod:`lamm_data.fetch.errors`.
    """
    metas, archives, notes = select(group, names, repo, meta_only)
    archives_from = archives_from or (default_source() if archives else None)
    source = ArchiveSource.parse(archives_from) if archives_from else None
    if archives and source is None:
        raise ArchiveSourceError(no_source_message(group, archives))
    if archives and source is not None and source.kind == "opendatalab":
        opendatalab.check_ready(group)
    root = Path(root).expanduser()
    report = FetchReport(root, group, notes=notes)
    with os_errors(root), root_lock(root), ExitStack() as stack:
        for folder in (root / STATE_DIR, root / STATE_DIR / "tmp", root / group, root / group / "meta_file"):
            remove_leftovers(folder)
        manifest = Manifest.load(root)
        session = None
        if archives and source is not None and source.kind == "opendatalab":
            session = stack.enter_context(opendatalab.OpenDataLab(root, group, source.location, retry_wait))
            session.locate([e for e in archives if needs_transfer(e, manifest, unpack, force)])
        if metas:
            report.outcomes += fetch_meta(metas, root, manifest, repo, revision, force=force, progress=progress)
        checksums = PublishedChecksums()
        for entry in archives if source is not None else ():
            report.outcomes.append(fetch_archive(entry, source, root, manifest, unpack_it=unpack, force=force,
                                                 progress=progress, checksums=checksums, retry_wait=retry_wait,
                                                 opendatalab=session, max_unpacked_bytes=max_unpacked_bytes,
                                                 max_ratio=max_ratio))
        if archives and unpack:
            report.media, report.media_checked = media_problems(root, group), True
    return report


def default_source() -> str | None:
    """``opendatalab`` when the ``openxlab`` SDK is installed and credentials exist, else None."""
    if opendatalab.sdk_installed() and opendatalab.credentials() is not None:
        return opendatalab.SOURCE
    return None


def fetch_meta(metas: Sequence[CatalogEntry], root: Path, manifest: Manifest, repo: str, revision: str | None, *,
               force: bool = False, progress: Progress = SILENT) -> list[Outcome]:
    """Fetch meta files from the hub (or, offline, check they are already in place)."""
    settings = hub.hub_settings()
    if settings.offline:
        return offline_meta(metas, root, manifest, repo)
    snap = hub.snapshot(metas, repo, revision, settings)
    staging = temp_path(root / STATE_DIR / "tmp" / "hub")
    outcomes = []
    try:
        for entry in metas:
            remote, rel = snap.files[entry.name], entry.relpath
            shown = f"{snap.repo}@{snap.commit[:8]}" + ("" if remote.path == rel else f" ({remote.path})")
            action = ""
            if not force and _current(manifest, rel, remote):
                action = "skipped"
            elif not force and _adopt(manifest, rel, remote, snap):
                action = "adopted"
            if action:
                rec = manifest.files[rel]
                outcomes.append(Outcome(rel, "meta", action, rec.size, rec.sha256, shown))
                continue
            _check_space(root, remote.size, rel)
            path = hub.download(snap, remote, staging, settings, progress)
            digest = hub.verify_download(path, remote, snap)
            dest = root / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, dest)
            manifest.add_file(rel, digest, {**snap.source(remote), "oid": remote.git_oid})
            manifest.save()
            outcomes.append(Outcome(rel, "meta", "downloaded", digest.size, digest.sha256, shown))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        with suppress(OSError):
            staging.parent.rmdir()  # only if empty
    return outcomes


def _current(manifest: Manifest, rel: str, remote: hub.RemoteFile) -> bool:
    """The file is recorded, unchanged on disk, and has the content the hub lists now."""
    rec = manifest.files.get(rel)
    if rec is None or not manifest.intact(rel) or rec.size != remote.size:
        return False
    return rec.sha256 == remote.sha256 if remote.sha256 else rec.source.get("oid") == remote.git_oid


def _adopt(manifest: Manifest, rel: str, remote: hub.RemoteFile, snap: hub.HubSnapshot) -> bool:
    """Record a file already in place (unrecorded or touched) if its content is the hub's; no download."""
    path = manifest.root / rel
    if not path.is_file() or path.stat().st_size != remote.size:
        return False
    digest = hash_file(path, git=remote.sha256 is None)
    same = digest.sha256 == remote.sha256 if remote.sha256 else digest.git_sha1 == remote.git_oid
    if not same:
        return False
    manifest.add_file(rel, digest, {**snap.source(remote), "oid": remote.git_oid})
    manifest.save()
    return True


def offline_meta(metas: Sequence[CatalogEntry], root: Path, manifest: Manifest, repo: str) -> list[Outcome]:
    """Offline: accept meta files already in place and verified; name the others and the command to get them.

    Raises:
        OfflineError: some files are missing or cannot be verified without the hub.
    """
    outcomes, missing = [], []
    for entry in metas:
        rel, rec = entry.relpath, manifest.files.get(entry.relpath)
        if rec is not None and (manifest.intact(rel) or _rehash_matches(manifest, rel)):
            outcomes.append(Outcome(rel, "meta", "skipped", rec.size, rec.sha256, "offline: already verified"))
        else:
            missing.append(entry)
    if missing:
        names = " ".join(shlex.quote(e.name) for e in missing)
        group = missing[0].group
        repo_opt = "" if repo == DEFAULT_REPO else f" --repo {shlex.quote(repo)}"
        raise OfflineError(f"HF_HUB_OFFLINE is set and {len(missing)} meta file(s) are not verified under {root}: "
                           f"{', '.join(e.relpath for e in missing)}. Get them when online (HF_HUB_OFFLINE unset) "
                           f"with: lamm-data fetch {group} {names} --meta-only --root {shlex.quote(str(root))}"
                           f"{repo_opt}")
    return outcomes


def _rehash_matches(manifest: Manifest, rel: str) -> bool:
    path = manifest.root / rel
    if not path.is_file():
        return False
    rec = manifest.files[rel]
    digest = hash_file(path)
    if (digest.size, digest.sha256) != (rec.size, rec.sha256):
        return False
    manifest.add_file(rel, digest, rec.source)
    manifest.save()
    return True


def _check_space(root: Path, size: int, rel: str) -> None:
    free = shutil.disk_usage(root).free
    if size > free:
        raise DiskFullError(f"no room for {rel}: it needs {size:,} bytes and {root} has {free:,} free")


def media_problems(root: Path, group: str) -> list[Problem]:
    """Media problems of the group's meta files under ``root``: missing files (errors) and absent folders (warnings)."""
    problems: list[Problem] = []
    for entry in catalog.entries(group, "meta"):
        path = root / entry.relpath
        if path.is_file():
            report, _ = validate_meta(path, entry.name, check_media=True, keep_records=False)
            key = media_field(entry.record_model)
            problems += [p for p in report.problems if p.field == key]
    return problems


@contextmanager
def root_lock(root: Path) -> Iterator[None]:
    """Hold ``ROOT/.lamm/lock`` so two fetches never write the same root at once.

    Raises:
        RootBusyError: another process holds the lock.
    """
    from filelock import FileLock, Timeout

    (root / STATE_DIR).mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(root / STATE_DIR / "lock"), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise RootBusyError(f"another lamm-data fetch is writing {root} (lock {root / STATE_DIR / 'lock'}); "
                            "wait for it to finish") from None
    try:
        yield
    finally:
        lock.release()


@contextmanager
def os_errors(root: Path) -> Iterator[None]:
    """Map file-system errors to one-line messages: a full disk, permission problems, anything else
    (toolkit errors pass through unchanged)."""
    try:
        yield
    except LammError:
        raise
    except OSError as exc:
        where = exc.filename or root
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFullError(f"no space left on the device while writing {where}; free some space (or pick "
                                "another --root) and run the command again: finished files are kept") from None
        if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise RootPermissionError(f"permission denied: {where} ({exc.strerror or exc}); pick a writable --root "
                                      "or fix the permissions") from None
        raise FetchError(f"cannot use {where}: {exc.strerror or exc}") from None
