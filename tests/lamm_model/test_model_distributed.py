"""Several processes under torchrun with the gloo backend (CPU): DDP and FSDP steps match one process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from lamm_model.config import dump_config
from lamm_model.train import train

REPO = Path(__file__).resolve().parents[2]


def _torchrun(config: Path, nproc: int, *args: str, probe: Path | None = None) -> subprocess.CompletedProcess:
    """``lamm-model train`` under torchrun; with ``probe``, ``fsdp_probe.py`` instead, writing into that folder."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    program = ["-m", "lamm_model", "train", "--config", str(config), *args] if probe is None else \
        [str(Path(__file__).with_name("fsdp_probe.py")), str(config), str(probe)]
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}", *program]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def _losses(run: Path) -> list[float]:
    return [json.loads(line)["loss"] for line in (run / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]


def _weights(checkpoint: Path) -> dict[str, torch.Tensor]:
    return load_file(str(checkpoint / "model.safetensors"))


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
    # the random base LM is saved whole: same keys and dtypes, and its frozen weights are bit-identical (under
    # FSDP rank 1 built a meta skeleton and received its shards from rank 0). Trained weights are not compared:
    # Adam turns rounding noise in a zero gradient (e.g. attention's key bias) into a full lr-sized step
    saved, expected = _weights(run / "checkpoints" / "step-00000003"), _weights(single.checkpoint)
    assert {k: (v.dtype, v.shape) for k, v in saved.items()} == {k: (v.dtype, v.shape) for k, v in expected.items()}
    frozen = [k for k in expected if k.startswith("llm.") and "lora_" not in k]
    assert frozen and [k for k in frozen if not torch.equal(saved[k], expected[k])] == []
    state = json.loads((run / "checkpoints" / "step-00000003" / "trainer_state.json").read_text())
    assert state["world_size"] == 2
    assert sorted(os.listdir(run / "checkpoints" / "step-00000003" / "rng")) == ["rank-0.pt", "rank-1.pt"]
    # resume the 2-process run from step 2: step 3 is bit-identical
    resumed = _torchrun(config, 2, "--resume", str(run / "checkpoints" / "step-00000002"),
                        f"out_dir={tmp_path / 'resumed'}")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert _losses(tmp_path / "resumed") == _losses(run)[2:]


@pytest.mark.slow
@pytest.mark.integration
def test_fsdp_builds_and_saves_what_one_process_does(make_config, pretrained_parts, tmp_path: Path) -> None:
    # bf16 with a pretrained LM and CLIP: under FSDP rank 0 reads them in bf16 and rank 1 builds a meta
    # skeleton from their configs alone; the save gathers only the kept weights (LoRA, projectors, the random
    # point tokenizer). Step 1's learning rate is 0 (warmup_decay starts at min_lr 0), so the checkpoint
    # after it holds the weights as built: bit for bit those of one process. fsdp_probe.py records how.
    llm_dir, clip_dir = pretrained_parts
    common = [f"model.llm.pretrained={llm_dir}", "model.llm.config=null", "model.llm.tokenizer=null",
              f"model.vision.pretrained={clip_dir}", "model.vision.config=null", "model.pointcloud.freeze=false",
              "precision=bf16", "loss_mean=step_tokens", "optim.schedule=warmup_decay", "optim.min_lr=0",
              "optim.warmup_steps=10"]
    single = train(make_config(overrides=[f"out_dir={tmp_path / 'single'}", *common], max_steps=1, batch_size=4))
    run = tmp_path / "fsdp"
    cfg = make_config(overrides=[f"out_dir={run}", "distributed=fsdp", *common], max_steps=1, batch_size=2)
    config = tmp_path / "cfg.yaml"
    config.write_text(dump_config(cfg), encoding="utf-8")
    done = _torchrun(config, 2, probe=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert _losses(run) == pytest.approx(single.losses, rel=1e-3)
    saved, expected = _weights(run / "checkpoints" / "step-00000001"), _weights(single.checkpoint)
    assert {k.split(".")[0] for k in expected} == {"llm", "points", "vision_proj", "points_proj"}
    assert all("lora_" in k for k in expected if k.startswith("llm."))
    assert sorted(saved) == sorted(expected)
    assert [k for k in expected if saved[k].dtype != expected[k].dtype or not torch.equal(saved[k], expected[k])] == []
    # only rank 0 built real weights; each process gathered exactly the saved tensors, not the frozen LM
    probes = [json.loads((tmp_path / f"probe-rank-{r}.json").read_text()) for r in range(2)]
    assert [p["built_on"] for p in probes] == [["cpu"], ["meta"]]
    assert [p["gathered_in_save"] for p in probes] == [len(saved), len(saved)]
    # resuming reads the weights on rank 0 only: a broken file is an error on every process, not a hang
    broken = tmp_path / "broken"
    shutil.copytree(run / "checkpoints" / "step-00000001", broken)
    (broken / "model.safetensors").write_bytes((broken / "model.safetensors").read_bytes()[:100])
    refused = _torchrun(config, 2, "--resume", str(broken), f"out_dir={tmp_path / 'resumed'}")
    assert refused.returncode != 0
    assert (refused.stdout + refused.stderr).count("not a safetensors file") == 2, refused.stderr[-3000:]
