"""Where a converted split came from, and whether it still matches its source.

The provenance is a small JSON document stored in the Arrow file's schema metadata under the key
``lamm`` (so it travels with the file, and into Parquet exports). A converted split is *current* when
it was written by this converter format from the same bytes (sha256) under the same schema version,
for the same LAMM root, and no media folder the records point into has appeared since.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa

from lamm_data.hashing import hash_file
from lamm_data.schemas import SCHEMA_VERSION

FORMAT_VERSION = 2
"""Version of the converted layout (columns, metadata); bump when converted data must be rebuilt.
2: closed label sets as ``ClassLabel`` indices; embedded point clouds as float32 rows in ``pcl`` (no
``pcl_bytes``)."""
ARROW_FILE = "data-00000-of-00001.arrow"
"""The Arrow stream file of a converted split (the name ``datasets.save_to_disk`` would use)."""
METADATA_KEY = b"lamm"


@dataclass(frozen=True)
class Provenance:
    """Provenance of one converted split.

    Attributes:
        name: canonical catalog name.
        record: record schema key (``instruct2d`` ...).
        source: absolute path of the meta file converted.
        source_sha256: sha256 of the meta file's bytes.
        source_size: its size in bytes; ``source_mtime_ns``: its modification time (a fast unchanged check).
        schema_version: :data:`lamm_data.schemas.SCHEMA_VERSION` of the records.
        lamm_data_version: version of the package that converted it.
        format_version: :data:`FORMAT_VERSION`.
        rows_in: items in the meta file; rows_out: rows written (always equal; both kept as a check).
        split_dir: absolute folder media paths are relative to (``ROOT/2D_Benchmark``).
        media_folders: top-level media folder -> present at conversion time.
        embed_media: whether media bytes are stored in the data.
        int_ids: which items had an integer ``id`` in the source (the ``id`` column holds its decimal
            string): ``"all"``, ``"none"`` or the list of row indices.
        created: UTC time of conversion (ISO 8601).
    """

    name: str
    record: str
    source: str
    source_sha256: str
    source_size: int
    source_mtime_ns: int
    schema_version: str
    lamm_data_version: str
    format_version: int
    rows_in: int
    rows_out: int
    split_dir: str
    media_folders: dict[str, bool] = field(default_factory=dict)
    embed_media: bool = False
    int_ids: Literal["all", "none"] | list[int] = "none"
    created: str = ""

    def to_json(self) -> str:
        """Compact JSON form."""
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> Provenance:
        """Parse :meth:`to_json` output (unknown keys are ignored)."""
        data: dict[str, Any] = json.loads(text)
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def read_provenance(folder: str | os.PathLike[str]) -> Provenance | None:
    """Provenance of the converted split in ``folder``, or ``None`` if there is no readable one."""
    try:
        with pa.memory_map(str(Path(folder) / ARROW_FILE)) as source:
            metadata = pa.ipc.open_stream(source).schema.metadata or {}
        return Provenance.from_json(metadata[METADATA_KEY])
    except (OSError, pa.ArrowInvalid, KeyError, TypeError, ValueError):
        return None


def staleness(
    folder: str | os.PathLike[str], meta_path: str | os.PathLike[str], *, embed_media: bool | None = None
) -> str | None:
    """Why the split in ``folder`` must be (re)converted from ``meta_path``, or ``None`` if it is current.

    ``embed_media``: require that mode (``None``: accept either).
    """
    prov = read_provenance(folder)
    if prov is None:
        return "not converted yet"
    meta = Path(meta_path).resolve()
    if prov.format_version != FORMAT_VERSION or prov.schema_version != SCHEMA_VERSION:
        return (f"converted with format {prov.format_version} / schema {prov.schema_version}; now "
                f"{FORMAT_VERSION} / {SCHEMA_VERSION}")
    if prov.source != str(meta):
        return f"converted from {prov.source}, not {meta}"
    if embed_media is not None and prov.embed_media != embed_media:
        return "media are embedded" if prov.embed_media else "media are referenced by path, not embedded"
    for folder_name, present in prov.media_folders.items():
        if not present and (Path(prov.split_dir) / folder_name).is_dir():
            return f"media folder {folder_name} has appeared since the conversion"
    stat = meta.stat()
    if stat.st_size == prov.source_size and stat.st_mtime_ns == prov.source_mtime_ns:
        return None
    if stat.st_size != prov.source_size or hash_file(meta).sha256 != prov.source_sha256:
        return "source file changed"
    return None
