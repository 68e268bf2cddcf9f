"""The typed config: YAML + key=value overrides, clear errors, the bundled sample config."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lamm_model.config import ConfigError, bundled_config, dump_config, load_config, parse_overrides


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


MINIMAL = {"model": {"llm": {"pretrained": "some/llm"}}, "data": {"sources": [{"name": "LAMM_instruct_98k"}]}}


def test_defaults_follow_lamm_recipe(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, MINIMAL))
    assert (cfg.model.llm.lora.r, cfg.model.llm.lora.alpha, cfg.model.llm.lora.dropout) == (32, 32, 0.1)
    assert cfg.model.llm.lora.target_modules == ["q_proj", "k_proj", "v_proj", "o_proj"]
    assert cfg.model.vision.pretrained == "openai/clip-vit-large-patch14"
    assert cfg.model.vision.freeze and cfg.model.vision.layer == -1  # forward_patch_features: last block, no ln_post
    assert (cfg.model.vision.resize_train, cfg.model.vision.resize_predict) == ("squash", "crop")
    assert cfg.data.max_text_tokens == 400 and cfg.data.max_length is None
    assert (cfg.optim.schedule, cfg.optim.warmup(5815), cfg.optim.warmup(50), cfg.loss_mean) == (
        "warmup_decay", 581, 10, "micro_batch")
    # a random point encoder trains by default; a pretrained one is frozen
    assert not cfg.model.pointcloud.frozen
    assert cfg.model.pointcloud.num_tokens == 256 and cfg.model.pointcloud.num_points == 40000
    assert load_config(_write(tmp_path, MINIMAL), ["model.pointcloud.pretrained=epcl.pt"]).model.pointcloud.frozen


def test_frozen_random_point_encoder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"model.pointcloud.freeze is true but model.pointcloud.pretrained is not "
                                          r"set: a frozen random point encoder"):
        load_config(_write(tmp_path, MINIMAL), ["model.pointcloud.freeze=true"])
    assert load_config(_write(tmp_path, MINIMAL), ["model.pointcloud.freeze=true",
                                                   "model.pointcloud.enabled=false"]).model.pointcloud.freeze


def test_overrides_are_typed_and_nested(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, MINIMAL), ["optim.lr=1e-4", "model.llm.lora.target_modules=[q_proj,v_proj]",
                                                  "data.sources.0.limit=8", "save_every=null", "precision=bf16"])
    assert cfg.optim.lr == 1e-4
    assert cfg.model.llm.lora.target_modules == ["q_proj", "v_proj"]
    assert cfg.data.sources[0].limit == 8
    assert cfg.save_every is None and cfg.precision == "bf16"


def test_unknown_key_names_the_closest(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"optim.lrr: unknown setting; did you mean lr"):
        load_config(_write(tmp_path, MINIMAL), ["optim.lrr=1"])
    with pytest.raises(ConfigError, match=r"data.sources.0.limt: unknown setting; did you mean limit"):
        load_config(_write(tmp_path, MINIMAL), ["data.sources.0.limt=1"])


def test_bad_values_name_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"precision: Input should be 'fp32' or 'bf16'"):
        load_config(_write(tmp_path, MINIMAL), ["precision=fp16"])
    with pytest.raises(ConfigError, match=r"model.llm: .*exactly one of model.llm.pretrained"):
        load_config(_write(tmp_path, MINIMAL), ["model.llm.config={model_type: llama}"])
    with pytest.raises(ConfigError, match=r"not key=value"):
        parse_overrides(["optim.lr"])
    with pytest.raises(ConfigError, match=r"is not an index"):
        load_config(_write(tmp_path, MINIMAL), ["data.sources.3.limit=1"])


def test_unreadable_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)


def test_dump_round_trips(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, MINIMAL), ["optim.betas=[0.8, 0.9]"])
    again = tmp_path / "again.yaml"
    again.write_text(dump_config(cfg), encoding="utf-8")
    assert load_config(again) == cfg


def test_bundled_sample_config_builds_offline() -> None:
    path = bundled_config("sample_cpu")
    assert path is not None and bundled_config("sample_cpu.yaml") == path
    cfg = load_config(path)
    assert cfg.data.root == "sample" and cfg.device == "cpu"
    assert cfg.model.llm.pretrained is None and cfg.model.llm.tokenizer == "byte"
    assert cfg.model.vision.pretrained is None and cfg.model.llm.finetune == "lora"
    assert bundled_config("nope") is None and bundled_config("../x") is None
    from lamm_model.model import IMAGE, PCL, build_model

    model, tokenizer = build_model(cfg.model, seed=0)  # nothing to download: every part is random or local
    assert len(tokenizer) == 260 and model.media_tokens() == {IMAGE: 16, PCL: 16}


def test_every_bundled_config_validates() -> None:
    folder = bundled_config("sample_cpu").parent  # type: ignore[union-attr]
    names = sorted(p.stem for p in folder.glob("*.yaml"))
    assert {"lamm2d_vicuna13b_v0", "lamm2d_vicuna7b_v0", "lamm2d_llama2chat7b"} <= set(names)
    for name in names:
        load_config(bundled_config(name))


@pytest.mark.parametrize(("override", "message"), [
    ("model.llm.config.vocab_size=10", r"model.llm.config.vocab_size \(10\) is smaller than the tokenizer \(260"),
    ("model.llm.config.model_type=lama", r"model.llm.config.model_type: 'lama' is not .*did you mean llama"),
    ("model.llm.tokenizer={missing}", r"model.llm.tokenizer \(or model.llm.pretrained\): cannot load '.*missing'"),
    ("model.pointcloud.pretrained={missing}.pt", r"model.pointcloud.pretrained: cannot load '.*missing.pt'"),
])
def test_unloadable_model_parts_are_config_errors(make_config, tmp_path: Path, override: str, message: str) -> None:
    from lamm_model.model import build_model

    cfg = make_config(overrides=[override.format(missing=tmp_path / "missing")])
    with pytest.raises(ConfigError, match=message):
        build_model(cfg.model, seed=0)


def test_a_point_tokenizer_state_of_another_shape_is_a_config_error(make_config, tmp_path: Path) -> None:
    import torch

    from lamm_model.model import build_model, build_points

    cfg = make_config()
    weights = tmp_path / "points.pt"
    torch.save(build_points(cfg.model.pointcloud.model_copy(update={"width": 32})).state_dict(), weights)
    with pytest.raises(ConfigError, match=r"model.pointcloud.pretrained: .*points.pt does not fit"):
        build_model(make_config(overrides=[f"model.pointcloud.pretrained={weights}"]).model, seed=0)
