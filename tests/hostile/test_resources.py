"""Resource bounds: an enormous answer is cut to MAX_ANSWER_CHARS before the metrics (counted per benchmark),
a predictions file is read line by line, and a meta file one item (validate) or one batch (convert) at a time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench._generate import write_instruct_2d
from lamm_bench.cli import app
from lamm_bench.errors import PredictionsError
from lamm_bench.predictions import MAX_ANSWER_CHARS, read_predictions

RUNNER = CliRunner(env={"COLUMNS": "250"})


def test_a_huge_caption_answer_is_cut_before_scoring(sample_root_ro: Path, tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    huge = "a dog runs " * 1_000_000  # 11 MB: ROUGE-L's LCS alone would take minutes
    ids = ["1000092795", "1000268201", "1000344755"]
    answers.write_text("".join(json.dumps({"benchmark": "Caption_flickr30k", "id": i,
                                           "text": huge if k < 2 else "a dog"}) + "\n" for k, i in enumerate(ids)))
    start = time.monotonic()
    result = RUNNER.invoke(app, ["score", str(answers), "--root", str(sample_root_ro), "--benchmark", "flickr30k",
                                 "--resamples", "10", "--out", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    assert time.monotonic() - start < 120
    warnings = json.loads((tmp_path / "r.json").read_text())["meta"]["warnings"]
    assert f"Caption_flickr30k: 2 answer(s) longer than {MAX_ANSWER_CHARS:,} characters were cut to that length " \
           "before scoring" in warnings
    predictions = read_predictions(answers)
    assert [len(p.text) for p in predictions.by_benchmark["Caption_flickr30k"]] == [MAX_ANSWER_CHARS] * 2 + [5]


def test_lsp_joint_answers_are_cut_too(tmp_path: Path) -> None:
    answers = tmp_path / "a.jsonl"
    answers.write_text(json.dumps({"benchmark": "LSP", "id": "im0001", "text": {"right ankle": "x" * 70_000}}) + "\n")
    predictions = read_predictions(answers)
    assert len(predictions.by_benchmark["Keypoints_Detection_LSP"][0].text["right ankle"]) == MAX_ANSWER_CHARS
    assert any("1 answer(s) longer than" in w for w in predictions.warnings)


def test_predictions_are_read_with_memory_bounded_by_the_longest_line(tmp_path: Path) -> None:
    answers = tmp_path / "many.jsonl"
    line = json.dumps({"benchmark": "VQA_AI2D", "id": "{}", "text": "(B) " + "x" * 2000}) + "\n"
    with open(answers, "w") as f:
        for i in range(20_000):  # 40 MB
            f.write(line.replace("{}", str(i), 1))
    tracemalloc.start()
    try:
        predictions = read_predictions(answers)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    size = answers.stat().st_size
    assert len(predictions.by_benchmark["VQA_AI2D"]) == 20_000
    assert peak < 1.5 * size  # the kept answers plus one line; reading the whole file first took > 2x


def test_an_overlong_line_is_refused_without_reading_it_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    import lamm_bench.predictions

    monkeypatch.setattr(lamm_bench.predictions, "MAX_LINE_BYTES", 1000)
    answers = tmp_path / "a.jsonl"
    answers.write_text('{"benchmark": "VQA_AI2D", "id": "1", "text": "ok"}\n' + "x" * 5000 + "\n")
    with pytest.raises(PredictionsError, match=r"a\.jsonl:2: line longer than"):
        read_predictions(answers)


def test_unknown_lsp_joint_names_are_counted(sample_root_ro: Path, tmp_path: Path) -> None:
    answers = tmp_path / "a.jsonl"
    text = {"right ankle": "[10, 20]", "left elbow": "[1, 2]", "tail": "[3, 4]", "wing": "[5, 6]"}
    answers.write_text(json.dumps({"benchmark": "LSP", "id": "im0001", "text": text}) + "\n")
    result = RUNNER.invoke(app, ["score", str(answers), "--root", str(sample_root_ro), "--benchmark", "LSP",
                                 "--resamples", "10", "--out", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    warnings = json.loads((tmp_path / "r.json").read_text())["meta"]["warnings"]
    assert any("Keypoints_Detection_LSP: 1 answer(s) hold 2 entries whose key is not an LSP joint name" in w
               for w in warnings), warnings


def test_a_joint_named_twice_is_a_counted_parse_failure(tmp_path: Path) -> None:
    answers = tmp_path / "a.jsonl"
    answers.write_text('{"benchmark": "LSP", "id": "im0001", "text": {"right ankle": "[1, 2]", '
                       '"right ankle": "[3, 4]"}}\n'
                       '{"benchmark": "LSP", "id": "im0002", "text": {"right ankle": "[1, 2]"}}\n')
    predictions = read_predictions(answers)
    assert [p.text for p in predictions.by_benchmark["Keypoints_Detection_LSP"]] == [{}, {"right ankle": "[1, 2]"}]
    assert "Keypoints_Detection_LSP: 1 answer(s) name a joint twice (JSON would keep the last); counted as not " \
           "parsed" in predictions.warnings
    answers.write_text('{"benchmark": "LSP", "id": "im0001", "id": "im0002", "text": {}}\n')
    with pytest.raises(PredictionsError, match=r"a\.jsonl:1: the key 'id' appears twice"):
        read_predictions(answers)


def test_in_memory_answers_are_cut_too() -> None:
    """Records given in memory (``lamm_bench.score`` with a list or a Dataset) go through the same cap."""
    from lamm_bench.predictions import predictions_from_records

    predictions = predictions_from_records([{"benchmark": "Caption_flickr30k", "id": "1", "text": "y" * 70_000},
                                            {"benchmark": "Caption_flickr30k", "id": "2", "text": "a dog"}])
    assert [len(p.text) for p in predictions.by_benchmark["Caption_flickr30k"]] == [MAX_ANSWER_CHARS, 5]
    assert f"Caption_flickr30k: 1 answer(s) longer than {MAX_ANSWER_CHARS:,} characters were cut to that length " \
           "before scoring" in predictions.warnings


# Validates then converts argv[2] (after argv[1], a small file of the same kind, so that imports and first-use
# costs are paid before); prints the growth of the peak resident memory (bytes) each step caused.
MEMORY_RUN = """
import json, resource, sys
from lamm_data.convert import convert_file
from lamm_data.metafile import validate_paths
small, big, out = sys.argv[1:4]
def peak(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
assert validate_paths([small])[0].ok and convert_file(small, out + "/warm").status == "converted"
base = peak()
assert validate_paths([big])[0].ok  # what `lamm-data validate` runs
validated = peak()
assert convert_file(big, out + "/big").status == "converted"
print(json.dumps({"validate": validated - base, "convert": peak() - base}))
"""
REPO = Path(__file__).resolve().parents[2]


def _meta_memory(tmp_path: Path, items: int) -> tuple[int, dict[str, int]]:
    small = write_instruct_2d(tmp_path / "small" / "2D_Instruct" / "meta_file" / "LAMM_instruct_186k.json", 100)
    big = write_instruct_2d(tmp_path / f"n{items}" / "2D_Instruct" / "meta_file" / "LAMM_instruct_186k.json", items)
    out = subprocess.run([sys.executable, "-c", MEMORY_RUN, str(small), str(big), str(tmp_path / f"out{items}")],
                         capture_output=True, text=True, check=True, cwd=REPO,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    size = big.stat().st_size
    big.unlink()
    return size, json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.integration
def test_meta_files_are_validated_and_converted_in_memory_bounded_by_a_batch_not_the_file(tmp_path: Path) -> None:
    small_size, small = _meta_memory(tmp_path, 8_000)  # 12 MB of 1.5 kB items
    big_size, big = _meta_memory(tmp_path, 40_000)  # 61 MB
    # validate holds one 1 MiB chunk and one item, whatever the file size (reading it whole took ~4x the file)
    assert big["validate"] < 16 << 20, (big_size, big)
    # convert holds one batch of records (~1 MiB of JSON text) and a few dozen bytes per row: five times the file
    # costs little more (holding every record took ~5x the file)
    assert big["convert"] - small["convert"] < (big_size - small_size) / 8, (small_size, small, big_size, big)
    assert big["convert"] < big_size / 2, (big_size, big)
