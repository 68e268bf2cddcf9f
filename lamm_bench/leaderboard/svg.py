"""Two inline SVG charts, written as text: grouped horizontal bars with interval whiskers, and histograms.

No plotting library: the page must stay a single self-contained file, and these two shapes are all it
needs. Sizes are CSS pixels; the value axis always starts at 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
"""Okabe-Ito colours (distinguishable with colour-vision deficiencies), one per model."""
_FONT = 'font-family="system-ui, sans-serif" font-size="11"'


@dataclass(frozen=True)
class Series:
    """One model's values, one per category (``None``: no value); ``marker`` draws diamonds, not bars."""

    name: str
    values: Sequence[float | None]
    intervals: Sequence[tuple[float, float] | None] = ()
    color: str = PALETTE[0]
    marker: bool = False


def color(index: int) -> str:
    """Colour of the ``index``-th model."""
    return PALETTE[index % len(PALETTE)]


def nice_max(value: float) -> float:
    """Smallest 1, 2, 2.5 or 5 × 10^k at or above ``value`` (at least 1e-9)."""
    value = max(value, 1e-9)
    base = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * base >= value * (1 - 1e-12):
            return step * base
    return 10 * base


def nice_ticks(value: float, at_least: float = 0.0) -> tuple[float, float]:
    """``(top, step)`` of a value axis from 0: the step is 1, 2 or 5 × 10^k, giving 3 to 6 intervals, and ``top``
    is the first multiple of the step at or above ``value`` and ``at_least`` (250 -> ticks every 50, not 62.5)."""
    target = max(value, at_least)
    if target <= 0:
        return 1.0, 0.2
    for exponent in range(math.floor(math.log10(target)) - 1, math.floor(math.log10(target)) + 2):
        for unit in (1, 2, 5):
            step = unit * 10.0 ** exponent
            intervals = math.ceil(target / step * (1 - 1e-12))
            if intervals <= 6:
                return max(intervals, 1) * step, step
    return nice_max(target), nice_max(target) / 4


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _interval(s: Series, c: int) -> tuple[float, float] | None:
    return s.intervals[c] if c < len(s.intervals) else None


def _high(s: Series, c: int) -> float:
    value, interval = s.values[c], _interval(s, c)
    return max(value or 0.0, interval[1] if interval else 0.0)


def _legend(series: Sequence[Series], x: float, y: float) -> tuple[list[str], float]:
    parts, cx = [], x
    for s in series:
        shape = (f'<path d="M{cx + 5} {y - 9} l5 5 l-5 5 l-5 -5 z" fill="{s.color}"/>' if s.marker else
                 f'<rect x="{cx}" y="{y - 9}" width="10" height="10" fill="{s.color}"/>')
        parts.append(f'<g class="legend-item">{shape}<text x="{cx + 14}" y="{y}" {_FONT}>{escape(s.name)}</text></g>')
        cx += 24 + 6.5 * len(s.name)
    return parts, cx


def _svg(width: float, height: float, title: str, body: Sequence[str], css_class: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" role="img" width="{width:.0f}" '
            f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" aria-label="{escape(title)}">'
            f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def _axis(x0: float, width: float, y_top: float, y_bottom: float, top: float, label: str,
          step: float | None = None) -> list[str]:
    parts = []
    count = round(top / step) if step else 4
    for k in range(count + 1):
        value = top * k / count
        x = x0 + width * k / count
        parts.append(f'<line x1="{x:.1f}" y1="{y_top}" x2="{x:.1f}" y2="{y_bottom}" stroke="#ddd"/>'
                     f'<text x="{x:.1f}" y="{y_bottom + 13}" text-anchor="middle" {_FONT}>{_fmt(value)}</text>')
    parts.append(f'<text x="{x0 + width / 2:.1f}" y="{y_bottom + 27}" text-anchor="middle" {_FONT}>'
                 f"{escape(label)}</text>")
    return parts


def bar_chart(title: str, categories: Sequence[str], series: Sequence[Series], *, axis_label: str,
              min_top: float = 0.0, label_width: int = 170, plot_width: int = 420) -> str:
    """Horizontal grouped bars: one group per category, one bar (or diamond) per series, whiskers for intervals.

    The value axis runs from 0 to a round number at or above both the largest value and ``min_top``, with ticks
    at round steps (:func:`nice_ticks`).
    """
    n = max(1, len(series))
    bar, gap = 11, 9
    group = n * bar + gap
    top, step = nice_ticks(max([0.0, *(_high(s, c) for s in series for c in range(len(categories)))]), min_top)
    scale = plot_width / top
    x0, y0 = label_width, 22
    height = y0 + len(categories) * group + 34
    legend, legend_end = _legend(series, x0, 13)
    width = max(label_width + plot_width + 20, legend_end + 10)
    body = [f'<g class="legend">{"".join(legend)}</g>',
            *_axis(x0, plot_width, y0, y0 + len(categories) * group, top, axis_label, step)]
    for c, category in enumerate(categories):
        gy = y0 + c * group
        body.append(f'<text x="{x0 - 6}" y="{gy + n * bar / 2 + 4:.1f}" text-anchor="end" {_FONT}>'
                    f"{escape(category)}</text>")
        for k, s in enumerate(series):
            value = s.values[c]
            if value is None:
                continue
            y = gy + k * bar
            w = max(0.0, min(value, top)) * scale
            tip = f"<title>{escape(s.name)} · {escape(category)}: {_fmt(value)}</title>"
            if s.marker:
                cx, cy = x0 + w, y + bar / 2
                body.append(f'<path class="marker" d="M{cx:.1f} {cy - 5:.1f} l5 5 l-5 5 l-5 -5 z" fill="{s.color}" '
                            f'stroke="#fff">{tip}</path>')
            else:
                body.append(f'<rect class="bar" x="{x0}" y="{y:.1f}" width="{max(w, 0.5):.1f}" height="{bar - 2}" '
                            f'fill="{s.color}">{tip}</rect>')
            interval = _interval(s, c)
            if interval is not None:
                lo, hi = (x0 + max(0.0, min(v, top)) * scale for v in interval)
                cy = y + (bar - 2) / 2
                body.append(f'<path class="whisker" d="M{lo:.1f} {cy - 3:.1f} v6 M{lo:.1f} {cy:.1f} H{hi:.1f} '
                            f'M{hi:.1f} {cy - 3:.1f} v6" stroke="#333" fill="none"/>')
    return _svg(width, height, title, body, "bars")


def histogram(title: str, edges: Sequence[float], series: Sequence[Series], *, axis_label: str,
              thresholds: Sequence[float] = (), overflow: Sequence[str] = (), width: int = 560) -> str:
    """Vertical histogram: ``series[k].values`` are the counts of each bin, shown as shares of the series total.

    ``edges`` has one more entry than the regular bins; ``overflow`` names extra bins appended after them
    (e.g. ``> 0.5``, ``no answer``). ``thresholds`` are drawn as dashed vertical lines.
    """
    regular = len(edges) - 1
    gap = 0.6 if overflow else 0.0  # overflow bins stand apart, after a gap (in bin widths)
    totals = [sum(v or 0 for v in s.values) or 1 for s in series]
    shares = [[(v or 0) / t for v in s.values] for s, t in zip(series, totals, strict=True)]
    top = nice_max(max([0.01, *(v for row in shares for v in row)]))
    x0, y0, plot_h = 44, 24, 150
    plot_w = width - x0 - 16
    bin_w = plot_w / (regular + gap + len(overflow))

    def left(b: int) -> float:  # left edge of bin b
        return x0 + (b + (gap if b >= regular else 0.0)) * bin_w

    bar_w = (bin_w - 4) / max(1, len(series))
    legend, legend_end = _legend(series, x0, 13)
    body = [f'<g class="legend">{"".join(legend)}</g>']
    for k in range(5):
        y = y0 + plot_h - plot_h * k / 4
        body.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + plot_w}" y2="{y:.1f}" stroke="#ddd"/>'
                    f'<text x="{x0 - 4}" y="{y + 4:.1f}" text-anchor="end" {_FONT}>{100 * top * k / 4:.3g}%</text>')
    for s_index, (s, row) in enumerate(zip(series, shares, strict=True)):
        for b, share in enumerate(row):
            h = share / top * plot_h
            x = left(b) + 2 + s_index * bar_w
            body.append(f'<rect class="bar" x="{x:.1f}" y="{y0 + plot_h - h:.1f}" width="{bar_w:.1f}" '
                        f'height="{max(h, 0.0):.1f}" fill="{s.color}"><title>{escape(s.name)}: {share:.1%} '
                        f"({s.values[b] or 0})</title></rect>")
    positions = [x0 + b * bin_w for b in range(len(edges))]
    positions += [left(regular + j) + bin_w / 2 for j in range(len(overflow))]
    for x, text in zip(positions, [*map(_fmt, edges), *overflow], strict=True):
        body.append(f'<text x="{x:.1f}" y="{y0 + plot_h + 13}" text-anchor="middle" {_FONT}>{escape(text)}</text>')
    span = edges[-1] - edges[0] or 1
    for t in thresholds:
        x = x0 + (t - edges[0]) / span * regular * bin_w
        body.append(f'<line class="threshold" x1="{x:.1f}" y1="{y0 - 4}" x2="{x:.1f}" y2="{y0 + plot_h}" '
                    f'stroke="#c00" stroke-dasharray="4 3"/><text x="{x + 3:.1f}" y="{y0 + 6}" fill="#c00" '
                    f"{_FONT}>{_fmt(t)}</text>")
    body.append(f'<text x="{x0 + plot_w / 2:.1f}" y="{y0 + plot_h + 28}" text-anchor="middle" {_FONT}>'
                f"{escape(axis_label)}</text>")
    return _svg(max(width, legend_end + 10), y0 + plot_h + 36, title, body, "histogram")
