"""The embedded LAMM sample: a few items of every benchmark file, one small instruction file per
instruct group, small real images and ``.npy`` point clouds, and a baseline answers file.

``write_sample(dest)`` copies it out as a LAMM root with the release's layout.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from lamm_data.atomic import replace_folder

BASELINE_ANSWERS = "answers/baseline.jsonl"
"""Path of the baseline predictions file inside a written sample root."""


def sample_source() -> Path:
    """Folder of the sample inside the installed package (read-only; copy it with :func:`write_sample`)."""
    return Path(str(resources.files("lamm_data") / "sample_data"))


def write_sample(dest: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write the sample as a LAMM root at ``dest`` and return ``dest``.

    The copy is made in a temporary folder beside ``dest`` and renamed into place (an older ``dest`` is
    renamed aside first and deleted last), so an interrupted call leaves no half-written root.

    Raises:
        FileExistsError: ``dest`` is a file, or a folder that is not empty while ``overwrite`` is false.
    """
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise FileExistsError(f"{dest} is a file, not a folder; pick another folder")
    if dest.exists() and any(dest.iterdir()) and not overwrite:
        raise FileExistsError(f"{dest} exists and is not empty; pick another folder or pass --force")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent))
    try:
        shutil.copytree(sample_source(), tmp, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        replace_folder(tmp, dest)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return dest
