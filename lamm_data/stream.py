"""Stream validated records out of a meta file of any size, with bounded memory and without torch.

A meta file is one JSON array. :func:`iter_records` reads it in chunks (1 MiB by default) with
:func:`lamm_data.jsontext.iter_array`, which parses one item at a time (repeated keys and lone surrogates
found in the same parse), and validates that item with the same schema and rules as ``lamm-data validate``
(which reads files the same way). Memory holds the current chunk plus one item, whatever the file size;
an item larger than a chunk makes the buffer grow to hold it.

Errors are raised when the stream reaches them (items before were already yielded): a malformed file
raises :class:`~lamm_data.errors.MetaFileError` with line and column, an invalid item
:class:`~lamm_data.errors.SchemaError` with its ``file:index:id:field: message`` problems.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from pydantic import ValidationError

from lamm_data import jsontext
from lamm_data.catalog import CatalogEntry, resolve
from lamm_data.errors import MetaFileError, MissingDataError, SchemaError, UnknownNameError
from lamm_data.layout import default_root, find_meta
from lamm_data.metafile import Problem, entry_for_path, error_message, field_path, item_id
from lamm_data.schemas import Record

CHUNK_BYTES = jsontext.CHUNK_BYTES


def iter_records(
    source: str | os.PathLike[str],
    root: str | os.PathLike[str] | None = None,
    *,
    name: str | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> Iterator[Record]:
    """Yield the validated records of a meta file one at a time, in file order.

    Args:
        source: the path of a meta file, or a catalog name or alias (looked up under ``root``; a string without
            a folder that is not an existing file is taken as a name, ``OCR_SVT.json`` included).
        root: the LAMM root for names (default: ``$LAMM_DATA_ROOT``, then ``~/.cache/lamm``).
        name: catalog name of a file whose file name is not a LAMM name.
        chunk_bytes: bytes read at a time.

    Raises:
        MissingDataError: the file is not there.
        MetaFileError: the file is not a JSON array, or an item repeats a key (raised where the stream finds it).
        SchemaError: an item does not match its schema, or repeats a benchmark id.
        UnknownNameError: ``source`` is neither a file nor a catalog name.
    """
    path, entry = _locate(source, root, name)
    model = entry.record_model
    seen: dict[str, int] | None = {} if entry.is_benchmark else None
    with open(path, "rb") as f:
        for index, item in enumerate(_items(f, str(path), chunk_bytes)):
            if item.problem is not None:
                problem = Problem(str(path), index, item_id(item.value), item.key or "", item.problem)
                if item.key is not None:
                    raise MetaFileError(str(problem))
                raise SchemaError(f"{path}: item {index} is invalid\n{problem}", [problem])
            try:
                record = model.model_validate(item.value)
            except ValidationError as exc:
                found_id = item_id(item.value)
                problems = [Problem(str(path), index, found_id, field_path(e["loc"]), error_message(e))
                            for e in exc.errors(include_url=False)]
                raise SchemaError(f"{path}: item {index} is invalid\n" + "\n".join(map(str, problems)),
                                  problems) from None
            if seen is not None and record.id is not None:
                key = str(record.id)
                if key in seen:
                    problem = Problem(str(path), index, key, "id", f"duplicate id: item {seen[key]} has the same id")
                    raise SchemaError(str(problem), [problem])
                seen[key] = index
            yield record


def _items(f: BinaryIO, file: str, chunk_bytes: int) -> Iterator[jsontext.ArrayItem]:
    """:func:`~lamm_data.jsontext.iter_array` with its errors as :class:`MetaFileError` naming ``file``."""
    try:
        yield from jsontext.iter_array(f, chunk_bytes)
    except jsontext.ArrayError as exc:
        message = exc.message
        if exc.kind == "empty":
            message = "wrong top-level type: expected a JSON array of records, found an empty file"
        elif exc.kind == "utf8":
            message = f"not UTF-8: byte at offset {exc.offset} cannot be decoded; LAMM meta files are UTF-8 JSON"
        raise MetaFileError(str(Problem(file, None, None, "", message))) from None


def _locate(
    source: str | os.PathLike[str], root: str | os.PathLike[str] | None, name: str | None
) -> tuple[Path, CatalogEntry]:
    path = Path(source)
    if path.is_file():
        return path, entry_for_path(path, name)
    if isinstance(source, str) and len(path.parts) == 1:  # a name ("VOC2012", "OCR_SVT.json") unless unknown
        try:
            entry = resolve(name or source)
        except UnknownNameError:
            if path.suffix.lower() != ".json":
                raise
        else:
            return find_meta(root if root is not None else default_root(), entry), entry
    raise MissingDataError(f"{path}: no such meta file")
