"""Time ``lamm-model predict`` on the embedded sample at the old defaults against the new ones, in the same run.

    python bench/predict_defaults.py [--workdir /tmp/lamm-predict-defaults] [--steps 2] [--repeat 2] [--limit 2]
                                     [--max-new-tokens 32] [--single-changes]

A ``sample_cpu`` model (the README's config, trained for ``--steps`` steps: the weights do not change the cost of
greedy decoding at a fixed ``max_new_tokens``) predicts every benchmark of the sample, each configuration in its
own process, greedy, the same answers in every configuration (checked). ``--limit`` items of every benchmark
and ``--max-new-tokens`` per answer keep a run short (a random model never stops early; the README command's
full run takes minutes per configuration on a loaded machine); both apply to every configuration alike.

* ``old``: ``--batch-size 1``, torch's own thread count (``torch.get_num_threads()`` at start-up).
* ``new``: the defaults, ``--batch-size 4`` and ``torch.set_num_threads(len(os.sched_getaffinity(0)))``.
* with ``--single-changes``, ``old batch, new threads`` and ``new batch, old threads``: each change alone.

Prints wall seconds (best of ``--repeat``) and the ratio to ``old``. On a machine whose other processes use the
CPUs too, the thread cap matters more than on a quiet one.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

_RUN = """
import sys, torch
from lamm_model.predict import GenerationSettings, predict
threads, batch, limit, tokens = sys.argv[1], int(sys.argv[2]), int(sys.argv[6]), int(sys.argv[7])
if threads != "torch":
    torch.set_num_threads(int(threads))
predict(sys.argv[3], sys.argv[4], ["all"], sys.argv[5], batch_size=batch, limit=limit,
        settings=GenerationSettings(max_new_tokens=tokens))
"""


def _train(workdir: Path, steps: int) -> Path:
    from lamm_model.config import bundled_config, load_config
    from lamm_model.train import train

    cfg = load_config(bundled_config("sample_cpu"), [f"max_steps={steps}", f"out_dir={workdir / 'run'}",
                                                     f"save_every={steps}"])
    return train(cfg).checkpoint


def _torch_threads() -> int:
    out = subprocess.run([sys.executable, "-c", "import torch; print(torch.get_num_threads())"], check=True,
                         capture_output=True, text=True)
    return int(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/lamm-predict-defaults"))
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--limit", type=int, default=2)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--single-changes", action="store_true")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    checkpoint = _train(args.workdir, args.steps)
    root = args.workdir / "run" / "lamm-sample"
    cpus = str(len(os.sched_getaffinity(0)))
    configs = {"old": ("torch", 1), "new": (cpus, 4)}
    if args.single_changes:
        configs |= {"old batch, new threads": (cpus, 1), "new batch, old threads": ("torch", 4)}
    seconds: dict[str, float] = {}
    answers: dict[str, list[str]] = {}
    for _ in range(args.repeat):
        for name, (threads, batch) in configs.items():
            out = args.workdir / f"{name.replace(' ', '_').replace(',', '')}.jsonl"
            out.unlink(missing_ok=True)
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", _RUN, threads, str(batch), str(checkpoint), str(root), str(out),
                            str(args.limit), str(args.max_new_tokens)], check=True)
            seconds[name] = min(seconds.get(name, float("inf")), time.perf_counter() - start)
            answers[name] = sorted(out.read_text().splitlines())
    same = all(a == answers["old"] for a in answers.values())
    print(f"lamm-model predict on the sample ({args.limit} items per benchmark, {args.max_new_tokens} new tokens), "
          f"{len(answers['old'])} predictions, {cpus} CPU(s) available, torch's own thread count "
          f"{_torch_threads()}, best of {args.repeat}; identical answers in every configuration: {same}")
    for name, s in seconds.items():
        print(f"  {name:<24} {s:7.2f} s   x{seconds['old'] / s:.2f} vs old")
    print(json.dumps({"seconds": seconds, "identical": same}))


if __name__ == "__main__":
    main()
