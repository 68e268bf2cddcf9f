"""The documented quick start, run as written: the ``bash`` block under "On the embedded sample, on CPU"
in docs/model.md (train the bundled ``sample_cpu`` config, predict every benchmark, score with lamm-bench).

Only the run length is shortened: ``max_steps=2`` for training, ``--max-new-tokens 4`` for prediction.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lamm_data.catalog import BENCHMARKS

DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"
SHORTER = {"train": ["max_steps=2", "save_every=null"], "predict": ["--max-new-tokens", "4"]}


def documented_commands() -> list[list[str]]:
    """The commands of the quick-start block, split like a shell would (continuation lines joined)."""
    section = DOC.read_text(encoding="utf-8").split("## On the embedded sample", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block is not None, f"{DOC}: no bash block in the quick-start section"
    return [shlex.split(line) for line in block.group(1).replace("\\\n", " ").splitlines() if line.strip()]


@pytest.mark.slow
@pytest.mark.integration
def test_the_documented_sample_commands_train_predict_and_score(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from lamm_bench.cli import app as bench
    from lamm_model.cli import app as model

    commands = documented_commands()
    assert [c[:2] for c in commands] == [["lamm-model", "train"], ["lamm-model", "predict"], ["lamm-bench", "score"]]
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for program, *args in commands:
        done = runner.invoke(model if program == "lamm-model" else bench, [*args, *SHORTER.get(args[0], [])])
        assert done.exit_code == 0, f"{shlex.join([program, *args])}\n{done.output}"
    predictions = [json.loads(line) for line in Path(commands[1][commands[1].index("--out") + 1]).read_text(
        encoding="utf-8").splitlines()]
    assert {p["benchmark"] for p in predictions} == set(BENCHMARKS)
    assert json.loads(Path("runs/sample-cpu/sample_checks.json").read_text(encoding="utf-8"))["total"] == 12
