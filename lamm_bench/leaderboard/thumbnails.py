"""Inline pictures of samples: a downscaled JPEG (base64) inside an SVG, with the ground truth and the
parsed answer drawn over it.

Images are read with Pillow and shrunk to at most :data:`SIZE` pixels a side. Point clouds are drawn
from above (x right, y up, shaded by height z) on a square canvas. Overlays: ground truth in green,
what was parsed from the answer in red; 2D boxes and points are normalised ``[0, 1]`` image
coordinates (LSP joints and FSC147 points are stored in pixels and divided by the image size), 3D boxes
``[cx, cy, cz, l, w, h]`` in metres are drawn as their top-down rectangles.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from lamm_bench.diagnostics import (
    CountingDiagnostics,
    DetectionDiagnostics,
    GroundingDiagnostics,
    KeypointsDiagnostics,
    LocatingBoxesDiagnostics,
    LocatingPersonDiagnostics,
    LocatingPointsDiagnostics,
)
from lamm_bench.leaderboard.samples import Sample
from lamm_data.media import MediaError, load_point_cloud

SIZE = 200
"""Longest side of a thumbnail in pixels."""
MIN_DISPLAY = 140
"""Smaller pictures (CIFAR10 is 32 × 32) are displayed enlarged to this longest side."""
GT, PRED = "#1a9850", "#d73027"

Point = Callable[[float, float], tuple[float, float]]
"""Maps overlay coordinates to thumbnail pixels."""


@dataclass(frozen=True)
class Picture:
    """A thumbnail as a data URI, its size, and the map from overlay coordinates to its pixels."""

    uri: str
    width: int
    height: int
    to_pixels: Point
    source_size: tuple[int, int] | None = None
    """Original image size in pixels (2D only)."""


def _jpeg_uri(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=72, optimize=True)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def image_picture(path: Path) -> Picture:
    """A downscaled image; overlay coordinates are normalised ``(x, y)`` in [0, 1]."""
    with Image.open(path) as image:
        source = image.size
        image.thumbnail((SIZE, SIZE), Image.Resampling.LANCZOS)
        w, h = image.size
        uri = _jpeg_uri(image)
    return Picture(uri, w, h, lambda x, y: (x * w, y * h), source)


def cloud_picture(path: Path, max_points: int = 40_000) -> Picture:
    """A top-down view of a point cloud; overlay coordinates are ``(x, y)`` in metres."""
    points = load_point_cloud(path)[:, :3]
    if len(points) > max_points:
        points = points[:: len(points) // max_points + 1]
    if not len(points):
        raise MediaError(f"{path}: the point cloud is empty")
    lo, hi = points[:, :2].min(axis=0), points[:, :2].max(axis=0)
    margin = 4
    scale = (SIZE - 2 * margin) / (float(max(hi - lo)) or 1.0)
    width, height = (int(np.ceil(float(s) * scale)) + 2 * margin for s in hi - lo)

    def to_pixels(x: Any, y: Any) -> tuple[Any, Any]:  # floats or arrays
        return margin + (x - lo[0]) * scale, height - margin - (y - lo[1]) * scale

    order = np.argsort(points[:, 2])
    xy = np.stack(to_pixels(points[order, 0], points[order, 1]), axis=1).astype(int)
    xy = xy.clip(0, [width - 2, height - 2])
    z = points[order, 2]
    shade = (200 - 170 * (z - z.min()) / (np.ptp(z) or 1.0)).astype(np.uint8)
    canvas = np.full((height, width, 3), 255, dtype=np.uint8)
    for dy in (0, 1):
        for dx in (0, 1):
            canvas[xy[:, 1] + dy, xy[:, 0] + dx] = shade[:, None]
    return Picture(_jpeg_uri(Image.fromarray(canvas)), width, height, to_pixels)


def _drawable(*values: float) -> bool:
    """Whether pixel coordinates are finite (an absurd parsed value such as ``1e308`` overflows: not drawn)."""
    return all(math.isfinite(v) for v in values)


def _rect(p: Point, x1: float, y1: float, x2: float, y2: float, color: str, dashed: bool = False) -> str:
    (ax, ay), (bx, by) = p(x1, y1), p(x2, y2)
    if not _drawable(ax, ay, bx, by):
        return ""
    dash = ' stroke-dasharray="4 2"' if dashed else ""
    return (f'<rect x="{min(ax, bx):.1f}" y="{min(ay, by):.1f}" width="{abs(bx - ax):.1f}" '
            f'height="{abs(by - ay):.1f}" fill="none" stroke="{color}" stroke-width="2"{dash}/>')


def _dot(p: Point, x: float, y: float, color: str) -> str:
    cx, cy = p(x, y)
    if not _drawable(cx, cy):
        return ""
    return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="{color}" stroke="#fff" stroke-width="1"/>'


def _top_down(p: Point, box: Sequence[float], color: str, dashed: bool = False) -> str:
    cx, cy, _, lx, ly, _ = box
    return _rect(p, cx - abs(lx) / 2, cy - abs(ly) / 2, cx + abs(lx) / 2, cy + abs(ly) / 2, color, dashed)


def _pixels_to_unit(points: Sequence[Sequence[float]], size: tuple[int, int]) -> list[tuple[float, float]]:
    return [(pt[0] / size[0], pt[1] / size[1]) for pt in points]


def _overlays(sample: Sample, picture: Picture) -> list[str]:
    """Ground truth (green) and parsed answer (red) of the record kinds that have geometry."""
    record, p = sample.record, picture.to_pixels
    parsed: dict[str, Any] = record.parsed or {}
    shapes: list[str] = []
    if isinstance(record, DetectionDiagnostics | LocatingBoxesDiagnostics):
        objects = record.ground_truth or []
        if any(len(o["bbox"]) == 6 for o in objects):  # 3D: top-down rectangles
            shapes += [_top_down(p, o["bbox"], GT) for o in objects if len(o["bbox"]) == 6]
            shapes += [_top_down(p, b, PRED, dashed=True) for b in parsed.get("boxes") or [] if b and len(b) == 6]
        else:
            shapes += [_rect(p, *o["bbox"], GT) for o in objects if len(o["bbox"]) == 4]
            shapes += [_rect(p, *b, PRED, dashed=True) for b in parsed.get("boxes") or [] if len(b) == 4]
    elif isinstance(record, GroundingDiagnostics):
        shapes += [_top_down(p, b, GT) for b in [record.ground_truth or []] if len(b) == 6]
        shapes += [_top_down(p, b, PRED, dashed=True) for b in [parsed.get("box")] if b and len(b) == 6]
    elif isinstance(record, LocatingPersonDiagnostics) and record.person_box_px and picture.source_size:
        box = record.person_box_px
        (x1, y1), (x2, y2) = _pixels_to_unit([box[:2], box[2:]], picture.source_size)
        shapes.append(_rect(p, x1, y1, x2, y2, GT))
    elif isinstance(record, KeypointsDiagnostics) and sample.item is not None and picture.source_size:
        truth = _pixels_to_unit(sample.item["gt_joints"], picture.source_size)
        for joint, (gx, gy) in zip(parsed.get("joints") or [], truth, strict=False):
            if joint.get("point"):
                (ax, ay), (bx, by) = p(gx, gy), p(*joint["point"][:2])
                if _drawable(ax, ay, bx, by):
                    shapes.append(f'<line x1="{ax:.1f}" y1="{ay:.1f}" x2="{bx:.1f}" y2="{by:.1f}" '
                                  f'stroke="{PRED}"/>')
        shapes += [_dot(p, x, y, GT) for x, y in truth]
        shapes += [_dot(p, *j["point"][:2], PRED) for j in parsed.get("joints") or [] if j.get("point")]
    elif isinstance(record, LocatingPointsDiagnostics | CountingDiagnostics) and sample.item is not None \
            and sample.item.get("points") and picture.source_size:
        shapes += [_dot(p, pt[0], pt[1], GT) for pt in _pixels_to_unit(sample.item["points"], picture.source_size)]
    if isinstance(record, LocatingBoxesDiagnostics | LocatingPersonDiagnostics | LocatingPointsDiagnostics):
        shapes += [_dot(p, *pt[:2], PRED) for pt in parsed.get("points") or [] if len(pt) >= 2]
    return shapes


def sample_picture(sample: Sample) -> str:
    """An ``<svg>`` with the sample's thumbnail and overlays (by its diagnostics kind), or a short note when there
    is no picture."""
    if sample.media is None:
        return '<div class="no-picture">no picture</div>'
    try:
        picture = cloud_picture(sample.media) if sample.media.suffix == ".npy" else image_picture(sample.media)
    except (OSError, UnidentifiedImageError, MediaError, ValueError) as exc:
        reason = "file not found" if isinstance(exc, FileNotFoundError) else "cannot be read"
        return f'<div class="no-picture">{escape(sample.media.name)}: {reason}</div>'
    with np.errstate(over="ignore", invalid="ignore"):  # absurd parsed values overflow; _drawable skips them
        shapes = "".join(_overlays(sample, picture))
    zoom = max(1.0, MIN_DISPLAY / max(picture.width, picture.height))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="thumb" width="{picture.width * zoom:.0f}" '
            f'height="{picture.height * zoom:.0f}" '
            f'viewBox="0 0 {picture.width} {picture.height}" role="img" aria-label="{escape(sample.media.name)}">'
            f'<image href="{picture.uri}" width="{picture.width}" height="{picture.height}"/>{shapes}</svg>')
