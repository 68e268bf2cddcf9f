"""Read chosen fields of one meta file column by column: the one reader behind scoring and the leaderboard.

:func:`read_columns` takes the converted split under ``ROOT/.lamm/arrow/<name>`` when it is there and
current (converted from the same meta-file bytes, with this version's columns: the checks of
:func:`lamm_data.load.open_split`), and otherwise reads and validates the meta file itself. It never
converts. Every data rule lives in the record model: a field the model reads from one of several keys
(VG_ScanRefer's box under ``object`` or, in older copies, ``gt_bbox``: ``Record.COALESCED``) comes back
under its canonical name whichever way it was read.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from lamm_data.catalog import CatalogEntry, resolve
from lamm_data.errors import LammError
from lamm_data.hashing import HashingReader
from lamm_data.layout import find_meta
from lamm_data.metafile import raise_for, read_meta, split_dir_of, validate_meta
from lamm_data.schemas import Record, media_field


@dataclass(frozen=True)
class SplitColumns:
    """Fields of one meta file, item by item in file order, and which data they were read from.

    Attributes:
        entry: the file's catalog entry.
        meta: path of the meta file.
        sha256: sha256 of the meta file's bytes.
        source: ``arrow`` (the converted split) or ``meta`` (the meta file, validated).
        ids: item ids as stored (``None`` where an item has none).
        media: media path of each item, relative to the split folder (``image`` or ``pcl``).
        values: the requested fields by name.
        sizes: ``(width, height)`` in pixels of each image as the converted split recorded it (``None`` for an item
            whose image was absent at conversion); ``None`` when read from the meta file or for point clouds.
    """

    entry: CatalogEntry
    meta: Path
    sha256: str
    source: Literal["arrow", "meta"]
    ids: list[Any]
    media: list[str]
    values: dict[str, list[Any]]
    sizes: list[tuple[int, int] | None] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def split_dir(self) -> Path:
        """The split folder media paths are relative to."""
        return split_dir_of(self.meta)


def _check_fields(model: type[Record], fields: Sequence[str], name: str) -> None:
    unknown = [f for f in fields if f not in model.model_fields and f not in model.COALESCED]
    if unknown:
        known = ", ".join(sorted(set(model.model_fields) | set(model.COALESCED)))
        raise LammError(f"{name} records have no field {', '.join(map(repr, unknown))}; they have {known}")


def _from_meta(entry: CatalogEntry, meta: Path, fields: Sequence[str], unique_ids: bool) -> SplitColumns:
    """The columns read from the validated meta file, one item at a time: memory holds the columns asked for, not
    the file or its records; the sha256 is of the bytes read."""
    model = entry.record_model
    media = media_field(model)
    ids: list[Any] = []
    paths: list[Any] = []
    values: dict[str, list[Any]] = {name: [] for name in fields}

    def take(index: int, record: Record, offset: int) -> None:
        ids.append(record.id)
        paths.append(getattr(record, media))
        for name in fields:
            values[name].append(model.coalesce(name, record.__dict__) if name in model.COALESCED
                                else getattr(record, name))

    try:
        f = open(meta, "rb")
    except OSError:
        read_meta(meta, entry.name)  # raises the one-line MetaFileError naming why the file cannot be read
        raise
    with f:
        source = HashingReader(f)
        report, _ = validate_meta(meta, entry.name, check_media=False, unique_ids=unique_ids, keep_records=False,
                                  on_record=take, source=source)
    raise_for(report)
    return SplitColumns(entry, meta, source.hexdigest(), "meta", ids, paths, values)


def _from_arrow(entry: CatalogEntry, meta: Path, folder: Path, fields: Sequence[str]) -> SplitColumns | None:
    import pyarrow as pa

    from lamm_data.features import class_label_field
    from lamm_data.load import checked_split
    from lamm_data.provenance import ARROW_FILE, staleness

    if not folder.is_dir() or staleness(folder, meta) is not None:
        return None
    with pa.memory_map(str(folder / ARROW_FILE)) as source:
        table = pa.ipc.open_stream(source).read_all()
    try:
        provenance, model = checked_split(folder, table.schema, table.num_rows)
    except LammError:
        return None  # not this version's columns: read the meta file instead
    media = media_field(model)

    def column(name: str) -> list[Any]:
        return table.column(name).to_pylist()

    labels = class_label_field(model)
    values: dict[str, list[Any]] = {}
    for name in fields:
        if labels is not None and name == labels[0]:  # ClassLabel indices -> the class names the records hold
            values[name] = [None if i is None else labels[1][i] for i in column(name)]
        elif name in model.COALESCED:
            found = {key: column(key) for key in model.COALESCED[name]}
            values[name] = [model.coalesce(name, {k: v[i] for k, v in found.items()}) for i in range(table.num_rows)]
        else:
            values[name] = column(name)
    sizes = None
    if media == "image":
        sizes = [None if w is None or h is None else (int(w), int(h))
                 for w, h in zip(column("width"), column("height"), strict=True)]
    return SplitColumns(entry, meta, provenance.source_sha256, "arrow", column("id"), column(f"{media}_path"), values,
                        sizes)


def read_columns(name: str | CatalogEntry, root: str | os.PathLike[str], fields: Sequence[str], *,
                 unique_ids: bool = True, arrow_dir: str | os.PathLike[str] | None = None) -> SplitColumns:
    """The ids, media paths and ``fields`` of the meta file ``name`` under the LAMM root ``root``.

    Args:
        name: catalog name or alias, or its entry.
        root: the LAMM root.
        fields: record fields to read (``query``, ``object``, ...).
        unique_ids: a benchmark file that repeats an id is an error (``False``: accepted, as scoring does; it then
            joins predictions by position).
        arrow_dir: folder of converted splits (default ``ROOT/.lamm/arrow``).

    Raises:
        MissingDataError: the meta file is not under ``root``.
        MetaFileError, SchemaError: the meta file is unreadable or does not match its schema.
        LammError: a field the record model does not have.
        NotAMetaFileError: ``name`` is an archive.
    """
    from lamm_data.convert import arrow_root

    entry = name if isinstance(name, CatalogEntry) else resolve(name)
    _check_fields(entry.record_model, fields, entry.name)
    root = Path(root)
    meta = find_meta(root, entry)
    folder = (Path(arrow_dir) if arrow_dir is not None else arrow_root(root)) / entry.name
    return _from_arrow(entry, meta, folder, fields) or _from_meta(entry, meta, fields, unique_ids)
