"""Import LAMM's released 3D model (``lamm3d_13b_lora32_10k``) with its EPCL encoder (``epcl_vit-L_256tokens``).

The 3D delta is what LAMM's ``save_model`` wrote, as for 2D: only the trainable parameters, fp16 — peft LoRA on
the LLM's q/k/v/o (``llama_model.base_model.model.model.layers.{i}.self_attn.{m}.lora_{A,B}[.default].weight``,
both peft spellings) and ``llama_proj``, which for 3D maps EPCL's 1,024-wide point tokens to the LLM
(``openlamm.py`` ``encode_pcl``) and so becomes our ``points_proj``. LoRA's rank comes from the shapes, alpha
from an option (LAMM: 32). The EPCL checkpoint is read with the allow-list unpickler
(:mod:`lamm_model.epcl.checkpoint`), checked key by key, and named in the new checkpoint's config by absolute
path, as the base LLM folder is: ``predict`` rebuilds the encoder from it. Every unknown or missing key, or a
shape that does not fit the LLM or the EPCL width, is a listed error; the output folder appears only complete.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from lamm_data.hashing import hash_file
from lamm_model.config import TrainConfig, validate_config
from lamm_model.epcl.checkpoint import EpclCheckpointError, ImportedEpcl, import_epcl, projector_key_3d
from lamm_model.import_lamm import IMPORT_RECORD as IMPORT_RECORD  # the same record file as the 2D import
from lamm_model.import_lamm import (
    LAMM_LORA_ALPHA,
    LAMM_LORA_DROPOUT,
    ImportLammError,
    ImportResult,
    KeyRule,
    check_lora,
    check_request,
    convert_keys,
    key_spelling,
    listing,
    llm_dims,
    lora_key,
    projector_problems,
    read_lamm_checkpoint,
    write_imported,
)

LAMM_3D_NUM_POINTS = 40000
"""``openlamm.py``: ``num_points`` default (LAMM's 3D scripts set none)."""
LAMM_3D_NUM_TOKENS = 256
"""``train_lamm3d.sh``: ``--num_vision_token 256``."""

Lamm3dImportError = ImportLammError
"""A LAMM 3D checkpoint (or its EPCL encoder) that cannot be converted: the 2D import's error type, since both
imports share their readers and checks."""

RULES_3D: tuple[KeyRule, ...] = (KeyRule("llama_model.", lora_key), KeyRule("llama_proj.", projector_key_3d))
"""The rules of LAMM's 3D checkpoints (LoRA + point projector)."""


@dataclass
class Lamm3dImport(ImportResult):
    """What :func:`import_lamm_3d` wrote: as for 2D, plus the EPCL encoder it read."""

    epcl: ImportedEpcl = field(kw_only=True)


def check_delta(weights: Mapping[str, torch.Tensor], llm: Path, width: int, source: str,
                ) -> tuple[int, list[str], int]:
    """LoRA rank, target modules and LLM layers, after checking every weight against the LLM and EPCL width.

    Raises:
        ImportLammError: missing weights, mixed ranks, or shapes that do not fit (all listed).
    """
    layers, hidden, kv_out = llm_dims(llm)
    r, modules, problems = check_lora(weights, layers, hidden, kv_out, source)
    problems += projector_problems(weights, "points_proj", hidden, width, "EPCL")
    if problems:
        raise ImportLammError(f"{source}: does not fit the given LLM and EPCL encoder: {listing(problems)}")
    return r, modules, layers


def lamm_3d_config(llm: str, epcl: str, imported: ImportedEpcl, *, r: int, alpha: int, target_modules: list[str],
                   tokenizer: str | None = None, template: str = "lamm-2023-06") -> TrainConfig:
    """The config of an imported LAMM 3D model: LAMM's 3D settings with the given LLM folder and EPCL file."""
    data: dict[str, Any] = {
        "model": {
            "use_system": True, "template": template,
            "llm": {"pretrained": llm, "tokenizer": tokenizer, "finetune": "lora",
                    "lora": {"r": r, "alpha": alpha, "dropout": LAMM_LORA_DROPOUT, "target_modules": target_modules}},
            "vision": {"enabled": False},
            "pointcloud": {"encoder": "epcl", "pretrained": epcl, "freeze": True, "num_points": LAMM_3D_NUM_POINTS,
                           "num_tokens": min(LAMM_3D_NUM_TOKENS, imported.cfg.output_tokens),
                           "use_color": imported.use_color, "epcl": imported.cfg.model_dump()},
        },
        "data": {"sources": [{"name": "LAMM_3dinstruct_10k"}], "max_text_tokens": 400},
        "generation": {"max_new_tokens_2d": 400, "max_new_tokens_3d": 800},
    }
    return validate_config(data, "imported LAMM 3D config")


def import_lamm_3d(checkpoint: str | os.PathLike[str], llm: str | os.PathLike[str], epcl: str | os.PathLike[str],
                   out: str | os.PathLike[str], *, lora_alpha: int = LAMM_LORA_ALPHA,
                   tokenizer: str | os.PathLike[str] | None = None, template: str = "lamm-2023-06") -> Lamm3dImport:
    """Convert LAMM's 3D ``pytorch_model.pt`` and its EPCL checkpoint into a checkpoint folder ``out``.

    ``out`` must not exist (or be an empty folder); it is written under a temporary name and renamed when
    complete. The LLM folder and the EPCL file are referenced by absolute path.

    Raises:
        ImportLammError: unreadable or unsafe files, unknown or missing keys, shapes that do not fit, ``out`` in use.
    """
    source, llm, epcl, out = Path(checkpoint), Path(llm).absolute(), Path(epcl).absolute(), Path(out)
    check_request(out, template, lora_alpha)
    try:
        imported = import_epcl(epcl)
    except EpclCheckpointError as exc:
        raise ImportLammError(f"--epcl: {exc}") from None
    state = read_lamm_checkpoint(source)
    spelling = key_spelling(state)
    weights = convert_keys(state, RULES_3D, str(source), kind="3D")
    r, modules, layers = check_delta(weights, llm, imported.cfg.width, str(source))
    cfg = lamm_3d_config(str(llm), str(epcl), imported, r=r, alpha=lora_alpha, target_modules=modules,
                         tokenizer=str(Path(tokenizer).absolute()) if tokenizer is not None else None,
                         template=template)
    digest = hash_file(source).sha256
    record = {"source": str(source.absolute()), "sha256": digest, "format": "LAMM save_model (3D, EPCL)",
              "key_spelling": spelling, "lora_r": r, "lora_alpha": lora_alpha, "target_modules": modules,
              "layers": layers, "tensors": len(state), "llm": str(llm),
              "epcl": {"source": str(epcl), "sha256": imported.sha256, "architecture": imported.cfg.model_dump(),
                       "use_color": imported.use_color, "keys_not_used_by_the_encoder": imported.dropped},
              "licence_note": "LAMM's hub cards say apache-2.0, its GitHub docs CC BY-NC 4.0: check the terms "
                              "of the checkpoints you imported"}
    write_imported(out, weights, cfg, record)
    note = (f"EPCL {epcl.name} (sha256 {imported.sha256[:16]}…): {imported.cfg.output_tokens} tokens of width "
            f"{imported.cfg.width}, {len(imported.dropped)} stored key(s) the encoder never runs dropped")
    return Lamm3dImport(out, digest, r, lora_alpha, modules, layers, spelling, len(state), [note], epcl=imported)
