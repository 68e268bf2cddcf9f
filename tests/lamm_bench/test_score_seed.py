"""``lamm-bench score --seed``: the seed drives the bootstrap and nothing else."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lamm_bench.cli import app
from lamm_data.sample import BASELINE_ANSWERS, write_sample

pytestmark = pytest.mark.integration
RUNNER = CliRunner()


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    root = write_sample(tmp_path_factory.mktemp("lamm") / "root")
    out = tmp_path_factory.mktemp("out")
    found = {}
    for label, seed in (("a", "7"), ("b", "8"), ("a_again", "7")):
        path = out / f"{label}.json"
        result = RUNNER.invoke(app, ["score", str(root / BASELINE_ANSWERS), "--root", str(root), "--out", str(path),
                                     "--seed", seed, "--resamples", "100", "-q", "--jobs", "1"])
        assert result.exit_code == 0, result.output
        found[label] = json.loads(path.read_text())
    return found


def test_another_seed_gives_the_same_estimates_and_other_intervals(reports: dict[str, dict]) -> None:
    a, b = reports["a"], reports["b"]
    assert (a["meta"]["seed"], b["meta"]["seed"]) == (7, 8)
    differ = same = 0
    for name, result in a["results"].items():
        other = b["results"][name]
        assert result["lamm"] == other["lamm"] and result["metrics"] == other["metrics"], name
        assert result.keys() == other.keys() and result["ci95"].keys() == other["ci95"].keys()
        for key, interval in result["ci95"].items():
            if interval is None or interval[0] == interval[1]:
                continue  # a degenerate interval (e.g. every item right) is the same under any seed
            if interval == other["ci95"][key]:
                same += 1
            else:
                differ += 1
    # the sample has 3 to 8 items per benchmark, so many percentile intervals coincide by chance (the numbers are
    # deterministic: 55 differ and 42 coincide for seeds 7 and 8); a seed that is ignored makes all of them equal
    assert differ >= 40 and differ > same


def test_the_same_seed_gives_the_same_report(reports: dict[str, dict]) -> None:
    assert reports["a"]["results"] == reports["a_again"]["results"]
