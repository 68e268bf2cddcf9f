"""Score two "models" on the sample and turn both reports into one self-contained HTML page.

The library calls behind ``lamm-bench score ... --out R --diagnostics D`` (twice) and
``lamm-bench report A/report.json B/report.json --reference paper-v1 --out site``.
The second model is the baseline with every third answer replaced by a refusal.
Run: ``python docs/examples/html_report.py [WORKDIR]`` (default: a new temporary folder), then open the
printed file:// address in a browser.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from lamm_bench.leaderboard.build import load_leaderboard, markdown, write_html
from lamm_bench.outputs import write_diagnostics, write_report
from lamm_bench.predictions import read_predictions
from lamm_bench.scoring import score
from lamm_data.sample import BASELINE_ANSWERS, write_sample


def refuse_every_third(source: Path, dest: Path) -> Path:
    lines = []
    for i, line in enumerate(source.read_text(encoding="utf-8").splitlines()):
        record = json.loads(line)
        if i % 3 == 1 and isinstance(record["text"], str):
            record["text"] = "Sorry, I cannot answer that."
        lines.append(json.dumps(record))
    dest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dest


def score_model(predictions: Path, root: Path, out: Path) -> Path:
    scored = score(read_predictions(predictions), root, resamples=200, diagnostics=True)
    write_diagnostics(scored, out / "diagnostics.jsonl")  # per-sample records: what was parsed, why it failed
    return write_report(scored, out / "report.json", diagnostics=out / "diagnostics.jsonl")


def main(workdir: Path) -> int:
    root = write_sample(workdir / "lamm-sample")
    reports = [score_model(root / BASELINE_ANSWERS, root, workdir / "baseline"),
               score_model(refuse_every_third(root / BASELINE_ANSWERS, workdir / "refusing.jsonl"), root,
                           workdir / "refusing")]
    board = load_leaderboard(reports, references=["paper-v1"], max_samples=6)  # names: the reports' folders
    print(markdown(board).splitlines()[0])
    page = write_html(board, workdir / "site", title="LAMM sample leaderboard")
    print(f"open {page.resolve().as_uri()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())))
