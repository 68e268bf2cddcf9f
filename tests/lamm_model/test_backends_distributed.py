"""``lamm-model predict --hf`` under torchrun with 2 gloo CPU processes: the merged file equals one process's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lamm_bench.fingerprint import read

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.integration
def test_two_gloo_processes_write_the_single_process_file(tiny_vlm, model_root: Path, tmp_path: Path) -> None:
    args = ["predict", "--hf", str(tiny_vlm("llava")), "--root", str(model_root), "--benchmark",
            "Classification_CIFAR10,Keypoints_Detection_LSP,VQA_AI2D,OCR_SVT", "--device", "cpu",
            "--max-new-tokens", "5", "--batch-size", "3"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    single = subprocess.run([sys.executable, "-m", "lamm_model", *args, "--out", str(tmp_path / "one.jsonl")],
                            env=env, capture_output=True, text=True, timeout=600)
    assert single.returncode == 0, single.stderr[-3000:]
    merged = tmp_path / "two.jsonl"
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                           "-m", "lamm_model", *args, "--out", str(merged)], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert merged.read_bytes() == (tmp_path / "one.jsonl").read_bytes()
    assert done.stdout.count("predictions: ") == 1  # the summary is printed once, by rank 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.jsonl", "one.jsonl.fingerprint.json", "two.jsonl",
                                                          "two.jsonl.fingerprint.json"]  # no shard left behind
    assert read(merged) == read(tmp_path / "one.jsonl")


def test_merge_orders_like_one_process_and_never_repeats_a_line(tmp_path: Path) -> None:
    import json

    from lamm_model.backends.runner import merge_shards, shard_path

    def line(i: int) -> str:
        return json.dumps({"id": str(i), "benchmark": "OCR_SVT", "text": f"t{i}"}) + "\n"

    out = tmp_path / "p.jsonl"
    out.write_text(line(0), encoding="utf-8")
    # a crash after the last merge's rename but before the shards were removed left line 0 in shard 0
    shard_path(out, 0, 2).write_text(line(0) + line(2) + line(4), encoding="utf-8")
    shard_path(out, 1, 2).write_text(line(1) + line(3) + '{"id": "5", "bench', encoding="utf-8")  # cut short
    assert merge_shards(out, 2) == {"OCR_SVT": 4}
    assert out.read_text(encoding="utf-8") == "".join(line(i) for i in range(5))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.jsonl"]
