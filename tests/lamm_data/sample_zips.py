"""Zips for the fetch tests, built from the embedded sample's media folders (and hostile variants)."""

from __future__ import annotations

import stat
import warnings
import zipfile
from pathlib import Path

from lamm_data import catalog
from lamm_data.catalog import CatalogEntry
from lamm_data.sample import sample_source


def sample_archives(group: str | None = None) -> list[CatalogEntry]:
    """Archive entries whose media folder the sample has."""
    return [e for e in catalog.entries(group, "archive") if (sample_source() / e.group / e.name).is_dir()]


def zip_media(entry: CatalogEntry, dest: Path, *, flat: bool = False, drop: str | None = None) -> Path:
    """Zip the sample's ``GROUP/<name>/`` folder as ``<name>/<file>`` entries (``flat``: ``<file>``).

    ``drop``: leave out the file of that name (to test the media check).
    """
    folder = sample_source() / entry.group / entry.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        if not flat:
            zf.writestr(zipfile.ZipInfo(f"{entry.name}/"), b"")
        for file in sorted(folder.iterdir()):
            if file.name != drop:
                zf.write(file, file.name if flat else f"{entry.name}/{file.name}")
    return dest


def build_mirror(dest: Path, *, grouped: bool = True, group: str | None = None) -> dict[str, Path]:
    """A mirror folder holding every sample archive (``GROUP/<name>.zip`` if ``grouped``, else ``<name>.zip``)."""
    return {e.name: zip_media(e, dest / e.group / e.filename if grouped else dest / e.filename)
            for e in sample_archives(group)}


def hostile_zip(dest: Path, kind: str, folder: str = "lsp_images") -> Path:
    """A zip that must be rejected: ``kind`` names the attack or the damage."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    good = f"{folder}/ok.jpg"
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(good, b"fine")
        if kind == "zip-slip":
            zf.writestr(f"{folder}/../../evil.txt", b"escaped")
        elif kind == "parent":
            zf.writestr("../evil.txt", b"escaped")
        elif kind == "absolute":
            zf.writestr("/tmp/lamm-evil.txt", b"escaped")
        elif kind == "drive":
            zf.writestr("C:/evil.txt", b"escaped")
        elif kind == "backslash":
            zf.writestr(f"{folder}\\..\\..\\evil.txt", b"escaped")
        elif kind in ("symlink", "device"):
            info = zipfile.ZipInfo(f"{folder}/link.jpg")
            mode = stat.S_IFLNK | 0o777 if kind == "symlink" else stat.S_IFCHR | 0o644
            info.external_attr = mode << 16
            info.create_system = 3
            zf.writestr(info, "/etc/passwd")
        elif kind == "duplicate":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # zipfile warns about the duplicate name
                zf.writestr(good, b"again")
        elif kind == "encrypted":
            zf.writestr(f"{folder}/secret.jpg", b"not really encrypted")  # flag set below
        elif kind not in ("truncated", "corrupt"):
            raise ValueError(kind)
    data = dest.read_bytes()
    if kind == "encrypted":  # zipfile cannot write encrypted entries: set the flag bit in the central directory
        name = f"{folder}/secret.jpg".encode()
        at = data.rindex(name) - 46  # its central directory record: 46 fixed bytes, then the name
        assert data[at:at + 4] == b"PK\x01\x02"
        patched = bytearray(data)
        patched[at + 8] |= 0x1
        dest.write_bytes(bytes(patched))
    elif kind == "truncated":
        dest.write_bytes(data[: len(data) // 2])
    elif kind == "corrupt":  # damage the compressed bytes of the first entry (its CRC no longer matches)
        with zipfile.ZipFile(dest) as zf:
            info = zf.getinfo(good)
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        damaged = bytearray(data)
        for i in range(start, start + info.compress_size):
            damaged[i] ^= 0x55
        dest.write_bytes(bytes(damaged))
    return dest


HOSTILE = ["zip-slip", "parent", "absolute", "drive", "backslash", "symlink", "device", "duplicate", "encrypted",
           "truncated", "corrupt"]
