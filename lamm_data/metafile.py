"""Read and validate one LAMM meta file: bytes -> validated records, with every problem reported.

The file is read in chunks by :func:`lamm_data.jsontext.iter_array`, which parses one item at a time; the
same parse finds keys repeated in an object (JSON would silently keep the last value) and lone surrogates.
Each parsed item is then validated against its record model. Memory is bounded by the chunk and the largest
item, not by the file (unless the caller keeps the records: :func:`read_meta` returns them all).
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

from pydantic import ValidationError

from lamm_data import jsontext
from lamm_data.catalog import CatalogEntry, resolve
from lamm_data.errors import LammError, MetaFileError, SchemaError, UnknownNameError
from lamm_data.layout import discover_meta_files
from lamm_data.schemas import Record, media_field, normalise_media_path

Severity = Literal["error", "warning"]


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


@contextlib.contextmanager
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


def split_dir_of(path: Path) -> Path:
    """Folder media paths are relative to: the parent of ``meta_file/``, else the file's own folder."""
    parent = path.parent
    return parent.parent if parent.name == "meta_file" else parent


def entry_for_path(path: Path, name: str | None = None) -> CatalogEntry:
    """Catalog entry of a meta file, from ``name`` if given, else from the file name (aliases accepted)."""
    return resolve(name if name is not None else path.name)


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


class _MediaCheck:
    """Checks, one record at a time, that the media files the records name exist below the split folder and do
    not lead outside it (unless ``follow_symlinks``); each folder is listed once."""

    def __init__(self, file: str, key: str, split: Path, follow_symlinks: bool = False) -> None:
        self.file, self.key, self.split, self.follow = file, key, split, follow_symlinks
        self.boundary = split.resolve()
        self.links: dict[str, set[str]] = {}
        self.escapes: dict[str, Path | None] = {}
        self.listings: dict[str, set[str] | None] = {}
        self.problems: list[Problem] = []
        self.absent: set[str] = set()
        self.checked = 0

    def add(self, i: int, rec: Record) -> None:
        split, key = self.split, self.key
        rel = normalise_media_path(getattr(rec, key))
        folder, _, base = rel.rpartition("/")
        top = rel.split("/", 1)[0]
        if top in self.absent:
            return
        if folder not in self.listings:
            try:
                entries = list(os.scandir(split / folder))
                self.listings[folder] = {e.name for e in entries}
                self.links[folder] = {e.name for e in entries if e.is_symlink()}
                self.escapes[folder] = None if self.follow else _outside(split / folder, self.boundary)
            except (FileNotFoundError, NotADirectoryError):
                self.listings[folder] = None
                if not (split / top).is_dir():
                    self.absent.add(top)
                    return
        self.checked += 1
        names = self.listings[folder]
        if names is None or base not in names:
            self.problems.append(Problem(self.file, i, None if rec.id is None else str(rec.id), key,
                                         f"media file not found: {split / rel}"))
        elif not self.follow and (self.escapes[folder] is not None or base in self.links[folder]):
            target = self.escapes[folder] or _outside(split / rel, self.boundary)
            if target is not None:
                self.problems.append(Problem(
                    self.file, i, None if rec.id is None else str(rec.id), key,
                    f"media file {split / rel} is a symbolic link to {target}, outside {split}; pass "
                    "--follow-symlinks (follow_symlinks=True) to use it"))

    def finish(self, report: FileReport) -> list[Problem]:
        """The problems found (then one warning per absent media folder); sets ``report.media*``."""
        report.media = "checked" if self.checked else "absent"
        report.media_files = self.checked
        return self.problems + [
            Problem(self.file, None, None, self.key, f"media folder {self.split / top} is not present: its files "
                                                      "were not checked", "warning") for top in sorted(self.absent)]


class _Unknown:
    """Fields not in the schema, counted over the records: one warning per field, naming its first item."""

    def __init__(self, model: type[Record]) -> None:
        self.nested = [(name, len(allowed)) for name, allowed in model.NESTED_KEYS.items()]
        self.seen: Counter[str] = Counter()
        self.first: dict[str, tuple[int, str | None]] = {}

    def add(self, i: int, rec: Record) -> None:
        if not rec.__pydantic_extra__:
            for name, n in self.nested:
                if max(map(len, getattr(rec, name) or ()), default=0) > n:
                    break
            else:
                return  # the common case: no field the model does not know
        for name in rec.unknown_fields():
            key = name.split("[")[0] + ("[*]" + name.split("]", 1)[1] if "[" in name else "")
            self.seen[key] += 1
            self.first.setdefault(key, (i, None if rec.id is None else str(rec.id)))

    def warnings(self, file: str) -> list[Problem]:
        return [Problem(file, self.first[k][0], self.first[k][1], k, f"field not in the schema (kept; seen in {n} "
                        "item(s))", "warning") for k, n in self.seen.items()]


def validate_meta(
    path: str | os.PathLike[str], name: str | None = None, *, check_media: bool = True,
    unique_ids: bool = True, follow_symlinks: bool = False, keep_records: bool = True,
    on_record: Callable[[int, Record, int], None] | None = None, source: BinaryIO | None = None,
) -> tuple[FileReport, list[Record] | None]:
    """Validate one meta file against its schema and return the report and the records (``None`` if invalid).

    The file is read one item at a time: memory is bounded by the largest item, plus the records when
    ``keep_records``.

    Args:
        path: the meta file.
        name: catalog name or alias of the file; default: taken from the file name.
        check_media: check that referenced images/point clouds exist (only where their folder is present).
        unique_ids: treat a repeated benchmark id as an error (scoring passes False: it then joins by position).
        follow_symlinks: accept media that are symbolic links leading outside the split folder (by default
            an error: a file outside the root would otherwise be read, embedded or shown unnoticed).
        keep_records: return the records (``False``: return ``None`` for them, and hold only one at a time).
        on_record: called with ``(index, record, offset)`` for each valid item, in file order, while no item has
            had an error (``offset``: byte offset of the item in the file).
        source: an open binary file to read instead of ``path`` (``path`` still names it in problems).

    Raises:
        UnknownNameError: the file name is not a LAMM file and ``name`` was not given.
        NotAMetaFileError: ``name`` (or the file name) is an archive.
    """
    path = Path(path)
    entry = entry_for_path(path, name)
    file = str(path)
    report = FileReport(file, entry.name)
    try:
        with contextlib.ExitStack() as stack:
            f = source if source is not None else stack.enter_context(open(path, "rb"))
            with gc_paused():
                records = _read_items(file, f, entry, report, check_media=check_media, unique_ids=unique_ids,
                                      follow_symlinks=follow_symlinks, keep_records=keep_records,
                                      on_record=on_record, split=split_dir_of(path))
    except OSError as exc:
        report.problems.append(Problem(file, None, None, "", f"cannot read file: {exc.strerror or exc}"))
        return report, None
    if report.errors or not keep_records:
        return report, None
    return report, records


def _read_items(
    file: str, f: BinaryIO, entry: CatalogEntry, report: FileReport, *, check_media: bool, unique_ids: bool,
    follow_symlinks: bool, keep_records: bool, on_record: Callable[[int, Record, int], None] | None, split: Path,
) -> list[Record]:
    """Validate the items of ``f`` into ``report`` (problems in the order: item errors, then for a file without
    them, unknown-field warnings, ids, media; for a file with them, ids, then unknown-field warnings)."""
    model = entry.record_model
    validate = model.model_validate
    records: list[Record] = []
    item_errors: list[Problem] = []
    ids: list[str | None] | None = [] if entry.is_benchmark and unique_ids else None
    unknown = _Unknown(model)
    media = _MediaCheck(file, media_field(model), split, follow_symlinks) if check_media else None
    try:
        for i, item in enumerate(jsontext.iter_array(f)):
            report.items = i + 1
            if item.problem is not None:
                item_errors.append(Problem(file, i, item_id(item.value), item.key or "", item.problem))
            try:
                rec = validate(item.value)
            except ValidationError as exc:
                found = item_id(item.value)
                item_errors.extend(Problem(file, i, found, field_path(e["loc"]), error_message(e))
                                   for e in exc.errors(include_url=False))
                if ids is not None:
                    ids.append(found)
                continue
            if ids is not None:
                ids.append(None if rec.id is None else str(rec.id))
            unknown.add(i, rec)
            if item_errors:
                continue
            if media is not None:
                media.add(i, rec)
            if keep_records:
                records.append(rec)
            if on_record is not None:
                on_record(i, rec, item.offset)
    except jsontext.ArrayError as exc:
        report.items = 0
        report.problems.append(Problem(file, None, None, "", exc.message))
        return []
    if item_errors:
        report.problems.extend(item_errors)
        if ids is not None:  # duplicate ids too, so that one run reports every problem
            report.problems.extend(_check_ids(file, ids))
        report.problems.extend(unknown.warnings(file))
        return []
    report.problems.extend(unknown.warnings(file))
    if ids is not None:  # instruction ids are source-image ids: one image serves several items
        report.problems.extend(_check_ids(file, ids))
    if media is not None:
        report.problems.extend(media.finish(report))
    else:
        report.media = "skipped"
    return records


def read_meta(path: str | os.PathLike[str], name: str | None = None, *, check_media: bool = False,
              unique_ids: bool = True) -> list[Record]:
    """Validated records of a meta file (``unique_ids``: see :func:`validate_meta`).

    Raises:
        MetaFileError: the file is not a readable JSON array (message says why, in one line).
        SchemaError: items do not match the schema; ``.problems`` lists every problem.
    """
    report, records = validate_meta(path, name, check_media=check_media, unique_ids=unique_ids)
    if records is None:
        raise_for(report)
    return records  # type: ignore[return-value]


def raise_for(report: FileReport) -> None:
    """Raise what :func:`read_meta` raises for ``report`` if it has errors (nothing otherwise).

    Raises:
        MetaFileError: the file is not a readable JSON array (message says why, in one line).
        SchemaError: items do not match the schema; ``.problems`` lists every problem.
    """
    errors = report.errors
    if not errors:
        return
    if len(errors) == 1 and errors[0].index is None and not errors[0].field:
        raise MetaFileError(str(errors[0]))
    raise SchemaError(f"{report.path}: {len(errors)} problem(s)\n{problem_lines(errors)}", errors)


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
                report, _ = validate_meta(path, name, check_media=check_media, follow_symlinks=follow_symlinks,
                                          keep_records=False)
            except LammError as exc:  # an unknown file name, or --name naming an archive
                hint = " Pass --name to say which file this is." if isinstance(exc, UnknownNameError) else ""
                report = FileReport(str(path), None, problems=[Problem(str(path), None, None, "", f"{exc}{hint}")])
            reports.append(report)
    return reports
