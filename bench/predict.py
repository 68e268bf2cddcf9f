"""Throughput of ``lamm-model predict`` backends (items/s), with baselines measured in the same run.

    python bench/predict.py [--workdir /tmp/lamm-bench-predict] [--tokens 16] [--repeat 1]

Model: the tiny random LLaVA of the tests (``tests/lamm_model/tiny_vlms.py``: CLIP on 16 px images, a 2-layer
LLaMA of width 32), built locally, on CPU in fp32. Data: the embedded sample's 14 image benchmarks (43 items,
LAMM prompts: 14 requests per Keypoints item, two passes for VQA), greedy, ``--tokens`` new
tokens per answer. Workloads (each a full ``runner.run`` into a fresh file, model loaded before timing):

* ``--hf --batch-size 1`` (baseline) and ``--hf --batch-size 8``;
* ``--api-base`` against ``transformers serve`` (same model folder, loopback, offline) at ``--concurrency 1``
  (baseline) and ``--concurrency 8``.

Each workload's answers are checked to be equal to the baseline's (greedy: batch size and concurrency must not
change them). The tiny model makes the per-request overhead (chat template, image processor, HTTP, JSON)
dominate, which is what batching and concurrency amortise; with a real model the GPU work dominates instead
(``bench/gpu_predict.sh``).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def _timed(make_backend, root: Path, out: Path, **kw) -> float:
    from lamm_model.backends.procedure import Procedure
    from lamm_model.backends.runner import run

    out.unlink(missing_ok=True)
    out.with_name(out.name + ".fingerprint.json").unlink(missing_ok=True)
    backend = make_backend()
    started = time.perf_counter()
    summary = run(backend, str(root), ["2D"], out, procedure=Procedure(), **kw)
    elapsed = time.perf_counter() - started
    return sum(summary.written.values()) / elapsed


def _serve(model: Path, log: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with open(log, "wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "transformers.cli.transformers", "serve", str(model), "--host",
                                 "127.0.0.1", "--port", str(port), "--device", "cpu"], env=env, stdout=sink,
                                stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/models", timeout=5):
                return proc, base
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"transformers serve exited; see {log}") from None
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("transformers serve did not start in 300 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/lamm-bench-predict"))
    parser.add_argument("--tokens", type=int, default=16, help="new tokens per answer")
    parser.add_argument("--repeat", type=int, default=1, help="runs per workload (the best is kept)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads here and in the server (default 1: "
                        "a tiny model gains nothing from more, and shared CPUs make them spin)")
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)  # for the server process
    import torch

    torch.set_num_threads(args.threads)
    sys.path[:0] = [str(REPO), str(REPO / "tests" / "lamm_model")]
    from tiny_vlms import build_llava

    from lamm_data.sample import write_sample
    from lamm_model.backends.api import ApiBackend
    from lamm_model.backends.hf import HFBackend, HFOptions
    from lamm_model.backends.openai_api import ApiOptions

    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    model = work / "tiny-llava"
    if not (model / "config.json").exists():
        build_llava(model)
    root = work / "root"
    if not (root / "2D_Benchmark").is_dir():
        write_sample(root, overwrite=True)

    def hf(batch: int):
        def make():
            backend = HFBackend(HFOptions(str(model), batch_size=batch, device="cpu", max_new_tokens=args.tokens))
            backend.load()
            return backend
        return make

    def api(base: str):
        return lambda: ApiBackend(ApiOptions(base, str(model), max_new_tokens=args.tokens, timeout=600))

    results: dict[str, float] = {}
    files: dict[str, Path] = {}

    def measure(name: str, make, **kw) -> None:
        files[name] = work / f"{name.replace(' ', '_')}.jsonl"
        results[name] = max(_timed(make, root, files[name], **kw) for _ in range(args.repeat))

    measure("hf batch 1", hf(1), items_per_call=1)
    measure("hf batch 8", hf(8), items_per_call=8)
    proc, base = _serve(model, work / "serve.log")
    try:
        measure("api concurrency 1", api(base), workers=1)
        measure("api concurrency 8", api(base), workers=8)
    finally:
        proc.terminate()
        proc.wait(30)
    same = len({files[name].read_bytes() for name in files}) == 1
    print(f"tiny LLaVA, CPU fp32, {args.threads} thread(s), 43 sample items, {args.tokens} new tokens, "
          f"{os.cpu_count()} CPUs; answers identical across all four runs: {same}")
    print(f"{'workload':<20} {'items/s':>9} {'vs baseline':>12}")
    for name, rate in results.items():
        baseline = results["hf batch 1" if name.startswith("hf") else "api concurrency 1"]
        print(f"{name:<20} {rate:>9.2f} {rate / baseline:>11.2f}x")


if __name__ == "__main__":
    main()
