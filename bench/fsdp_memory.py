"""Host memory of FSDP training per process: this checkout against a baseline revision, in one run.

    python bench/fsdp_memory.py [--baseline 6321f84] [--hidden 1024] [--layers 12] [--vocab 32000]
                                [--nproc 2] [--precision bf16] [--workdir DIR]

Setup (nothing downloaded): the embedded LAMM sample, and a random LLaMA-shaped LM (``--hidden``, ``--layers``,
MLP 2.75 x hidden, vocab ``--vocab``; about 220 M parameters by default) saved in bf16 as a pretrained folder
with the byte-level tokenizer, as a real run starts from Vicuna's folder. The run: ``--nproc`` gloo processes
under torchrun, ``distributed: fsdp``, ``precision: bf16``, LoRA r 32 on q/k/v/o, a tiny random CLIP, one
training step of one sample per process, then the checkpoint save (LoRA + projector + the random CLIP).

Each process is ``bench/_fsdp_memory_worker.py``, which runs ``lamm_model.train.train`` and reads its own
``VmRSS`` / ``VmHWM`` (peak, reset between phases) at: start (after imports), build peak (until the model is
built and sharded), resident after sharding, training-step peak, and the save's peak and its rise over the
resident memory before it. The baseline revision's packages are exported with ``git archive`` into a
temporary folder that comes first on ``PYTHONPATH``; the default is the last commit before FSDP built the
model on the meta device (its processes all build the full fp32 LM and its save gathers the full state).
Printed: each phase per rank for both, and the ratio this checkout / baseline. Memory readings, not timings:
the load of the machine does not change them much, but other processes' page cache does not count either.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

PHASES = (("build_peak", "build + shard, peak"), ("sharded", "resident after sharding"),
          ("step_peak", "training step, peak"), ("save_peak", "checkpoint save, peak"),
          ("save_rise", "save peak - resident before"))
TINY_CLIP = {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 2,
             "image_size": 32, "patch_size": 8}


def write_inputs(workdir: Path, hidden: int, layers: int, vocab: int, precision: str, nproc: int) -> Path:
    """The sample root, the pretrained LM folder and the run config; returns the config's path."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    from lamm_data.sample import write_sample
    from lamm_model.config import dump_config, load_config
    from lamm_model.tokenizer import byte_tokenizer

    root = workdir / "root"
    if not root.exists():
        write_sample(root)
    llm_dir = workdir / f"llm-{hidden}x{layers}-{vocab}"
    if not (llm_dir / "config.json").exists():
        tokenizer = byte_tokenizer()
        config = AutoConfig.for_model("llama", hidden_size=hidden, intermediate_size=hidden * 11 // 4,
                                      num_hidden_layers=layers, num_attention_heads=max(1, hidden // 64),
                                      vocab_size=vocab, max_position_embeddings=2048,
                                      pad_token_id=tokenizer.pad_token_id)
        torch.manual_seed(0)
        AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16).save_pretrained(llm_dir)
        tokenizer.save_pretrained(llm_dir)
    base = {
        "model": {"use_system": False, "llm": {"pretrained": str(llm_dir), "finetune": "lora",
                          "lora": {"r": 32, "alpha": 32, "dropout": 0.1,
                                   "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"]}},
                  "vision": {"pretrained": None, "config": TINY_CLIP}, "pointcloud": {"enabled": False}},
        "data": {"root": str(root), "num_workers": 0, "max_text_tokens": 256, "max_bad_fraction": 0.9,
                 "sources": [{"name": "LAMM_instruct_186k", "limit": 2 * nproc}]},
        "max_steps": 1, "batch_size": 1, "device": "cpu", "precision": precision, "distributed": "fsdp",
        "log_every": 1, "out_dir": str(workdir / "run"),
    }
    path = workdir / "config.yaml"
    path.write_text(dump_config(load_config(None, [], base=base)), encoding="utf-8")
    return path


def measure(config: Path, nproc: int, pythonpath: Path, out: Path) -> list[dict]:
    """Run the worker under torchrun with ``pythonpath`` first; the per-rank readings (bytes)."""
    for folder in (out, config.parent / "run"):
        shutil.rmtree(folder, ignore_errors=True)
    out.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(pythonpath), "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
               str(HERE / "_fsdp_memory_worker.py"), str(config), str(out)]
    done = subprocess.run(command, env=env, cwd=out, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"fsdp_memory: the run with {pythonpath} failed:\n{done.stderr[-4000:]}")
    readings = [json.loads((out / f"rank-{r}.json").read_text(encoding="utf-8")) for r in range(nproc)]
    for r in readings:
        r["save_rise"] = r["save_peak"] - r["save_before"]
    return readings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="6321f84", metavar="REV")
    parser.add_argument("--hidden", type=int, default=1024)
    parser.add_argument("--layers", type=int, default=12)
    parser.add_argument("--vocab", type=int, default=32000)
    parser.add_argument("--nproc", type=int, default=2)
    parser.add_argument("--precision", choices=["bf16", "fp32"], default="bf16")
    parser.add_argument("--workdir", type=Path, default=None, help="keep inputs here (default: a temporary folder)")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="lamm-fsdp-memory-"))
    workdir.mkdir(parents=True, exist_ok=True)
    baseline_dir = Path(tempfile.mkdtemp(prefix="lamm-fsdp-baseline-"))
    try:
        config = write_inputs(workdir, args.hidden, args.layers, args.vocab, args.precision, args.nproc)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", args.baseline, "lamm_data", "lamm_bench",
                                  "lamm_model"], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(baseline_dir)], input=archive, check=True)
        runs = {args.baseline: measure(config, args.nproc, baseline_dir, workdir / "baseline"),
                "this checkout": measure(config, args.nproc, REPO, workdir / "checkout")}
        llm = json.loads((workdir / f"llm-{args.hidden}x{args.layers}-{args.vocab}" / "config.json").read_text())
        for name, readings in runs.items():
            print(f"{name}: lamm_model from {readings[0]['lamm_model']}")
        report(runs, args, llm)
    finally:
        shutil.rmtree(baseline_dir, ignore_errors=True)
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


def report(runs: dict[str, list[dict]], args: argparse.Namespace, llm: dict) -> None:
    """Print every phase per rank for both revisions and the ratio this checkout / baseline."""
    h, n, v = llm["hidden_size"], llm["num_hidden_layers"], llm["vocab_size"]
    count = n * (4 * h * h + 3 * h * llm["intermediate_size"] + 2 * h) + 2 * v * h + h
    print(f"LM: {count / 1e6:.0f} M parameters ({count * 2 / 2**30:.2f} GiB in bf16, {count * 4 / 2**30:.2f} GiB in "
          f"fp32); {args.nproc} gloo processes, distributed fsdp, precision {args.precision}, LoRA r 32")
    (base_name, base), (_, new) = runs.items()
    print(f"{'GiB':34} {'rank':>4} {base_name:>14} {'this checkout':>14} {'ratio':>7}")
    for rank in range(args.nproc):
        print(f"{'resident after imports':34} {rank:>4} {base[rank]['start'] / 2**30:>14.2f} "
              f"{new[rank]['start'] / 2**30:>14.2f}")
    for key, label in PHASES:
        for rank in range(args.nproc):
            old_v, new_v = base[rank][key] / 2**30, new[rank][key] / 2**30
            ratio = f"{new_v / old_v:7.2f}" if old_v > 0 else "      -"
            print(f"{label:34} {rank:>4} {old_v:>14.2f} {new_v:>14.2f} {ratio}")
    total_old = sum(r["build_peak"] for r in base) / 2**30
    total_new = sum(r["build_peak"] for r in new) / 2**30
    print(f"build peak summed over processes: {total_old:.2f} -> {total_new:.2f} GiB ({total_new / total_old:.2f}x)")


if __name__ == "__main__":
    sys.exit(main())
