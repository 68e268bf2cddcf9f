"""One pass over a diagnostics file: failure counts, the first failed samples, and per-sample plot data.

A sample failed when its answer is missing, was not parsed, or is marked ``correct: false`` (captions
have no per-sample correctness: only their missing and unparsed answers count). The samples shown are
the first ``limit`` failures of each benchmark in ground-truth order, so a page is reproducible. Their
question and media path come from the benchmark's meta file under the LAMM root (the diagnostics file
holds neither); an item whose id differs from the diagnostics' means the meta file is not the one
scored, and then no question or picture is shown for that benchmark, with a note saying so.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lamm_bench.diagnostics import DetectionDiagnostics, DiagnosticsRecord, GroundingDiagnostics, KeypointsDiagnostics
from lamm_bench.leaderboard.runs import iter_diagnostics
from lamm_bench.metrics.iou import iou_matrix_2d, iou_matrix_3d
from lamm_bench.metrics.pck import PCK_ALPHA
from lamm_data.catalog import resolve
from lamm_data.columns import read_columns
from lamm_data.errors import LammError
from lamm_data.schemas import media_field


def failure_reason(record: DiagnosticsRecord) -> str | None:
    """Why a diagnostics record counts as failed (``None``: it did not)."""
    if record.missing:
        return "no answer"
    if record.parse_failure:
        return f"not parsed: {record.parse_failure}"
    if record.field("correct") is False:
        return "wrong"
    return None


@dataclass
class Sample:
    """A failed sample: the diagnostics record plus, when available, its meta item (``id`` and the record's
    fields by name, as :func:`lamm_data.columns.read_columns` reads them) and media path."""

    record: DiagnosticsRecord
    reason: str
    item: Mapping[str, Any] | None = None
    media: Path | None = None

    @property
    def question(self) -> str | None:
        """The benchmark query shown to the model."""
        return None if self.item is None else self.item.get("query")


@dataclass
class BenchmarkSamples:
    """Diagnostics of one benchmark for one model."""

    benchmark: str
    total: int = 0
    missing: int = 0
    unparsed: int = 0
    failed: int = 0
    shown: list[Sample] = field(default_factory=list)
    ious: list[float] = field(default_factory=list)
    joint_distances: list[float | None] = field(default_factory=list)
    """LSP: distance of each joint's point in units of the person scale (``None``: no point)."""
    note: str | None = None


def _ious(record: DiagnosticsRecord) -> list[float] | None:
    """Best IoU per ground-truth object (detection) or of the one box (grounding); ``None``: no IoU for this kind."""
    if isinstance(record, GroundingDiagnostics):
        return [] if record.missing else [float(record.iou or 0.0)]
    if not isinstance(record, DetectionDiagnostics):
        return None
    if record.missing:
        return []
    gt = [o["bbox"] for o in record.ground_truth or []]
    if not gt:
        return []
    width = len(gt[0])  # 4 (2D) or 6 (3D); a box of another length cannot overlap these
    gt = [box for box in gt if len(box) == width]
    boxes = [box for box in (record.parsed or {}).get("boxes") or [] if len(box) == width]
    if not boxes:
        return [0.0] * len(gt)
    with np.errstate(over="ignore", invalid="ignore"):  # absurd parsed values such as 1e308 overflow
        matrix = (iou_matrix_3d if len(gt[0]) == 6 else iou_matrix_2d)(np.array(boxes), np.array(gt))
    return matrix.max(axis=0).tolist()


def _joint_distances(record: KeypointsDiagnostics) -> list[float | None]:
    joints = (record.parsed or {}).get("joints") or []
    threshold = record.threshold_px
    if not joints or not threshold:
        return []
    scale = threshold / PCK_ALPHA
    return [None if j.get("distance_px") is None else j["distance_px"] / scale for j in joints]


def summarize(records: Iterable[DiagnosticsRecord], *, limit: int) -> dict[str, BenchmarkSamples]:
    """Counts, the first ``limit`` failures and the plot data of each benchmark, in file order."""
    out: dict[str, BenchmarkSamples] = {}
    for record in records:
        name = record.benchmark
        summary = out.setdefault(name, BenchmarkSamples(name))
        summary.total += 1
        summary.missing += bool(record.missing)
        summary.unparsed += bool(record.parse_failure) and not record.missing
        reason = failure_reason(record)
        if reason is not None:
            summary.failed += 1
            if len(summary.shown) < limit:
                summary.shown.append(Sample(record, reason))
        ious = _ious(record)
        if ious is not None:
            summary.ious.extend(ious)
        if isinstance(record, KeypointsDiagnostics):
            summary.joint_distances.extend(_joint_distances(record))
    return out


def _inside(path: Path, boundary: Path) -> bool:
    """Whether ``path`` really lies inside ``boundary`` once symbolic links are followed."""
    try:
        target, limit = path.resolve(), boundary.resolve()
    except (OSError, RuntimeError):
        return False
    return target == limit or target.is_relative_to(limit)


def _attach_items(summary: BenchmarkSamples, root: Path, follow_symlinks: bool = False) -> None:
    if not summary.shown:
        return
    if not root.is_dir():
        summary.note = f"questions and pictures unavailable: no LAMM root at {root} (pass --root ROOT)"
        return
    try:
        model = resolve(summary.benchmark).record_model
        media = media_field(model)
        data = read_columns(summary.benchmark, root, [f for f in model.model_fields if f not in ("id", media)])
    except (LammError, OSError) as exc:
        summary.note = f"questions and pictures unavailable: {exc}"
        return
    for sample in summary.shown:
        index, item_id = sample.record.index, sample.record.id
        found = data.ids[index] if 0 <= index < len(data) else None
        if not 0 <= index < len(data) or (item_id is not None and str(found) != str(item_id)):
            summary.note = (f"questions and pictures unavailable: {data.meta} is not the file that was scored "
                            f"(item {index} is {found!r}, the diagnostics say {item_id!r})")
            for s in summary.shown:
                s.item = s.media = None
            return
        sample.item = {"id": found, **{name: values[index] for name, values in data.values.items()}}
        sample.media = data.split_dir / data.media[index]
        if not follow_symlinks and not _inside(sample.media, data.split_dir):
            summary.note = (f"pictures of media linking outside {data.split_dir} are not shown (pass "
                            "--follow-symlinks to show them)")
            sample.media = None


def read_samples(diagnostics: str | os.PathLike[str], root: str | os.PathLike[str] | None, *,
                 limit: int = 24, follow_symlinks: bool = False) -> dict[str, BenchmarkSamples]:
    """Summarize a diagnostics file and look up the question and media of the failed samples shown.

    ``root`` is the LAMM root holding the meta files and media (``None``: no questions or pictures). A media
    file that is a symbolic link leading outside its split folder is not shown unless ``follow_symlinks``.

    Raises:
        ReportError: the diagnostics file is unreadable or not in the diagnostics format.
    """
    summaries = summarize(iter_diagnostics(diagnostics), limit=limit)
    if root is not None:
        for summary in summaries.values():
            _attach_items(summary, Path(root), follow_symlinks)
    return summaries
