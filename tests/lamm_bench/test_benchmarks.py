"""The benchmark registry: one spec per catalog benchmark, consistent with the catalog and with what scoring writes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from lamm_bench.benchmarks import BenchmarkSpec, RegistryError, get_spec, register, specs
from lamm_bench.benchmarks.spec import PARSE_FAILURE_RATE, Metric
from lamm_bench.benchmarks.suite import DETECTION_VOC2012, LAMM_SPECS
from lamm_bench.predictions import read_predictions
from lamm_bench.scoring import score
from lamm_data.catalog import BENCHMARKS, benchmark_names, resolve
from lamm_data.errors import UnknownNameError
from lamm_data.sample import write_sample


def test_every_catalog_benchmark_has_exactly_one_spec() -> None:
    assert Counter(s.name for s in LAMM_SPECS) == Counter(BENCHMARKS)  # each once
    assert [s.name for s in specs()] == list(benchmark_names()) == list(BENCHMARKS)
    for spec in specs():
        assert spec.entry.is_benchmark and spec.gt_fields == resolve(spec.name).gt_fields
        assert spec.headlines, spec.name
        names = [m.name for m in (*spec.headlines, *spec.metrics)]
        assert len(names) == len(set(names)) and PARSE_FAILURE_RATE.name not in names, spec.name


def test_lookup_by_alias_and_errors() -> None:
    assert get_spec("VOC2012") is get_spec("Detection_VOC2012") is DETECTION_VOC2012
    with pytest.raises(UnknownNameError):
        get_spec("Detection_VOC2013")
    with pytest.raises(RegistryError, match="not a benchmark"):
        get_spec("coco_images")
    with pytest.raises(RegistryError, match="already has a spec"):
        register(DETECTION_VOC2012)
    with pytest.raises(RegistryError, match="unknown LAMM file"):
        register(BenchmarkSpec("Detection_Nowhere", DETECTION_VOC2012.scorer, DETECTION_VOC2012.diagnostics, (), (),
                               DETECTION_VOC2012.protocol))


def test_metric_direction_and_unit() -> None:
    counting = get_spec("Counting_FSC147")
    assert counting.metric("lamm", "MAE") == Metric("MAE", "lower", "count")
    assert counting.metric("metrics", "RMSE").lower_is_better and counting.metric("metrics", "RMSE").scale == 1.0
    assert counting.metric("metrics", "exact_accuracy") == Metric("exact_accuracy", "higher", "fraction")
    assert counting.metric("metrics", "parse_failure_rate").lower_is_better
    assert get_spec("Caption_flickr30k").metric("metrics", "CIDEr-D").scale == 100.0  # score, shown ×100
    unknown = get_spec("VQA_AI2D").metric("lamm", "Acc(new)")
    assert (unknown.direction, unknown.unit, unknown.scale) == ("higher", "percent", 1.0)


def test_scorers_write_their_specs_diagnostics_kind(tmp_path: Path) -> None:
    root = write_sample(tmp_path / "root")
    scored = score(read_predictions(root / "answers" / "baseline.jsonl"), root, resamples=0, diagnostics=True)
    assert list(scored.samples) == list(BENCHMARKS)
    for name, records in scored.samples.items():
        kind = get_spec(name).diagnostics
        assert records and all(type(r) is kind for r in records), name
        for record in records:  # what the leaderboard reads back is what was written
            assert kind.model_validate(record.as_dict()).as_dict() == record.as_dict()


REPO = Path(__file__).resolve().parents[2]
HOMES = {"lamm_data/catalog.py", "lamm_bench/benchmarks/suite.py"}
"""The only library modules that may name a benchmark: its catalog entry and its spec."""


def _benchmark_mentions(path: Path) -> list[str]:
    """Code (not docstrings) in a module that singles out benchmarks: a string equal to a benchmark's name, a
    comparison of an entry's ``name``/``task``/``dataset`` with a string, or a ``startswith`` test against the
    start of a benchmark name."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.value) for node in ast.walk(tree)
                  if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings \
                and node.value in BENCHMARKS:
            found.append(f"line {node.lineno}: {node.value!r}")
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            named = [s for s in sides if isinstance(s, ast.Attribute) and s.attr in ("name", "task", "dataset")]
            strings = [s for s in sides if isinstance(s, ast.Constant) and isinstance(s.value, str)]
            if named and any(any(b.startswith(s.value) for b in BENCHMARKS) for s in strings):
                found.append(f"line {node.lineno}: compares .{named[0].attr} with a benchmark name")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "startswith" \
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str) \
                and any(b.startswith(node.args[0].value) for b in BENCHMARKS):
            found.append(f"line {node.lineno}: startswith({node.args[0].value!r})")
    return found


def test_no_other_library_module_holds_a_per_benchmark_table() -> None:
    offenders = {}
    for package in ("lamm_data", "lamm_bench", "lamm_model"):
        for path in sorted((REPO / package).rglob("*.py")):
            rel = path.relative_to(REPO).as_posix()
            if rel not in HOMES and (found := _benchmark_mentions(path)):
                offenders[rel] = found
    assert offenders == {}
    assert _benchmark_mentions(REPO / "lamm_bench" / "benchmarks" / "suite.py")  # the check sees names where they are


def test_the_check_finds_a_table(tmp_path: Path) -> None:
    module = tmp_path / "table.py"
    module.write_text('"""Docstring naming Detection_VOC2012 is fine."""\nLIMITS = {"Detection_VOC2012": 3}\n'
                      'def f(entry):\n    return entry.task == "Locating" or entry.name.startswith("Fine-grained")\n')
    assert _benchmark_mentions(module) == ["line 2: 'Detection_VOC2012'",
                                           "line 4: compares .task with a benchmark name",
                                           "line 4: startswith('Fine-grained')"]
