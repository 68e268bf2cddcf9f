"""One name for the data root in the three CLIs (``--root``), and the old spellings still accepted for this release
(``--data`` of score/report/predict, the positional ROOT of convert/export-parquet/verify), each with a warning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from lamm_bench.cli import app as bench_app
from lamm_data.cli import app as data_app
from lamm_data.sample import BASELINE_ANSWERS, write_sample
from lamm_model.cli import app as model_app

RUNNER = CliRunner()
OLD = "is the old spelling of --root"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample(tmp_path_factory.mktemp("vocab") / "lamm")


def _options(app: typer.Typer) -> dict[str, set[str]]:
    group = typer.main.get_command(app)
    return {name: {o for p in cmd.params if not getattr(p, "hidden", False) for o in p.opts}
            for name, cmd in group.commands.items()}  # type: ignore[attr-defined]


def test_every_command_that_reads_a_root_calls_it_root() -> None:
    data, bench, model = _options(data_app), _options(bench_app), _options(model_app)
    for options in (data["fetch"], data["verify"], data["convert"], data["export-parquet"], bench["score"],
                    bench["report"], model["predict"], model["train"], model["check"]):
        assert "--root" in options and "--data" not in options


def test_convert_old_positional_root_equals_root_option(root: Path) -> None:
    old = RUNNER.invoke(data_app, ["convert", str(root), "AI2D", "--json"])
    new = RUNNER.invoke(data_app, ["convert", "AI2D", "--root", str(root), "--json", "--force"])
    assert old.exit_code == 0 and new.exit_code == 0, old.output + new.output
    assert OLD in old.stderr and OLD not in new.stderr
    [a], [b] = json.loads(old.stdout)["splits"], json.loads(new.stdout)["splits"]
    assert (a["name"], a["path"], a["rows"]) == (b["name"], b["path"], b["rows"]) == (
        "VQA_AI2D", str(root / ".lamm" / "arrow" / "VQA_AI2D"), 3)
    assert (a["status"], b["status"]) == ("converted", "converted")


def test_export_parquet_old_positional_root(root: Path, tmp_path: Path) -> None:
    old = RUNNER.invoke(data_app, ["export-parquet", str(root), "LSP", "--out", str(tmp_path / "a"), "--json"])
    new = RUNNER.invoke(data_app, ["export-parquet", "LSP", "--root", str(root), "--out", str(tmp_path / "b"),
                                   "--json"])
    assert old.exit_code == 0 and new.exit_code == 0, old.output + new.output
    assert OLD in old.stderr and OLD not in new.stderr
    assert json.loads(old.stdout)[0]["rows"] == json.loads(new.stdout)[0]["rows"] == 3


def test_disagreeing_root_spellings_are_a_usage_error(root: Path, tmp_path: Path) -> None:
    both = RUNNER.invoke(data_app, ["convert", str(root), "AI2D", "--root", str(tmp_path)])
    assert both.exit_code == 2 and "disagree" in both.stderr
    answers = str(root / BASELINE_ANSWERS)
    score = RUNNER.invoke(bench_app, ["score", answers, "--root", str(root), "--data", str(tmp_path)])
    assert score.exit_code == 2 and "disagree" in score.stderr


def test_score_old_data_option(root: Path) -> None:
    args = ["score", str(root / BASELINE_ANSWERS), "--benchmark", "AI2D", "--resamples", "0", "--json", "-q"]
    old = RUNNER.invoke(bench_app, [*args, "--data", str(root)])
    new = RUNNER.invoke(bench_app, [*args, "--root", str(root)])
    assert old.exit_code == 0 and new.exit_code == 0, old.output + new.output
    assert OLD in old.stderr and OLD not in new.stderr
    a, b = json.loads(old.stdout), json.loads(new.stdout)
    assert a["results"] == b["results"] and a["meta"]["data"]["root"] == str(root)


def test_verify_old_positional_root(tmp_path: Path) -> None:
    old = RUNNER.invoke(data_app, ["verify", str(tmp_path), "--json"])
    new = RUNNER.invoke(data_app, ["verify", "--root", str(tmp_path), "--json"])
    assert old.exit_code == new.exit_code == 1  # no manifest: the same one-line error either way
    assert OLD in old.stderr and old.stderr.splitlines()[-1] == new.stderr.splitlines()[-1]
    assert "no manifest" in new.stderr


def test_train_root_is_the_data_root_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import lamm_model.cli as cli

    seen = {}

    def fake_check(cfg):
        seen["root"] = cfg.data.root
        raise typer.Exit(0)

    monkeypatch.setattr("lamm_model.checks.check_data", fake_check)
    done = RUNNER.invoke(cli.app, ["check", "--config", "sample_cpu", "--root", str(tmp_path)])
    assert done.exit_code == 0, done.output
    assert seen["root"] == str(tmp_path)
    RUNNER.invoke(cli.app, ["check", "--config", "sample_cpu", "--root", str(tmp_path), "data.root=sample"])
    assert seen["root"] == "sample"  # an explicit override wins over --root
