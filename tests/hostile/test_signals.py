"""SIGTERM to ``lamm-bench score --jobs 2``: the workers die with the parent and nobody prints anything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lamm_data.sample import BASELINE_ANSWERS

pytestmark = pytest.mark.integration


def _children(pid: int) -> set[int]:
    try:
        return {int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except OSError:
        return set()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc to find the workers")
def test_sigterm_stops_the_scoring_workers_silently(sample_root_ro: Path, tmp_path: Path) -> None:
    out = tmp_path / "r" / "report.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "lamm_bench", "score", str(sample_root_ro / BASELINE_ANSWERS), "--root",
         str(sample_root_ro), "--jobs", "2", "--resamples", "200000", "-q", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while len(workers) < 2 and time.monotonic() < deadline and process.poll() is None:
        workers = _children(process.pid)
        time.sleep(0.05)
    assert len(workers) == 2, "the workers did not start"
    time.sleep(0.5)  # let them get busy
    try:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=60)  # EOF only once every writer (workers too) is gone
        assert process.returncode in (128 + signal.SIGTERM, -signal.SIGTERM)
        deadline = time.monotonic() + 10
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [w for w in workers if _alive(w)], "orphaned workers are still running"
        assert stderr == b"" and stdout == b""
        assert not out.parent.exists()  # nothing written
    finally:
        for worker in workers:  # never leave a stray process behind, whatever happened
            if _alive(worker):
                os.kill(worker, signal.SIGKILL)
