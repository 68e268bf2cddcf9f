"""Ground truth of one benchmark, column by column, from the raw meta file (or converted data when present).

This is the only module that knows where ground truth comes from. A :class:`GroundTruth` holds the
ids used for joining, the ground-truth fields as columns, the cluster (image or scene) of each item
for the bootstrap, the image sizes where a metric needs them (LSP, FSC147 locating: read from image
headers, never decoded) and a manifest entry saying exactly which data was scored.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lamm_bench.benchmarks.registry import get_spec
from lamm_data.catalog import CatalogEntry, resolve
from lamm_data.errors import MissingDataError
from lamm_data.layout import find_meta
from lamm_data.media import MediaError, image_size
from lamm_data.metafile import read_meta, split_dir_of
from lamm_data.schemas import Record


@dataclass(frozen=True)
class GroundTruth:
    """Ground truth of one benchmark, item by item in file order.

    Attributes:
        name: canonical benchmark name.
        ids: item ids as strings, or ``None`` when the file lacks ids or repeats one (join by position).
        positional_reason: why the join is by position (``None`` when it is by id).
        columns: ground-truth fields by name (``object``, ``label``, ...; VG_ScanRefer's box is ``box``).
        cluster: cluster index of each item (items sharing an image or point cloud share a cluster).
        cluster_keys: media path of each cluster.
        sizes: ``(width, height)`` in pixels per item where the spec says ``needs_image_size``, else ``None``.
        manifest: which data this is (file, sha256, items, source).
    """

    name: str
    ids: tuple[str, ...] | None
    positional_reason: str | None
    columns: Mapping[str, Sequence[Any]]
    cluster: np.ndarray
    cluster_keys: tuple[str, ...]
    sizes: tuple[tuple[int, int], ...] | None = None
    manifest: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.cluster)

    @property
    def n_clusters(self) -> int:
        """Number of distinct images / scenes."""
        return len(self.cluster_keys)


def _ids(raw_ids: Sequence[Any]) -> tuple[tuple[str, ...] | None, str | None]:
    missing = sum(1 for i in raw_ids if i is None)
    if missing:
        return None, f"{missing} item(s) have no id"
    ids = tuple(str(i) for i in raw_ids)
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        repeated = list(dict.fromkeys(i for i in ids if i in seen or seen.add(i)))  # type: ignore[func-returns-value]
        return None, f"{len(repeated)} id(s) repeat (e.g. {', '.join(repeated[:3])})"
    return ids, None


def _clusters(media: Sequence[str]) -> tuple[np.ndarray, tuple[str, ...]]:
    keys: dict[str, int] = {}
    index = np.empty(len(media), dtype=np.int64)
    for i, path in enumerate(media):
        key = os.path.normpath(path).replace("\\", "/")
        index[i] = keys.setdefault(key, len(keys))
    return index, tuple(keys)


def _sizes(split: Path, media: Sequence[str], name: str) -> tuple[tuple[int, int], ...]:
    sizes: dict[str, tuple[int, int]] = {}
    out = []
    for rel in media:
        if rel not in sizes:
            path = split / rel
            try:
                sizes[rel] = image_size(path)
            except FileNotFoundError:
                raise MissingDataError(
                    f"{name} needs image sizes (its ground truth is in pixels) but {path} is missing; "
                    f"unpack the images under {split}") from None
            except (OSError, MediaError) as exc:
                raise MissingDataError(f"{name} needs image sizes but {path} cannot be read: {exc}") from None
        out.append(sizes[rel])
    return tuple(out)


def _columns(entry: CatalogEntry, records: Sequence[Any]) -> dict[str, list[Any]]:
    if entry.name == "VG_ScanRefer":
        return {"box": [list(r.box) for r in records]}
    return {name: [getattr(r, name) for r in records] for name in entry.gt_fields}


def _records(entry: CatalogEntry, path: Path) -> tuple[list[Record], str]:
    """Validated records and the file's sha256; unlike ``validate``, repeated ids are accepted (scoring then
    joins by position)."""
    try:
        data = path.read_bytes()
    except OSError:
        read_meta(path, entry.name)  # raises the one-line MetaFileError naming why the file cannot be read
        raise
    return read_meta(path, entry.name, data=data, unique_ids=False), hashlib.sha256(data).hexdigest()


def _from_records(entry: CatalogEntry, root: Path, path: Path) -> GroundTruth:
    records, sha256 = _records(entry, path)
    ids, reason = _ids([r.id for r in records])
    media = [getattr(r, "pcl" if entry.modality == "pointcloud" else "image") for r in records]
    cluster, keys = _clusters(media)
    sizes = _sizes(split_dir_of(path), media, entry.name) if get_spec(entry.name).needs_image_size else None
    manifest = {"file": _relative(path, root), "sha256": sha256, "items": len(records), "source": "meta"}
    return GroundTruth(entry.name, ids, reason, _columns(entry, records), cluster, keys, sizes, manifest)


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _from_arrow(entry: CatalogEntry, root: Path, path: Path) -> GroundTruth | None:
    """Ground truth from the converted split ``ROOT/.lamm/arrow/<name>`` if it is there and current."""
    import pyarrow as pa

    from lamm_data.convert import arrow_root
    from lamm_data.features import class_label_field
    from lamm_data.provenance import ARROW_FILE, read_provenance, staleness
    from lamm_data.schemas import RECORD_MODELS

    folder = arrow_root(root) / entry.name
    if not folder.is_dir() or staleness(folder, path) is not None:
        return None
    provenance = read_provenance(folder)
    with pa.memory_map(str(folder / ARROW_FILE)) as source:
        table = pa.ipc.open_stream(source).read_all()
    if provenance is None or table.num_rows != provenance.rows_out:
        return None
    media_key = "pcl_path" if entry.modality == "pointcloud" else "image_path"
    media = table.column(media_key).to_pylist()
    ids, reason = _ids(table.column("id").to_pylist())
    if entry.name == "VG_ScanRefer":
        columns: dict[str, list[Any]] = {"box": [o if o is not None else g for o, g in zip(
            table.column("object").to_pylist(), table.column("gt_bbox").to_pylist(), strict=True)]}
    else:
        columns = {name: table.column(name).to_pylist() for name in entry.gt_fields}
    labels = class_label_field(RECORD_MODELS[provenance.record])
    if labels is not None and labels[0] in columns:  # ClassLabel indices -> the class names LAMM compares
        names = labels[1]
        columns[labels[0]] = [None if i is None else names[i] for i in columns[labels[0]]]
    sizes = None
    if get_spec(entry.name).needs_image_size:
        dims = list(zip(table.column("width").to_pylist(), table.column("height").to_pylist(), strict=True))
        if any(w is None or h is None for w, h in dims):
            sizes = _sizes(split_dir_of(path), media, entry.name)
        else:
            sizes = tuple((int(w), int(h)) for w, h in dims)
    cluster, keys = _clusters(media)
    manifest = {"file": _relative(path, root), "sha256": provenance.source_sha256, "items": table.num_rows,
                "source": "arrow"}
    return GroundTruth(entry.name, ids, reason, columns, cluster, keys, sizes, manifest)


def load_ground_truth(root: str | os.PathLike[str], name: str | CatalogEntry) -> GroundTruth:
    """Ground truth of benchmark ``name`` under the LAMM root ``root``.

    The converted split under ``ROOT/.lamm/arrow`` is used when it is present and current (converted
    from the same meta-file bytes); otherwise the meta file is read and validated. Scoring never converts.

    Raises:
        MissingDataError: the meta file (or, for LSP/FSC147 locating, an image) is not there.
        MetaFileError, SchemaError: the meta file is unreadable or does not match its schema.
    """
    entry = name if isinstance(name, CatalogEntry) else resolve(name)
    root = Path(root)
    path = find_meta(root, entry)
    return _from_arrow(entry, root, path) or _from_records(entry, root, path)
