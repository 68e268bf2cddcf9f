#!/usr/bin/env bash
# GPU throughput of `lamm-model predict --hf`: a ~2B-parameter LLaVA-style model with random weights (CLIP ViT-L/14
# at 336 px + a 28-layer LLaMA of width 2048), built from a config and saved locally (no downloads), answering the
# embedded sample's image benchmarks with LAMM prompts in bf16. Prints requests/s and peak GPU memory at batch 1
# (the baseline, measured in the same run), 8 and 32. Extra arguments go to bench/gpu_predict.py (see --help), e.g.
#   bench/gpu_predict.sh --tokens 64 --requests 128
#   bench/gpu_predict.sh --tiny --device cpu      # check the script without a GPU
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ " $* " != *" --device cpu "* ]] && ! python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
  echo "gpu_predict: no CUDA device visible (nvidia-smi?); for a CPU check run: bench/gpu_predict.sh --tiny --device cpu" >&2
  exit 1
fi
export PYTORCH_CUDA_ALLOC_CONF="${PYTORCH_CUDA_ALLOC_CONF:-expandable_segments:True}"
export HF_HUB_OFFLINE=1
exec python bench/gpu_predict.py "$@"
