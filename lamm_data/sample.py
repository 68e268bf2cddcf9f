"""The embedded LAMM sample: a few items of every benchmark file, one small instruction file per
instruct group, small real images and ``.npy`` point clouds, and a baseline answers file.

``write_sample(dest)`` copies it out as a LAMM root with the release's layout, with a marker file
(:data:`MARKER`) saying that the folder is a sample: ``overwrite=True`` (``lamm-data sample --force``)
replaces only a folder that holds that marker, never one holding anything else.
"""

from __future__ import annotations

import json
import os
import shutil
from importlib import resources
from pathlib import Path

from lamm_data._version import __version__
from lamm_data.atomic import replace_folder, temp_dir

BASELINE_ANSWERS = "answers/baseline.jsonl"
"""Path of the baseline predictions file inside a written sample root."""
MARKER = ".lamm-sample.json"
"""Marker file at the top of a written sample root: ``{"written_by": "lamm-data sample", "version": ...}``."""
_LEGACY_HEADING = "# LAMM sample\n"


def sample_source() -> Path:
    """Folder of the sample inside the installed package (read-only; copy it with :func:`write_sample`)."""
    return Path(str(resources.files("lamm_data") / "sample_data"))


def is_sample(folder: str | os.PathLike[str]) -> bool:
    """Whether ``folder`` is a sample root written by :func:`write_sample` (it holds :data:`MARKER`; a root
    written before the marker existed is recognised by its ``SAMPLE.md`` and baseline answers)."""
    folder = Path(folder)
    marker = folder / MARKER
    if marker.is_file() and not marker.is_symlink():
        try:
            return json.loads(marker.read_text(encoding="utf-8")).get("written_by") == "lamm-data sample"
        except (OSError, ValueError, AttributeError):
            return False
    try:
        with open(folder / "SAMPLE.md", encoding="utf-8") as f:
            legacy = f.readline() == _LEGACY_HEADING
    except (OSError, ValueError):
        return False
    return legacy and (folder / BASELINE_ANSWERS).is_file()


def write_sample(dest: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write the sample as a LAMM root at ``dest`` and return ``dest``.

    The copy is made in a temporary folder beside ``dest`` and renamed into place (an older ``dest`` is
    renamed aside first and deleted last), so an interrupted call leaves no half-written root.
    ``overwrite`` replaces a previous sample (a folder holding :data:`MARKER`, with whatever was added to
    it since); any other non-empty folder is refused.

    Raises:
        FileExistsError: ``dest`` is a file, or a non-empty folder while ``overwrite`` is false, or a non-empty
            folder that is not a previous sample.
    """
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise FileExistsError(f"{dest} is a file, not a folder; pick another folder")
    if dest.exists() and any(dest.iterdir()):
        if not is_sample(dest):
            raise FileExistsError(f"{dest} exists, is not empty and is not a LAMM sample written by lamm-data sample "
                                  f"(no {MARKER}); --force only replaces a previous sample: pick another folder")
        if not overwrite:
            raise FileExistsError(f"{dest} exists and is not empty (a previous sample); pick another folder or pass "
                                  "--force to replace it")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_dir(dest)
    try:
        shutil.copytree(sample_source(), tmp, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        marker = {"written_by": "lamm-data sample", "version": __version__}
        (tmp / MARKER).write_text(json.dumps(marker) + "\n", encoding="utf-8")
        replace_folder(tmp, dest)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return dest


def sample_root_beside(folder: str | os.PathLike[str]) -> Path:
    """``--data sample``: the embedded sample as a LAMM root at ``folder/lamm-sample``, written on first use
    (a previous sample there is reused; any other folder of that name is refused by :func:`write_sample`)."""
    dest = Path(folder).absolute() / "lamm-sample"
    if not is_sample(dest):
        write_sample(dest)
    return dest
