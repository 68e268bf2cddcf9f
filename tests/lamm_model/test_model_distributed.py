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


def _torchrun(config: Path, nproc: int, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
               "-m", "lamm_model", "train", "--config", str(config), *args]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def _losses(run: Path) -> list[float]:
    return [json.loads(line)["loss"] for line in (run / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.parametrize("strategy", ["ddp", "fsdp"])
def test_two_gloo_processes_match_one_process(make_config, tmp_path: Path, strategy: str) -> None:
    # mixed 2D/3D batches: each process may get a different mix; the global batch of a step is the same.
    # The point tokenizer trains too, so its gradients must be reduced across processes.
    # loss_mean=step_tokens: one mean over the step's tokens, so the split over processes changes nothing
    single = train(make_config(overrides=[f"out_dir={tmp_path / 'single'}", "model.pointcloud.freeze=false",
                                          "loss_mean=step_tokens"],
                               max_steps=3, batch_size=4))
    run = tmp_path / strategy
    cfg = make_config(overrides=[f"out_dir={run}", f"distributed={strategy}", "save_every=2",
                                 "model.pointcloud.freeze=false", "loss_mean=step_tokens"], max_steps=3, batch_size=2)
    config = tmp_path / "cfg.yaml"
    config.write_text(dump_config(cfg), encoding="utf-8")
    done = _torchrun(config, 2)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "2 process(es) on cpu" in done.stderr
    assert done.stdout.count("step 3: loss") == 1  # results printed once, by rank 0
    assert _losses(run) == pytest.approx(single.losses, rel=1e-5)
    state = json.loads((run / "checkpoints" / "step-00000003" / "trainer_state.json").read_text())
    assert state["world_size"] == 2
    assert sorted(os.listdir(run / "checkpoints" / "step-00000003" / "rng")) == ["rank-0.pt", "rank-1.pt"]
    # resume the 2-process run from step 2: step 3 is bit-identical
    resumed = _torchrun(config, 2, "--resume", str(run / "checkpoints" / "step-00000002"),
                        f"out_dir={tmp_path / 'resumed'}")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert _losses(tmp_path / "resumed") == _losses(run)[2:]
