"""Does LAMM's 7B recipe fit one GPU? Build, one training step, one prediction, peak memory (random weights).

Usage (from the repository root, on a machine with a CUDA GPU)::

    python bench/lamm7b_memory.py [--batch-size 2] [--text-tokens 400] [--new-tokens 32] [--13b]
    python bench/lamm7b_memory.py --tiny --device cpu          # checks the script without a GPU

Model: LLaMA-7B's dimensions (hidden 4096, 32 layers, 32 heads, MLP 11008, vocab 32000; ``--13b``: 5120,
40, 40, 13824) built from a config with random weights -- nothing is downloaded -- directly on the GPU in
bf16 (``build_model(dtype=bfloat16, device="cuda")``, what ``lamm-model train`` does under ``precision:
bf16``), LoRA r=32 alpha 32 on q/k/v/o in fp32, and CLIP ViT-L/14's tower (24 layers, 1024 wide, 256 patch
tokens at 224 px, frozen). The training step is LAMM's micro-batch (``batch_size`` 2, ``data.max_text_tokens``
400 text tokens after 256 vision tokens, the answer half supervised) with gradient checkpointing, under bf16
autocast, followed by an AdamW step; the prediction merges LoRA, casts everything to bf16 (what ``lamm-model
predict`` does on CUDA) and generates ``new-tokens`` tokens greedily for one image prompt.

Printed: seconds and peak GPU memory of each phase, and, as a baseline measured in the same run, the bf16
size of the weights; the ratio ``peak / weights`` shows what activations, LoRA optimizer state and the KV
cache add.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lamm_model.config import ModelConfig  # noqa: E402
from lamm_model.data import collate  # noqa: E402
from lamm_model.model import IGNORE, IMAGE, build_model  # noqa: E402
from lamm_model.tokenizer import byte_tokenizer  # noqa: E402

LLAMA_7B = {"model_type": "llama", "hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32,
            "num_attention_heads": 32, "num_key_value_heads": 32, "vocab_size": 32000, "max_position_embeddings": 2048}
LLAMA_13B = {**LLAMA_7B, "hidden_size": 5120, "intermediate_size": 13824, "num_hidden_layers": 40,
             "num_attention_heads": 40, "num_key_value_heads": 40}
CLIP_L14 = {"hidden_size": 1024, "intermediate_size": 4096, "num_hidden_layers": 24, "num_attention_heads": 16,
            "image_size": 224, "patch_size": 14, "hidden_act": "quick_gelu"}
TINY_LLAMA = {"model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
              "num_attention_heads": 4, "num_key_value_heads": 4, "vocab_size": 512, "max_position_embeddings": 2048}
TINY_CLIP = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2,
             "image_size": 32, "patch_size": 8}


def model_config(tiny: bool, big: bool) -> ModelConfig:
    """LAMM's 2D model at real (or tiny) dimensions, random weights."""
    llm = TINY_LLAMA if tiny else (LLAMA_13B if big else LLAMA_7B)
    return ModelConfig.model_validate({
        "llm": {"config": llm, "tokenizer": "byte", "finetune": "lora",
                "lora": {"r": 32, "alpha": 32, "dropout": 0.1, "target_modules": ["q_proj", "k_proj", "v_proj",
                                                                                  "o_proj"]}},
        "vision": {"pretrained": None, "config": TINY_CLIP if tiny else CLIP_L14, "layer": -1, "num_tokens": 256},
        "pointcloud": {"enabled": False},
    })


def batch(model: torch.nn.Module, size: int, text: int, side: int, answer: bool = True) -> dict:
    """``size`` image samples: BOS, a 12-token prefix, the vision positions, ``text`` text tokens (the second
    half supervised when ``answer``)."""
    g = torch.Generator().manual_seed(0)
    media = model.media_tokens()[IMAGE]
    items = []
    for _ in range(size):
        ids = torch.randint(3, 250, (1 + 12 + media + text,), generator=g).tolist()
        labels = [IGNORE] * (1 + 12 + media + text // 2) + ids[1 + 12 + media + text // 2:] if answer \
            else [IGNORE] * len(ids)
        items.append({"input_ids": ids, "labels": labels, "media_start": 13, "media_len": media,
                      "modality": IMAGE, "pixels": torch.randn(3, side, side, generator=g)})
    return collate(items, pad_id=0, left=not answer)


def peak(device: torch.device) -> float:
    """Peak allocated memory since the last reset, in GiB (0 on CPU)."""
    return torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--text-tokens", type=int, default=400)
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--13b", dest="big", action="store_true", help="LLaMA-13B's dimensions")
    parser.add_argument("--tiny", action="store_true", help="tiny dimensions (to check the script)")
    parser.add_argument("--device", default="cuda")
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("lamm7b_memory: no CUDA device; for a CPU check: --tiny --device cpu", file=sys.stderr)
        return 1
    dtype = torch.bfloat16
    cfg = model_config(args.tiny, args.big)
    tok = byte_tokenizer()
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    start = time.perf_counter()
    model, _ = build_model(cfg, seed=0, tokenizer=tok, dtype=dtype, device=device)
    model.enable_activation_checkpointing()
    build_s, build_peak = time.perf_counter() - start, peak(device)
    weights = sum(p.numel() * p.element_size() for p in model.parameters()) / 2**30
    trainable = [p for p in model.parameters() if p.requires_grad]
    print(f"model: {sum(p.numel() for p in model.parameters()) / 1e9:.2f} B parameters "
          f"({sum(p.numel() for p in trainable) / 1e6:.1f} M trainable), weights {weights:.2f} GiB; "
          f"built in {build_s:.1f} s on {device} (peak {build_peak:.2f} GiB)")

    side = model.vision.config.image_size
    optimizer = torch.optim.AdamW(trainable, lr=5e-4, betas=(0.9, 0.95), weight_decay=0.001)
    train_batch = {k: v.to(device) if isinstance(v, torch.Tensor) else v
                   for k, v in batch(model, args.batch_size, args.text_tokens, side).items()}
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    model.train()
    start = time.perf_counter()
    with torch.autocast(device.type, dtype=dtype):
        loss, n = model(train_batch)
    (loss / n).backward()
    torch.nn.utils.clip_grad_norm_(trainable, 1.0)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    train_s, train_peak = time.perf_counter() - start, peak(device)
    print(f"train step: batch {args.batch_size} x {train_batch['input_ids'].shape[1]} tokens, loss "
          f"{float(loss.detach() / n):.3f}, {train_s:.2f} s, peak {train_peak:.2f} GiB "
          f"({train_peak / weights:.2f}x weights)")

    del optimizer, train_batch
    model.eval()
    model.merge_lora()
    model.cast_all(dtype)
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
    prompt = {k: v.to(device) if isinstance(v, torch.Tensor) else v
              for k, v in batch(model, 1, 48, side, answer=False).items()}
    start = time.perf_counter()
    new = model.generate(prompt, max_new_tokens=args.new_tokens, do_sample=False, pad_token_id=0,
                         eos_token_id=None, min_new_tokens=args.new_tokens)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    gen_s, gen_peak = time.perf_counter() - start, peak(device)
    print(f"prediction: {new.shape[1]} new tokens, {gen_s:.2f} s, peak {gen_peak:.2f} GiB "
          f"({gen_peak / weights:.2f}x weights)")
    if device.type == "cuda":
        total = torch.cuda.get_device_properties(device).total_memory / 2**30
        print(f"GPU: {torch.cuda.get_device_name(device)}, {total:.0f} GiB; highest peak "
              f"{max(build_peak, train_peak, gen_peak):.2f} GiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
