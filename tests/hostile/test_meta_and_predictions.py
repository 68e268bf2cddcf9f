"""Hostile meta files, predictions and point clouds against every entry point that reads them: one line on
stderr, exit 1, no traceback, nothing written, nothing removed (inputs and outputs byte-compared)."""

from __future__ import annotations

import json

import pytest
from corpus import INSTRUCT_META_FILES, META_FILES, NPY_FILES, PREDICTIONS
from hostile_helpers import Workspace, refused
from typer.testing import CliRunner

from lamm_bench.cli import app as bench
from lamm_bench.predictions import read_predictions
from lamm_data.cli import app as data
from lamm_data.errors import LammError
from lamm_data.layout import find_meta
from lamm_data.load import load_split
from lamm_data.media import load_point_cloud
from lamm_data.stream import iter_records

RUNNER = CliRunner(env={"COLUMNS": "250"})
AI2D = "2D_Benchmark/meta_file/VQA_AI2D.json"
CLOUD = "3D_Benchmark/scannet_pcls/scene0011_00_vert.npy"
GOOD_ANSWERS = '{"benchmark": "VQA_AI2D", "id": "4562", "text": "(B)"}\n'


@pytest.fixture(params=sorted(META_FILES))
def hostile_meta(request: pytest.FixtureRequest, workspace: Workspace) -> Workspace:
    (workspace.root / AI2D).write_bytes(META_FILES[request.param])
    (workspace.base / "answers.jsonl").write_text(GOOD_ANSWERS)
    return workspace


def test_validate_refuses_hostile_meta_files(hostile_meta: Workspace) -> None:
    before = hostile_meta.before()
    result = RUNNER.invoke(data, ["validate", str(hostile_meta.root / AI2D), "-q"])
    refused(result, stderr_lines=0)  # the problems are the command's output (stdout)
    problems = [line for line in result.stdout.splitlines() if line.startswith("error ")]
    assert len(problems) == 1, result.stdout
    assert "\x00" not in result.stdout
    hostile_meta.unchanged(before)


def test_convert_refuses_hostile_meta_files(hostile_meta: Workspace) -> None:
    before = hostile_meta.before()
    result = RUNNER.invoke(data, ["convert", "--root", str(hostile_meta.root), "VQA_AI2D", "--out",
                                  str(hostile_meta.out), "-q"])
    refused(result)
    assert "\x00" not in result.output
    hostile_meta.unchanged(before)


def test_score_refuses_hostile_ground_truth(hostile_meta: Workspace) -> None:
    before = hostile_meta.before()
    result = RUNNER.invoke(bench, ["score", str(hostile_meta.base / "answers.jsonl"), "--root", str(hostile_meta.root),
                                   "--benchmark", "VQA_AI2D", "-q", "--out", str(hostile_meta.out / "report.json"),
                                   "--diagnostics", str(hostile_meta.out / "d.jsonl")])
    refused(result, stderr_lines=None)  # a schema problem lists the problems it found, one per line
    assert len(result.stderr.strip().splitlines()) <= 3 and "\x00" not in result.stderr
    hostile_meta.unchanged(before)


def test_python_api_raises_the_toolkits_errors_for_hostile_meta_files(hostile_meta: Workspace) -> None:
    before = hostile_meta.before()
    with pytest.raises(LammError):
        list(iter_records(hostile_meta.root / AI2D))
    with pytest.raises(LammError):
        load_split("VQA_AI2D", hostile_meta.root, arrow_dir=hostile_meta.out, progress=False)
    hostile_meta.unchanged(before)


@pytest.mark.parametrize("case", sorted(INSTRUCT_META_FILES))
def test_repeated_keys_in_instruction_meta_files_are_refused(workspace: Workspace, case: str) -> None:
    name, content, key = INSTRUCT_META_FILES[case]
    meta = find_meta(workspace.root, name)
    meta.write_bytes(content)
    before = workspace.before()
    result = RUNNER.invoke(data, ["validate", str(meta), "-q"])
    refused(result, stderr_lines=0)  # the problems are the command's output (stdout)
    problems = [line for line in result.stdout.splitlines() if line.startswith("error ")]
    assert len(problems) == 1, result.stdout
    assert problems[0].startswith(f"error {meta}:0:") and f':{key}: duplicate key "{key}" in the item at line 1' \
        in problems[0]
    result = RUNNER.invoke(data, ["convert", "--root", str(workspace.root), name, "--out", str(workspace.out), "-q"])
    assert f'duplicate key "{key}"' in refused(result)
    with pytest.raises(LammError, match=f'duplicate key "{key}"'):
        list(iter_records(meta))
    with pytest.raises(LammError, match=f'duplicate key "{key}"'):
        load_split(name, workspace.root, arrow_dir=workspace.out, progress=False)
    workspace.unchanged(before)


@pytest.mark.parametrize("case", sorted(PREDICTIONS))
def test_score_refuses_hostile_predictions(workspace: Workspace, case: str) -> None:
    answers = workspace.base / "answers.jsonl"
    answers.write_bytes(PREDICTIONS[case])
    before = workspace.before()
    result = RUNNER.invoke(bench, ["score", str(answers), "--root", str(workspace.root), "--benchmark", "VQA_AI2D",
                                   "-q", "--out", str(workspace.out / "report.json")])
    stderr = refused(result)
    assert str(answers) in stderr and ":1" in stderr  # file and line
    workspace.unchanged(before)
    with pytest.raises(LammError):
        read_predictions(answers, "VQA_AI2D")


@pytest.mark.parametrize("case", sorted(NPY_FILES))
def test_crafted_point_clouds_are_refused(workspace: Workspace, case: str) -> None:
    (workspace.root / CLOUD).write_bytes(NPY_FILES[case])
    before = workspace.before()
    for embed in ([], ["--embed-media"]):
        result = RUNNER.invoke(data, ["convert", "--root", str(workspace.root), "VG_ScanRefer", "--out",
                                      str(workspace.out),
                                      "-q", *embed])
        header, problem = refused(result, stderr_lines=2).strip().splitlines()  # as validate lists problems
        assert header.endswith("1 media file(s) cannot be read")
        assert "VG_ScanRefer.json:0:scene0011_00_0:pcl:" in problem and "scene0011_00_vert.npy" in problem
    with pytest.raises(LammError, match=r"scene0011_00_vert\.npy"):
        load_split("VG_ScanRefer", workspace.root, arrow_dir=workspace.out, progress=False)
    with pytest.raises(LammError, match=r"scene0011_00_vert\.npy"):
        load_point_cloud(workspace.root / CLOUD)
    workspace.unchanged(before)


def test_load_split_on_a_read_only_root_points_to_arrow_dir(workspace: Workspace,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    import lamm_data.load

    def read_only(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system", str(workspace.root / ".lamm"))

    monkeypatch.setattr(lamm_data.load, "convert_file", read_only)
    with pytest.raises(LammError, match="pass arrow_dir= a writable folder"):
        load_split("VQA_AI2D", workspace.root, progress=False)


def test_problems_show_control_characters_escaped(workspace: Workspace) -> None:
    (workspace.root / AI2D).write_bytes(META_FILES["nul-in-media-path"])
    result = RUNNER.invoke(data, ["validate", str(workspace.root / AI2D), "-q"])
    assert result.exit_code == 1 and "image: media path holds a NUL character (\\x00)" in result.stdout
    assert "\x00" not in result.stdout
    from lamm_data.metafile import Problem

    assert str(Problem("a\x00b\x1b[31m.json", 0, "x", "f", "m")) == "a\\x00b\\x1b[31m.json:0:x:f: m"


def test_validate_reports_warnings_of_a_file_that_also_has_errors(workspace: Workspace) -> None:
    items = json.loads((workspace.root / AI2D).read_text())
    items[0]["extra_field"] = 1  # a warning (kept, not in the schema)
    del items[1]["id"]  # a warning: matched by position
    items[2]["gt_choice"] = "two"  # an error
    (workspace.root / AI2D).write_text(json.dumps(items))
    result = RUNNER.invoke(data, ["validate", str(workspace.root / AI2D), "-q", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)["files"][0]
    assert [e["field"] for e in report["errors"]] == ["gt_choice"]
    assert sorted(w["field"] for w in report["warnings"]) == ["extra_field", "id"]
