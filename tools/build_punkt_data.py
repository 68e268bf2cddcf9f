"""Build ``lamm_bench/data/punkt_english.json`` from NLTK's English Punkt model.

``nltk.word_tokenize`` splits sentences with the pre-trained English Punkt model (Kiss & Strunk), distributed
by nltk_data as ``tokenizers/punkt/english.pickle`` (what NLTK 3.8.1, and so LAMM in 2023, loaded) and since
2024 as the pickle-free ``tokenizers/punkt_tab/english/``. The parameters are the same four tables in both
(verified in this repository's history: see docs/text-metrics.md). This script reads the ``punkt_tab`` form
with NLTK's own loader and writes the tables as sorted JSON::

    {"abbrev_types": [...], "collocations": [[w1, w2], ...], "sent_starters": [...],
     "ortho_context": {type: flags, ...}, "source": {...}}

Usage: ``python tools/build_punkt_data.py NLTK_DATA_DIR [--out lamm_bench/data/punkt_english.json]`` where
``NLTK_DATA_DIR/tokenizers/punkt_tab/english/`` holds ``abbrev_types.txt``, ``collocations.tab``,
``sent_starters.txt`` and ``ortho_context.tab`` (``python -m nltk.downloader -d NLTK_DATA_DIR punkt_tab``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from lamm_data.atomic import write_bytes_atomic

FILES = ("abbrev_types.txt", "collocations.tab", "sent_starters.txt", "ortho_context.tab")


def build(nltk_data: Path) -> dict:
    """The Punkt document for the ``punkt_tab`` English model under ``nltk_data``."""
    import nltk
    from nltk.tokenize.punkt import PunktTokenizer

    nltk.data.path.insert(0, str(nltk_data))
    params = PunktTokenizer("english")._params
    model_dir = nltk_data / "tokenizers" / "punkt_tab" / "english"
    return {
        "abbrev_types": sorted(params.abbrev_types),
        "collocations": sorted([list(pair) for pair in params.collocations]),
        "sent_starters": sorted(params.sent_starters),
        "ortho_context": {key: int(params.ortho_context[key]) for key in sorted(params.ortho_context)},
        "source": {
            "name": "NLTK English Punkt model (nltk_data tokenizers/punkt_tab/english)",
            "license": "nltk_data punkt package by Jan Strunk / Tibor Kiss; no separate license stated",
            "built_by": "tools/build_punkt_data.py",
            "files": {name: hashlib.sha256((model_dir / name).read_bytes()).hexdigest() for name in FILES},
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("nltk_data", type=Path, help="nltk_data root holding tokenizers/punkt_tab/english/")
    parser.add_argument("--out", type=Path, default=Path("lamm_bench/data/punkt_english.json"))
    args = parser.parse_args(argv)
    document = build(args.nltk_data.resolve())
    payload = json.dumps(document, ensure_ascii=False, indent=0, sort_keys=True) + "\n"
    write_bytes_atomic(args.out, payload.encode("utf-8"))
    counts = {key: len(document[key]) for key in ("abbrev_types", "collocations", "sent_starters", "ortho_context")}
    print(f"wrote {args.out}: {counts}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
