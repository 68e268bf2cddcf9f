"""Write a scoring run's files: ``report.json`` + its bootstrap sidecar, and the diagnostics JSONL.

All files of a run are written to temporary names beside their targets and renamed into place only
once every one of them was written (:func:`write_outputs`), so a failed or interrupted run leaves no
half-written file and the previous run's files untouched.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from lamm_bench.report import DiagnosticsRef, SidecarRef, report_json
from lamm_bench.scoring import Scored
from lamm_bench.sidecar import sidecar_bytes
from lamm_data.atomic import write_bytes_atomic, write_files_atomic


def sidecar_path(report_path: str | os.PathLike[str]) -> Path:
    """``report.json`` -> ``report.bootstrap.npz`` beside it."""
    path = Path(report_path)
    return path.with_name(f"{path.stem}.bootstrap.npz")


def diagnostics_ref(report_path: str | os.PathLike[str], diagnostics: str | os.PathLike[str],
                    data: bytes | None = None) -> DiagnosticsRef:
    """Reference to a diagnostics file: its path relative to the report's folder and the sha256 of ``data``
    (default: of the file's bytes)."""
    target = Path(diagnostics).absolute()
    relative = os.path.relpath(target, Path(report_path).absolute().parent)
    digest = hashlib.sha256(target.read_bytes() if data is None else data).hexdigest()
    return DiagnosticsRef(file=Path(relative).as_posix(), sha256=digest)


def report_files(scored: Scored, path: str | os.PathLike[str], *, diagnostics: str | os.PathLike[str] | None = None,
                 diagnostics_data: bytes | None = None) -> dict[Path, bytes]:
    """The bytes of the sidecar and of ``report.json`` (recording the sidecar's and diagnostics' names and sha256),
    by target path; sets ``scored.report.meta.samples`` / ``.diagnostics``."""
    side = sidecar_path(path)
    data = sidecar_bytes(scored.estimators)
    scored.report.meta.samples = SidecarRef(file=side.name, sha256=hashlib.sha256(data).hexdigest())
    if diagnostics is not None:
        scored.report.meta.diagnostics = diagnostics_ref(path, diagnostics, diagnostics_data)
    return {side: data, Path(path): report_json(scored.report).encode("utf-8")}


def write_report(scored: Scored, path: str | os.PathLike[str], *,
                 diagnostics: str | os.PathLike[str] | None = None) -> Path:
    """Write the sidecar and ``report.json`` (both or neither) and return the report path.

    ``diagnostics``: a diagnostics file already written by this run, recorded in ``meta.diagnostics``.

    Raises:
        OutputError: a file cannot be written (nothing was replaced).
    """
    write_files_atomic(report_files(scored, path, diagnostics=diagnostics))
    return Path(path)


def write_outputs(scored: Scored, *, report: str | os.PathLike[str] | None = None,
                  diagnostics: str | os.PathLike[str] | None = None) -> None:
    """Write the diagnostics JSONL and/or the report with its sidecar: all of them or none.

    Raises:
        OutputError: a file cannot be written; no target was replaced (the previous run's files stay).
    """
    files: dict[Path, bytes] = {}
    data = None
    if diagnostics is not None:
        data = files[Path(diagnostics)] = diagnostics_bytes(scored)
    if report is not None:
        files.update(report_files(scored, report, diagnostics=diagnostics, diagnostics_data=data))
    write_files_atomic(files)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _finite(value: Any) -> Any:
    """``value`` with every NaN or infinity replaced by ``None`` (JSON has no such numbers)."""
    if isinstance(value, np.generic | np.ndarray):
        value = _plain(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _line(record: dict[str, Any]) -> bytes:
    """One strict JSON line (UTF-8). Rarely needed fallback: a non-finite number (from an absurd answer such as
    ``[1e308, 0.5]``) becomes ``null``, and an answer holding a lone surrogate (``"\\ud800"`` in the input JSON,
    not valid Unicode) is written with ``\\u`` escapes, which read back as the same text."""
    try:
        return json.dumps(record, ensure_ascii=False, allow_nan=False, default=_plain).encode("utf-8")
    except ValueError:  # NaN/infinity, or UnicodeEncodeError (a ValueError) for a lone surrogate
        return json.dumps(_finite(record), allow_nan=False, default=_plain).encode("ascii")


def diagnostics_bytes(scored: Scored) -> bytes:
    """The diagnostics JSONL: one strict JSON line per sample (every benchmark, ground-truth order)."""
    return b"".join(_line(record.as_dict()) + b"\n" for record in scored.sample_records())


def write_diagnostics(scored: Scored, path: str | os.PathLike[str]) -> int:
    """Write one JSON line per sample (every benchmark, ground-truth order); returns the number of lines.

    Lines are strict JSON: undefined numbers are ``null``.
    """
    data = diagnostics_bytes(scored)
    write_bytes_atomic(Path(path), data)
    return data.count(b"\n")
