"""Training samples from ``lamm_data`` splits: sources, tokenisation, media, batches (checks: :mod:`lamm_model.checks`).

A *source* is one LAMM file (an instruction file, or a benchmark file whose ground truth is rendered
into answers by :mod:`lamm_model.answers`) opened with ``lamm_data.load_split(..., decode=False)``;
media are decoded only in ``__getitem__``, i.e. in the DataLoader workers.

Token layout of a sample (see :mod:`lamm_model.prompts`): ``<bos> prefix [M vision positions] segments``;
labels are ``-100`` except on supervised segments. The segments (the text after the vision block) are cut
to ``max_text`` tokens (LAMM's ``max_tgt_len``), and the whole sample to ``max_length`` when set.
"""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from transformers import PreTrainedTokenizerBase

from lamm_bench.benchmarks import get_spec
from lamm_data.catalog import CatalogEntry, resolve
from lamm_data.layout import default_root
from lamm_data.sample import write_sample
from lamm_model.answers import reference_turns
from lamm_model.config import ConfigError, DataConfig, ModelConfig, PointCloudConfig
from lamm_model.model import IGNORE, IMAGE, PCL, vision_config
from lamm_model.prompts import (
    Modality,
    PromptParts,
    modality_of,
    training_parts,
)

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
MEAN_COLOR_RGB = np.array([109.8, 97.2, 83.8], dtype=np.float32)
"""LAMM's colour mean; colours are used as ``(rgb - mean) / 256``."""
SAMPLE_ROOT = "sample"
"""``data.root``/``--data`` value meaning "the embedded sample"."""


def resolve_root(root: str | None, scratch: str | os.PathLike[str]) -> Path:
    """A LAMM root: ``sample`` writes the embedded sample to ``scratch/lamm-sample`` (once); ``None`` is
    ``lamm_data``'s default root."""
    if root == SAMPLE_ROOT:
        dest = Path(scratch).absolute() / "lamm-sample"
        if not (dest / "2D_Benchmark").is_dir():
            write_sample(dest, overwrite=True)
        return dest
    return (Path(root) if root is not None else default_root()).absolute()


def load_rows(name: str, root: Path, arrow_dir: str | None = None) -> Any:
    """The split of a LAMM file as an Arrow-backed ``datasets.Dataset`` with undecoded media
    (``lamm_data.load_split``; converted first if needed, into ``arrow_dir`` or ``ROOT/.lamm/arrow``)."""
    from lamm_data import load_split

    return load_split(name, root, decode=False, arrow_dir=arrow_dir)


@dataclass
class Source:
    """One opened training source."""

    entry: CatalogEntry
    root: Path
    rows: Any
    """A ``datasets.Dataset`` (``decode=False``)."""
    placeholder: str = "optional"

    @property
    def modality(self) -> Modality:
        """``image`` or ``pcl``."""
        return modality_of(self.entry)

    @property
    def label(self) -> str:
        """How reports name the source: its file below the root."""
        return self.entry.relpath

    def __len__(self) -> int:
        return len(self.rows)

    def turns(self, row: Mapping[str, Any]) -> tuple[list[dict[str, str]], str]:
        """The conversation and ``task_type`` of a row (benchmark rows get rendered answers)."""
        if self.entry.is_benchmark:
            return reference_turns(self.entry, row), get_spec(self.entry.name).protocol.task_type
        return list(row["conversations"]), row.get("task_type") or "normal"

    def media_path(self, row: Mapping[str, Any]) -> tuple[Path | None, Any]:
        """The row's media as ``(path, embedded data)`` (image bytes, or a cloud's points as nested lists);
        relative paths are resolved against the split folder.

        ``load_split`` gives no path for a media file that was absent when the split was converted.
        """
        if self.modality == "image":
            value = row.get("image")
            value, data = (value.get("path"), value.get("bytes")) if isinstance(value, Mapping) else (value, None)
        else:
            value, data = row.get("pcl"), None
            if isinstance(value, list):  # converted with --embed-media: the points themselves
                value, data = None, value
        if not value:
            return None, data
        path = Path(value)
        return (path if path.is_absolute() else self.root / self.entry.group / path), data

    def stored_media_path(self, row: Mapping[str, Any]) -> Path | None:
        """Where the meta file says the row's media file is (whether or not it exists)."""
        stored = row.get(f"{'image' if self.modality == 'image' else 'pcl'}_path")
        return self.root / self.entry.group / stored if stored else None


def open_sources(cfg: DataConfig, scratch: str | os.PathLike[str]) -> list[Source]:
    """Open every configured source (``limit`` keeps the first N rows); ``scratch`` is the run's ``out_dir``.

    Raises:
        ConfigError: ``scratch`` is a file, or a source is an archive rather than a meta file.
    """
    if Path(scratch).exists() and not Path(scratch).is_dir():
        raise ConfigError(f"out_dir: {scratch} is a file; the run needs a folder there")
    sources = []
    for src in cfg.sources:
        entry = resolve(src.name)
        if entry.kind != "meta":
            raise ConfigError(f"data.sources: {src.name} is an archive, not a meta file")
        root = resolve_root(src.root if src.root is not None else cfg.root, scratch)
        rows = load_rows(entry.name, root, cfg.arrow_dir)
        if src.limit is not None and src.limit < len(rows):
            rows = rows.select(range(src.limit))
        sources.append(Source(entry, root, rows, src.placeholder))
    return sources


def check_modalities(sources: Sequence[Source], cfg: ModelConfig) -> None:
    """Fail early when a source needs an encoder the model does not have."""
    for src in sources:
        if src.modality == "image" and not cfg.vision.enabled:
            raise ConfigError(f"{src.label} holds images but model.vision.enabled is false")
        if src.modality == "pcl" and not cfg.pointcloud.enabled:
            raise ConfigError(f"{src.label} holds point clouds but model.pointcloud.enabled is false")


# --- tokenisation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Encoded:
    """One tokenised sample. ``media_start``/``media_len``: the vision positions in ``input_ids``."""

    input_ids: list[int]
    labels: list[int]
    media_start: int
    media_len: int
    truncated: bool

    @property
    def supervised(self) -> int:
        """Tokens that count in the loss (after the shift by one; the first label never counts)."""
        return sum(1 for label in self.labels[1:] if label != IGNORE)


def cut_length(start: int, media_len: int, max_length: int | None, max_text: int | None) -> int | None:
    """Where a sample is cut: after ``max_text`` tokens following the vision block (which begins at
    ``start``, after BOS and the prefix) and at ``max_length`` overall, whichever comes first (``None``: no cut)."""
    limits = [x for x in (max_length, None if max_text is None else start + media_len + max_text) if x is not None]
    return min(limits) if limits else None


def assemble(bos: int | None, prefix: Sequence[int], media_len: int, segments: Sequence[tuple[Sequence[int], bool]],
             max_length: int | None, filler: int = 0, *, max_text: int | None = None) -> Encoded:
    """Concatenate tokenised pieces into ids and labels, cut as :func:`cut_length` says."""
    ids = ([bos] if bos is not None else []) + list(prefix)
    start = len(ids)
    max_length = cut_length(start, media_len, max_length, max_text)
    ids += [filler] * media_len
    labels = [IGNORE] * len(ids)
    for seg, supervised in segments:
        ids += seg
        labels += list(seg) if supervised else [IGNORE] * len(seg)
    truncated = max_length is not None and len(ids) > max_length
    if truncated:
        ids, labels = ids[:max_length], labels[:max_length]
    return Encoded(ids, labels, start, media_len, truncated)


def encode(tokenizer: PreTrainedTokenizerBase, parts: PromptParts, media_len: int,
           max_length: int | None, *, max_text: int | None = None) -> Encoded:
    """Tokenise a laid-out sample (each piece separately, without special tokens, as LAMM did)."""
    texts = [parts.prefix] + [text for text, _ in parts.segments]
    pieces = tokenizer(texts, add_special_tokens=False)["input_ids"]
    segments = [(ids, sup) for ids, (_, sup) in zip(pieces[1:], parts.segments, strict=True)]
    return assemble(tokenizer.bos_token_id, pieces[0], media_len, segments, max_length,
                    filler=tokenizer.pad_token_id or 0, max_text=max_text)


# --- media ----------------------------------------------------------------------------------------


def clip_pixels(image: Image.Image, size: int, resize: str = "crop") -> torch.Tensor:
    """CLIP preprocessing: RGB, resized (bicubic), normalised. ``squash``: to ``size`` x ``size`` whatever the
    aspect ratio (LAMM's training transform, ``src/model/CLIP/clip.py`` ``_transform``); ``crop``: shortest
    side to ``size`` (the other ``int(size * long / short)``), then the centre ``size`` x ``size`` (LAMM's
    benchmark transform, ``src/model/utils/data.py`` ``transform_vision_data``; torchvision's rounding).

    Returns ``(3, size, size)`` float32.
    """
    image = image.convert("RGB")
    if resize == "squash":
        image = image.resize((size, size), Image.Resampling.BICUBIC)
    else:
        w, h = image.size
        if w <= h:
            new = (size, int(size * h / w))
        else:
            new = (int(size * w / h), size)
        if new != (w, h):
            image = image.resize(new, Image.Resampling.BICUBIC)
        w, h = image.size
        left, top = round((w - size) / 2.0), round((h - size) / 2.0)
        image = image.crop((left, top, left + size, top + size))
    array = np.asarray(image, dtype=np.float32) / 255.0
    array = (array - np.array(CLIP_MEAN, dtype=np.float32)) / np.array(CLIP_STD, dtype=np.float32)
    return torch.from_numpy(array.transpose(2, 0, 1).copy())


def load_image(path: Path | None, data: bytes | None) -> Image.Image:
    """Open an image from embedded bytes or a path."""
    return Image.open(io.BytesIO(data) if data is not None else path)  # type: ignore[arg-type]


def prepare_points(cloud: np.ndarray, cfg: PointCloudConfig, rng: np.random.Generator) -> torch.Tensor:
    """``(num_points, 3 or 6)`` float32: ``num_points`` points drawn at random (with replacement when the
    cloud has fewer, as LAMM did); xyz as stored, plus ``(rgb - mean) / 256`` when ``use_color`` (zeros
    for clouds without colour)."""
    cloud = np.asarray(cloud, dtype=np.float32)
    pick = rng.choice(len(cloud), cfg.num_points, replace=len(cloud) < cfg.num_points)
    chosen = cloud[pick]
    if not cfg.use_color:
        return torch.from_numpy(np.ascontiguousarray(chosen[:, :3]))
    rgb = chosen[:, 3:6] - MEAN_COLOR_RGB if chosen.shape[1] >= 6 else np.zeros((len(chosen), 3), np.float32)
    return torch.from_numpy(np.concatenate([chosen[:, :3], rgb / 256.0], axis=1))


def load_cloud(path: Path | None, data: Any) -> np.ndarray:
    """Open a point cloud from embedded data (``.npy`` bytes, or the points as nested lists) or a path."""
    from lamm_data.media import load_point_cloud

    if isinstance(data, bytes):
        return np.load(io.BytesIO(data), allow_pickle=False)
    if data is not None:
        return np.asarray(data, dtype=np.float32)
    return load_point_cloud(path)  # type: ignore[arg-type]


# --- datasets and batches -------------------------------------------------------------------------


class TrainDataset(torch.utils.data.Dataset):
    """Samples that passed the checks; ``dataset[(i, epoch)]`` tokenises sample ``i`` and decodes its media.

    Point sampling draws from ``np.random.default_rng((seed, epoch, source, row))``, so a sample is the
    same in every worker and after a resume.
    """

    def __init__(self, sources: Sequence[Source], valid: Sequence[tuple[int, int]], tokenizer: PreTrainedTokenizerBase,
                 cfg: ModelConfig, max_length: int | None, media_tokens: Mapping[int, int], seed: int, *,
                 max_text: int | None = None) -> None:
        self.sources, self.valid, self.tokenizer = list(sources), list(valid), tokenizer
        self.cfg, self.max_length, self.media_tokens, self.seed = cfg, max_length, dict(media_tokens), seed
        self.max_text = max_text

    def __len__(self) -> int:
        return len(self.valid)

    def __getitem__(self, key: tuple[int, int]) -> dict[str, Any]:
        position, epoch = key
        s_index, row_index = self.valid[position]
        src = self.sources[s_index]
        row = src.rows[row_index]
        turns, task_type = src.turns(row)
        kind = IMAGE if src.modality == "image" else PCL
        enc = encode(self.tokenizer, training_parts(turns, task_type, src.modality, self.cfg.use_system,
                                                    self.cfg.template),
                     self.media_tokens[kind], self.max_length, max_text=self.max_text)
        rng = np.random.default_rng((self.seed, epoch, s_index, row_index))
        return media_item(enc, kind, src.media_path(row), self.cfg, self.image_size, rng)

    @functools.cached_property
    def image_size(self) -> int:
        """Side in pixels of the vision tower's input."""
        return vision_size(self.cfg)


def media_item(enc: Encoded, kind: int, media: tuple[Path | None, bytes | None], cfg: ModelConfig, image_size: int,
               rng: np.random.Generator) -> dict[str, Any]:
    """A tokenised sample with its decoded media, as :func:`collate` takes it."""
    item: dict[str, Any] = {"input_ids": enc.input_ids, "labels": enc.labels, "media_start": enc.media_start,
                            "media_len": enc.media_len, "modality": kind}
    if kind == IMAGE:
        item["pixels"] = clip_pixels(load_image(*media), image_size, cfg.vision.resize_train)
    else:
        item["points"] = prepare_points(load_cloud(*media), cfg.pointcloud, rng)
    return item


def vision_size(cfg: ModelConfig) -> int:
    """Input side in pixels of the configured CLIP tower."""
    return int(vision_config(cfg.vision).image_size)


def collate(items: Sequence[dict[str, Any]], pad_id: int, *, left: bool = False) -> dict[str, Any]:
    """Pad a list of samples into a batch (right padding for training, ``left`` for generation).

    Keys: ``input_ids``, ``labels``, ``attention_mask`` ``(B, T)``; ``media_mask`` ``(B, T)`` bool;
    ``modality`` ``(B,)``; ``images`` ``(B_img, 3, H, W)`` and ``points`` ``(B_pcl, N, C)`` (or ``None``),
    in row order; ``tokens``: non-padding positions in the batch.
    """
    width = max(len(it["input_ids"]) for it in items)
    ids = torch.full((len(items), width), pad_id, dtype=torch.long)
    labels = torch.full((len(items), width), IGNORE, dtype=torch.long)
    attention = torch.zeros((len(items), width), dtype=torch.long)
    media = torch.zeros((len(items), width), dtype=torch.bool)
    for row, it in enumerate(items):
        n = len(it["input_ids"])
        off = width - n if left else 0
        ids[row, off:off + n] = torch.tensor(it["input_ids"])
        labels[row, off:off + n] = torch.tensor(it["labels"])
        attention[row, off:off + n] = 1
        media[row, off + it["media_start"]:off + it["media_start"] + it["media_len"]] = True
    images = [it["pixels"] for it in items if it["modality"] == IMAGE]
    points = [it["points"] for it in items if it["modality"] == PCL]
    return {"input_ids": ids, "labels": labels, "attention_mask": attention, "media_mask": media,
            "modality": torch.tensor([it["modality"] for it in items]),
            "images": torch.stack(images) if images else None, "points": torch.stack(points) if points else None,
            "tokens": int(attention.sum())}


def epoch_batches(n: int, batch_size: int, seed: int, epoch: int, rank: int = 0, world: int = 1) -> list[list[int]]:
    """This process's micro-batches of one epoch: a seeded permutation of ``range(n)``, padded by wrapping
    around so that every process gets the same number of full batches, dealt ``rank::world``."""
    order = np.random.default_rng((seed, epoch)).permutation(n)
    per_round = batch_size * world
    total = -(-n // per_round) * per_round
    order = np.resize(order, total)
    mine = order[rank::world].tolist()
    return [mine[i:i + batch_size] for i in range(0, len(mine), batch_size)]


def batch_stream(n: int, batch_size: int, seed: int, start: tuple[int, int], rank: int = 0,
                 world: int = 1) -> Iterator[tuple[tuple[int, int], list[tuple[int, int]]]]:
    """Endless ``((epoch, next batch index), keys)`` from position ``start`` = ``(epoch, batch index)``;
    keys are ``(sample, epoch)`` pairs for :class:`TrainDataset`."""
    epoch, offset = start
    while True:
        batches = epoch_batches(n, batch_size, seed, epoch, rank, world)
        for i in range(offset, len(batches)):
            yield (epoch, i + 1), [(s, epoch) for s in batches[i]]
        epoch, offset = epoch + 1, 0
