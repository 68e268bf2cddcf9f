"""JSON parsing within the toolkit's limits: a hostile text gives a :class:`json.JSONDecodeError` with line and
column, never a ``RecursionError`` or the interpreter's integer-digits ``ValueError``.

Limits, the same as pydantic-core's JSON parser (which reads meta files and reports): nesting at most
:data:`MAX_DEPTH` arrays/objects deep, integers at most :data:`MAX_INT_DIGITS` digits. ``unique_keys``
makes a key repeated in one object an error (JSON itself lets the last one win silently).
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 200
"""Deepest nesting of arrays and objects accepted."""
MAX_INT_DIGITS = 4300
"""Longest integer accepted (CPython's default limit of int/str conversion)."""

_LONE_SURROGATE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
                             r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}")


class _Limit(Exception):
    def __init__(self, message: str, needle: str | None = None) -> None:
        super().__init__(message)
        self.message, self.needle = message, needle


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
                             json.dumps(key))
            seen.add(key)
    return out


_DECODER = json.JSONDecoder(parse_int=_parse_int)
_UNIQUE_DECODER = json.JSONDecoder(parse_int=_parse_int, object_pairs_hook=_unique_pairs)


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
        json.JSONDecodeError: not JSON, nested too deep, an integer too long, or (``unique_keys``) a repeated key.
    """
    decoder = _UNIQUE_DECODER if unique_keys else _DECODER
    try:
        value, end = decoder.raw_decode(text, pos)
    except RecursionError:
        where = _depth_error_position(text, pos)
        raise json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels", text,
                                   pos if where is None else where) from None
    except _Limit as exc:
        found = text.find(exc.needle, pos) if exc.needle else -1
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
