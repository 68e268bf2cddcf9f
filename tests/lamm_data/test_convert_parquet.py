"""Parquet export: shards another engine reads with the same rows and values."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest

from bench._generate import write_instruct_2d
from lamm_data.load import load_split
from lamm_data.parquet import export_parquet
from lamm_data.provenance import Provenance
from lamm_data.sample import write_sample


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_sample(tmp_path / "lamm")


def test_shards_read_back_with_pyarrow_dataset(root: Path, tmp_path: Path) -> None:
    (export,) = export_parquet(root, ["LAMM_instruct_186k"], tmp_path / "pq", shard_rows=3)
    assert [p.name for p in export.shards] == [f"data-{i:05d}-of-00003.parquet" for i in range(3)]
    assert sorted(export.data_dir.iterdir()) == list(export.shards)
    table = pads.dataset(export.data_dir, format="parquet").to_table()
    ours = load_split("LAMM_instruct_186k", root, decode=False, progress=False)
    assert table.num_rows == export.rows == ours.num_rows == 8
    assert table.sort_by("index").to_pylist() == ours.to_list()
    metadata = pq.read_schema(export.shards[0]).metadata
    assert Provenance.from_json(metadata[b"lamm"]).rows_out == 8
    assert b"huggingface" in metadata


def test_duckdb_reads_the_shards(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    root = tmp_path / "lamm"
    meta = write_instruct_2d(root / "2D_Instruct" / "meta_file" / "LAMM_instruct_186k.json", 2000)
    (export,) = export_parquet(root, ["LAMM_instruct_186k"], tmp_path / "pq", shard_rows=300)
    assert len(export.shards) == 7
    source = json.loads(meta.read_text())
    pattern = str(export.data_dir / "*.parquet")
    con = duckdb.connect()
    assert con.execute(f"SELECT count(*) FROM read_parquet('{pattern}')").fetchone() == (2000,)
    rows = con.execute(
        "SELECT index, id, image_path, task_type, len(conversations), conversations[2].value "
        f"FROM read_parquet('{pattern}') WHERE index IN (0, 1234, 1999) ORDER BY index").fetchall()
    assert rows == [(i, source[i]["id"], source[i]["image"], source[i]["task_type"],
                     len(source[i]["conversations"]), source[i]["conversations"][1]["value"]) for i in (0, 1234, 1999)]
    by_task = dict(con.execute(f"SELECT task_type, count(*) FROM read_parquet('{pattern}') GROUP BY 1").fetchall())
    assert by_task == {t: sum(item["task_type"] == t for item in source) for t in by_task}


def test_benchmark_values_and_nested_types_survive(root: Path, tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    (export,) = export_parquet(root, ["Keypoints_Detection_LSP"], tmp_path / "pq")
    ours = load_split("Keypoints_Detection_LSP", root, decode=False, progress=False)
    pattern = str(export.data_dir / "*.parquet")
    joints = duckdb.sql(f"SELECT gt_joints FROM read_parquet('{pattern}') ORDER BY index").fetchall()
    assert [list(map(list, j)) for (j,) in joints] == ours["gt_joints"]
    widths = duckdb.sql(f"SELECT width, height, image.path FROM read_parquet('{pattern}') ORDER BY index").fetchall()
    assert widths == [(r["width"], r["height"], r["image"]["path"]) for r in ours]


def test_reexport_replaces_the_folder(root: Path, tmp_path: Path) -> None:
    export_parquet(root, ["OCR_SVT"], tmp_path / "pq", shard_rows=1)
    (export,) = export_parquet(root, ["OCR_SVT"], tmp_path / "pq", shard_rows=2)
    assert [p.name for p in sorted(export.data_dir.iterdir())] == ["data-00000-of-00002.parquet",
                                                               "data-00001-of-00002.parquet"]
    assert [p.name for p in (tmp_path / "pq").iterdir()] == ["OCR_SVT"]


def test_shard_rows_must_be_positive(root: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="shard_rows"):
        export_parquet(root, ["OCR_SVT"], tmp_path / "pq", shard_rows=0)
