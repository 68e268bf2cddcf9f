"""A model's answer full of markup, scored and rendered by ``render_page``: it must come out as text.

The page is read back with Python's HTML parser (what a browser's tokenizer does): no element or attribute
from the answer may appear, and the answer's exact characters must be the text of its ``<pre>`` block.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from leaderboard_helpers import score

from lamm_bench.leaderboard.build import load_leaderboard
from lamm_bench.leaderboard.page import render_page
from lamm_data.sample import BASELINE_ANSWERS

HOSTILE = ('</pre></dd></dl><script>alert("answer")</script><img src=x onerror=alert(1)>'
           "<!-- & &amp; &lt;b&gt; --><b onmouseover='x'>bold</b> ]]> <style>*{}</style>")
KEY = '<i class="k">head top</i>'
MODEL = '<i class="k">model</i> & <b onmouseover="x">co</b>'


class _Collect(HTMLParser):
    """Start tags with their attributes, and the text of every ``<pre>`` block (entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.pre: list[str] = []
        self.data: list[str] = []  # all text, entities decoded
        self._in_pre = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "pre":
            self._in_pre = True
            self.pre.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self._in_pre = False

    def handle_data(self, data: str) -> None:
        self.data.append(data)
        if self._in_pre:
            self.pre[-1] += data

    def handle_comment(self, data: str) -> None:
        raise AssertionError(f"a comment reached the page: {data!r}")


@pytest.fixture(scope="module")
def page(scored, tmp_path_factory: pytest.TempPathFactory) -> str:
    lines = []
    for line in (scored.root / BASELINE_ANSWERS).read_text().splitlines():
        record = json.loads(line)
        if record["benchmark"] == "VQA_AI2D":
            record["text"] = HOSTILE
        elif record["benchmark"] == "Keypoints_Detection_LSP":
            record["text"] = {KEY: HOSTILE, **{k: v for k, v in list(record["text"].items())[1:]}}
        else:
            continue
        lines.append(json.dumps(record))
    base = tmp_path_factory.mktemp("markup")
    answers = base / "answers.jsonl"
    answers.write_text("\n".join(lines) + "\n")
    report = score(scored.root, answers, base, extra=("--allow-partial",))
    board = load_leaderboard([report], names=[MODEL], max_samples=100)  # markup in the model's name too
    shown = {name: len(s.shown) for name, s in board.diagnostics[MODEL].items()}
    assert shown["VQA_AI2D"] > 0 and shown["Keypoints_Detection_LSP"] > 0  # the hostile answers are on the page
    return render_page(board.runs, diagnostics=board.diagnostics)


def test_no_markup_from_the_answer_becomes_an_element(page: str) -> None:
    parsed = _Collect()
    parsed.feed(page)
    parsed.close()
    tags = [t for t, _ in parsed.tags]
    assert "script" not in tags and "img" not in tags
    assert tags.count("style") == 1  # the page's own stylesheet only
    assert not [(t, a) for t, a in parsed.tags for name in a if name.startswith("on")]  # <b onmouseover=...>
    assert not [(t, a) for t, a in parsed.tags if a.get("class") == "k"]  # <i class="k"> from the joint name


def test_the_answer_is_shown_verbatim_as_text(page: str) -> None:
    parsed = _Collect()
    parsed.feed(page)
    assert parsed.pre.count(HOSTILE) >= 1  # AI2D answers, character for character
    assert any(block.startswith(f"{KEY}: {HOSTILE}\n") for block in parsed.pre)  # LSP: joint name and answer
    assert HOSTILE not in page and "<script>" not in page and MODEL not in page


@pytest.mark.parametrize("exists", [True, False])
def test_a_media_file_name_with_markup_stays_text(tmp_path, exists: bool) -> None:
    """Media names come from the meta file: a name full of markup is an attribute value or text, never markup."""
    from PIL import Image

    from lamm_bench.diagnostics import ChoiceDiagnostics
    from lamm_bench.leaderboard.samples import Sample
    from lamm_bench.leaderboard.thumbnails import sample_picture

    name = 'x" onload="alert(1)<i class="k">.png'
    media = tmp_path / name
    if exists:
        Image.new("RGB", (40, 30), "white").save(media, format="PNG")
    record = ChoiceDiagnostics.build(benchmark="VQA_AI2D", index=0, missing=False)
    html = sample_picture(Sample(record, "wrong", media=media))
    parsed = _Collect()
    parsed.feed(html)
    assert not [(t, a) for t, a in parsed.tags for k in a if k.startswith("on") or a.get("class") == "k"]
    if exists:
        (svg,) = [a for t, a in parsed.tags if t == "svg"]
        assert svg["aria-label"] == name  # the exact name, as an attribute value
    else:
        assert f"{name}: file not found" in "".join(parsed.data)
