"""Packaged text resources (stop words, Punkt parameters, WordNet extract), read lazily from ``lamm_bench/data``.

Nothing is read at import time; each loader reads its file on first call. Provenance of every file is in
``lamm_bench/data/PROVENANCE.md`` and docs/text-metrics.md.
"""

from __future__ import annotations

import functools
import json
import lzma
from importlib import resources
from typing import Any

STOPWORDS_FILE = "stopwords_english.txt"
PUNKT_FILE = "punkt_english.json"
WORDNET_FILE = "wordnet30.json.xz"


def read_data(name: str) -> bytes:
    """The bytes of ``lamm_bench/data/<name>``."""
    return resources.files("lamm_bench").joinpath("data", name).read_bytes()


@functools.cache
def english_stopwords() -> frozenset[str]:
    """NLTK's English stop-word list as LAMM used it in 2023 (179 words, nltk_data ``corpora/stopwords/english``)."""
    return frozenset(read_data(STOPWORDS_FILE).decode("utf-8").split("\n")) - {""}


@functools.cache
def punkt_english() -> dict[str, Any]:
    """The English Punkt model: ``abbrev_types``, ``collocations``, ``sent_starters``, ``ortho_context``."""
    return json.loads(read_data(PUNKT_FILE))


@functools.cache
def wordnet30() -> dict[str, Any]:
    """The WordNet 3.0 extract built by ``tools/build_wordnet_data.py`` (see that script for the layout)."""
    return json.loads(lzma.decompress(read_data(WORDNET_FILE)))
