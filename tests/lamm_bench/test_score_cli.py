"""``lamm-bench score`` / ``schema`` / ``compare`` end to end on the embedded sample (real WordNet rule)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lamm_bench.cli import app
from lamm_bench.report import Report
from lamm_data.catalog import BENCHMARKS, resolve
from lamm_data.sample import BASELINE_ANSWERS, write_sample

pytestmark = pytest.mark.integration

LAMM_NAMES = {
    "Caption_flickr30k": ["BLEU4"], "Classification_CIFAR10": ["Acc"], "Counting_FSC147": ["MAE", "MAE(<10)"],
    "Detection_VOC2012": ["mAP@0.5"], "Facial_Classification_CelebA(Hair)": ["Acc"],
    "Facial_Classification_CelebA(Smile)": ["Acc"], "Fine-grained_Classification_UCMerced": ["Acc"],
    "Keypoints_Detection_LSP": ["PCK"], "Locating_VOC2012": ["Acc"], "Locating_LSP": ["Acc"],
    "Locating_FSC147": ["Acc"], "OCR_SVT": ["Word Acc"], "VQA_AI2D": ["Acc"], "VQA_SQAimage": ["Acc"],
    "Detection_ScanNet": ["mAP@0.5"], "VG_ScanRefer": ["Acc@0.25", "Acc@0.5"], "VQA_ScanQA_multiplechoice": ["Acc"],
}
_DET = [f"{m}@{t}{s}" for m in ("precision", "recall", "f1", "ap") for t in (0.5, 0.25) for s in ("", "_agnostic")]
_JOINTS = ("right ankle", "right knee", "right hip", "left hip", "left knee", "left ankle", "right wrist",
           "right elbow", "right shoulder", "left shoulder", "left elbow", "left wrist", "neck", "head top")
METRIC_NAMES = {
    "Caption_flickr30k": ["CIDEr-D", "BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "ROUGE-L"],
    "Classification_CIFAR10": ["accuracy_exact", "accuracy_synonym"],
    "Counting_FSC147": ["MAE_all", "MAE", "RMSE", "exact_accuracy"],
    "Detection_VOC2012": _DET, "Facial_Classification_CelebA(Hair)": ["accuracy_exact", "accuracy_synonym"],
    "Facial_Classification_CelebA(Smile)": ["accuracy"],
    "Fine-grained_Classification_UCMerced": ["accuracy_exact", "accuracy_synonym"],
    "Keypoints_Detection_LSP": ["pck@0.1", *(f"pck@0.1/{j}" for j in _JOINTS), "joint_parse_failure_rate"],
    "Locating_VOC2012": ["recall", "precision", "recall_agnostic", "precision_agnostic"], "Locating_LSP": ["accuracy"],
    "Locating_FSC147": ["recall@0.1", "precision@0.1"], "OCR_SVT": ["word_recall", "word_precision"],
    "VQA_AI2D": ["accuracy", "parse_rate"], "VQA_SQAimage": ["accuracy", "parse_rate"], "Detection_ScanNet": _DET,
    "VG_ScanRefer": ["acc@0.25", "acc@0.5", "mean_iou"], "VQA_ScanQA_multiplechoice": ["accuracy", "parse_rate"],
}
RUNNER = CliRunner(env={"COLUMNS": "250"})


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample(tmp_path_factory.mktemp("lamm") / "root")


@pytest.fixture(scope="module")
def scored(root: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("out")
    result = RUNNER.invoke(app, ["score", str(root / BASELINE_ANSWERS), "--root", str(root), "--out",
                                 str(out / "report.json"), "--diagnostics", str(out / "samples.jsonl"), "--resamples",
                                 "200"])
    assert result.exit_code == 0, result.output
    return {"result": result, "dir": out, "report": json.loads((out / "report.json").read_text())}


def test_score_prints_every_benchmark(scored: dict) -> None:
    stdout = scored["result"].stdout
    for name in BENCHMARKS:
        assert name in stdout
    assert "scored VQA_AI2D" in scored["result"].stderr  # progress goes to stderr


def test_report_matches_the_contract(scored: dict) -> None:
    report = scored["report"]
    assert set(report) == {"results", "meta"}
    assert list(report["results"]) == list(BENCHMARKS)
    for name, result in report["results"].items():
        assert set(result) == {"lamm", "metrics", "ci95", "n", "missing", "unparsed"}
        assert list(result["lamm"]) == LAMM_NAMES[name]
        assert set(result["metrics"]) == {*METRIC_NAMES[name], "parse_failure_rate"}
        for key, interval in result["ci95"].items():
            assert key.removeprefix("lamm.") in result["metrics"] or key.removeprefix("lamm.") in result["lamm"]
            assert interval is None or (len(interval) == 2 and interval[0] <= interval[1])
    meta = report["meta"]
    assert meta["package"] == "lamm-toolkit" and meta["seed"] == 0 and len(meta["input"]["sha256"]) == 64
    assert set(meta["data"]["benchmarks"]) == set(BENCHMARKS)
    assert (scored["dir"] / meta["samples"]["file"]).is_file()
    Report.model_validate(report)


def test_lamm_numbers_on_the_baseline(scored: dict) -> None:
    results = scored["report"]["results"]
    # AI2D: "(B)" right, "energy" named alone (text fallback) right, "D" wrong
    assert results["VQA_AI2D"]["lamm"]["Acc"] == pytest.approx(200 / 3)
    # FSC147 (gt 3, 5, 7): "3" -> 0, "four" -> 1, "Many" read as 0 -> 7
    assert results["Counting_FSC147"]["lamm"]["MAE"] == pytest.approx((0 + 1 + 7) / 3)
    # honest: MAE over the two read answers (errors 0 and 1); MAE_all counts the unread one as a miss by its 7
    assert results["Counting_FSC147"]["metrics"]["MAE"] == pytest.approx(0.5)
    assert results["Counting_FSC147"]["metrics"]["MAE_all"] == pytest.approx((0 + 1 + 7) / 3)
    # CIFAR10 with WordNet: "airplane" matches; "puppy", "boat" are not first-synset lemmas; "cat" vs frog
    assert results["Classification_CIFAR10"]["lamm"]["Acc"] == 25.0
    assert results["Classification_CIFAR10"]["metrics"]["accuracy_exact"] == 0.25


def test_diagnostics_records(scored: dict) -> None:
    lines = [json.loads(x) for x in (scored["dir"] / "samples.jsonl").read_text().splitlines()]
    assert len(lines) == sum(r["n"] for r in scored["report"]["results"].values())
    by_key = {(x["benchmark"], x["id"]): x for x in lines}
    det = by_key[("Detection_VOC2012", "2008_000015")]
    assert det["parsed"]["notes"] == ["corners reordered"]
    assert det["matches"]["0.5"] and det["lamm"]["hits"] == [True]
    count = by_key[("Counting_FSC147", "12")]
    assert count["parse_failure"] == "no number in the answer" and count["correct"] is False
    choice = by_key[("VQA_ScanQA_multiplechoice", "scene0011_00_q1")]
    assert choice["parsed"]["option"] == "F" and "does not exist" in choice["note"]


def test_legacy_folder_gives_the_same_report(root: Path, scored: dict, tmp_path: Path) -> None:
    folder = tmp_path / "answers"
    folder.mkdir()
    grouped: dict[str, list] = {}
    for line in (root / BASELINE_ANSWERS).read_text().splitlines():
        record = json.loads(line)
        grouped.setdefault(resolve(record["benchmark"]).name, []).append(
            {"id": record["id"], "text": record["text"], "delta_path": "ckpt/x"})
    for name, records in grouped.items():
        (folder / f"{name}.json").write_text(json.dumps(records, indent=4))
    result = RUNNER.invoke(app, ["score", str(folder), "--root", str(root), "--out", str(tmp_path / "r.json"),
                                 "--resamples", "200"])
    assert result.exit_code == 0, result.output
    legacy = json.loads((tmp_path / "r.json").read_text())
    assert legacy["results"] == scored["report"]["results"]
    assert legacy["meta"]["input"]["kind"] == "legacy-dir"
    assert legacy["meta"]["input"]["predictions_sha256"] == scored["report"]["meta"]["input"]["predictions_sha256"]


@pytest.mark.parametrize(("lines", "extra", "message"), [
    (['{"id": "4562", "benchmark": "AI2D", "text": "A"}', "{oops"], ["--allow-partial"], "p.jsonl:2: malformed JSON"),
    (['{"id": "nope", "benchmark": "AI2D", "text": "A"}'], ["--allow-partial"], "not in the ground truth: 'nope'"),
    (['{"id": "4562", "benchmark": "AI2D", "text": "A"}'], [], "predictions cover 1 of 17 benchmarks"),
    (['{"id": "4562", "benchmark": "AI2D", "text": "A"}'] * 2, ["--allow-partial"], "duplicate prediction id"),
])
def test_bad_inputs_fail_with_their_error(root: Path, tmp_path: Path, lines, extra, message) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = RUNNER.invoke(app, ["score", str(path), "--root", str(root), "--out", str(tmp_path / "r.json"), *extra])
    assert result.exit_code == 1
    assert message in " ".join(result.stderr.split())
    assert "scored" not in result.stderr  # progress names only benchmarks that were scored
    assert not (tmp_path / "r.json").exists()


def test_partial_and_single_benchmark(root: Path, tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"id": "4562", "text": "The answer is (B)."}\n')
    out = tmp_path / "r.json"
    result = RUNNER.invoke(app, ["score", str(path), "--root", str(root), "--benchmark", "AI2D", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert list(report["results"]) == ["VQA_AI2D"]
    assert report["results"]["VQA_AI2D"]["missing"] == 2
    assert report["results"]["VQA_AI2D"]["lamm"]["Acc"] == pytest.approx(100 / 3)
    assert any("2 of 3 item(s) have no prediction" in w for w in report["meta"]["warnings"])
    missing_root = RUNNER.invoke(app, ["score", str(path), "--root", str(tmp_path / "nowhere"), "--benchmark", "AI2D"])
    assert missing_root.exit_code == 1 and "lamm-data fetch" in missing_root.stderr


def test_schema_command() -> None:
    result = RUNNER.invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["title"] == "LAMM prediction"


def test_compare(root: Path, scored: dict, tmp_path: Path) -> None:
    report_a = scored["dir"] / "report.json"
    same = RUNNER.invoke(app, ["compare", str(report_a), str(report_a), "--json", "--resamples", "100"])
    assert same.exit_code == 0, same.output
    diffs = json.loads(same.stdout)["differences"]
    assert all(d["difference"] in (0.0, None) for d in diffs)
    assert all(d["ci95"] in ([0.0, 0.0], None) for d in diffs)
    # B answers AI2D perfectly: +33.3 points, with a paired interval
    lines = (root / BASELINE_ANSWERS).read_text().replace('"The answer is D."', '"The answer is A."')
    (tmp_path / "b.jsonl").write_text(lines)
    result_b = RUNNER.invoke(app, ["score", str(tmp_path / "b.jsonl"), "--root", str(root), "--out",
                                   str(tmp_path / "b.json"), "--resamples", "100"])
    assert result_b.exit_code == 0, result_b.output
    compared = json.loads(RUNNER.invoke(app, ["compare", str(report_a), str(tmp_path / "b.json"), "--json",
                                              "--resamples", "100"]).stdout)
    ai2d = next(d for d in compared["differences"] if d["benchmark"] == "VQA_AI2D" and d["name"] == "Acc")
    assert ai2d["difference"] == pytest.approx(100 / 3)
    # one item differs: each resample's difference is 100 * (times it was drawn) / 3, never negative
    assert ai2d["ci95"][0] == 0.0 and 66.6 < ai2d["ci95"][1] <= 100.0
    # the text view: only what changed, in percent, with its interval
    text = RUNNER.invoke(app, ["compare", str(report_a), str(tmp_path / "b.json"), "--resamples", "100"]).stdout
    changed = [line.split() for line in text.splitlines() if line.startswith("VQA_AI2D")]
    assert ["VQA_AI2D", "LAMM", "Acc", "66.7", "100.0", "+33.3"] in [row[:6] for row in changed]
    assert not any(line.startswith("Counting_FSC147") for line in text.splitlines())
    # a sidecar the report names but that is gone: an error naming it (not a silent comparison without intervals)
    (tmp_path / "b.bootstrap.npz").unlink()
    broken = RUNNER.invoke(app, ["compare", str(report_a), str(tmp_path / "b.json")])
    assert broken.exit_code == 1 and "cannot read the bootstrap sidecar" in broken.stderr
    table = RUNNER.invoke(app, ["compare", str(report_a), str(report_a), "--resamples", "20"])
    assert table.exit_code == 0 and "no metric changed" in table.stdout and "VQA_AI2D" not in table.stdout
    assert "unchanged row(s) hidden; --all shows them" in table.stdout
    every = RUNNER.invoke(app, ["compare", str(report_a), str(report_a), "--resamples", "20", "--all"])
    assert every.exit_code == 0 and "parse_failure_rate ↓" in every.stdout and "LAMM Acc" in every.stdout
    assert "MAE_all ↓" in every.stdout and "LAMM MAE ↓" in every.stdout  # direction marks


def test_parallel_scoring_gives_the_same_report(root: Path) -> None:
    from lamm_bench.predictions import read_predictions
    from lamm_bench.scoring import score

    predictions = read_predictions(root / BASELINE_ANSWERS)
    one = score(predictions, root, resamples=200, seed=3, jobs=1)
    two = score(predictions, root, resamples=200, seed=3, jobs=2)
    assert two.report.model_dump() == one.report.model_dump()
    assert list(two.report.results) == list(BENCHMARKS)
    assert [*two.sample_records()] == [*one.sample_records()]


def test_parallel_scoring_raises_the_failing_benchmarks_error(root: Path, tmp_path: Path) -> None:
    import shutil

    from lamm_bench.predictions import read_predictions
    from lamm_bench.scoring import score
    from lamm_data.errors import SchemaError

    broken = tmp_path / "broken"
    shutil.copytree(root, broken)
    (broken / "2D_Benchmark" / "meta_file" / "OCR_SVT.json").write_text('[{"id": "x"}]')
    scored: list[str] = []
    with pytest.raises(SchemaError, match=r"OCR_SVT\.json"):
        score(read_predictions(root / BASELINE_ANSWERS), broken, resamples=20, jobs=2, progress=scored.append)
    assert "OCR_SVT" not in scored


def test_compare_says_why_an_interval_is_not_paired(root: Path, scored: dict, tmp_path: Path) -> None:
    import shutil

    from lamm_bench.compare import compare_reports

    report_a = scored["dir"] / "report.json"
    other = tmp_path / "other"
    shutil.copytree(root, other)
    meta = other / "2D_Benchmark" / "meta_file" / "VQA_AI2D.json"
    meta.write_text(meta.read_text().replace("Which stage", "What stage"))
    result = RUNNER.invoke(app, ["score", str(root / BASELINE_ANSWERS), "--root", str(other), "--benchmark", "AI2D",
                                 "--out", str(tmp_path / "b.json"), "--resamples", "50"])
    assert result.exit_code == 0, result.output
    compared = compare_reports(report_a, tmp_path / "b.json", resamples=50)
    assert compared.notes == ["VQA_AI2D: no paired interval: the reports were scored against different ground truth"]
    assert compared.only_in_a == [n for n in sorted(BENCHMARKS) if n != "VQA_AI2D"] and compared.only_in_b == []
    ai2d = [d for d in compared.differences if d.benchmark == "VQA_AI2D"]
    assert ai2d and all(d.difference == 0.0 and d.ci95 is None for d in ai2d)
    # a report without a sidecar (meta.samples null): differences without intervals, and the reason
    bare = json.loads(report_a.read_text())
    bare["meta"]["samples"] = None
    (tmp_path / "bare.json").write_text(json.dumps(bare))
    compared = compare_reports(tmp_path / "bare.json", report_a, resamples=50)
    assert len(compared.notes) == len(BENCHMARKS)
    assert all(n.endswith("no paired interval: a report has no bootstrap sidecar (score with --out to write one)")
               for n in compared.notes)
    assert all(d.ci95 is None for d in compared.differences)


def test_absurd_answers_give_strict_json_outputs(root: Path, tmp_path: Path) -> None:
    """A lone surrogate in an answer (valid JSON input, not valid Unicode) and a coordinate that overflows to
    infinity: scoring works, the diagnostics are strict UTF-8 JSON and still identify the predictions."""
    from lamm_bench.leaderboard.runs import predictions_digest

    joints = {joint: "[1e308, 0.5]" for joint in _JOINTS}
    lines = [{"id": "4562", "benchmark": "AI2D", "text": "The answer is (B) \ud800."},
             {"id": "im0001", "benchmark": "LSP", "text": joints}]
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="ascii")
    out, diagnostics = tmp_path / "r.json", tmp_path / "d.jsonl"
    result = RUNNER.invoke(app, ["score", str(path), "--root", str(root), "--allow-partial", "--out", str(out),
                                 "--diagnostics", str(diagnostics), "--resamples", "20"])
    assert result.exit_code == 0, result.output

    def reject(constant: str) -> None:
        raise AssertionError(f"non-standard JSON number {constant}")

    records = [json.loads(line, parse_constant=reject) for line in diagnostics.read_text("utf-8").splitlines()]
    lsp = next(r for r in records if r["benchmark"] == "Keypoints_Detection_LSP" and r["id"] == "im0001")
    assert {j["distance_px"] for j in lsp["parsed"]["joints"]} == {None}  # overflowed to infinity: undefined
    assert next(r for r in records if r["id"] == "4562")["text"] == lines[0]["text"]  # the surrogate round-trips
    report = json.loads(out.read_text(), parse_constant=reject)
    assert predictions_digest(diagnostics) == report["meta"]["input"]["predictions_sha256"]


def test_scoring_in_a_process_that_loaded_torch_does_not_fork(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A process with torch's thread pools (e.g. right after predicting) scores in-process: a forked worker could
    deadlock on a lock held by a thread that the child does not have. Same report as with workers."""
    import sys
    import types

    from lamm_bench import scoring
    from lamm_bench.predictions import read_predictions

    predictions = read_predictions(root / BASELINE_ANSWERS)
    forked = scoring.score(predictions, root, resamples=20, seed=3, jobs=2)
    monkeypatch.setitem(sys.modules, "torch", sys.modules.get("torch") or types.ModuleType("torch"))
    monkeypatch.setattr(scoring.mp, "get_context", lambda *args: pytest.fail("forked with torch loaded"))
    inline = scoring.score(predictions, root, resamples=20, seed=3, jobs=2)
    assert inline.report.model_dump() == forked.report.model_dump()
