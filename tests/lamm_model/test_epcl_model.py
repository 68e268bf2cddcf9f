"""EPCL as the model's point encoder (``model.pointcloud.encoder: epcl``): build, train a step, predict, score."""

from __future__ import annotations

import json
from pathlib import Path

import epcl_fixtures as fx
import pytest
import torch
from typer.testing import CliRunner

from lamm_model.config import ConfigError
from lamm_model.epcl.encoder import EpclEncoder
from lamm_model.model import build_model

EPCL = fx.TINY_EPCL
tiny_epcl_checkpoint = fx.tiny_epcl_checkpoint


def epcl_overrides(pretrained: Path) -> list[str]:
    return ["model.pointcloud.encoder=epcl", f"model.pointcloud.pretrained={pretrained}",
            "model.pointcloud.num_points=256", "model.pointcloud.num_tokens=8", "model.pointcloud.freeze=true",
            *(f"model.pointcloud.epcl.{k}={v}" for k, v in EPCL.items())]


def test_the_model_uses_the_imported_epcl_weights(make_config, tmp_path: Path) -> None:
    ckpt = tiny_epcl_checkpoint(tmp_path / "epcl.pth")
    cfg = make_config(overrides=epcl_overrides(ckpt))
    model, _ = build_model(cfg.model, seed=0)
    assert isinstance(model.points, EpclEncoder)
    assert model.points_proj.in_features == 128 and model.media_tokens()[1] == 8
    assert not any(p.requires_grad for p in model.points.parameters())
    want = fx.det_tensor("encoder.pos_embed.0.weight", (128, 3))
    assert torch.equal(model.points.encoder.pos_embed[0].weight, want)
    feats = model.encode({"points": torch.rand(2, 256, 3), "modality": torch.tensor([1, 1])})
    assert feats.shape == (16, cfg.model.llm.config["hidden_size"])


def test_epcl_settings_are_checked(make_config, tmp_path: Path) -> None:
    ckpt = tiny_epcl_checkpoint(tmp_path / "epcl.pth")
    with pytest.raises(ConfigError, match=r"num_tokens \(9\) exceeds the 8 tokens"):
        make_config(overrides=[*epcl_overrides(ckpt), "model.pointcloud.num_tokens=9"])
    with pytest.raises(ConfigError, match=r"model\.pointcloud\.epcl\.widht: unknown setting; did you mean width"):
        make_config(overrides=[*epcl_overrides(ckpt), "model.pointcloud.epcl.widht=3"])


@pytest.mark.slow
@pytest.mark.integration
def test_train_predict_score_with_epcl(make_config, model_root: Path, tmp_path: Path) -> None:
    """A 3D run on EPCL: one training step, predictions on the sample's 3D benchmarks, scored by lamm-bench."""
    from lamm_bench.cli import app as bench
    from lamm_model.predict import GenerationSettings, predict
    from lamm_model.train import train

    ckpt = tiny_epcl_checkpoint(tmp_path / "epcl.pth")
    cfg = make_config(sources=[{"name": "LAMM_3dinstruct_10k"}], overrides=epcl_overrides(ckpt), max_steps=1)
    result = train(cfg)
    out = tmp_path / "predictions.jsonl"
    summary = predict(result.checkpoint, str(model_root), ["3d"], out, batch_size=2,
                      settings=GenerationSettings(max_new_tokens=3))
    assert summary.written and all(n > 0 for n in summary.written.values())
    report = tmp_path / "report.json"
    done = CliRunner().invoke(bench, ["score", str(out), "--root", str(model_root), "--out", str(report),
                                      "--resamples", "0", "--quiet", "--allow-partial"])
    assert done.exit_code == 0, done.output
    results = json.loads(report.read_text(encoding="utf-8"))["results"]
    assert set(results) == set(summary.written)
    assert all(results[name]["missing"] == 0 for name in results)


def test_a_bf16_model_gives_epcl_the_cloud_rounded_as_lamm_did(make_config, tmp_path: Path) -> None:
    """LAMM cast the cloud to its fp16 LLM dtype before EPCL; a bf16 model must not round it to bf16 first
    (coarser: other FPS picks). The encoder sees the float32 cloud and rounds it to ``input_precision`` itself."""
    ckpt = tiny_epcl_checkpoint(tmp_path / "epcl.pth")
    cfg = make_config(overrides=epcl_overrides(ckpt))
    model, _ = build_model(cfg.model, seed=0, dtype=torch.bfloat16)
    seen: list[torch.Tensor] = []
    model.points.register_forward_pre_hook(lambda module, args: seen.append(args[0]))
    cloud = torch.rand(1, 256, 3, generator=torch.Generator().manual_seed(0)) * 7
    model.encode({"points": cloud, "modality": torch.tensor([1])})
    assert seen[0].dtype == torch.float32 and torch.equal(seen[0], cloud)
    centres, _ = model.points.encode(cloud)
    lamm_centres, _ = model.points.encode(cloud.half().float())  # LAMM's fp16 cast, then the ops' float32
    assert torch.equal(centres, lamm_centres)
