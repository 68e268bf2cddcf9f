"""The catalog lists every file of the release once, with the names each hub repo uses."""

from __future__ import annotations

import dataclasses
import json

import pytest
from typer.testing import CliRunner

from lamm_data import catalog
from lamm_data.catalog import DEFAULT_REPO, OLD_REPO, resolve
from lamm_data.cli import app
from lamm_data.errors import UnknownNameError
from lamm_data.schemas import RECORD_MODELS


def _names(group: str, kind: str) -> list[str]:
    return [e.name for e in catalog.entries(group, kind)]


def test_counts_per_group_and_kind() -> None:
    assert len(_names("2D_Instruct", "meta")) == 7
    assert _names("3D_Instruct", "meta") == ["LAMM_3dinstruct_10k", "VQA_ScanQA_multiplechoice_finetune"]
    assert len(_names("2D_Benchmark", "meta")) == 14
    assert len(_names("3D_Benchmark", "meta")) == 3
    assert len(catalog.BENCHMARKS) == 17
    archives = [e.filename for e in catalog.entries(kind="archive")]
    assert len(archives) == 17
    assert {"coco_images.zip", "bamboo_images.zip", "locount_images.zip", "textvqa_images.zip", "lsp_images.zip",
            "3rscan_pcls.zip", "shapenet_pcls.zip", "scannet_pcls.zip"} <= set(archives)


def test_every_meta_entry_has_schema_media_and_hub_home() -> None:
    archive_folders = {e.name: e.group for e in catalog.entries(kind="archive")}
    for entry in catalog.entries(kind="meta"):
        assert RECORD_MODELS[entry.record_model.KEY] is entry.record, entry.name
        assert entry.hub_paths(DEFAULT_REPO) == (entry.relpath,), entry.name
        assert entry.media, entry.name
        for folder in entry.media:
            assert folder in archive_folders, (entry.name, folder)
        if entry.is_benchmark:
            assert entry.gt_fields and entry.dataset, entry.name
            assert entry.name == f"{entry.task}_{entry.dataset}"
            assert all(archive_folders[f] == entry.group for f in entry.media), entry.name


def test_archives_are_not_on_the_hub() -> None:
    for entry in catalog.entries(kind="archive"):
        assert entry.hub == ()
        assert "OpenDataLab" in entry.source
        assert entry.relpath == f"{entry.group}/{entry.name}.zip"


@pytest.mark.parametrize(
    ("repo", "name", "paths"),
    [
        (DEFAULT_REPO, "Keypoints_Detection_LSP", ("2D_Benchmark/meta_file/Keypoints_Detection_LSP.json",)),
        (OLD_REPO, "Keypoints_Detection_LSP", ("2D_Benchmark/meta_file/Keypoints_Dectection_LSP.json",)),
        (DEFAULT_REPO, "LAMM_instruct_186k", ("2D_Instruct/meta_file/LAMM_instruct_186k.json",)),
        (OLD_REPO, "LAMM_instruct_186k", ("2D_Instruct/meta_file/LAMM_2dinstruct_186k.json",
                                          "2D_Instruct/meta_file/LAMM_instruct_186k.json")),
        (OLD_REPO, "VQA_ScanQA_multiplechoice_finetune", ()),
        (OLD_REPO, "VG_ScanRefer", ("3D_Benchmark/meta_file/VG_ScanRefer.json",)),
    ],
)
def test_each_repo_names_files_its_own_way(repo: str, name: str, paths: tuple[str, ...]) -> None:
    assert resolve(name).hub_paths(repo) == paths


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("Keypoints_Dectection_LSP", "Keypoints_Detection_LSP"),
        ("keypoints_dectection_lsp.json", "Keypoints_Detection_LSP"),
        ("VQA_ScienceQA", "VQA_SQAimage"),
        ("ScienceQA_LAMM", "VQA_SQAimage"),
        ("LAMM_2dinstruct_98k", "LAMM_instruct_98k"),
        ("VOC2012", "Detection_VOC2012"),
        ("VOC2012_LAMM", "Detection_VOC2012"),
        ("Locating_VOC2012", "Locating_VOC2012"),
        ("CelebA(Hair)", "Facial_Classification_CelebA(Hair)"),
        ("  flickr30k ", "Caption_flickr30k"),
        ("ScanQA", "VQA_ScanQA_multiplechoice"),
        ("scannet_pcls.zip", "scannet_pcls"),
    ],
)
def test_aliases_resolve_to_one_canonical_name(alias: str, canonical: str) -> None:
    assert resolve(alias).name == canonical


def test_unknown_name_lists_closest_names() -> None:
    with pytest.raises(UnknownNameError) as info:
        resolve("Detecion_VOC2012")
    message = str(info.value)
    assert "Detection_VOC2012" in message and "lamm-data list" in message
    assert isinstance(info.value, KeyError)


def test_unknown_group_is_an_error() -> None:
    with pytest.raises(UnknownNameError, match="2D_Benchmark"):
        list(catalog.entries("2D_Benchmarks"))


def test_entries_are_frozen() -> None:
    entry = resolve("OCR_SVT")
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        catalog.CATALOG["x"] = entry  # type: ignore[index]


def test_list_command_prints_the_catalog() -> None:
    runner = CliRunner(env={"COLUMNS": "200"})  # one line per row (the console reads COLUMNS on each print)
    table = runner.invoke(app, ["list", "3D_Benchmark"])
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    rows = lines[lines.index("3D_Benchmark") + 2:]  # after the group's header line and the column header
    assert [row.split()[0] for row in rows] == [e.name for e in catalog.entries("3D_Benchmark")]
    assert rows[-1].split()[:3] == ["scannet_pcls", "archive", "246"] and "archives from OpenDataLab" in table.stdout
    assert "[in brackets: the figure an older README gave]" in table.stdout  # explains "559 MB [134 MB]"
    assert all(line.count("3D_Benchmark") <= 1 for line in lines)  # the group is a heading, not a column
    listed = json.loads(runner.invoke(app, ["list", "--json"]).stdout)
    assert [e["name"] for e in listed] == list(catalog.CATALOG)
    lsp = next(e for e in listed if e["name"] == "Keypoints_Detection_LSP")
    assert {"repo": OLD_REPO, "path": "2D_Benchmark/meta_file/Keypoints_Dectection_LSP.json"} in lsp["hub"]
    assert lsp["file"] == "2D_Benchmark/meta_file/Keypoints_Detection_LSP.json" and lsp["gt_fields"] == ["gt_joints"]
    wrong = runner.invoke(app, ["list", "3D_Benchmarks"])
    assert wrong.exit_code == 1 and "Did you mean 3D_Benchmark" in wrong.stderr


def test_register_adds_an_entry_for_this_process_and_refuses_clashes() -> None:
    from lamm_data.schemas import ClassificationRecord

    entry = catalog.CatalogEntry(name="Classification_Extra", group="2D_Benchmark", kind="meta",
                                 filename="Classification_Extra.json", modality="image", documented_size="1 kB",
                                 task="Classification", dataset="Extra", record=ClassificationRecord,
                                 gt_fields=("label",), media=("extra_images",), aliases=("ExtraSet",))
    catalog.register(entry)
    try:
        assert resolve("extraset.json") is entry and catalog.benchmark_names()[-1] == "Classification_Extra"
        assert catalog.BENCHMARKS[-1] == "VQA_ScanQA_multiplechoice"  # the release's list is unchanged
        assert list(catalog.entries("2D_Benchmark", "meta"))[-1] is entry
        with pytest.raises(ValueError, match="already in the catalog"):
            catalog.register(entry)
    finally:
        catalog.unregister("Classification_Extra")
    with pytest.raises(UnknownNameError):
        resolve("ExtraSet")
    with pytest.raises(ValueError, match="claimed by Detection_VOC2012"):
        catalog.register(dataclasses.replace(entry, aliases=("VOC2012",)))
    assert "Classification_Extra" not in catalog.CATALOG  # a refused entry leaves nothing behind

    class Clash(ClassificationRecord):
        KEY = "classification"

    with pytest.raises(ValueError, match="has the KEY 'classification' of ClassificationRecord"):
        catalog.register(dataclasses.replace(entry, record=Clash))
    with pytest.raises(ValueError, match="was not added with register"):
        catalog.unregister("OCR_SVT")
