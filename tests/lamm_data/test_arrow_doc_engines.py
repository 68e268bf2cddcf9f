"""The Ray and Spark snippets of docs/arrow.md, run against shards written by `lamm-data export-parquet`.

Ray: the snippet itself runs on a local Ray instance (one CPU), with the docs' bucket URL replaced by the
exported folder. Skipped when Ray is not installed, unless ``LAMM_REQUIRE_RAY=1`` (CI installs ``ray[data]``),
which turns the skip into a failure. Spark itself needs a JVM; its claim about the column type is checked on
the Parquet schema it would read.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from PIL import Image

from lamm_data.parquet import export_parquet

DOC = Path(__file__).resolve().parents[2] / "docs" / "arrow.md"
BUCKET = "s3://bucket/lamm/LAMM_instruct_186k/data"


def _ray_snippet() -> str:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("Ray Data ("):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]


@pytest.fixture
def shards(sample_root_ro: Path, tmp_path: Path) -> Path:
    [export] = export_parquet(sample_root_ro, ["LAMM_instruct_186k"], tmp_path / "pq", shard_rows=3,
                              arrow_dir=tmp_path / "arrow", embed_media=True)
    return export.data_dir


@pytest.mark.slow
@pytest.mark.integration
def test_ray_snippet_runs_on_the_exported_shards(shards: Path) -> None:
    try:
        import ray
    except ImportError:
        if os.environ.get("LAMM_REQUIRE_RAY") == "1":
            raise
        pytest.skip("ray is not installed (pip install 'ray[data]'; CI sets LAMM_REQUIRE_RAY=1)")
    code = _ray_snippet()
    assert BUCKET in code
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        scope: dict = {}
        exec(compile(code.replace(BUCKET, str(shards)), "docs/arrow.md", "exec"), scope)
        assert scope["ds"].count() == 8
        rows = scope["decoded"].take_all()
    finally:
        ray.shutdown()
    [row] = rows  # the sample's one detection item
    assert row["task_type"] == "detection"
    table = pq.read_table(shards)
    detection = table.filter(pc.equal(table.column("task_type"), "detection")).to_pylist()[0]
    expected = np.asarray(Image.open(io.BytesIO(detection["image"]["bytes"])).convert("RGB"))
    assert expected.shape == (detection["height"], detection["width"], 3)
    np.testing.assert_array_equal(row["pixels"], expected)


def test_spark_reads_conversations_as_an_array_of_structs(shards: Path) -> None:
    """docs/arrow.md: `conversations` is an array<struct<from:string,value:string>> column in Spark."""
    assert "`conversations`\nis an `array<struct<from:string,value:string>>` column" in DOC.read_text(encoding="utf-8")
    kind = pq.read_schema(next(shards.glob("*.parquet"))).field("conversations").type
    assert pa.types.is_list(kind) and pa.types.is_struct(kind.value_type)
    assert [(f.name, f.type) for f in kind.value_type] == [("from", pa.string()), ("value", pa.string())]
