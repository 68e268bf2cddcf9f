"""Conversion of meta files to Arrow: values, provenance, reruns, validation and media."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import datasets
import numpy as np
import pyarrow as pa
import pytest

from bench._generate import write_instruct_2d
from lamm_data import __version__
from lamm_data.catalog import entries, resolve
from lamm_data.convert import InvalidMetaError, arrow_root, convert, convert_file
from lamm_data.errors import MissingDataError, SchemaError
from lamm_data.features import schema_fields
from lamm_data.layout import find_meta
from lamm_data.load import open_split
from lamm_data.media import image_size, npy_shape
from lamm_data.metafile import read_meta, split_dir_of, validate_meta
from lamm_data.provenance import ARROW_FILE, read_provenance, staleness
from lamm_data.sample import sample_source, write_sample
from lamm_data.schemas import SCHEMA_VERSION, media_field

META_NAMES = [e.name for e in entries(kind="meta") if (sample_source() / e.relpath).is_file()]
"""The 17 benchmark files and the two instruction files the embedded sample holds."""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_sample(tmp_path / "lamm")


def expected_rows(meta: Path, name: str) -> list[dict]:
    """Rows a conversion must produce, built from the validated records (the reference for values)."""
    model = resolve(name).record_model
    key = media_field(model)
    split = split_dir_of(meta)
    rows = []
    for i, rec in enumerate(read_meta(meta, name)):
        dumped = rec.model_dump()
        rel = getattr(rec, key)
        row = {"index": i, "id": None if rec.id is None else str(rec.id), f"{key}_path": rel}
        row.update({f: dumped[f] for f, _ in schema_fields(model)})
        media = split / os.path.normpath(rel)
        if key == "image":
            row["width"], row["height"] = image_size(media)
        else:
            (row["num_points"], row["channels"]), _ = npy_shape(media)
        rows.append(row)
    return rows


def test_sample_has_every_file_under_test(root: Path) -> None:
    assert len(META_NAMES) == 19
    for name in META_NAMES:
        find_meta(root, name)


@pytest.mark.parametrize("name", META_NAMES)
def test_every_sample_file_converts_with_its_values(root: Path, tmp_path: Path, name: str) -> None:
    meta = find_meta(root, name)
    result = convert_file(meta, tmp_path / "out")
    assert (result.status, result.name, result.rows) == ("converted", name, len(read_meta(meta, name)))
    ds = open_split(result.path, decode=False)
    expected = expected_rows(meta, name)
    assert ds.num_rows == len(expected) > 0
    classes = {k: f for k, f in ds.features.items() if isinstance(f, datasets.ClassLabel)}
    for row, want in zip(ds, expected, strict=True):
        got = {k: classes[k].int2str(row[k]) if k in classes else row[k] for k in want}  # indices -> names
        assert got == want
        assert row["extra"] is None


@pytest.mark.parametrize("name", META_NAMES)
def test_provenance(root: Path, tmp_path: Path, name: str) -> None:
    meta = find_meta(root, name)
    result = convert_file(meta, tmp_path / "out")
    prov = read_provenance(result.path)
    assert prov is not None
    assert prov.source_sha256 == hashlib.sha256(meta.read_bytes()).hexdigest()
    assert (prov.schema_version, prov.lamm_data_version, prov.name) == (SCHEMA_VERSION, __version__, name)
    assert prov.rows_in == prov.rows_out == result.rows
    assert prov.source == str(meta.resolve())
    assert all(prov.media_folders.values())  # the sample ships every media folder it references
    dataset_info = json.loads((result.path / "dataset_info.json").read_text())
    assert prov.source_sha256 in dataset_info["description"]


def test_default_output_folder_and_all_files(root: Path) -> None:
    results = convert(root)
    assert sorted(r.name for r in results) == sorted(META_NAMES)
    assert {r.status for r in results} == {"converted"}
    for r in results:
        assert r.path == root / ".lamm" / "arrow" / r.name == arrow_root(root) / r.name
        assert (r.path / ARROW_FILE).is_file()


def test_parallel_conversion_matches_sequential(root: Path, tmp_path: Path) -> None:
    names = ["Detection_VOC2012", "VG_ScanRefer", "LAMM_instruct_186k"]
    parallel = convert(root, names, out=tmp_path / "par", num_proc=2)
    sequential = convert(root, names, out=tmp_path / "seq")
    for p, s in zip(parallel, sequential, strict=True):
        assert p.status == s.status == "converted"
        assert open_split(p.path, decode=False).to_list() == open_split(s.path, decode=False).to_list()


def test_header_reading_threads_give_the_same_split(root: Path, tmp_path: Path) -> None:
    meta = find_meta(root, "VQA_SQAimage")
    one = convert_file(meta, tmp_path / "one", workers=1)
    four = convert_file(meta, tmp_path / "four", workers=4)
    assert open_split(one.path, decode=False).to_list() == open_split(four.path, decode=False).to_list()


def test_rerun_is_a_no_op(root: Path, tmp_path: Path) -> None:
    meta = find_meta(root, "Detection_VOC2012")
    first = convert_file(meta, tmp_path / "out")
    arrow = first.path / ARROW_FILE
    stamp = (arrow.stat().st_ino, arrow.stat().st_mtime_ns)
    again = convert_file(meta, tmp_path / "out")
    assert (again.status, again.rows, again.reason) == ("current", first.rows, "up to date")
    assert (arrow.stat().st_ino, arrow.stat().st_mtime_ns) == stamp
    os.utime(meta)  # touched, same bytes: the hash decides, still current
    assert convert_file(meta, tmp_path / "out").status == "current"


def test_changed_source_is_reconverted(root: Path, tmp_path: Path) -> None:
    meta = find_meta(root, "Counting_FSC147")
    convert_file(meta, tmp_path / "out")
    items = json.loads(meta.read_text())
    items[0]["num"] = 41
    meta.write_text(json.dumps(items[:2]))
    assert staleness(tmp_path / "out" / "Counting_FSC147", meta) == "source file changed"
    result = convert_file(meta, tmp_path / "out")
    assert (result.status, result.reason, result.rows) == ("converted", "source file changed", 2)
    assert open_split(result.path, decode=False)["num"] == [41, items[1]["num"]]


def test_force_reconverts(root: Path, tmp_path: Path) -> None:
    meta = find_meta(root, "OCR_SVT")
    convert_file(meta, tmp_path / "out")
    assert convert_file(meta, tmp_path / "out", force=True).reason == "forced"


def test_invalid_file_is_not_converted_and_reports_like_validate(root: Path, tmp_path: Path) -> None:
    meta = find_meta(root, "Detection_VOC2012")
    items = json.loads(meta.read_text())
    items[1]["object"][0]["bbox"] = [0.5, 0.5, 0.2, 0.9]
    del items[2]["query"]
    meta.write_text(json.dumps(items))
    with pytest.raises(InvalidMetaError) as caught:
        convert_file(meta, tmp_path / "out")
    report, _ = validate_meta(meta)
    assert caught.value.report.problems == report.problems
    assert caught.value.problems == report.errors and len(report.errors) == 2
    assert not (tmp_path / "out" / "Detection_VOC2012").exists()
    assert [p.name for p in (tmp_path / "out").iterdir() if not p.name.endswith(".lock")] == []
    results = convert(root, ["Detection_VOC2012", "OCR_SVT"], out=tmp_path / "out")
    assert [r.status for r in results] == ["failed", "converted"]
    assert results[0].report is not None and results[0].report.problems == report.problems


def test_unreadable_file_is_not_converted(root: Path, tmp_path: Path) -> None:
    meta = find_meta(root, "OCR_SVT")
    meta.write_text('[{"id": "1", "image": "svt_images/1.jpg"')
    with pytest.raises(InvalidMetaError, match="truncated JSON"):
        convert_file(meta, tmp_path / "out")


def test_missing_media_file_is_an_error(root: Path, tmp_path: Path) -> None:
    (root / "2D_Benchmark" / "svt_images" / "14_03.jpg").unlink()
    with pytest.raises(InvalidMetaError, match="media file not found"):
        convert_file(find_meta(root, "OCR_SVT"), tmp_path / "out")


def test_damaged_media_header_is_an_error(root: Path, tmp_path: Path) -> None:
    (root / "2D_Benchmark" / "svt_images" / "14_03.jpg").write_bytes(b"not an image")
    with pytest.raises(SchemaError, match="cannot read the image size") as caught:
        convert_file(find_meta(root, "OCR_SVT"), tmp_path / "out")
    assert [(p.index, p.id, p.field) for p in caught.value.problems] == [(0, "14_03", "image")]


def test_absent_media_folder_gives_null_sizes_and_appearing_folder_reconverts(root: Path, tmp_path: Path) -> None:
    media = root / "2D_Benchmark" / "svt_images"
    shutil.move(media, tmp_path / "svt_images")
    meta = find_meta(root, "OCR_SVT")
    result = convert_file(meta, tmp_path / "out")
    rows = open_split(result.path, decode=False).to_list()
    assert [(r["image"], r["width"], r["height"]) for r in rows] == [(None, None, None)] * 3
    assert read_provenance(result.path).media_folders == {"svt_images": False}
    shutil.move(tmp_path / "svt_images", media)
    assert staleness(result.path, meta) == "media folder svt_images has appeared since the conversion"
    again = convert_file(meta, tmp_path / "out")
    assert again.status == "converted"
    assert open_split(again.path, decode=False)["width"] == [image_size(media / f"{r['id']}.jpg")[0] for r in rows]


def test_moved_root_is_reconverted(root: Path, tmp_path: Path) -> None:
    result = convert_file(find_meta(root, "OCR_SVT"), tmp_path / "out")
    moved = shutil.move(root, tmp_path / "moved")
    meta = find_meta(moved, "OCR_SVT")
    assert staleness(result.path, meta).startswith("converted from")
    again = convert_file(meta, tmp_path / "out")
    assert open_split(again.path, decode=False)[0]["image"]["path"].startswith(str(Path(moved).resolve()))


def test_integer_ids_are_kept_as_strings_and_recorded(root: Path, tmp_path: Path) -> None:
    meta = find_meta(root, "Classification_CIFAR10")
    source_ids = [item["id"] for item in json.loads(meta.read_text())]
    assert all(isinstance(i, int) for i in source_ids)
    result = convert_file(meta, tmp_path / "out")
    assert open_split(result.path)["id"] == [str(i) for i in source_ids]
    assert read_provenance(result.path).int_ids == "all"
    items = json.loads(meta.read_text())
    items[1]["id"] = "1"
    meta.write_text(json.dumps(items))
    assert read_provenance(convert_file(meta, tmp_path / "out").path).int_ids == [0, 2, 3]
    no_ids = convert_file(find_meta(root, "LAMM_3dinstruct_10k"), tmp_path / "out")
    assert read_provenance(no_ids.path).int_ids == "none"
    assert set(open_split(no_ids.path, decode=False)["id"]) == {None}


def test_unknown_fields_are_kept_in_extra(root: Path, tmp_path: Path) -> None:
    meta = find_meta(root, "LAMM_instruct_186k")
    items = json.loads(meta.read_text())
    items[1]["source_url"] = "http://example.org/1.jpg"
    items[2]["conversations"][1]["weight"] = 0.5
    meta.write_text(json.dumps(items))
    result = convert_file(meta, tmp_path / "out")
    extra = open_split(result.path, decode=False)["extra"]
    assert json.loads(extra[1]) == {"source_url": "http://example.org/1.jpg"}
    assert json.loads(extra[2]) == {"conversations[1].weight": 0.5}
    assert extra[0] is None and extra[3:] == [None] * (len(items) - 3)


def test_default_task_type_is_filled(root: Path, tmp_path: Path) -> None:
    meta = find_meta(root, "LAMM_instruct_186k")
    items = json.loads(meta.read_text())
    del items[0]["task_type"]
    meta.write_text(json.dumps(items))
    assert open_split(convert_file(meta, tmp_path / "out").path)[0]["task_type"] == "normal"


def test_embedded_media_survive_removal_of_the_originals(root: Path, tmp_path: Path) -> None:
    image_meta, cloud_meta = find_meta(root, "VQA_AI2D"), find_meta(root, "VQA_ScanQA_multiplechoice")
    images = convert_file(image_meta, tmp_path / "out", embed_media=True)
    clouds = convert_file(cloud_meta, tmp_path / "out", embed_media=True)
    originals = {r["image_path"]: (image_meta.parent.parent / r["image_path"]).read_bytes()
                 for r in open_split(images.path, decode=False)}
    expected_clouds = [np.load(cloud_meta.parent.parent / p) for p in open_split(clouds.path)["pcl_path"]]
    shutil.rmtree(root / "2D_Benchmark" / "ai2d_images")
    shutil.rmtree(root / "3D_Benchmark" / "scannet_pcls")
    raw = open_split(images.path, decode=False)
    for row in raw:
        assert row["image"] == {"bytes": originals[row["image_path"]], "path": row["image_path"]}
    decoded = open_split(images.path)
    assert [r["image"].size for r in decoded] == [(r["width"], r["height"]) for r in raw]
    for row, want in zip(open_split(clouds.path), expected_clouds, strict=True):
        assert row["pcl"].dtype == np.float32
        np.testing.assert_array_equal(row["pcl"], want.astype(np.float32))
    assert read_provenance(images.path).embed_media
    assert convert_file(image_meta, tmp_path / "out", embed_media=True).status == "current"


def test_switching_embedding_reconverts(root: Path, tmp_path: Path) -> None:
    meta = find_meta(root, "VQA_AI2D")
    convert_file(meta, tmp_path / "out")
    result = convert_file(meta, tmp_path / "out", embed_media=True)
    assert (result.status, result.reason) == ("converted", "media are referenced by path, not embedded")


@pytest.mark.slow
def test_generated_full_format_file_converts(tmp_path: Path) -> None:
    """A 2,000-item file in the release's format (bench/_generate.py) converts value for value."""
    meta = write_instruct_2d(tmp_path / "lamm" / "2D_Instruct" / "meta_file" / "LAMM_instruct_186k.json", 2000)
    result = convert_file(meta, tmp_path / "out")
    source = json.loads(meta.read_text())
    table = pa.ipc.open_stream(pa.memory_map(str(result.path / ARROW_FILE))).read_all()
    assert table.num_rows == result.rows == len(source) == 2000
    assert table.column("conversations").to_pylist() == [item["conversations"] for item in source]
    assert table.column("id").to_pylist() == [item["id"] for item in source]
    assert table.column("image_path").to_pylist() == [item["image"] for item in source]
    assert table.column("task_type").to_pylist() == [item["task_type"] for item in source]
    assert table.column("width").null_count == 2000  # coco_images/ is not there
    assert table.column("index").to_pylist() == list(range(2000))


def test_missing_named_file_names_the_fetch_command(root: Path) -> None:
    find_meta(root, "OCR_SVT").unlink()
    with pytest.raises(MissingDataError, match="lamm-data fetch 2D_Benchmark OCR_SVT"):
        convert(root, ["OCR_SVT"])
