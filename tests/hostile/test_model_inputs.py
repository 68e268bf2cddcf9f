"""Bad checkpoints and configs against ``lamm-model predict`` / ``train``: one line on stderr, exit 1, no
traceback, nothing written, the checkpoint untouched."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hostile_helpers import refused, snapshot
from typer.testing import CliRunner

from lamm_model.cli import app

pytestmark = pytest.mark.integration
RUNNER = CliRunner(env={"COLUMNS": "250"})
STEP = "checkpoints/step-00000001"


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory, sample_root_ro: Path) -> Path:
    """A tiny model trained for one step (random, byte tokenizer, CPU)."""
    from lamm_model.train import train
    from tests.lamm_model.conftest import tiny_config

    out = tmp_path_factory.mktemp("trained") / "run"
    train(tiny_config(sample_root_ro, out, max_steps=1))
    return out


def _weights(data: bytes) -> Callable[[Path], None]:
    return lambda run: (run / STEP / "model.safetensors").write_bytes(data)


def _truncate(run: Path) -> None:
    weights = run / STEP / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])


def _config(edit: Callable[[dict], None]) -> Callable[[Path], None]:
    def apply(run: Path) -> None:
        path = run / STEP / "config.yaml"
        data = yaml.safe_load(path.read_text())
        edit(data)
        path.write_text(yaml.safe_dump(data))

    return apply


def _latest(data: bytes) -> Callable[[Path], None]:
    return lambda run: (run / "latest").write_bytes(data)


def _cycle(run: Path) -> None:
    (run / "a").mkdir()
    (run / "a" / "latest").write_text("../b\n")
    (run / "b").mkdir()
    (run / "b" / "latest").write_text("../a\n")
    (run / "latest").write_text("a\n")


BAD_CHECKPOINTS: dict[str, Callable[[Path], None]] = {
    "weights-garbage": _weights(b"this is not a safetensors file at all"),
    "weights-empty": _weights(b""),
    "weights-truncated": _truncate,
    "weights-header-bomb": _weights((2**62).to_bytes(8, "little") + b"{}"),
    "config-not-utf8": lambda run: (run / STEP / "config.yaml").write_bytes(b"model: \xff\xfe\n"),
    "config-deep-yaml": lambda run: (run / STEP / "config.yaml").write_text("a: " + "[" * 20000 + "]" * 20000),
    "config-hidden-size-differs": _config(lambda d: d["model"]["llm"]["config"].update(hidden_size=64)),
    "config-hidden-size-big": _config(lambda d: d["model"]["llm"]["config"].update(hidden_size="big")),
    "latest-binary": _latest(b"\xff\x00\x9c\n"),
    "latest-dot": _latest(b".\n"),
    "latest-cycle": _cycle,
}


@pytest.mark.parametrize("case", sorted(BAD_CHECKPOINTS))
def test_predict_refuses_bad_checkpoints(run_folder: Path, sample_root_ro: Path, tmp_path: Path, case: str) -> None:
    run = tmp_path / "run"
    shutil.copytree(run_folder, run)
    BAD_CHECKPOINTS[case](run)
    before = snapshot(tmp_path)
    result = RUNNER.invoke(app, ["predict", "--checkpoint", str(run), "--root", str(sample_root_ro), "-b", "VQA_AI2D",
                                 "--out", str(tmp_path / "predictions.jsonl"), "--limit", "1", "--device", "cpu"])
    stderr = refused(result)
    assert snapshot(tmp_path) == before
    if case.startswith("latest"):
        assert "latest" in stderr and ("cycle" in stderr) == (case in ("latest-cycle", "latest-dot"))


CONFIGS: dict[str, bytes] = {
    "not-utf8": b"seed: 1\nname: \xff\n",
    "deep-yaml": ("a: " + "[" * 20000 + "]" * 20000).encode(),
    "deep-mapping": ("a:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(3000))).encode(),
}


@pytest.mark.parametrize("case", sorted(CONFIGS))
def test_train_and_check_refuse_bad_config_files(tmp_path: Path, case: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_bytes(CONFIGS[case])
    before = snapshot(tmp_path)
    for command in ("train", "check"):
        stderr = refused(RUNNER.invoke(app, [command, "--config", str(config)]))
        assert str(config) in stderr
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("line", [b'{"benchmark": "VQA_AI2D", "id": "1", "text": ' + b"[" * 5000 + b"]" * 5000 + b"}\n",
                                  b'{"benchmark": "VQA_AI2D", "id": ' + b"9" * 5000 + b', "text": "x"}\n'])
def test_predict_refuses_a_hostile_predictions_file_to_resume(run_folder: Path, sample_root_ro: Path, tmp_path: Path,
                                                              line: bytes) -> None:
    out = tmp_path / "predictions.jsonl"
    out.write_bytes(line)
    before = snapshot(tmp_path)
    result = RUNNER.invoke(app, ["predict", "--checkpoint", str(run_folder), "--root", str(sample_root_ro), "-b",
                                 "VQA_AI2D", "--out", str(out), "--limit", "1", "--device", "cpu"])
    assert f"{out}:1" in refused(result)
    assert snapshot(tmp_path) == before


def test_checkpoint_files_follow_the_umask(run_folder: Path) -> None:
    import stat

    from lamm_data.atomic import current_umask

    step = run_folder / STEP
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in step.iterdir() if p.is_file()}
    assert modes and all(mode == 0o666 & ~current_umask() for mode in modes.values()), modes
