"""Export converted splits as sharded Parquet for engines that read Parquet directly (DuckDB, Ray, Spark).

Each split becomes ``OUT/<name>/data/data-00000-of-0000N.parquet`` and the card ``OUT/<name>/README.md``
(the hub's layout: ``datasets.load_dataset("OUT/<name>")`` reads the card's ``configs``): the same columns as the
Arrow data,
``shard_rows`` rows per file, the ``datasets`` features and the provenance in the file metadata (keys
``huggingface`` and ``lamm``), and a dataset card ``README.md`` (:mod:`lamm_data.card`). Media stay
path-referenced (absolute paths of this machine) unless the split was converted with ``--embed-media`` (or the
export asks for it); embed them for shards that must work elsewhere. The export keeps the mode the split was
converted with; asking for the other one converts a temporary copy, so the user's converted split is never
rewritten behind their back.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from lamm_data.atomic import replace_folder, temp_dir
from lamm_data.card import CARD_FILE, card_text
from lamm_data.catalog import CatalogEntry, record_models, resolve
from lamm_data.convert import arrow_root, convert_file
from lamm_data.features import columns
from lamm_data.layout import find_meta
from lamm_data.provenance import ARROW_FILE, METADATA_KEY, Provenance, read_provenance

DATA_DIR = "data"
"""Sub-folder of an exported split holding its shards (beside the card ``README.md``, which engines reading the
whole shard folder would otherwise try to open as Parquet)."""
SHARD_GLOB = f"{DATA_DIR}/*.parquet"
"""The shards of an exported split, relative to its folder (the card's ``data_files``)."""
ROW_GROUP_ROWS = 10_000
"""Rows per Parquet row group: the unit engines read in parallel."""


@dataclass(frozen=True)
class ParquetExport:
    """One exported split: its folder (card ``README.md`` and ``data/``), row count and shard files."""

    name: str
    path: Path
    rows: int
    shards: tuple[Path, ...]

    @property
    def data_dir(self) -> Path:
        """The folder of the shards (what DuckDB, Ray Data and Spark read)."""
        return self.path / DATA_DIR


def export_parquet(
    root: str | os.PathLike[str],
    names: Sequence[str],
    out: str | os.PathLike[str],
    *,
    shard_rows: int = 100_000,
    arrow_dir: str | os.PathLike[str] | None = None,
    embed_media: bool | None = None,
) -> list[ParquetExport]:
    """Write each named split as Parquet shards under ``out/<name>/``, converting it first if needed.

    ``embed_media``: export with the media in the data (image bytes, and point clouds as typed float32 arrays,
    so the shards work on other machines) or not; ``None``: as the split was converted (paths when it has not
    been converted yet). A mode other than the converted split's is exported from a temporary conversion, so the
    user's converted split is never rewritten.

    The folder is written next to its final place and renamed when complete; an older export is replaced.

    Raises:
        ValueError: ``shard_rows`` < 1.
        MissingDataError, UnknownNameError, InvalidMetaError: as for :func:`lamm_data.load.load_split`.
    """
    if shard_rows < 1:
        raise ValueError(f"shard_rows must be at least 1, got {shard_rows}")
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    converted = Path(arrow_dir) if arrow_dir is not None else arrow_root(root)
    exports = []
    for entry in dict.fromkeys(resolve(n) for n in names):
        meta = find_meta(root, entry)
        existing = read_provenance(converted / entry.name)
        embed = embed_media if embed_media is not None else bool(existing and existing.embed_media)
        if existing is not None and existing.embed_media != embed:
            with tempfile.TemporaryDirectory(prefix=f".{entry.name}.", suffix=".arrow", dir=out_dir) as scratch:
                result = convert_file(meta, scratch, name=entry.name, embed_media=embed)
                exports.append(_export(result.path, entry, out_dir, shard_rows))
        else:
            result = convert_file(meta, converted, name=entry.name, embed_media=embed)
            exports.append(_export(result.path, entry, out_dir, shard_rows))
    return exports


def _export(folder: Path, entry: CatalogEntry, out_dir: Path, shard_rows: int) -> ParquetExport:
    with pa.memory_map(str(folder / ARROW_FILE)) as source:
        table = pa.ipc.open_stream(source).read_all()
    return _write_shards(table, entry, out_dir, shard_rows)


def _write_shards(table: pa.Table, entry: CatalogEntry, out_dir: Path, shard_rows: int) -> ParquetExport:
    name = entry.name
    count = max(1, -(-table.num_rows // shard_rows))
    tmp = temp_dir(out_dir / name)
    try:
        files = []
        (tmp / DATA_DIR).mkdir()
        for i in range(count):
            filename = f"data-{i:05d}-of-{count:05d}.parquet"
            shard = table.slice(i * shard_rows, shard_rows)
            pq.write_table(shard, tmp / DATA_DIR / filename, row_group_size=min(shard_rows, ROW_GROUP_ROWS))
            files.append(out_dir / name / DATA_DIR / filename)
        prov = Provenance.from_json((table.schema.metadata or {})[METADATA_KEY])
        cols = columns(record_models()[prov.record], embed_media=prov.embed_media)
        size = sum((tmp / DATA_DIR / f.name).stat().st_size for f in files)
        card = card_text(entry, cols, table.num_rows, prov, data_files=SHARD_GLOB, num_bytes=size)
        (tmp / CARD_FILE).write_text(card, encoding="utf-8")
        replace_folder(tmp, out_dir / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return ParquetExport(name, out_dir / name, table.num_rows, tuple(files))
