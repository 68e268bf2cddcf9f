"""Media that are symbolic links leading outside their split folder are refused unless --follow-symlinks; links
that stay inside (or a split folder that is itself a link) are fine."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hostile_helpers import Workspace, refused
from typer.testing import CliRunner

from lamm_data.cli import app
from lamm_data.errors import LammError
from lamm_data.load import load_split

RUNNER = CliRunner(env={"COLUMNS": "250"})
AI2D = "2D_Benchmark/meta_file/VQA_AI2D.json"
IMAGE = "2D_Benchmark/ai2d_images/4562.png"


def _outside(workspace: Workspace) -> Path:
    secret = workspace.base / "secret"
    secret.mkdir()
    shutil.copy(workspace.root / IMAGE, secret / "private.png")
    return secret


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_media_linking_outside_the_split_are_refused(workspace: Workspace, kind: str) -> None:
    secret = _outside(workspace)
    if kind == "file":
        (workspace.root / IMAGE).unlink()
        (workspace.root / IMAGE).symlink_to(secret / "private.png")
    else:
        shutil.copy(workspace.root / IMAGE, secret / "4562.png")
        for name in ("4563.png", "4570.png"):
            shutil.copy(workspace.root / IMAGE.replace("4562", name[:-4]), secret / name)
        shutil.rmtree(workspace.root / "2D_Benchmark/ai2d_images")
        (workspace.root / "2D_Benchmark/ai2d_images").symlink_to(secret)
    before = workspace.before()
    result = RUNNER.invoke(app, ["validate", str(workspace.root / AI2D), "-q"])
    refused(result, stderr_lines=0)
    assert "is a symbolic link to" in result.stdout and "--follow-symlinks" in result.stdout
    result = RUNNER.invoke(app, ["convert", "--root", str(workspace.root), "VQA_AI2D", "--embed-media", "--out",
                                 str(workspace.out), "-q"])
    assert "is a symbolic link to" in refused(result, stderr_lines=None)
    with pytest.raises(LammError, match="symbolic link"):
        load_split("VQA_AI2D", workspace.root, arrow_dir=workspace.out, progress=False)
    workspace.unchanged(before)
    assert RUNNER.invoke(app, ["validate", str(workspace.root / AI2D), "-q", "--follow-symlinks"]).exit_code == 0
    result = RUNNER.invoke(app, ["convert", "--root", str(workspace.root), "VQA_AI2D", "--embed-media", "--out",
                                 str(workspace.out), "-q", "--follow-symlinks"])
    assert result.exit_code == 0, result.output


def test_links_inside_the_split_and_a_linked_split_folder_are_fine(workspace: Workspace, tmp_path: Path) -> None:
    image = workspace.root / IMAGE
    image.unlink()
    image.symlink_to("4563.png")  # a link to a file beside it
    elsewhere = tmp_path / "disk2" / "2D_Benchmark"
    elsewhere.parent.mkdir()
    shutil.move(workspace.root / "2D_Benchmark", elsewhere)
    (workspace.root / "2D_Benchmark").symlink_to(elsewhere)  # the whole split on another disk
    result = RUNNER.invoke(app, ["validate", str(workspace.root / AI2D), "-q"])
    assert result.exit_code == 0, result.output


def test_report_does_not_show_pictures_of_outside_links(workspace: Workspace) -> None:
    from lamm_bench.cli import app as bench
    from lamm_data.sample import BASELINE_ANSWERS

    secret = workspace.base / "secret"
    shutil.copytree(workspace.root / "2D_Benchmark/ai2d_images", secret)
    shutil.rmtree(workspace.root / "2D_Benchmark/ai2d_images")
    (workspace.root / "2D_Benchmark/ai2d_images").symlink_to(secret)
    run = workspace.out / "run"
    result = RUNNER.invoke(bench, ["score", str(workspace.root / BASELINE_ANSWERS), "--root", str(workspace.root),
                                   "--benchmark", "VQA_AI2D", "--resamples", "10", "-q", "--out",
                                   str(run / "report.json"), "--diagnostics", str(run / "d.jsonl")])
    assert result.exit_code == 0, result.output
    pages = {}
    for flag in ([], ["--follow-symlinks"]):
        result = RUNNER.invoke(bench, ["report", str(run / "report.json"), "--out", str(workspace.out / "site"),
                                       *flag])
        assert result.exit_code == 0, result.output
        pages[bool(flag)] = (workspace.out / "site" / "index.html").read_text(encoding="utf-8")
    assert "linking outside" in pages[False] and "<image href" not in pages[False]
    assert "linking outside" not in pages[True] and "<image href" in pages[True]
