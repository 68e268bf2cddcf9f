"""Fixtures of the hostile-input suite (helpers live in ``hostile_helpers``: a module named ``conftest`` would
clash with the other test folders' when imported by name)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from hostile_helpers import Workspace


@pytest.fixture
def workspace(sample_root_ro: Path, tmp_path: Path) -> Workspace:
    """A writable copy of the sample root, an empty output folder, both under ``tmp_path``."""
    root = tmp_path / "lamm"
    shutil.copytree(sample_root_ro, root)
    (tmp_path / "out").mkdir()
    return Workspace(root, tmp_path / "out", tmp_path)
