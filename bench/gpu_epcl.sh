#!/usr/bin/env bash
# On a GPU: build LAMM's pointnet2 CUDA ops from LAMM's own sources and compare them, index for index, with
# lamm_model.epcl.ops (FPS, ball query, grouping on rooms, ties, duplicates, tiny and near-origin clouds), then
# time the 40,000 -> 256 index pipeline for both. Needs LAMM's sources exported beforehand (git-ignored):
#   python tools/crosscheck_epcl.py --repo PATH/TO/LAMM --export-pointnet2 .lamm-src/pointnet2
# and, on the device tool, carry: [".lamm-src"]. Extra arguments go to bench/gpu_epcl.py (--device cuda|cpu|both).
#   bench/gpu_epcl.sh --dry-run     # checks the script on CPU (no GPU, no sources)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [[ " $* " != *" --dry-run "* ]] && ! "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
  echo "gpu_epcl: no CUDA device visible; for a CPU check of the script run: bench/gpu_epcl.sh --dry-run" >&2
  exit 1
fi
# the device image's python3 holds a CUDA torch; this repo's pure-Python deps are imported from the tree
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
exec "$PY" bench/gpu_epcl.py "$@"
