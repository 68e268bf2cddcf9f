"""An interrupted conversion leaves nothing a loader accepts; concurrent conversions do the work once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import lamm_data.convert
from bench._generate import write_instruct_2d
from lamm_data.convert import convert_file
from lamm_data.errors import LammError
from lamm_data.layout import find_meta
from lamm_data.load import load_split, open_split
from lamm_data.provenance import ARROW_FILE, staleness
from lamm_data.sample import write_sample

REPO = Path(__file__).resolve().parents[2]

# Converts argv[1] into argv[2] in batches of 500 rows and, once the first batch is written, touches
# argv[3] and sleeps: the parent kills it there, in the middle of writing.
STALLED_CONVERT = """
import pathlib, sys, time
import lamm_data.arrow_build, lamm_data.convert
lamm_data.arrow_build.BATCH_ROWS = 500
real = lamm_data.convert.record_batches
def stalled(*args, **kwargs):
    for i, batch in enumerate(real(*args, **kwargs)):
        yield batch
        if i == 1:
            pathlib.Path(sys.argv[3]).touch()
            time.sleep(120)
lamm_data.convert.record_batches = stalled
lamm_data.convert.convert_file(sys.argv[1], sys.argv[2])
"""


def _leftovers(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.name.endswith((".tmp", ".old")))


@pytest.mark.integration
def test_killed_conversion_leaves_nothing_load_split_accepts(tmp_path: Path) -> None:
    root = tmp_path / "lamm"
    meta = write_instruct_2d(root / "2D_Instruct" / "meta_file" / "LAMM_instruct_186k.json", 2000)
    out, marker = tmp_path / "out", tmp_path / "stalled"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen([sys.executable, "-c", STALLED_CONVERT, str(meta), str(out), str(marker)], env=env)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, "the conversion ended before it could be interrupted"
            assert time.monotonic() < deadline, "the conversion never reached its second batch"
            time.sleep(0.05)
    finally:
        child.kill()
        child.wait()
    target = out / "LAMM_instruct_186k"
    assert not target.exists()
    (partial,) = _leftovers(out)
    assert (partial / ARROW_FILE).stat().st_size > 0
    with pytest.raises(LammError):
        open_split(partial)  # even opened directly, a partial folder is refused
    assert staleness(target, meta) == "not converted yet"
    ds = load_split("LAMM_instruct_186k", root, arrow_dir=out, progress=False)
    assert ds.num_rows == 2000
    assert ds[1999]["conversations"] == json.loads(meta.read_text())[1999]["conversations"]
    assert _leftovers(out) == []  # the next conversion cleaned up


def test_failure_before_rename_keeps_the_previous_conversion(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_sample(tmp_path / "lamm")
    meta = find_meta(root, "Counting_FSC147")
    first = convert_file(meta, tmp_path / "out")
    before = open_split(first.path).to_list()
    items = json.loads(meta.read_text())
    meta.write_text(json.dumps(items[:1]))

    def fail(tmp: Path, target: Path) -> None:
        raise RuntimeError("killed before rename")

    monkeypatch.setattr(lamm_data.convert, "replace_folder", fail)
    with pytest.raises(RuntimeError, match="killed before rename"):
        convert_file(meta, tmp_path / "out")
    assert open_split(first.path).to_list() == before  # the old split is untouched ...
    assert _leftovers(tmp_path / "out") == []  # ... and the temporary folder is gone
    assert staleness(first.path, meta) == "source file changed"  # ... and known to be stale
    monkeypatch.undo()
    assert load_split("Counting_FSC147", root, arrow_dir=tmp_path / "out", progress=False).num_rows == 1


def test_failure_on_first_conversion_leaves_no_split(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_sample(tmp_path / "lamm")

    def fail(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(lamm_data.convert, "replace_folder", fail)
    with pytest.raises(KeyboardInterrupt):
        load_split("OCR_SVT", root, progress=False)
    arrow = root / ".lamm" / "arrow"
    assert [p.name for p in arrow.iterdir() if not p.name.endswith(".lock")] == []


def test_concurrent_conversions_convert_once(tmp_path: Path) -> None:
    root = write_sample(tmp_path / "lamm")
    meta = find_meta(root, "LAMM_instruct_186k")
    results = []

    def work() -> None:
        results.append(convert_file(meta, tmp_path / "out"))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status for r in results) == ["converted", "current", "current"]
