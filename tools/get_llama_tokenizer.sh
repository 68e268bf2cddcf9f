#!/usr/bin/env bash
# Fetch LLaMA's tokenizer (the 32,000-piece SentencePiece BPE of LLaMA-1/LLaMA-2, which Vicuna v0 and LAMM use)
# from the npm registry and build a Hugging Face tokenizer folder from it, so the tests that need the real
# tokenizer never touch the network:
#   $DEST/llama-tokenizer/tokenizer.json, tokenizer_config.json, SOURCE.json
# from llama-tokenizer-js@1.2.2 (MIT; LLaMA's vocabulary and merges, base64 in llama-tokenizer.js), built by
# tools/build_llama_tokenizer.py, which also checks the token ids of llama-tokenizer-js's test strings (made
# with the original tokenizer) and of the stop sequences in LAMM's code.
# DEST is $1, else $LAMM_REFERENCE_DIR, else .reference (git-ignored). Needs npm and python3 with `tokenizers`.
set -euo pipefail

dest="${1:-${LAMM_REFERENCE_DIR:-.reference}}/llama-tokenizer"
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-python3}"
[[ -f "$dest/tokenizer.json" ]] && { echo "LLaMA tokenizer: $dest (already there)" >&2; exit 0; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent llama-tokenizer-js@1.2.2 >/dev/null)
(cd "$work" && sha256sum -c - >&2) <<'SUMS'
ee83014ac8b379b16cf8d81e99ffcdb23dfade8c0d2e751bd06e7dc0b8476e72  llama-tokenizer-js-1.2.2.tgz
SUMS
tar xzf "$work/llama-tokenizer-js-1.2.2.tgz" -C "$work"
rm -rf "$dest.tmp"
"$python" "$here/build_llama_tokenizer.py" "$work/package/llama-tokenizer.js" "$dest.tmp"
rm -rf "$dest" && mv "$dest.tmp" "$dest"
echo "LLaMA tokenizer: $dest" >&2
