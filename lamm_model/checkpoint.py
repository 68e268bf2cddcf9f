"""Checkpoints: everything needed to predict, and to continue training exactly where it stopped.

A checkpoint is a folder ``OUT_DIR/checkpoints/step-NNNNNNNN/`` holding::

    config.yaml          the resolved TrainConfig
    tokenizer/           the tokenizer (save_pretrained)
    model.safetensors    trainable weights + every weight of randomly initialised components
    optimizer.pt         optimizer state keyed by parameter name (full, unsharded)
    scheduler.pt         LR scheduler state
    trainer_state.json   step, data position (epoch, micro-batch), tokens seen, data fingerprint
    rng/rank-R.pt        each process's torch RNG states (dropout)

Weights of pretrained frozen components (the base LM under LoRA, a pretrained CLIP) are not copied:
``predict`` reloads them from ``model.*.pretrained``, as LAMM loaded its delta checkpoints.
The folder is written under a temporary name and renamed when complete; ``OUT_DIR/latest`` names the
newest one. With several nodes, ``out_dir`` must be on a filesystem every node sees.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from safetensors.torch import load_file, save_file
from torch.distributed.checkpoint.state_dict import (
    StateDictOptions,
    get_optimizer_state_dict,
    set_model_state_dict,
    set_optimizer_state_dict,
)
from torch.distributed.tensor import DTensor
from torch.nn.parallel import DistributedDataParallel
from transformers import PreTrainedTokenizerBase

from lamm_data.atomic import follow_umask, replace_folder, write_bytes_atomic
from lamm_data.errors import LammError
from lamm_model.config import TrainConfig, dump_config, load_config
from lamm_model.model import LammModel, build_model, random_components
from lamm_model.tokenizer import load_tokenizer

CONFIG, TOKENIZER, WEIGHTS, OPTIMIZER, SCHEDULER, STATE, RNG = (
    "config.yaml", "tokenizer", "model.safetensors", "optimizer.pt", "scheduler.pt", "trainer_state.json", "rng")
LATEST = "latest"


class CheckpointError(LammError, ValueError):
    """A checkpoint that is missing, incomplete, or does not fit the model or data it is loaded into."""


@dataclass
class TrainState:
    """Where training stands. ``position``: (epoch, next micro-batch index) of the data stream."""

    step: int = 0
    position: tuple[int, int] = (0, 0)
    tokens: int = 0
    world_size: int = 1
    data_fingerprint: str = ""


def resolve_checkpoint(path: str | os.PathLike[str]) -> Path:
    """A checkpoint folder, or the one a run folder's ``latest`` file names.

    Raises:
        CheckpointError: neither.
    """
    path = Path(path)
    seen: list[Path] = []
    while not ((path / CONFIG).is_file() and (path / WEIGHTS).is_file()):
        pointer = path / LATEST
        if not pointer.is_file():
            raise CheckpointError(f"{path} is not a checkpoint (no {CONFIG} and {WEIGHTS}) nor a run folder with a "
                                  f"'{LATEST}' file")
        if path.resolve() in seen or len(seen) >= 8:
            raise CheckpointError(f"{pointer}: the '{LATEST}' pointers form a cycle "
                                  f"({' -> '.join(str(p) for p in [*seen, path.resolve()])})")
        seen.append(path.resolve())
        try:
            target = pointer.read_bytes()[:4096].decode("utf-8").strip()
        except (OSError, UnicodeDecodeError):
            raise CheckpointError(f"{pointer}: not a '{LATEST}' pointer (it should hold the relative path of a "
                                  "checkpoint folder, as UTF-8 text)") from None
        if not target or "\x00" in target or "\n" in target:
            raise CheckpointError(f"{pointer}: not a '{LATEST}' pointer (expected one relative path, found "
                                  f"{target[:40]!r})")
        path = path / target
    return path


def persistent_keys(raw: LammModel) -> set[str]:
    """State-dict keys a checkpoint stores: trainable parameters and all of randomly initialised components."""
    random = random_components(raw.cfg)
    keys = {n for n, p in raw.named_parameters() if p.requires_grad}
    keys |= {k for k in raw.state_dict() if raw.component(k) in random}
    return keys


def _full(world: int) -> StateDictOptions:
    return StateDictOptions(full_state_dict=world > 1, cpu_offload=world > 1)


def kept_weights(raw: LammModel, keep: set[str], rank: int = 0) -> dict[str, torch.Tensor]:
    """The weights named in ``keep`` as full CPU tensors on rank 0 (``{}`` elsewhere); collective under FSDP.

    Under FSDP (parameters are sharded ``DTensor``s) only these parameters are gathered, one at a time and
    in name order on every process; the frozen rest of the model is never assembled. With one process or
    DDP every process holds the whole model and rank 0 copies only the kept weights.
    """
    state = raw.state_dict()  # FSDP: the local shards, no copies
    weights = {}
    for key in sorted(keep):
        value = state[key]
        if isinstance(value, DTensor):
            value = value.full_tensor()  # every process takes part
        if rank == 0:
            weights[key] = value.detach().to("cpu")
    return weights


def save_checkpoint(dest: Path, *, model: torch.nn.Module, raw: LammModel, optimizer: torch.optim.Optimizer,
                    scheduler: Any, cfg: TrainConfig, tokenizer: PreTrainedTokenizerBase, state: TrainState,
                    rank: int = 0, world: int = 1) -> Path:
    """Write a checkpoint (collective: every process must call it) and point ``dest.parent.parent/latest`` at it."""
    # only the weights the checkpoint keeps (for a LoRA run: megabytes, not the frozen LM) reach rank 0's host
    weights = kept_weights(raw, persistent_keys(raw), rank)
    optim = get_optimizer_state_dict(model, optimizer, options=_full(world))
    tmp = dest.with_name(f".{dest.name}.tmp")
    if rank == 0:
        shutil.rmtree(tmp, ignore_errors=True)
        (tmp / RNG).mkdir(parents=True)
        save_file({k: v.clone().contiguous() for k, v in weights.items()}, str(tmp / WEIGHTS))
        follow_umask(tmp / WEIGHTS)  # safetensors creates it 0600; a shared run folder stays readable
        torch.save(optim, tmp / OPTIMIZER)
        torch.save(scheduler.state_dict(), tmp / SCHEDULER)
        (tmp / CONFIG).write_text(dump_config(cfg), encoding="utf-8")
        (tmp / STATE).write_text(json.dumps(asdict(state), indent=1) + "\n", encoding="utf-8")
        tokenizer.save_pretrained(str(tmp / TOKENIZER))
    _barrier(world)
    rng = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        rng["cuda"] = torch.cuda.get_rng_state()
    torch.save(rng, tmp / RNG / f"rank-{rank}.pt")
    _barrier(world)
    if rank == 0:
        replace_folder(tmp, dest)
        run = dest.parent.parent
        write_bytes_atomic(run / LATEST, f"{dest.relative_to(run)}\n".encode())
    _barrier(world)
    return dest


def _barrier(world: int) -> None:
    if world > 1:
        dist.barrier()


_MAX_HEADER = 100 << 20
"""Largest safetensors header read (its JSON index of tensor names, dtypes and offsets), in bytes."""


def read_weights(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of a ``model.safetensors``, after checking that its header fits in the file.

    Raises:
        CheckpointError: the file is empty, truncated, garbage, or its header claims more than the file holds.
    """
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot read ({exc.strerror or exc})") from None
    claimed = int.from_bytes(head, "little") if len(head) == 8 else None
    if claimed is None or claimed > min(size - 8, _MAX_HEADER):
        raise CheckpointError(f"{path}: not a safetensors file ({size} bytes; its header "
                              f"{'is cut short' if claimed is None else f'claims {claimed} bytes'})")
    try:
        return load_file(str(path))
    except Exception as exc:  # safetensors raises its own SafetensorError (and OSError, ValueError) on bad files
        raise CheckpointError(f"{path}: not a readable safetensors file ({' '.join(str(exc).split())[:200]})") from None


def load_weights(model: torch.nn.Module, raw: LammModel, path: Path, world: int = 1) -> None:
    """Load a checkpoint's weights into a model built from the same config (collective when ``world > 1``).

    Under FSDP only rank 0 reads and checks the file; each process receives its shards of the stored
    weights from it, one tensor at a time (a random LM's checkpoint holds the whole model).

    Raises:
        CheckpointError: keys that the model lacks, or weights the checkpoint should hold but does not (on
            every process).
    """
    fsdp = world > 1 and not isinstance(model, DistributedDataParallel)
    weights: dict[str, torch.Tensor] = {}
    problem = None
    if not fsdp or dist.get_rank() == 0:
        try:
            weights = _fitting_weights(raw, path)
        except CheckpointError as exc:
            problem = str(exc)
    if fsdp:
        shared = [problem]
        dist.broadcast_object_list(shared, src=0)
        problem = shared[0]
    if problem is not None:
        raise CheckpointError(problem)
    set_model_state_dict(model, weights, options=StateDictOptions(full_state_dict=world > 1, strict=False,
                                                                  broadcast_from_rank0=fsdp))


def _fitting_weights(raw: LammModel, path: Path) -> dict[str, torch.Tensor]:
    """The tensors of ``path``'s weights file, checked against the model's keys and shapes."""
    weights = read_weights(path / WEIGHTS)
    expected = persistent_keys(raw)
    unexpected = sorted(set(weights) - set(raw.state_dict()))
    missing = sorted(expected - set(weights))
    if unexpected or missing:
        shown = "; ".join(f"{label}: {', '.join(keys[:4])}{' ...' if len(keys) > 4 else ''}"
                          for label, keys in (("not in the model", unexpected), ("missing", missing)) if keys)
        raise CheckpointError(f"{path / WEIGHTS} does not fit the model built from its config ({shown})")
    state = raw.state_dict()
    wrong = [f"{k} is {tuple(v.shape)} in the file, {tuple(state[k].shape)} in the model" for k, v in weights.items()
             if tuple(v.shape) != tuple(state[k].shape)]
    if wrong:
        raise CheckpointError(f"{path / WEIGHTS} does not fit the model built from its config {path / CONFIG} "
                              f"({'; '.join(wrong[:2])}{' ...' if len(wrong) > 2 else ''})")
    return weights


def load_training(path: Path, *, model: torch.nn.Module, raw: LammModel, optimizer: torch.optim.Optimizer,
                  scheduler: Any, rank: int = 0, world: int = 1) -> TrainState:
    """Restore weights, optimizer, scheduler and this process's RNG state; return the saved :class:`TrainState`."""
    rng_file = f"{RNG}/rank-{rank}.pt"
    for name in (WEIGHTS, OPTIMIZER, SCHEDULER, STATE, rng_file):
        if not (path / name).is_file():
            raise CheckpointError(f"{path} cannot resume training exactly: {name} is missing")
    raw_state = json.loads((path / STATE).read_text(encoding="utf-8"))
    state = TrainState(**{**raw_state, "position": tuple(raw_state["position"])})
    if state.world_size != world:
        raise CheckpointError(f"{path} was written by {state.world_size} process(es); resuming with {world} would "
                              "change the data order. Resume with the same number of processes.")
    load_weights(model, raw, path, world)
    set_optimizer_state_dict(model, optimizer, torch.load(path / OPTIMIZER, weights_only=True),
                             options=StateDictOptions(full_state_dict=world > 1))
    scheduler.load_state_dict(torch.load(path / SCHEDULER, weights_only=True))
    rng = torch.load(path / rng_file, weights_only=True)
    torch.set_rng_state(rng["cpu"])
    if "cuda" in rng and torch.cuda.is_available():
        torch.cuda.set_rng_state(rng["cuda"])
    return state


def load_for_inference(path: str | os.PathLike[str], dtype: torch.dtype = torch.float32,
                       ) -> tuple[LammModel, PreTrainedTokenizerBase, TrainConfig]:
    """The model (CPU, eval mode, LoRA merged, every weight in ``dtype``) and tokenizer of a checkpoint or
    run folder. Frozen weights are read in ``dtype`` directly (one copy in host memory)."""
    path = resolve_checkpoint(path)
    cfg = load_config(path / CONFIG)
    tokenizer = load_tokenizer(str(path / TOKENIZER))
    try:
        model, _ = build_model(cfg.model, seed=cfg.seed, tokenizer=tokenizer, dtype=dtype)
    except (TypeError, ValueError) as exc:  # a config transformers cannot build (validated, but not every key)
        raise CheckpointError(f"{path / CONFIG}: the model cannot be built from it "
                              f"({' '.join(str(exc).split())[:200]})") from None
    load_weights(model, model, path)
    model.merge_lora()
    model.cast_all(dtype)
    return model.eval(), tokenizer, cfg
