"""Build a Hugging Face LLaMA tokenizer folder from llama-tokenizer-js's copy of LLaMA's tokenizer data.

Usage: ``python tools/build_llama_tokenizer.py LLAMA_TOKENIZER_JS OUT_DIR`` (``tools/get_llama_tokenizer.sh``
runs it). llama-tokenizer-js carries LLaMA's 32,000 pieces (in id order) and 61,249 merges; the folder gets a
``tokenizer.json`` laid out as Hugging Face's conversion of LLaMA's ``tokenizer.model`` (BPE with byte
fallback, a ``▁`` prepended and spaces replaced by ``▁``: SentencePiece's ``add_dummy_prefix`` and whitespace
escaping), a ``tokenizer_config.json`` (``<s>``/``</s>``/``<unk>``, BOS added) and ``SOURCE.json``.

Before writing (when the ``tokenizers`` package is there), the built tokenizer must give the ids of known
strings: llama-tokenizer-js's test cases (computed with the original SentencePiece model) and the stop
sequences in LAMM's ``openlamm.py`` (``[[2277, 29937], [835]]``: ``##`` ``#`` and ``▁###``). Exits 1 on any
difference.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
import sys
from pathlib import Path

# (text, ids with BOS): llama-tokenizer-js 1.2.2's test cases (its llama-tokenizer.js, runTests)
KNOWN = [
    ("grabbed", [1, 2646, 1327, 287]),
    (" grabbed", [1, 29871, 2646, 1327, 287]),
    ("           grabbed", [1, 9651, 2646, 1327, 287]),
    ("\n", [1, 29871, 13]),
    (" \n", [1, 259, 13]),
    ("\ttabs\t\t\t\tout here", [1, 29871, 12, 21175, 12, 12, 12, 12, 449, 1244]),
    ("ax\n####\nboo", [1, 4853, 13, 4136, 13, 833, 29877]),
    ("镇", [1, 29871, 30411]),
    ("🦙", [1, 29871, 243, 162, 169, 156]),
    ("🦙Ꙋ", [1, 29871, 243, 162, 169, 156, 237, 156, 141]),
    ("Ꙋ🦙", [1, 29871, 237, 156, 141, 243, 162, 169, 156]),
    # LAMM's stop sequences (src/model/openlamm.py, LAMMStoppingCriteria([[2277, 29937], [835]]))
    ("###", [1, 835]),
    ("Hello world", [1, 15043, 3186]),
]


def read_js(path: Path) -> tuple[list[str], list[str]]:
    """Pieces (index = id) and merges (``"a b"``, in priority order) from llama-tokenizer.js."""
    source = path.read_text(encoding="utf-8")
    vocab = re.search(r'llama_vocab_base64\s*=\s*"([^"]+)"', source)
    merges = re.search(r'llama_merges_binary\s*=\s*"([^"]+)"', source)
    if vocab is None or merges is None:
        raise SystemExit(f"{path}: no llama_vocab_base64 / llama_merges_binary (not llama-tokenizer-js?)")
    pieces = base64.b64decode(vocab.group(1)).decode("utf-8").split("\n")
    raw = base64.b64decode(merges.group(1))
    ints = struct.unpack(f"<{len(raw) // 2}H", raw)
    return pieces, [f"{pieces[ints[i]]} {pieces[ints[i + 1]]}" for i in range(0, len(ints), 2)]


def tokenizer_json(pieces: list[str], merges: list[str]) -> dict:
    """The tokenizer.json document (Hugging Face's layout for LLaMA)."""
    special = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": False, "special": True} for i, t in enumerate(("<unk>", "<s>", "</s>"))]
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": special,
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": "▁"},
            {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
        "pre_tokenizer": None,
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                      {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                    {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": "<s>", "type_id": 1}},
                                    {"Sequence": {"id": "B", "type_id": 1}}],
                           "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
            {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True,
                  "vocab": {p: i for i, p in enumerate(pieces)}, "merges": merges},
    }


TOKENIZER_CONFIG = {
    "tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
    "add_bos_token": True, "add_eos_token": False, "clean_up_tokenization_spaces": False,
    "model_max_length": 2048,
}


def check_known(document: dict) -> list[tuple[str, list[int], list[int]]]:
    """``(text, expected ids, ids given by the tokenizer document)`` for :data:`KNOWN` (empty when the
    ``tokenizers`` package is not installed: ``tests/lamm_model/test_model_lamm_parity.py`` checks them too)."""
    try:
        from tokenizers import Tokenizer
    except ImportError:
        return []
    tok = Tokenizer.from_str(json.dumps(document))
    return [(text, ids, tok.encode(text).ids) for text, ids in KNOWN]


def main(js_file: str, out_dir: str) -> int:
    pieces, merges = read_js(Path(js_file))
    if len(pieces) != 32000 or len(set(pieces)) != 32000 or len(merges) != 61249:
        print(f"{js_file}: expected 32000 distinct pieces and 61249 merges, got {len(pieces)} "
              f"({len(set(pieces))} distinct) and {len(merges)}", file=sys.stderr)
        return 1
    document = tokenizer_json(pieces, merges)
    checked = check_known(document)
    for text, ids, got in checked:
        if got != ids:
            print(f"{text!r}: expected ids {ids} (original LLaMA tokenizer), built tokenizer gives {got}",
                  file=sys.stderr)
            return 1
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "tokenizer.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    (out / "tokenizer_config.json").write_text(json.dumps(TOKENIZER_CONFIG, indent=1), encoding="utf-8")
    (out / "SOURCE.json").write_text(json.dumps({
        "package": "llama-tokenizer-js@1.2.2 (npm, MIT)",
        "llama-tokenizer.js sha256": hashlib.sha256(Path(js_file).read_bytes()).hexdigest(),
        "pieces": len(pieces), "merges": len(merges), "known_strings_checked": len(checked)}, indent=1),
        encoding="utf-8")
    print(f"LLaMA tokenizer built: {len(pieces)} pieces, {len(merges)} merges", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
