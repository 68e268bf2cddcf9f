"""``export-parquet`` keeps what the split was converted with (``--embed-media``) and never rewrites the user's
converted split; asking for the other mode exports from a temporary conversion."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
from hostile_helpers import Workspace, snapshot
from typer.testing import CliRunner

from lamm_data.cli import app

RUNNER = CliRunner(env={"COLUMNS": "250"})


def _image_bytes(folder: Path) -> list[bytes | None]:
    table = pq.read_table(sorted(folder.glob("data/*.parquet"))[0])
    return [row["bytes"] for row in table.column("image").to_pylist()]


def test_export_keeps_embedded_media_and_the_converted_split(workspace: Workspace) -> None:
    arrow = workspace.root / ".lamm" / "arrow"
    result = RUNNER.invoke(app, ["convert", "--root", str(workspace.root), "VQA_AI2D", "--embed-media", "-q"])
    assert result.exit_code == 0, result.output
    converted = snapshot(arrow)
    result = RUNNER.invoke(app, ["export-parquet", "VQA_AI2D", "--root", str(workspace.root), "--out",
                                 str(workspace.out)])
    assert result.exit_code == 0, result.output
    assert all(_image_bytes(workspace.out / "VQA_AI2D"))  # the bytes travel with the shards
    assert snapshot(arrow) == converted  # not reconverted without --embed-media
    result = RUNNER.invoke(app, ["export-parquet", "VQA_AI2D", "--root", str(workspace.root), "--out",
                                 str(workspace.out),
                                 "--media-paths"])
    assert result.exit_code == 0, result.output
    assert not any(_image_bytes(workspace.out / "VQA_AI2D"))
    assert snapshot(arrow) == converted  # the other mode came from a temporary conversion
    assert sorted(p.name for p in workspace.out.iterdir()) == ["VQA_AI2D"]  # nothing left beside the export


def test_written_folders_follow_the_umask(workspace: Workspace) -> None:
    import os
    import stat

    from lamm_data.sample import write_sample

    old = os.umask(0o022)
    try:
        sample = write_sample(workspace.base / "fresh")
        assert RUNNER.invoke(app, ["convert", "--root", str(workspace.root), "VQA_AI2D", "-q"]).exit_code == 0
        assert RUNNER.invoke(app, ["export-parquet", "VQA_AI2D", "--root", str(workspace.root), "--out",
                                   str(workspace.out)]).exit_code == 0
    finally:
        os.umask(old)
    for folder in (sample, workspace.root / ".lamm" / "arrow" / "VQA_AI2D", workspace.out / "VQA_AI2D"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o755, folder
