"""At 80 columns, no line of what the README's and the docs' commands print on the sample breaks a word.

Each command runs as its console script would (``python -m PACKAGE``, ``COLUMNS=80``, output not a terminal).
A line may be longer than 80 columns only when it is one unbreakable token (a long path); every other line fits,
and no table border is left to fold a word inside a cell. Machine-readable output (``--json``, ``schema``) and
Markdown tables (made for a renderer, not a terminal) are not terminal text and are left out.
"""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

WIDTH = 80
COMMANDS = [
    "lamm-data sample lamm-sample --force",
    "lamm-data validate lamm-sample",
    "lamm-bench score lamm-sample/answers/baseline.jsonl --root lamm-sample --out lamm-sample/report.json",
    "lamm-data list 2D_Benchmark",
    "lamm-data list",
    "lamm-data validate lamm-sample --no-media",
    "lamm-data convert --root lamm-sample",
    "lamm-data export-parquet VQA_AI2D --root lamm-sample --out parquet/",
    "lamm-bench score lamm-sample/answers/baseline.jsonl --root lamm-sample --details",
    "lamm-bench compare lamm-sample/report.json lamm-sample/report.json --resamples 50",
    "lamm-bench compare lamm-sample/report.json lamm-sample/report.json --resamples 50 --all",
    "lamm-bench report lamm-sample/report.json --out site",
    "lamm-data --help", "lamm-bench score --help", "lamm-data convert --help", "lamm-model predict --help",
]
MODULES = {"lamm-data": "lamm_data", "lamm-bench": "lamm_bench", "lamm-model": "lamm_model"}


def columns(line: str) -> int:
    """Terminal columns of a line (wide East Asian characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def broken_lines(text: str) -> list[str]:
    """Lines a terminal of WIDTH columns would wrap inside a word, or that carry a folded table cell."""
    return [line for line in text.splitlines() if (columns(line) > WIDTH and " " in line.strip())
            or "│" in line or "┃" in line]


def test_broken_lines_finds_wrapped_words() -> None:
    assert broken_lines("a " * 41) and broken_lines("│ parse_failure_r │") and not broken_lines("x" * 200)
    assert not broken_lines("fits\n" + "y" * 80)


@pytest.mark.integration
@pytest.mark.slow
def test_readme_and_docs_commands_fit_80_columns(tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": str(WIDTH), "LINES": "50", "TERM": "dumb"}
    for command in COMMANDS:
        prog, *args = command.split()
        done = subprocess.run([sys.executable, "-m", MODULES[prog], *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{command}: {done.stderr}"
        assert done.stdout.strip(), command
        bad = broken_lines(done.stdout) + broken_lines(done.stderr)
        assert bad == [], f"{command} breaks words at {WIDTH} columns: {bad}"
