"""Ground truth of one benchmark, column by column, read with :func:`lamm_data.columns.read_columns` (the
converted split when present and current, else the meta file, validated).

A :class:`GroundTruth` holds the ids used for joining, the catalog's ground-truth fields as columns, the
cluster (image or scene) of each item for the bootstrap, the image sizes where the spec says a metric needs
them (ground truth in pixels: read from image headers, never decoded) and a manifest entry saying exactly which
data was scored.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lamm_bench.benchmarks.registry import get_spec
from lamm_data.catalog import CatalogEntry, resolve
from lamm_data.columns import read_columns
from lamm_data.errors import MissingDataError
from lamm_data.media import MediaError, image_size


@dataclass(frozen=True)
class GroundTruth:
    """Ground truth of one benchmark, item by item in file order.

    Attributes:
        name: canonical benchmark name.
        ids: item ids as strings, or ``None`` when the file lacks ids or repeats one (join by position).
        positional_reason: why the join is by position (``None`` when it is by id).
        columns: the catalog's ground-truth fields by name (``object``, ``label``, ...).
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


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


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
    data = read_columns(entry, root, entry.gt_fields, unique_ids=False)
    ids, reason = _ids(data.ids)
    cluster, keys = _clusters(data.media)
    sizes = None
    if get_spec(entry.name).needs_image_size:
        if data.sizes is not None and all(size is not None for size in data.sizes):
            sizes = tuple(data.sizes)  # type: ignore[arg-type]
        else:
            sizes = _sizes(data.split_dir, data.media, entry.name)
    manifest = {"file": _relative(data.meta, root), "sha256": data.sha256, "items": len(data), "source": data.source}
    return GroundTruth(entry.name, ids, reason, data.values, cluster, keys, sizes, manifest)
