"""Benchmark predictions as ``lamm-bench score`` reads them: one JSON object per line,
``{"id": str, "benchmark": "<canonical name>", "text": str}`` (for Keypoints_Detection_LSP ``text`` is a
``{joint name: answer}`` dict in LSP joint order).

Prompts follow LAMM's benchmark scripts (``../shared/docs/lamm-formats.md`` §6.2):

* every benchmark: its spec's system message + the item's ``query`` (layout: :mod:`lamm_model.prompts`,
  :mod:`lamm_bench.benchmarks.prompts`); lines are :class:`lamm_bench.predictions.PredictionRecord` objects;
* Keypoints_Detection_LSP: 14 generations per image, ``query.format(joint)`` for each LSP joint
  (LAMM shared one dict across a batch by mistake; here each item has its own);
* VQA_AI2D, VQA_SQAimage, VQA_ScanQA_multiplechoice: two passes as LAMM did: the first answer
  (reasoning), then ``query + reasoning + " ###\\nANSWER:"``; the stored text is
  ``reasoning + "\\n The answer is " + second answer`` (``two_pass=False`` keeps only the first).

Decoding is greedy by default, as LAMM's code decodes since 2024-01 (3c58637); the paper-era code sampled
with top_p 0.9, temperature 1.0 (``do_sample`` does the same here, with a fixed seed); every setting that
changes the answers is in :class:`GenerationSettings` (``record()`` gives them as a dict). The model runs
with LoRA merged, in bf16 on CUDA and fp32 on CPU by default (``dtype``). Answers are cut at the first
``###`` and stripped. Lines are appended and flushed one item at a time; a rerun skips the (benchmark, id)
pairs already in the file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import PreTrainedTokenizerBase, StoppingCriteria, StoppingCriteriaList

from lamm_bench.benchmarks import get_spec
from lamm_bench.benchmarks.prompts import SEP, cut_answer, item_queries, joint_answers, vqa_answer, vqa_follow_up
from lamm_bench.predictions import PredictionRecord
from lamm_data.catalog import CatalogEntry, resolve
from lamm_model.backends.hf import pick_device
from lamm_model.backends.runner import PredictionFileError, read_done, select_benchmarks
from lamm_model.checkpoint import load_for_inference
from lamm_model.config import ConfigError, TrainConfig
from lamm_model.data import (
    Source,
    clip_pixels,
    collate,
    encode,
    load_cloud,
    load_image,
    load_rows,
    prepare_points,
    resolve_root,
    vision_size,
)
from lamm_model.model import IMAGE, PCL, LammModel
from lamm_model.prompts import PromptStyle, inference_parts

DECODING_PROTOCOLS = {
    "greedy": "greedy decoding (LAMM's code since 2024-01, 3c58637): deterministic; scores may differ from the "
              "paper's, which were sampled",
    "paper-sampling": "top-p 0.9, temperature 1.0 sampling, as the paper-era code (2023) decoded; answers vary "
                      "with the seed",
}
"""What each decoding protocol means for comparing with the LAMM paper (recorded with the predictions)."""


@dataclass(frozen=True)
class GenerationSettings:
    """How to decode: the one place that holds every setting that changes the generated answers.

    ``max_new_tokens`` ``None``: the checkpoint config's 2D/3D defaults. ``dtype``: weights during inference
    (``auto``: bf16 on CUDA, fp32 on CPU).
    """

    max_new_tokens: int | None = None
    do_sample: bool = False
    temperature: float = 1.0
    top_p: float = 0.9
    seed: int = 0
    style: PromptStyle = "lamm"
    vqa_two_pass: bool = True
    dtype: str = "auto"

    @property
    def protocol(self) -> str:
        """``greedy``, ``paper-sampling`` (top-p 0.9, T 1.0 sampling) or ``sampling`` (other values)."""
        if not self.do_sample:
            return "greedy"
        return "paper-sampling" if (self.top_p, self.temperature) == (0.9, 1.0) else "sampling"

    def record(self) -> dict[str, Any]:
        """The settings as a JSON-ready dict (for a predictions fingerprint), with ``protocol`` and its meaning."""
        data = asdict(self)
        data["protocol"] = self.protocol
        data["protocol_meaning"] = DECODING_PROTOCOLS.get(self.protocol, "sampling with non-paper settings")
        return data


@dataclass
class PredictSummary:
    """What a :func:`predict` call wrote, per benchmark: new lines and lines already present."""

    out: Path
    written: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)


def done_ids(out: Path) -> set[tuple[str, str]]:
    """``(benchmark, id)`` pairs already in ``out``; a last line cut short by a crash is removed first
    (:func:`lamm_model.backends.runner.read_done`).

    Raises:
        PredictionFileError: a complete line is not a prediction object.
    """
    return read_done(out, remedy="fix or remove the file to start over")


class _StopAtSeparator(StoppingCriteria):
    """Stop each sequence once its generated text contains ``###``."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase) -> None:
        self.tokenizer = tokenizer

    def __call__(self, input_ids: torch.LongTensor, scores: Any, **kwargs: Any) -> torch.BoolTensor:
        tails = self.tokenizer.batch_decode(input_ids[:, -8:], skip_special_tokens=True)
        return torch.tensor([SEP in t for t in tails], device=input_ids.device)


class Predictor:
    """A loaded checkpoint that answers benchmark queries."""

    def __init__(self, model: LammModel, tokenizer: PreTrainedTokenizerBase, cfg: TrainConfig,
                 device: torch.device, settings: GenerationSettings) -> None:
        self.model, self.tokenizer, self.cfg, self.device, self.settings = model, tokenizer, cfg, device, settings
        self.media_tokens = model.media_tokens()
        self.image_size = vision_size(cfg.model) if cfg.model.vision.enabled else 0

    def media(self, source: Source, row: dict[str, Any]) -> tuple[int, torch.Tensor]:
        """The decoded media of a row (point sampling seeded by the row's index: the same in every pass)."""
        path, data = source.media_path(row)
        if source.modality == "image":
            return IMAGE, clip_pixels(load_image(path, data), self.image_size, self.cfg.model.vision.resize_predict)
        rng = np.random.default_rng((self.settings.seed, int(row["index"])))
        return PCL, prepare_points(load_cloud(path, data), self.cfg.model.pointcloud, rng)

    def answer(self, entry: CatalogEntry, queries: Sequence[str],
               media: Sequence[tuple[int, torch.Tensor]]) -> list[str]:
        """Generate one answer per query (``media[i]`` is the vision input of ``queries[i]``)."""
        protocol = get_spec(entry.name).protocol
        system, task_type = protocol.system, protocol.task_type
        items = []
        for query, (kind, tensor) in zip(queries, media, strict=True):
            modality = "image" if kind == IMAGE else "pcl"
            parts = inference_parts(query, modality, system=system, task_type=task_type, style=self.settings.style,
                                    use_system=self.cfg.model.use_system, template=self.cfg.model.template)
            enc = encode(self.tokenizer, parts, self.media_tokens[kind], None)
            item = {"input_ids": enc.input_ids, "labels": enc.labels, "media_start": enc.media_start,
                    "media_len": enc.media_len, "modality": kind, "pixels" if kind == IMAGE else "points": tensor}
            items.append(item)
        batch = collate(items, self.tokenizer.pad_token_id, left=True)
        batch = {k: v.to(self.device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}
        limit = self.settings.max_new_tokens or (self.cfg.generation.max_new_tokens_3d if entry.modality == "pointcloud"
                                                 else self.cfg.generation.max_new_tokens_2d)
        kwargs: dict[str, Any] = {"max_new_tokens": limit, "do_sample": self.settings.do_sample,
                                  "pad_token_id": self.tokenizer.pad_token_id,
                                  "eos_token_id": self.tokenizer.eos_token_id,
                                  "stopping_criteria": StoppingCriteriaList([_StopAtSeparator(self.tokenizer)])}
        if self.settings.do_sample:
            kwargs.update(temperature=self.settings.temperature, top_p=self.settings.top_p)
        new = self.model.generate(batch, **kwargs)
        return [cut_answer(t) for t in self.tokenizer.batch_decode(new, skip_special_tokens=True)]

    def answer_rows(self, entry: CatalogEntry, source: Source, rows: Sequence[dict[str, Any]],
                    batch_size: int) -> list[str | dict[str, str]]:
        """The stored ``text`` of each row, following the benchmark's LAMM protocol (its spec's)."""
        protocol = get_spec(entry.name).protocol
        media = [self.media(source, row) for row in rows]
        if protocol.layout == "per_joint":  # one query per joint
            per_row = [item_queries(protocol, row["query"]) for row in rows]
            n = len(protocol.joints)
            flat = self._batched(entry, [q for queries in per_row for q in queries],
                                 [m for m in media for _ in range(n)], batch_size)
            return [joint_answers(protocol, flat[i * n:(i + 1) * n]) for i in range(len(rows))]
        queries = [row["query"] for row in rows]
        first = self._batched(entry, queries, media, batch_size)
        if not protocol.two_pass_vqa or not self.settings.vqa_two_pass:
            return list(first)
        follow = [vqa_follow_up(q, r) for q, r in zip(queries, first, strict=True)]
        second = self._batched(entry, follow, media, batch_size)
        return [vqa_answer(r, o) for r, o in zip(first, second, strict=True)]

    def _batched(self, entry: CatalogEntry, queries: Sequence[str], media: Sequence[tuple[int, torch.Tensor]],
                 batch_size: int) -> list[str]:
        out: list[str] = []
        for i in range(0, len(queries), batch_size):
            out += self.answer(entry, queries[i:i + batch_size], media[i:i + batch_size])
        return out


def inference_dtype(name: str, device: torch.device) -> torch.dtype:
    """``auto`` -> bf16 on CUDA, fp32 on CPU; else ``fp32``/``bf16``/``fp16``.

    Raises:
        ConfigError: an unknown name.
    """
    if name == "auto":
        return torch.bfloat16 if device.type == "cuda" else torch.float32
    dtypes = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
    if name not in dtypes:
        raise ConfigError(f"--dtype {name!r} is not one of auto, {', '.join(dtypes)}")
    return dtypes[name]


def predict(checkpoint: str | os.PathLike[str], data: str, benchmarks: Sequence[str], out: str | os.PathLike[str], *,
            batch_size: int = 4, settings: GenerationSettings | None = None, device: str = "auto",
            limit: int | None = None, on_progress: Callable[[str, int, int], None] | None = None) -> PredictSummary:
    """Append predictions for ``benchmarks`` (names, aliases, ``all``, ``2D``, ``3D``) to ``out``.

    ``data`` is a LAMM root or ``sample`` (the embedded sample, written next to ``out``); ``limit`` keeps
    the first N items of each benchmark. ``on_progress(benchmark, done, total)`` is called per batch.
    """
    settings = settings or GenerationSettings()
    out = Path(out)
    if out.is_dir():
        raise PredictionFileError(f"{out} is a folder; the predictions go to a file (e.g. {out / 'predictions.jsonl'})")
    out.parent.mkdir(parents=True, exist_ok=True)
    names = select_benchmarks(benchmarks)
    root = resolve_root(data, out.parent)
    target = pick_device(device)
    model, tokenizer, cfg = load_for_inference(checkpoint, dtype=inference_dtype(settings.dtype, target))
    predictor = Predictor(model.to(target).eval(), tokenizer, cfg, target, settings)
    seen = done_ids(out)
    summary = PredictSummary(out)
    rng_devices = [target] if target.type == "cuda" else []
    with torch.random.fork_rng(devices=rng_devices), open(out, "a", encoding="utf-8") as f:
        torch.manual_seed(settings.seed)
        for name in names:
            entry = resolve(name)
            rows = load_rows(entry.name, root)
            source = Source(entry, root, rows)
            wanted = len(rows) if limit is None else min(limit, len(rows))
            todo = [i for i in range(wanted) if (name, _item_id(rows[i])) not in seen]
            summary.skipped[name] = wanted - len(todo)
            summary.written[name] = 0
            for start in range(0, len(todo), batch_size):
                chunk = [rows[i] for i in todo[start:start + batch_size]]
                for row, text in zip(chunk, predictor.answer_rows(entry, source, chunk, batch_size), strict=True):
                    record = PredictionRecord(id=_item_id(row), benchmark=name, text=text)
                    f.write(json.dumps(record.model_dump(exclude_none=True), ensure_ascii=False) + "\n")
                    f.flush()
                    summary.written[name] += 1
                if on_progress is not None:
                    on_progress(name, summary.written[name], len(todo))
    return summary


def _item_id(row: dict[str, Any]) -> str:
    return str(row["id"]) if row.get("id") is not None else str(row["index"])
