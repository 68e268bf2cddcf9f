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

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from lamm_data.errors import LammError
from lamm_model.config import TrainConfig, validate_config
from lamm_model.epcl.checkpoint import EpclCheckpointError, ImportedEpcl, import_epcl, projector_key_3d, sha256_of
from lamm_model.import_lamm import IMPORT_RECORD as IMPORT_RECORD  # the same record file as the 2D import
from lamm_model.import_lamm import write_imported

LAMM_LORA_ALPHA = 32
LAMM_LORA_DROPOUT = 0.1
LAMM_3D_NUM_POINTS = 40000
"""``openlamm.py``: ``num_points`` default (LAMM's 3D scripts set none)."""
LAMM_3D_NUM_TOKENS = 256
"""``train_lamm3d.sh``: ``--num_vision_token 256``."""

_LORA = re.compile(r"llama_model\.base_model\.model\.model\.layers\.(\d+)\.self_attn\.(\w+)\.lora_([AB])"
                   r"(\.default)?\.weight")


class Lamm3dImportError(LammError, ValueError):
    """A LAMM 3D checkpoint (or its EPCL encoder) that cannot be converted; the message lists every offender."""


@dataclass
class Lamm3dImport:
    """What :func:`import_lamm_3d` wrote."""

    out: Path
    sha256: str
    lora_r: int
    lora_alpha: int
    target_modules: list[str]
    layers: int
    key_spelling: str
    tensors: int
    epcl: ImportedEpcl
    notes: list[str] = field(default_factory=list)


def _listing(items: list[str], limit: int = 8) -> str:
    return ", ".join(items[:limit]) + (f" ... and {len(items) - limit} more" if len(items) > limit else "")


def read_delta(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of LAMM's ``pytorch_model.pt`` (``weights_only``: no code runs)."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise Lamm3dImportError(f"{path}: no such file") from None
    except Exception as exc:  # pickle, zip, weights_only refusals: one line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise Lamm3dImportError(f"{path}: not a checkpoint torch.load can read safely ({first})") from None
    if not isinstance(state, Mapping) or not state:
        raise Lamm3dImportError(f"{path}: expected a non-empty dict of tensors (LAMM's save_model output)")
    bad = [str(k) for k, v in state.items() if not isinstance(k, str) or not isinstance(v, torch.Tensor)]
    if bad:
        raise Lamm3dImportError(f"{path}: entries that are not named tensors: {_listing(bad)}")
    return dict(state)


def convert_delta(state: Mapping[str, torch.Tensor], source: str) -> tuple[dict[str, torch.Tensor], str]:
    """Our keys (fp32) and the peft spelling (``peft-0.3``/``peft-old``) of a 3D delta.

    Raises:
        Lamm3dImportError: unknown keys, or the same weight under both spellings.
    """
    out: dict[str, torch.Tensor] = {}
    unknown, clashes, spellings = [], [], set()
    for key, value in state.items():
        m = _LORA.fullmatch(key)
        if m is not None:
            layer, module, ab, default = m.groups()
            new: str | None = f"llm.base_model.model.model.layers.{layer}.self_attn.{module}.lora_{ab}.default.weight"
            spellings.add(default is not None)
        else:
            new = projector_key_3d(key)
        if new is None:
            unknown.append(key)
        elif new in out:
            clashes.append(key)
        else:
            out[new] = value.detach().to(torch.float32)
    if unknown:
        raise Lamm3dImportError(f"{source}: {len(unknown)} key(s) that a LAMM 3D checkpoint (LoRA + llama_proj) "
                                f"does not have: {_listing(unknown)}")
    if clashes:
        raise Lamm3dImportError(f"{source}: keys given twice (both peft spellings of the same weight?): "
                                f"{_listing(clashes)}")
    spelling = "mixed" if len(spellings) == 2 else ("peft-0.3" if spellings == {True} else "peft-old")
    return out, spelling


def _llm_dims(llm: Path) -> tuple[int, int, int]:
    """(layers, hidden, k/v output width) of the LLM folder's ``config.json``."""
    path = llm / "config.json"
    try:
        cfg = json.loads(path.read_text(encoding="utf-8"))
        hidden, layers, heads = int(cfg["hidden_size"]), int(cfg["num_hidden_layers"]), int(cfg["num_attention_heads"])
        kv = int(cfg.get("num_key_value_heads") or heads) * int(cfg.get("head_dim") or hidden // heads)
    except OSError as exc:
        raise Lamm3dImportError(f"{path}: cannot read the LLM config ({exc.strerror or exc})") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise Lamm3dImportError(f"{path}: missing or bad field {exc}") from None
    return layers, hidden, kv


def check_delta(weights: Mapping[str, torch.Tensor], llm: Path, width: int, source: str,
                ) -> tuple[int, list[str], int]:
    """LoRA rank, target modules and LLM layers, after checking every weight against the LLM and EPCL width.

    Raises:
        Lamm3dImportError: missing weights, mixed ranks, or shapes that do not fit (all listed).
    """
    layers, hidden, kv = _llm_dims(llm)
    pattern = re.compile(r"llm\.base_model\.model\.model\.layers\.(\d+)\.self_attn\.(\w+)\.lora_([AB])"
                         r"\.default\.weight")
    found = [m.groups() for k in weights if (m := pattern.fullmatch(k))]
    modules = sorted({module for _, module, _ in found})
    if not modules:
        raise Lamm3dImportError(f"{source}: no LoRA weights (llama_model...lora_A/lora_B keys)")
    ranks = {int(weights[k].shape[0]) for k in weights if k.endswith("lora_A.default.weight")}
    if len(ranks) != 1:
        raise Lamm3dImportError(f"{source}: LoRA A matrices of different ranks {sorted(ranks)}; expected one r")
    r = ranks.pop()
    out_dim = {"q_proj": hidden, "o_proj": hidden, "k_proj": kv, "v_proj": kv}
    problems: list[str] = []
    for layer in range(layers):
        for module in modules:
            for ab, shape in (("A", (r, hidden)), ("B", (out_dim.get(module, -1), r))):
                key = f"llm.base_model.model.model.layers.{layer}.self_attn.{module}.lora_{ab}.default.weight"
                lamm = "llama_model." + key.removeprefix("llm.")
                if key not in weights:
                    problems.append(f"missing {lamm}")
                elif module in out_dim and tuple(weights[key].shape) != shape:
                    problems.append(f"{lamm} has shape {tuple(weights[key].shape)}, expected {shape}")
    extra = sorted({int(layer) for layer, _, _ in found if int(layer) >= layers})
    if extra:
        problems.append(f"LoRA weights for layers {extra} but the LLM has {layers} layers")
    for key, shape in (("points_proj.weight", (hidden, width)), ("points_proj.bias", (hidden,))):
        lamm = "llama_proj." + key.split(".", 1)[1]
        if key not in weights:
            problems.append(f"missing {lamm}")
        elif tuple(weights[key].shape) != shape:
            problems.append(f"{lamm} has shape {tuple(weights[key].shape)}, expected {shape} (LLM width {hidden}, "
                            f"EPCL width {width})")
    if problems:
        raise Lamm3dImportError(f"{source}: does not fit the given LLM and EPCL encoder: {_listing(problems)}")
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
        Lamm3dImportError: unreadable or unsafe files, unknown or missing keys, shapes that do not fit, ``out`` in use.
    """
    source, llm, epcl, out = Path(checkpoint), Path(llm).absolute(), Path(epcl).absolute(), Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise Lamm3dImportError(f"{out} already exists and is not an empty folder; choose a new --out")
    if not isinstance(lora_alpha, int) or lora_alpha < 1:
        raise Lamm3dImportError(f"--lora-alpha must be a positive integer, not {lora_alpha!r}")
    if template not in ("lamm-2023-06", "lamm-2023-09"):
        raise Lamm3dImportError(f"--template must be lamm-2023-06 or lamm-2023-09, not {template!r}")
    try:
        imported = import_epcl(epcl)
    except EpclCheckpointError as exc:
        raise Lamm3dImportError(f"--epcl: {exc}") from None
    state = read_delta(source)
    weights, spelling = convert_delta(state, str(source))
    r, modules, layers = check_delta(weights, llm, imported.cfg.width, str(source))
    cfg = lamm_3d_config(str(llm), str(epcl), imported, r=r, alpha=lora_alpha, target_modules=modules,
                         tokenizer=str(Path(tokenizer).absolute()) if tokenizer is not None else None,
                         template=template)
    digest = sha256_of(source)
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
    return Lamm3dImport(out, digest, r, lora_alpha, modules, layers, spelling, len(state), imported, [note])
