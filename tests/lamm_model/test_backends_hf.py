"""``lamm-model predict --hf``: tiny random LLaVA and Gemma 3 models built in the test, nothing downloaded."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lamm_bench.fingerprint import FingerprintMismatchError, read, sidecar_path
from lamm_data.catalog import BENCHMARKS, resolve
from lamm_data.schemas import JOINT_NAMES
from lamm_model.backends.hf import HFBackend, HFOptions
from lamm_model.backends.procedure import Procedure
from lamm_model.backends.runner import IMAGE_ONLY, run
from lamm_model.cli import app

REPO = Path(__file__).resolve().parents[2]
TWO_D = [b for b in BENCHMARKS if resolve(b).modality == "image"]
FAMILIES = ["llava", "gemma3"]


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _predict(model: Path, root: Path, out: Path, batch_size: int = 1, **kw) -> None:
    backend = HFBackend(HFOptions(str(model), batch_size=batch_size, device="cpu", max_new_tokens=kw.pop("tokens", 6)))
    run(backend, str(root), kw.pop("benchmarks", ["2D"]), out, procedure=Procedure(**kw.pop("procedure", {})),
        items_per_call=batch_size, **kw)


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
def test_greedy_answers_do_not_depend_on_batch_size(family: str, tiny_vlm, model_root: Path, tmp_path: Path) -> None:
    model = tiny_vlm(family)
    _predict(model, model_root, tmp_path / "b1.jsonl", batch_size=1)
    _predict(model, model_root, tmp_path / "b8.jsonl", batch_size=8)
    one, eight = _lines(tmp_path / "b1.jsonl"), _lines(tmp_path / "b8.jsonl")
    assert one == eight
    assert {line["benchmark"] for line in one} == set(TWO_D)
    # the answers really vary with the prompt and image (so padding mistakes would show)
    texts = [line["text"] for line in one if isinstance(line["text"], str)]
    assert len(set(texts)) >= 10
    keypoints = [line["text"] for line in one if line["benchmark"] == "Keypoints_Detection_LSP"]
    assert keypoints and all(list(k) == list(JOINT_NAMES) for k in keypoints)
    vqa = [line["text"] for line in one if line["benchmark"].startswith("VQA_")]
    assert vqa and all("\n The answer is " in t for t in vqa)


def test_cli_all_benchmarks_skips_3d_and_scores(tiny_vlm, model_root: Path, tmp_path: Path) -> None:
    from lamm_bench.cli import app as bench_app

    out = tmp_path / "p.jsonl"
    result = CliRunner().invoke(app, ["predict", "--hf", str(tiny_vlm("llava")), "--root", str(model_root),
                                      "--benchmark", "all", "--out", str(out), "--max-new-tokens", "4",
                                      "--batch-size", "8", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert f"3D benchmarks skipped: {IMAGE_ONLY}" in result.output
    assert {line["benchmark"] for line in _lines(out)} == set(TWO_D)
    fingerprint = read(out)
    assert fingerprint["backend"]["kind"] == "hf" and fingerprint["backend"]["dtype"] == "fp32"
    assert set(fingerprint["not_predicted"]) == {b for b in BENCHMARKS if b not in TWO_D}
    report = tmp_path / "report.json"
    scored = CliRunner().invoke(bench_app, ["score", str(out), "--root", str(model_root), "--out", str(report),
                                            "--resamples", "0", "--jobs", "1", "--quiet"])
    assert scored.exit_code == 0, scored.output
    assert "missing, not scored (this model takes images only)" in scored.output
    meta = json.loads(report.read_text())
    assert meta["meta"]["fingerprint"] == fingerprint
    assert set(meta["meta"]["not_predicted"]) == set(fingerprint["not_predicted"])
    assert set(meta["results"]) == set(TWO_D)  # missing, not scored as zeros


def test_resume_appends_only_missing_items_and_checks_settings(tiny_vlm, model_root: Path, tmp_path: Path) -> None:
    model = tiny_vlm("llava")
    full, part = tmp_path / "full.jsonl", tmp_path / "part.jsonl"
    kw = {"benchmarks": ["Classification_CIFAR10", "VQA_AI2D"]}
    _predict(model, model_root, full, limit=3, **kw)
    _predict(model, model_root, part, limit=1, **kw)
    assert len(_lines(part)) == 2
    _predict(model, model_root, part, limit=3, **kw)
    assert sorted(part.read_text().splitlines()) == sorted(full.read_text().splitlines())  # appended: other order
    before = part.read_bytes()
    with pytest.raises(FingerprintMismatchError, match=r"decoding\.max_new_tokens \(6 before, 7 now\)"):
        _predict(model, model_root, part, tokens=7, **kw)
    with pytest.raises(FingerprintMismatchError, match=r"prompt\.style"):
        _predict(model, model_root, part, procedure={"style": "native", "vqa_two_pass": True}, **kw)
    assert part.read_bytes() == before  # nothing written by the refused runs
    _predict(model, model_root, part, tokens=7, force=True, limit=1, **kw)
    assert len(_lines(part)) == 2 and read(part)["decoding"]["max_new_tokens"] == 7


def test_predictions_without_fingerprint_are_not_resumed(tiny_vlm, model_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    out.write_text('{"id": "0", "benchmark": "Classification_CIFAR10", "text": "cat"}\n', encoding="utf-8")
    with pytest.raises(FingerprintMismatchError, match="no fingerprint"):
        _predict(tiny_vlm("llava"), model_root, out, benchmarks=["Classification_CIFAR10"])
    assert not sidecar_path(out).exists()


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "lamm_model", "predict", *args]


@pytest.mark.slow
@pytest.mark.integration
def test_kill_9_then_resume_gives_the_uninterrupted_file(tiny_vlm, model_root: Path, tmp_path: Path) -> None:
    args = ["--hf", str(tiny_vlm("gemma3")), "--root", str(model_root), "--benchmark", "2D", "--device", "cpu",
            "--max-new-tokens", "24"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    whole = subprocess.run(_cli(*args, "--out", str(tmp_path / "whole.jsonl")), env=env, capture_output=True,
                           text=True, timeout=600)
    assert whole.returncode == 0, whole.stderr[-2000:]
    out = tmp_path / "killed.jsonl"
    proc = subprocess.Popen(_cli(*args, "--out", str(out)), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and (not out.exists() or out.read_bytes().count(b"\n") < 5):
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    assert 5 <= out.read_bytes().count(b"\n") < len(_lines(tmp_path / "whole.jsonl"))
    resumed = subprocess.run(_cli(*args, "--out", str(out)), env=env, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert out.read_bytes() == (tmp_path / "whole.jsonl").read_bytes()


def test_dry_run_prints_the_messages_of_both_styles(tiny_vlm, model_root: Path, tmp_path: Path) -> None:
    from lamm_model.backends.lamm_prompts import system_message

    base = ["predict", "--hf", str(tiny_vlm("llava")), "--root", str(model_root), "--benchmark", "all",
            "--out", str(tmp_path / "p.jsonl"), "--dry-run"]
    lamm = CliRunner().invoke(app, base)
    assert lamm.exit_code == 0, lamm.output
    for name in TWO_D:
        assert f"== {name} (item " in lamm.output
    assert json.dumps(system_message("OCR_SVT"))[1:40] in lamm.output
    assert "one such request per LSP joint (14 in all)" in lamm.output
    assert "second pass" in lamm.output and "SYSTEM: " in lamm.output  # rendered by the chat template
    assert f"3D benchmarks skipped: {IMAGE_ONLY}" in lamm.output
    native = CliRunner().invoke(app, [*base, "--prompt-style", "native"])
    assert native.exit_code == 0, native.output
    assert '"role": "system"' not in native.output and "second pass" not in native.output
    api = CliRunner().invoke(app, ["predict", "--api-base", "http://127.0.0.1:9/v1", "--api-model", "m", "--root",
                                   str(model_root), "-b", "VQA_AI2D", "--out", str(tmp_path / "p.jsonl"), "--dry-run"])
    assert api.exit_code == 0, api.output
    assert '"type": "image_url"' in api.output and ";base64,<" in api.output and '"role": "system"' in api.output
    assert not (tmp_path / "p.jsonl").exists()


def test_bad_backend_options_fail_clearly(tiny_vlm, model_root: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    both = runner.invoke(app, ["predict", "--hf", "x", "--api-base", "http://127.0.0.1:9/v1", "--root", "sample",
                               "-b", "all", "--out", str(tmp_path / "p.jsonl")])
    assert both.exit_code == 2 and "exactly one of --checkpoint, --hf or --api-base" in both.output
    style = runner.invoke(app, ["predict", "--hf", str(tiny_vlm("llava")), "--root", str(model_root), "-b", "OCR_SVT",
                                "--out", str(tmp_path / "p.jsonl"), "--prompt-style", "train"])
    assert style.exit_code != 0 and "--prompt-style 'train'" in style.output
    model = runner.invoke(app, ["predict", "--api-base", "http://127.0.0.1:9/v1", "--root", str(model_root),
                                "-b", "OCR_SVT", "--out", str(tmp_path / "p.jsonl")])
    assert model.exit_code != 0 and "--api-model" in model.output
