"""Does LAMM's 7B recipe fit one GPU? Build, one training step, one prediction, peak memory (random weights).

Usage (from the repository root, on a machine with a CUDA GPU)::

    python bench/lamm7b_memory.py [--batch-size 2] [--text-tokens 400] [--new-tokens 32] [--13b]
    python bench/lamm7b_memory.py --tiny --device cpu          # checks the script without a GPU
    torchrun --nproc_per_node N bench/lamm7b_memory.py --fsdp [--13b]          # N GPUs, FSDP
    torchrun --nproc_per_node 2 bench/lamm7b_memory.py --fsdp --tiny --device cpu   # the same on CPU (gloo)

Model: LLaMA-7B's dimensions (hidden 4096, 32 layers, 32 heads, MLP 11008, vocab 32000; ``--13b``: 5120,
40, 40, 13824) built from a config with random weights -- nothing is downloaded -- directly on the GPU in
bf16 (``build_model(dtype=bfloat16, device="cuda")``, what ``lamm-model train`` does under ``precision:
bf16``), LoRA r=32 alpha 32 on q/k/v/o in fp32, and CLIP ViT-L/14's tower (24 layers, 1024 wide, 256 patch
tokens at 224 px, frozen). The training step is LAMM's micro-batch (``batch_size`` 2, ``data.max_text_tokens``
400 text tokens after 256 vision tokens, the answer half supervised) with gradient checkpointing, under bf16
autocast, followed by an AdamW step; the prediction merges LoRA, casts everything to bf16 (what ``lamm-model
predict`` does on CUDA) and generates ``new-tokens`` tokens greedily for one image prompt.

``--fsdp`` (under torchrun, one process per GPU): the model is built as ``lamm-model train distributed=fsdp
precision=bf16`` builds it -- rank 0 creates the weights on the host in bf16, the other ranks a meta-device
skeleton, and ``lamm_model.train.shard`` shards it and sends each rank its shards from rank 0 -- then one
training step (each rank its own micro-batch), then the checkpoint's gather of the kept weights
(``lamm_model.checkpoint.kept_weights``: LoRA, projector, the random CLIP) to rank 0's host. No prediction:
``lamm-model predict`` runs in one process. On a one-GPU machine ``--nproc_per_node 1`` runs the same path
(build on the host, move to the GPU, "broadcast" to itself) without sharding anything.

Printed: seconds, peak GPU memory and peak host memory (resident set, ``VmHWM``, reset between phases) of
each phase (per rank under ``--fsdp``; host peaks include what importing torch and transformers costs,
printed as "host before building"), and, as a baseline measured in the same run, the bf16 size of the
weights; the ratio ``peak / weights`` shows what activations, LoRA optimizer state and the KV cache add.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import torch
import torch.distributed as dist
from _host_memory import peak as host_peak
from _host_memory import reset_peak as reset_host_peak
from _host_memory import resident as host_resident

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lamm_model.checkpoint import kept_weights, persistent_keys  # noqa: E402
from lamm_model.config import ModelConfig  # noqa: E402
from lamm_model.data import collate  # noqa: E402
from lamm_model.model import IGNORE, IMAGE, build_model  # noqa: E402
from lamm_model.tokenizer import byte_tokenizer  # noqa: E402
from lamm_model.train import shard  # noqa: E402

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
    """Peak allocated GPU memory since the last reset, in GiB (0 on CPU)."""
    return torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else 0.0


def start_phase(device: torch.device) -> float:
    """Reset the GPU and host peaks; the start time."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
    reset_host_peak()
    return time.perf_counter()


def end_phase(device: torch.device, start: float) -> tuple[float, float, float]:
    """Seconds, GPU peak (GiB) and host peak (GiB) since :func:`start_phase`."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - start, peak(device), host_peak() / 2**30


def train_step(model: torch.nn.Module, trainable: list[torch.nn.Parameter], train_batch: dict,
               dtype: torch.dtype) -> float:
    """One micro-batch forward and backward under autocast, clipping and an AdamW step; the loss."""
    optimizer = torch.optim.AdamW(trainable, lr=5e-4, betas=(0.9, 0.95), weight_decay=0.001)
    model.train()
    with torch.autocast(train_batch["input_ids"].device.type, dtype=dtype):
        loss, n = model(train_batch)
    (loss / n).backward()
    torch.nn.utils.clip_grad_norm_(trainable, 1.0)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return float(loss.detach() / n)


def to(batch_: dict, device: torch.device) -> dict:
    return {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in batch_.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--text-tokens", type=int, default=400)
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--13b", dest="big", action="store_true", help="LLaMA-13B's dimensions")
    parser.add_argument("--tiny", action="store_true", help="tiny dimensions (to check the script)")
    parser.add_argument("--fsdp", action="store_true", help="FSDP over torchrun's processes, as lamm-model train")
    parser.add_argument("--device", default="cuda")
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("lamm7b_memory: no CUDA device; for a CPU check: --tiny --device cpu", file=sys.stderr)
        return 1
    if args.fsdp:
        if "WORLD_SIZE" not in os.environ:
            print("lamm7b_memory: --fsdp runs under torchrun (torchrun --nproc_per_node N bench/lamm7b_memory.py "
                  "--fsdp)", file=sys.stderr)
            return 1
        return run_fsdp(args, device)
    return run_single(args, device)


def run_single(args: argparse.Namespace, device: torch.device) -> int:
    """One process: build on ``device``, one training step, one prediction."""
    dtype = torch.bfloat16
    cfg = model_config(args.tiny, args.big)
    tok = byte_tokenizer()
    before = host_resident() / 2**30
    start = start_phase(device)
    model, _ = build_model(cfg, seed=0, tokenizer=tok, dtype=dtype, device=device)
    model.enable_activation_checkpointing()
    build_s, build_peak, build_host = end_phase(device, start)
    print(f"host before building: {before:.2f} GiB")
    weights = sum(p.numel() * p.element_size() for p in model.parameters()) / 2**30
    trainable = [p for p in model.parameters() if p.requires_grad]
    print(f"model: {sum(p.numel() for p in model.parameters()) / 1e9:.2f} B parameters "
          f"({sum(p.numel() for p in trainable) / 1e6:.1f} M trainable), weights {weights:.2f} GiB; "
          f"built in {build_s:.1f} s on {device} (peak {build_peak:.2f} GiB, host peak {build_host:.2f} GiB)")

    side = model.vision.config.image_size
    train_batch = to(batch(model, args.batch_size, args.text_tokens, side), device)
    start = start_phase(device)
    loss = train_step(model, trainable, train_batch, dtype)
    train_s, train_peak, train_host = end_phase(device, start)
    print(f"train step: batch {args.batch_size} x {train_batch['input_ids'].shape[1]} tokens, loss "
          f"{loss:.3f}, {train_s:.2f} s, peak {train_peak:.2f} GiB ({train_peak / weights:.2f}x weights), "
          f"host peak {train_host:.2f} GiB")

    del train_batch
    model.eval()
    model.merge_lora()
    model.cast_all(dtype)
    if device.type == "cuda":
        torch.cuda.empty_cache()
    prompt = to(batch(model, 1, 48, side, answer=False), device)
    start = start_phase(device)
    new = model.generate(prompt, max_new_tokens=args.new_tokens, do_sample=False, pad_token_id=0,
                         eos_token_id=None, min_new_tokens=args.new_tokens)
    gen_s, gen_peak, gen_host = end_phase(device, start)
    print(f"prediction: {new.shape[1]} new tokens, {gen_s:.2f} s, peak {gen_peak:.2f} GiB "
          f"({gen_peak / weights:.2f}x weights), host peak {gen_host:.2f} GiB")
    if device.type == "cuda":
        total = torch.cuda.get_device_properties(device).total_memory / 2**30
        print(f"GPU: {torch.cuda.get_device_name(device)}, {total:.0f} GiB; highest peak "
              f"{max(build_peak, train_peak, gen_peak):.2f} GiB")
    return 0


def run_fsdp(args: argparse.Namespace, device: torch.device) -> int:
    """Under torchrun: build as FSDP training does, one training step, the checkpoint's gather; per rank."""
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        device = torch.device(f"cuda:{local}")
        torch.cuda.set_device(device)
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    try:
        rank, world = dist.get_rank(), dist.get_world_size()
        dtype = torch.bfloat16
        cfg = model_config(args.tiny, args.big)
        tok = byte_tokenizer()
        rows: dict[str, tuple[float, float, float]] = {"host before building": (0.0, 0.0, host_resident() / 2**30)}
        start = start_phase(device)
        model, _ = build_model(cfg, seed=0, tokenizer=tok, dtype=dtype, device=None if rank == 0 else "meta")
        model.enable_activation_checkpointing()
        shard(model, bf16=True, device=device)
        rows["build + shard"] = end_phase(device, start)
        numel = sum(p.numel() for p in model.parameters())  # DTensor: the full size
        weights = sum(p.numel() * 2 for p in model.parameters()) / 2**30
        trainable = [p for p in model.parameters() if p.requires_grad]

        side = cfg.vision.config["image_size"]
        train_batch = to(batch(model, args.batch_size, args.text_tokens, side), device)
        start = start_phase(device)
        loss = train_step(model, trainable, train_batch, dtype)
        rows["train step"] = end_phase(device, start)

        start = start_phase(device)
        kept = kept_weights(model, persistent_keys(model), rank)
        rows["checkpoint gather"] = end_phase(device, start)
        kept_gib = sum(v.numel() * v.element_size() for v in kept.values()) / 2**30

        gathered: list = [None] * world
        dist.all_gather_object(gathered, rows)
        if rank == 0:
            print(f"model: {numel / 1e9:.2f} B parameters ({sum(p.numel() for p in trainable) / 1e6:.1f} M "
                  f"trainable), {weights:.2f} GiB in bf16; FSDP over {world} process(es) on {device.type}; "
                  f"train loss {loss:.3f}; checkpoint weights gathered to rank 0: {kept_gib:.3f} GiB")
            print("host before building: " + ", ".join(f"rank {r} {got.pop('host before building')[2]:.2f} GiB"
                                                       for r, got in enumerate(gathered)))
            for phase in gathered[0]:
                for r, got in enumerate(gathered):
                    seconds, gpu, host = got[phase]
                    print(f"{phase}, rank {r}: {seconds:.2f} s, GPU peak {gpu:.2f} GiB "
                          f"({gpu / weights:.2f}x weights), host peak {host:.2f} GiB ({host / weights:.2f}x weights)")
            if device.type == "cuda":
                total = torch.cuda.get_device_properties(device).total_memory / 2**30
                print(f"GPU: {torch.cuda.get_device_name(device)}, {total:.0f} GiB each")
        dist.barrier()  # rank 0 has printed; no process leaves while another still talks to it
    finally:
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
