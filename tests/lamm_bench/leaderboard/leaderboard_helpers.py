"""Helpers of the leaderboard tests: two scored "models" on the embedded sample (baseline and degraded answers)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from lamm_bench.cli import app

RUNNER = CliRunner(env={"COLUMNS": "250"})
UNSURE = "I am not sure about this one."


def degrade(source: Path, dest: Path) -> Path:
    """Every third answer becomes a refusal (for LSP: every other joint of every third item)."""
    lines = []
    for i, line in enumerate(source.read_text().splitlines()):
        record = json.loads(line)
        if i % 3 == 1:
            if isinstance(record["text"], dict):
                record["text"] = {k: UNSURE if j % 2 else v for j, (k, v) in enumerate(record["text"].items())}
            else:
                record["text"] = UNSURE
        lines.append(json.dumps(record))
    dest.write_text("\n".join(lines) + "\n")
    return dest


@dataclass(frozen=True)
class Scored:
    root: Path
    baseline: Path
    degraded: Path

    def diagnostics(self, report: Path) -> Path:
        return report.with_name("diagnostics.jsonl")


def score(root: Path, predictions: Path, out_dir: Path, *, diagnostics: bool = True, extra: tuple[str, ...] = ()
          ) -> Path:
    args = ["score", str(predictions), "--root", str(root), "--out", str(out_dir / "report.json"), "--resamples",
            "200", "-q", *extra]
    if diagnostics:
        args += ["--diagnostics", str(out_dir / "diagnostics.jsonl")]
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 0, result.output
    return out_dir / "report.json"
