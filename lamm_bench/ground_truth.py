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

from lamm_data.catalog import CatalogEntry, resolve
from lamm_data.errors import MissingDataError
from lamm_data.layout import find_meta
from lamm_data.media import MediaError, image_size
from lamm_data.metafile import read_meta, split_dir_of

NEEDS_IMAGE_SIZE = frozenset({"Keypoints_Detection_LSP", "Locating_LSP", "Locating_FSC147"})
"""Benchmarks whose ground truth is in pixels and whose answers are normalised: they need image sizes."""


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
        sizes: ``(width, height)`` in pixels per item for :data:`NEEDS_IMAGE_SIZE`, else ``None``.
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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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


def load_ground_truth(root: str | os.PathLike[str], name: str | CatalogEntry) -> GroundTruth:
    """Ground truth of benchmark ``name`` under the LAMM root ``root``.

    Raises:
        MissingDataError: the meta file (or, for LSP/FSC147 locating, an image) is not there.
        MetaFileError, SchemaError: the meta file is unreadable or does not match its schema.
    """
    entry = name if isinstance(name, CatalogEntry) else resolve(name)
    root = Path(root)
    path = find_meta(root, entry)
    records = read_meta(path, entry.name)
    ids, reason = _ids([r.id for r in records])
    media_key = "pcl" if entry.modality == "pointcloud" else "image"
    media = [getattr(r, media_key) for r in records]
    cluster, keys = _clusters(media)
    sizes = _sizes(split_dir_of(path), media, entry.name) if entry.name in NEEDS_IMAGE_SIZE else None
    manifest = {"file": path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path),
                "sha256": _sha256(path), "items": len(records), "source": "meta"}
    return GroundTruth(entry.name, ids, reason, _columns(entry, records), cluster, keys, sizes, manifest)
