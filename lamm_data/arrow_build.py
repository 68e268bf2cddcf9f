"""Validated records -> Arrow record batches, with media facts read from file headers.

The columns that do not come straight from a record field (``index``, ``id``, the media columns) are
computed once for the whole file as Arrow arrays (from :class:`RowFacts`, a few bytes per row), mostly with
vectorised ``pyarrow.compute`` kernels. The records' own fields are converted a batch at a time as the file
is validated, in one ``pyarrow.array`` call over the models' ``__dict__`` (a struct conversion), and spilled
to a temporary Arrow file (:class:`OwnColumns`); :func:`record_batches` reads them back and adds the
whole-file columns. Only one batch of records and a few batches of Arrow data exist at once.
Media sizes come from headers (:mod:`lamm_data.media`): pixels and point arrays are never decoded.
"""

from __future__ import annotations

import json
import os
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lamm_data.errors import SchemaError
from lamm_data.features import IMAGE_STORAGE, ClassLabelOf, Spec, arrow_schema
from lamm_data.media import MediaError, image_size, load_point_cloud, npy_shape
from lamm_data.metafile import Problem, problem_lines
from lamm_data.schemas import Record, normalise_media_path

Progress = Callable[[str, int, int], None]
"""``(stage, done, total)`` callback for progress display."""

BATCH_ROWS = 8192
"""Rows per record batch when media are referenced by path."""
EMBED_BATCH_ROWS = 64
"""Rows per record batch when media bytes are embedded (keeps a binary array far below Arrow's 2 GiB)."""
BATCH_BYTES = 1 << 20
"""Most JSON text (bytes) of the items of one record batch, besides its last item: a batch of large items has
fewer rows (the records of one batch are the only ones in memory)."""
_IRREGULAR = r"\\|/\.|//|^\.|/$"
"""Media paths that :func:`~lamm_data.schemas.normalise_media_path` changes (its test, vectorised)."""


@dataclass(frozen=True)
class MediaFacts:
    """Media facts of every record, as Arrow arrays aligned with the records.

    Attributes:
        rel: the media path exactly as in the meta file.
        abs: absolute path of the file; null where its top-level media folder is not present.
        dims: ``(width, height)`` in pixels for images, ``(num_points, channels)`` for point clouds
            (two int32 arrays); null where the file is absent.
        folders: top-level media folder -> whether it was present at conversion time.
    """

    rel: pa.Array
    abs: pa.Array
    dims: tuple[pa.Array, pa.Array]
    folders: dict[str, bool]


def media_facts(
    rel: pa.Array, ids: pa.Array, key: str, split_dir: Path, file: str, *, workers: int = 1,
    on_progress: Progress | None = None,
) -> MediaFacts:
    """Locate each record's media file below ``split_dir`` and read its size from the header.

    ``rel`` holds each record's media path as in the meta file, ``ids`` its id (string form, for problems).
    A file is looked up only when its top-level folder (``coco_images``) exists; validation has already
    checked that every file named in a present folder exists. Each distinct file is read once, by
    ``workers`` threads.

    Raises:
        SchemaError: a header cannot be read, or a point cloud is not an ``(N, C>=3)`` array; one
            :class:`Problem` per file, naming the first item that uses it.
    """
    norm = rel
    irregular = pc.match_substring_regex(rel, _IRREGULAR)
    if pc.any(irregular).as_py():
        norm = pa.array(list(map(normalise_media_path, rel.to_pylist())), pa.string())
    tops = pc.replace_substring_regex(norm, "(?s)/.*", "", max_replacements=1)  # the first path component
    folders = {top: os.path.isdir(os.path.join(split_dir, top)) for top in pc.unique(tops).to_pylist()}
    present = pa.array([t for t, ok in folders.items() if ok], pa.string())
    if len(present):
        joined = pc.binary_join_element_wise(str(split_dir), norm, "/")
        abs_paths = pc.if_else(pc.is_in(tops, value_set=present), joined, pa.scalar(None, pa.string()))
        del joined
    else:  # no media folder: no file to look up
        abs_paths = pa.nulls(len(rel), pa.string())
    del tops
    targets = pc.unique(pc.drop_null(abs_paths))
    read = _image_dims if key == "image" else _cloud_dims
    found: list[tuple[int, int] | str] = []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for i, value in enumerate(pool.map(read, targets.to_pylist())):
            found.append(value)
            if on_progress is not None and (i % 1024 == 0 or i + 1 == len(targets)):
                on_progress("reading media headers", i + 1, len(targets))
    failed = [(str(targets[i]), msg) for i, msg in enumerate(found) if isinstance(msg, str)]
    if failed:
        problems = []
        for target, message in failed:
            row = pc.index(abs_paths, target).as_py()
            problems.append(Problem(file, row, ids[row].as_py(), key, message))
        raise SchemaError(f"{file}: {len(problems)} media file(s) cannot be read\n{problem_lines(problems)}",
                          problems)
    positions = pc.index_in(abs_paths, value_set=targets)
    dims = tuple(pc.take(pa.array([d[axis] for d in found], pa.int32()), positions)  # type: ignore[index]
                 for axis in (0, 1))
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


class RowFacts:
    """The per-row facts of a file's records that whole-file columns need (id, media path), gathered one record
    at a time as UTF-8 bytes: a few bytes per row and no Python object per row."""

    def __init__(self, key: str) -> None:
        self._key = key
        self._rel, self._rel_ends = bytearray(), array("q", [0])
        self._ids, self._id_ends = bytearray(), array("q", [0])
        self._id_kind = bytearray()  # 0: no id, 1: str, 2: int

    def add(self, record: Record) -> None:
        """Gather ``record`` (call in file order)."""
        self._rel += getattr(record, self._key).encode("utf-8")
        self._rel_ends.append(len(self._rel))
        rid = record.id
        if rid is None:
            self._id_kind.append(0)
        elif type(rid) is int:
            self._ids += str(rid).encode("ascii")
            self._id_kind.append(2)
        else:
            self._ids += rid.encode("utf-8")
            self._id_kind.append(1)
        self._id_ends.append(len(self._ids))

    def columns(self) -> tuple[pa.Array, list[int] | None, pa.Array]:
        """``(ids, int_rows, rel)``: the ``id`` column (string form, null where absent), the rows whose id is an
        int (``None`` when every id is), and the media paths as in the file."""
        n = len(self._id_kind)
        rel = pa.LargeStringArray.from_buffers(n, pa.py_buffer(self._rel_ends), pa.py_buffer(self._rel))
        ids = pa.LargeStringArray.from_buffers(n, pa.py_buffer(self._id_ends), pa.py_buffer(self._ids))
        kind = np.frombuffer(self._id_kind, np.uint8)
        if (kind == 0).any():
            ids = pc.if_else(pa.array(kind != 0), ids, pa.scalar(None, pa.large_string()))
        ints = np.flatnonzero(kind == 2)
        int_rows = None if n and len(ints) == n else ints.tolist()
        return ids.cast(pa.string()), int_rows, rel.cast(pa.string())


def extras_of(record: Record) -> str | None:
    """JSON text of the values of ``record`` that have no column (unknown fields), or ``None``.

    Nested unknown keys are named by their path: ``conversations[2].weight``.
    """
    found = record.unknown_values()
    return json.dumps(found, ensure_ascii=False) if found else None


DERIVED = frozenset(("index", "id", "image", "image_path", "width", "height", "pcl", "pcl_path", "num_points",
                     "channels"))
"""Columns computed for the whole file (:func:`derived_columns`) rather than taken from each record's fields."""


def derived_columns(ids: pa.Array, media: MediaFacts) -> dict[str, pa.Array]:
    """The whole-file columns that do not come from a record field (media bytes excepted)."""
    first, second = media.dims
    image = pa.StructArray.from_arrays([pa.nulls(len(ids), pa.binary()), media.abs], fields=list(IMAGE_STORAGE),
                                       mask=pc.is_null(media.abs))
    return {"index": pa.array(range(len(ids)), pa.int64()), "id": ids, "image": image, "image_path": media.rel,
            "width": first, "height": second, "pcl": media.abs, "pcl_path": media.rel, "num_points": first,
            "channels": second}


class OwnColumns:
    """The columns that come from the records themselves (their fields, ``ClassLabel`` indices, ``extra``), built
    a batch of records at a time and spilled to an Arrow stream file, so that no batch stays in memory.

    Use :meth:`write` for each batch of records, in file order, then :meth:`close`; :meth:`batches` reads them back.
    """

    def __init__(self, cols: list[tuple[str, Spec]], path: Path) -> None:
        schema = arrow_schema(cols)
        self._classes = {name: spec.names for name, spec in cols if isinstance(spec, ClassLabelOf)}
        names = [name for name, _ in cols if name not in DERIVED and name not in _PER_BATCH]
        self._struct = pa.struct([pa.field(name, pa.string()) if name in self._classes else schema.field(name)
                                  for name in names])
        self.schema = pa.schema([schema.field(name) for name in [*names, *_PER_BATCH]])
        self.path, self.rows = path, 0
        self._sink = pa.OSFile(str(path), "wb")
        self._writer = pa.ipc.new_stream(self._sink, self.schema)

    def write(self, records: Sequence[Record]) -> None:
        """Convert ``records`` (the next rows) and append them to the file.

        Raises:
            SchemaError: a label outside its closed set (see :func:`class_indices`).
        """
        # Batches come from the C allocator, which hands back the memory of the records released after each
        # batch; Arrow's default pool would fault in fresh pages for every batch instead (more system time).
        pool = pa.system_memory_pool()
        values = pa.array([r.__dict__ for r in records], self._struct, memory_pool=pool)
        fields = dict(zip(self._struct.names, values.flatten(memory_pool=pool), strict=True))
        for name, names in self._classes.items():
            fields[name] = class_indices(fields[name], names, name, records, self.rows)
        fields["extra"] = pa.array([extras_of(r) for r in records], pa.string())
        self._writer.write_batch(pa.RecordBatch.from_arrays([fields[name] for name in self.schema.names],
                                                            schema=self.schema))
        self.rows += len(records)

    def close(self) -> None:
        """Finish the file."""
        try:
            self._writer.close()
        finally:
            self._sink.close()

    def batches(self) -> Iterator[pa.RecordBatch]:
        """The batches written, read back one at a time (into memory, not memory-mapped)."""
        with pa.OSFile(str(self.path), "rb") as source:  # the allocator the batches were built with (see write)
            yield from pa.ipc.open_stream(source, memory_pool=pa.system_memory_pool())


def record_batches(
    own: Iterable[pa.RecordBatch], total: int, cols: list[tuple[str, Spec]], derived: dict[str, pa.Array],
    media: MediaFacts, *, embed_media: bool = False, on_progress: Progress | None = None,
) -> Iterator[pa.RecordBatch]:
    """Yield the split's record batches with the columns ``cols`` (from :func:`lamm_data.features.columns`).

    Args:
        own: the batches of :class:`OwnColumns`, in file order.
        total: number of rows in all of them (for progress).
        cols: the columns to build.
        derived: whole-file columns from :func:`derived_columns`, sliced per batch.
        media: media facts (for reading bytes when embedding).
        embed_media: store image file bytes and point-cloud points in the batches.
        on_progress: called after each batch with ``("writing", rows_done, rows_total)``.
    """
    schema = arrow_schema(cols)
    lo = 0
    for batch in own:
        hi = lo + batch.num_rows
        fields = dict(zip(batch.schema.names, batch.columns, strict=True))
        if embed_media:
            fields.update(_embedded(media, lo, hi, points="pcl_path" in schema.names))
        arrays = [fields[name] if name in fields else derived[name].slice(lo, hi - lo) for name, _ in cols]
        yield pa.RecordBatch.from_arrays(arrays, schema=schema)
        if on_progress is not None:
            on_progress("writing", hi, total)
        lo = hi


_PER_BATCH = frozenset(("extra",))
"""Columns built per batch besides the record's own fields."""


def class_indices(labels: pa.Array, names: tuple[str, ...], field: str, chunk: Sequence[Record],
                  first_row: int) -> pa.Array:
    """``ClassLabel`` indices (int64) of a batch of label strings.

    Raises:
        SchemaError: a label outside the closed set, naming the row, its id and the classes.
    """
    indices = pc.index_in(labels, value_set=pa.array(names, pa.string()))
    if indices.null_count > labels.null_count:
        bad = next(i for i, (v, k) in enumerate(zip(labels.to_pylist(), indices.to_pylist(), strict=True))
                   if v is not None and k is None)
        raise SchemaError(f"row {first_row + bad} (id {getattr(chunk[bad], 'id', None)!r}): {field}: "
                          f"{labels[bad].as_py()!r} is not one of the {len(names)} classes of this benchmark "
                          f"({', '.join(names)})")
    return indices.cast(pa.int64())


def _points(paths: list[str | None]) -> pa.Array:
    """The clouds of ``paths`` as a list<list<float32>> array (``N`` rows of ``C`` values each; null where absent)."""
    clouds = [None if p is None else load_point_cloud(p) for p in paths]
    present = [c for c in clouds if c is not None]
    rows = np.array([0 if c is None else c.shape[0] for c in clouds], np.int64)
    widths = np.concatenate([np.full(c.shape[0], c.shape[1], np.int64) for c in present] or [np.zeros(0, np.int64)])
    values = pa.array(np.concatenate([c.ravel() for c in present]) if present else np.zeros(0, np.float32))
    inner = pa.ListArray.from_arrays(pa.array(np.concatenate([[0], np.cumsum(widths)]).astype(np.int32)), values)
    offsets = pa.array(np.concatenate([[0], np.cumsum(rows)]).astype(np.int32))
    return pa.ListArray.from_arrays(offsets, inner, mask=pa.array([c is None for c in clouds]))


def _embedded(media: MediaFacts, lo: int, hi: int, *, points: bool) -> dict[str, pa.Array]:
    """Media of rows ``lo:hi``: the points of each cloud (``pcl``), else the ``image`` struct with the file bytes."""
    paths = media.abs.slice(lo, hi - lo)
    if points:
        return {"pcl": _points(paths.to_pylist())}
    contents = [None if p is None else Path(p).read_bytes() for p in paths.to_pylist()]
    image = pa.StructArray.from_arrays([pa.array(contents, pa.binary()), media.rel.slice(lo, hi - lo)],
                                       fields=list(IMAGE_STORAGE), mask=pc.is_null(paths))
    return {"image": image}
