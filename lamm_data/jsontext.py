"""JSON parsing within the toolkit's limits: a hostile text gives a :class:`json.JSONDecodeError` with line and
column, never a ``RecursionError`` or the interpreter's integer-digits ``ValueError``.

Limits, the same as pydantic-core's JSON parser (which reads predictions and reports): nesting at most
:data:`MAX_DEPTH` arrays/objects deep, integers at most :data:`MAX_INT_DIGITS` digits. ``unique_keys``
makes a key repeated in one object an error (JSON itself lets the last one win silently).

:func:`iter_array` reads the items of a top-level JSON array (a meta file) from a binary file in chunks,
one item at a time, in memory bounded by the chunk size and the largest item.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO, Literal, NamedTuple

MAX_DEPTH = 200
"""Deepest nesting of arrays and objects accepted."""
MAX_INT_DIGITS = 4300
"""Longest integer accepted (CPython's default limit of int/str conversion)."""

_LONE_SURROGATE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
                             r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}")


class _Limit(Exception):
    def __init__(self, message: str, needle: str | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.message, self.needle, self.key = message, needle, key


class DuplicateKeyError(json.JSONDecodeError):
    """A key repeated in one object (``unique_keys``); ``key`` is the key. The position is the key's first
    occurrence in the text parsed, which may belong to an earlier object with the same key."""

    def __init__(self, msg: str, doc: str, pos: int, key: str) -> None:
        super().__init__(msg, doc, pos)
        self.key = key


def _parse_int(text: str) -> int:
    if len(text) > MAX_INT_DIGITS and len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _Limit(f"integer with {len(text.lstrip('-'))} digits (at most {MAX_INT_DIGITS})", text)
    return int(text)


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Limit(f"duplicate key {key!r} in an object (JSON keeps only the last one)",
                             json.dumps(key), key)
            seen.add(key)
    return out


_DECODER = json.JSONDecoder(parse_int=_parse_int)
_UNIQUE_DECODER = json.JSONDecoder(parse_int=_parse_int, object_pairs_hook=_unique_pairs)
_SCAN, _UNIQUE_SCAN = _DECODER.scan_once, _UNIQUE_DECODER.scan_once


def _depth_error_position(text: str, start: int) -> int | None:
    """Offset of the first bracket nested deeper than :data:`MAX_DEPTH`, if any (strings skipped)."""
    depth, i, n = 0, start, len(text)
    while i < n:
        char = text[i]
        if char == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return i
        elif char in "]}":
            depth -= 1
            if depth <= 0:
                return None
        i += 1
    return None


def _too_deep(value: Any) -> bool:
    """Whether a parsed value nests deeper than :data:`MAX_DEPTH` (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        if depth > MAX_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in item if isinstance(child, list | dict))
    return False


def raw_decode(text: str, pos: int = 0, *, unique_keys: bool = False) -> tuple[Any, int]:
    """:meth:`json.JSONDecoder.raw_decode` within the limits: ``(value, end offset)``.

    Raises:
        json.JSONDecodeError: not JSON, nested too deep, an integer too long, or (``unique_keys``) a repeated key
            (then a :class:`DuplicateKeyError`).
    """
    scan = _UNIQUE_SCAN if unique_keys else _SCAN
    try:
        value, end = scan(text, pos)
    except StopIteration as exc:  # what JSONDecoder.raw_decode does, without its Python frame
        raise json.JSONDecodeError("Expecting value", text, exc.value) from None
    except RecursionError:
        where = _depth_error_position(text, pos)
        raise json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels", text,
                                   pos if where is None else where) from None
    except _Limit as exc:
        found = text.find(exc.needle, pos) if exc.needle else -1
        if exc.key is not None:
            raise DuplicateKeyError(exc.message, text, pos if found < 0 else found, exc.key) from None
        raise json.JSONDecodeError(exc.message, text, pos if found < 0 else found) from None
    if text.count("[", pos, end) + text.count("{", pos, end) > MAX_DEPTH and _too_deep(value):
        where = _depth_error_position(text, pos)
        raise json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels", text, pos if where is None else where)
    return value, end


def loads(data: str | bytes, *, unique_keys: bool = False) -> Any:
    """:func:`json.loads` within the limits (see :func:`raw_decode`); ``bytes`` must be UTF-8.

    Raises:
        json.JSONDecodeError: as :func:`raw_decode`, or extra data after the value.
        UnicodeDecodeError: ``data`` is bytes that are not UTF-8.
    """
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    start = len(text) - len(text.lstrip(" \t\n\r"))
    value, end = raw_decode(text, start, unique_keys=unique_keys)
    rest = len(text) - len(text[end:].lstrip(" \t\n\r"))
    if rest != len(text):
        raise json.JSONDecodeError("Extra data", text, rest)
    return value


def lone_surrogate(text: str) -> str | None:
    """``line L column C: lone surrogate \\ud800`` for the first ``\\u`` escape in JSON ``text`` that is half a
    surrogate pair without its other half (not valid Unicode), or ``None``."""
    found = _LONE_SURROGATE.search(text)
    if found is None:
        return None
    line = text.count("\n", 0, found.start()) + 1
    column = found.start() - text.rfind("\n", 0, found.start())
    return (f"lone surrogate {found.group()} at line {line} column {column}: half of a UTF-16 surrogate pair "
            "without its other half is not valid Unicode text")


CHUNK_BYTES = 1 << 20
"""Bytes :func:`iter_array` reads at a time."""
_WS = " \t\n\r"
_SKIP_WS = re.compile(r"[ \t\n\r]*").match
_COMMA = re.compile(r"[ \t\n\r]*,[ \t\n\r]*").match
_NEAR_END = 64
"""A parse error closer than this to the end of the text read so far may only mean that the item goes on."""
_VALUE_KINDS = {"{": "an object", '"': "a string", "t": "a boolean", "f": "a boolean", "n": "null"}


class ArrayError(ValueError):
    """Why a file is not a JSON array of items, in one line with line and column where known.

    ``kind``: ``empty`` (nothing but whitespace), ``utf8`` (``offset``: the first byte that is not UTF-8) or
    ``syntax`` (anything else)."""

    def __init__(self, message: str, kind: Literal["empty", "utf8", "syntax"] = "syntax", offset: int = 0) -> None:
        super().__init__(message)
        self.message, self.kind, self.offset = message, kind, offset


class ArrayItem(NamedTuple):
    """One item of a JSON array, parsed.

    Attributes:
        value: the item (a key repeated in one of its objects keeps its last value, as :func:`json.loads` does).
        offset: byte offset of the item's first character in the file.
        size: length of the item's JSON text in characters.
        problem: why the item's text breaks the toolkit's JSON rules although it parses (a repeated key, a lone
            surrogate), with line and column; ``None`` when it does not.
        key: the repeated key, when that is the problem.
    """

    value: Any
    offset: int
    size: int
    problem: str | None = None
    key: str | None = None


class _Buffer:
    """Decoded text of a binary file, read on demand; ``pos`` is the parse position in ``text``."""

    def __init__(self, f: BinaryIO, chunk_bytes: int) -> None:
        self._f, self._chunk = f, chunk_bytes
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._bytes_read = 0
        self.text, self.pos, self.eof = "", 0, False
        self.escapes = False  # whether text holds an escape that may be a surrogate (\\udXXX)
        self.ascii = True  # whether text is ASCII (then character and byte offsets agree)
        self._mark, self._mark_line = 0, 1  # a position in text and its line
        self._byte_mark, self._byte_offset = 0, 0  # a position in text and its byte offset in the file
        self._column0 = 0  # characters between the last newline before text[0] and text[0]

    def fill(self, at_least: int = 0) -> bool:
        """Drop consumed text and read more (at least ``at_least`` bytes); False at end of file."""
        if self.eof:
            return False
        line, offset = self.line_at(self.pos), self.offset_at(self.pos)
        newline = self.text.rfind("\n", 0, self.pos)
        self._column0 = self._column0 + self.pos if newline < 0 else self.pos - newline - 1
        self.text, self.pos = self.text[self.pos:], 0
        self._mark, self._mark_line = 0, line
        self._byte_mark, self._byte_offset = 0, offset
        data = self._f.read(max(self._chunk, at_least))
        pending = self._decoder.getstate()[0]
        try:
            more = self._decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raw = pending + data
            offset = self._bytes_read - len(pending) + exc.start
            line = self.line_at(len(self.text)) + raw.count(b"\n", 0, exc.start)
            raise ArrayError(f"not UTF-8: byte 0x{raw[exc.start]:02x} at offset {offset} (line {line}) cannot be "
                             "decoded; LAMM meta files are UTF-8 JSON", "utf8", offset) from None
        self.text += more
        self.escapes = "\\ud" in self.text or "\\uD" in self.text
        self.ascii = self.text.isascii()
        self._bytes_read += len(data)
        self.eof = not data
        return True

    def skip_ws(self) -> str:
        """Skip whitespace and return the next character ('' at end of file)."""
        while True:
            self.pos = _SKIP_WS(self.text, self.pos).end()
            if self.pos < len(self.text) or not self.fill():
                return self.text[self.pos] if self.pos < len(self.text) else ""

    def line_at(self, pos: int) -> int:
        """Line of ``text[pos]`` (cheap when positions are asked for in increasing order)."""
        if pos < self._mark:
            self._mark_line -= self.text.count("\n", pos, self._mark)
        else:
            self._mark_line += self.text.count("\n", self._mark, pos)
        self._mark = pos
        return self._mark_line

    def offset_at(self, pos: int) -> int:
        """Byte offset in the file of ``text[pos]``, for positions asked for in increasing order."""
        if self.ascii:
            self._byte_offset += pos - self._byte_mark
        else:
            self._byte_offset += len(self.text[self._byte_mark:pos].encode("utf-8"))
        self._byte_mark = pos
        return self._byte_offset

    def where(self, pos: int) -> str:
        newline = self.text.rfind("\n", 0, pos)
        column = pos - newline if newline >= 0 else self._column0 + pos + 1
        return f"line {self.line_at(pos)} column {column}"


def iter_array(f: BinaryIO, chunk_bytes: int = CHUNK_BYTES) -> Iterator[ArrayItem]:
    """Parse the items of the top-level JSON array in ``f`` (UTF-8, a BOM allowed) one at a time, in file order.

    Each item is parsed once, within the limits of :func:`raw_decode`, with repeated keys and lone surrogates
    found on the way (:attr:`ArrayItem.problem`: the item is still yielded, so that every problem of a file can
    be reported). Memory holds the current chunk plus one item: an item larger than a chunk makes the buffer grow
    to hold it, and a syntax error is reported where it is found, without reading further.

    Raises:
        ArrayError: the file is not a JSON array (raised where the stream finds it: items before were yielded).
    """
    buf = _Buffer(f, chunk_bytes)
    first = buf.skip_ws()
    if first == "\ufeff":
        buf.pos += 1
        first = buf.skip_ws()
    if first != "[":
        raise _not_an_array(buf, first)
    buf.pos += 1
    if buf.skip_ws() == "]":
        buf.pos += 1
        _end_of_array(buf)
        return
    while True:
        start = buf.pos
        problem = key = None
        try:
            try:
                value, end = raw_decode(buf.text, start, unique_keys=True)
            except DuplicateKeyError as exc:
                value, end = raw_decode(buf.text, start)  # the item as json.loads reads it: the last value wins
                key = exc.key
                problem = (f"duplicate key {json.dumps(key, ensure_ascii=False)} in the item at line "
                           f"{buf.line_at(start)}: JSON would keep only its last value")
            complete = end < len(buf.text) or buf.eof
        except json.JSONDecodeError as exc:
            if buf.eof:
                if exc.pos >= len(buf.text.rstrip()) or exc.msg.startswith("Unterminated string"):
                    raise ArrayError(f"truncated JSON: the data ends inside an unfinished value at "
                                     f"{buf.where(exc.pos)}; the file was probably cut short (download it again)"
                                     ) from None
                raise ArrayError(f"not JSON: {exc.msg} at {buf.where(exc.pos)}") from None
            if not exc.msg.startswith("Unterminated string") and exc.pos < len(buf.text) - _NEAR_END:
                raise ArrayError(f"not JSON: {exc.msg} at {buf.where(exc.pos)}") from None
            complete = False
        if not complete:
            buf.fill(at_least=len(buf.text) - buf.pos)  # grow geometrically for items larger than a chunk
            continue
        if problem is None and buf.escapes and (buf.text.find("\\ud", start, end) >= 0
                                                or buf.text.find("\\uD", start, end) >= 0):
            found = _LONE_SURROGATE.search(buf.text, start, end)
            if found is not None:
                problem = (f"not valid JSON text: lone surrogate {found.group()} at {buf.where(found.start())}: "
                           "half of a UTF-16 surrogate pair without its other half is not valid Unicode text")
        yield ArrayItem(value, buf.offset_at(start), end - start, problem, key)
        comma = _COMMA(buf.text, end)
        if comma is not None and comma.end() < len(buf.text):  # the common case: the next item follows
            buf.pos = comma.end()
            continue
        buf.pos = end
        separator = buf.skip_ws()
        if separator == ",":
            buf.pos += 1
            buf.skip_ws()
        elif separator == "]":
            buf.pos += 1
            _end_of_array(buf)
            return
        elif separator == "":
            raise ArrayError("truncated JSON: the array is not closed; the file was probably cut short")
        else:
            raise ArrayError(f"not JSON: expected ',' or ']' after an item at {buf.where(buf.pos)}")


def _end_of_array(buf: _Buffer) -> None:
    if buf.skip_ws():
        raise ArrayError(f"not JSON: extra data after the array at {buf.where(buf.pos)}")


def _not_an_array(buf: _Buffer, first: str) -> ArrayError:
    """The error for a file whose first character ``first`` does not open an array."""
    if first == "":
        return ArrayError("empty file: expected a JSON array of records", "empty")
    kind = _VALUE_KINDS.get(first, "a number" if first in "-0123456789" else "")
    if not kind:
        return ArrayError(f"not JSON: Expecting value at {buf.where(buf.pos)}")
    if first == "{":  # one object per line is JSON Lines: look at what follows the first (within the first chunk)
        try:
            _, end = raw_decode(buf.text, buf.pos)
        except json.JSONDecodeError:
            end = -1
        rest = buf.text[end:end + 4096].lstrip(_WS) if end >= 0 else ""
        if rest.startswith("{") and "\n" in buf.text[end:end + 4096]:
            return ArrayError("JSON Lines (one object per line) found; a LAMM meta file is one JSON array of records")
    return ArrayError(f"wrong top-level type: expected a JSON array of records, found {kind}")
