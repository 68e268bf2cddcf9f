"""Whatever a report, a diagnostics file or a model name holds, the page and the Markdown table show it as
text: no element, attribute or comment that the template did not write, no broken table row."""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from leaderboard_helpers import RUNNER, Scored, score

from lamm_bench.cli import app
from lamm_bench.leaderboard.build import load_leaderboard
from lamm_bench.leaderboard.markdown import escape_cell, render_markdown
from lamm_bench.leaderboard.page import render_page, text
from lamm_bench.leaderboard.runs import load_runs
from lamm_data.errors import LammError
from lamm_data.sample import BASELINE_ANSWERS, write_sample

TEMPLATE_TAGS = frozenset(
    "html head meta title style body h1 h2 h3 p div table thead tbody tr th td span a nav section details summary ul "
    "li b i code pre article dl dt dd svg g rect path line text image circle".split())
"""Every element the page template (page.py, svg.py, thumbnails.py) writes."""
TEMPLATE_ATTRIBUTES = frozenset(
    "class id href title colspan rowspan style data-model data-benchmark lang charset name content xmlns role width "
    "height viewbox aria-label x y x1 y1 x2 y2 d fill stroke stroke-width stroke-dasharray text-anchor font-family "
    "font-size cx cy r".split())
HOSTILE = ["<script>alert(1)</script>", "<i>x</i><!--", 'x"><svg onload=alert(9)>', "</pre><img src=x onerror=1>",
           "' onmouseover='alert(1)", "<!DOCTYPE x>", "<?php ?>", "]]><![CDATA[", "<hostile-tag>", "&lt;script&gt;",
           "javascript:alert(1)", "<style>body{}</style>", "\u2028\n|", "\x00\ud800"]


class Structure(HTMLParser):
    """Collects every element, attribute, comment and declaration of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.other: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text += data

    def handle_comment(self, data: str) -> None:
        self.other.append(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        if decl != "DOCTYPE html":
            self.other.append(f"declaration {decl!r}")

    def handle_pi(self, data: str) -> None:
        self.other.append(f"processing instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        self.other.append(f"declaration {data!r}")


def structure(page: str) -> Structure:
    parsed = Structure()
    parsed.feed(page)
    parsed.close()
    return parsed


def foreign(page: str) -> list[str]:
    """What in ``page`` the template did not write: unknown elements or attributes, comments, script URLs."""
    parsed = structure(page)
    problems = list(parsed.other)
    for tag, attrs in parsed.tags:
        if tag not in TEMPLATE_TAGS:
            problems.append(f"element <{tag}>")
        problems += [f"attribute {name!r} of <{tag}>" for name in attrs if name not in TEMPLATE_ATTRIBUTES]
        href = attrs.get("href") or "#"
        if not (href.startswith("#") or href.startswith("data:image/jpeg;base64,")):
            problems.append(f"href {href!r}")
        if attrs.get("style", "text-align:left") != "text-align:left":
            problems.append(f"style {attrs['style']!r} on <{tag}>")
    if page.count("<style>") != 1 or page.count("</style>") != 1:
        problems.append("a second style element")
    return problems


def markdown_problems(text_md: str) -> list[str]:
    """Rows whose cell count differs from the header's, raw HTML, broken lines."""
    lines = text_md.split("\n")
    table = lines[: lines.index("")]
    cells = [len(re.findall(r"(?<!\\)\|", line)) for line in table]
    problems = [f"row {i} has {n} cell borders, the header {cells[0]}" for i, n in enumerate(cells) if n != cells[0]]
    problems += [f"raw {c!r}" for c in "<>" if c in text_md]
    return problems + [f"line {i} does not start a row" for i, line in enumerate(table) if not line.startswith("|")]


def test_text_escapes_every_type() -> None:
    assert text("<b>&'\"") == "&lt;b&gt;&amp;&#x27;&quot;"
    assert text(["<x>"]) == "[&#x27;&lt;x&gt;&#x27;]"
    assert text(3) == "3" and text(None) == "None" and text(Path("a<b")) == "a&lt;b"


def _hostile_copy(scored: Scored, work: Path, *, index: Any = None, sha: str | None = None,
                  root: str | None = None, record_id: str | None = None) -> Path:
    """A copy of the baseline report and its diagnostics with hostile values in ``index`` and ``id`` (every failed
    record) and ``predictions_sha256``; ``root``: the recorded LAMM root."""
    report = json.loads(scored.baseline.read_text())
    lines = [json.loads(line) for line in scored.diagnostics(scored.baseline).read_text().splitlines()]
    for record in lines:
        failed = record["missing"] or record.get("parse_failure") or record.get("correct") is False
        if index is not None and failed:
            record["index"] = index
        if record_id is not None and failed:
            record["id"] = record_id
    diagnostics = work / "diagnostics.jsonl"
    diagnostics.write_text("".join(json.dumps(r) + "\n" for r in lines))
    report["meta"]["diagnostics"]["sha256"] = hashlib.sha256(diagnostics.read_bytes()).hexdigest()
    if sha is not None:
        report["meta"]["input"]["predictions_sha256"] = sha
    if root is not None:
        report["meta"]["data"]["root"] = root
    path = work / "report.json"
    path.write_text(json.dumps(report))
    return path


def test_script_in_a_diagnostics_index_is_refused(scored: Scored, tmp_path: Path) -> None:
    """The stored script injection: a received run folder (recorded root absent) whose diagnostics carry a crafted
    index is refused against the typed diagnostics model (file, line, field), and no page is written."""
    report = _hostile_copy(scored, tmp_path, index="<script>alert(1)</script>", root=str(tmp_path / "absent"))
    result = RUNNER.invoke(app, ["report", str(report), "--out", str(tmp_path / "site")])
    assert result.exit_code == 1, result.output
    message = result.output.strip()
    assert "\n" not in message and "diagnostics.jsonl:" in message and "index" in message
    assert not (tmp_path / "site").exists()


def test_markup_in_the_predictions_sha_stays_text(scored: Scored, tmp_path: Path) -> None:
    """``<i>x</i><!--`` as the recorded predictions sha256 neither adds an element nor hides the runs table."""
    report = _hostile_copy(scored, tmp_path, sha="<i>x</i><!--", root=str(tmp_path / "absent"))
    result = RUNNER.invoke(app, ["report", str(report), "--out", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    parsed = structure(page)
    assert "script" not in {tag for tag, _ in parsed.tags} and "i" not in {tag for tag, _ in parsed.tags}
    assert not parsed.other  # no comment hides the rest of the runs table
    assert foreign(page) == []
    assert "<i>x</i><!--" in parsed.text


def test_markdown_escapes_names(scored: Scored) -> None:
    names = ['x"><svg onload=alert(9)>', "two\nlines|and a pipe", "back\\|slash", "ok"]
    runs = load_runs([scored.baseline] * 4, names=names)
    md = render_markdown(runs)
    assert markdown_problems(md) == []
    header = md.splitlines()[0]
    assert "x\"&gt;&lt;svg onload=alert(9)&gt;" in header and "two lines\\|and a pipe" in header
    assert "back\\\\\\|slash" in header
    assert escape_cell("a\r\nb\u2028c\x00d") == "a  b c d"


def test_markdown_cli_with_a_newline_in_a_name(scored: Scored) -> None:
    result = RUNNER.invoke(app, ["report", str(scored.baseline), "--format", "md", "--name", "a\n| b | <c>"])
    assert result.exit_code == 0, result.output
    assert markdown_problems(result.stdout) == []
    assert result.stdout.splitlines()[0] == "| benchmark | metric | a \\| b \\| &lt;c&gt; |"


# -- property: arbitrary JSON values in every field -------------------------------------------------------------

TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12),
                 st.lists(st.sampled_from([*HOSTILE, "a", " ", "<", ">", "&", '"', "'"]), max_size=4).map("".join))
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
                    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
                    max_leaves=6)


def _paths(value: Any, prefix: tuple = ()) -> Iterator[tuple]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*prefix, i))


def _mutate(document: Any, path: tuple, op: str, value: Any, key: str) -> Any:
    if not path:
        return value if op == "set" else document
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if op == "set":
        parent[last] = value
    elif op == "rename" and isinstance(parent, dict):
        parent[key] = parent.pop(last)
    elif op == "add" and isinstance(parent[last], dict):
        parent[last][key] = value
    return document


class Documents(dict):
    def __repr__(self) -> str:  # hypothesis prints its arguments
        return "Documents(...)"


@pytest.fixture(scope="module")
def documents(scored: Scored) -> dict[str, Any]:
    report = json.loads(scored.baseline.read_text())
    lines = [json.loads(line) for line in scored.diagnostics(scored.baseline).read_text().splitlines()]
    failed = [i for i, r in enumerate(lines) if r["missing"] or r.get("parse_failure") or r.get("correct") is False]
    # every field of the report, and every field of one failed record per benchmark (those are shown)
    shown = {lines[i]["benchmark"]: i for i in reversed(failed)}
    return Documents(report=report, lines=lines, report_paths=list(_paths(report)),
                     line_paths=[(i, p) for i in shown.values() for p in _paths(lines[i])])


def _render(scored: Scored, documents: dict[str, Any], data: Any) -> tuple[str, str] | None:
    report, lines = json.loads(json.dumps(documents["report"])), json.loads(json.dumps(documents["lines"]))
    in_report = data.draw(st.booleans())
    op = data.draw(st.sampled_from(["set", "set", "rename", "add"]))
    value, key = data.draw(JSON), data.draw(TEXT)
    if in_report:
        report = _mutate(report, data.draw(st.sampled_from(documents["report_paths"])), op, value, key)
    else:
        index, path = data.draw(st.sampled_from(documents["line_paths"]))
        lines[index] = _mutate(lines[index], path, op, value, key)
    with tempfile.TemporaryDirectory() as work:
        diagnostics = Path(work) / "diagnostics.jsonl"
        diagnostics.write_bytes("".join(json.dumps(r) + "\n" for r in lines).encode("utf-8", "surrogatepass"))
        if not in_report:
            report["meta"]["diagnostics"]["sha256"] = hashlib.sha256(diagnostics.read_bytes()).hexdigest()
        path = Path(work) / "report.json"
        path.write_bytes(json.dumps(report).encode("utf-8", "surrogatepass"))
        try:
            board = load_leaderboard([path], data=scored.root if data.draw(st.booleans()) else Path(work) / "x",
                                     max_samples=1, references=["paper-v1"])
            return (render_page(board.runs, references=board.references, diagnostics=board.diagnostics),
                    render_markdown(board.runs, references=board.references))
        except LammError:
            return None  # refused with a one-line error: nothing rendered


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_json_value_in_any_field_adds_markup(scored: Scored, documents: dict[str, Any], data: Any) -> None:
    rendered = _render(scored, documents, data)
    if rendered is not None:
        page, md = rendered
        assert foreign(page) == []
        assert markdown_problems(md) == []


def test_markup_in_a_diagnostics_id_stays_text(scored: Scored, tmp_path: Path) -> None:
    """A received run folder whose diagnostics carry ``<i>x</i><!--`` as item id: shown on the sample cards as
    text, no element added, nothing hidden."""
    report = _hostile_copy(scored, tmp_path, record_id="<i>x</i><!--", root=str(tmp_path / "absent"))
    result = RUNNER.invoke(app, ["report", str(report), "--out", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    pages = [p.read_text(encoding="utf-8") for p in sorted((tmp_path / "site").rglob("*.html"))]
    shown = [page for page in pages if "&lt;i&gt;x&lt;/i&gt;" in page]
    assert shown  # the cards show the id
    for page in pages:
        parsed = structure(page)
        assert "i" not in {tag for tag, _ in parsed.tags} and not parsed.other and foreign(page) == []


@pytest.mark.parametrize("where", ["lamm_key", "run_folder", "parse_failure", "parsed", "expected", "benchmark"])
def test_markup_in_each_shown_field_stays_text(scored: Scored, tmp_path: Path, where: str) -> None:
    """One field at a time (the property test above draws fields at random): a LAMM metric name of the report,
    the run's folder name, and a failed record's parse failure (the card's 'why'), parsed values (with a non-ASCII
    word shown as is) and expected value carry markup; every page shows it as text."""
    hostile = {"run_folder": "<i>x<!--", "benchmark": '"><i>x</i><!--'}.get(where, "<i>x</i><!--")
    work = tmp_path / (hostile if where == "run_folder" else "run")
    work.mkdir()
    report = _hostile_copy(scored, work, root=str(tmp_path / "absent"))
    document = json.loads(report.read_text())
    if where == "lamm_key":
        result = next(r for r in document["results"].values() if r["lamm"])
        key = next(iter(result["lamm"]))
        result["lamm"][hostile] = result["lamm"].pop(key)
    elif where != "run_folder":
        diagnostics = work / "diagnostics.jsonl"
        lines = [json.loads(line) for line in diagnostics.read_text().splitlines()]
        for record in lines:
            if record["missing"] or record.get("parse_failure") or record.get("correct") is False:
                if where == "parse_failure":
                    record["parse_failure"] = hostile
                elif where == "benchmark":  # a benchmark this version has no spec for
                    record["benchmark"] = hostile
                elif where == "parsed":
                    record["parsed"] = {"words": [hostile, "猫"]}
                elif isinstance(record.get("expected"), str):  # a label or a letter
                    record["expected"] = hostile
        diagnostics.write_text("".join(json.dumps(r) + "\n" for r in lines))
        document["meta"]["diagnostics"]["sha256"] = hashlib.sha256(diagnostics.read_bytes()).hexdigest()
    report.write_text(json.dumps(document))
    result = RUNNER.invoke(app, ["report", str(report), "--out", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    pages = [p.read_text(encoding="utf-8") for p in sorted((tmp_path / "site").rglob("*.html"))]
    assert any("&lt;i&gt;x" in page for page in pages)  # shown, as text
    for page in pages:
        parsed = structure(page)
        assert "i" not in {tag for tag, _ in parsed.tags} and not parsed.other and foreign(page) == []
    if where == "parsed":
        assert any("猫" in page for page in pages)  # JSON shown with its characters, not \\u escapes


def test_markdown_cells_turn_every_c0_and_c1_control_character_into_a_space() -> None:
    """U+0000..U+001F, U+007F (DEL) and U+0080..U+009F are control characters: a space each; U+00A1 is not."""
    assert escape_cell("a\x00b\x1bc\x7fd\x80e\x9ff\xa1g") == "a b c d e f\xa1g"


def test_markup_in_the_page_title_stays_text(scored: Scored, tmp_path: Path) -> None:
    result = RUNNER.invoke(app, ["report", str(scored.baseline), "--out", str(tmp_path / "site"),
                                 "--title", "<i>x</i> & <!--"])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    parsed = structure(page)
    assert "i" not in {tag for tag, _ in parsed.tags} and not parsed.other and foreign(page) == []
    assert page.count("&lt;i&gt;x&lt;/i&gt; &amp; &lt;!--") == 2  # <title> and <h1>


def test_markup_in_a_fingerprint_and_a_ground_truth_note_stays_text(scored: Scored, tmp_path: Path) -> None:
    """The model named by a report's fingerprint, and a model name inside the 'different ground truth' warning
    (two runs scored one benchmark on meta files of different sha256), are shown as text."""
    document = json.loads(scored.baseline.read_text())
    other = json.loads(scored.baseline.read_text())
    other["meta"]["fingerprint"] = {"backend": {"kind": "hf", "model": "<i>x</i><!--"}}
    first = next(iter(other["meta"]["data"]["benchmarks"]))
    other["meta"]["data"]["benchmarks"][first]["sha256"] = "f" * 64
    paths = []
    for name, doc in (("a", document), ("b", other)):
        (tmp_path / name).mkdir()
        paths.append(tmp_path / name / "report.json")
        paths[-1].write_text(json.dumps(doc))
    result = RUNNER.invoke(app, ["report", *map(str, paths), "--name", "<i>y</i>", "--name", "z",
                                 "--out", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    parsed = structure(page)
    assert "i" not in {tag for tag, _ in parsed.tags} and not parsed.other and foreign(page) == []
    assert "hf &lt;i&gt;x&lt;/i&gt;&lt;!--" in page and "different ground truth (&lt;i&gt;y&lt;/i&gt;; z)" in page


def _pages_show_as_text(site: Path, shown: str) -> None:
    pages = [p.read_text(encoding="utf-8") for p in sorted(site.rglob("*.html"))]
    assert any(shown in page for page in pages)  # shown, as text
    for page in pages:
        parsed = structure(page)
        assert "i" not in {tag for tag, _ in parsed.tags} and not parsed.other and foreign(page) == []


def test_markup_in_a_meta_file_question_stays_text(tmp_path: Path) -> None:
    """A benchmark meta file whose questions carry markup (the root is present, so the failed samples' cards show
    the question): the cards show it as text."""
    root = write_sample(tmp_path / "root")
    meta = root / "2D_Benchmark" / "meta_file" / "Classification_CIFAR10.json"
    items = json.loads(meta.read_text(encoding="utf-8"))
    for item in items:
        item["query"] = "<i>q</i><!-- " + item["query"]
    meta.write_text(json.dumps(items), encoding="utf-8")
    (tmp_path / "run").mkdir()
    report = score(root, root / BASELINE_ANSWERS, tmp_path / "run")
    result = RUNNER.invoke(app, ["report", str(report), "--out", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    _pages_show_as_text(tmp_path / "site", "<pre>&lt;i&gt;q&lt;/i&gt;&lt;!-- ")


def test_markup_in_a_failed_samples_note_stays_text(scored: Scored, tmp_path: Path) -> None:
    """A received run folder whose recorded LAMM root (absent here) carries markup: the note above its failed
    samples ('questions and pictures unavailable: no LAMM root at ...') shows it as text."""
    report = _hostile_copy(scored, tmp_path, root=str(tmp_path / "<i>n</i><!--"))
    result = RUNNER.invoke(app, ["report", str(report), "--out", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    _pages_show_as_text(tmp_path / "site", '<p class="note">questions and pictures unavailable: no LAMM root at ')
    pages = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "site").rglob("*.html"))
    assert re.search(r'<p class="note">[^<]*&lt;i&gt;n&lt;/i&gt;&lt;!--', pages)
