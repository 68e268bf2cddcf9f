"""The static HTML page: one self-contained file (inline CSS and SVG, images as data URIs, no script,
no network access), readable offline and archivable next to the reports it was built from.

Every value that comes from an input file (report, diagnostics, meta file, names, title), whatever its
type, reaches the page through :func:`text` (or :func:`_json`, which escapes the same way): the page
holds only the elements and attributes this module writes."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from lamm_bench.fingerprint import describe as describe_fingerprint
from lamm_bench.leaderboard.board import (
    Board,
    benchmarks_of,
    build_board,
    detail_columns,
    format_ci,
    format_value,
    leaderboard_columns,
)
from lamm_bench.leaderboard.plots import (
    Diagnostics,
    iou_histogram,
    keypoint_charts,
    metric_charts,
    parse_failure_chart,
)
from lamm_bench.leaderboard.reported import REFERENCES, ReportedModel
from lamm_bench.leaderboard.runs import Run, data_differences
from lamm_bench.leaderboard.samples import BenchmarkSamples, Sample
from lamm_bench.leaderboard.thumbnails import sample_picture
from lamm_data._version import __version__

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1400px;padding:0 20px 40px;color:#222}
h1{margin:18px 0 4px}h2{margin-top:34px;border-bottom:1px solid #ddd}h3{margin:18px 0 6px}
.sub,.legend-text,.note{color:#555}.note{font-size:13px}.warning{color:#b2182b;font-weight:600}
.scroll{overflow-x:auto;border:1px solid #ddd;margin:8px 0}
table{border-collapse:collapse;font-size:13px}th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:right;
white-space:nowrap}thead th{background:#f6f6f6;text-align:center;border-bottom:1px solid #ccc}
th.model{text-align:left;position:sticky;left:0;background:#fff;z-index:1}thead th.model{background:#f6f6f6}
tr.reported th.model,tr.reported td{font-style:italic;color:#666;background:#fbfbf3}
td.best{font-weight:700;background:#e8f4ea}td.best .v::after{content:" ★";color:#1a9850}
.ci{display:block;font-size:11px;color:#777;font-weight:400}
.charts{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}svg.chart{background:#fff}
details{margin:6px 0}summary{cursor:pointer;font-weight:600}
.samples{display:grid;grid-template-columns:repeat(auto-fill,minmax(430px,1fr));gap:12px;margin:8px 0}
.sample{border:1px solid #ddd;border-radius:6px;padding:8px;display:flex;gap:10px}
.sample dl{margin:0;font-size:12px;min-width:0;flex:1}.sample dt{font-weight:600;color:#444}
.sample dd{margin:0 0 4px}.sample pre{white-space:pre-wrap;word-break:break-word;margin:0;max-height:160px;
overflow:auto;background:#f7f7f7;padding:3px}.reason{color:#b2182b;font-weight:600}
.no-picture{width:120px;height:90px;display:flex;align-items:center;justify-content:center;background:#eee;
color:#777;font-size:11px;text-align:center}
nav{display:flex;flex-wrap:wrap;gap:4px 12px}svg.thumb{flex:none}
ul.compact{margin:4px 0;padding-left:20px}
"""
_KNOWN = frozenset({"benchmark", "id", "index", "missing", "text", "parsed", "parse_failure", "expected",
                    "ground_truth", "references"})


def text(value: Any) -> str:
    """Any value as page text, escaped for element content and quoted attribute values (``&<>"'``)."""
    return escape(value if isinstance(value, str) else str(value), quote=True)


def slug(text: str) -> str:
    """An HTML id from a benchmark or model name."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "x"


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.4g}")
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def _json(value: Any) -> str:
    return text(json.dumps(_rounded(value), ensure_ascii=False, default=str))


def _table(board: Board, *, grouped: bool, table_id: str) -> str:
    head = ['<tr><th class="model" rowspan="2">model</th>' if grouped else '<tr><th class="model">model</th>']
    if grouped:
        spans: dict[str, int] = {}
        for c in board.columns:
            spans[c.benchmark] = spans.get(c.benchmark, 0) + 1
        head += [f'<th colspan="{n}"><a href="#b-{slug(b)}">{text(b)}</a></th>' for b, n in spans.items()]
        head.append("</tr><tr>")
    head += [f'<th title="{text(c.benchmark)}">{text(c.label)}</th>' for c in board.columns]
    head.append("</tr>")
    body = []
    for i, row in enumerate(board.rows):
        kind = "reported" if row.reported else "measured"
        cells = []
        for c in board.columns:
            cell = row.cells[c]
            css = ' class="best"' if board.is_best(i, c) else ""
            ci = format_ci(cell)
            cells.append(f"<td{css}><span class=v>{text(format_value(cell))}</span>"
                         f"{f'<span class=ci>{text(ci)}</span>' if ci else ''}</td>")
        body.append(f'<tr class="{kind}" data-model="{text(row.name)}"><th class="model">{text(row.name)}</th>'
                    f"{''.join(cells)}</tr>")
    return (f'<div class="scroll"><table id="{table_id}"><thead>{"".join(head)}</thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _runs_table(runs: Sequence[Run], diagnostics: Diagnostics) -> str:
    rows = []
    for run in runs:
        meta = run.report.meta
        has = "yes" if run.name in diagnostics else "no"
        rows.append(f'<tr><th class="model">{text(run.name)}</th><td style="text-align:left">{text(run.path)}'
                    f"</td><td>{text(len(run.report.results))}</td>"
                    f"<td><code>{text(meta.input.predictions_sha256[:12])}</code></td>"
                    f"<td>{text(meta.resamples)} / {text(meta.seed)}</td><td>{has}</td>"
                    f'<td style="text-align:left">{text(describe_fingerprint(meta.fingerprint))}</td></tr>')
    return ('<div class="scroll"><table id="runs"><thead><tr><th class="model">model</th><th>report</th>'
            "<th>benchmarks</th><th>predictions sha256</th><th>resamples / seed</th><th>diagnostics</th>"
            "<th>predicted with</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def _counts(runs: Sequence[Run], benchmark: str) -> str:
    parts = [text(f"{run.name}: n={r.n}, missing {r.missing}, unparsed {r.unparsed}")
             for run in runs if (r := run.report.results.get(benchmark)) is not None]
    return f'<p class="note">{"; ".join(parts)}</p>'


def _benchmark_section(benchmark: str, runs: Sequence[Run], references: Sequence[ReportedModel],
                       diagnostics: Diagnostics) -> str:
    columns = detail_columns(runs, benchmark)
    charts = metric_charts(runs, columns, references)
    charts += keypoint_charts(runs, diagnostics, benchmark)
    charts += [c for c in (iou_histogram(diagnostics, benchmark),) if c]
    table = _table(build_board(runs, columns, references), grouped=False, table_id=f"table-{slug(benchmark)}")
    return (f'<section class="benchmark" id="b-{slug(benchmark)}"><h3>{text(benchmark)}</h3>'
            f'{_counts(runs, benchmark)}{table}<div class="charts">{"".join(charts)}</div></section>')


def _answer(answer: Any) -> str:
    if isinstance(answer, dict):
        return text("\n".join(f"{k}: {v}" for k, v in answer.items()))
    return "(no answer)" if answer is None else text(answer)


def _card(benchmark: str, sample: Sample) -> str:
    record = sample.record.as_dict()
    expected = {k: record[k] for k in ("expected", "ground_truth", "references") if k in record}
    details = {k: v for k, v in record.items() if k not in _KNOWN}
    rows = [("item", text(f"{record.get('id')} (#{record.get('index')})")),
            ("why", f'<span class="reason">{text(sample.reason)}</span>')]
    if sample.question is not None:
        rows.append(("question", f"<pre>{text(sample.question)}</pre>"))
    rows += [("answer", f"<pre>{_answer(record.get('text'))}</pre>"),
             ("parsed", f"<pre>{_json(record.get('parsed'))}</pre>")]
    rows += [("expected", f"<pre>{_json(v)}</pre>") for v in expected.values()]
    if details:
        rows.append(("scoring", f"<pre>{_json(details)}</pre>"))
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return f'<article class="sample">{sample_picture(sample)}<dl>{dl}</dl></article>'


def _failures(model: str, summaries: Mapping[str, BenchmarkSamples]) -> str:
    parts = [f'<section class="failures" id="f-{slug(model)}"><h3>{text(model)}</h3>']
    for name, s in summaries.items():
        shown = f"showing the first {len(s.shown)}" if s.failed > len(s.shown) else "all shown"
        note = f'<p class="note">{text(s.note)}</p>' if s.note else ""
        cards = "".join(_card(name, sample) for sample in s.shown)
        counts = text(f"{name}: {s.failed} of {s.total} failed ({s.missing} without answer, {s.unparsed} not parsed) "
                      f"— {shown}")
        parts.append(f'<details data-benchmark="{text(name)}"><summary>{counts}</summary>{note}'
                     f'<div class="samples">{cards}</div></details>')
    return "".join(parts) + "</section>"


def _notes(runs: Sequence[Run], diagnostics: Diagnostics) -> list[str]:
    notes = [f"{run.name}: {w}" for run in runs for w in (*run.notes, *run.report.meta.warnings)]
    notes += [f"{model}: {s.benchmark}: {s.note}" for model, ss in diagnostics.items() for s in ss.values() if s.note]
    return notes


def _references(references: Sequence[ReportedModel]) -> str:
    if not references:
        return ""
    sources = dict.fromkeys(ref.source for ref in references)
    items = [f"<li><b>{text(key)}</b>: {text(REFERENCES[key].citation)}</li>" for key in sources]
    extra = [f"<li>{text(ref.title)}: {text(v.label)} = {text(v.value)}</li>"
             for ref in references for v in ref.unmatched]
    more = (f"<p>Reported numbers without a single matching report metric:</p><ul class=compact>{''.join(extra)}</ul>"
            if extra else "")
    return (f'<section id="references"><h2>Reported reference numbers</h2><p class="note">Rows marked '
            f"<i>(reported)</i> are copied from publications, not measured here; they only fill the LAMM-protocol "
            f"columns their numbers correspond to, and are never marked best.</p><ul class=compact>{''.join(items)}"
            f"</ul>{more}</section>")


def render_page(runs: Sequence[Run], *, references: Sequence[ReportedModel] = (),
                diagnostics: Diagnostics | None = None, title: str = "LAMM benchmark leaderboard") -> str:
    """The whole HTML page as text."""
    diagnostics = diagnostics or {}
    benchmarks = benchmarks_of(runs)
    board = build_board(runs, leaderboard_columns(runs), references)
    nav = "".join(f'<a href="#b-{slug(b)}">{text(b)}</a>' for b in benchmarks)
    notes = _notes(runs, diagnostics)
    warnings = "".join(f'<p class="warning">{text(d)}</p>' for d in data_differences(runs))
    warnings += (f"<details><summary>{text(len(notes))} warning(s) and note(s)</summary><ul class=compact>"
                 f"{''.join(f'<li>{text(n)}</li>' for n in notes)}</ul></details>" if notes else "")
    failures = "".join(_failures(m, s) for m, s in diagnostics.items())
    failure_section = (f'<section id="failures"><h2>Failed samples</h2><p class="note">Green: ground truth; red: '
                       f"what was parsed from the answer.</p>{failures}</section>" if failures else "")
    sections = "".join(_benchmark_section(b, runs, references, diagnostics) for b in benchmarks)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="lamm-bench report {__version__}"><title>{text(title)}</title>
<style>{_CSS}</style></head><body>
<h1>{text(title)}</h1>
<p class="sub">{text(len(runs))} scored model(s), {text(len(benchmarks))} benchmark(s);
generated by lamm-bench report {__version__}.</p>
{_runs_table(runs, diagnostics)}{warnings}
<p class="legend-text">Each cell: point estimate, then its 95% bootstrap interval (resampling images or scenes).
<b>Units</b>: percent for accuracies and rates; <b>LAMM</b> columns are the original LAMM evaluator's numbers as it
prints them, kept for comparison with published results; the other columns are honest metrics (docs/metrics.md),
fractions shown ×100; Counting MAE/RMSE in objects; CIDEr-D ×100 (a score, not a percentage; its own chart axis).
★ marks the best measured value of a column (↓: lower is better), never on MAE/RMSE when fewer than half of a
model's counting answers could be read. accuracy_synonym is LAMM's WordNet rule over all items: it rejects some
correct spellings ("tennis court" for tenniscourt), so it can be below accuracy_exact.</p>
<nav>{nav}</nav>
<h2 id="leaderboard-title">Leaderboard</h2>{_table(board, grouped=True, table_id="leaderboard")}
<h2>Parse failures</h2><div class="charts">{parse_failure_chart(runs, benchmarks)}</div>
<h2>Benchmarks</h2>{sections}{failure_section}{_references(references)}
</body></html>
"""
