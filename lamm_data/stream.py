"""Stream validated records out of a meta file of any size, with bounded memory and without torch.

A meta file is one JSON array. :func:`iter_records` reads it in chunks (1 MiB by default), cuts one
item at a time out of the text with the standard library's ``JSONDecoder.raw_decode`` and validates
that item's JSON with the same schema and JSON rules as ``lamm-data validate`` (pydantic-core's
``validate_json``). Memory holds the current chunk plus one item, whatever the file size (plus
pydantic-core's fixed-capacity cache of short strings); an item larger than a chunk makes the buffer
grow to hold it.

Errors are raised when the stream reaches them (items before were already yielded): a malformed file
raises :class:`~lamm_data.errors.MetaFileError` with line and column, an invalid item
:class:`~lamm_data.errors.SchemaError` with its ``file:index:id:field: message`` problems.
"""

from __future__ import annotations

import codecs
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import ValidationError

from lamm_data import jsontext
from lamm_data.catalog import CatalogEntry, resolve
from lamm_data.errors import MetaFileError, MissingDataError, SchemaError, UnknownNameError
from lamm_data.layout import default_root, find_meta
from lamm_data.metafile import Problem, entry_for_path, error_message, field_path, item_id
from lamm_data.schemas import Record

CHUNK_BYTES = 1 << 20
_WS = " \t\n\r"


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
        MetaFileError: the file is not a JSON array (raised where the stream finds it).
        SchemaError: an item does not match its schema, or repeats a benchmark id.
        UnknownNameError: ``source`` is neither a file nor a catalog name.
    """
    path, entry = _locate(source, root, name)
    model = entry.record_model
    seen: dict[str, int] | None = {} if entry.is_benchmark else None
    with open(path, "rb") as f:
        for index, text in enumerate(_array_items(f, str(path), chunk_bytes)):
            try:
                record = model.model_validate_json(text)
            except ValidationError as exc:
                found_id = item_id(_loads_or_none(text))
                problems = [Problem(str(path), index, found_id, field_path(e["loc"]), error_message(e, text))
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


def _loads_or_none(text: str) -> Any:
    try:
        return jsontext.loads(text)
    except ValueError:
        return None


class _Buffer:
    """Decoded text of a binary file, read on demand; ``pos`` is the parse position in ``text``."""

    def __init__(self, f: BinaryIO, file: str, chunk_bytes: int) -> None:
        self._f, self._file, self._chunk = f, file, chunk_bytes
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._bytes_read = 0
        self.text, self.pos, self.eof = "", 0, False
        self._line = 1  # line number of text[0]

    def fill(self, at_least: int = 0) -> bool:
        """Drop consumed text and read more (at least ``at_least`` bytes); False at end of file."""
        if self.eof:
            return False
        self._line += self.text.count("\n", 0, self.pos)
        self.text, self.pos = self.text[self.pos:], 0
        data = self._f.read(max(self._chunk, at_least))
        try:
            self.text += self._decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            offset = self._bytes_read + exc.start
            raise MetaFileError(self._problem(f"not UTF-8: byte at offset {offset} cannot be decoded; "
                                              "LAMM meta files are UTF-8 JSON")) from None
        self._bytes_read += len(data)
        self.eof = not data
        return True

    def skip_ws(self) -> str:
        """Skip whitespace and return the next character ('' at end of file)."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in _WS:
                self.pos += 1
            if self.pos < len(self.text) or not self.fill():
                return self.text[self.pos] if self.pos < len(self.text) else ""

    def where(self, pos: int) -> str:
        line = self._line + self.text.count("\n", 0, pos)
        column = pos - self.text.rfind("\n", 0, pos)
        return f"line {line} column {column}"

    def _problem(self, message: str) -> str:
        return str(Problem(self._file, None, None, "", message))

    def error(self, message: str) -> MetaFileError:
        return MetaFileError(self._problem(message))


def _array_items(f: BinaryIO, file: str, chunk_bytes: int) -> Iterator[str]:
    """Yield the JSON text of each item of the top-level array in ``f``."""
    buf = _Buffer(f, file, chunk_bytes)
    first = buf.skip_ws()
    if first == "\ufeff":
        buf.pos += 1
        first = buf.skip_ws()
    if first != "[":
        found = {"": "an empty file", "{": "an object"}.get(first, f"{first!r}")
        raise buf.error(f"wrong top-level type: expected a JSON array of records, found {found}")
    buf.pos += 1
    if buf.skip_ws() == "]":
        return
    while True:
        start = buf.pos
        try:
            _, end = jsontext.raw_decode(buf.text, start, unique_keys=True)
            complete = end < len(buf.text) or buf.eof
        except json.JSONDecodeError as exc:
            if exc.msg.startswith("duplicate key"):
                raise buf.error(f"{exc.msg} at {buf.where(exc.pos)}") from None
            if buf.eof:
                if exc.pos >= len(buf.text.rstrip()) or exc.msg.startswith("Unterminated string"):
                    raise buf.error(f"truncated JSON: the data ends inside an unfinished value at "
                                    f"{buf.where(exc.pos)}; the file was probably cut short") from None
                raise buf.error(f"not JSON: {exc.msg} at {buf.where(exc.pos)}") from None
            complete = False
        if not complete:
            buf.fill(at_least=len(buf.text) - buf.pos)  # grow geometrically for items larger than a chunk
            continue
        yield buf.text[start:end]
        buf.pos = end
        separator = buf.skip_ws()
        if separator == ",":
            buf.pos += 1
            buf.skip_ws()
        elif separator == "]":
            buf.pos += 1
            if buf.skip_ws():
                raise buf.error(f"not JSON: extra data after the array at {buf.where(buf.pos)}")
            return
        elif separator == "":
            raise buf.error("truncated JSON: the array is not closed; the file was probably cut short")
        else:
            raise buf.error(f"not JSON: expected ',' or ']' after an item at {buf.where(buf.pos)}")
