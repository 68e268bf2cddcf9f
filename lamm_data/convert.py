"""Convert LAMM meta files into memory-mappable Arrow datasets (the ``datasets`` on-disk format).

One converted split is a folder ``OUT/<name>/`` holding ``data-00000-of-00001.arrow`` (an Arrow stream
whose schema metadata carries the ``datasets`` features and the :class:`~lamm_data.provenance.Provenance`),
``dataset_info.json``, ``state.json`` - so ``datasets.load_from_disk`` reads it too - and a dataset card
``README.md`` (licences, citations, features, provenance: :mod:`lamm_data.card`). The default
``OUT`` is ``ROOT/.lamm/arrow``.

Steps: validate the meta file with the schemas (:func:`lamm_data.metafile.validate_meta`, one item at a
time) while hashing the bytes read, keeping each record's id and media path, and writing the columns of
the records' own fields to a temporary Arrow file a batch at a time; read media sizes from file headers;
then read those batches back, add the whole-file columns (index, id, media) and write the split into a
temporary folder next to the output and rename it into place. Memory holds one batch of records (about
1 MiB of JSON text) and a few bytes per row, not the file; the file is parsed once. A conversion that
is killed leaves only a hidden ``.<name>.*.tmp`` folder, which loaders ignore and the next conversion
removes. Converting an unchanged source again does nothing.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import multiprocessing
import os
import queue
import shlex
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

import pyarrow as pa

from lamm_data import arrow_build
from lamm_data._version import __version__
from lamm_data.arrow_build import (
    EMBED_BATCH_ROWS,
    OwnColumns,
    Progress,
    RowFacts,
    derived_columns,
    media_facts,
    record_batches,
)
from lamm_data.atomic import replace_folder, temp_dir
from lamm_data.card import CARD_FILE, card_text
from lamm_data.catalog import GROUPS, CatalogEntry, entries, resolve
from lamm_data.errors import LammError, MissingDataError, NotAMetaFileError, SchemaError
from lamm_data.features import Spec, arrow_schema, columns, features_dict
from lamm_data.hashing import HashingReader
from lamm_data.layout import find_meta
from lamm_data.metafile import FileReport, entry_for_path, gc_paused, problem_lines, split_dir_of, validate_meta
from lamm_data.provenance import (
    ARROW_FILE,
    FORMAT_VERSION,
    METADATA_KEY,
    Provenance,
    read_provenance,
    staleness,
)
from lamm_data.schemas import SCHEMA_VERSION, Record, media_field

try:
    import fcntl
except ImportError:  # Windows: conversions of the same split are not serialised
    fcntl = None  # type: ignore[assignment]

class InvalidMetaError(SchemaError):
    """A meta file that failed validation and was not converted; ``report`` is what ``validate`` reports."""

    def __init__(self, report: FileReport) -> None:
        errors = report.errors
        super().__init__(f"{report.path}: not converted: {len(errors)} problem(s)\n{problem_lines(errors)}", errors)
        self.report = report


@dataclass
class ConvertResult:
    """Outcome of converting one meta file.

    Attributes:
        name: canonical catalog name.
        source: the meta file.
        path: the converted split's folder.
        status: ``converted``, ``current`` (nothing to do) or ``failed``.
        rows: rows in the converted split (0 when failed).
        seconds: wall time spent.
        reason: why it was converted (``source file changed`` ...), or the error message.
        report: the validation report (warnings; errors when the file is invalid), when validation ran.
    """

    name: str
    source: Path
    path: Path
    status: Literal["converted", "current", "failed"]
    rows: int = 0
    seconds: float = 0.0
    reason: str = ""
    report: FileReport | None = None


def arrow_root(root: str | os.PathLike[str]) -> Path:
    """Default folder of converted splits under a LAMM root: ``ROOT/.lamm/arrow``."""
    return Path(root) / ".lamm" / "arrow"


def convert_file(
    meta_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    name: str | None = None,
    embed_media: bool = False,
    force: bool = False,
    workers: int = 1,
    on_progress: Progress | None = None,
    follow_symlinks: bool = False,
) -> ConvertResult:
    """Convert one meta file to ``out_dir/<name>/`` unless an up-to-date conversion is already there.

    Args:
        meta_path: the meta file; media paths are resolved against its split folder.
        out_dir: folder that holds converted splits.
        name: catalog name or alias (default: from the file name).
        embed_media: store image / ``.npy`` bytes in the data (portable, larger) instead of paths.
        force: convert even if the existing conversion is current.
        workers: threads reading media headers.
        on_progress: ``(stage, done, total)`` callback.
        follow_symlinks: accept media that are symbolic links leading outside the split folder (default: the
            file is invalid, so that no outside file is read or embedded unnoticed).

    Raises:
        InvalidMetaError: the file does not pass validation (nothing is written).
        SchemaError: a media header cannot be read.
        UnknownNameError: the file name is not a LAMM file and ``name`` was not given.
        NotAMetaFileError: ``name`` is an archive.
    """
    start = time.perf_counter()
    meta = Path(meta_path).resolve()
    entry = entry_for_path(meta, name)
    if entry.record is None:
        raise NotAMetaFileError(f"{entry.name} is an archive, not a meta file; only meta files are converted")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / entry.name
    with _locked(out, entry.name):
        reason = "forced" if force else staleness(target, meta, embed_media=embed_media)
        if reason is None:
            return ConvertResult(entry.name, meta, target, "current", _rows_of(target),
                                 time.perf_counter() - start, "up to date")
        _remove_leftovers(out, entry.name)
        with gc_paused():  # millions of acyclic objects: collector passes would only cost time
            rows, report = _write_split(meta, entry, out, embed_media=embed_media, workers=workers,
                                        on_progress=on_progress, follow_symlinks=follow_symlinks)
    return ConvertResult(entry.name, meta, target, "converted", rows, time.perf_counter() - start, reason, report)


def _write_split(
    meta: Path, entry: CatalogEntry, out: Path, *, embed_media: bool, workers: int, on_progress: Progress | None,
    follow_symlinks: bool = False,
) -> tuple[int, FileReport]:
    """Validate ``meta`` in one streamed read that also hashes the bytes and spills the records' own columns to
    a temporary Arrow file a batch at a time; then add the whole-file columns and write the split. Memory holds
    one batch of records, not the file."""
    before = meta.stat()
    if on_progress is not None:
        on_progress("validating", 0, 1)
    model = entry.record_model
    key = media_field(model)
    cols = columns(model, embed_media=embed_media)
    tmp = temp_dir(out / entry.name)  # the split is written here too, then renamed
    try:
        spill = _Spill(OwnColumns(cols, tmp / ".own.arrow"), RowFacts(key),
                       EMBED_BATCH_ROWS if embed_media else arrow_build.BATCH_ROWS)
        with open(meta, "rb") as f:
            source = HashingReader(f)
            report, _ = validate_meta(meta, entry.name, check_media=True, follow_symlinks=follow_symlinks,
                                      keep_records=False, on_record=spill.add, source=source)
            sha256 = source.hexdigest()
        spill.close()
        if not report.ok:
            raise InvalidMetaError(report)
        _check_unchanged(meta, before)
        ids, int_rows, rel = spill.facts.columns()
        split_dir = split_dir_of(meta)
        media = media_facts(rel, ids, key, split_dir, str(meta), workers=workers, on_progress=on_progress)
        prov = Provenance(
            name=entry.name, record=model.KEY, source=str(meta), source_sha256=sha256,
            source_size=before.st_size, source_mtime_ns=before.st_mtime_ns, schema_version=SCHEMA_VERSION,
            lamm_data_version=__version__, format_version=FORMAT_VERSION, rows_in=report.items,
            rows_out=report.items, split_dir=str(split_dir), media_folders=media.folders, embed_media=embed_media,
            int_ids="all" if int_rows is None else int_rows or "none",
            created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        )
        batches = record_batches(spill.own.batches(), report.items, cols, derived_columns(ids, media), media,
                                 embed_media=embed_media, on_progress=on_progress)
        return _write_folder(out, prov, cols, batches, tmp, spill.own.path), report
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class _Spill:
    """Gathers validated records into batches (at most ``rows`` records, about :data:`BATCH_BYTES` of their JSON
    text) and writes each batch's own columns; keeps each record's id and media path in ``facts``.

    A write error is kept (validation goes on, so that the report stays complete) and raised by :meth:`close`.
    """

    def __init__(self, own: OwnColumns, facts: RowFacts, rows: int) -> None:
        self.own, self.facts, self._rows = own, facts, rows
        self._records: list[Record] = []
        self._start = 0
        self._error: OSError | None = None

    def add(self, index: int, record: Record, offset: int) -> None:
        """Take the next valid record (``offset``: byte offset of its item in the file)."""
        self.facts.add(record)
        if self._records and (len(self._records) >= self._rows or offset - self._start >= arrow_build.BATCH_BYTES):
            self._flush()
        if not self._records:
            self._start = offset
        self._records.append(record)

    def _flush(self) -> None:
        if self._error is None:
            try:
                self.own.write(self._records)
            except OSError as exc:
                self._error = exc
        self._records = []

    def close(self) -> None:
        """Write the last batch and finish the file.

        Raises:
            OSError: a write failed.
        """
        if self._records:
            self._flush()
        try:
            self.own.close()
        except OSError as exc:
            self._error = self._error or exc
        if self._error is not None:
            raise self._error


def _check_unchanged(meta: Path, before: os.stat_result) -> None:
    after = meta.stat()
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise LammError(f"{meta} changed while it was being read; run the conversion again")


def _write_folder(out: Path, prov: Provenance, cols: list[tuple[str, Spec]], batches: Iterator[pa.RecordBatch],
                  tmp: Path | None = None, scratch: Path | None = None) -> int:
    """Write a split folder (Arrow stream + ``datasets`` JSON files) beside ``out/<name>`` and rename it there.

    ``tmp``: the temporary folder to write in (default: a new one; removed unless renamed); ``scratch``: a file
    in it to remove before the rename."""
    fingerprint = hashlib.sha256(f"{prov.source_sha256}/{SCHEMA_VERSION}/{FORMAT_VERSION}/{prov.embed_media}"
                                 .encode()).hexdigest()[:16]
    features = features_dict(cols)
    hf_meta = json.dumps({"info": {"features": features}, "fingerprint": fingerprint})
    schema = arrow_schema(cols).with_metadata({b"huggingface": hf_meta, METADATA_KEY: prov.to_json()})
    tmp = temp_dir(out / prov.name) if tmp is None else tmp
    try:
        rows = write_stream(tmp / ARROW_FILE, schema, batches)
        if rows != prov.rows_in:
            raise LammError(f"{prov.source}: {prov.rows_in} items read but {rows} rows written; nothing was converted")
        _write_json(tmp / "dataset_info.json", {
            "description": f"LAMM {prov.name}, converted by lamm-toolkit {__version__} from {prov.source} "
                           f"(sha256 {prov.source_sha256}, schema {SCHEMA_VERSION})",
            "dataset_name": prov.name, "features": features})
        (tmp / CARD_FILE).write_text(card_text(resolve(prov.name), cols, rows, prov), encoding="utf-8")
        _write_json(tmp / "state.json", {
            "_data_files": [{"filename": ARROW_FILE}], "_fingerprint": fingerprint, "_format_columns": None,
            "_format_kwargs": {}, "_format_type": None, "_output_all_columns": False, "_split": None})
        if scratch is not None:
            scratch.unlink()
        replace_folder(tmp, out / prov.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rows


def write_stream(path: Path, schema: pa.Schema, batches: Iterator[pa.RecordBatch]) -> int:
    """Write ``batches`` to an Arrow stream file and return the rows written.

    A thread does the writing: pyarrow releases the GIL while it writes, so batch ``i`` goes to disk
    while the calling thread builds batch ``i + 1``. At most two batches wait in between.
    """
    pending: queue.Queue[pa.RecordBatch | None] = queue.Queue(maxsize=2)
    failure: list[BaseException] = []

    def drain() -> None:
        try:
            with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, schema) as writer:
                while (batch := pending.get()) is not None:
                    writer.write_batch(batch)
        except BaseException as exc:  # handed to the calling thread below
            failure.append(exc)
            while pending.get() is not None:  # keep the producer from blocking
                pass

    thread = threading.Thread(target=drain, name=f"write {path.name}", daemon=True)
    thread.start()
    rows = 0
    try:
        for batch in batches:
            if failure:
                break
            pending.put(batch)
            rows += batch.num_rows
    finally:
        pending.put(None)
        thread.join()
    if failure:
        raise failure[0]
    return rows


def _write_json(path: Path, value: dict) -> None:
    path.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")


def _remove_leftovers(out: Path, name: str) -> None:
    """Remove temporary folders that a killed conversion of ``name`` left behind."""
    prefix = f".{name}."
    for entry in os.scandir(out):
        if entry.name.startswith(prefix) and entry.name.endswith((".tmp", ".old")) and entry.is_dir():
            shutil.rmtree(entry.path, ignore_errors=True)


@contextlib.contextmanager
def _locked(out: Path, name: str) -> Iterator[None]:
    """Serialise conversions of one split (a second process waits, then finds the split current).

    The lock file is removed by its holder before the lock is released, so nothing is left behind; a process
    that acquired the lock on a file removed meanwhile tries again on the current one.
    """
    path = out / f".{name}.lock"
    while True:
        handle = open(path, "a+b")
        if fcntl is None:
            break
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            if os.fstat(handle.fileno()).st_ino == os.stat(path).st_ino:
                break
        except FileNotFoundError:
            pass
        handle.close()
    try:
        yield
    finally:
        if fcntl is not None:
            path.unlink(missing_ok=True)
        handle.close()


def _rows_of(folder: Path) -> int:
    prov = read_provenance(folder)
    return 0 if prov is None else prov.rows_out


def meta_files(root: str | os.PathLike[str], names: Sequence[str] = ()) -> list[tuple[CatalogEntry, Path]]:
    """The meta files to convert: ``names`` (any alias), or every catalog meta file present under ``root``.

    Raises:
        MissingDataError: a named file is not under ``root`` (the message names the fetch command), or
            no meta file at all is.
        UnknownNameError: a name is not in the catalog.
        NotAMetaFileError: a name is an archive.
    """
    if names:
        chosen = list(dict.fromkeys(resolve(n) for n in names))
        return [(entry, find_meta(root, entry)) for entry in chosen]
    found = []
    for entry in entries(kind="meta"):
        with contextlib.suppress(MissingDataError):
            found.append((entry, find_meta(root, entry)))
    if not found:
        raise MissingDataError(f"no LAMM meta file under {root}; get some with: "
                               f"lamm-data fetch GROUP --root {shlex.quote(str(root))} "
                               f"(GROUP: {', '.join(GROUPS)})")
    return found


def convert(
    root: str | os.PathLike[str],
    names: Sequence[str] = (),
    *,
    out: str | os.PathLike[str] | None = None,
    num_proc: int = 1,
    embed_media: bool = False,
    force: bool = False,
    follow_symlinks: bool = False,
    on_result: Callable[[ConvertResult], None] | None = None,
    on_progress: Callable[[str, str, int, int], None] | None = None,
) -> list[ConvertResult]:
    """Convert meta files under a LAMM root; a file that fails does not stop the others.

    Args:
        root: the LAMM root.
        names: catalog names or aliases; default: every meta file present.
        out: folder for converted splits (default ``ROOT/.lamm/arrow``).
        num_proc: processes converting files in parallel (and threads reading media headers when 1 file).
        embed_media: store media bytes in the data.
        force: reconvert current splits too.
        follow_symlinks: accept media that are symbolic links leading outside their split folder.
        on_result: called as each file finishes.
        on_progress: ``(name, stage, done, total)`` callback (files converted one at a time only).

    Returns:
        One result per file; failed files have ``status == "failed"`` and their report.

    Raises:
        MissingDataError, UnknownNameError, NotAMetaFileError: see :func:`meta_files` (raised before anything
            is converted).
    """
    jobs = meta_files(root, names)
    target = Path(out) if out is not None else arrow_root(root)
    kwargs = {"embed_media": embed_media, "force": force, "follow_symlinks": follow_symlinks}
    results: list[ConvertResult] = []
    if num_proc > 1 and len(jobs) > 1:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(num_proc, len(jobs)), mp_context=context) as pool:
            futures = [pool.submit(_convert_one, e.name, p, target, 1, kwargs) for e, p in jobs]
            for future in futures:
                results.append(future.result())
                if on_result is not None:
                    on_result(results[-1])
        return results
    for entry, path in jobs:
        progress = None if on_progress is None else functools.partial(on_progress, entry.name)
        results.append(_convert_one(entry.name, path, target, num_proc, {**kwargs, "on_progress": progress}))
        if on_result is not None:
            on_result(results[-1])
    return results


def _convert_one(name: str, path: Path, out: Path, workers: int, kwargs: dict) -> ConvertResult:
    start = time.perf_counter()
    try:
        return convert_file(path, out, name=name, workers=workers, **kwargs)
    except InvalidMetaError as exc:
        return ConvertResult(name, path, out / name, "failed", 0, time.perf_counter() - start, str(exc), exc.report)
    except (LammError, OSError) as exc:
        return ConvertResult(name, path, out / name, "failed", 0, time.perf_counter() - start, str(exc))
