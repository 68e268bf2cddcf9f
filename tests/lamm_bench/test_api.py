"""The Python API: ``from lamm_bench import score, compare, report`` with paths, lists of dicts and
``datasets.Dataset`` predictions; public names in ``__all__``; importing does no work."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import datasets
import pytest

import lamm_bench
import lamm_data
from lamm_bench import compare, report, score
from lamm_bench.errors import PredictionsError
from lamm_bench.report import Report
from lamm_data.sample import BASELINE_ANSWERS, write_sample


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample(tmp_path_factory.mktemp("api") / "lamm")


def _records(root: Path) -> list[dict]:
    return [json.loads(line) for line in (root / BASELINE_ANSWERS).read_text(encoding="utf-8").splitlines()
            if line.strip()]


def test_a_path_a_list_and_a_dataset_give_the_same_report(root: Path) -> None:
    from_path = score(root / BASELINE_ANSWERS, root, resamples=50)
    records = _records(root)
    from_list = score(records, root, resamples=50)
    ai2d = [r for r in records if r["benchmark"] in ("VQA_AI2D", "AI2D")]
    from_dataset = score(datasets.Dataset.from_list(ai2d), root=root, resamples=50, allow_partial=True)
    assert isinstance(from_path, Report) and isinstance(from_list, Report)
    assert from_list.results == from_path.results  # same answers, same seed: same numbers and intervals
    assert from_list.meta.input.kind == "memory" and from_list.meta.input.path == "<memory>"
    assert from_list.meta.input.predictions_sha256 == from_path.meta.input.predictions_sha256
    assert list(from_dataset.results) == ["VQA_AI2D"]
    assert from_dataset.results["VQA_AI2D"] == from_path.results["VQA_AI2D"]


def test_records_without_benchmark_take_the_benchmark_argument(root: Path) -> None:
    records = [{"id": r["id"], "text": r["text"]} for r in _records(root) if r["benchmark"] == "VQA_AI2D"]
    result = score(records, root, benchmark="AI2D", resamples=0)
    assert list(result.results) == ["VQA_AI2D"] and result.results["VQA_AI2D"].n == 3


def test_bad_records_name_their_index(root: Path) -> None:
    with pytest.raises(PredictionsError, match=r"predictions\[1\]: .*text"):
        score([{"id": "1", "benchmark": "AI2D", "text": "A"}, {"id": "2", "benchmark": "AI2D"}], root)
    with pytest.raises(PredictionsError, match="no records"):
        score([], root)


def test_score_writes_what_compare_and_report_read(root: Path, tmp_path: Path) -> None:
    records = _records(root)
    score(records, root, out=tmp_path / "a" / "report.json", resamples=50)
    changed = [dict(r, text="no idea") if r["benchmark"] == "Classification_CIFAR10" else r for r in records]
    score(changed, root, out=tmp_path / "b" / "report.json", resamples=50)
    assert (tmp_path / "a" / "report.bootstrap.npz").is_file()
    comparison = compare(tmp_path / "a" / "report.json", tmp_path / "b" / "report.json", resamples=50)
    cifar = [d for d in comparison.differences if d.benchmark == "Classification_CIFAR10" and d.block == "metrics"
             and d.name == "accuracy_exact"]
    assert cifar and cifar[0].difference is not None and cifar[0].difference < 0 and cifar[0].ci95 is not None
    text = report([tmp_path / "a" / "report.json", tmp_path / "b" / "report.json"], format="md")
    assert isinstance(text, str) and text.startswith("|") and "Classification_CIFAR10" in text
    page = report([tmp_path / "a" / "report.json"], tmp_path / "site")
    assert page == tmp_path / "site" / "index.html" and page.is_file()
    with pytest.raises(ValueError, match="out is required"):
        report([tmp_path / "a" / "report.json"])


def test_public_names_are_listed_and_resolve() -> None:
    for package in (lamm_data, lamm_bench):
        assert sorted(package.__all__) == sorted(set(package.__all__))
        for name in package.__all__:
            assert getattr(package, name) is not None, name
    assert callable(lamm_bench.report) and callable(lamm_bench.compare)
    import lamm_bench.report as report_module  # noqa: F401  (the submodule does not replace the function)

    assert lamm_bench.report is report and lamm_bench.compare is compare


def test_importing_the_packages_does_no_work() -> None:
    code = ("import sys, lamm_data, lamm_bench; heavy = [m for m in ('datasets', 'pyarrow', 'pydantic', 'numpy', "
            "'torch', 'lamm_bench.scoring', 'lamm_data.load') if m in sys.modules]; print(heavy)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
