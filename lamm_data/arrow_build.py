"""Validated records -> Arrow record batches, column by column, with media facts read from file headers.

Columns are built straight from the records' attributes with ``pyarrow.array`` (no per-row dicts, no
``Dataset.from_list``), a batch at a time, so the Arrow data of one batch is alive at any moment besides
the records themselves. Media sizes come from headers (:mod:`lamm_data.media`): pixels and point arrays
are never decoded.
"""

from __future__ import annotations

import json
import os
import posixpath
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from lamm_data.errors import SchemaError
from lamm_data.features import IMAGE_STORAGE, Spec, arrow_schema
from lamm_data.media import MediaError, image_size, npy_shape
from lamm_data.metafile import Problem
from lamm_data.schemas import Record

Progress = Callable[[str, int, int], None]
"""``(stage, done, total)`` callback for progress display."""

BATCH_ROWS = 8192
"""Rows per record batch when media are referenced by path."""
EMBED_BATCH_ROWS = 64
"""Rows per record batch when media bytes are embedded (keeps a binary array far below Arrow's 2 GiB)."""


@dataclass(frozen=True)
class MediaFacts:
    """Per-record media facts, aligned with the records.

    Attributes:
        rel: the media path exactly as in the meta file.
        abs: absolute path of the file, ``None`` where its media folder is not present.
        dims: ``(width, height)`` in pixels for images, ``(num_points, channels)`` for point clouds;
            ``None`` where the file is absent.
        folders: top-level media folder -> whether it was present at conversion time.
    """

    rel: list[str]
    abs: list[str | None]
    dims: list[tuple[int, int] | None]
    folders: dict[str, bool]


def media_facts(
    records: Sequence[Record], key: str, split_dir: Path, file: str, *, workers: int = 1,
    on_progress: Progress | None = None,
) -> MediaFacts:
    """Locate each record's media file below ``split_dir`` and read its size from the header.

    A file is looked up only when its top-level folder (``coco_images``) exists; validation has already
    checked that every file named in a present folder exists. Each distinct file is read once.

    Raises:
        SchemaError: a header cannot be read, or a point cloud is not an ``(N, C>=3)`` array; one
            :class:`Problem` per file, naming the first item that uses it.
    """
    split = str(split_dir)
    rel = [getattr(r, key) for r in records]
    folders: dict[str, bool] = {}
    abs_of: dict[str, str | None] = {}
    for path in rel:
        if path not in abs_of:
            norm = posixpath.normpath(path.replace("\\", "/"))
            top = norm.split("/", 1)[0]
            if top not in folders:
                folders[top] = os.path.isdir(os.path.join(split, top))
            abs_of[path] = os.path.join(split, norm) if folders[top] else None
    targets = sorted({p for p in abs_of.values() if p is not None})
    read = _image_dims if key == "image" else _cloud_dims
    found: dict[str, tuple[int, int] | str] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for i, (target, value) in enumerate(zip(targets, pool.map(read, targets), strict=True)):
            found[target] = value
            if on_progress is not None and (i % 1024 == 0 or i + 1 == len(targets)):
                on_progress("reading media headers", i + 1, len(targets))
    abs_paths = [abs_of[p] for p in rel]
    dims = [None if a is None else found[a] for a in abs_paths]
    problems, seen = [], set()
    for i, (a, d) in enumerate(zip(abs_paths, dims, strict=True)):
        if isinstance(d, str) and a not in seen:
            seen.add(a)
            rid = records[i].id
            problems.append(Problem(file, i, None if rid is None else str(rid), key, d))
    if problems:
        raise SchemaError(f"{file}: {len(problems)} media file(s) cannot be read\n"
                          + "\n".join(str(p) for p in problems[:20]), problems)
    return MediaFacts(rel, abs_paths, dims, folders)  # type: ignore[arg-type]


def _image_dims(path: str) -> tuple[int, int] | str:
    try:
        return image_size(path)
    except (OSError, MediaError) as exc:
        return f"cannot read the image size: {exc}"


def _cloud_dims(path: str) -> tuple[int, int] | str:
    try:
        shape, _ = npy_shape(path)
    except (OSError, MediaError) as exc:
        return f"cannot read the point cloud header: {exc}"
    if len(shape) != 2 or shape[1] < 3:
        return f"expected an (N, C>=3) point array, got shape {shape} in {path}"
    return shape[0], shape[1]


def extras_of(record: Record) -> str | None:
    """JSON text of the values of ``record`` that have no column (unknown fields), or ``None``.

    Nested unknown keys are named by their path: ``conversations[2].weight``.
    """
    found = dict(record.__pydantic_extra__ or {})
    for name, allowed in record.NESTED_KEYS.items():
        for i, value in enumerate(getattr(record, name) or ()):
            if isinstance(value, dict) and len(value) > len(allowed):
                found.update({f"{name}[{i}].{k}": v for k, v in value.items() if k not in allowed})
    return json.dumps(found, ensure_ascii=False) if found else None


def record_batches(
    records: list[Record | None], cols: list[tuple[str, Spec]], media: MediaFacts, *, embed_media: bool = False,
    with_extras: bool = False, on_progress: Progress | None = None,
) -> Iterator[pa.RecordBatch]:
    """Yield the records as record batches with the columns ``cols`` (from :func:`lamm_data.features.columns`).

    Consumes ``records``: each batch's records are replaced by ``None`` once converted, so the memory
    of the Python objects is handed back while the Arrow data grows.

    Args:
        records: validated records, in file order.
        cols: the columns to build.
        media: media facts aligned with ``records``.
        embed_media: store image / point-cloud file bytes in the batches.
        with_extras: fill the ``extra`` column (only needed when validation warned about unknown fields).
        on_progress: called after each batch with ``("writing", rows_done, rows_total)``.
    """
    schema = arrow_schema(cols)
    step = EMBED_BATCH_ROWS if embed_media else BATCH_ROWS
    total = len(records)
    for lo in range(0, total, step):
        hi = min(lo + step, total)
        chunk: list[Record] = records[lo:hi]  # type: ignore[assignment]
        arrays = [_column(name, chunk, lo, media, embed_media, with_extras, schema.field(name).type)
                  for name, _ in cols]
        records[lo:hi] = [None] * (hi - lo)
        yield pa.RecordBatch.from_arrays(arrays, schema=schema)
        if on_progress is not None:
            on_progress("writing", hi, total)


def _column(
    name: str, chunk: list[Record], lo: int, media: MediaFacts, embed: bool, with_extras: bool, type_: pa.DataType,
) -> pa.Array:
    hi = lo + len(chunk)
    if name == "index":
        return pa.array(np.arange(lo, hi, dtype=np.int64))
    if name == "id":
        return pa.array([None if r.id is None else r.id if type(r.id) is str else str(r.id) for r in chunk],
                        pa.string())
    if name in ("image", "pcl", "pcl_bytes"):
        return _media_column(name, media, lo, hi, embed)
    if name in ("image_path", "pcl_path"):
        return pa.array(media.rel[lo:hi], pa.string())
    if name in ("width", "num_points", "height", "channels"):
        axis = 0 if name in ("width", "num_points") else 1
        return pa.array([None if d is None else d[axis] for d in media.dims[lo:hi]], pa.int32())
    if name == "extra":
        return pa.array([extras_of(r) for r in chunk] if with_extras else [None] * len(chunk), pa.string())
    return pa.array([getattr(r, name) for r in chunk], type_)


def _media_column(name: str, media: MediaFacts, lo: int, hi: int, embed: bool) -> pa.Array:
    paths = media.abs[lo:hi]
    if name == "pcl":
        return pa.array(paths, pa.string())
    contents = [None if p is None else Path(p).read_bytes() for p in paths] if embed else [None] * len(paths)
    if name == "pcl_bytes":
        return pa.array(contents, pa.large_binary())
    # datasets.Image storage: {bytes, path}. Referenced: absolute path. Embedded: bytes + the meta file's path.
    stored = media.rel[lo:hi] if embed else paths
    missing = pa.array([p is None for p in paths])
    return pa.StructArray.from_arrays([pa.array(contents, pa.binary()), pa.array(stored, pa.string())],
                                      fields=list(IMAGE_STORAGE), mask=missing)
