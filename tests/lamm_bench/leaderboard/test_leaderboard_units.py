"""One units convention in every output; CIDEr-D on its own axis with round ticks; no "best" on a metric that
ignores most of a model's items."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from lamm_bench import report, score
from lamm_bench.leaderboard.board import Column, build_board, detail_columns
from lamm_bench.leaderboard.plots import metric_charts
from lamm_bench.leaderboard.runs import load_runs
from lamm_bench.leaderboard.svg import nice_ticks
from lamm_data.sample import write_sample

COUNTS = {"2": 3, "7": 5, "12": 7}  # the sample's Counting_FSC147 ground truth


@pytest.mark.parametrize(("value", "at_least", "expected"), [
    (245.2, 0.0, (250.0, 50.0)), (250.0, 0.0, (250.0, 50.0)), (33.0, 100.0, (100.0, 20.0)),
    (101.0, 100.0, (120.0, 20.0)), (2.67, 0.0, (3.0, 0.5)), (7.0, 0.0, (8.0, 2.0)), (0.0, 0.0, (1.0, 0.2))])
def test_axis_ticks_are_round(value: float, at_least: float, expected: tuple[float, float]) -> None:
    top, step = nice_ticks(value, at_least)
    assert (top, step) == pytest.approx(expected)
    assert 1 <= round(top / step) <= 6 and top >= value


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two counting models: "Many" everywhere but one exact answer, and "There are N+1." everywhere."""
    folder = tmp_path_factory.mktemp("units")
    root = write_sample(folder / "lamm")
    vague = [{"id": i, "benchmark": "Counting_FSC147", "text": "3" if i == "2" else "Many"} for i in COUNTS]
    close = [{"id": i, "benchmark": "Counting_FSC147", "text": f"There are {n + 1}."} for i, n in COUNTS.items()]
    captions = [{"id": i, "benchmark": "Caption_flickr30k", "text": t} for i, t in
                (("1000092795", "Two young guys with shaggy hair look at their hands while hanging out in the yard."),
                 ("1000268201", "A child in a pink dress is climbing up a set of stairs in an entry way."),
                 ("1000344755", "Someone in a blue shirt and hat is standing on stair and leaning against a window."))]
    out = []
    for name, records in (("vague", vague), ("close", close)):
        score([*records, *captions], root, out=folder / name / "report.json", resamples=50, allow_partial=True)
        out.append(folder / name / "report.json")
    return out


def test_mae_over_read_answers_is_never_best_when_most_answers_are_unread(runs: list[Path]) -> None:
    loaded = load_runs(runs)
    columns = detail_columns(loaded, "Counting_FSC147")
    board = build_board(loaded, columns)
    cell = {c.name: c for c in columns if c.block == "metrics"}
    vague, close = 0, 1
    assert board.rows[vague].cells[cell["MAE"]].value == 0.0  # its one read answer is exact...
    assert not board.is_best(vague, cell["MAE"])  # ...but 2 of 3 answers were not read: not "best"
    assert board.is_best(close, cell["MAE_all"])  # over every item the close model wins: 1.00 vs (0+5+7)/3
    assert board.rows[vague].cells[cell["MAE_all"]].value == pytest.approx(4.0)


def test_cider_has_its_own_axis_with_round_ticks(runs: list[Path]) -> None:
    loaded = load_runs(runs)
    charts = metric_charts(loaded, [Column("Caption_flickr30k", "lamm", "BLEU4"),
                                    Column("Caption_flickr30k", "metrics", "CIDEr-D"),
                                    Column("Caption_flickr30k", "metrics", "BLEU-4")])
    assert len(charts) == 2
    percent, scores = charts
    assert "percent" in percent and "CIDEr-D" not in percent
    assert "score ×100" in scores and "percent" not in scores
    ticks = [float(t) for t in re.findall(r'text-anchor="middle"[^>]*>([\d.]+)</text>', scores)]
    step = ticks[1] - ticks[0]
    assert ticks[0] == 0 and all(b - a == pytest.approx(step) for a, b in itertools.pairwise(ticks))
    assert step in (1, 2, 5, 10, 20, 50, 100, 200, 500)


def test_every_output_states_the_units(runs: list[Path], tmp_path: Path) -> None:
    markdown = report(runs, format="md")
    assert "Units: percent for accuracies and rates" in markdown and "CIDEr-D ×100" in markdown
    page = report(runs, tmp_path / "site").read_text(encoding="utf-8")  # type: ignore[union-attr]
    assert "<b>Units</b>: percent for accuracies and rates" in page and "CIDEr-D ×100" in page
    assert "accuracy_synonym is LAMM's WordNet rule" in page
