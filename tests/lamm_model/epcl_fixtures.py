"""Tiny LAMM-shaped EPCL checkpoints for tests and for ``tools/crosscheck_epcl.py`` (which made the goldens).

Weights are a pure function of each key's name and shape (an integer hash, splitmix64, so the values are the
same on every machine and NumPy version): the golden script and the tests build bit-identical checkpoints
without storing them.
"""

from __future__ import annotations

import argparse
import io
import os
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import torch

_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = (x + np.uint64(0x9E3779B97F4A7C15)) & _MASK
        z = ((z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & _MASK
        z = ((z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & _MASK
        return z ^ (z >> np.uint64(31))


def uniform(key: str, count: int) -> np.ndarray:
    """``count`` float64 values in [0, 1), determined by ``key`` alone."""
    seed = np.uint64(zlib.crc32(key.encode()))
    with np.errstate(over="ignore"):
        x = np.arange(count, dtype=np.uint64) + (seed << np.uint64(32))
    return (_splitmix64(x) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def det_tensor(key: str, shape: tuple[int, ...]) -> torch.Tensor:
    """A deterministic, well-scaled value for state-dict entry ``key`` of ``shape``."""
    count = int(np.prod(shape)) if shape else 1
    if key.endswith("num_batches_tracked"):
        return torch.zeros(shape, dtype=torch.long)
    u = uniform(key, count)
    leaf = key.rsplit(".", 1)[-1]
    if leaf == "running_var":
        values = 0.5 + u
    elif leaf == "running_mean":
        values = 0.2 * (2 * u - 1)
    elif len(shape) == 1 and leaf == "weight":  # LayerNorm / BatchNorm scale
        values = 1.0 + 0.2 * (2 * u - 1)
    elif len(shape) >= 2:
        fan_in = int(np.prod(shape[1:]))
        values = (2 * u - 1) * np.sqrt(3.0 / fan_in)
    else:
        values = 0.1 * (2 * u - 1)
    return torch.from_numpy(values.astype(np.float32).reshape(shape))


def det_state(shapes: dict[str, tuple[int, ...]]) -> dict[str, torch.Tensor]:
    """:func:`det_tensor` for every key."""
    return {k: det_tensor(k, tuple(s)) for k, s in shapes.items()}


def lamm_args(**fields: Any) -> argparse.Namespace:
    """An EPCL training ``argparse.Namespace`` with the fields ``build_epcl_encoder`` reads (tiny defaults)."""
    base: dict[str, Any] = {"dataset_name": "scannet", "use_task_emb": True, "use_color": False,
                            "pointnet_downsample": True, "preenc_npoints": 64, "vit_num_token": 16,
                            "preenc_radius": 0.2, "enc_dim": 128, "dec_dim": 32, "nqueries": 16,
                            "clip_vit": "tiny:128:2", "lr": 5e-4, "ngpus": 1, "checkpoint_dir": "outputs/x"}
    base.update(fields)
    return argparse.Namespace(**base)


def write_lamm_checkpoint(path: Path, state: dict[str, torch.Tensor], args: argparse.Namespace | None,
                          **extra: Any) -> Path:
    """``torch.save`` a 3DETR/EPCL-style training checkpoint ``{"model", "args", "epoch", ...}``."""
    payload: dict[str, Any] = {"model": state, "epoch": 1080, **extra}
    if args is not None:
        payload["args"] = args
    torch.save(payload, path)
    return path


TINY_EPCL = {"preenc_npoints": 32, "vit_num_token": 8, "width": 128, "layers": 1, "heads": 2}
"""A tiny two-stage EPCL (CLIP width 128 = 2 heads of 64, as CLIP's rule gives)."""


def tiny_epcl_checkpoint(path: Path) -> Path:
    """LAMM's EPCL checkpoint layout at :data:`TINY_EPCL` scale: Model3DETR_encoder's keys (plus one it stores but
    never runs) and the args Namespace."""
    from lamm_model.epcl.checkpoint import expected_shapes
    from lamm_model.epcl.config import EpclConfig

    shapes = expected_shapes(EpclConfig(**TINY_EPCL), 0)
    shapes["encoder.clip_vit.proj"] = (128, 16)
    return write_lamm_checkpoint(path, det_state(shapes), lamm_args(preenc_npoints=32, vit_num_token=8))


class _Gadget:
    """Pickles to a call of ``os.system`` (what a malicious checkpoint would do on a plain ``torch.load``)."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.system, (self.command,))


def write_malicious_checkpoint(path: Path, marker: Path) -> Path:
    """An EPCL-looking checkpoint whose ``args`` would create ``marker`` if unpickled unsafely."""
    buf = io.BytesIO()
    torch.save({"model": {"encoder.clip_vit.ln_pre.weight": torch.ones(4)},
                "args": _Gadget(f"touch {marker}")}, buf)
    path.write_bytes(buf.getvalue())
    return path
