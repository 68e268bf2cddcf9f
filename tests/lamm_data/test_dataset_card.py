"""Dataset cards: every converted split and exported Parquet folder has a README.md that the hub and
``datasets`` read (features in datasets' own YAML form, split sizes, licences, citations, provenance)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import datasets
import pytest
import yaml

from lamm_data.card import LAMM_CITATION, SOURCES, sources_of
from lamm_data.catalog import CATALOG, entries
from lamm_data.convert import convert
from lamm_data.features import columns, features_dict
from lamm_data.layout import find_meta
from lamm_data.parquet import export_parquet
from lamm_data.sample import write_sample

META_NAMES = [e.name for e in entries(kind="meta")]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_sample(tmp_path_factory.mktemp("card") / "lamm")
    convert(root)
    return root


def _card(folder: Path) -> tuple[dict, str]:
    text = (folder / "README.md").read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


def test_every_source_dataset_of_the_catalog_has_licence_and_citation() -> None:
    for entry in entries():
        if entry.kind == "meta":
            assert sources_of(entry), entry.name
    for source in SOURCES.values():
        assert source.license and source.terms and source.homepage.startswith("http")
        assert source.citation.startswith("@") and source.citation.count("{") == source.citation.count("}")


@pytest.mark.parametrize("name", [n for n in META_NAMES if (Path(__file__).parents[2] / "lamm_data" / "sample_data" /
                                                             CATALOG[n].relpath).is_file()])
def test_converted_split_card(root: Path, name: str) -> None:
    entry = CATALOG[name]
    meta, body = _card(root / ".lamm" / "arrow" / name)
    cols = columns(entry.record_model)
    reference = datasets.Features.from_dict(features_dict(cols))._to_yaml_list()  # datasets' own YAML form
    assert meta["dataset_info"]["features"] == reference
    rows = datasets.load_from_disk(str(root / ".lamm" / "arrow" / name)).num_rows
    split = "test" if entry.is_benchmark else "train"
    assert meta["dataset_info"]["splits"] == [{"name": split, "num_examples": rows}]
    assert meta["lamm"]["source_sha256"] == hashlib.sha256(find_meta(root, name).read_bytes()).hexdigest()
    assert meta["lamm"]["source_file"] == entry.relpath and str(root) not in (meta["lamm"]["source_file"])
    sources = sources_of(entry)
    assert meta["source_datasets"] == [s.name for s in sources]
    assert set(meta["license"]) == {"cc-by-nc-4.0", *(s.license for s in sources)}
    assert LAMM_CITATION in body and all(s.citation in body and s.homepage in body for s in sources)
    assert "configs" not in meta  # an Arrow folder: load_from_disk, not load_dataset


def test_parquet_folder_card_is_what_load_dataset_reads(root: Path, tmp_path: Path) -> None:
    exports = export_parquet(root, ["UCMerced", "LAMM_3dinstruct_10k"], tmp_path, shard_rows=2)
    for export in exports:
        meta, _ = _card(export.path)
        split = meta["configs"][0]["data_files"][0]["split"]
        assert meta["dataset_info"]["splits"][0]["num_bytes"] == sum(p.stat().st_size for p in export.shards)
        loaded = datasets.load_dataset(str(export.path), split=split, cache_dir=str(tmp_path / "hf-cache"))
        assert loaded.num_rows == export.rows == meta["dataset_info"]["splits"][0]["num_examples"]
        assert len(export.shards) == -(-export.rows // 2)
    ucmerced = datasets.load_dataset(str(exports[0].path), split="test", cache_dir=str(tmp_path / "hf-cache"))
    assert isinstance(ucmerced.features["label"], datasets.ClassLabel)
    assert ucmerced.features["label"].int2str(ucmerced["label"][1]) == "tenniscourt"
