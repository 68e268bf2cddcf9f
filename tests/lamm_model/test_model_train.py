"""Training: finite loss, overfitting a tiny set, exact resume, checks that stop a run, checkpoints, precision."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from lamm_model.checkpoint import CheckpointError, load_for_inference, resolve_checkpoint
from lamm_model.train import SampleCheckError, TrainEvents, train


def _metrics(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]


def test_two_steps_give_a_finite_loss_on_images_and_point_clouds(make_config) -> None:
    seen: list = []

    class Events(TrainEvents):
        def on_start(self, info: dict) -> None:
            seen.append(info)

    cfg = make_config(overrides=["model.llm.lora.dropout=0.05"])
    rng = torch.get_rng_state()
    result = train(cfg, events=Events())
    assert torch.equal(torch.get_rng_state(), rng)  # the caller's RNG is left alone
    assert len(result.losses) == 2 and all(math.isfinite(x) and x > 0 for x in result.losses)
    assert result.check is not None and result.check.total == 12 and result.check.bad == 0
    assert seen[0]["samples"] == 12 and 0 < seen[0]["trainable"] < seen[0]["parameters"]
    run = Path(cfg.out_dir)
    assert resolve_checkpoint(run) == result.checkpoint == run / "checkpoints" / "step-00000002"
    assert [m["step"] for m in _metrics(run)] == [1, 2]
    state = json.loads((result.checkpoint / "trainer_state.json").read_text())
    assert state["step"] == 2 and state["position"] == [0, 2] and state["tokens"] > 0
    assert json.loads((run / "sample_checks.json").read_text())["bad"] == 0


@pytest.mark.slow
def test_a_tiny_set_is_overfit(make_config) -> None:
    lora = ["optim.lr=3e-2", "model.llm.lora.r=16", "model.llm.lora.alpha=32",
            "model.llm.lora.target_modules=[q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj]"]
    cfg = make_config(sources=[{"name": "LAMM_instruct_186k", "limit": 2}, {"name": "LAMM_3dinstruct_10k", "limit": 2}],
                      overrides=lora, max_steps=60)
    losses = train(cfg).losses
    assert sum(losses[-5:]) / 5 < 0.3 * sum(losses[:5]) / 5, losses


def test_resume_continues_exactly(make_config, tmp_path: Path) -> None:
    overrides = ["model.llm.lora.dropout=0.2", "data.num_workers=1", "save_every=2", "batch_size=3",
                 "optim.warmup_steps=1", "model.pointcloud.freeze=false"]
    straight = train(make_config(overrides=overrides, max_steps=5))
    resumed_cfg = make_config(overrides=[*overrides, f"out_dir={tmp_path / 'resumed'}"], max_steps=5)
    resumed = train(resumed_cfg, resume=Path(straight.checkpoint).parent / "step-00000002")
    assert resumed.losses == straight.losses[2:]  # bit-identical: weights, optimizer, lr, data, dropout RNG
    assert resumed.state.position == straight.state.position and resumed.state.tokens == straight.state.tokens
    a = load_file(str(straight.checkpoint / "model.safetensors"))
    b = load_file(str(resumed.checkpoint / "model.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_resume_refuses_other_data(make_config, tmp_path: Path) -> None:
    first = train(make_config(max_steps=1))
    other = make_config(sources=[{"name": "LAMM_instruct_186k", "limit": 5}], max_steps=2,
                        overrides=[f"out_dir={tmp_path / 'other'}"])
    with pytest.raises(CheckpointError, match="training samples changed"):
        train(other, resume=first.checkpoint)


def test_resume_refuses_an_incomplete_checkpoint(make_config, tmp_path: Path) -> None:
    first = train(make_config(max_steps=1))
    copy = tmp_path / "copy"
    shutil.copytree(first.checkpoint, copy)
    (copy / "rng" / "rank-0.pt").unlink()  # without it dropout would differ: not an exact resume
    again = make_config(max_steps=2, overrides=[f"out_dir={tmp_path / 'again'}"])
    with pytest.raises(CheckpointError, match=r"cannot resume training exactly: rng/rank-0.pt is missing"):
        train(again, resume=copy)
    assert sorted(p.name for p in first.checkpoint.parent.iterdir()) == ["step-00000001"]  # no temp folder left
    assert (Path(first.checkpoint).parent.parent / "latest").read_text() == "checkpoints/step-00000001\n"


def test_failed_checks_stop_before_step_one(make_config, model_root: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(model_root, root)
    meta = root / "3D_Instruct" / "meta_file" / "LAMM_3dinstruct_10k.json"
    items = json.loads(meta.read_text(encoding="utf-8"))
    items[0]["conversations"][1]["value"] = ""
    items[1]["conversations"][0]["value"] = "<image>\nWhat is this?"
    meta.write_text(json.dumps(items), encoding="utf-8")
    cfg = make_config(overrides=[f"data.root={root}", "data.max_bad_fraction=0.1"])
    with pytest.raises(SampleCheckError, match=r"2 of 12 samples \(16.7%\) failed the checks") as info:
        train(cfg)
    assert {p.kind for p in info.value.report.problems} == {"empty_answer", "placeholder"}
    saved = json.loads((Path(cfg.out_dir) / "sample_checks.json").read_text())
    assert saved["sources"][1] == {"source": "3D_Instruct/meta_file/LAMM_3dinstruct_10k.json", "total": 4, "bad": 2,
                                   "truncated": 0, "problems": {"empty_answer": 1, "placeholder": 1}}
    assert not (Path(cfg.out_dir) / "checkpoints").exists()
    tolerant = make_config(overrides=[f"data.root={root}", "data.max_bad_fraction=0.2",
                                      f"out_dir={tmp_path / 'tolerant'}"], max_steps=1)
    assert len(train(tolerant).check.valid) == 10


def test_checkpoints_of_pretrained_models_hold_only_what_changed(make_config, pretrained_parts) -> None:
    llm_dir, clip_dir = pretrained_parts
    cfg = make_config(overrides=[f"model.llm.pretrained={llm_dir}", "model.llm.config=null", "model.llm.tokenizer=null",
                                 f"model.vision.pretrained={clip_dir}", "model.vision.config=null"], max_steps=2)
    result = train(cfg)
    saved = load_file(str(result.checkpoint / "model.safetensors"))
    components = {k.split(".")[0] for k in saved}
    assert components == {"llm", "points", "vision_proj", "points_proj"}
    assert all("lora_" in k for k in saved if k.startswith("llm."))
    model, tokenizer, loaded_cfg = load_for_inference(Path(cfg.out_dir))
    assert loaded_cfg == cfg and len(tokenizer) == 260
    state = model.state_dict()
    assert all(torch.equal(state[k], v) for k, v in saved.items() if not k.startswith("llm."))
    assert any(v.abs().sum() > 0 for k, v in saved.items() if "lora_B" in k)  # LoRA B starts at zero
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(llm_dir).state_dict()
    key = "model.layers.0.mlp.up_proj.weight"
    assert torch.equal(state[f"llm.{key}"], base[key])
    # inference merges LoRA into the base weights: W = W0 + alpha / r * B @ A
    lora = "llm.base_model.model.model.layers.0.self_attn.q_proj.lora_{}.default.weight"
    scale = cfg.model.llm.lora.alpha / cfg.model.llm.lora.r
    torch.testing.assert_close(state["llm.model.layers.0.self_attn.q_proj.weight"],
                               base["model.layers.0.self_attn.q_proj.weight"]
                               + scale * saved[lora.format("B")] @ saved[lora.format("A")])


def test_a_meta_skeleton_matches_the_model_and_reads_no_weights(make_config, pretrained_parts) -> None:
    # what FSDP's ranks > 0 build: same names, shapes, dtypes and trainable flags, no storage, and the
    # pretrained weight files are not read (here they are gone: only the configs are left)
    from lamm_model.model import build_model

    llm_dir, clip_dir = pretrained_parts
    cfg = make_config(overrides=[f"model.llm.pretrained={llm_dir}", "model.llm.config=null", "model.llm.tokenizer=null",
                                 f"model.vision.pretrained={clip_dir}", "model.vision.config=null",
                                 "model.pointcloud.freeze=false"])
    real, tokenizer = build_model(cfg.model, seed=0, dtype=torch.bfloat16)
    for folder in (llm_dir, clip_dir):
        (folder / "model.safetensors").unlink()
    meta, _ = build_model(cfg.model, seed=0, tokenizer=tokenizer, dtype=torch.bfloat16, device="meta")

    def layout(model: torch.nn.Module) -> dict:
        return {n: (tuple(t.shape), t.dtype, t.requires_grad) for n, t in [*model.named_parameters(),
                                                                           *model.named_buffers()]}

    assert layout(meta) == layout(real)
    assert all(t.is_meta for t in [*meta.parameters(), *meta.buffers()])
    assert {p.dtype for n, p in real.named_parameters() if not p.requires_grad} == {torch.bfloat16}


def test_bf16_runs_and_gradient_checkpointing_changes_nothing(make_config, tmp_path: Path) -> None:
    bf16 = train(make_config(precision="bf16"))
    assert all(math.isfinite(x) for x in bf16.losses)
    plain = train(make_config(overrides=[f"out_dir={tmp_path / 'plain'}"], max_steps=3))
    ckpt = train(make_config(overrides=[f"out_dir={tmp_path / 'ckpt'}", "gradient_checkpointing=true"], max_steps=3))
    assert ckpt.losses == pytest.approx(plain.losses, rel=1e-5)
    assert bf16.losses[0] == pytest.approx(plain.losses[0], rel=2e-2)


def test_grad_accumulation_equals_a_bigger_batch(make_config, tmp_path: Path) -> None:
    # with loss_mean=step_tokens (LAMM's micro_batch mean depends on the split by definition)
    big = train(make_config(overrides=[f"out_dir={tmp_path / 'big'}", "loss_mean=step_tokens"], max_steps=3,
                            batch_size=4))
    acc = train(make_config(overrides=[f"out_dir={tmp_path / 'acc'}", "loss_mean=step_tokens"], max_steps=3,
                            batch_size=2, grad_accum=2))
    assert acc.losses == pytest.approx(big.losses, rel=1e-5)


@pytest.mark.parametrize(("source", "disabled"),
                         [("LAMM_instruct_186k", "pointcloud"), ("Detection_ScanNet", "vision")])
def test_single_modality_models(make_config, source: str, disabled: str) -> None:
    result = train(make_config(sources=[{"name": source}], overrides=[f"model.{disabled}.enabled=false"], max_steps=1))
    assert math.isfinite(result.losses[0])
    saved = load_file(str(result.checkpoint / "model.safetensors"))
    prefix = "points" if disabled == "pointcloud" else "vision"
    assert not any(k.startswith(prefix) for k in saved)


def test_a_source_needs_its_encoder(make_config) -> None:
    from lamm_model.config import ConfigError

    with pytest.raises(ConfigError, match=r"holds point clouds but model\.pointcloud\.enabled is false"):
        train(make_config(overrides=["model.pointcloud.enabled=false"], max_steps=1))


def test_an_out_dir_that_is_a_file_is_a_config_error(make_config, tmp_path: Path) -> None:
    from lamm_model.config import ConfigError

    (tmp_path / "taken").write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"out_dir: .*taken is a file"):
        train(make_config(overrides=[f"out_dir={tmp_path / 'taken'}"], max_steps=1))


def test_loss_mean_micro_batch_is_lamms_and_step_tokens_is_the_token_mean(make_config) -> None:
    """Two micro-batches with 3 and 9 supervised tokens: LAMM (DeepSpeed) averages their token means; the
    other setting takes one mean over all 12 tokens. Gradients follow the same definition."""
    from lamm_model.data import collate
    from lamm_model.model import IGNORE, IMAGE, build_model
    from lamm_model.train import Runtime, _forward_backward

    cfg = make_config(overrides=["model.pointcloud.enabled=false"])
    model, tok = build_model(cfg.model, seed=0)
    media = model.media_tokens()[IMAGE]

    def micro(answer: int, seed: int) -> dict:
        g = torch.Generator().manual_seed(seed)
        ids = torch.randint(3, 250, (1 + media + 6 + answer,), generator=g).tolist()
        labels = [IGNORE] * (len(ids) - answer) + ids[len(ids) - answer:]
        return collate([{"input_ids": ids, "labels": labels, "media_start": 1, "media_len": media,
                         "modality": IMAGE, "pixels": torch.randn(3, 16, 16, generator=g)}], tok.pad_token_id)

    batches = [micro(3, 1), micro(9, 2)]
    model.eval()  # no dropout: the two definitions are compared on the same function
    with torch.no_grad():
        parts = [model(b) for b in batches]
    rt = Runtime(0, 1, 0, torch.device("cpu"))
    results = {}
    for mean in ("micro_batch", "step_tokens"):
        model.zero_grad()
        loss, supervised, _ = _forward_backward(model, batches, cfg.model_copy(update={"loss_mean": mean}), rt,
                                                torch.autocast("cpu", enabled=False))
        grad = model.vision_proj.weight.grad.clone()
        results[mean] = (loss, grad)
        assert supervised == 12
    (s1, n1), (s2, n2) = parts
    assert results["micro_batch"][0] == pytest.approx(float((s1 / n1 + s2 / n2) / 2), rel=1e-5)
    assert results["step_tokens"][0] == pytest.approx(float((s1 + s2) / 12), rel=1e-5)
    model.zero_grad()
    ((model(batches[0])[0] / 3 + model(batches[1])[0] / 9) / 2).backward()
    torch.testing.assert_close(results["micro_batch"][1], model.vision_proj.weight.grad)
    assert not torch.allclose(results["micro_batch"][1], results["step_tokens"][1])
