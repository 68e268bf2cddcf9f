"""Read and validate one LAMM meta file: bytes -> validated records, with every problem reported.

The fast path hands the whole file to pydantic-core (``validate_json``), which parses and validates in
one pass at about ``json.load`` speed. Only when something is wrong is the file parsed a second time
to describe the problem (line and column of bad JSON, ids of the failing items).
"""

from __future__ import annotations

import gc
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError

from lamm_data import jsontext
from lamm_data.catalog import CatalogEntry, resolve
from lamm_data.errors import LammError, MetaFileError, SchemaError, UnknownNameError
from lamm_data.layout import discover_meta_files
from lamm_data.schemas import Record, media_field, normalise_media_path

Severity = Literal["error", "warning"]
_BOM = b"\xef\xbb\xbf"


_CONTROL = {c: f"\\x{c:02x}" for c in (*range(32), 127) if c != 10}


def printable(text: str) -> str:
    """``text`` with control characters (NUL, escape sequences, carriage returns...) shown as ``\\xNN``, so that a
    hostile file name or value cannot garble a terminal or a log line; newlines are kept."""
    return text.translate(_CONTROL)


@dataclass(frozen=True)
class Problem:
    """One problem in a meta file. ``index`` is the item's position (``None`` for whole-file problems)."""

    file: str
    index: int | None
    id: str | None
    field: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        index = "-" if self.index is None else str(self.index)
        return printable(f"{self.file}:{index}:{self.id if self.id is not None else '-'}:{self.field or '-'}: "
                         f"{self.message}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"file": self.file, "index": self.index, "id": self.id, "field": self.field,
                "message": self.message, "severity": self.severity}


@dataclass
class FileReport:
    """Outcome of validating one meta file."""

    path: str
    name: str | None
    items: int = 0
    problems: list[Problem] = field(default_factory=list)
    media: Literal["checked", "absent", "skipped", "n/a"] = "n/a"
    media_files: int = 0

    @property
    def errors(self) -> list[Problem]:
        """Problems that make the file invalid."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems worth knowing that do not make the file invalid."""
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when there is no error."""
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"path": self.path, "name": self.name, "items": self.items, "ok": self.ok,
                "errors": [p.to_dict() for p in self.errors], "warnings": [p.to_dict() for p in self.warnings],
                "media": self.media, "media_files": self.media_files}


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building millions of acyclic objects.

    Validating a 300 MB file allocates ~10^7 objects; every 700 allocations CPython would scan the
    young generation, which more than doubles the time. The objects built here hold no cycles.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@cache
def _adapter(model: type[Record]) -> TypeAdapter[list[Record]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def split_dir_of(path: Path) -> Path:
    """Folder media paths are relative to: the parent of ``meta_file/``, else the file's own folder."""
    parent = path.parent
    return parent.parent if parent.name == "meta_file" else parent


def entry_for_path(path: Path, name: str | None = None) -> CatalogEntry:
    """Catalog entry of a meta file, from ``name`` if given, else from the file name (aliases accepted)."""
    return resolve(name if name is not None else path.name)


def describe_unreadable(data: bytes) -> str:
    """One-line description of why ``data`` is not a JSON array (or ``""`` if it is one)."""
    if not data.strip():
        return "empty file: expected a JSON array of records"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return (f"not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start} (line {line}) cannot be decoded; "
                "LAMM meta files are UTF-8 JSON")
    text = text.removeprefix("\ufeff")
    try:
        value = jsontext.loads(text)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
            return (f"truncated JSON: the data ends inside an unfinished value at line {exc.lineno} column "
                    f"{exc.colno}; the file was probably cut short (download it again)")
        first_line = text.lstrip().split("\n", 1)[0]
        if first_line.startswith("{") and exc.msg == "Extra data":
            return "JSON Lines (one object per line) found; a LAMM meta file is one JSON array of records"
        return f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    if not isinstance(value, list):
        kind = {dict: "an object", str: "a string", int: "a number", float: "a number", bool: "a boolean"}.get(
            type(value), "null")
        return f"wrong top-level type: expected a JSON array of records, found {kind}"
    return ""


def field_path(loc: tuple[Any, ...]) -> str:
    """Dotted field name of a pydantic error location: ``("object", 0, "bbox")`` -> ``object[0].bbox``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def error_message(err: dict[str, Any], text: str | bytes | None = None) -> str:
    """One pydantic error as a short message, with the offending value (cut to 60 characters) where useful;
    ``text``: the JSON text validated, to say what and where a lone surrogate is."""
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "json_invalid" and "hex escape" in msg and text is not None:
        found = jsontext.lone_surrogate(text if isinstance(text, str) else text.decode("utf-8", "replace"))
        if found:
            return f"not valid JSON text: {found}"
    if err["type"] in ("missing",):
        return "required field is missing"
    if err["type"] not in ("value_error", "assertion_error") and "input" in err:
        shown = json.dumps(err["input"], default=str)
        msg += f" (got {shown[:60]}{'...' if len(shown) > 60 else ''})"
    return msg


def item_id(item: Any) -> str | None:
    """The id of a raw (unvalidated) item as a string, or ``None`` when it has no usable id."""
    if isinstance(item, dict) and isinstance(item.get("id"), int | str) and not isinstance(item.get("id"), bool):
        return str(item["id"])
    return None


def _schema_problems(file: str, raw: list[Any], exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = err["loc"]
        index = loc[0] if loc and isinstance(loc[0], int) else None
        item = raw[index] if index is not None and index < len(raw) else None
        problems.append(Problem(file, index, item_id(item), field_path(loc[1:]), error_message(err)))
    return problems


def _any_unknown(records: list[Record]) -> bool:
    """Whether any record has a field its model does not know (one pass over all records, mostly in C)."""
    if any(map(attrgetter("__pydantic_extra__"), records)):
        return True
    for name, allowed in (records[0].NESTED_KEYS if records else {}).items():
        values = chain.from_iterable(getattr(r, name) or () for r in records)
        if max(map(len, values), default=0) > len(allowed):
            return True
    return False


def _warn_unknown(file: str, records: list[Record], indices: list[int] | None = None) -> list[Problem]:
    if not _any_unknown(records):
        return []
    seen: Counter[str] = Counter()
    first: dict[str, tuple[int, str | None]] = {}
    for i, rec in zip(indices or range(len(records)), records, strict=True):
        if rec.__pydantic_extra__ or rec.NESTED_KEYS:
            for name in rec.unknown_fields():
                key = name.split("[")[0] + ("[*]" + name.split("]", 1)[1] if "[" in name else "")
                seen[key] += 1
                first.setdefault(key, (i, None if rec.id is None else str(rec.id)))
    return [Problem(file, first[k][0], first[k][1], k, f"field not in the schema (kept; seen in {n} item(s))",
                    "warning") for k, n in seen.items()]


def _duplicate_keys(file: str, data: bytes) -> list[Problem]:
    """An error for the first object of a benchmark file that repeats a key (JSON would keep the last value).

    Benchmark files are small (at most a few MB), so the second parse costs little; instruction files, up to
    hundreds of MB, are checked by :func:`lamm_data.stream.iter_records` only.
    """
    try:
        items = jsontext.loads(data.removeprefix(_BOM), unique_keys=True)
    except json.JSONDecodeError as exc:
        if "duplicate key" not in exc.msg:
            return []
        text = exc.doc
        index = _item_at(text, exc.pos)
        return [Problem(file, index, None, exc.msg.split("'")[1] if "'" in exc.msg else "",
                        f"{exc.msg} at line {exc.lineno} column {exc.colno}")]
    del items
    return []


def _item_at(text: str, pos: int) -> int | None:
    """Index of the top-level array item holding offset ``pos`` (strings skipped), or ``None``."""
    depth, index, i = 0, -1, 0
    while i < pos and i < len(text):
        char = text[i]
        if char == '"':
            i += 1
            while i < len(text) and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif char in "[{":
            depth += 1
            if depth == 2:
                index += 1
        elif char in "]}":
            depth -= 1
        i += 1
    return index if index >= 0 else None


def _warnings_of_valid_items(file: str, model: type[Record], raw: list[Any], problems: list[Problem]
                              ) -> list[Problem]:
    """Unknown-field warnings of the items without errors of a file that has errors (so both are reported)."""
    bad = {p.index for p in problems if p.severity == "error"}
    indices, records = [], []
    for i, item in enumerate(raw):
        if i not in bad:
            try:
                records.append(model.model_validate(item))
                indices.append(i)
            except ValidationError:
                pass
    return _warn_unknown(file, records, indices)


def _check_ids(file: str, ids: Iterable[str | None]) -> list[Problem]:
    """Duplicate ids (errors) and items without an id (one warning) of a benchmark file."""
    problems: list[Problem] = []
    first: dict[str, int] = {}
    missing = 0
    for i, key in enumerate(ids):
        if key is None:
            missing += 1
            continue
        if key in first:
            problems.append(Problem(file, i, key, "id", f"duplicate id: item {first[key]} has the same id"))
        else:
            first[key] = i
    if missing:
        problems.append(Problem(file, None, None, "id", f"{missing} item(s) have no id; they will be matched by "
                                                         "position", "warning"))
    return problems


def _outside(path: Path, boundary: Path) -> Path | None:
    """Where ``path`` really leads when that is outside ``boundary`` (a resolved folder), else ``None``."""
    try:
        target = path.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return path
    return None if target == boundary or target.is_relative_to(boundary) else target


def _check_media(file: str, records: list[Record], split: Path, report: FileReport,
                 follow_symlinks: bool = False) -> list[Problem]:
    key = media_field(type(records[0])) if records else "image"
    boundary = split.resolve()
    links: dict[str, set[str]] = {}
    escapes: dict[str, Path | None] = {}
    listings: dict[str, set[str] | None] = {}
    problems: list[Problem] = []
    absent: set[str] = set()
    checked = 0
    for i, rec in enumerate(records):
        raw = getattr(rec, key)
        rel = normalise_media_path(raw)
        folder, _, base = rel.rpartition("/")
        top = rel.split("/", 1)[0]
        if top in absent:
            continue
        if folder not in listings:
            try:
                entries = list(os.scandir(split / folder))
                listings[folder] = {e.name for e in entries}
                links[folder] = {e.name for e in entries if e.is_symlink()}
                escapes[folder] = None if follow_symlinks else _outside(split / folder, boundary)
            except (FileNotFoundError, NotADirectoryError):
                listings[folder] = None
                if not (split / top).is_dir():
                    absent.add(top)
                    continue
        checked += 1
        names = listings[folder]
        if names is None or base not in names:
            problems.append(Problem(file, i, None if rec.id is None else str(rec.id), key,
                                    f"media file not found: {split / rel}"))
        elif not follow_symlinks and (escapes[folder] is not None or base in links[folder]):
            target = escapes[folder] or _outside(split / rel, boundary)
            if target is not None:
                problems.append(Problem(file, i, None if rec.id is None else str(rec.id), key,
                                        f"media file {split / rel} is a symbolic link to {target}, outside "
                                        f"{split}; pass --follow-symlinks (follow_symlinks=True) to use it"))
    report.media = "checked" if checked else "absent"
    report.media_files = checked
    for top in sorted(absent):
        problems.append(Problem(file, None, None, key, f"media folder {split / top} is not present: its files "
                                                        "were not checked", "warning"))
    return problems


def validate_meta(
    path: str | os.PathLike[str], name: str | None = None, *, check_media: bool = True, data: bytes | None = None,
    unique_ids: bool = True, follow_symlinks: bool = False,
) -> tuple[FileReport, list[Record] | None]:
    """Validate one meta file against its schema and return the report and the records (``None`` if invalid).

    Args:
        path: the meta file.
        name: catalog name or alias of the file; default: taken from the file name.
        check_media: check that referenced images/point clouds exist (only where their folder is present).
        data: the file's bytes, when the caller has already read them (e.g. to hash them too).
        unique_ids: treat a repeated benchmark id as an error (scoring passes False: it then joins by position).
        follow_symlinks: accept media that are symbolic links leading outside the split folder (by default
            an error: a file outside the root would otherwise be read, embedded or shown unnoticed).

    Raises:
        UnknownNameError: the file name is not a LAMM file and ``name`` was not given.
        NotAMetaFileError: ``name`` (or the file name) is an archive.
    """
    path = Path(path)
    entry = entry_for_path(path, name)
    model = entry.record_model
    file = str(path)
    report = FileReport(file, entry.name)
    try:
        data = path.read_bytes() if data is None else data
    except OSError as exc:
        report.problems.append(Problem(file, None, None, "", f"cannot read file: {exc.strerror or exc}"))
        return report, None
    try:
        with gc_paused():
            records = _adapter(model).validate_json(data.removeprefix(_BOM))
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        if len(errors) == 1 and errors[0]["loc"] == ():
            report.problems.append(Problem(file, None, None, "", describe_unreadable(data)
                                           or error_message(errors[0], data)))
            return report, None
        raw = jsontext.loads(data.removeprefix(_BOM))
        report.items = len(raw)
        report.problems.extend(_schema_problems(file, raw, exc))
        if entry.is_benchmark and unique_ids:  # duplicate ids too, so that one run reports every problem
            report.problems.extend(_check_ids(file, map(item_id, raw)))
        report.problems.extend(_warnings_of_valid_items(file, model, raw, report.problems))
        return report, None
    report.items = len(records)
    report.problems.extend(_warn_unknown(file, records))
    if entry.is_benchmark:  # ground truth: a repeated key would silently pick one of two values
        report.problems.extend(_duplicate_keys(file, data))
    if entry.is_benchmark and unique_ids:  # instruction ids are source-image ids: one image serves several items
        report.problems.extend(_check_ids(file, (None if r.id is None else str(r.id) for r in records)))
    if check_media:
        report.problems.extend(_check_media(file, records, split_dir_of(path), report, follow_symlinks))
    else:
        report.media = "skipped"
    if report.errors:
        return report, None
    return report, records


def read_meta(path: str | os.PathLike[str], name: str | None = None, *, check_media: bool = False,
              data: bytes | None = None, unique_ids: bool = True) -> list[Record]:
    """Validated records of a meta file (``data``, ``unique_ids``: see :func:`validate_meta`).

    Raises:
        MetaFileError: the file is not a readable JSON array (message says why, in one line).
        SchemaError: items do not match the schema; ``.problems`` lists every problem.
    """
    report, records = validate_meta(path, name, check_media=check_media, data=data, unique_ids=unique_ids)
    if records is None:
        errors = report.errors
        if len(errors) == 1 and errors[0].index is None and not errors[0].field:
            raise MetaFileError(str(errors[0]))
        raise SchemaError(f"{path}: {len(errors)} problem(s)\n{problem_lines(errors)}", errors)
    return records


def problem_lines(problems: list[Problem], limit: int = 20) -> str:
    """The first ``limit`` problems, one per line, then how many more there are."""
    more = f"\n... and {len(problems) - limit} more" if len(problems) > limit else ""
    return "\n".join(str(p) for p in problems[:limit]) + more


def validate_paths(
    paths: list[str | os.PathLike[str]],
    *,
    name: str | None = None,
    check_media: bool = True,
    on_file: Callable[[Path], None] | None = None,
    follow_symlinks: bool = False,
) -> list[FileReport]:
    """Validate every meta file found under ``paths`` (files, split folders or LAMM roots).

    A path that does not exist or holds no meta file, a file whose name is not a LAMM file (unless
    ``name`` is given) and a ``name`` that is an archive each give a report with one error instead of raising.
    ``on_file`` is called before each file (for progress display).
    """
    reports: list[FileReport] = []
    for raw in paths:
        try:
            files = discover_meta_files(raw)
        except FileNotFoundError as exc:
            message = str(exc).removeprefix(f"{Path(raw)}: ")  # the problem names the path already
            reports.append(FileReport(str(raw), None, problems=[Problem(str(raw), None, None, "", message)]))
            continue
        for path in files:
            if on_file is not None:
                on_file(path)
            try:
                report, _ = validate_meta(path, name, check_media=check_media, follow_symlinks=follow_symlinks)
            except LammError as exc:  # an unknown file name, or --name naming an archive
                hint = " Pass --name to say which file this is." if isinstance(exc, UnknownNameError) else ""
                report = FileReport(str(path), None, problems=[Problem(str(path), None, None, "", f"{exc}{hint}")])
            reports.append(report)
    return reports
