"""Safe, atomic unpacking of one LAMM zip into its group folder (``ROOT/GROUP/<name>/``).

Every entry is checked before anything is written: absolute paths, drive letters, ``..`` components,
links (and any entry that is not a plain file or folder) and encrypted entries are rejected, as is a zip
that is truncated or corrupt (bad central directory, CRC or deflate stream). Files are written to a hidden
temporary folder beside the target while their sha256 is computed; only when every entry is complete is
the folder renamed into place (replacing the previous copy in one rename).

Zip bombs: the total unpacked size of an archive is capped (default: its documented size + 10%, or twice
the archive's size when none is documented), and so is each entry's compression ratio (:data:`MAX_RATIO`);
an entry is never read past the size its header declares (zipfile stops there; the CRC check then fails).
Exceeding a cap is
an :class:`UnsafeArchiveError` that leaves nothing behind; both caps can be raised (``max_bytes``,
``max_ratio``).

Layout: LAMM meta files reference ``<name>/<file>`` relative to the group folder, so a zip whose entries
all start with ``<name>/`` is unpacked as is; any other zip (e.g. a flat list of images) is unpacked
*into* ``<name>/``.
"""

from __future__ import annotations

import re
import shutil
import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lamm_data.atomic import replace_folder, temp_path
from lamm_data.fetch.errors import DiskFullError, UnsafeArchiveError
from lamm_data.fetch.progress import SILENT, Progress
from lamm_data.hashing import CHUNK, Digest, Hasher

_FILE_TYPES = (0, stat.S_IFREG, stat.S_IFDIR)
MAX_RATIO = 200.0
"""Largest uncompressed/compressed size ratio accepted for one entry (images barely compress; JSON ~10x)."""
_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "KIB": 2**10, "MIB": 2**20,
          "GIB": 2**30, "TIB": 2**40}


def documented_bytes(size: str | None) -> int | None:
    """The largest size in a documented size text (``"7.8 GB [8.5 GB]"`` -> 8.5e9), or ``None``."""
    found = [float(n) * _UNITS[u.upper()] for n, u in re.findall(r"(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?", size or "",
                                                              flags=re.IGNORECASE) if u.upper() in _UNITS]
    return int(max(found)) if found else None


def default_max_bytes(documented: str | None, archive_bytes: int) -> int:
    """The default cap on an archive's unpacked size: documented size + 10%, else twice the archive's size."""
    known = documented_bytes(documented)
    return int(known * 1.1) if known else 2 * archive_bytes


@dataclass(frozen=True)
class Member:
    """One unpacked file: path relative to the group folder (``lsp_images/im0001.jpg``) and its digest."""

    relpath: str
    digest: Digest


def member_path(info: zipfile.ZipInfo, archive: str) -> PurePosixPath:
    """The entry's path, checked to stay inside the target folder and to be a plain file or folder.

    Raises:
        UnsafeArchiveError: absolute path, drive letter, ``..``, empty or NUL name, link, device, encrypted.
    """
    name = info.filename

    def reject(why: str) -> UnsafeArchiveError:
        return UnsafeArchiveError(f"{archive}: entry {name!r} {why}; the archive was rejected and nothing was "
                                  "unpacked")

    if "\0" in name or not name.strip("/"):
        raise reject("has an empty or NUL-containing name")
    posix = name.replace("\\", "/")
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":"):
        raise reject("has an absolute path")
    parts = [p for p in posix.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise reject("climbs out of the target folder with '..'")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise reject("is a symbolic link")
    if stat.S_IFMT(mode) not in _FILE_TYPES:
        raise reject(f"is not a regular file or folder (mode {oct(stat.S_IFMT(mode))})")
    if info.flag_bits & 0x1:
        raise reject("is encrypted")
    return PurePosixPath(*parts)


def plan(zf: zipfile.ZipFile, folder: str, archive: str) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    """Checked (entry, path under the group folder) pairs, in archive order.

    Raises:
        UnsafeArchiveError: an unsafe entry, two entries with the same path, or a file where a folder is.
    """
    checked = [(info, member_path(info, archive)) for info in zf.infolist()]
    nested = all(p.parts[0] == folder and (len(p.parts) > 1 or i.is_dir()) for i, p in checked)
    pairs = [(i, p if nested else PurePosixPath(folder, p)) for i, p in checked]
    files = {str(p) for i, p in pairs if not i.is_dir()}
    seen: set[str] = set()
    for info, path in pairs:
        key = str(path)
        if not info.is_dir() and key in seen:
            raise UnsafeArchiveError(f"{archive}: entry {info.filename!r} appears twice; the archive was rejected")
        if any(str(parent) in files for parent in path.parents):
            raise UnsafeArchiveError(f"{archive}: entry {info.filename!r} lies below a file of the same archive; "
                                     "the archive was rejected")
        seen.add(key)
    return pairs


def unpack(archive: Path, group_dir: Path, folder: str, *, progress: Progress = SILENT,
           free_bytes: Callable[[Path], int] | None = None, name: str | None = None, max_bytes: int | None = None,
           max_ratio: float = MAX_RATIO) -> list[Member]:
    """Unpack ``archive`` so that ``group_dir/folder`` holds its files; return every file written.

    ``group_dir/folder`` is replaced as a whole (the caller decides whether that is allowed). Nothing is
    left behind on failure. ``name``: the archive's name in messages (default: the file's name).
    ``max_bytes``: cap on the total unpacked size (default: twice the archive's size); ``max_ratio``: cap on
    each entry's compression ratio.

    Raises:
        UnsafeArchiveError: the zip is truncated, corrupt or unsafe (see :func:`member_path`), or exceeds a cap.
        DiskFullError: the unpacked size exceeds the free space.
    """
    name = name or archive.name
    label = f"{name}: not a complete zip file (truncated or corrupt"
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise UnsafeArchiveError(f"{label}: {exc}); it was rejected and nothing was unpacked") from None
    with zf:
        pairs = plan(zf, folder, name)
        need = sum(i.file_size for i, _ in pairs)
        cap = max_bytes if max_bytes is not None else 2 * archive.stat().st_size
        if need > cap:
            raise UnsafeArchiveError(f"{name}: unpacks to {need:,} bytes, more than the cap of {cap:,} (its documented "
                                     "size + 10%, or twice the archive's size); a zip bomb? It was rejected and "
                                     "nothing was unpacked (raise the cap with --max-unpacked-bytes if it is right)")
        for info, _ in pairs:
            if info.file_size and info.file_size > max_ratio * max(info.compress_size, 1):
                raise UnsafeArchiveError(f"{name}: entry {info.filename!r} expands {info.compress_size:,} bytes to "
                                         f"{info.file_size:,} (more than {max_ratio:g}x); a zip bomb? It was rejected "
                                         "and nothing was unpacked (raise the cap with --max-ratio if it is right)")
        group_dir.mkdir(parents=True, exist_ok=True)
        free = (free_bytes or (lambda p: shutil.disk_usage(p).free))(group_dir)
        if need > free:
            raise DiskFullError(f"unpacking {name} needs {need:,} bytes but {group_dir} has {free:,} free")
        work = temp_path(group_dir / folder, "unpack")
        task = progress.start(f"unpack {name}", need)
        try:
            work.mkdir(parents=True)
            members = [_extract(zf, info, work / path, str(path), progress, task, label)
                       for info, path in pairs]
            (work / folder).mkdir(exist_ok=True)
            replace_folder(work / folder, group_dir / folder)
        finally:
            progress.finish(task)
            shutil.rmtree(work, ignore_errors=True)
    return [m for m in members if m is not None]


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, relpath: str, progress: Progress,
             task: int, label: str) -> Member | None:
    if info.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    hasher = Hasher()
    try:
        with zf.open(info) as src, open(target, "wb") as dst:
            while chunk := src.read(CHUNK):  # zipfile stops at the size the header declares
                dst.write(chunk)
                hasher.update(chunk)
                progress.advance(task, len(chunk))
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise UnsafeArchiveError(f"{label}: entry {info.filename!r}: {exc}); it was rejected and nothing was "
                                 "unpacked") from None
    digest = hasher.digest()
    if digest.size != info.file_size:
        raise UnsafeArchiveError(f"{label}: entry {info.filename!r} holds {digest.size} bytes, its header says "
                                 f"{info.file_size}); it was rejected and nothing was unpacked")
    return Member(relpath, digest)
