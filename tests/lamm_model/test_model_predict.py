"""Predictions: LAMM's per-benchmark procedure, the JSONL lamm-bench reads, resume, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lamm_data.catalog import BENCHMARKS, resolve
from lamm_data.schemas import JOINT_NAMES
from lamm_model.backends.runner import select_benchmarks
from lamm_model.config import ConfigError
from lamm_model.data import load_rows
from lamm_model.predict import GenerationSettings, PredictionFileError, predict


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


GREEDY = GenerationSettings(max_new_tokens=3)


@pytest.mark.slow
@pytest.mark.integration
def test_predictions_for_every_benchmark_are_scored_by_lamm_bench(trained_checkpoint: Path, model_root: Path,
                                                                  tmp_path: Path) -> None:
    """The end-to-end check: predict on the embedded sample, then `lamm-bench score` accepts every line."""
    from lamm_bench.cli import app as bench

    out = tmp_path / "predictions.jsonl"
    summary = predict(trained_checkpoint, str(model_root), ["all"], out, batch_size=4, settings=GREEDY)
    lines = _read(out)
    for name in BENCHMARKS:
        ids = [str(r["id"]) for r in load_rows(name, model_root)]
        mine = [line for line in lines if line["benchmark"] == name]
        assert [line["id"] for line in mine] == ids and summary.written[name] == len(ids)
        for line in mine:
            if name == "Keypoints_Detection_LSP":
                assert list(line["text"]) == list(JOINT_NAMES)
                assert all(isinstance(v, str) for v in line["text"].values())
            else:
                assert isinstance(line["text"], str)
            if resolve(name).task == "VQA":
                assert "\n The answer is " in line["text"]  # LAMM's two-pass VQA answer
    report = tmp_path / "report.json"
    done = CliRunner().invoke(bench, ["score", str(out), "--root", str(model_root), "--out", str(report),
                                      "--resamples", "0", "--quiet"])
    assert done.exit_code == 0, done.output
    results = json.loads(report.read_text())["results"]
    assert set(results) == set(BENCHMARKS)
    assert all(results[name]["missing"] == 0 and results[name]["n"] == summary.written[name] for name in BENCHMARKS)


def test_rerun_skips_written_ids_and_repairs_a_cut_line(trained_checkpoint: Path, model_root: Path,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    predict(trained_checkpoint, str(model_root), ["CIFAR10", "ScanQA"], out, settings=GREEDY, limit=2)
    first = out.read_text(encoding="utf-8")
    assert len(first.splitlines()) == 4
    with open(out, "a", encoding="utf-8") as f:
        f.write('{"id": "2", "benchmark": "Classification_CIF')  # a crash mid-line
    summary = predict(trained_checkpoint, str(model_root), ["Classification_CIFAR10,VQA_ScanQA_multiplechoice"], out,
                      settings=GREEDY)
    assert summary.skipped == {"Classification_CIFAR10": 2, "VQA_ScanQA_multiplechoice": 2}
    assert summary.written == {"Classification_CIFAR10": 2, "VQA_ScanQA_multiplechoice": 1}
    lines = _read(out)
    assert out.read_text(encoding="utf-8").startswith(first) and len(lines) == 7
    assert len({(x["benchmark"], x["id"]) for x in lines}) == 7
    again = predict(trained_checkpoint, str(model_root), ["CIFAR10", "ScanQA"], out, settings=GREEDY)
    assert sum(again.written.values()) == 0 and len(_read(out)) == 7


@pytest.mark.slow
def test_greedy_decoding_is_deterministic_and_independent_of_batching(trained_checkpoint: Path, model_root: Path,
                                                                      tmp_path: Path) -> None:
    names = ["Keypoints_Detection_LSP", "VG_ScanRefer"]
    settings = GenerationSettings(max_new_tokens=6)
    one, many, again = (predict(trained_checkpoint, str(model_root), names, tmp_path / f"{i}.jsonl", batch_size=size,
                                settings=settings, limit=1).out for i, size in enumerate((1, 5, 1)))
    assert _read(one) == _read(again) == _read(many)
    assert len(_read(one)) == 2


def test_options_change_the_procedure(trained_checkpoint: Path, model_root: Path, tmp_path: Path) -> None:
    one_pass = GenerationSettings(max_new_tokens=3, vqa_two_pass=False, style="train")
    out = predict(trained_checkpoint, str(model_root), ["AI2D"], tmp_path / "p.jsonl", settings=one_pass).out
    assert all("The answer is" not in line["text"] for line in _read(out))
    sampled = GenerationSettings(max_new_tokens=4, do_sample=True, seed=3)
    a = predict(trained_checkpoint, str(model_root), ["SVT"], tmp_path / "s1.jsonl", settings=sampled).out
    b = predict(trained_checkpoint, str(model_root), ["SVT"], tmp_path / "s2.jsonl", settings=sampled).out
    assert _read(a) == _read(b)  # sampling is seeded
    other = GenerationSettings(max_new_tokens=4, do_sample=True, seed=4)
    c = predict(trained_checkpoint, str(model_root), ["SVT"], tmp_path / "s3.jsonl", settings=other).out
    assert _read(c) != _read(a)  # ... by that seed: the answers are really sampled


def test_a_broken_predictions_file_is_not_overwritten(trained_checkpoint: Path, model_root: Path,
                                                      tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    out.write_text('{"id": "1", "benchmark": "CIFAR10", "text": "x"}\nnot json\n', encoding="utf-8")
    with pytest.raises(PredictionFileError, match=r"p.jsonl:2: not a prediction line"):
        predict(trained_checkpoint, str(model_root), ["CIFAR10"], out, settings=GREEDY)
    assert out.read_text(encoding="utf-8").endswith("not json\n")
    with pytest.raises(PredictionFileError, match=r"is a folder; the predictions go to a file"):
        predict(trained_checkpoint, str(model_root), ["CIFAR10"], tmp_path, settings=GREEDY)


def test_benchmark_names_expand() -> None:
    assert select_benchmarks(["all"]) == list(BENCHMARKS)
    assert select_benchmarks(["3D"]) == ["Detection_ScanNet", "VG_ScanRefer", "VQA_ScanQA_multiplechoice"]
    assert select_benchmarks(["LSP, VOC2012", "Keypoints_Detection_LSP"]) == ["Keypoints_Detection_LSP",
                                                                              "Detection_VOC2012"]
    with pytest.raises(ConfigError, match="not a benchmark file"):
        select_benchmarks(["LAMM_instruct_98k"])


def test_train_then_predict_on_the_sample_through_the_cli(make_config, model_root: Path, tmp_path: Path) -> None:
    from lamm_model.cli import app
    from lamm_model.config import dump_config

    config = tmp_path / "cfg.yaml"
    config.write_text(dump_config(make_config()), encoding="utf-8")
    runner = CliRunner()
    done = runner.invoke(app, ["train", "--config", str(config), "max_steps=1", f"out_dir={tmp_path / 'run'}"])
    assert done.exit_code == 0, done.output
    assert "step 1: loss" in done.stdout
    done = runner.invoke(app, ["predict", "--checkpoint", str(tmp_path / "run"), "--root", str(model_root),
                               "--benchmark", "UCMerced", "-b", "ScanRefer", "--out", str(tmp_path / "p.jsonl"),
                               "--max-new-tokens", "2", "--batch-size", "2"])
    assert done.exit_code == 0, done.output
    assert len(_read(tmp_path / "p.jsonl")) == 3 + 4
    bad = runner.invoke(app, ["train", "--config", str(config), "optim.lrr=1"])
    assert bad.exit_code == 1 and "did you mean lr" in bad.output
    missing = runner.invoke(app, ["predict", "--checkpoint", str(tmp_path / "nope"), "--root", str(model_root),
                                  "-b", "SVT", "--out", str(tmp_path / "q.jsonl")])
    assert missing.exit_code == 1 and "is not a checkpoint" in missing.output


def test_check_command_reports_per_file(make_config, tmp_path: Path) -> None:
    from lamm_model.cli import app
    from lamm_model.config import dump_config

    config = tmp_path / "cfg.yaml"
    config.write_text(dump_config(make_config()), encoding="utf-8")
    ok = CliRunner().invoke(app, ["check", "--config", str(config)])
    assert ok.exit_code == 0 and "0 of 12 samples have problems" in ok.stdout
    strict = CliRunner().invoke(app, ["check", "--config", str(config), "data.sources.0.placeholder=required",
                                      "data.max_bad_fraction=0"])
    assert strict.exit_code == 1 and "no <image> placeholder" in strict.stdout



def test_unusable_devices_are_config_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    from lamm_model.predict import pick_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert pick_device("auto") == torch.device("cpu") and pick_device("cpu") == torch.device("cpu")
    with pytest.raises(ConfigError, match="--device cuda:0: CUDA is not available"):
        pick_device("cuda:0")
    with pytest.raises(ConfigError, match="'gpu' is not a device"):
        pick_device("gpu")


def test_decoding_settings_are_recorded_with_their_protocol() -> None:
    import torch

    from lamm_model.predict import GenerationSettings, inference_dtype

    greedy = GenerationSettings().record()
    assert greedy["protocol"] == "greedy" and greedy["do_sample"] is False
    assert "since 2024-01" in greedy["protocol_meaning"] and "sampled" in greedy["protocol_meaning"]
    paper = GenerationSettings(do_sample=True, seed=3).record()
    assert (paper["protocol"], paper["top_p"], paper["temperature"], paper["seed"]) == ("paper-sampling", 0.9, 1.0, 3)
    assert GenerationSettings(do_sample=True, top_p=0.5).protocol == "sampling"
    assert inference_dtype("auto", torch.device("cpu")) == torch.float32
    assert inference_dtype("auto", torch.device("cuda")) == torch.bfloat16
    assert inference_dtype("fp16", torch.device("cpu")) == torch.float16
    with pytest.raises(ConfigError, match="--dtype 'int8' is not one of auto, fp32, bf16, fp16"):
        inference_dtype("int8", torch.device("cpu"))
