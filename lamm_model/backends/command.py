"""``lamm-model predict --hf`` / ``--api-base``: build the backend, run it, print the summary (CLI code)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lamm_data.catalog import resolve
from lamm_data.errors import LammError
from lamm_model.backends.chat import CHAT_STYLES, messages
from lamm_model.backends.procedure import Procedure
from lamm_model.backends.runner import IMAGE_ONLY, RunSummary, Shard, data_root, load_items, select_benchmarks


class BackendOptionError(LammError, ValueError):
    """Backend options that do not go together."""


@dataclass(frozen=True)
class BackendArgs:
    """The ``predict`` options the backends use."""

    hf: str | None
    api_base: str | None
    api_model: str | None
    revision: str | None = None
    dtype: str | None = None
    device: str = "auto"
    device_map: str | None = None
    batch_size: int = 1
    api_key_env: str = "OPENAI_API_KEY"
    concurrency: int = 1
    timeout: float = 300.0
    retries: int = 6
    max_new_tokens: int | None = None
    style: str = "lamm"
    vqa_two_pass: bool | None = None


def procedure_of(args: BackendArgs) -> Procedure:
    """The prompt style and VQA passes (two passes by default with LAMM prompts, one with native ones)."""
    if args.style not in CHAT_STYLES:
        raise BackendOptionError(f"--prompt-style {args.style!r}: with --hf or --api-base use one of "
                                 f"{', '.join(CHAT_STYLES)}")
    two_pass = args.vqa_two_pass if args.vqa_two_pass is not None else args.style == "lamm"
    return Procedure(args.style, two_pass)  # type: ignore[arg-type]


def torchrun_shard() -> tuple[int, int, int] | None:
    """``(rank, world, local_rank)`` under torchrun with several processes, else ``None``."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return None
    return int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", "0"))


def make_backend(args: BackendArgs, local_rank: int | None = None) -> tuple[Any, int, int]:
    """The backend, items per call and concurrent calls.

    Raises:
        BackendOptionError: both or neither of ``--hf`` and ``--api-base``, or a missing ``--api-model``.
    """
    if (args.hf is None) == (args.api_base is None):
        raise BackendOptionError("give exactly one of --checkpoint, --hf or --api-base")
    tokens = args.max_new_tokens or 400
    if args.api_base is not None:
        if not args.api_model:
            raise BackendOptionError("--api-base needs --api-model NAME (the model name the server serves)")
        from lamm_model.backends.api import ApiBackend
        from lamm_model.backends.openai_api import ApiOptions

        options = ApiOptions(args.api_base, args.api_model, tokens, args.api_key_env, args.timeout, args.retries)
        return ApiBackend(options), 1, args.concurrency
    from lamm_model.backends.hf import HFBackend, HFOptions

    options = HFOptions(args.hf, args.revision, args.dtype, args.device, args.device_map, args.batch_size, tokens)
    return HFBackend(options, local_rank), args.batch_size, 1


def _gloo_or_nccl_shard(rank: int, world: int, device: Any) -> Shard:
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return Shard(rank, world, dist.barrier)


def run_backend(args: BackendArgs, data: str, benchmarks: list[str], out: Path, *, limit: int | None, force: bool,
                on_progress: Any = None) -> RunSummary:
    """Run ``predict`` with a model backend; under torchrun (``--hf`` only) every rank takes a shard."""
    from lamm_model.backends.runner import run

    procedure = procedure_of(args)
    place = torchrun_shard()
    if place is not None and args.api_base is not None:
        raise BackendOptionError("--api-base runs in one process; use --concurrency N instead of torchrun")
    backend, per_call, workers = make_backend(args, place[2] if place else None)
    shard = _gloo_or_nccl_shard(place[0], place[1], backend.device) if place is not None else None
    try:
        return run(backend, data, benchmarks, out, procedure=procedure, items_per_call=per_call, workers=workers,
                   limit=limit, force=force, shard=shard, on_progress=on_progress)
    finally:
        if shard is not None:
            import torch.distributed as dist

            dist.destroy_process_group()


def dry_run(args: BackendArgs, data: str, benchmarks: list[str], scratch: Path) -> str:
    """The exact messages of the first item of each benchmark (images named, not inlined), as text."""
    procedure = procedure_of(args)
    root = data_root(data, scratch)
    render = None
    if args.hf is not None:
        from transformers import AutoProcessor

        processor = AutoProcessor.from_pretrained(args.hf, revision=args.revision)

        def render(req: Any) -> str:
            return processor.apply_chat_template(messages(req), add_generation_prompt=True, tokenize=False)

    parts: list[str] = []
    skipped = []
    for name in select_benchmarks(benchmarks):
        if resolve(name).modality == "pointcloud":
            skipped.append(name)
            continue
        items = load_items(name, root, 1)
        if not items:
            continue
        item = items[0]
        reqs = procedure.first_requests(item)
        req = reqs[0]
        if args.api_base is not None:  # the chat-completions body, the image's base64 left out
            from lamm_model.backends.openai_api import openai_messages

            shown = openai_messages(req)
            shown[-1]["content"][0]["image_url"]["url"] = (f"data:{req.image.mime()};base64,<{len(req.image.read())} "
                                                           f"bytes of {req.image.describe()}>")
        else:
            shown = messages(req, image=req.image.describe())
        parts.append(f"== {name} (item {item.id}, prompt style {procedure.style})")
        parts.append(json.dumps(shown, indent=2, ensure_ascii=False))
        if render is not None:
            parts.append("-- as the chat template renders it:")
            parts.append(render(req))
        if len(reqs) > 1:
            parts.append(f"-- one such request per LSP joint ({len(reqs)} in all); this one asks about the first")
        if procedure.two_pass(item):
            parts.append('-- second pass: the same messages with the query "<query><first answer> ###\\nANSWER:"; '
                         'the stored text is "<first answer>\\n The answer is <second answer>"')
    if skipped:
        parts.append(f"3D benchmarks skipped: {IMAGE_ONLY} ({', '.join(skipped)})")
    return "\n".join(parts)
