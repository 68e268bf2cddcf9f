"""Shared fixtures: every test runs offline with its caches and data roots inside tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamm_data.sample import write_sample


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the user's caches or reaches the hub."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("HF_HOME", str(home / "hf"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.delenv("LAMM_DATA_ROOT", raising=False)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    for var in ("OPENXLAB_AK", "OPENXLAB_SK", "LAMM_OPENDATALAB_ENDPOINT"):  # no OpenDataLab login or host
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def sample_root_ro(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded sample written once per session. Read-only by convention: copy it before modifying."""
    return write_sample(tmp_path_factory.mktemp("sample") / "lamm")


@pytest.fixture
def sample_root(tmp_path: Path) -> Path:
    """A fresh, writable copy of the embedded sample for one test."""
    return write_sample(tmp_path / "lamm")
