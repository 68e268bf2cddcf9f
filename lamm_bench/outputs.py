"""Write a scoring run's files: ``report.json`` + its bootstrap sidecar, and the diagnostics JSONL.

Each file is written to a temporary name beside its target and renamed into place, so an interrupted
run leaves no half-written file.
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
from lamm_data.atomic import write_bytes_atomic


def sidecar_path(report_path: str | os.PathLike[str]) -> Path:
    """``report.json`` -> ``report.bootstrap.npz`` beside it."""
    path = Path(report_path)
    return path.with_name(f"{path.stem}.bootstrap.npz")


def diagnostics_ref(report_path: str | os.PathLike[str], diagnostics: str | os.PathLike[str]) -> DiagnosticsRef:
    """Reference to a written diagnostics file: its path relative to the report's folder and its sha256."""
    target = Path(diagnostics).absolute()
    relative = os.path.relpath(target, Path(report_path).absolute().parent)
    return DiagnosticsRef(file=Path(relative).as_posix(), sha256=hashlib.sha256(target.read_bytes()).hexdigest())


def write_report(scored: Scored, path: str | os.PathLike[str], *,
                 diagnostics: str | os.PathLike[str] | None = None) -> Path:
    """Write the sidecar, then ``report.json`` recording the sidecar's name and sha256. Returns the report path.

    ``diagnostics``: a diagnostics file already written by this run, recorded in ``meta.diagnostics``.
    """
    side = sidecar_path(path)
    data = sidecar_bytes(scored.estimators)
    scored.report.meta.samples = SidecarRef(file=side.name, sha256=hashlib.sha256(data).hexdigest())
    if diagnostics is not None:
        scored.report.meta.diagnostics = diagnostics_ref(path, diagnostics)
    text = report_json(scored.report).encode("utf-8")
    write_bytes_atomic(side, data)
    try:
        write_bytes_atomic(Path(path), text)
    except BaseException:
        side.unlink(missing_ok=True)  # no sidecar without its report
        raise
    return Path(path)


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


def write_diagnostics(scored: Scored, path: str | os.PathLike[str]) -> int:
    """Write one JSON line per sample (every benchmark, ground-truth order); returns the number of lines.

    Lines are strict JSON: undefined numbers are ``null``.
    """
    lines = [_line(record.as_dict()) for record in scored.sample_records()]
    write_bytes_atomic(Path(path), b"".join(line + b"\n" for line in lines))
    return len(lines)
