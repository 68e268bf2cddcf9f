"""load_split: names, roots, conversion on demand, lazy media decoding, memory-mapped random access."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import datasets
import numpy as np
import PIL.Image
import pytest

import lamm_data
import lamm_data.load
from lamm_data.errors import LammError, MissingDataError, UnknownNameError
from lamm_data.layout import find_meta
from lamm_data.load import load_split, open_split, provenance_of
from lamm_data.metafile import read_meta
from lamm_data.sample import write_sample

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample root, converted on first use by the tests below (read-only for them)."""
    return write_sample(tmp_path_factory.mktemp("load") / "lamm")


def test_public_import_is_lazy() -> None:
    code = ("import sys, lamm_data\n"
            "heavy = [m for m in ('datasets', 'pyarrow', 'lamm_data.load') if m in sys.modules]\n"
            "assert not heavy, heavy\n"
            "from lamm_data import load_split, iter_records\n"
            "print(load_split.__module__, iter_records.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.split() == ["lamm_data.load", "lamm_data.stream"]
    assert lamm_data.load_split is load_split
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        lamm_data.nope  # noqa: B018


def test_returns_a_memory_mapped_dataset(root: Path) -> None:
    ds = load_split("Detection_VOC2012", root, progress=False)
    assert isinstance(ds, datasets.Dataset)
    assert len(ds.cache_files) == 1 and ds.cache_files[0]["filename"].endswith(".arrow")
    assert ds.num_rows == 3 and ds[-1]["index"] == 2
    assert ds.info.dataset_name == "Detection_VOC2012"
    assert provenance_of(ds).rows_out == 3


@pytest.mark.parametrize(("alias", "canonical"), [("VOC2012", "Detection_VOC2012"), ("LSP", "Keypoints_Detection_LSP"),
                                                  ("ScanRefer_LAMM", "VG_ScanRefer"), ("lamm_instruct_186k.json",
                                                                                       "LAMM_instruct_186k")])
def test_aliases(root: Path, alias: str, canonical: str) -> None:
    assert load_split(alias, root, progress=False).info.dataset_name == canonical


def test_default_root_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_root = write_sample(tmp_path / "env-root")
    monkeypatch.setenv("LAMM_DATA_ROOT", str(env_root))
    ds = load_split("OCR_SVT", progress=False)
    assert ds[0]["image"].filename.startswith(str(env_root))
    assert (env_root / ".lamm" / "arrow" / "OCR_SVT").is_dir()


def test_missing_meta_file_names_the_fetch_command(tmp_path: Path) -> None:
    with pytest.raises(MissingDataError, match=r"lamm-data fetch 3D_Benchmark VG_ScanRefer --root"):
        load_split("VG_ScanRefer", tmp_path)


def test_unknown_and_archive_names(root: Path) -> None:
    with pytest.raises(UnknownNameError, match="Detection_VOC2012"):
        load_split("Detection_VOC2O12", root)
    with pytest.raises(LammError, match="archive"):
        load_split("coco_images", root)


@pytest.mark.parametrize("name", ["Caption_flickr30k", "LAMM_instruct_186k", "VQA_SQAimage"])
def test_images_decode_to_pil_of_the_recorded_size(root: Path, name: str) -> None:
    ds = load_split(name, root, progress=False)
    for row in ds:
        assert isinstance(row["image"], PIL.Image.Image)
        assert row["image"].size == (row["width"], row["height"])


def test_undecoded_images_are_absolute_paths_valid_from_any_cwd(root: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    ds = load_split("Caption_flickr30k", root, decode=False, progress=False)
    for row in ds:
        assert row["image"]["bytes"] is None
        path = Path(row["image"]["path"])
        assert path.is_absolute() and path.is_file()
        assert path == (root / "2D_Benchmark" / row["image_path"]).resolve()
    assert ds.features["image"] == datasets.Image(decode=False)


def test_images_are_decoded_only_when_a_row_is_read(tmp_path: Path) -> None:
    root = write_sample(tmp_path / "lamm")
    ds = load_split("Classification_CIFAR10", root, progress=False)
    (root / "2D_Benchmark" / ds[1]["image_path"]).unlink()  # after opening: nothing was decoded yet
    assert ds[0]["image"].size == (32, 32)
    with pytest.raises(FileNotFoundError):
        ds[1]["image"]
    assert ds.select_columns(["id", "width"])[1] == {"id": "1", "width": 32}


@pytest.mark.parametrize("name", ["VG_ScanRefer", "LAMM_3dinstruct_10k", "Detection_ScanNet"])
def test_point_clouds_decode_to_float32_arrays(root: Path, name: str) -> None:
    ds = load_split(name, root, progress=False)
    raw = load_split(name, root, decode=False, progress=False)
    for row, path_row in zip(ds, raw, strict=True):
        cloud = row["pcl"]
        assert isinstance(cloud, np.ndarray) and cloud.dtype == np.float32
        assert cloud.shape == (row["num_points"], row["channels"]) and cloud.shape[1] >= 3
        path = Path(path_row["pcl"])
        assert path.is_absolute() and path.is_file() and "/./" not in path_row["pcl"]  # "./scannet_pcls/..." normalised
        np.testing.assert_array_equal(cloud, np.load(path).astype(np.float32))
    batch = ds[:2]
    assert [c.shape for c in batch["pcl"]] == [(r["num_points"], r["channels"]) for r in raw.select(range(2))]
    assert ds.select_columns(["id", "pcl_path"])[0].keys() == {"id", "pcl_path"}


def test_random_access_matches_the_records(root: Path) -> None:
    meta = find_meta(root, "LAMM_instruct_186k")
    records = read_meta(meta)
    ds = load_split("LAMM_instruct_186k", root, decode=False, progress=False)
    for i in (5, 0, 7, 3):
        assert ds[i]["conversations"] == records[i].model_dump()["conversations"]
        assert ds[i]["id"] == records[i].id


def test_stale_split_is_reconverted_on_load(tmp_path: Path) -> None:
    root = write_sample(tmp_path / "lamm")
    assert load_split("OCR_SVT", root, progress=False)[0]["word_list"] == ["HOTEL", "OPEN"]
    meta = find_meta(root, "OCR_SVT")
    items = json.loads(meta.read_text())
    items[0]["word_list"] = ["MOTEL"]
    meta.write_text(json.dumps(items))
    assert load_split("OCR_SVT", root, progress=False)[0]["word_list"] == ["MOTEL"]


def test_conversion_progress_goes_to_stderr(tmp_path: Path, capfd: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich draws the bar although stderr is not a terminal here
    root = write_sample(tmp_path / "lamm")
    load_split("OCR_SVT", root, progress=True)
    captured = capfd.readouterr()
    assert captured.out == "" and "converting OCR_SVT" in captured.err
    load_split("Counting_FSC147", root, progress=False)
    assert capfd.readouterr() == ("", "")


def test_load_from_disk_reads_the_same_folder(root: Path) -> None:
    ours = load_split("Counting_FSC147", root, decode=False, progress=False)
    theirs = datasets.load_from_disk(str(root / ".lamm" / "arrow" / "Counting_FSC147"))
    assert theirs.features["image"] == datasets.Image()
    assert theirs.cast_column("image", datasets.Image(decode=False)).to_list() == ours.to_list()


def test_unwritable_arrow_folder_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_sample(tmp_path / "lamm")

    def read_only(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(lamm_data.load, "convert_file", read_only)
    with pytest.raises(LammError, match=r"cannot write the converted OCR_SVT into .*arrow_dir="):
        load_split("OCR_SVT", root, progress=False)


def test_open_split_refuses_a_folder_that_is_not_a_conversion(tmp_path: Path) -> None:
    with pytest.raises(LammError, match="not a converted LAMM split"):
        open_split(tmp_path)
