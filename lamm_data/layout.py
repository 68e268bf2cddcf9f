"""Where things live under a LAMM root: ``ROOT/GROUP/meta_file/<name>.json`` and ``ROOT/GROUP/<folder>/``.

A LAMM root holds the four group folders (``2D_Instruct``, ``2D_Benchmark``, ``3D_Instruct``,
``3D_Benchmark``); each has a ``meta_file/`` folder and the unpacked media folders the records'
relative paths point into.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from lamm_data.catalog import GROUPS, CatalogEntry, resolve
from lamm_data.errors import MissingDataError, NotAMetaFileError

ROOT_ENV = "LAMM_DATA_ROOT"


def default_root() -> Path:
    """``$LAMM_DATA_ROOT`` if set, else ``$XDG_CACHE_HOME/lamm`` (``~/.cache/lamm``). Read on every call."""
    env = os.environ.get(ROOT_ENV)
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "lamm"


def find_meta(root: str | os.PathLike[str], name: str | CatalogEntry) -> Path:
    """Path of a meta file under ``root``, accepting the names other copies use (``Keypoints_Dectection_LSP``).

    Raises:
        MissingDataError: the file is not there; the message names the command that fetches it.
        NotAMetaFileError: ``name`` is an archive.
    """
    entry = name if isinstance(name, CatalogEntry) else resolve(name)
    if entry.kind != "meta":
        raise NotAMetaFileError(f"{entry.name} is an archive, not a meta file; its files unpack to "
                                f"{Path(root) / entry.group / entry.name}")
    folder = Path(root) / entry.group / "meta_file"
    candidates = [entry.filename] + [Path(h.path).name for h in entry.hub]
    candidates += [f"{alias}.json" for alias in entry.aliases]
    for candidate in dict.fromkeys(candidates):
        if (folder / candidate).is_file():
            return folder / candidate
    raise MissingDataError(
        f"{entry.name} is not under {root}: expected {folder / entry.filename}. "
        f"Get it with: lamm-data fetch {entry.group} {shlex.quote(entry.name)} --root {shlex.quote(str(root))}"
    )


def discover_meta_files(path: str | os.PathLike[str]) -> list[Path]:
    """Meta files under ``path``: a meta file itself, a split folder (``GROUP/``) or a LAMM root.

    Raises:
        FileNotFoundError: ``path`` does not exist or holds no meta file.
    """
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such file or folder")
    if path.name == "meta_file":
        folders = [path]
    elif (path / "meta_file").is_dir():
        folders = [path / "meta_file"]
    else:
        folders = [path / g / "meta_file" for g in GROUPS if (path / g / "meta_file").is_dir()]
    found = sorted(f for folder in folders for f in folder.iterdir() if f.suffix == ".json" and f.is_file())
    if not found:
        raise FileNotFoundError(
            f"{path}: no meta files found; expected a meta file, a split folder holding meta_file/, "
            f"or a LAMM root holding {', '.join(GROUPS)}"
        )
    return found
