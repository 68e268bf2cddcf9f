"""The checks before step 1: every training sample is looked at once, and the run stops if too many fail.

Per sample (no media file is decoded): the conversation can be built; placeholders are where they
belong (:func:`lamm_model.prompts.placeholder_problem`); no gpt turn is empty; the media file exists;
the ``task_type`` has a LAMM system prompt (when ``use_system``); at least one supervised token
survives the cut (``data.max_text_tokens`` after the vision block, ``data.max_length`` overall).
Problems are counted per source file and listed as
``file:index:id:kind: message``; nothing is skipped silently.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from transformers import PreTrainedTokenizerBase

from lamm_model.config import ModelConfig, TrainConfig
from lamm_model.data import Source, check_modalities, cut_length, open_sources
from lamm_model.model import IMAGE, PCL, media_token_counts
from lamm_model.prompts import PromptParts, placeholder_problem, train_system, training_parts
from lamm_model.tokenizer import load_tokenizer


@dataclass(frozen=True)
class SampleProblem:
    """Why one sample cannot be trained on. ``kind`` groups problems in the report."""

    source: str
    index: int
    id: str | None
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.index}:{self.id if self.id is not None else '-'}:{self.kind}: {self.message}"


@dataclass
class SourceCheck:
    """Check counts of one source file."""

    source: str
    total: int = 0
    bad: int = 0
    truncated: int = 0
    kinds: Counter[str] = field(default_factory=Counter)


@dataclass
class CheckReport:
    """Outcome of checking every sample: counts per source file, every problem, the usable samples."""

    sources: list[SourceCheck]
    problems: list[SampleProblem] = field(default_factory=list)
    valid: list[tuple[int, int]] = field(default_factory=list)
    """``(source number, row)`` of every sample that passed, in order."""

    @property
    def total(self) -> int:
        """Samples checked."""
        return sum(s.total for s in self.sources)

    @property
    def bad(self) -> int:
        """Samples with at least one problem."""
        return sum(s.bad for s in self.sources)

    @property
    def bad_fraction(self) -> float:
        """``bad / total`` (0 when nothing was checked)."""
        return self.bad / self.total if self.total else 0.0

    @staticmethod
    def merge(parts: Sequence[CheckReport]) -> CheckReport:
        """Combine the reports of disjoint shards of the same sources."""
        merged = CheckReport([SourceCheck(s.source) for s in parts[0].sources])
        for part in parts:
            for into, src in zip(merged.sources, part.sources, strict=True):
                into.total += src.total
                into.bad += src.bad
                into.truncated += src.truncated
                into.kinds.update(src.kinds)
            merged.problems.extend(part.problems)
            merged.valid.extend(part.valid)
        merged.valid.sort()
        merged.problems.sort(key=lambda p: (p.source, p.index))
        return merged


def _row_id(row: Mapping[str, Any]) -> str | None:
    value = row.get("id")
    return None if value is None else str(value)


def _problems_of(src: Source, row: Mapping[str, Any],
                 cfg: ModelConfig) -> tuple[list[tuple[str, str]], PromptParts | None]:
    """Problems found without tokenising, and the laid-out parts (``None`` when they cannot be built)."""
    found: list[tuple[str, str]] = []
    path, data = src.media_path(row)
    if data is None and (path is None or not path.is_file()):
        where = path or src.stored_media_path(row)
        found.append(("media", f"media file not found: {where}" if where else f"no {src.modality} in the sample"))
    try:
        turns, task_type = src.turns(row)
    except (KeyError, ValueError, TypeError, IndexError, ZeroDivisionError) as exc:
        return [*found, ("conversation", f"cannot build the conversation: {exc!r}")], None
    problem = placeholder_problem(turns, src.modality, src.placeholder == "required")
    if problem:
        found.append(("placeholder", problem))
    for i, turn in enumerate(turns):
        if turn["from"] == "gpt" and not turn["value"].strip():
            found.append(("empty_answer", f"turn {i} (gpt) is empty: nothing to learn from"))
    if cfg.use_system and task_type not in train_system(cfg.template):
        found.append(("task_type", f"task_type {task_type!r} has no LAMM system prompt; known: "
                                   f"{', '.join(train_system(cfg.template))}"))
        return found, None
    try:
        parts = training_parts(turns, task_type, src.modality, cfg.use_system, cfg.template)
    except ValueError as exc:
        found.append(("conversation", str(exc)))
        return found, None
    return found, parts


def check_samples(sources: Sequence[Source], tokenizer: PreTrainedTokenizerBase, cfg: ModelConfig,
                  max_length: int | None, media_tokens: Mapping[int, int], *, shard: tuple[int, int] = (0, 1),
                  chunk: int = 512, max_text: int | None = None) -> CheckReport:
    """Check every sample (of this shard: positions ``rank::world`` over all sources).

    Per sample: the conversation can be built; placeholders are where they belong (exactly one vision
    input, see :func:`~lamm_model.prompts.placeholder_problem`); no gpt turn is empty; the media file
    exists (files are not decoded); the ``task_type`` has a system prompt (when ``use_system``); and at
    least one supervised token survives the cut (:func:`lamm_model.data.cut_length`).
    """
    rank, world = shard
    report = CheckReport([SourceCheck(s.label) for s in sources])
    position = 0
    for s_index, src in enumerate(sources):
        n_media = media_tokens.get(IMAGE if src.modality == "image" else PCL, 0)
        mine = [i for i in range(len(src)) if (position + i) % world == rank]
        position += len(src)
        for start in range(0, len(mine), chunk):
            indices = mine[start:start + chunk]
            _check_rows(report, s_index, src, indices, src.rows.select(indices), tokenizer, cfg, max_length, n_media,
                        max_text)
    report.problems.sort(key=lambda p: (p.source, p.index))
    return report


def _check_rows(report: CheckReport, s_index: int, src: Source, indices: Sequence[int], rows: Any,
                tokenizer: PreTrainedTokenizerBase, cfg: ModelConfig, max_length: int | None, n_media: int,
                max_text: int | None) -> None:
    """Check some rows of one source, tokenising all their pieces in one tokenizer call."""
    pending: list[tuple[int, Any, list[tuple[str, str]], PromptParts]] = []
    for index, row in zip(indices, rows, strict=True):
        found, parts = _problems_of(src, row, cfg)
        if parts is None:
            _record(report, s_index, src, index, row, found)
        else:
            pending.append((index, row, found, parts))
    prefixes = list(dict.fromkeys(parts.prefix for *_, parts in pending))  # a few distinct system prompts
    lengths = _token_lengths(tokenizer, prefixes + [text for *_, parts in pending for text, _ in parts.segments])
    prefix_len = dict(zip(prefixes, lengths, strict=False))
    seg_lengths = iter(lengths[len(prefixes):])
    bos = int(tokenizer.bos_token_id is not None)
    for index, row, found, parts in pending:
        start = bos + prefix_len[parts.prefix]
        segments = [(next(seg_lengths), sup) for _, sup in parts.segments]
        limit = cut_length(start, n_media, max_length, max_text)
        supervised, total = count_supervised(start, n_media, segments, limit)
        report.sources[s_index].truncated += limit is not None and total > limit
        if max_length is not None and start + n_media > max_length:
            found.append(("no_supervised_tokens", f"the prompt and {n_media} vision tokens need "
                          f"{start + n_media} tokens > data.max_length {max_length}"))
        elif supervised == 0:
            found.append(("no_supervised_tokens", f"no answer token is left after cutting to {limit} tokens "
                          f"(data.max_text_tokens {max_text}, data.max_length {max_length}; the sample has {total})"))
        _record(report, s_index, src, index, row, found)


def _token_lengths(tokenizer: PreTrainedTokenizerBase, texts: list[str]) -> list[int]:
    """Tokens of each text (no special tokens), as :func:`lamm_model.data.encode` tokenises the pieces."""
    if not texts:
        return []
    return [len(ids) for ids in tokenizer(texts, add_special_tokens=False, return_attention_mask=False)["input_ids"]]


def _record(report: CheckReport, s_index: int, src: Source, index: int, row: Mapping[str, Any],
            found: list[tuple[str, str]]) -> None:
    stats = report.sources[s_index]
    stats.total += 1
    if not found:
        report.valid.append((s_index, index))
        return
    stats.bad += 1
    for kind, message in found:
        stats.kinds[kind] += 1
        report.problems.append(SampleProblem(src.label, index, _row_id(row), kind, message))


def count_supervised(start: int, media_len: int, segments: Sequence[tuple[int, bool]],
                     max_length: int | None) -> tuple[int, int]:
    """Supervised tokens left after cutting at ``max_length`` and the uncut length, from piece lengths
    alone (what :func:`lamm_model.data.assemble` would give; ``start`` = BOS + prefix tokens)."""
    position, supervised = start + media_len, 0
    max_length = max_length if max_length is not None else 1 << 62
    for length, is_supervised in segments:
        if is_supervised:
            supervised += max(0, min(position + length, max_length) - position)
        position += length
    return supervised, position


def check_data(cfg: TrainConfig) -> CheckReport:
    """Run the pre-training checks of a config without building the model (``lamm-model check``)."""
    sources = open_sources(cfg.data, cfg.out_dir)
    check_modalities(sources, cfg.model)
    tokenizer = load_tokenizer(cfg.model.llm.tokenizer_source)
    return check_samples(sources, tokenizer, cfg.model, cfg.data.max_length, media_token_counts(cfg.model),
                         max_text=cfg.data.max_text_tokens)
