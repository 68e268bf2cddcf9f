"""Rendering: the board's values and best marks, SVG charts, thumbnails, the HTML page, Markdown, the CLI."""

from __future__ import annotations

import base64
import re
import shutil
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pytest
from leaderboard_helpers import RUNNER, Scored, score
from PIL import Image

from lamm_bench.cli import app
from lamm_bench.diagnostics import ChoiceDiagnostics, DetectionDiagnostics
from lamm_bench.leaderboard.board import Column, build_board, format_ci, format_value, leaderboard_columns
from lamm_bench.leaderboard.build import load_leaderboard
from lamm_bench.leaderboard.markdown import render_markdown
from lamm_bench.leaderboard.page import render_page
from lamm_bench.leaderboard.reported import reference_rows
from lamm_bench.leaderboard.runs import data_differences, load_runs
from lamm_bench.leaderboard.samples import Sample, read_samples
from lamm_bench.leaderboard.svg import Series, bar_chart, histogram, nice_max
from lamm_bench.leaderboard.thumbnails import SIZE, cloud_picture, image_picture, sample_picture
from lamm_bench.report import read_report


class _Page(HTMLParser):
    """Collects tags, their attributes and the text of every table row."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.rows: dict[str, list[str]] = {}
        self._table: list[str] = []
        self._row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "table":
            self._table.append(dict(attrs).get("id") or "")
        if tag == "tr":
            self._row = []
            self.rows.setdefault(self._table[-1], []).append(self._row)  # type: ignore[arg-type]

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table.pop()

    def handle_data(self, data: str) -> None:
        if self._row is not None and data.strip():
            self._row.append(data.strip())


def parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    return page


def test_board_values_scale_and_best_marks(scored: Scored) -> None:
    runs = load_runs([scored.baseline, scored.degraded])
    refs = reference_rows("paper-v1")
    columns = [Column("Counting_FSC147", "lamm", "MAE"), Column("Counting_FSC147", "metrics", "exact_accuracy"),
               Column("VQA_AI2D", "metrics", "parse_failure_rate"), Column("Classification_CIFAR10", "lamm", "Acc")]
    board = build_board(runs, columns, refs)
    report = read_report(scored.degraded).results
    mae, exact, failures, cifar = columns
    assert board.rows[1].cells[mae].value == report["Counting_FSC147"].lamm["MAE"]  # LAMM block: as stored
    assert board.rows[1].cells[exact].value == pytest.approx(100 * report["Counting_FSC147"].metrics["exact_accuracy"])
    assert board.rows[1].cells[exact].ci == pytest.approx(
        [100 * v for v in report["Counting_FSC147"].ci95["exact_accuracy"]])
    assert board.rows[0].cells[mae].value < board.rows[1].cells[mae].value  # lower MAE is better ...
    assert board.is_best(0, mae) and not board.is_best(1, mae)
    assert board.is_best(0, failures) and not board.is_best(1, failures)  # ... and fewer parse failures
    assert board.rows[0].cells[cifar].value == board.rows[1].cells[cifar].value  # all equal: no mark
    assert not board.is_best(0, cifar) and not board.is_best(1, cifar)
    assert board.rows[2].reported and board.rows[2].cells[mae].value == 53.97  # reported, far worse ...
    assert not any(board.is_best(2, c) for c in columns)  # ... and never marked
    assert board.rows[2].cells[exact].value is None  # honest metrics have no reported value
    lsp = build_board(runs, [Column("Keypoints_Detection_LSP", "lamm", "PCK")], refs)
    assert format_value(lsp.rows[2].cells[lsp.columns[0]]) == "Failed"
    assert format_ci(board.rows[0].cells[mae]).startswith("[")


def test_leaderboard_columns_put_lamm_and_honest_side_by_side(scored: Scored) -> None:
    columns = leaderboard_columns(load_runs([scored.baseline]))
    ai2d = [(c.block, c.name) for c in columns if c.benchmark == "VQA_AI2D"]
    assert ai2d == [("lamm", "Acc"), ("metrics", "accuracy")]
    assert [c.name for c in columns if c.benchmark == "VG_ScanRefer"] == ["Acc@0.25", "Acc@0.5", "acc@0.25"]


def test_svg_charts() -> None:
    assert [nice_max(v) for v in (0.33, 1.0, 7.0, 38.1, 100.0)] == [0.5, 1.0, 10.0, 50.0, 100.0]
    chart = bar_chart("t", ["a", "b", "c"], [Series("m1", [10.0, None, 30.0], [(5.0, 15.0), None, None]),
                                             Series("m2", [20.0, 40.0, 50.0], marker=True)], axis_label="x")
    assert chart.count('class="bar"') == 2 and chart.count('class="marker"') == 3
    assert chart.count('class="whisker"') == 1 and "<title>m1 · c: 30</title>" in chart
    hist = histogram("h", [0.0, 0.5, 1.0], [Series("m", [1, 3, 4])], axis_label="x", thresholds=(0.5,),
                     overflow=("none",))
    assert "m: 12.5% (1)" in hist and "m: 37.5% (3)" in hist and "m: 50.0% (4)" in hist
    assert hist.count('class="threshold"') == 1 and ">none</text>" in hist


def test_thumbnails(scored: Scored, tmp_path: Path) -> None:
    Image.new("RGB", (800, 400), "white").save(tmp_path / "big.png")
    big = image_picture(tmp_path / "big.png")
    assert (big.width, big.height, big.source_size) == (SIZE, SIZE // 2, (800, 400))
    assert big.to_pixels(1.0, 0.5) == (SIZE, SIZE // 4)
    lsp = image_picture(scored.root / "2D_Benchmark" / "lsp_images" / "im0002.jpg")
    assert (lsp.width, lsp.height) == lsp.source_size == (120, 160)  # never enlarged
    assert lsp.uri.startswith("data:image/jpeg;base64,")
    with Image.open(BytesIO(base64.b64decode(lsp.uri.split(",", 1)[1]))) as decoded:
        assert decoded.format == "JPEG" and decoded.size == (120, 160)
    cloud = cloud_picture(scored.root / "3D_Benchmark" / "scannet_pcls" / "scene0011_00_vert.npy")
    assert max(cloud.width, cloud.height) == SIZE
    x, y = cloud.to_pixels(0.0, 0.0)
    assert x < cloud.width / 2 and y > cloud.height / 2  # y points up: the origin is bottom left
    item = {"benchmark": "Detection_VOC2012", "index": 0, "missing": False}
    record = DetectionDiagnostics.build(**item, ground_truth=[{"label": "dog", "bbox": [0.1, 0.1, 0.5, 0.5]},
                                                              {"label": "cat", "bbox": [0, 0, 1, 1]}],
                                        parsed={"boxes": [[0.2, 0.2, 0.4, 0.4]]})
    svg = sample_picture(Sample(record, "wrong", media=scored.root / "2D_Benchmark" /
                                                      "voc2012_images" / "2008_000008.jpg"))
    assert svg.count("<rect") == 3 and svg.count('stroke="#d73027"') == 1 and "<image href=\"data:image/jpeg" in svg
    shown = {name: s.shown for name, s in read_samples(scored.diagnostics(scored.degraded), scored.root,
                                                            limit=1).items()}
    (lsp,) = shown["Keypoints_Detection_LSP"]
    joints = [j for j in lsp.record.parsed["joints"] if j["point"]]
    keypoints = sample_picture(lsp)
    assert keypoints.count('fill="#1a9850"') == 14 and keypoints.count('fill="#d73027"') == len(joints) > 0
    assert keypoints.count("<line") == len(joints)  # each answered joint is joined to its true position
    (scene,) = shown["Detection_ScanNet"]
    boxes = len(scene.record.ground_truth) + len(scene.record.parsed["boxes"])
    assert sample_picture(scene).count("<rect") == boxes
    assert 'viewBox="0 0 ' in sample_picture(shown["VQA_ScanQA_multiplechoice"][0])
    missing = sample_picture(Sample(ChoiceDiagnostics.build(**item), "wrong", media=Path("gone.png")))
    assert "gone.png: file not found" in missing
    absurd = DetectionDiagnostics.build(**item, ground_truth=record.ground_truth[:1],
                                        parsed={"boxes": [[0.0, 0.0, 1e308, 1e308]]})
    svg = sample_picture(Sample(absurd, "wrong", media=scored.root / "2D_Benchmark" /
                                                      "voc2012_images" / "2008_000008.jpg"))
    assert svg.count("<rect") == 1 and not re.search(r"\b(nan|inf)\b", svg)  # the overflowing box is not drawn


def test_page_is_self_contained_and_complete(scored: Scored) -> None:
    board = load_leaderboard([scored.baseline, scored.degraded], references=["paper-v1", "readme-2023-07:LAMM"],
                             max_samples=3)
    text = render_page(board.runs, references=board.references, diagnostics=board.diagnostics)
    page = parse(text)
    tags = {t for t, _ in page.tags}
    assert "script" not in tags and "link" not in tags and "iframe" not in tags
    for _, attrs in page.tags:
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            assert not value or value.startswith(("#", "data:")), value
    assert not re.search(r"url\(|@import|https?://(?!www\.w3\.org/2000/svg)", text)
    rows = page.rows["leaderboard"][2:]  # two header rows
    assert [r[0] for r in rows] == ["baseline", "degraded", "LAMM · paper-v1 (reported)",
                                    "LAMM · readme-2023-07 (reported)"]
    assert len(re.findall(r'<section class="benchmark"', text)) == 17
    failures = re.findall(r'<details data-benchmark="([^"]+)"><summary>[^:]+: (\d+) of (\d+)', text)
    degraded = board.diagnostics["degraded"]
    assert len(failures) == 2 * 17
    for name, failed, total in failures[17:]:
        assert (int(failed), int(total)) == (degraded[name].failed, degraded[name].total)
    thumbnails = [a for t, a in page.tags if t == "image"]
    shown = sum(len(s.shown) for summaries in board.diagnostics.values() for s in summaries.values())
    assert len(thumbnails) == shown > 0 and all(a["href"].startswith("data:image/jpeg;base64,") for a in thumbnails)
    assert "Binary-Loc metric" in text and "2c3af07" in text


def test_partial_report_on_other_data(scored: Scored, tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(scored.root, root)
    meta = root / "2D_Benchmark" / "meta_file" / "VQA_AI2D.json"
    meta.write_text(meta.read_text().replace("Which stage", "What stage"))
    answers = tmp_path / "ai2d.jsonl"
    answers.write_text('{"id": "4562", "benchmark": "VQA_AI2D", "text": "The answer is (B)."}\n')
    partial = score(root, answers, tmp_path / "ai2d", diagnostics=False, extra=("--allow-partial",))
    runs = load_runs([scored.baseline, partial])
    assert data_differences(runs) == ["VQA_AI2D: the models were scored on different ground truth (baseline; ai2d); "
                                      "their numbers are not comparable"]
    text = render_page(runs)
    assert '<p class="warning">VQA_AI2D: the models were scored on different ground truth' in text
    rows = {r[0]: r for r in parse(text).rows["leaderboard"][2:]}
    assert rows["ai2d"].count("–") == len(leaderboard_columns(runs)) - 2  # only AI2D's two columns have values
    assert len(re.findall(r'<section class="benchmark"', text)) == 17


def test_markdown(scored: Scored) -> None:
    runs = load_runs([scored.baseline, scored.degraded], names=["base", "worse|x"])
    text = render_markdown(runs, references=reference_rows("paper-v1"))
    lines = text.splitlines()
    assert lines[0] == "| benchmark | metric | base | worse\\|x | LAMM · paper-v1 (reported) |"
    row = next(line for line in lines if line.startswith("| Counting_FSC147 | LAMM MAE ↓ |"))
    cells = [c.strip() for c in row.split(" | ")]
    assert cells[2].startswith("**2.67**") and cells[3].startswith("3.67 [") and cells[4] == "53.97 |"
    assert len([line for line in lines if line.startswith("| ")]) == 1 + len(leaderboard_columns(runs))


def test_pages_are_written_even_with_a_lone_surrogate(scored: Scored, tmp_path: Path) -> None:
    import dataclasses

    from lamm_bench.leaderboard.build import write_html, write_markdown

    board = load_leaderboard([scored.baseline])
    board.runs[0] = dataclasses.replace(board.runs[0], name="model \ud800")  # e.g. from an answer or a file name
    assert "model ?" in write_html(board, tmp_path).read_text(encoding="utf-8")
    assert "model ?" in write_markdown(board, tmp_path).read_text(encoding="utf-8")


def test_cli_writes_html_and_markdown(scored: Scored, tmp_path: Path) -> None:
    result = RUNNER.invoke(app, ["report", str(scored.baseline), str(scored.degraded), "--out", str(tmp_path / "site"),
                                 "--reference", "paper-v1", "--max-samples", "2"])
    assert result.exit_code == 0, result.output
    page = tmp_path / "site" / "index.html"
    assert result.stdout.strip() == page.resolve().as_uri()
    assert "degraded" in page.read_text() and not list((tmp_path / "site").glob(".*tmp"))
    md = RUNNER.invoke(app, ["report", str(scored.baseline), str(scored.degraded), "--format", "md"])
    assert md.exit_code == 0 and md.stdout.startswith("| benchmark | metric | baseline | degraded |")
    to_file = RUNNER.invoke(app, ["report", str(scored.baseline), "--format", "md", "--out", str(tmp_path / "md")])
    assert to_file.exit_code == 0 and (tmp_path / "md" / "leaderboard.md").read_text().startswith("| benchmark")


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--format", "html"], 2, "--out DIR is required"),
    (["--reference", "paper-v3", "--format", "md"], 1, "unknown source 'paper-v3'"),
    (["--name", "a", "--name", "b", "--format", "md"], 1, "--name given 2 time(s) for 1 report(s)"),
])
def test_cli_errors(scored: Scored, args: list[str], code: int, message: str) -> None:
    result = RUNNER.invoke(app, ["report", str(scored.baseline), *args])
    assert result.exit_code == code
    assert message in " ".join(result.stderr.split())


def test_cli_rejects_a_file_that_is_not_a_report(scored: Scored, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"results": {}}')
    result = RUNNER.invoke(app, ["report", str(scored.baseline), str(bad), "--format", "md"])
    assert result.exit_code == 1 and "bad.json: not a lamm-bench report: meta" in " ".join(result.stderr.split())
