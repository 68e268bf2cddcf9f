"""``staleness``: every reason a converted split must be rebuilt, from provenance written into a real Arrow file.

Each test writes an Arrow stream with the provenance in its schema metadata (as the converter does), changes one
thing (the source file, the versions, the mode, a media folder) and checks the reason; nothing else changed
must give ``None``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path

import pyarrow as pa
import pytest

from lamm_data.provenance import (
    ARROW_FILE,
    FORMAT_VERSION,
    METADATA_KEY,
    Provenance,
    read_provenance,
    staleness,
)
from lamm_data.schemas import SCHEMA_VERSION

META = b'[{"id": 1, "image": "a/1.jpg"}]\n'


def _write(folder: Path, prov: Provenance) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    schema = pa.schema([("id", pa.string())], metadata={METADATA_KEY: prov.to_json().encode()})
    with pa.OSFile(str(folder / ARROW_FILE), "wb") as sink, pa.ipc.new_stream(sink, schema) as writer:
        writer.write_table(pa.table({"id": ["1"]}, schema=schema))


@pytest.fixture
def converted(tmp_path: Path) -> tuple[Path, Path, Provenance]:
    meta = tmp_path / "root" / "meta.json"
    meta.parent.mkdir()
    meta.write_bytes(META)
    stat = meta.stat()
    prov = Provenance(name="Counting_FSC147", record="counting", source=str(meta.resolve()),
                      source_sha256=hashlib.sha256(META).hexdigest(), source_size=stat.st_size,
                      source_mtime_ns=stat.st_mtime_ns, schema_version=SCHEMA_VERSION, lamm_data_version="0",
                      format_version=FORMAT_VERSION, rows_in=1, rows_out=1, split_dir=str(tmp_path / "root"),
                      media_folders={"a": True, "b": False}, embed_media=False)
    out = tmp_path / "out"
    _write(out, prov)
    return out, meta, prov


def test_current_split_is_not_stale(converted) -> None:
    out, meta, prov = converted
    assert read_provenance(out) == prov
    assert staleness(out, meta) is None
    assert staleness(out, meta, embed_media=False) is None


def test_missing_or_unreadable_provenance(tmp_path: Path) -> None:
    assert staleness(tmp_path / "nothing", tmp_path / "meta.json") == "not converted yet"
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / ARROW_FILE).write_bytes(b"not arrow")
    assert read_provenance(tmp_path / "bad") is None


@pytest.mark.parametrize("change", [{"format_version": FORMAT_VERSION + 1}, {"schema_version": "0.0"}])
def test_other_versions_are_stale(converted, change: dict) -> None:
    out, meta, prov = converted
    _write(out, dataclasses.replace(prov, **change))
    reason = staleness(out, meta)
    assert reason is not None and reason.startswith("converted with format ")
    assert f"now {FORMAT_VERSION} / {SCHEMA_VERSION}" in reason


def test_another_source_is_stale(converted, tmp_path: Path) -> None:
    out, meta, _ = converted
    other = tmp_path / "other.json"
    other.write_bytes(META)
    assert staleness(out, other) == f"converted from {meta.resolve()}, not {other.resolve()}"


def test_embedding_mode(converted) -> None:
    out, meta, prov = converted
    assert staleness(out, meta, embed_media=True) == "media are referenced by path, not embedded"
    _write(out, dataclasses.replace(prov, embed_media=True))
    assert staleness(out, meta, embed_media=False) == "media are embedded"
    assert staleness(out, meta, embed_media=True) is None and staleness(out, meta) is None


def test_a_media_folder_that_appeared(converted) -> None:
    out, meta, _ = converted
    (meta.parent / "a").mkdir()  # was present: no change
    assert staleness(out, meta) is None
    (meta.parent / "b").mkdir()
    assert staleness(out, meta) == "media folder b has appeared since the conversion"


def test_source_changes(converted) -> None:
    out, meta, prov = converted
    os.utime(meta, ns=(prov.source_mtime_ns + 10**9, prov.source_mtime_ns + 10**9))
    assert staleness(out, meta) is None  # touched, same bytes: the hash says current
    meta.write_bytes(META.replace(b"1.jpg", b"2.jpg"))  # same size, other bytes
    assert staleness(out, meta) == "source file changed"
    meta.write_bytes(META + b" ")
    os.utime(meta, ns=(prov.source_mtime_ns, prov.source_mtime_ns))  # other size, same time
    assert staleness(out, meta) == "source file changed"


def test_provenance_written_before_the_newer_fields_reads_as_not_embedded(converted) -> None:
    """Provenance of a conversion made before media embedding existed (no ``embed_media``, ``media_folders``,
    ``int_ids``, ``created`` keys) means: media not embedded, no folder recorded, ids as stored."""
    import json

    _, _, prov = converted
    data = json.loads(prov.to_json())
    for key in ("embed_media", "media_folders", "int_ids", "created"):
        del data[key]
    old = Provenance.from_json(json.dumps(data))
    assert (old.embed_media, old.media_folders, old.int_ids, old.created) == (False, {}, "none", "")
