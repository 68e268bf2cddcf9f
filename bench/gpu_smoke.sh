#!/usr/bin/env bash
# GPU smoke test: a few bf16 training steps of a ~1B-parameter LAMM model with random weights on one GPU.
# Prints step time, tokens/s, model FLOPs utilisation and peak memory, and the same LM trained alone as a
# baseline measured in the same run. Extra arguments go to bench/gpu_smoke.py (see its --help), e.g.
#   bench/gpu_smoke.sh --batch-size 16 --gradient-checkpointing
#   bench/gpu_smoke.sh --tiny --device cpu --steps 2      # check the script without a GPU
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ " $* " != *" --device cpu "* ]] && ! python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
  echo "gpu_smoke: no CUDA device visible (nvidia-smi?); for a CPU check run: bench/gpu_smoke.sh --tiny --device cpu" >&2
  exit 1
fi
export PYTORCH_CUDA_ALLOC_CONF="${PYTORCH_CUDA_ALLOC_CONF:-expandable_segments:True}"
exec python bench/gpu_smoke.py "$@"
