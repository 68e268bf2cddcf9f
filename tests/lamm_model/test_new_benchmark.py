"""The demonstration of the benchmark registry: a new benchmark of an existing family (one more classification
set) is registered from a fixture (``tests/fixtures/new_benchmark``: a catalog entry, a spec and sample files)
and then validated, converted, predicted with the tiny model, scored and shown on the leaderboard, without any
module of the package being edited (``docs/adding-a-benchmark.md``)."""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from lamm_bench.benchmarks import get_spec
from lamm_bench.predictions import PredictionRecord
from lamm_data.catalog import benchmark_names, resolve
from lamm_data.errors import UnknownNameError
from lamm_data.load import load_split
from lamm_model.answers import reference_turns
from lamm_model.backends.runner import select_benchmarks
from lamm_model.predict import GenerationSettings, predict

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "new_benchmark"
REPO = Path(__file__).resolve().parents[2]


def _fixture_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("new_benchmark_fixture", FIXTURE / "benchmark.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.fixture
def mnist_root(tmp_path: Path) -> Iterator[Path]:
    """The fixture's LAMM root (a copy) with Classification_MNIST registered for the duration of the test."""
    module = _fixture_module()
    root = tmp_path / "root"
    shutil.copytree(FIXTURE / "root", root)
    module.register_benchmark()
    try:
        yield root
    finally:
        module.unregister_benchmark()
    with pytest.raises(UnknownNameError):
        resolve("Classification_MNIST")


@pytest.mark.slow
@pytest.mark.integration
def test_a_registered_benchmark_runs_end_to_end(mnist_root: Path, trained_checkpoint: Path, tmp_path: Path) -> None:
    from lamm_bench.cli import app as bench
    from lamm_data.cli import app as data

    runner = CliRunner()
    name = "Classification_MNIST"
    assert benchmark_names()[-1] == name and get_spec("MNIST").name == name
    # validate and convert (the catalog entry names the record model and media folder)
    done = runner.invoke(data, ["validate", str(mnist_root)])
    assert done.exit_code == 0 and "Classification_MNIST.json" in done.output, done.output
    assert "6 items: all valid" in done.output and "6 checked" in done.output, done.output  # media checked too
    done = runner.invoke(data, ["convert", "MNIST", "--root", str(mnist_root), "--quiet"])
    assert done.exit_code == 0, done.output
    rows = load_split("MNIST", mnist_root, decode=False, progress=False)
    assert rows.num_rows == 6 and rows[0]["label"] == "zero" and rows[0]["width"] == 28
    # training data from the spec's reference answers
    assert reference_turns(resolve(name), rows[4])[1]["value"] == "The category label for this image is seven."
    # predict with the tiny model, through the spec's protocol, as PredictionRecord lines
    assert name in select_benchmarks(["2D"])
    out = tmp_path / "predictions.jsonl"
    summary = predict(trained_checkpoint, str(mnist_root), ["MNIST"], out, batch_size=4,
                      settings=GenerationSettings(max_new_tokens=3))
    lines = [PredictionRecord.model_validate_json(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert summary.written == {name: 6} and [r.id for r in lines] == [f"mnist-{i}" for i in range(6)]
    assert {r.benchmark for r in lines} == {name}
    # score, with diagnostics
    report, diagnostics = tmp_path / "run" / "report.json", tmp_path / "run" / "diagnostics.jsonl"
    done = runner.invoke(bench, ["score", str(out), "--root", str(mnist_root), "--benchmark", "MNIST", "--out",
                                 str(report), "--diagnostics", str(diagnostics), "--resamples", "50", "--quiet"])
    assert done.exit_code == 0, done.output
    result = json.loads(report.read_text())["results"][name]
    assert result["n"] == 6 and result["missing"] == 0 and set(result["lamm"]) == {"Acc"}
    assert {"accuracy_exact", "accuracy_synonym", "parse_failure_rate"} <= set(result["metrics"])
    records = [json.loads(line) for line in diagnostics.read_text().splitlines()]
    assert [r["expected"] for r in records] == ["zero", "one", "two", "three", "seven", "nine"]
    # the leaderboard: Markdown and the HTML page with the failed samples' pictures
    done = runner.invoke(bench, ["report", str(report), "--format", "md"])
    assert done.exit_code == 0 and name in done.output and "LAMM Acc" in done.output, done.output
    done = runner.invoke(bench, ["report", str(report), "--out", str(tmp_path / "site"), "--max-samples", "2"])
    assert done.exit_code == 0, done.output
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert f'<section class="benchmark" id="b-{name}">' in page and f'data-benchmark="{name}"' in page
    assert "accuracy_exact" in page and "data:image/jpeg;base64," in page  # its failed samples, with pictures
    # nothing in the package knows this benchmark
    for package in ("lamm_data", "lamm_bench", "lamm_model"):
        assert not [p for p in (REPO / package).rglob("*.py") if "MNIST" in p.read_text(encoding="utf-8")], package
