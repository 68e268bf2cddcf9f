"""Score the sample's baseline answers: LAMM's numbers and the honest metrics, with 95% intervals.

The library calls behind ``lamm-bench score answers.jsonl --root ROOT --out report.json``.
Run: ``python docs/examples/score_baseline.py [WORKDIR]`` (default: a new temporary folder).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from lamm_bench.outputs import write_report
from lamm_bench.predictions import read_predictions
from lamm_bench.scoring import score
from lamm_data.sample import BASELINE_ANSWERS, write_sample


def main(workdir: Path) -> int:
    root = write_sample(workdir / "lamm-sample")
    predictions = read_predictions(root / BASELINE_ANSWERS)  # JSONL: {"id", "benchmark", "text"} per line
    scored = score(predictions, root, seed=0, resamples=200)
    for name, result in scored.report.results.items():
        lamm = ", ".join(f"{k} {v:.1f}" for k, v in result.lamm.items() if v is not None)
        low, high = result.ci95.get("parse_failure_rate") or (0.0, 0.0)
        print(f"{name:38} n={result.n}  LAMM: {lamm:28}  parse failures "
              f"{result.metrics['parse_failure_rate']:.0%} [{low:.0%}, {high:.0%}]")
    path = write_report(scored, workdir / "baseline" / "report.json")
    print(f"report: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())))
