"""The inputs of ``lamm-bench report``: reports, the model name of each, and their diagnostics files.

Model names: ``--name`` (one per report, in order) or else the report's file stem; a report named
``report.json`` takes the name of its folder (``runs/llava/report.json`` is ``llava``). Two reports
may not share a name.

Diagnostics: the file a ``lamm-bench score --out R --diagnostics D`` run recorded in ``meta.diagnostics``
is found automatically. A file given with ``--diagnostics`` is attached to the report that recorded
its sha256, or else to the report whose predictions it holds (the ``(benchmark, id, text)`` digest
equals ``meta.input.predictions_sha256``); a file matching no report is an error.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from lamm_bench.benchmarks.registry import get_spec
from lamm_bench.diagnostics import DiagnosticsRecord, read_record
from lamm_bench.errors import ReportError
from lamm_bench.predictions import answers_sha256
from lamm_bench.report import Report, read_report
from lamm_data import jsontext
from lamm_data.errors import LammError


@dataclass(frozen=True)
class Run:
    """One model's scoring run: its name, report and (optional) diagnostics file."""

    name: str
    path: Path
    report: Report
    diagnostics: Path | None = None
    notes: tuple[str, ...] = ()
    """Problems worth showing (a recorded diagnostics file that is gone)."""


def default_name(path: Path) -> str:
    """``runs/llava.json`` -> ``llava``; ``runs/llava/report.json`` -> ``llava``."""
    path = Path(path)
    if path.stem == "report" and path.absolute().parent.name:
        return path.absolute().parent.name
    return path.stem


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise ReportError(f"{path}: cannot read: {exc.strerror or exc}") from None


def iter_diagnostics(path: str | os.PathLike[str]) -> Iterator[DiagnosticsRecord]:
    """Records of a diagnostics JSONL file (``lamm-bench score --diagnostics``), each as its benchmark's
    diagnostics kind (the spec's; the base kind for a benchmark this process has no spec for).

    Raises:
        ReportError: unreadable file, a line that is not a JSON object, one without ``benchmark``, ``index``
            and ``missing``, or a field of the wrong type (the message names the file and line).
    """
    kinds: dict[str, type[DiagnosticsRecord]] = {}
    try:
        with open(path, encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if line.strip():
                    yield _record(path, number, line, kinds)
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path}: cannot read diagnostics: {getattr(exc, 'strerror', None) or exc}") from None


def _kind(benchmark: Any, kinds: dict[str, type[DiagnosticsRecord]]) -> type[DiagnosticsRecord]:
    if not isinstance(benchmark, str):
        return DiagnosticsRecord
    found = kinds.get(benchmark)
    if found is None:
        try:
            found = get_spec(benchmark).diagnostics
        except LammError:
            found = DiagnosticsRecord
        kinds[benchmark] = found
    return found


def _record(path: str | os.PathLike[str], number: int, line: str,
            kinds: dict[str, type[DiagnosticsRecord]]) -> DiagnosticsRecord:
    try:
        raw = jsontext.loads(line)
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}:{number}: not JSON: {exc.msg}") from None
    if not isinstance(raw, dict) or not {"benchmark", "index", "missing"} <= raw.keys():
        raise ReportError(f"{path}:{number}: not a lamm-bench diagnostics record (expected an object with "
                          "'benchmark', 'index' and 'missing')")
    try:
        return read_record(raw, _kind(raw["benchmark"], kinds))
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(x) for x in first["loc"]) or "record"
        raise ReportError(f"{path}:{number}: {where}: {first['msg']}") from None


def predictions_digest(path: str | os.PathLike[str]) -> str | None:
    """The ``(benchmark, id, text)`` digest of the answers in a diagnostics file, as
    :meth:`lamm_bench.predictions.PredictionSet.canonical_sha256` computes it for predictions;
    ``None`` when the answers were joined by position (records without ids)."""
    answers: dict[str, list[tuple[str, Any]]] = {}
    for record in iter_diagnostics(path):
        if record.missing:
            continue
        if record.id is None:
            return None
        answers.setdefault(record.benchmark, []).append((str(record.id), record.text))
    return answers_sha256(answers)


def recorded_diagnostics(path: Path, report: Report) -> tuple[Path | None, str | None]:
    """The diagnostics file a report recorded if it is still there unchanged, else a note saying why not.

    Raises:
        ReportError: the recorded file exists but its sha256 differs (it belongs to another run).
    """
    ref = report.meta.diagnostics
    if ref is None:
        return None, None
    found = path.parent / ref.file
    if not found.is_file():
        return None, f"{path}: its diagnostics file {found} is not there; failed samples are not shown"
    if _sha256(found) != ref.sha256:
        raise ReportError(f"{found}: diagnostics recorded by {path} have changed since (sha256 differs); score again "
                          "or pass the right file with --diagnostics")
    return found, None


def data_differences(runs: Sequence[Run]) -> list[str]:
    """Benchmarks that the runs scored against different ground truth (meta file sha256 differs)."""
    notes = []
    seen: dict[str, dict[str, list[str]]] = {}
    for run in runs:
        for name, entry in run.report.meta.data.benchmarks.items():
            seen.setdefault(name, {}).setdefault(entry.sha256, []).append(run.name)
    for name, groups in seen.items():
        if len(groups) > 1:
            parts = "; ".join(", ".join(models) for models in groups.values())
            notes.append(f"{name}: the models were scored on different ground truth ({parts}); their numbers are not "
                         "comparable")
    return notes


def _names(paths: Sequence[Path], names: Sequence[str]) -> list[str]:
    if names and len(names) != len(paths):
        raise ReportError(f"--name given {len(names)} time(s) for {len(paths)} report(s); give one name per report, "
                          "in the order of the reports")
    chosen = list(names) or [default_name(p) for p in paths]
    seen: dict[str, Path] = {}
    for name, path in zip(chosen, paths, strict=True):
        if not name.strip():
            raise ReportError(f"{path}: empty model name; pass --name")
        if name in seen:
            raise ReportError(f"{seen[name]} and {path} would both be called {name!r}; pass --name once per report")
        seen[name] = path
    return chosen


def _attach(runs: list[Run], extra: Sequence[Path]) -> list[Run]:
    by_file: dict[str, int] = {}
    by_predictions: dict[str, int] = {}
    for i, run in enumerate(runs):
        if run.report.meta.diagnostics is not None:
            by_file.setdefault(run.report.meta.diagnostics.sha256, i)
        by_predictions.setdefault(run.report.meta.input.predictions_sha256, i)
    attached = {i: run.diagnostics for i, run in enumerate(runs)}
    for path in extra:
        index = by_file.get(_sha256(path))
        if index is None:
            index = by_predictions.get(predictions_digest(path) or "")
        if index is None:
            raise ReportError(f"{path}: these diagnostics belong to none of the reports (neither recorded by one nor "
                              "holding the same predictions); pass the diagnostics of the reports given")
        if attached[index] is not None and attached[index] != path:
            raise ReportError(f"{path}: report {runs[index].path} already has diagnostics {attached[index]}")
        attached[index] = path
    return [Run(r.name, r.path, r.report, attached[i], r.notes if attached[i] is None else ())
            for i, r in enumerate(runs)]


def load_runs(paths: Sequence[str | os.PathLike[str]], *, names: Sequence[str] = (),
              diagnostics: Sequence[str | os.PathLike[str]] = ()) -> list[Run]:
    """Read the reports, name them and attach their diagnostics (see the module docstring).

    Raises:
        ReportError: an unreadable or invalid report, a name clash, or diagnostics that match no report.
    """
    if not paths:
        raise ReportError("no reports given")
    report_paths = [Path(p) for p in paths]
    chosen = _names(report_paths, names)
    runs = []
    for name, path in zip(chosen, report_paths, strict=True):
        report = read_report(path)
        found, note = recorded_diagnostics(path, report)
        runs.append(Run(name, path, report, found, (note,) if note else ()))
    return _attach(runs, [Path(d) for d in diagnostics])
