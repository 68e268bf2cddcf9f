"""Build ``lamm_bench/data/wordnet30.json.xz`` from the WordNet 3.0 dictionary files.

The LAMM evaluators call ``nltk.corpus.wordnet`` (WordNet 3.0) for two things only: ``morphy``
(which needs the set of lemmas per part of speech and the exception lists) and
``synsets(word)[0].lemma_names()`` (which needs, for every lemma, the lemma names of its first synset).
This script keeps exactly that, so the package can answer both without NLTK data or a download.

Input: a WordNet 3.0 ``dict`` directory (``index.{noun,verb,adj,adv}``, ``data.*``, ``*.exc``), e.g. the
Debian package ``wordnet-base`` (``tools/get_reference_data.sh`` extracts it to
``.reference/wordnet/usr/share/wordnet``). Output: one xz-compressed JSON document::

    {"format": 1, "source": {...provenance...},
     "pos": {"n": {"index": {lemma: k}, "synsets": [[lemma name, ...], ...], "exceptions": {form: [base, ...]}},
             "v": ..., "a": ..., "r": ...}}

``index[lemma] = k`` means the first synset listed for ``lemma`` in ``index.<pos>`` is ``synsets[k]``.
Parsing follows what NLTK's ``WordNetCorpusReader`` does with the same files: license lines (starting with
a space) are skipped, a later exception line for the same form replaces an earlier one, and a lemma's
syntactic marker such as ``(p)`` is stripped from adjective lemma names.

Usage: ``python tools/build_wordnet_data.py DICT_DIR [--out lamm_bench/data/wordnet30.json.xz] [--origin TEXT]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import lzma
import re
import sys
from pathlib import Path

from lamm_data.atomic import write_bytes_atomic

POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
_MARKER = re.compile(r"(.*?)(\(.*\))?$")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_index(path: Path) -> dict[str, int]:
    """lemma -> byte offset of its first synset, in file order."""
    first: dict[str, int] = {}
    with path.open(encoding="utf-8") as fp:
        for line in fp:
            if line.startswith(" "):
                continue
            fields = line.split()
            lemma, n_synsets, n_pointers = fields[0], int(fields[2]), int(fields[3])
            offsets = fields[6 + n_pointers:6 + n_pointers + n_synsets]
            if n_synsets < 1 or len(offsets) != n_synsets:
                raise ValueError(f"{path}: malformed index line for {lemma!r}")
            first[lemma] = int(offsets[0])
    return first


def _synset_lemma_names(data_path: Path, offset: int, cache: dict[int, list[str]], fp) -> list[str]:
    if offset not in cache:
        fp.seek(offset)
        fields = fp.readline().split(b"|")[0].split()
        if int(fields[0]) != offset:
            raise ValueError(f"{data_path}: no synset at byte offset {offset}")
        n_lemmas = int(fields[3], 16)
        names = [fields[4 + 2 * i].decode("utf-8") for i in range(n_lemmas)]
        cache[offset] = [_MARKER.match(name).group(1) for name in names]
    return cache[offset]


def _read_exceptions(path: Path) -> dict[str, list[str]]:
    exceptions: dict[str, list[str]] = {}
    with path.open(encoding="utf-8") as fp:
        for line in fp:
            terms = line.split()
            exceptions[terms[0]] = terms[1:]  # a repeated form replaces the earlier line, as in NLTK
    return exceptions


def build(dict_dir: Path, origin: str) -> dict:
    """The data document for the WordNet dict files in ``dict_dir`` (``origin``: where they came from)."""
    document: dict = {"format": 1, "pos": {}, "source": {
        "name": "WordNet 3.0 (Princeton University)",
        "origin": origin,
        "license": "WordNet 3.0 license, see lamm_bench/data/WORDNET_LICENSE",
        "built_by": "tools/build_wordnet_data.py",
        "files": {},
    }}
    for pos, suffix in POS_FILES.items():
        index_path, data_path, exc_path = (dict_dir / f"index.{suffix}", dict_dir / f"data.{suffix}",
                                           dict_dir / f"{suffix}.exc")
        for path in (index_path, data_path, exc_path):
            document["source"]["files"][path.name] = _sha256(path)
        first = _read_index(index_path)
        cache: dict[int, list[str]] = {}
        synset_no: dict[int, int] = {}
        with data_path.open("rb") as fp:
            for offset in sorted(set(first.values())):
                _synset_lemma_names(data_path, offset, cache, fp)
                synset_no[offset] = len(synset_no)
        document["pos"][pos] = {
            "index": {lemma: synset_no[offset] for lemma, offset in first.items()},
            "synsets": [cache[offset] for offset in sorted(synset_no)],
            "exceptions": _read_exceptions(exc_path),
        }
    return document


def write(document: dict, out: Path) -> None:
    """Write ``document`` reproducibly (sorted keys, xz has no timestamp), atomically."""
    payload = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    write_bytes_atomic(out, lzma.compress(payload, preset=9 | lzma.PRESET_EXTREME))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dict_dir", type=Path, help="WordNet 3.0 dict directory (index.noun, data.noun, ...)")
    parser.add_argument("--out", type=Path, default=Path("lamm_bench/data/wordnet30.json.xz"))
    parser.add_argument("--origin", default="Debian package wordnet-base 1:3.0-37",
                        help="where the dict files came from (recorded in the output)")
    args = parser.parse_args(argv)
    document = build(args.dict_dir, args.origin)
    write(document, args.out)
    sizes = {pos: len(part["index"]) for pos, part in document["pos"].items()}
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes); lemmas per pos: {sizes}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
