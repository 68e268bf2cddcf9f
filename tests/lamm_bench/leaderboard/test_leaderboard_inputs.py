"""Inputs of ``lamm-bench report``: published numbers, model names, diagnostics matching and summaries."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from leaderboard_helpers import RUNNER, Scored, score

from lamm_bench.benchmarks import get_spec
from lamm_bench.cli import app
from lamm_bench.diagnostics import CaptionDiagnostics, CountingDiagnostics, DiagnosticsRecord, read_record
from lamm_bench.errors import ReportError
from lamm_bench.leaderboard.reported import REFERENCES, reference_rows
from lamm_bench.leaderboard.runs import default_name, iter_diagnostics, load_runs, predictions_digest
from lamm_bench.leaderboard.samples import failure_reason, read_samples
from lamm_bench.report import read_report


def test_every_reported_number_maps_to_a_lamm_metric_of_a_real_report(scored: Scored) -> None:
    results = read_report(scored.baseline).results
    for source in REFERENCES.values():
        for model in source.models.values():
            for value in model.values:
                if value.benchmark is None:
                    assert value.metric in ("Binary-Loc", "GPT metric")
                    continue
                assert value.metric in results[value.benchmark].lamm, (source.key, model.model, value)


@pytest.mark.parametrize(("source", "model", "benchmark", "metric", "value"), [
    ("paper-v1", "LAMM", "Classification_CIFAR10", "Acc", 34.5),
    ("paper-v1", "LAMM", "Counting_FSC147", "MAE", 53.97),
    ("paper-v1", "LAMM", "Keypoints_Detection_LSP", "PCK", "Failed"),
    ("paper-v1", "LAMM", "Detection_ScanNet", "mAP@0.5", 9.3),
    ("paper-v1", "LAMM-finetuned", "VQA_ScanQA_multiplechoice", "Acc", 99.89),
    ("paper-v1", "MiniGPT4", "VQA_AI2D", "Acc", "Failed"),
    ("paper-v1", "SOTA", "VG_ScanRefer", "Acc@0.5", 54.59),
    ("readme-2023-07", "LAMM", "Classification_CIFAR10", "Acc", 37.9),
    ("readme-2023-07", "LAMM", "Detection_ScanNet", "mAP@0.5", 8.2),
    ("readme-2023-07", "LLaVA", "Classification_CIFAR10", "Acc", 60.83),  # baselines unchanged
    ("readme-2023-07", "LAMM-finetuned", "Classification_CIFAR10", "Acc", 91.2),
])
def test_reported_values(source: str, model: str, benchmark: str, metric: str, value: float | str) -> None:
    assert REFERENCES[source].models[model].value(benchmark, metric) == value


def test_reference_specs() -> None:
    assert [m.model for m in reference_rows("paper-v1")] == ["LAMM"]
    assert [m.model for m in reference_rows("readme-2023-07:LLaVA")] == ["LLaVA"]
    assert len(reference_rows("paper-v1:all")) == len(REFERENCES["paper-v1"].models)
    assert reference_rows("paper-v1")[0].title == "LAMM · paper-v1 (reported)"
    assert [v.value for v in reference_rows("readme-2023-07")[0].unmatched] == [36.53, 89.0]
    with pytest.raises(ReportError, match=r"unknown source 'paper-v2'.*paper-v1, readme-2023-07"):
        reference_rows("paper-v2")
    with pytest.raises(ReportError, match="no model 'GPT4'"):
        reference_rows("paper-v1:GPT4")


def test_default_names() -> None:
    assert default_name(Path("runs/llava.json")) == "llava"
    assert default_name(Path("runs/llava/report.json")) == "llava"


def test_names_and_recorded_diagnostics(scored: Scored) -> None:
    runs = load_runs([scored.baseline, scored.degraded])
    assert [r.name for r in runs] == ["baseline", "degraded"]
    assert [r.diagnostics for r in runs] == [scored.diagnostics(scored.baseline), scored.diagnostics(scored.degraded)]
    named = load_runs([scored.baseline, scored.degraded], names=["A", "B"])
    assert [r.name for r in named] == ["A", "B"]
    with pytest.raises(ReportError, match="--name given 1 time"):
        load_runs([scored.baseline, scored.degraded], names=["A"])
    with pytest.raises(ReportError, match="would both be called 'baseline'"):
        load_runs([scored.baseline, scored.baseline])


def test_diagnostics_recorded_in_another_folder(scored: Scored, tmp_path: Path) -> None:
    result = RUNNER.invoke(app, ["score", str(scored.root / "answers" / "baseline.jsonl"), "--root", str(scored.root),
                                 "--out", str(tmp_path / "a" / "report.json"), "--diagnostics",
                                 str(tmp_path / "b" / "d.jsonl"), "--resamples", "0", "-q"])
    assert result.exit_code == 0, result.output
    ref = read_report(tmp_path / "a" / "report.json").meta.diagnostics
    assert ref.file == "../b/d.jsonl"
    assert ref.sha256 == hashlib.sha256((tmp_path / "b" / "d.jsonl").read_bytes()).hexdigest()
    (run,) = load_runs([tmp_path / "a" / "report.json"])
    assert run.diagnostics is not None and run.diagnostics.resolve() == (tmp_path / "b" / "d.jsonl").resolve()


def test_diagnostics_given_explicitly_are_matched_by_their_answers(scored: Scored, tmp_path: Path) -> None:
    # a report scored without --diagnostics, and diagnostics from another run of the same predictions
    bare = score(scored.root, scored.root / "answers" / "baseline.jsonl", tmp_path / "bare", diagnostics=False)
    assert read_report(bare).meta.diagnostics is None
    moved = tmp_path / "elsewhere.jsonl"
    shutil.copy(scored.diagnostics(scored.degraded), moved)
    runs = load_runs([bare, scored.degraded], names=["bare", "degraded"],
                     diagnostics=[scored.diagnostics(scored.baseline)])
    assert runs[0].diagnostics == scored.diagnostics(scored.baseline)
    assert predictions_digest(moved) == read_report(scored.degraded).meta.input.predictions_sha256
    with pytest.raises(ReportError, match="belong to none of the reports"):
        load_runs([bare], diagnostics=[moved])
    with pytest.raises(ReportError, match="already has diagnostics"):
        load_runs([scored.degraded], diagnostics=[moved])


def test_changed_or_missing_recorded_diagnostics(scored: Scored, tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(scored.baseline.parent, folder)
    diagnostics = folder / "diagnostics.jsonl"
    diagnostics.write_text(diagnostics.read_text().replace("airplane", "aeroplane"))
    with pytest.raises(ReportError, match="have changed since"):
        load_runs([folder / "report.json"])
    diagnostics.unlink()
    (run,) = load_runs([folder / "report.json"])
    assert run.diagnostics is None and "is not there" in run.notes[0]


@pytest.mark.parametrize(("lines", "message"), [
    (["{oops"], "d.jsonl:1: not JSON"),
    (['{"benchmark": "VQA_AI2D"}'], "d.jsonl:1: not a lamm-bench diagnostics record"),
    (["", "[1, 2]"], "d.jsonl:2: not a lamm-bench diagnostics record"),
])
def test_bad_diagnostics_files(tmp_path: Path, lines: list[str], message: str) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ReportError, match=message):
        list(iter_diagnostics(path))


def test_unreadable_diagnostics_files(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"gone\.jsonl: cannot read diagnostics: No such file"):
        list(iter_diagnostics(tmp_path / "gone.jsonl"))
    (tmp_path / "latin1.jsonl").write_bytes(b'{"benchmark": "caf\xe9"}\n')
    with pytest.raises(ReportError, match=r"latin1\.jsonl: cannot read diagnostics: 'utf-8' codec"):
        list(iter_diagnostics(tmp_path / "latin1.jsonl"))


@pytest.mark.parametrize(("kind", "record", "reason"), [
    (CountingDiagnostics, {"missing": True, "text": None}, "no answer"),
    (CountingDiagnostics, {"missing": False, "parse_failure": "no number in the answer", "correct": False},
     "not parsed: no number in the answer"),
    (CountingDiagnostics, {"missing": False, "parse_failure": None, "correct": False}, "wrong"),
    (CountingDiagnostics, {"missing": False, "parse_failure": None, "correct": True}, None),
    (CaptionDiagnostics, {"missing": False, "parse_failure": None}, None),  # captions: no per-sample correctness
])
def test_failure_reason(kind: type[DiagnosticsRecord], record: dict, reason: str | None) -> None:
    assert failure_reason(read_record({"benchmark": "Counting_FSC147", "index": 0, **record}, kind)) == reason


def test_diagnostics_are_read_as_their_benchmarks_kind(scored: Scored, tmp_path: Path) -> None:
    records = list(iter_diagnostics(scored.diagnostics(scored.degraded)))
    assert {type(r).__name__ for r in records if r.benchmark == "Detection_VOC2012"} == {"DetectionDiagnostics"}
    assert all(isinstance(r, get_spec(r.benchmark).diagnostics) for r in records)
    line = json.dumps({"benchmark": "Counting_FSC147", "index": 0, "missing": False, "expected": "many"})
    (tmp_path / "bad.jsonl").write_text("\n" + line + "\n")
    with pytest.raises(ReportError, match=r"bad.jsonl:2: expected: "):
        list(iter_diagnostics(tmp_path / "bad.jsonl"))


def test_summaries_agree_with_the_report(scored: Scored) -> None:
    report = read_report(scored.degraded)
    summaries = read_samples(scored.diagnostics(scored.degraded), scored.root, limit=2)
    assert list(summaries) == list(report.results)
    for name, summary in summaries.items():
        result = report.results[name]
        assert (summary.total, summary.missing, summary.unparsed) == (result.n, result.missing, result.unparsed)
        assert len(summary.shown) == min(2, summary.failed)
        for sample in summary.shown:
            assert sample.question and sample.media is not None and sample.media.is_file()
            assert str(sample.item["id"]) == sample.record.id
        assert summary.note is None
    records = [json.loads(x) for x in scored.diagnostics(scored.degraded).read_text().splitlines()]
    grounding = [r["iou"] for r in records if r["benchmark"] == "VG_ScanRefer" and not r["missing"]]
    assert summaries["VG_ScanRefer"].ious == pytest.approx(grounding)
    # VOC2012: one IoU per ground-truth object; the baseline's boxes overlap theirs well
    voc = read_samples(scored.diagnostics(scored.baseline), None, limit=0)["Detection_VOC2012"]
    objects = sum(len(r["ground_truth"]) for r in records if r["benchmark"] == "Detection_VOC2012")
    assert len(voc.ious) == objects and max(voc.ious) > 0.9
    lsp = summaries["Keypoints_Detection_LSP"]
    assert len(lsp.joint_distances) == 14 * 3 and any(d is None for d in lsp.joint_distances)


def test_meta_file_that_was_not_scored_gives_a_note(scored: Scored, tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(scored.root, root)
    meta = root / "2D_Benchmark" / "meta_file" / "Classification_CIFAR10.json"
    items = json.loads(meta.read_text())
    items[0]["id"], items[1]["id"] = items[1]["id"], items[0]["id"]
    meta.write_text(json.dumps(items))
    summary = read_samples(scored.diagnostics(scored.baseline), root, limit=5)["Classification_CIFAR10"]
    assert "is not the file that was scored" in summary.note
    assert all(s.item is None and s.media is None for s in summary.shown)
    gone = read_samples(scored.diagnostics(scored.baseline), tmp_path / "nowhere", limit=5)["VQA_AI2D"]
    assert gone.note == f"questions and pictures unavailable: no LAMM root at {tmp_path / 'nowhere'} (pass --root ROOT)"
