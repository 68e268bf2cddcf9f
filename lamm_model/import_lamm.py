"""Convert LAMM's released checkpoints (``pytorch_model.pt``) into checkpoints that ``lamm-model predict`` loads.

A LAMM checkpoint is what LAMM's ``DeepSpeedAgent.save_model`` wrote (``src/model/agent.py`` at 8f3f489):
a ``torch.save``'d dict of only the trainable parameters, in fp16:

* peft LoRA on the LLM's attention projections,
  ``llama_model.base_model.model.model.layers.{i}.self_attn.{q,k,v,o}_proj.lora_{A,B}.default.weight``
  (peft 0.3, which LAMM pinned; older peft wrote the same keys without ``.default``);
* ``llama_proj.{weight,bias}``, the linear map from CLIP's 1024 patch features to the LLM width.

The base LLM (Vicuna v0 or LLaMA-2-chat, a transformers folder) and the CLIP tower (a transformers CLIP
folder) are not in the file; they are named on the command line and written into the checkpoint's
config, which ``predict`` rebuilds the model from. LoRA's rank ``r`` is read from the weight shapes;
alpha is not stored by LAMM and comes from an option (LAMM: 32).

The conversion is a table of key-prefix rules (:class:`KeyRule`): every key of the file must match
exactly one rule, and every key the model needs must come out of one; other import kinds (EPCL, 3D)
add their rules and config settings without touching this code path.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from lamm_data.atomic import replace_folder, temp_path
from lamm_data.errors import LammError
from lamm_data.hashing import hash_file
from lamm_model.config import TrainConfig, dump_config, validate_config

IMPORT_RECORD = "imported_from.json"
"""File in an imported checkpoint that names the source file, its sha256 and what was inferred."""
LAMM_LORA_ALPHA = 32
LAMM_LORA_DROPOUT = 0.1


class ImportLammError(LammError, ValueError):
    """A LAMM checkpoint that cannot be converted; the message lists every offending key."""


@dataclass(frozen=True)
class KeyRule:
    """How the keys of a LAMM checkpoint that start with ``prefix`` become our keys.

    ``convert(key)`` returns our state-dict key, or ``None`` when the key is not one this rule knows.
    """

    prefix: str
    convert: Callable[[str], str | None]


_LORA = re.compile(r"llama_model\.base_model\.model\.model\.layers\.(\d+)\.self_attn\.(\w+)\.lora_([AB])"
                   r"(\.default)?\.weight")


def lora_key(key: str) -> str | None:
    """A LAMM LoRA key (either peft spelling) -> the key of our peft-wrapped LM."""
    m = _LORA.fullmatch(key)
    if m is None:
        return None
    layer, module, ab, _ = m.groups()
    return f"llm.base_model.model.model.layers.{layer}.self_attn.{module}.lora_{ab}.default.weight"


def projector_key(key: str) -> str | None:
    """``llama_proj.weight``/``.bias`` -> ``vision_proj.weight``/``.bias``."""
    return {"llama_proj.weight": "vision_proj.weight", "llama_proj.bias": "vision_proj.bias"}.get(key)


RULES_2D: tuple[KeyRule, ...] = (KeyRule("llama_model.", lora_key), KeyRule("llama_proj.", projector_key))
"""The rules of LAMM's 2D checkpoints (LoRA + image projector)."""


@dataclass
class ImportResult:
    """What :func:`import_lamm` wrote: the checkpoint folder and what it inferred."""

    out: Path
    sha256: str
    lora_r: int
    lora_alpha: int
    target_modules: list[str]
    layers: int
    key_spelling: str
    """``peft-0.3`` (``.lora_A.default.weight``) or ``peft-old`` (``.lora_A.weight``)."""
    tensors: int
    notes: list[str] = field(default_factory=list)


def read_lamm_checkpoint(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of a LAMM ``pytorch_model.pt`` (loaded with ``weights_only=True``: no code runs).

    Raises:
        ImportLammError: unreadable, not a dict of tensors, or empty.
    """
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise ImportLammError(f"{path}: no such file") from None
    except Exception as exc:  # pickle errors, zip errors, weights_only refusals: one line, no traceback
        raise ImportLammError(f"{path}: not a checkpoint torch.load can read safely "
                              f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})") from None
    if not isinstance(state, Mapping):
        raise ImportLammError(f"{path}: expected a dict of tensors (LAMM's save_model output), got "
                              f"{type(state).__name__}")
    bad = [str(k) for k, v in state.items() if not isinstance(k, str) or not isinstance(v, torch.Tensor)]
    if bad:
        raise ImportLammError(f"{path}: entries that are not named tensors: {listing(bad)}")
    if not state:
        raise ImportLammError(f"{path}: the checkpoint holds no tensors")
    return dict(state)


def convert_keys(state: Mapping[str, torch.Tensor], rules: Sequence[KeyRule], source: str, kind: str = "2D",
                 ) -> dict[str, torch.Tensor]:
    """Rename every key by its rule (fp16 -> fp32).

    Raises:
        ImportLammError: keys no rule knows (all listed), or two keys that land on the same name.
    """
    out: dict[str, torch.Tensor] = {}
    unknown, clashes = [], []
    for key, value in state.items():
        new = next((rule.convert(key) for rule in rules if key.startswith(rule.prefix)), None)
        if new is None:
            unknown.append(key)
        elif new in out:
            clashes.append(key)
        else:
            out[new] = value.detach().to(torch.float32) if value.is_floating_point() else value
    if unknown:
        raise ImportLammError(f"{source}: {len(unknown)} key(s) that a LAMM {kind} checkpoint does not have: "
                              f"{listing(unknown)}")
    if clashes:
        raise ImportLammError(f"{source}: keys given twice (both peft spellings of the same weight?): "
                              f"{listing(clashes)}")
    return out


def listing(keys: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(keys[:limit])
    return shown + (f" ... and {len(keys) - limit} more" if len(keys) > limit else "")


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ImportLammError(f"{path}: cannot read the {what} config ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise ImportLammError(f"{path}: the {what} config is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ImportLammError(f"{path}: the {what} config is not a JSON object")
    return data


@dataclass(frozen=True)
class _Dims:
    layers: int
    hidden: int
    kv_out: int
    vision_hidden: int


def llm_dims(llm: Path) -> tuple[int, int, int]:
    """(layers, hidden width, k/v output width) of the LLM folder's ``config.json``.

    Raises:
        ImportLammError: the config cannot be read, or lacks a field.
    """
    cfg = _read_json(llm / "config.json", "LLM")
    try:
        hidden, layers, heads = int(cfg["hidden_size"]), int(cfg["num_hidden_layers"]), int(cfg["num_attention_heads"])
        kv_heads = int(cfg.get("num_key_value_heads") or heads)
        head_dim = int(cfg.get("head_dim") or hidden // heads)
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
        raise ImportLammError(f"{llm / 'config.json'}: missing or bad field {exc}") from None
    return layers, hidden, kv_heads * head_dim


def _dims(llm: Path, vision: Path) -> _Dims:
    layers, hidden, kv_out = llm_dims(llm)
    vcfg = _read_json(vision / "config.json", "vision")
    vcfg = vcfg.get("vision_config", vcfg) if vcfg.get("model_type") == "clip" else vcfg
    try:
        vision_hidden = int(vcfg["hidden_size"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ImportLammError(f"{vision / 'config.json'}: missing or bad field {exc}") from None
    return _Dims(layers, hidden, kv_out, vision_hidden)


def check_lora(weights: Mapping[str, torch.Tensor], layers: int, hidden: int, kv_out: int, source: str,
               ) -> tuple[int, list[str], list[str]]:
    """LoRA rank, target modules and the problems found (missing keys, wrong shapes, layers the LLM lacks) for the
    LoRA weights of an LLM with ``layers`` decoder layers, width ``hidden`` and k/v output width ``kv_out``.

    Raises:
        ImportLammError: no LoRA weights at all, or A matrices of different ranks.
    """
    pattern = re.compile(r"llm\.base_model\.model\.model\.layers\.(\d+)\.self_attn\.(\w+)\.lora_([AB])"
                         r"\.default\.weight")
    found = [m.groups() for k in weights if (m := pattern.fullmatch(k))]
    modules = sorted({module for _, module, _ in found})
    if not modules:
        raise ImportLammError(f"{source}: no LoRA weights (llama_model...lora_A/lora_B keys) in the checkpoint")
    ranks = {int(weights[k].shape[0]) for k in weights if k.endswith("lora_A.default.weight")}
    if len(ranks) != 1:
        raise ImportLammError(f"{source}: LoRA A matrices of different ranks {sorted(ranks)}; expected one r")
    r = ranks.pop()
    problems: list[str] = []
    out_dim = {"q_proj": hidden, "o_proj": hidden, "k_proj": kv_out, "v_proj": kv_out}
    for layer in range(layers):
        for module in modules:
            prefix = f"llm.base_model.model.model.layers.{layer}.self_attn.{module}"
            for ab, shape in (("A", (r, hidden)), ("B", (out_dim.get(module, -1), r))):
                key = f"{prefix}.lora_{ab}.default.weight"
                if key not in weights:
                    problems.append(f"missing {_lamm_name(key)}")
                elif module in out_dim and tuple(weights[key].shape) != shape:
                    problems.append(f"{_lamm_name(key)} has shape {tuple(weights[key].shape)}, expected {shape}")
    extra_layers = sorted({int(layer) for layer, _, _ in found if int(layer) >= layers})
    if extra_layers:
        problems.append(f"LoRA weights for layers {extra_layers} but the LLM has {layers} layers")
    return r, modules, problems


def projector_problems(weights: Mapping[str, torch.Tensor], name: str, hidden: int, width: int, encoder: str,
                       ) -> list[str]:
    """Missing or misshapen ``name.weight``/``name.bias`` of the projector from an encoder of ``width`` (named
    ``encoder`` in messages) to the LLM width ``hidden``; LAMM calls it ``llama_proj``."""
    problems: list[str] = []
    for key, shape in ((f"{name}.weight", (hidden, width)), (f"{name}.bias", (hidden,))):
        if key not in weights:
            problems.append(f"missing {_lamm_name(key)}")
        elif tuple(weights[key].shape) != shape:
            problems.append(f"{_lamm_name(key)} has shape {tuple(weights[key].shape)}, expected {shape} "
                            f"(LLM width {hidden}, {encoder} width {width})")
    return problems


def check_shapes(weights: Mapping[str, torch.Tensor], dims: _Dims, source: str) -> tuple[int, list[str]]:
    """LoRA rank and target modules, after checking every expected key is there with the right shape.

    Raises:
        ImportLammError: missing keys, a rank that differs between weights, or shapes that do not fit the LLM
            and vision configs (all listed).
    """
    r, modules, problems = check_lora(weights, dims.layers, dims.hidden, dims.kv_out, source)
    problems += projector_problems(weights, "vision_proj", dims.hidden, dims.vision_hidden, "CLIP")
    if problems:
        raise ImportLammError(f"{source}: does not fit the given LLM and vision tower: {listing(problems)}")
    return r, modules


def _lamm_name(key: str) -> str:
    """Our key as LAMM spells it (for messages)."""
    if key.startswith(("vision_proj.", "points_proj.")):
        return "llama_proj." + key.split(".", 1)[1]
    return "llama_model." + key.removeprefix("llm.")


def key_spelling(state: Mapping[str, torch.Tensor]) -> str:
    """``peft-0.3`` when LoRA keys carry ``.default``, ``peft-old`` when not, ``mixed`` when both occur."""
    kinds = {".default." in k for k in state if ".lora_" in k}
    return "mixed" if len(kinds) == 2 else ("peft-0.3" if kinds == {True} else "peft-old")


def lamm_2d_config(llm: str, vision: str, *, r: int, alpha: int, target_modules: list[str],
                   tokenizer: str | None = None, template: str = "lamm-2023-06") -> TrainConfig:
    """The config of an imported LAMM 2D model: LAMM's recipe settings with the given LLM and CLIP folders."""
    return validate_config({
        "model": {
            "use_system": True, "template": template,
            "llm": {"pretrained": llm, "tokenizer": tokenizer, "finetune": "lora",
                    "lora": {"r": r, "alpha": alpha, "dropout": LAMM_LORA_DROPOUT, "target_modules": target_modules}},
            "vision": {"pretrained": vision, "layer": -1, "num_tokens": 256, "freeze": True,
                       "resize_train": "squash", "resize_predict": "crop"},
            "pointcloud": {"enabled": False},
        },
        "data": {"sources": [{"name": "LAMM_instruct_186k"}], "max_text_tokens": 400},
        "generation": {"max_new_tokens_2d": 400, "max_new_tokens_3d": 800},
    }, "imported LAMM config")


def check_request(out: Path, template: str, lora_alpha: int) -> None:
    """Refuse an ``out`` in use (anything but a missing or empty folder), an unknown template or a bad alpha.

    Raises:
        ImportLammError: what is wrong, naming the option.
    """
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ImportLammError(f"{out} already exists and is not an empty folder; choose a new --out")
    if template not in ("lamm-2023-06", "lamm-2023-09"):
        raise ImportLammError(f"--template must be lamm-2023-06 or lamm-2023-09, not {template!r}")
    if not isinstance(lora_alpha, int) or lora_alpha < 1:
        raise ImportLammError(f"--lora-alpha must be a positive integer, not {lora_alpha!r}")


def import_lamm(checkpoint: str | os.PathLike[str], llm: str | os.PathLike[str], vision: str | os.PathLike[str],
                out: str | os.PathLike[str], *, lora_alpha: int = LAMM_LORA_ALPHA,
                tokenizer: str | os.PathLike[str] | None = None, template: str = "lamm-2023-06",
                rules: Sequence[KeyRule] = RULES_2D) -> ImportResult:
    """Convert LAMM's ``pytorch_model.pt`` into a checkpoint folder ``out`` that ``predict`` loads.

    ``llm``/``vision``: the base LLM and CLIP folders (transformers format; their paths are stored as
    given, made absolute); ``tokenizer``: default the LLM folder; ``template``: LAMM's prompt layout of the
    code the checkpoint was trained with (``lamm-2023-06`` for the June-2023 Vicuna checkpoints,
    ``lamm-2023-09`` for LAMM's code from 2023-09 on, e.g. LLaMA-2-chat). ``out`` must not exist (or be an empty
    folder); it is written under a temporary name and renamed when complete.

    Raises:
        ImportLammError: unreadable file, unknown or missing keys, shapes that do not fit, ``out`` in use.
    """
    source, llm, vision, out = Path(checkpoint), Path(llm).absolute(), Path(vision).absolute(), Path(out)
    check_request(out, template, lora_alpha)
    state = read_lamm_checkpoint(source)
    spelling = key_spelling(state)
    weights = convert_keys(state, rules, str(source))
    dims = _dims(llm, vision)
    r, modules = check_shapes(weights, dims, str(source))
    cfg = lamm_2d_config(str(llm), str(vision), r=r, alpha=lora_alpha, target_modules=modules,
                         tokenizer=str(Path(tokenizer).absolute()) if tokenizer is not None else None,
                         template=template)
    digest = hash_file(source).sha256
    record = {"source": str(source.absolute()), "sha256": digest, "format": "LAMM save_model (2D)",
              "key_spelling": spelling, "lora_r": r, "lora_alpha": lora_alpha, "target_modules": modules,
              "layers": dims.layers, "tensors": len(state), "llm": str(llm), "vision": str(vision),
              "template": template,
              "licence_note": "LAMM's hub cards say apache-2.0, its GitHub docs CC BY-NC 4.0: check the terms "
                              "of the checkpoint you imported"}
    write_imported(out, weights, cfg, record)
    return ImportResult(out, digest, r, lora_alpha, modules, dims.layers, spelling, len(state))


def write_imported(out: Path, weights: Mapping[str, torch.Tensor], cfg: TrainConfig, record: dict[str, Any]) -> None:
    """Write an imported checkpoint folder ``out`` (weights, config, tokenizer, :data:`IMPORT_RECORD`) under a
    temporary name and rename it into place when complete; ``record["sha256"]`` is stamped into the weights."""
    from safetensors.torch import save_file

    from lamm_model.checkpoint import CONFIG, TOKENIZER, WEIGHTS
    from lamm_model.tokenizer import load_tokenizer

    tok = load_tokenizer(cfg.model.llm.tokenizer_source)
    tmp = temp_path(out, "import")
    try:
        tmp.mkdir(parents=True)
        save_file({k: v.contiguous() for k, v in weights.items()}, str(tmp / WEIGHTS),
                  metadata={"lamm_source_sha256": record["sha256"]})
        (tmp / CONFIG).write_text(dump_config(cfg), encoding="utf-8")
        tok.save_pretrained(str(tmp / TOKENIZER))
        (tmp / IMPORT_RECORD).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        replace_folder(tmp, out)  # an empty folder at ``out`` (checked by the caller) is replaced
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
