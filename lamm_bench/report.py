"""The ``report.json`` contract (pydantic models) and reading of reports.

Shape::

    {"results": {"<canonical benchmark>": {"lamm": {...}, "metrics": {...}, "ci95": {name: [low, high]},
                                            "n": int, "missing": int, "unparsed": int}},
     "meta": {"package", "version", "input": {...}, "data": {...}, "seed", "resamples", "ci_level",
              "samples": {"file", "sha256"} | null, "diagnostics": {"file", "sha256"} | null, "warnings": [...],
              "fingerprint": {...} | null, "not_predicted": {"<benchmark>": "<why>"}}}

``lamm`` values are percent except Counting_FSC147's raw MAE; ``metrics`` values are fractions except
MAE/RMSE (objects). ``ci95`` keys are metric names, and ``lamm.<name>`` for the ``lamm`` block. A value
is ``null`` where it is undefined (nothing to average). ``meta.samples`` names the bootstrap sidecar
(:mod:`lamm_bench.sidecar`) that ``lamm-bench compare`` uses for paired intervals; ``meta.diagnostics``
names the per-sample diagnostics JSONL written by the same run (``lamm-bench report`` reads it).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lamm_bench.errors import ReportError

_STRICT = ConfigDict(extra="forbid")


class BenchmarkResult(BaseModel):
    """One benchmark's numbers."""

    model_config = _STRICT
    lamm: dict[str, float | None] = Field(description="The original LAMM evaluator's numbers (percent; "
                                                      "Counting raw).")
    metrics: dict[str, float | None] = Field(description="Honest metrics (docs/metrics.md).")
    ci95: dict[str, tuple[float, float] | None] = Field(description="Bootstrap 95% percentile intervals.")
    n: int = Field(description="Ground-truth items.")
    missing: int = Field(description="Items without a prediction (counted as wrong).")
    unparsed: int = Field(description="Answers the honest parser could not read.")


class InputInfo(BaseModel):
    """Which predictions were scored."""

    model_config = _STRICT
    kind: Literal["jsonl", "legacy-dir", "legacy-file", "memory"]
    path: str = Field(description="The file or folder read ('<memory>' for records given from Python).")
    sha256: str = Field(description="sha256 of the bytes read (a folder: of its 'name sha256' listing; in memory: "
                                   "predictions_sha256).")
    predictions_sha256: str = Field(description="sha256 of the predictions themselves (benchmark, id, text), "
                                                "the same for a legacy folder and the equivalent JSONL.")


class DataEntry(BaseModel):
    """Which ground truth one benchmark was scored against."""

    model_config = _STRICT
    file: str
    sha256: str
    items: int
    source: Literal["meta", "arrow"]
    join: Literal["id", "position"]


class DataManifest(BaseModel):
    """The ground truth used, per benchmark."""

    model_config = _STRICT
    root: str
    benchmarks: dict[str, DataEntry]


class SidecarRef(BaseModel):
    """The bootstrap sidecar written beside the report."""

    model_config = _STRICT
    file: str = Field(description="File name, relative to the report's folder.")
    sha256: str


class DiagnosticsRef(BaseModel):
    """The per-sample diagnostics JSONL written by the same ``lamm-bench score`` run."""

    model_config = _STRICT
    file: str = Field(description="Path relative to the report's folder (POSIX separators).")
    sha256: str


class Meta(BaseModel):
    """Provenance of a report."""

    model_config = _STRICT
    package: str = "lamm-toolkit"
    version: str
    input: InputInfo
    data: DataManifest
    seed: int
    resamples: int
    ci_level: float = 0.95
    samples: SidecarRef | None = None
    diagnostics: DiagnosticsRef | None = None
    warnings: list[str] = Field(default_factory=list)
    fingerprint: dict[str, Any] | None = Field(None, description="What the predictions were made with: the "
                                               "`<predictions>.fingerprint.json` sidecar of `lamm-model predict`.")
    not_predicted: dict[str, str] = Field(default_factory=dict, description="Benchmarks the model was not run on "
                                          "(from the fingerprint), with the reason; they are missing, not scored.")


class Report(BaseModel):
    """A scoring report (``report.json``)."""

    model_config = _STRICT
    results: dict[str, BenchmarkResult]
    meta: Meta


def report_json(report: Report) -> str:
    """The report as indented JSON text."""
    return json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def read_report(path: str | os.PathLike[str]) -> Report:
    """Read and validate a ``report.json``.

    Raises:
        ReportError: unreadable, not JSON, or not matching the contract (the message says where).
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ReportError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        report = Report.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(x) for x in first["loc"])
        raise ReportError(f"{path}: not a lamm-bench report: {where}: {first['msg']}") from None
    for name, result in report.results.items():  # JSON has no NaN or Infinity: a report never holds them
        for block in ("lamm", "metrics", "ci95"):
            for key, value in getattr(result, block).items():
                if value is not None and not all(math.isfinite(v) for v in (value if block == "ci95" else [value])):
                    raise ReportError(f"{path}: not a lamm-bench report: results.{name}.{block}.{key}: {value} is "
                                      "not a finite number (undefined values are null)")
    return report
