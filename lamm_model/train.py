"""The training loop, readable top to bottom (nanoGPT style): set up, check every sample, train, checkpoint.

Files in ``out_dir``: ``sample_checks.json`` (every problem found before step 1), ``metrics.jsonl``
(one line per logged step: loss, lr, tokens/s, grad norm), ``checkpoints/step-N/`` and ``latest``.

One process: ``lamm-model train --config cfg.yaml``. Several (one node or many):
``torchrun --nproc_per_node 8 -m lamm_model train --config cfg.yaml``; every process runs this same
code, ``distributed: ddp`` (default) replicates the model, ``fsdp`` shards it (FSDP2, one unit per
decoder layer; only rank 0 materialises the weights, see :func:`shard`). Without CUDA the gloo backend is
used, so the multi-process path also runs on CPU.

Loss (``loss_mean``): ``micro_batch`` (LAMM/DeepSpeed) takes each micro-batch's mean next-token
cross-entropy over its supervised (assistant) tokens and averages those means over the micro-batches and
processes of a step; ``step_tokens`` takes one mean over every supervised token of the step, so it does
not depend on how the batch is split.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from lamm_data.atomic import write_bytes_atomic
from lamm_data.errors import LammError
from lamm_model.checkpoint import CheckpointError, TrainState, load_training, resolve_checkpoint, save_checkpoint
from lamm_model.checks import CheckReport, check_samples
from lamm_model.config import ConfigError, TrainConfig
from lamm_model.data import TrainDataset, batch_stream, check_modalities, collate, open_sources
from lamm_model.model import IGNORE, LammModel, build_model
from lamm_model.schedule import lr_factor


class SampleCheckError(LammError, ValueError):
    """Too many samples failed the checks before step 1; ``report`` holds every problem."""

    def __init__(self, message: str, report: CheckReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class StepLog:
    """What one optimizer step did. ``loss`` is the mean over supervised tokens; ``tokens`` counts every
    non-padding position (text and vision) of the step over all processes."""

    step: int
    max_steps: int
    loss: float
    lr: float
    tokens: int
    tokens_per_s: float
    grad_norm: float | None
    seconds: float
    """Wall time since the previous log (``tokens_per_s`` is measured over the same window)."""


@dataclass
class TrainResult:
    """Outcome of :func:`train`: final state, the loss of every step run, the last checkpoint, the check report."""

    state: TrainState
    losses: list[float] = field(default_factory=list)
    checkpoint: Path | None = None
    check: CheckReport | None = None
    rank: int = 0


class TrainEvents:
    """Callbacks for progress display (called on rank 0 only); the default does nothing."""

    def on_check(self, report: CheckReport) -> None:
        """The sample checks finished."""

    def on_start(self, info: dict[str, Any]) -> None:
        """Training is about to start: ``info`` has parameter counts, samples, processes, device, first step."""

    def on_step(self, log: StepLog) -> None:
        """An optimizer step finished (every ``log_every`` steps)."""

    def on_checkpoint(self, path: Path) -> None:
        """A checkpoint was written."""


@dataclass(frozen=True)
class Runtime:
    """This process's place in the run."""

    rank: int
    world: int
    local_rank: int
    device: torch.device

    @property
    def main(self) -> bool:
        """True on rank 0 (the process that writes files and reports)."""
        return self.rank == 0


def setup_runtime(cfg: TrainConfig) -> tuple[Runtime, bool]:
    """Read torchrun's environment, start the process group if needed, pick the device.

    Returns the runtime and whether this call started the process group (and must end it).
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank, local_rank = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = cfg.device == "cuda" or (cfg.device == "auto" and torch.cuda.is_available())
    if cfg.device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device: cuda was asked for but CUDA is not available")
    device = torch.device(f"cuda:{local_rank}") if use_cuda else torch.device("cpu")
    if use_cuda:
        torch.cuda.set_device(device)
    started = False
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if use_cuda else "gloo")
        started = True
    return Runtime(rank, world, local_rank, device), started


def train(cfg: TrainConfig, *, resume: str | os.PathLike[str] | None = None,
          events: TrainEvents | None = None) -> TrainResult:
    """Train as configured (optionally continuing from a checkpoint or run folder) and return the result.

    Dropout draws from torch's RNG, seeded ``seed + rank`` (restored from the checkpoint on resume);
    the caller's RNG state is put back on return.

    Raises:
        SampleCheckError: more than ``data.max_bad_fraction`` of the samples failed the checks.
        CheckpointError: ``resume`` does not fit this run.
    """
    runtime, started = setup_runtime(cfg)
    try:
        with torch.random.fork_rng(devices=[runtime.device] if runtime.device.type == "cuda" else []):
            return _train(cfg, runtime, resume, events or TrainEvents())
    finally:
        if started:
            dist.destroy_process_group()


def _train(cfg: TrainConfig, rt: Runtime, resume: str | os.PathLike[str] | None, events: TrainEvents) -> TrainResult:
    out = Path(cfg.out_dir)
    if cfg.data.num_workers:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # tokenizer threads do not survive fork

    # 1. data and model (rank 0 first: it may write the sample root or convert splits)
    with _rank0_first(rt):
        sources = open_sources(cfg.data, out)
    check_modalities(sources, cfg.model)
    # under FSDP only rank 0 builds (or reads) the weights; the others build a meta-device skeleton that
    # FSDP fills with their shards from rank 0 (no process but rank 0 ever holds the whole model)
    fsdp = rt.world > 1 and cfg.distributed == "fsdp"
    raw, tokenizer = build_model(cfg.model, seed=cfg.seed, dtype=frozen_dtype(cfg),
                                 device="meta" if fsdp and not rt.main else None)
    media_tokens = raw.media_tokens()

    # 2. check every sample before step 1
    report = _check(cfg, rt, sources, tokenizer, media_tokens, events)

    # 3. precision, device, parallelism, optimizer, and the saved state when resuming
    if cfg.gradient_checkpointing:
        raw.enable_activation_checkpointing()
    if not fsdp:
        raw.to(rt.device)  # FSDP moves each shard to the device itself
    model = _parallel(raw, cfg, rt)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=cfg.optim.lr, betas=cfg.optim.betas,
                                  weight_decay=cfg.optim.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, functools.partial(
        lr_factor, lr=cfg.optim.lr, min_lr=cfg.optim.min_lr, warmup_steps=cfg.optim.warmup(cfg.max_steps),
        max_steps=cfg.max_steps, schedule=cfg.optim.schedule))
    state = TrainState(world_size=rt.world, data_fingerprint=_fingerprint(sources, report))
    if resume is not None:
        path = resolve_checkpoint(resume)
        saved = load_training(path, model=model, raw=raw, optimizer=optimizer, scheduler=scheduler,
                              rank=rt.rank, world=rt.world)
        if saved.data_fingerprint != state.data_fingerprint:
            raise CheckpointError(f"{path}: the training samples changed since this checkpoint (sources, limits or "
                                  "check results differ); an exact resume is impossible")
        state = saved
    else:
        torch.manual_seed(cfg.seed + rt.rank)  # dropout; restored from the checkpoint on resume

    # 4. the data stream, from the saved position
    dataset = TrainDataset(sources, report.valid, tokenizer, cfg.model, cfg.data.max_length, media_tokens, cfg.seed,
                           max_text=cfg.data.max_text_tokens)
    batches, positions = _stream(dataset, cfg, rt, state.position, tokenizer.pad_token_id)
    if rt.main:
        events.on_start({
            "trainable": sum(p.numel() for p in raw.parameters() if p.requires_grad),
            "parameters": sum(p.numel() for p in raw.parameters()), "samples": len(dataset),
            "processes": rt.world, "device": str(rt.device), "step": state.step, "max_steps": cfg.max_steps})

    # 5. the loop
    result = TrainResult(state, check=report, rank=rt.rank)
    autocast = torch.autocast(rt.device.type, dtype=torch.bfloat16, enabled=cfg.precision == "bf16")
    model.train()
    window_start, window_tokens = time.perf_counter(), 0
    while state.step < cfg.max_steps:
        micro = [next(batches) for _ in range(cfg.grad_accum)]
        for _ in micro:
            state.position = next(positions)
        loss, _, tokens = _forward_backward(model, micro, cfg, rt, autocast)
        norm = (torch.nn.utils.clip_grad_norm_(trainable, cfg.optim.grad_clip)
                if cfg.optim.grad_clip is not None else None)
        lr = optimizer.param_groups[0]["lr"]
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        state.step += 1
        state.tokens += tokens
        result.losses.append(loss)
        window_tokens += tokens
        if state.step % cfg.log_every == 0 or state.step == cfg.max_steps:
            seconds = time.perf_counter() - window_start
            if rt.main:
                log = StepLog(state.step, cfg.max_steps, loss, lr, tokens, window_tokens / seconds,
                              None if norm is None else float(norm), seconds)
                with open(out / "metrics.jsonl", "a", encoding="utf-8") as f:
                    f.write(json.dumps(asdict(log)) + "\n")
                events.on_step(log)
            window_start, window_tokens = time.perf_counter(), 0
        if state.step == cfg.max_steps or (cfg.save_every and state.step % cfg.save_every == 0):
            dest = out / "checkpoints" / f"step-{state.step:08d}"
            result.checkpoint = save_checkpoint(dest, model=model, raw=raw, optimizer=optimizer, scheduler=scheduler,
                                                cfg=cfg, tokenizer=tokenizer, state=state, rank=rt.rank,
                                                world=rt.world)
            if rt.main:
                events.on_checkpoint(result.checkpoint)
    return result


def _check(cfg: TrainConfig, rt: Runtime, sources: list[Any], tokenizer: Any, media_tokens: dict[int, int],
           events: TrainEvents) -> CheckReport:
    """Each process checks a shard of the samples; the merged report is written, shown, and enforced."""
    out = Path(cfg.out_dir)
    report = check_samples(sources, tokenizer, cfg.model, cfg.data.max_length, media_tokens,
                           max_text=cfg.data.max_text_tokens, shard=(rt.rank, rt.world))
    if rt.world > 1:
        gathered: list[Any] = [None] * rt.world
        dist.all_gather_object(gathered, report)
        report = CheckReport.merge(gathered)
    if rt.main:
        out.mkdir(parents=True, exist_ok=True)
        _write_check_report(out / "sample_checks.json", report)
        events.on_check(report)
    if report.bad_fraction > cfg.data.max_bad_fraction or not report.valid:
        raise SampleCheckError(
            f"{report.bad} of {report.total} samples ({report.bad_fraction:.1%}) failed the checks; "
            f"data.max_bad_fraction is {cfg.data.max_bad_fraction:.1%}. Every problem is listed in "
            f"{out / 'sample_checks.json'}", report)
    return report


def _stream(dataset: TrainDataset, cfg: TrainConfig, rt: Runtime, position: tuple[int, int],
            pad_id: int) -> tuple[Iterator[dict[str, Any]], Iterator[tuple[int, int]]]:
    """Batches from ``position`` on (decoded in DataLoader workers) and, in step with them, the position
    after each (the loader prefetches, so positions are counted as batches are consumed)."""
    def plan() -> Iterator[tuple[tuple[int, int], list[tuple[int, int]]]]:
        return batch_stream(len(dataset), cfg.batch_size, cfg.seed, position, rt.rank, rt.world)

    loader = torch.utils.data.DataLoader(
        dataset, batch_sampler=(keys for _, keys in plan()), num_workers=cfg.data.num_workers,
        collate_fn=functools.partial(collate, pad_id=pad_id), pin_memory=rt.device.type == "cuda",
        generator=torch.Generator().manual_seed(cfg.seed))  # own generator: the global RNG drives dropout only
    return iter(loader), (pos for pos, _ in plan())


def _forward_backward(model: torch.nn.Module, micro: list[dict[str, Any]], cfg: TrainConfig, rt: Runtime,
                      autocast: Any) -> tuple[float, int, int]:
    """Accumulate the gradients of one step; return its loss (as ``cfg.loss_mean`` defines it), supervised
    tokens and tokens (all processes)."""
    counts = torch.tensor([sum(int((b["labels"][:, 1:] != IGNORE).sum()) for b in micro),
                           sum(b["tokens"] for b in micro)], dtype=torch.float64, device=rt.device)
    _all_reduce(counts, rt)
    loss_sum = torch.zeros((), dtype=torch.float64, device=rt.device)
    for i, batch in enumerate(micro):
        with _no_sync(model, rt, last=i == len(micro) - 1), autocast:
            loss, n = model(_to(batch, rt.device))
        if cfg.loss_mean == "micro_batch":
            # DDP/FSDP average the gradients over processes; 1 / grad_accum averages over micro-batches
            loss = loss / n.clamp(min=1)
            (loss / len(micro)).backward()
        else:
            (loss * (rt.world / counts[0].item())).backward()  # undo the average over processes, divide by all
        loss_sum += loss.detach().double()
    _all_reduce(loss_sum, rt)
    total = loss_sum.item() / (len(micro) * rt.world) if cfg.loss_mean == "micro_batch" \
        else loss_sum.item() / counts[0].item()
    return total, int(counts[0].item()), int(counts[1].item())


def frozen_dtype(cfg: TrainConfig) -> torch.dtype:
    """The dtype frozen weights are built and stored in: bf16 under ``precision: bf16`` (also under FSDP,
    whose mixed-precision policy computes in bf16 anyway), else fp32. Trainable weights are always fp32."""
    return torch.bfloat16 if cfg.precision == "bf16" else torch.float32


@contextlib.contextmanager
def _rank0_first(rt: Runtime) -> Iterator[None]:
    if rt.world > 1 and not rt.main:
        dist.barrier()
    yield
    if rt.world > 1 and rt.main:
        dist.barrier()


def _parallel(raw: LammModel, cfg: TrainConfig, rt: Runtime) -> torch.nn.Module:
    """Wrap for several processes: DDP, or FSDP2 (:func:`shard`)."""
    if rt.world == 1:
        return raw
    if cfg.distributed == "ddp":
        # an unfrozen CLIP tower has unused weights (layers after cfg.vision.layer, its post-layernorm)
        unused = cfg.model.vision.enabled and not cfg.model.vision.freeze
        return DistributedDataParallel(raw, device_ids=[rt.device.index] if rt.device.type == "cuda" else None,
                                       find_unused_parameters=unused)
    return shard(raw, bf16=cfg.precision == "bf16", device=rt.device)


def shard(raw: LammModel, *, bf16: bool, device: torch.device) -> LammModel:
    """FSDP2 over the default process group: one unit per decoder layer plus the root, in place.

    ``raw`` holds the weights on rank 0 (on the host or ``device``) and is a meta-device skeleton
    (``build_model(device="meta")``) on the other ranks. After sharding, those allocate their empty shards on
    ``device`` and receive them from rank 0 one tensor at a time, so besides rank 0's copy (freed on return)
    no process holds more than its shards plus one full tensor. ``bf16``: compute in bf16, reduce gradients
    in fp32.
    """
    from torch.distributed.checkpoint.state_dict import StateDictOptions, set_model_state_dict
    from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard

    main = dist.get_rank() == 0
    full = raw.state_dict() if main else {}  # references to rank 0's weights, not copies
    policy = MixedPrecisionPolicy(param_dtype=torch.bfloat16, reduce_dtype=torch.float32) if bf16 \
        else MixedPrecisionPolicy()
    layer_names = set(getattr(raw.llm, "_no_split_modules", None) or ())
    if hasattr(raw.llm, "get_base_model"):
        layer_names |= set(getattr(raw.llm.get_base_model(), "_no_split_modules", None) or ())
    for module in raw.llm.modules():
        if type(module).__name__ in layer_names:
            fully_shard(module, mp_policy=policy)
    fully_shard(raw, mp_policy=policy)
    if not main:
        raw.to_empty(device=device)
    set_model_state_dict(raw, full, options=StateDictOptions(full_state_dict=True, broadcast_from_rank0=True))
    del full
    for buffer in raw.buffers():  # non-persistent buffers (rotary frequencies, position ids) are not in it
        dist.broadcast(buffer, src=0)
    return raw


def _no_sync(model: torch.nn.Module, rt: Runtime, last: bool) -> contextlib.AbstractContextManager:
    """Skip the gradient all-reduce on all but the last micro-batch of a step."""
    if rt.world == 1:
        return contextlib.nullcontext()
    if isinstance(model, DistributedDataParallel):
        return contextlib.nullcontext() if last else model.no_sync()
    model.set_requires_gradient_sync(last)  # FSDP2
    return contextlib.nullcontext()


def _all_reduce(tensor: torch.Tensor, rt: Runtime) -> None:
    if rt.world > 1:
        dist.all_reduce(tensor)


def _to(batch: dict[str, Any], device: torch.device) -> dict[str, Any]:
    return {k: v.to(device, non_blocking=True) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}


def _fingerprint(sources: list[Any], report: CheckReport) -> str:
    digest = hashlib.sha256(json.dumps([s.label for s in sources]).encode())
    digest.update(json.dumps(report.valid).encode())
    return digest.hexdigest()[:16]


def _write_check_report(path: Path, report: CheckReport) -> None:
    data = {"total": report.total, "bad": report.bad, "bad_fraction": report.bad_fraction,
            "sources": [{"source": s.source, "total": s.total, "bad": s.bad, "truncated": s.truncated,
                         "problems": dict(s.kinds)} for s in report.sources],
            "problems": [{"source": p.source, "index": p.index, "id": p.id, "kind": p.kind, "message": p.message}
                         for p in report.problems]}
    write_bytes_atomic(path, (json.dumps(data, indent=1) + "\n").encode())
