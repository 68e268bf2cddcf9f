"""Fixtures for the text tests: the NLTK 3.8.1 oracle over the reference data of tools/get_reference_data.sh."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import nltk381_oracle
import pytest

REPO = Path(__file__).resolve().parents[3]
DATA = REPO / "lamm_bench" / "data"


def reference_dir() -> Path:
    return Path(os.environ.get("LAMM_REFERENCE_DIR", REPO / ".reference"))


def require_reference(*paths: Path) -> None:
    """Skip (or fail under LAMM_REQUIRE_REFERENCE=1) when a reference file is missing."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        reason = f"reference data missing ({', '.join(missing)}); run tools/get_reference_data.sh"
        if os.environ.get("LAMM_REQUIRE_REFERENCE") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def nltk381() -> Callable[[dict], dict]:
    """``ask(request) -> answer`` from the real NLTK 3.8.1 (see nltk381_oracle.py)."""
    reference = reference_dir()
    require_reference(reference / "wordnet" / "usr" / "share" / "wordnet" / "index.noun",
                      reference / "nltk-3.8.1" / "nltk" / "__init__.py")

    def ask(request: dict) -> dict:
        defaults = {"punkt_json": str(DATA / "punkt_english.json"), "stopwords": str(DATA / "stopwords_english.txt")}
        return nltk381_oracle.ask(reference, {**defaults, **request})

    return ask
