"""Throughput and peak memory of the ``--hf`` backend at batch 1 (baseline), 8 and 32 on one GPU.

    bench/gpu_predict.sh [--tokens 32] [--requests 64] [--workdir /tmp/lamm-gpu-predict] [--tiny --device cpu]

The model is LLaVA-style with random weights, built from a config in bf16 and saved with ``save_pretrained``
(about 2B parameters: CLIP ViT-L/14 at 336 px, 576 image tokens; a 28-layer LLaMA, width 2048, vocabulary
32064; the tokenizer is the locally trained byte-level BPE of the tests, so ids past its 300 entries decode to
nothing). It is then loaded like any model by :class:`lamm_model.backends.hf.HFBackend` and asked ``--requests``
LAMM-prompted requests built from the embedded sample's image benchmarks (cycled). Every answer is forced to
exactly ``--tokens`` new tokens (``min_new_tokens``), so the batch sizes do the same work. ``--tiny`` uses the
tests' tiny LLaVA instead (to check the script on a CPU).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


LLAVA_2B = {
    "image": 336, "patch": 14,
    "text": {"vocab_size": 32064, "hidden_size": 2048, "intermediate_size": 5632, "num_hidden_layers": 28,
             "num_attention_heads": 16, "num_key_value_heads": 16},
    "vision": {"hidden_size": 1024, "intermediate_size": 4096, "num_hidden_layers": 24, "num_attention_heads": 16,
               "projection_dim": 768},
    "llava": {"vision_feature_layer": -2},
}
"""About 2B parameters: CLIP ViT-L/14 at 336 px and a 28-layer LLaMA of width 2048."""


def build_2b(folder: Path, device: str) -> int:
    """Save a random ~2B LLaVA-style model in bf16 to ``folder``; returns its parameter count."""
    import torch
    from safetensors import safe_open
    from tiny_vlms import build_llava

    build_llava(folder, LLAVA_2B, dtype=torch.bfloat16, device=device)
    count = 0
    for shard in folder.glob("*.safetensors"):
        with safe_open(str(shard), "pt") as f:
            count += sum(math.prod(f.get_slice(k).get_shape()) for k in f.keys())
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=32, help="new tokens per answer")
    parser.add_argument("--requests", type=int, default=64, help="requests per batch size")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/lamm-gpu-predict"))
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--tiny", action="store_true", help="the tests' tiny LLaVA (CPU check)")
    parser.add_argument("--batch-sizes", default="1,8,32")
    args = parser.parse_args()
    sys.path[:0] = [str(REPO), str(REPO / "tests" / "lamm_model")]
    import torch
    from tiny_vlms import build_llava

    from lamm_data.sample import write_sample
    from lamm_model.backends.hf import HFBackend, HFOptions
    from lamm_model.backends.procedure import Procedure
    from lamm_model.backends.runner import load_items, select_benchmarks

    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    model = work / ("tiny-llava" if args.tiny else "llava-2b")
    if not (model / "config.json").exists():
        if args.tiny:
            build_llava(model)
        else:
            print(f"building the random model: {build_2b(model, args.device) / 1e9:.2f}B parameters", flush=True)
    root = work / "root"
    if not (root / "2D_Benchmark").is_dir():
        write_sample(root, overwrite=True)
    procedure = Procedure()
    pool = [r for name in select_benchmarks(["2D"]) for item in load_items(name, root)
            for r in procedure.first_requests(item)]
    requests = [pool[i % len(pool)] for i in range(args.requests)]
    cuda = args.device.startswith("cuda")
    dtype = "bf16" if cuda else "fp32"
    rates: dict[int, float] = {}
    print(f"model {model.name}, {args.device} {dtype}, {args.requests} requests, {args.tokens} new tokens each")
    print(f"{'batch':>5} {'requests/s':>11} {'vs batch 1':>11} {'peak GiB':>9}")
    for size in [int(s) for s in args.batch_sizes.split(",")]:
        backend = HFBackend(HFOptions(str(model), dtype=dtype, device=args.device, batch_size=size,
                                      max_new_tokens=args.tokens))
        backend.load()
        backend.generation_config.min_new_tokens = args.tokens
        backend.generate(requests[:size])  # warm-up
        if cuda:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        started = time.perf_counter()
        backend.generate(requests)
        if cuda:
            torch.cuda.synchronize()
        rates[size] = len(requests) / (time.perf_counter() - started)
        peak = torch.cuda.max_memory_allocated() / 2**30 if cuda else float("nan")
        base = rates.get(1, rates[size])
        print(f"{size:>5} {rates[size]:>11.2f} {rates[size] / base:>10.2f}x {peak:>9.2f}", flush=True)
        del backend
        if cuda:
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
