"""Point clouds are a real ``datasets`` feature (decoded in every access path, typed arrays when embedded) and
closed label sets are ``ClassLabel`` columns."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lamm_bench.ground_truth import load_ground_truth
from lamm_data.convert import convert_file
from lamm_data.errors import SchemaError
from lamm_data.layout import find_meta
from lamm_data.load import load_split, open_split
from lamm_data.metafile import read_meta
from lamm_data.parquet import export_parquet
from lamm_data.sample import write_sample


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample(tmp_path_factory.mktemp("pcl") / "lamm")


def _expected_clouds(root: Path, name: str) -> list[np.ndarray]:
    meta = find_meta(root, name)
    return [np.load(meta.parent.parent / r.pcl).astype(np.float32) for r in read_meta(meta, name)]


@pytest.mark.parametrize("embed", [False, True])
def test_clouds_decode_in_rows_numpy_format_and_iterable_datasets(root: Path, tmp_path: Path, embed: bool) -> None:
    expected = _expected_clouds(root, "VG_ScanRefer")
    result = convert_file(find_meta(root, "VG_ScanRefer"), tmp_path / "arrow", embed_media=embed)
    ds = open_split(result.path)
    rows = [ds[i]["pcl"] for i in range(len(ds))]
    as_numpy = ds.with_format("numpy")
    streamed = [row["pcl"] for row in ds.to_iterable_dataset()]
    streamed_numpy = [row["pcl"] for row in ds.to_iterable_dataset().with_format("numpy")]
    batch = ds[:2]["pcl"]
    mapped = ds.map(lambda row: {"n": len(row["pcl"])})
    for i, want in enumerate(expected):
        for got in (rows[i], as_numpy[i]["pcl"], streamed[i], streamed_numpy[i]):
            assert isinstance(got, np.ndarray) and got.dtype == np.float32
            np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(batch[1], expected[1])
    assert mapped["n"] == [len(c) for c in expected]
    raw = open_split(result.path, decode=False)[0]["pcl"]
    if embed:
        assert isinstance(raw, list) and len(raw) == len(expected[0]) and len(raw[0]) == expected[0].shape[1]
        assert raw[0] == pytest.approx(expected[0][0].tolist())
    else:
        assert isinstance(raw, str) and Path(raw).is_file()


def test_embedded_clouds_are_a_typed_column_in_parquet(root: Path, tmp_path: Path) -> None:
    [export] = export_parquet(root, ["ScanQA"], tmp_path / "pq", embed_media=True)
    table = pq.read_table(export.shards[0])
    kind = table.schema.field("pcl").type
    assert pa.types.is_list(kind) and pa.types.is_list(kind.value_type) and kind.value_type.value_type == pa.float32()
    first = np.array(table.column("pcl")[0].as_py(), np.float32)
    np.testing.assert_array_equal(first, _expected_clouds(root, "VQA_ScanQA_multiplechoice")[0])
    plain = datasets.load_dataset("parquet", data_files=str(export.shards[0]), split="train",
                                  cache_dir=str(tmp_path / "hf-cache"))
    assert plain.features["pcl"] == datasets.List(datasets.List(datasets.Value("float32")))


@pytest.mark.parametrize(("name", "field", "classes"), [
    ("Classification_CIFAR10", "label", 10), ("Fine-grained_Classification_UCMerced", "label", 21),
    ("Facial_Classification_CelebA(Hair)", "attr", 4), ("Facial_Classification_CelebA(Smile)", "attr", 2)])
def test_closed_label_sets_are_class_labels_and_scoring_sees_the_names(root: Path, name: str, field: str,
                                                                       classes: int) -> None:
    ds = load_split(name, root, progress=False)
    feature = ds.features[field]
    assert isinstance(feature, datasets.ClassLabel) and feature.num_classes == classes
    originals = [getattr(r, field) for r in read_meta(find_meta(root, name), name)]
    assert [feature.int2str(i) for i in ds[field]] == originals
    truth = load_ground_truth(root, name)
    assert truth.manifest["source"] == "arrow" and truth.columns[field] == originals


def test_a_label_outside_the_closed_set_fails_the_conversion_naming_the_item(tmp_path: Path) -> None:
    root = write_sample(tmp_path / "lamm")
    meta = find_meta(root, "CIFAR10")
    items = json.loads(meta.read_text())
    items[2]["label"] = "spaceship"
    meta.write_text(json.dumps(items))
    with pytest.raises(SchemaError, match=r"row 2 \(id 2\): label: 'spaceship' is not one of the 10 classes"):
        convert_file(meta, tmp_path / "out")
    assert not (tmp_path / "out" / "Classification_CIFAR10").exists()
