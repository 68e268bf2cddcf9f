"""Open converted splits as memory-mapped ``datasets.Dataset`` objects, converting first when needed.

Opening maps the Arrow file into memory: nothing is parsed, rows are read on access (O(1) random
access), and images / point clouds are decoded only when a row is read with ``decode=True``.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from lamm_data.arrow_build import Progress
from lamm_data.catalog import record_models, resolve
from lamm_data.convert import arrow_root, convert_file
from lamm_data.errors import LammError, NotAMetaFileError
from lamm_data.features import arrow_schema, columns, hf_features
from lamm_data.layout import default_root, find_meta
from lamm_data.provenance import ARROW_FILE, METADATA_KEY, Provenance, read_provenance, staleness
from lamm_data.schemas import Record

if TYPE_CHECKING:
    import datasets


def load_split(
    name: str,
    root: str | os.PathLike[str] | None = None,
    *,
    decode: bool = True,
    arrow_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
    follow_symlinks: bool = False,
) -> datasets.Dataset:
    """The converted, memory-mapped dataset of one LAMM meta file; converts it first if missing or stale.

    Args:
        name: catalog name or alias (``Detection_VOC2012``, ``VOC2012``, ``LAMM_instruct_186k`` ...).
        root: the LAMM root (default: ``$LAMM_DATA_ROOT``, then ``~/.cache/lamm``).
        decode: with ``True``, ``row["image"]`` is a ``PIL.Image`` and ``row["pcl"]`` a float32 array
            ``(N, C)`` (x, y, z in metres first), both decoded when the row is read, in every format
            (``with_format("numpy")``, ``to_iterable_dataset()`` ...); with ``False``, ``row["image"]`` is
            ``{"path": <absolute path>, "bytes": None}`` (bytes when embedded) and ``row["pcl"]`` the absolute
            path (embedded: the points as nested lists). Both are ``None`` where the media file is absent.
            Closed label sets (CIFAR10, UCMerced, CelebA) are ``ClassLabel`` indices:
            ``ds.features["label"].int2str(row["label"])`` is the class name.
        arrow_dir: folder of converted splits (default ``ROOT/.lamm/arrow``; pass a writable folder when the
            root is read-only).
        progress: show a progress bar on stderr while converting.
        follow_symlinks: accept media that are symbolic links leading outside the split folder (by default the
            meta file fails validation).

    Raises:
        MissingDataError: the meta file is not under ``root``; the message names the ``lamm-data fetch`` command.
        InvalidMetaError: the meta file fails validation (the report lists every problem).
        UnknownNameError: ``name`` is not in the catalog.
        NotAMetaFileError: ``name`` is an archive.
        LammError: the split must be converted but ``arrow_dir`` is not writable.
    """
    entry = resolve(name)
    if entry.record is None:
        raise NotAMetaFileError(f"{entry.name} is an archive, not a meta file; load_split opens meta files")
    root_dir = Path(root) if root is not None else default_root()
    meta = find_meta(root_dir, entry)
    out = Path(arrow_dir) if arrow_dir is not None else arrow_root(root_dir)
    folder = out / entry.name
    if staleness(folder, meta) is not None:
        try:
            with _progress_bar(progress, entry.name) as on_progress:
                convert_file(meta, out, name=entry.name, on_progress=on_progress, follow_symlinks=follow_symlinks)
        except OSError as exc:
            if not isinstance(exc, PermissionError) and exc.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
                raise
            raise LammError(f"cannot write the converted {entry.name} into {out} ({exc.strerror or exc}); "
                            "pass arrow_dir= a writable folder") from None
    return open_split(folder, decode=decode)


def open_split(folder: str | os.PathLike[str], *, decode: bool = True) -> datasets.Dataset:
    """Open a converted split folder as it is (no staleness check); ``decode`` as in :func:`load_split`.

    Raises:
        LammError: ``folder`` does not hold a complete conversion by this converter format.
    """
    from datasets import Dataset, DatasetInfo
    from datasets.table import MemoryMappedTable

    folder = Path(folder)
    table = MemoryMappedTable.from_file(str(folder / ARROW_FILE)) if read_provenance(folder) is not None else None
    prov, model = checked_split(folder, None if table is None else table.schema, 0 if table is None else table.num_rows)
    cols = columns(model, embed_media=prov.embed_media)
    info = DatasetInfo(description=f"LAMM {prov.name} (sha256 {prov.source_sha256} of {prov.source})",
                       features=hf_features(cols, decode=decode), dataset_name=prov.name)
    return Dataset(table, info=info, fingerprint=f"{prov.source_sha256[:16]}{'' if decode else '-raw'}")


def checked_split(folder: Path, schema: pa.Schema | None, num_rows: int) -> tuple[Provenance, type[Record]]:
    """The provenance and record model of a converted split whose Arrow data has ``schema`` and ``num_rows``.

    Raises:
        LammError: ``folder`` holds no conversion (``schema`` is then ``None``), one of a record model this process
            does not know, other columns than this version writes, or another row count than its provenance's.
    """
    prov = read_provenance(folder)
    if prov is None or schema is None:
        raise LammError(f"{folder} is not a converted LAMM split; create it with: lamm-data convert NAME --root ROOT")
    model = record_models().get(prov.record)
    if model is None:
        raise LammError(f"{folder} holds {prov.record!r} records, a record model this process does not know; "
                        "register its catalog entry first, or convert it again")
    if not schema.equals(arrow_schema(columns(model, embed_media=prov.embed_media))):
        raise LammError(f"{folder} was written with other columns than this version expects; convert it again")
    if num_rows != prov.rows_out:
        raise LammError(f"{folder} holds {num_rows} rows, its provenance says {prov.rows_out}; convert again")
    return prov, model


def provenance_of(dataset: datasets.Dataset) -> Provenance | None:
    """Provenance of a dataset opened by :func:`load_split` (read from its Arrow file's metadata)."""
    for cache in dataset.cache_files:
        with pa.memory_map(cache["filename"]) as source:
            metadata = pa.ipc.open_stream(source).schema.metadata or {}
        if METADATA_KEY in metadata:
            return Provenance.from_json(metadata[METADATA_KEY])
    return None


@contextlib.contextmanager
def _progress_bar(enabled: bool, name: str) -> Iterator[Progress | None]:
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=Console(stderr=True), transient=True)
    task = bar.add_task(f"converting {name}", total=None)

    def update(stage: str, done: int, total: int) -> None:
        bar.update(task, description=f"converting {name}: {stage}", completed=done, total=total)

    with bar:
        yield update
