"""Import LAMM's released EPCL encoder checkpoint (``epcl_vit-L_256tokens``) and the 3D LAMM delta's key rules.

LAMM's EPCL file is a 3DETR training checkpoint: a pickle of ``{"model": state_dict, "args": argparse.Namespace,
...}`` (optimizer state, epoch, metrics), read by ``build_epcl_encoder`` with a plain ``torch.load``
(``src/model/LAMM/EPCL/model_3detr.py:574-603``), which since torch 2.6 refuses it unless ``weights_only=False``.

Here it is read with torch's restricted ``weights_only`` unpickler plus a short allow-list
(:func:`allowed_globals`): ``argparse.Namespace`` and numpy number scalars (``numpy.dtype`` and numpy's
``scalar``; 3DETR checkpoints keep their best mAP as numpy floats). Why that is safe: the restricted unpickler
only rebuilds tensors, storages, primitive values and containers, and the objects named in the allow-list;
any other global (``os.system``, ``builtins.eval``, a ``__reduce__`` gadget) stops the load with an error
before anything runs. Rebuilding a ``Namespace`` calls ``Namespace.__new__`` and fills its ``__dict__`` with
values that went through the same filter; ``Namespace`` defines no ``__setstate__``/``__reduce__`` logic,
so no code of the file's choosing executes. ``numpy.dtype`` builds a data-type description and ``scalar``
one number from it and raw bytes (an object dtype only hands back an object that passed the same filter);
neither imports or calls anything named by the file. The Namespace is then only read, field by field, with
type checks (:func:`config_from_args`).

Keys: ``model`` holds ``Model3DETR_encoder``'s keys (``pre_encoder.*``, ``encoder.*``, ``te_encoder.*``),
which are exactly :class:`~lamm_model.epcl.encoder.EpclEncoder`'s, plus parts EPCL never runs: the
CLIP image stem and head (``encoder.clip_vit.{conv1,class_embedding,positional_embedding,ln_post,proj}``),
the unused ``pos_embedding.gauss_B`` and, in a full 3DETR checkpoint, the detection decoder and heads.
Those are dropped by name (:data:`UNUSED_PREFIXES`); any other unknown key, a missing key or a shape that
does not fit is an error listing every offender.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from lamm_data.errors import LammError
from lamm_data.hashing import hash_file
from lamm_model.epcl.config import EpclConfig

UNUSED_PREFIXES = (
    "encoder.clip_vit.conv1.", "encoder.clip_vit.class_embedding", "encoder.clip_vit.positional_embedding",
    "encoder.clip_vit.ln_post.", "encoder.clip_vit.proj", "pos_embedding.",
    # a full 3DETR detector checkpoint also carries its detection half:
    "decoder.", "mlp_heads.", "encoder_to_decoder_projection.", "query_projection.",
)
"""Keys of LAMM's EPCL checkpoint that the encoder never uses (LAMM loads them and leaves them idle)."""

TASK_TOKENS = {"scannet": 19}
"""``Model3DETR_encoder``: task tokens per ``dataset_name`` (others raise ``NotImplementedError`` in LAMM)."""


class EpclCheckpointError(LammError, ValueError):
    """An EPCL checkpoint that cannot be read safely or does not describe an EPCL encoder (names the file)."""


@dataclass
class EpclCheckpoint:
    """What :func:`read_epcl_checkpoint` found: the model tensors, the training args and the file's sha256."""

    path: Path
    state: dict[str, torch.Tensor]
    args: dict[str, Any]
    sha256: str


def allowed_globals() -> list[Any]:
    """What the unpickler may rebuild besides tensors and plain containers: ``argparse.Namespace`` (the training
    args) and numpy number scalars (3DETR stores its best validation mAP as numpy floats): ``numpy.dtype``, the
    bool/integer/float dtype classes, and numpy's ``scalar`` constructor under its numpy 1 and 2 module names. No
    object dtype, no numpy arrays."""
    import numpy as np

    try:
        from numpy._core.multiarray import scalar
    except ImportError:  # numpy 1
        from numpy.core.multiarray import scalar  # type: ignore[no-redef]
    number_dtypes = sorted({type(np.dtype(code)) for code in "?bBhHiIlLqQefd"}, key=lambda t: t.__name__)
    return [argparse.Namespace, np.dtype, *number_dtypes, (scalar, "numpy.core.multiarray.scalar"),
            (scalar, "numpy._core.multiarray.scalar")]


def safe_torch_load(path: Path) -> Any:
    """``torch.load`` with the ``weights_only`` unpickler and only :func:`allowed_globals` allowed.

    Raises:
        EpclCheckpointError: missing file, not a torch file, or a pickle that needs any other global (named).
    """
    try:
        with torch.serialization.safe_globals(allowed_globals()):
            return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise EpclCheckpointError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise EpclCheckpointError(f"{path}: is a folder, expected LAMM's EPCL checkpoint file") from None
    except Exception as exc:  # UnpicklingError, zip/EOF errors: one line, never a hint to disable the check
        text = str(exc)
        refused = re.search(r"GLOBAL ([\w.]+)", text)
        if refused:
            raise EpclCheckpointError(
                f"{path}: refused to load: the pickle needs {refused.group(1)}, which is not a tensor, a plain "
                "value, a numpy number or argparse.Namespace (all an EPCL checkpoint holds); nothing was executed"
            ) from None
        first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
        raise EpclCheckpointError(f"{path}: not a torch checkpoint that can be read safely ({first})") from None


def read_epcl_checkpoint(path: str | os.PathLike[str]) -> EpclCheckpoint:
    """LAMM's EPCL checkpoint: ``model`` tensors (a leading ``module.`` stripped) and ``args`` as a dict.

    Raises:
        EpclCheckpointError: unsafe or unreadable pickle, or no ``model`` dict of tensors / ``args`` Namespace.
    """
    path = Path(path)
    data = safe_torch_load(path)
    if not isinstance(data, Mapping) or "model" not in data:
        found = f" with keys {', '.join(map(str, list(data)[:8]))}" if isinstance(data, Mapping) else ""
        raise EpclCheckpointError(f"{path}: expected a dict with 'model' (tensors) and 'args' (argparse.Namespace), "
                                  f"as 3DETR/EPCL training saves; got {type(data).__name__}{found}")
    state, args = data["model"], data.get("args")
    if not isinstance(state, Mapping) or not all(isinstance(k, str) and isinstance(v, torch.Tensor)
                                                 for k, v in state.items()):
        raise EpclCheckpointError(f"{path}: 'model' is not a dict of named tensors")
    if not isinstance(args, argparse.Namespace | Mapping):
        raise EpclCheckpointError(f"{path}: 'args' is missing or not an argparse.Namespace (got "
                                  f"{type(args).__name__}); EPCL's architecture is read from it")
    keys = list(state)
    if keys and all(k.startswith("module.") for k in keys):
        state = {k.removeprefix("module."): v for k, v in state.items()}
    return EpclCheckpoint(path, dict(state), dict(vars(args) if isinstance(args, argparse.Namespace) else args),
                          hash_file(path).sha256)


def _arg(args: Mapping[str, Any], name: str, kind: type | tuple[type, ...], source: str) -> Any:
    if name not in args:
        raise EpclCheckpointError(f"{source}: args lacks {name!r}, which LAMM's build_epcl_encoder reads")
    value = args[name]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise EpclCheckpointError(f"{source}: args.{name} is {value!r}, expected {getattr(kind, '__name__', kind)}")
    return value


def config_from_args(args: Mapping[str, Any], state: Mapping[str, torch.Tensor], source: str,
                     ) -> tuple[EpclConfig, bool]:
    """The :class:`EpclConfig` and ``use_color`` that LAMM's ``build_epcl_encoder`` builds from ``args``.

    The CLIP width and depth are read from the weights (``encoder.clip_vit.ln_pre.weight``, the resblock
    indices); heads follow CLIP's rule ``width // 64`` (``CLIP/model.py`` ``build_model``).

    Raises:
        EpclCheckpointError: a field LAMM reads is missing or of the wrong type, an unsupported
            ``dataset_name``, or weights without the CLIP blocks.
    """
    downsample = _arg(args, "pointnet_downsample", bool, source)
    use_color = _arg(args, "use_color", bool, source)
    task_tokens = 0
    if _arg(args, "use_task_emb", bool, source):
        dataset = _arg(args, "dataset_name", str, source)
        if dataset not in TASK_TOKENS:
            raise EpclCheckpointError(f"{source}: args.dataset_name is {dataset!r}; LAMM's EPCL encoder only "
                                      f"defines task tokens for {', '.join(TASK_TOKENS)}")
        task_tokens = TASK_TOKENS[dataset]
    ln_pre = state.get("encoder.clip_vit.ln_pre.weight")
    if ln_pre is None or ln_pre.dim() != 1:
        raise EpclCheckpointError(f"{source}: no encoder.clip_vit.ln_pre.weight: not an EPCL (CLIP ViT) encoder")
    width = int(ln_pre.shape[0])
    block = re.compile(r"encoder\.clip_vit\.transformer\.resblocks\.(\d+)\.")
    blocks = {int(m.group(1)) for k in state if (m := block.match(k))}
    layers = max(blocks) + 1 if blocks else 0
    fields: dict[str, Any] = {"pointnet_downsample": downsample, "width": width, "layers": layers,
                              "heads": max(width // 64, 1), "task_tokens": task_tokens,
                              "preenc_npoints": _arg(args, "preenc_npoints", int, source)}
    if downsample:
        fields["vit_num_token"] = _arg(args, "vit_num_token", int, source)
    else:
        fields["preenc_radius"] = _arg(args, "preenc_radius", float, source)
        fields["vit_num_token"] = min(fields["preenc_npoints"], EpclConfig.model_fields["vit_num_token"].default)
    try:
        return EpclConfig(**fields), use_color
    except ValueError as exc:
        raise EpclCheckpointError(f"{source}: args describe no valid EPCL encoder: {exc}") from None


def expected_shapes(cfg: EpclConfig, in_features: int) -> dict[str, tuple[int, ...]]:
    """Every state-dict key of :class:`EpclEncoder` for ``cfg`` with its shape (built on the meta device)."""
    from lamm_model.epcl.encoder import EpclEncoder

    with torch.device("meta"):
        module = EpclEncoder(cfg, in_features)
    return {k: tuple(v.shape) for k, v in module.state_dict().items()}


def convert_state(state: Mapping[str, torch.Tensor], cfg: EpclConfig, in_features: int, source: str,
                  ) -> dict[str, torch.Tensor]:
    """The encoder's weights (float32) out of an EPCL checkpoint's ``model`` dict.

    Raises:
        EpclCheckpointError: unknown keys, missing keys or wrong shapes (each listed).
    """
    want = expected_shapes(cfg, in_features)
    problems: list[str] = []
    unknown = [k for k in state if k not in want and not k.startswith(UNUSED_PREFIXES)]
    if unknown:
        problems.append(f"{len(unknown)} key(s) an EPCL encoder does not have: {_listing(unknown)}")
    missing = [k for k in want if k not in state]
    if missing:
        problems.append(f"{len(missing)} missing key(s): {_listing(missing)}")
    wrong = [f"{k} {tuple(state[k].shape)} (expected {shape})" for k, shape in want.items()
             if k in state and tuple(state[k].shape) != shape]
    if wrong:
        problems.append(f"shapes that do not fit: {_listing(wrong)}")
    if problems:
        raise EpclCheckpointError(f"{source}: " + "; ".join(problems))
    return {k: state[k].detach().to(torch.float32 if state[k].is_floating_point() else state[k].dtype).contiguous()
            for k in want}


def _listing(items: list[str], limit: int = 6) -> str:
    return ", ".join(items[:limit]) + (f" ... and {len(items) - limit} more" if len(items) > limit else "")


@dataclass
class ImportedEpcl:
    """An EPCL checkpoint converted to our encoder: config, colour flag, weights, provenance."""

    cfg: EpclConfig
    use_color: bool
    weights: dict[str, torch.Tensor]
    sha256: str
    dropped: list[str]


def import_epcl(path: str | os.PathLike[str]) -> ImportedEpcl:
    """Read, check and convert LAMM's EPCL checkpoint (see the module docstring)."""
    ckpt = read_epcl_checkpoint(path)
    source = str(ckpt.path)
    cfg, use_color = config_from_args(ckpt.args, ckpt.state, source)
    in_features = 3 if use_color else 0
    weights = convert_state(ckpt.state, cfg, in_features, source)
    dropped = sorted(k for k in ckpt.state if k not in weights)
    return ImportedEpcl(cfg, use_color, weights, ckpt.sha256, dropped)


EPCL_WEIGHTS = "epcl.safetensors"
"""File name of converted EPCL weights in an imported checkpoint folder."""


def save_epcl_weights(path: Path, imported: ImportedEpcl) -> None:
    """Write converted weights as safetensors (temp file + rename) with the config and source sha256 as metadata."""
    from safetensors.torch import save_file

    from lamm_data.atomic import temp_path

    meta = {"format": "lamm-toolkit epcl", "epcl": imported.cfg.model_dump_json(),
            "use_color": json.dumps(imported.use_color), "source_sha256": imported.sha256}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    try:
        save_file(imported.weights, str(tmp), metadata=meta)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load_epcl_weights(path: str | os.PathLike[str], cfg: EpclConfig, in_features: int) -> dict[str, torch.Tensor]:
    """Encoder weights from converted safetensors or straight from LAMM's EPCL pickle (read safely).

    Raises:
        EpclCheckpointError: unreadable, or weights that do not fit ``cfg`` (every offending key listed).
    """
    path = Path(path)
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        try:
            state = load_file(str(path))
        except (OSError, ValueError, RuntimeError) as exc:
            raise EpclCheckpointError(f"{path}: cannot read safetensors ({exc})") from None
    else:
        state = read_epcl_checkpoint(path).state
    return convert_state(state, cfg, in_features, str(path))


def stored_architecture(path: str | os.PathLike[str]) -> tuple[EpclConfig, bool] | None:
    """The architecture and ``use_color`` that weights at ``path`` were made with: from a LAMM EPCL pickle's
    args, or from the metadata :func:`save_epcl_weights` writes; ``None`` for safetensors without it.

    Raises:
        EpclCheckpointError: unreadable file or metadata.
    """
    path = Path(path)
    if path.suffix != ".safetensors":
        ckpt = read_epcl_checkpoint(path)
        return config_from_args(ckpt.args, ckpt.state, str(path))
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
    except (OSError, ValueError, RuntimeError) as exc:
        raise EpclCheckpointError(f"{path}: cannot read safetensors ({exc})") from None
    if "epcl" not in meta:
        return None
    try:
        return EpclConfig.model_validate_json(meta["epcl"]), bool(json.loads(meta.get("use_color", "false")))
    except ValueError as exc:
        raise EpclCheckpointError(f"{path}: bad 'epcl' metadata ({exc})") from None


# ---------------------------------------------------------------------------- the 3D LAMM delta (LoRA + projector)
def projector_key_3d(key: str) -> str | None:
    """``llama_proj.weight``/``.bias`` of a 3D LAMM checkpoint (1024 EPCL features -> LLM) -> ``points_proj.*``."""
    return {"llama_proj.weight": "points_proj.weight", "llama_proj.bias": "points_proj.bias"}.get(key)
