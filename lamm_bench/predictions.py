"""Read predictions: the JSONL format of :class:`PredictionRecord`, or LAMM's legacy answer files.

Accepted inputs:

* a JSONL file, one :class:`PredictionRecord` per line (blank lines allowed); a file not named ``.jsonl``
  whose first character is ``[`` is read as a JSON array instead;
* a folder of legacy LAMM answer files ``{Task}_{Dataset}.json`` (JSON array) or ``.jsonl`` (one record
  per line), as LAMM's inference scripts wrote them (``{"id", "text", "delta_path"}``);
* one legacy file, with ``benchmark`` given or a file name that names the benchmark;
* records already in memory (:func:`predictions_from_records`): dicts, or the rows of a ``datasets.Dataset``.

Every problem raises :class:`~lamm_bench.errors.PredictionsError` naming the file and the line
(JSONL) or index (JSON array). Inputs are only read.

Limits: JSONL files are read line by line (memory bounded by the longest line, at most
:data:`MAX_LINE_BYTES`); an answer longer than :data:`MAX_ANSWER_CHARS` characters (each joint's answer for
LSP) is cut to that length before scoring, and the cuts are counted per benchmark in a warning.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, BinaryIO

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from lamm_bench.benchmarks.registry import get_spec
from lamm_bench.errors import PredictionsError
from lamm_data import jsontext
from lamm_data.catalog import CatalogEntry, resolve
from lamm_data.errors import UnknownNameError
from lamm_data.schemas import JOINT_NAMES

_EXAMPLES = 5
MAX_ANSWER_CHARS = 65_536
"""Longest answer scored, in characters (64 Ki); longer answers are cut to it (and counted)."""
MAX_LINE_BYTES = 256 << 20
"""Longest line of a JSONL predictions file, in bytes (256 MiB); a longer one is refused."""


class PredictionRecord(BaseModel):
    """One prediction: which benchmark item it answers and the model's answer text."""

    model_config = ConfigDict(extra="allow", title="LAMM prediction",
                              json_schema_extra={"$comment": "One JSON object per line of a predictions file."})

    id: Annotated[StrictStr | StrictInt, Field(description="Item id as in the benchmark meta file "
                                                             "(compared by its string form).")]
    benchmark: Annotated[StrictStr | None, Field(
        description="Canonical benchmark name (e.g. Detection_VOC2012) or an alias (VOC2012); may be omitted "
                    "when `lamm-bench score --benchmark NAME` is given.")] = None
    text: Annotated[StrictStr | dict[StrictStr, StrictStr], Field(
        description="The model's answer. For a benchmark asked one query per joint (Keypoints_Detection_LSP) "
                    "an object {joint name: answer} with one entry per joint in order (LSP: "
                    f"{', '.join(JOINT_NAMES)}), as LAMM wrote it.")]


@dataclass(frozen=True)
class Prediction:
    """A validated prediction: id as a string, the answer, and where it was read (for messages)."""

    id: str
    text: str | dict[str, str]
    where: str


@dataclass
class PredictionSet:
    """Predictions grouped by canonical benchmark name, in input order, plus provenance.

    ``source``: ``kind`` (``jsonl``, ``legacy-dir``, ``legacy-file``), ``path``, ``sha256`` of the bytes
    read (for a folder: of the sorted list of ``name sha256`` lines of the files used).
    """

    by_benchmark: dict[str, list[Prediction]]
    source: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    selected: str | None = None
    """The benchmark chosen with ``--benchmark`` (then it is the only key of ``by_benchmark``)."""

    def canonical_sha256(self) -> str:
        """sha256 of the predictions themselves (benchmark, id, text; sorted), equal for equivalent inputs."""
        return answers_sha256({name: [(p.id, p.text) for p in predictions]
                               for name, predictions in self.by_benchmark.items()})


def answers_sha256(answers: Mapping[str, Iterable[tuple[str, Any]]]) -> str:
    """sha256 of ``{benchmark: [(id, text), ...]}``: one compact JSON line ``[benchmark, id, text]`` per answer,
    sorted by benchmark, then id, UTF-8 (lone surrogates, which JSON input may hold, passed through as they are)
    (``meta.input.predictions_sha256`` of a report)."""
    digest = hashlib.sha256()
    for name in sorted(answers):
        for item_id, text in sorted(answers[name], key=lambda pair: pair[0]):
            line = json.dumps([name, item_id, text], ensure_ascii=False, separators=(",", ":"))
            digest.update(line.encode("utf-8", "surrogatepass") + b"\n")
    return digest.hexdigest()


def prediction_schema() -> dict[str, Any]:
    """JSON Schema of one line of a predictions JSONL file."""
    return PredictionRecord.model_json_schema()


def _benchmark_entry(name: str, where: str) -> CatalogEntry:
    """The catalog entry of a benchmark name; ``where`` (``file:line: benchmark``, ``--benchmark``) starts errors."""
    try:
        entry = resolve(name)
    except UnknownNameError as exc:
        raise PredictionsError(f"{where}: {exc}") from None
    if not entry.is_benchmark:
        raise PredictionsError(f"{where}: {name!r} is {entry.name}, not a benchmark file")
    return entry


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False)[:3]:
        loc = ".".join(str(x) for x in err["loc"]) or "record"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def _check_text(name: str, text: Any, where: str) -> None:
    protocol = get_spec(name).protocol
    if protocol.layout == "per_joint":
        if not isinstance(text, dict):
            raise PredictionsError(f"{where}: text: {name} expects an object {{joint name: answer}} "
                                   f"(one entry per joint), got {type(text).__name__}")
        if len(text) > len(protocol.joints):
            raise PredictionsError(f"{where}: text: {len(text)} entries; expected at most {len(protocol.joints)} "
                                   "(one per joint)")
    elif not isinstance(text, str):
        raise PredictionsError(f"{where}: text: {name} expects a string answer, got an object")


def _plain_fields(value: dict[str, Any]) -> tuple[str | int, str | None, str | dict[str, str]] | None:
    """``(id, benchmark, text)`` when the record obviously matches :class:`PredictionRecord`, else ``None``."""
    item_id, benchmark, text = value.get("id"), value.get("benchmark"), value.get("text")
    if type(item_id) not in (str, int) or (benchmark is not None and type(benchmark) is not str):
        return None
    if type(text) is str or (type(text) is dict and all(type(k) is str and type(v) is str for k, v in text.items())):
        return item_id, benchmark, text  # type: ignore[return-value]
    return None


def _capped(text: str | dict[str, str]) -> tuple[str | dict[str, str], bool]:
    """``text`` with every answer cut to :data:`MAX_ANSWER_CHARS`, and whether anything was cut."""
    if isinstance(text, str):
        return (text[:MAX_ANSWER_CHARS], True) if len(text) > MAX_ANSWER_CHARS else (text, False)
    if all(len(v) <= MAX_ANSWER_CHARS for v in text.values()):
        return text, False
    return {k: v[:MAX_ANSWER_CHARS] for k, v in text.items()}, True


def _record(value: Any, where: str, default: CatalogEntry | None,
            entries: dict[str, CatalogEntry], truncated: dict[str, int]) -> tuple[str, Prediction]:
    if not isinstance(value, dict):
        raise PredictionsError(f"{where}: expected a JSON object with id and text, got {type(value).__name__}")
    fields = _plain_fields(value)  # fast path; pydantic describes whatever it does not accept
    if fields is None:
        try:
            record = PredictionRecord.model_validate(value)
        except ValidationError as exc:
            raise PredictionsError(f"{where}: {_describe(exc)}") from None
        fields = (record.id, record.benchmark, record.text)
    item_id, benchmark, text = fields
    if benchmark is not None:
        entry = entries.get(benchmark)
        if entry is None:
            entry = entries[benchmark] = _benchmark_entry(benchmark, f"{where}: benchmark")
    elif default is not None:
        entry = default
    else:
        raise PredictionsError(f"{where}: benchmark: missing; give each record a benchmark or pass --benchmark")
    _check_text(entry.name, text, where)
    text, cut = _capped(text)
    if cut:
        truncated[entry.name] = truncated.get(entry.name, 0) + 1
    return entry.name, Prediction(str(item_id), text, where)


def _loads_marking_duplicates(line: str, number: int, duplicates: dict[int, str]) -> Any:
    """A JSON line; a key repeated within one object is recorded in ``duplicates[number]`` (JSON keeps the last)."""
    try:
        return jsontext.loads(line, unique_keys=True)
    except json.JSONDecodeError as exc:
        if not exc.msg.startswith("duplicate key"):
            raise
        duplicates[number] = exc.msg.split("'")[1] if "'" in exc.msg else "?"
        return jsontext.loads(line)


def _jsonl(path: Path, f: BinaryIO, digest: Any, duplicates: dict[int, str]) -> Iterator[tuple[int, Any]]:
    """The records of a JSONL file read line by line (``digest`` is updated with every byte read); lines that
    repeat a key in one object are noted in ``duplicates``."""
    number = 0
    while True:
        raw = f.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        digest.update(raw)
        if len(raw) > MAX_LINE_BYTES:
            raise PredictionsError(f"{path}:{number}: line longer than {MAX_LINE_BYTES >> 20} MiB; a prediction "
                                   f"record must be shorter (answers are cut to {MAX_ANSWER_CHARS} characters anyway)")
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PredictionsError(f"{path}:{number}: not UTF-8 (byte 0x{raw[exc.start]:02x})") from None
        if number == 1:
            line = line.removeprefix("\ufeff")
        if not line.strip():
            continue
        try:
            yield number, _loads_marking_duplicates(line, number, duplicates)
        except json.JSONDecodeError as exc:
            raise PredictionsError(f"{path}:{number}: malformed JSON: {exc.msg} at column {exc.colno}") from None


def _json_array(path: Path, data: bytes) -> Iterator[tuple[int, Any]]:
    try:
        value = jsontext.loads(data.decode("utf-8").removeprefix("\ufeff"))
    except UnicodeDecodeError as exc:
        raise PredictionsError(f"{path}: not UTF-8 (byte offset {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise PredictionsError(f"{path}:{exc.lineno}: malformed JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(value, list):
        raise PredictionsError(f"{path}: expected a JSON array of answer records, found {type(value).__name__}")
    yield from enumerate(value)


def _looks_like_array(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"["


def _read_file(path: Path, default: CatalogEntry | None, into: dict[str, list[Prediction]],
               truncated: dict[str, int], repeated: dict[str, int]) -> tuple[str, bool]:
    """Add the predictions of one file to ``into``; returns the file's sha256 and whether it is a JSON array.

    ``truncated`` / ``repeated`` count per benchmark the answers cut to :data:`MAX_ANSWER_CHARS` and the LSP
    answers naming a joint twice (kept as an empty answer: counted as not parsed)."""
    digest = hashlib.sha256()
    duplicates: dict[int, str] = {}
    entries: dict[str, CatalogEntry] = {}
    try:
        with open(path, "rb") as f:
            array = path.suffix != ".jsonl" and _looks_like_array(f.read(4096))
            f.seek(0)
            if array:
                data = f.read()
                digest.update(data)
                items: Iterable[tuple[int, Any]] = _json_array(path, data)
                label = "[{}]"
            else:
                items = _jsonl(path, f, digest, duplicates)
                label = ":{}"
            for position, value in items:
                where = f"{path}{label.format(position)}"
                key = duplicates.get(position) if not array else None
                if key is not None and isinstance(value, dict) and key in ("id", "benchmark", "text"):
                    raise PredictionsError(f"{where}: the key {key!r} appears twice in the record; which one is "
                                           "meant is unclear")
                name, prediction = _record(value, where, default, entries, truncated)
                if key is not None and isinstance(prediction.text, dict):  # a joint named twice in an LSP answer
                    prediction = Prediction(prediction.id, {}, prediction.where)
                    repeated[name] = repeated.get(name, 0) + 1
                into.setdefault(name, []).append(prediction)
    except OSError as exc:
        raise PredictionsError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return digest.hexdigest(), array


def _entry_from_filename(path: Path) -> CatalogEntry | None:
    try:
        entry = resolve(path.name)
    except UnknownNameError:
        return None
    return entry if entry.is_benchmark else None


def _check_duplicates(by_benchmark: dict[str, list[Prediction]]) -> None:
    problems = []
    for name, predictions in by_benchmark.items():
        first: dict[str, str] = {}
        for p in predictions:
            if p.id in first:
                problems.append(f"{name} id {p.id!r} at {p.where} (first at {first[p.id]})")
            else:
                first[p.id] = p.where
    if problems:
        shown = "; ".join(problems[:_EXAMPLES])
        more = f" and {len(problems) - _EXAMPLES} more" if len(problems) > _EXAMPLES else ""
        raise PredictionsError(f"{len(problems)} duplicate prediction id(s): {shown}{more}")


def _read_folder(path: Path, only: CatalogEntry | None, warnings: list[str],
                 truncated: dict[str, int], repeated: dict[str, int]) -> tuple[dict, str]:
    files: dict[str, Path] = {}
    for child in sorted(path.iterdir()):
        if not child.is_file() or child.suffix not in (".json", ".jsonl"):
            continue
        entry = _entry_from_filename(child)
        if entry is None:
            warnings.append(f"{child}: not a LAMM answer file name ({{Task}}_{{Dataset}}.json); ignored")
            continue
        if only is not None and entry.name != only.name:
            continue
        if entry.name in files:
            kept, dropped = sorted([files[entry.name], child], key=lambda p: p.suffix != ".json")
            warnings.append(f"{dropped}: {entry.name} also has {kept.name}; using {kept.name}")
            files[entry.name] = kept
        else:
            files[entry.name] = child
    if not files:
        wanted = f"{only.name}.json" if only is not None else "{Task}_{Dataset}.json answer files"
        raise PredictionsError(f"{path}: no {wanted} found in this folder")
    by_benchmark: dict[str, list[Prediction]] = {}
    listing = hashlib.sha256()
    for name, file in files.items():
        digest, _ = _read_file(file, resolve(name), by_benchmark, truncated, repeated)
        listing.update(f"{file.name} {digest}\n".encode())
    return by_benchmark, listing.hexdigest()


def _only(by_benchmark: dict[str, list[Prediction]], only: CatalogEntry, option: str,
          warnings: list[str]) -> dict[str, list[Prediction]]:
    """The predictions of ``only``; those of other benchmarks are left out with a warning naming ``option``."""
    others = {name: len(p) for name, p in by_benchmark.items() if name != only.name}
    if others:
        listed = ", ".join(f"{n} ({c})" for n, c in sorted(others.items()))
        warnings.append(f"{option} {only.name}: left out predictions of other benchmarks: {listed}")
    return {only.name: by_benchmark.get(only.name, [])}


def _cut_warnings(truncated: Mapping[str, int], kept: Mapping[str, Any]) -> list[str]:
    """One warning per kept benchmark whose answers were cut to :data:`MAX_ANSWER_CHARS`."""
    return [f"{name}: {n} answer(s) longer than {MAX_ANSWER_CHARS:,} characters were cut to that length before "
            "scoring" for name, n in truncated.items() if name in kept]


def read_predictions(path: str | os.PathLike[str], benchmark: str | None = None) -> PredictionSet:
    """Read predictions from a JSONL file, a legacy answer folder or one legacy answer file.

    Args:
        path: the predictions.
        benchmark: canonical name or alias. Records without ``benchmark`` belong to it; records of other
            benchmarks are left out (with a warning), and in a folder only its file is read.

    Raises:
        PredictionsError: unreadable input, a malformed line, a record that does not match
            :class:`PredictionRecord`, an unknown benchmark, or duplicate ids within a benchmark.
    """
    path = Path(path)
    only = _benchmark_entry(benchmark, "--benchmark") if benchmark is not None else None
    warnings: list[str] = []
    truncated: dict[str, int] = {}
    repeated: dict[str, int] = {}
    if path.is_dir():
        by_benchmark, digest = _read_folder(path, only, warnings, truncated, repeated)
        source = {"kind": "legacy-dir", "path": str(path), "sha256": digest}
    elif path.is_file():
        default = only or _entry_from_filename(path)
        by_benchmark = {}
        digest, array = _read_file(path, default, by_benchmark, truncated, repeated)
        source = {"kind": "legacy-file" if array else "jsonl", "path": str(path), "sha256": digest}
    else:
        raise PredictionsError(f"{path}: no such file or folder")
    if only is not None:
        by_benchmark = _only(by_benchmark, only, "--benchmark", warnings)
    warnings += _cut_warnings(truncated, by_benchmark)
    warnings += [f"{name}: {n} answer(s) name a joint twice (JSON would keep the last); counted as not parsed"
                 for name, n in repeated.items() if name in by_benchmark]
    _check_duplicates(by_benchmark)
    return PredictionSet(by_benchmark, source, warnings, only.name if only is not None else None)


MEMORY = "<memory>"
"""``meta.input.path`` of a report scored from records given in memory."""


def predictions_from_records(records: Iterable[Mapping[str, Any]], benchmark: str | None = None) -> PredictionSet:
    """Predictions from records in memory: dicts shaped like :class:`PredictionRecord`, or anything iterating
    over such mappings (the rows of a ``datasets.Dataset``, a ``pandas`` ``to_dict("records")`` list).

    ``benchmark`` works as in :func:`read_predictions`. Errors name the record by its index (``predictions[3]``).

    Raises:
        PredictionsError: a record that does not match :class:`PredictionRecord`, an unknown benchmark, or
            duplicate ids within a benchmark.
    """
    if isinstance(records, (str, bytes, os.PathLike)):
        raise PredictionsError(f"{records!r}: a path; use read_predictions (or lamm_bench.score, which takes both)")
    only = _benchmark_entry(benchmark, "benchmark") if benchmark is not None else None
    by_benchmark: dict[str, list[Prediction]] = {}
    entries: dict[str, CatalogEntry] = {}
    truncated: dict[str, int] = {}
    for index, value in enumerate(records):
        record = dict(value) if isinstance(value, Mapping) else value
        name, prediction = _record(record, f"predictions[{index}]", only, entries, truncated)
        by_benchmark.setdefault(name, []).append(prediction)
    warnings: list[str] = []
    if only is not None:
        by_benchmark = _only(by_benchmark, only, "benchmark", warnings)
    warnings += _cut_warnings(truncated, by_benchmark)
    if not by_benchmark:
        raise PredictionsError("predictions: no records given")
    _check_duplicates(by_benchmark)
    digest = answers_sha256({name: [(p.id, p.text) for p in ps] for name, ps in by_benchmark.items()})
    return PredictionSet(by_benchmark, {"kind": "memory", "path": MEMORY, "sha256": digest}, warnings,
                         only.name if only is not None else None)
