"""Fixtures for lamm_model tests: the embedded sample as a LAMM root and tiny random model configs.

Every model here is random and tiny (a 2-layer LLaMA of width 32, a CLIP tower on 16 px images, a point
tokenizer with 4 tokens) and the tokenizer is the byte-level one built locally: nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lamm_data.sample import write_sample
from lamm_model.config import TrainConfig, load_config

TINY_LLAMA = {"model_type": "llama", "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
              "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 2048,
              "initializer_range": 0.2}
TINY_CLIP = {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
             "image_size": 16, "patch_size": 8}
TINY_POINTS = {"num_points": 64, "num_tokens": 4, "group_size": 8, "width": 16, "depth": 1, "heads": 2}


@pytest.fixture(scope="session")
def model_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded sample written once for these tests (they add converted splits under ``.lamm/``)."""
    return write_sample(tmp_path_factory.mktemp("lamm") / "root")


def tiny_config(root: Path, out: Path, sources: list[Any] | None = None, overrides: list[str] = (),
                **top: Any) -> TrainConfig:
    """A tiny CPU training config on ``root`` (2D + 3D instruction files by default)."""
    base: dict[str, Any] = {
        "model": {"use_system": False,
                  "llm": {"tokenizer": "byte", "config": dict(TINY_LLAMA),
                          "lora": {"r": 4, "alpha": 8, "dropout": 0.0}},
                  "vision": {"pretrained": None, "config": dict(TINY_CLIP)},
                  "pointcloud": dict(TINY_POINTS)},
        "data": {"root": str(root), "max_length": 512, "max_text_tokens": None, "num_workers": 0,
                 "sources": sources or [{"name": "LAMM_instruct_186k"}, {"name": "LAMM_3dinstruct_10k"}]},
        "optim": {"lr": 1e-2, "warmup_steps": 0, "warmup_ratio": 0.0, "schedule": "cosine"},
        "out_dir": str(out), "max_steps": 2, "batch_size": 4, "device": "cpu", "log_every": 1,
        "generation": {"max_new_tokens_2d": 3, "max_new_tokens_3d": 3},
    }
    base.update(top)
    return load_config(None, list(overrides), base=base)


@pytest.fixture
def make_config(model_root: Path, tmp_path: Path):
    """``make_config(sources=None, overrides=(), **top)`` -> a tiny TrainConfig writing into ``tmp_path/run``."""

    def make(sources: list[Any] | None = None, overrides: list[str] = (), **top: Any) -> TrainConfig:
        return tiny_config(model_root, tmp_path / "run", sources, overrides, **top)

    return make


@pytest.fixture
def tiny_specs() -> dict[str, dict[str, Any]]:
    """The tiny LLaMA, CLIP and point-tokenizer settings the configs use."""
    return {"llama": dict(TINY_LLAMA), "clip": dict(TINY_CLIP), "points": dict(TINY_POINTS)}


@pytest.fixture
def pretrained_parts(tmp_path: Path, tiny_specs: dict[str, dict[str, Any]]) -> tuple[Path, Path]:
    """Folders of a tiny random LLaMA (with the byte tokenizer) and CLIP tower saved as pretrained models."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, CLIPVisionConfig, CLIPVisionModel

    from lamm_model.tokenizer import byte_tokenizer

    tokenizer = byte_tokenizer()
    llm_dir, clip_dir = tmp_path / "llm", tmp_path / "clip"
    torch.manual_seed(7)
    llm = AutoModelForCausalLM.from_config(AutoConfig.for_model(**tiny_specs["llama"], vocab_size=len(tokenizer),
                                                                pad_token_id=tokenizer.pad_token_id))
    llm.save_pretrained(llm_dir)
    tokenizer.save_pretrained(llm_dir)
    CLIPVisionModel(CLIPVisionConfig(**tiny_specs["clip"])).save_pretrained(clip_dir)
    return llm_dir, clip_dir


@pytest.fixture(scope="session")
def trained_checkpoint(model_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model trained for one step on the sample's 2D and 3D instruction files."""
    from lamm_model.train import train

    return train(tiny_config(model_root, tmp_path_factory.mktemp("trained"), max_steps=1)).checkpoint


@pytest.fixture(scope="session")
def tiny_vlm(tmp_path_factory: pytest.TempPathFactory):
    """``tiny_vlm(family)`` -> folder of a tiny random ``llava`` or ``gemma3`` model (built once per session)."""
    from tiny_vlms import BUILDERS

    built: dict[str, Path] = {}

    def get(family: str) -> Path:
        if family not in built:
            built[family] = BUILDERS[family](tmp_path_factory.mktemp(f"vlm-{family}") / family)
        return built[family]

    return get
