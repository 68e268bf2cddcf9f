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
