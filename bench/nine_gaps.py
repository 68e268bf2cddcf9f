"""The nine faults of issue 16, each applied to a copy of the tree: its test must fail on it and pass without it.

    python bench/nine_gaps.py          # prints a Markdown table (docs/testing.md)

The faults are written as source snippets of the code at the time; a snippet that no longer occurs exactly
once is reported, not silently skipped (bench/mutation.py is the general, snippet-free bench). The working
tree is never written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_COUNTING = ("tests/lamm_bench/test_denominators.py::"
             "test_counting_mae_is_over_read_answers_and_exact_accuracy_over_all_items")
NINE = [
    # (gap, file, snippet, fault, test)
    ("1 LAMM PCK counts hits", "lamm_bench/lamm_protocol/points.py", "hits += 1", "hits = 1",
     "tests/lamm_bench/test_boundaries.py::test_lamm_pck_counts_every_hit_joint"),
    ("2 honest matching at IoU == t", "lamm_bench/metrics/detection.py", "v >= threshold and", "v > threshold and",
     "tests/lamm_bench/test_boundaries.py::test_honest_detection_matches_a_box_at_exactly_the_iou_threshold"),
    ("3 --seed drives the bootstrap", "lamm_bench/scoring.py", "default_rng([seed,", "default_rng([0,",
     "tests/lamm_bench/test_score_seed.py::test_another_seed_gives_the_same_estimates_and_other_intervals"),
    ("4a counting MAE: unparsed put in", "lamm_bench/scorers/counting.py", '"MAE": tally.ratio(error * parsed, parsed)',
     '"MAE": tally.ratio(error * parsed, present)', _COUNTING),
    ("4b counting MAE: over all items", "lamm_bench/scorers/counting.py", '"MAE": tally.ratio(error * parsed, parsed)',
     '"MAE": tally.ratio(error * parsed)', _COUNTING),
    ("5 LAMM `ANSWER: X`: first match", "lamm_bench/lamm_protocol/choice.py", "found[0][-1] == gt_letter",
     "found[-1][-1] == gt_letter",
     "tests/lamm_bench/test_boundaries.py::test_lamm_choice_answer_colon_takes_the_first_match"),
    ("6 choice accuracy keeps missing", "lamm_bench/scorers/choice.py", '"accuracy": tally.ratio(right)',
     '"accuracy": tally.ratio(right, present)',
     "tests/lamm_bench/test_denominators.py::test_choice_accuracy_counts_missing_and_unparsed_as_wrong"),
    ("7 answer escaped on the page", "lamm_bench/leaderboard/page.py", "else text(answer)", "else str(answer)",
     "tests/lamm_bench/leaderboard/test_leaderboard_answer_markup.py"),
    ("8 write_bytes_atomic via a temp", "lamm_data/atomic.py", 'with open(tmp, "wb") as f:',
     'with open(target, "wb") as f:', "tests/lamm_data/test_atomic.py::test_disk_full_halfway_keeps_the_old_file"),
    ("9 replace_folder keeps the old", "lamm_data/atomic.py",
     '    old = temp_path(target, "old") if target.exists() else None\n',
     "    if target.exists():\n        shutil.rmtree(target)\n    old = None\n",
     "tests/lamm_data/test_atomic.py::test_failed_move_of_the_new_folder_restores_the_old_one"),
]


def _run(work: Path, test: str) -> tuple[int, str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(work)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test], cwd=work, env=env,
                          capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    return done.returncode, lines[-1] if lines else done.stderr.strip()[-200:]


def main() -> int:
    only = sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name in ("lamm_bench", "lamm_data", "lamm_model", "tests", "bench", "tools", "pyproject.toml"):
            src = REPO / name
            if src.is_dir():
                shutil.copytree(src, work / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(src, work / name)
        print("| gap | fault (file) | test | fails on the fault | passes on the code |")
        print("|---|---|---|---|---|")
        for label, path, old, new, test in NINE:
            if only and not any(label.startswith(o) for o in only):
                continue
            f = work / path
            original = f.read_text()
            fault = f"`{' '.join(old.split())}` -> `{' '.join(new.split())}` ({path})"
            if original.count(old) != 1:
                print(f"| {label} | {fault}: the snippet occurs {original.count(old)} times, not applied | | | |")
                continue
            f.write_text(original.replace(old, new))
            code_fault, tail_fault = _run(work, test)
            f.write_text(original)
            code_real, tail_real = _run(work, test)
            print(f"| {label} | {fault} | `{test.split('/')[-1]}` | {'yes' if code_fault else 'NO'} ({tail_fault}) "
                  f"| {'yes' if code_real == 0 else 'NO'} ({tail_real}) |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
