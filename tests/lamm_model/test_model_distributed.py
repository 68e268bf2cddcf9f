"""Several processes under torchrun with the gloo backend (CPU): DDP and FSDP steps match one process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lamm_model.config import dump_config
from lamm_model.train import train

REPO = Path(__file__).resolve().parents[2]


def _torchrun(config: Path, nproc: int) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
               "-m", "lamm_model", "train", "--config", str(config)]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.parametrize("strategy", ["ddp", "fsdp"])
def test_two_gloo_processes_match_one_process(make_config, tmp_path: Path, strategy: str) -> None:
    # mixed 2D/3D batches: each process may get a different mix; the global batch of a step is the same
    single = train(make_config(overrides=[f"out_dir={tmp_path / 'single'}"], max_steps=3, batch_size=4))
    cfg = make_config(overrides=[f"out_dir={tmp_path / strategy}", f"distributed={strategy}"], max_steps=3,
                      batch_size=2)
    config = tmp_path / "cfg.yaml"
    config.write_text(dump_config(cfg), encoding="utf-8")
    done = _torchrun(config, 2)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "2 process(es) on cpu" in done.stderr
    assert done.stdout.count("step 3: loss") == 1  # results printed once, by rank 0
    lines = (tmp_path / strategy / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    losses = [json.loads(line)["loss"] for line in lines]
    assert losses == pytest.approx(single.losses, rel=1e-5)
    state = json.loads((tmp_path / strategy / "checkpoints" / "step-00000003" / "trainer_state.json").read_text())
    assert state["world_size"] == 2 and sorted(os.listdir(tmp_path / strategy / "checkpoints" / "step-00000003" /
                                                          "rng")) == ["rank-0.pt", "rank-1.pt"]
