"""GPU smoke benchmark: a few bf16 training steps of a ~1B-parameter LAMM model with random weights.

Usage (from the repository root; ``bench/gpu_smoke.sh`` wraps it)::

    python bench/gpu_smoke.py [--steps 10] [--batch-size 8] [--text-tokens 256] [--finetune lora]
    python bench/gpu_smoke.py --tiny --device cpu --steps 3        # sanity check of the script on CPU

Model (random, nothing downloaded): a TinyLlama-1.1B-shaped LLaMA (hidden 2048, 22 layers, 32 heads,
4 KV heads, MLP 5632, vocab 32000) with LoRA r=32 on q/k/v/o (LAMM's recipe), a CLIP ViT-L/14-shaped
vision tower (frozen, 256 patch tokens at 224 px) and the point tokenizer (256 tokens from 40,000
points, frozen). Frozen weights are stored in bf16, trainable ones in fp32, compute under bf16
autocast -- exactly what ``lamm-model train`` does with ``precision: bf16``. Batches are synthetic: half
image samples, half point-cloud samples, each ``text-tokens`` text tokens (the second half supervised)
around its 256 vision tokens.

Printed: step time, tokens/s (all positions, text + vision), model FLOPs utilisation, peak memory.
Model FLOPs per step = 6 x LM parameters x tokens + 12 x layers x hidden x sequence x tokens (attention,
PaLM appendix B) + 2 x CLIP parameters x image patches (frozen encoder: forward only). The 6N rule
counts a full backward; with LoRA the base weights need no weight gradients, so the work actually done
is nearer 4N per token: MFU under the 6N convention can exceed what a full fine-tune would reach.

Baseline, measured in the same run: the same language model (same LoRA) trained on the same number of
tokens from plain token ids (no encoders, no splicing), via ``transformers``' own loss. The ratio
``LAMM step / LM-only step`` is the cost of the multimodal parts.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lamm_model.config import ModelConfig  # noqa: E402
from lamm_model.data import collate  # noqa: E402
from lamm_model.model import IGNORE, IMAGE, PCL, build_model  # noqa: E402
from lamm_model.tokenizer import byte_tokenizer  # noqa: E402

LLAMA_1B = {"model_type": "llama", "hidden_size": 2048, "intermediate_size": 5632, "num_hidden_layers": 22,
            "num_attention_heads": 32, "num_key_value_heads": 4, "vocab_size": 32000,
            "max_position_embeddings": 2048}
CLIP_L14 = {"hidden_size": 1024, "intermediate_size": 4096, "num_hidden_layers": 24, "num_attention_heads": 16,
            "image_size": 224, "patch_size": 14, "projection_dim": 768}
POINTS = {"num_points": 40000, "num_tokens": 256, "group_size": 32, "width": 384, "depth": 2, "heads": 6}
TINY_LLAMA = {"model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
              "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 512, "max_position_embeddings": 1024}
TINY_CLIP = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2,
             "image_size": 32, "patch_size": 8}
TINY_POINTS = {"num_points": 512, "num_tokens": 16, "group_size": 16, "width": 32, "depth": 1, "heads": 2}

PEAK_BF16_TFLOPS = {"H100 PCIe": 756.0, "H200": 989.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0, "L4": 121.0}
"""Dense bf16 tensor-core peaks from the vendor datasheets (first name contained in the device name wins;
SXM figures for H100/H200). Other devices: pass ``--peak-tflops``."""


def model_config(tiny: bool, finetune: str) -> ModelConfig:
    return ModelConfig.model_validate({
        "llm": {"config": TINY_LLAMA if tiny else LLAMA_1B, "tokenizer": "byte", "finetune": finetune,
                "lora": {"r": 32, "alpha": 32, "dropout": 0.1}},
        "vision": {"pretrained": None, "config": TINY_CLIP if tiny else CLIP_L14},
        "pointcloud": TINY_POINTS if tiny else POINTS,
    })


def synthetic_batch(cfg: ModelConfig, media: dict[int, int], batch_size: int, text_tokens: int, vocab: int,
                    generator: torch.Generator) -> dict:
    items = []
    side = (cfg.vision.config or {}).get("image_size", 224)
    for i in range(batch_size):
        kind = IMAGE if i % 2 == 0 else PCL
        text = torch.randint(0, vocab, (text_tokens,), generator=generator).tolist()
        prefix, rest = text[:8], text[8:]
        ids = [1, *prefix, *([0] * media[kind]), *rest]
        labels = [IGNORE] * (len(ids) - len(rest) // 2) + rest[len(rest) - len(rest) // 2:]
        item = {"input_ids": ids, "labels": labels, "media_start": 1 + len(prefix), "media_len": media[kind],
                "modality": kind}
        if kind == IMAGE:
            item["pixels"] = torch.randn(3, side, side, generator=generator)
        else:
            item["points"] = torch.randn(cfg.pointcloud.num_points, 3, generator=generator) * 3.0
        items.append(item)
    return collate(items, pad_id=0)


def timed(step: Callable[[], None], steps: int, warmup: int, device: torch.device) -> float:
    """Seconds per step after ``warmup`` untimed steps."""
    for _ in range(warmup):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--text-tokens", type=int, default=256)
    parser.add_argument("--finetune", choices=("lora", "full"), default="lora")
    parser.add_argument("--gradient-checkpointing", action="store_true")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--tiny", action="store_true", help="A tiny model (for a CPU sanity check of the script).")
    parser.add_argument("--peak-tflops", type=float, default=None, help="Device bf16 peak (default: by GPU name).")
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("no CUDA device: run with --tiny --device cpu to check the script on CPU")

    cfg = model_config(args.tiny, args.finetune)
    raw, _ = build_model(cfg, seed=0, tokenizer=byte_tokenizer())
    if args.gradient_checkpointing:
        raw.enable_activation_checkpointing()
    raw.cast_frozen(torch.bfloat16)
    raw.to(device).train()
    llm_params = sum(p.numel() for n, p in raw.llm.named_parameters() if "lora_" not in n)
    clip_params = sum(p.numel() for p in raw.vision.parameters())
    trainable = [p for p in raw.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=1e-4, fused=device.type == "cuda")
    media = raw.media_tokens()
    vocab = raw.llm.config.vocab_size
    generator = torch.Generator().manual_seed(0)
    batch = {k: v.to(device) if isinstance(v, torch.Tensor) else v
             for k, v in synthetic_batch(cfg, media, args.batch_size, args.text_tokens, vocab, generator).items()}
    autocast = torch.autocast(device.type, dtype=torch.bfloat16)

    def lamm_step() -> None:
        with autocast:
            loss, n = raw(batch)
        (loss / n).backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    seconds = timed(lamm_step, args.steps, args.warmup, device)
    peak = torch.cuda.max_memory_allocated() / 2**30 if device.type == "cuda" else float("nan")

    # baseline: the LM alone on as many plain tokens (same padding-free length per row)
    width = batch["input_ids"].shape[1]
    ids = torch.randint(0, vocab, (args.batch_size, width), generator=generator).to(device)

    def lm_step() -> None:
        with autocast:
            out = raw.llm(input_ids=ids, labels=ids, use_cache=False)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    baseline = timed(lm_step, args.steps, args.warmup, device)

    tokens = int(batch["tokens"])
    layers, hidden = raw.llm.config.num_hidden_layers, raw.llm.config.hidden_size
    images = int((batch["modality"] == IMAGE).sum())
    patches = (raw.vision.config.image_size // raw.vision.config.patch_size) ** 2 + 1
    flops = 6 * llm_params * tokens + 12 * layers * hidden * width * tokens + 2 * clip_params * patches * images
    achieved = flops / seconds / 1e12
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    peak_tflops = args.peak_tflops or next((v for k, v in PEAK_BF16_TFLOPS.items() if k in name), None)
    mfu = f"{100 * achieved / peak_tflops:.1f}% of {peak_tflops:.0f} TFLOP/s" if peak_tflops else \
        "n/a (pass --peak-tflops for this device)"
    print(f"device: {name}")
    print(f"model: LM {llm_params / 1e9:.3f} B params ({args.finetune}), CLIP {clip_params / 1e6:.0f} M (frozen), "
          f"{sum(p.numel() for p in trainable) / 1e6:.1f} M trainable")
    print(f"batch: {args.batch_size} samples x {width} positions ({tokens} non-pad tokens, {images} image(s), "
          f"{args.batch_size - images} point cloud(s)), bf16, grad checkpointing "
          f"{'on' if args.gradient_checkpointing else 'off'}")
    print(f"LAMM step: {seconds * 1e3:.1f} ms  |  {tokens / seconds:,.0f} tokens/s  |  {achieved:.1f} TFLOP/s  |  "
          f"MFU {mfu}  |  peak memory {peak:.2f} GiB")
    print(f"baseline (LM alone, same tokens): {baseline * 1e3:.1f} ms  |  ratio LAMM/LM-only {seconds / baseline:.2f}x")


if __name__ == "__main__":
    main()
