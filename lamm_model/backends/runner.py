"""Run a backend over benchmarks into a predictions file: select, resume, keep order, shard, merge.

Lines are :class:`~lamm_bench.predictions.PredictionRecord` objects ``{"id", "benchmark", "text"}``, written and flushed
item by item in benchmark order, then item order; with several workers finished items wait until the
items before them are written, and when a run fails every finished item is still written before the
error is raised. A line cut short by a crash is dropped on resume, so resuming gives the same file as
an uninterrupted run. Under torchrun each rank answers ``todo[rank::world]`` into its own shard file;
rank 0 merges the shards, in order, into ``out`` atomically.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from lamm_bench import fingerprint as fp
from lamm_bench.predictions import PredictionRecord
from lamm_data import jsontext
from lamm_data.atomic import write_bytes_atomic
from lamm_data.catalog import benchmark_names, resolve
from lamm_data.errors import LammError
from lamm_model.backends.chat import BenchmarkItem, ChatRequest, item_from_row
from lamm_model.backends.procedure import Answer, Procedure
from lamm_model.config import ConfigError

IMAGE_ONLY = "this model takes images only"


class PredictionFileError(LammError, ValueError):
    """A predictions path that cannot be appended to: a folder, or a file with a malformed line."""


class SelectionError(ConfigError):
    """A ``--benchmark`` value that names no benchmark."""


class Backend(Protocol):
    """What the runner needs of a model."""

    kind: str

    def fingerprint(self) -> dict[str, Any]: ...

    def decoding(self) -> dict[str, Any]: ...

    def generate(self, requests: Sequence[ChatRequest], where: str = ...) -> list[str]: ...


@dataclass(frozen=True)
class Shard:
    """This process's place under torchrun, and a barrier across all processes."""

    rank: int
    world: int
    barrier: Callable[[], None]


@dataclass
class RunSummary:
    """What a run wrote, per benchmark, and what it did not predict (and why)."""

    out: Path
    written: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    not_predicted: dict[str, str] = field(default_factory=dict)


def select_benchmarks(names: Sequence[str]) -> list[str]:
    """Canonical benchmark names from names/aliases, ``all``, ``2D`` or ``3D``, comma-separated or not.

    Raises:
        SelectionError: a name that is not a benchmark.
    """
    found: list[str] = []
    groups = {"all": ("image", "pointcloud"), "2d": ("image",), "3d": ("pointcloud",)}
    for raw in names:
        for name in filter(None, (n.strip() for n in raw.split(","))):
            if name.lower() in groups:
                found += [b for b in benchmark_names() if resolve(b).modality in groups[name.lower()]]
                continue
            entry = resolve(name)
            if not entry.is_benchmark:
                raise SelectionError(f"{name} ({entry.name}) is not a benchmark file; pick one of "
                                     f"{', '.join(benchmark_names())}")
            found.append(entry.name)
    return list(dict.fromkeys(found))


def data_root(data: str, scratch: Path) -> Path:
    """A LAMM root: ``sample`` is the embedded sample, written to ``scratch/lamm-sample`` on first use."""
    from lamm_data.sample import sample_root_beside

    return sample_root_beside(scratch) if data == "sample" else Path(data).absolute()


def load_items(name: str, root: Path, limit: int | None = None) -> list[BenchmarkItem]:
    """The items of one benchmark (the first ``limit``), from its converted split."""
    from lamm_data import load_split

    entry = resolve(name)
    rows = load_split(name, root, decode=False, progress=False)
    count = len(rows) if limit is None else min(limit, len(rows))
    return [item_from_row(entry, rows[i]) for i in range(count)]


def read_done(path: Path, *, remedy: str = "fix or remove the file, or pass --force to start over"
              ) -> set[tuple[str, str]]:
    """``(benchmark, id)`` pairs in a predictions file; a last line cut short by a crash is removed first.
    ``remedy``: what the error tells the user to do.

    Raises:
        PredictionFileError: a complete line is not a prediction object.
    """
    if not path.is_file():
        return set()
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        keep = data.rfind(b"\n") + 1
        with open(path, "r+b") as f:
            f.truncate(keep)
        data = data[:keep]
    seen = set()
    for number, line in enumerate(data.decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = jsontext.loads(line)
            seen.add((resolve(obj["benchmark"]).name, str(obj["id"])))
        except (ValueError, KeyError, TypeError, LammError) as exc:
            raise PredictionFileError(f"{path}:{number}: not a prediction line ({exc}); {remedy}") from None
    return seen


def line(item: BenchmarkItem, text: Answer) -> str:
    """The JSONL line of one answer (a :class:`~lamm_bench.predictions.PredictionRecord`)."""
    record = PredictionRecord(id=item.id, benchmark=item.benchmark, text=text)
    return json.dumps(record.model_dump(exclude_none=True), ensure_ascii=False) + "\n"


def shard_path(out: Path, rank: int, world: int) -> Path:
    """The file rank ``rank`` of ``world`` writes (beside ``out``, hidden)."""
    return out.with_name(f".{out.name}.rank{rank}-of-{world}.jsonl")


def plan(backend: Backend, data: str, benchmarks: Sequence[str], out: Path, procedure: Procedure, *,
         takes_pointclouds: bool = False) -> tuple[Path, list[str], dict[str, str],
                                                                             dict[str, Any]]:
    """The root, the benchmarks to run, those not predicted (and why), and the run's fingerprint."""
    names = select_benchmarks(benchmarks)
    root = data_root(data, out.parent)
    not_predicted = {n: IMAGE_ONLY for n in names if resolve(n).modality == "pointcloud" and not takes_pointclouds}
    run_names = [n for n in names if n not in not_predicted]
    from lamm_data.layout import find_meta

    metas = {n: fp.sha256_file(find_meta(root, n)) for n in run_names}
    fingerprint = fp.make(backend.fingerprint(), backend.decoding(),
                          {"style": procedure.style, "vqa_two_pass": procedure.vqa_two_pass}, metas, not_predicted)
    return root, run_names, not_predicted, fingerprint


def run(backend: Backend, data: str, benchmarks: Sequence[str], out: str | os.PathLike[str], *,
        procedure: Procedure, items_per_call: int = 1, workers: int = 1, limit: int | None = None,
        force: bool = False, shard: Shard | None = None,
        on_progress: Callable[[str, int, int], None] | None = None) -> RunSummary:
    """Append the predictions of ``backend`` for ``benchmarks`` to ``out`` (see the module docstring).

    ``items_per_call`` items are answered per :meth:`Procedure.answer` call (the HF batch), ``workers``
    calls run at once (API concurrency). ``on_progress(benchmark, done, total)`` is called per call.

    Raises:
        PredictionFileError: ``out`` is a folder or has malformed lines.
        FingerprintMismatchError: ``out`` was made with other settings (without ``force``).
    """
    out = Path(out)
    if out.is_dir():
        raise PredictionFileError(f"{out} is a folder; the predictions go to a file (e.g. {out / 'predictions.jsonl'})")
    out.parent.mkdir(parents=True, exist_ok=True)
    root, names, not_predicted, fingerprint = plan(backend, data, benchmarks, out, procedure)
    rank, world = (shard.rank, shard.world) if shard is not None else (0, 1)
    if force and rank == 0:
        for path in (out, fp.sidecar_path(out), *[shard_path(out, r, world) for r in range(world)]):
            path.unlink(missing_ok=True)
    if shard is not None:
        shard.barrier()
    seen = read_done(out)
    keep = fp.check(out, fingerprint, bool(seen))
    if rank == 0:
        fp.write(out, keep)
    summary = RunSummary(out, not_predicted=not_predicted)
    todo: list[BenchmarkItem] = []
    for name in names:
        items = load_items(name, root, limit)
        mine = [item for item in items if (name, item.id) not in seen]
        summary.skipped[name] = len(items) - len(mine)
        summary.written[name] = 0
        todo += mine
    target = out if world == 1 else shard_path(out, rank, world)
    if world > 1:
        todo = todo[rank::world]
        done_here = read_done(target)
        todo = [item for item in todo if (item.benchmark, item.id) not in done_here]
    totals = {name: sum(1 for item in todo if item.benchmark == name) for name in names}
    with open(target, "a", encoding="utf-8") as f:
        for items, answers in _answered(todo, backend, procedure, items_per_call, workers):
            for item, text in zip(items, answers, strict=True):
                f.write(line(item, text))
                f.flush()
                summary.written[item.benchmark] += 1
            if on_progress is not None and items:
                name = items[-1].benchmark
                on_progress(name, summary.written[name], totals[name])
    if shard is not None:
        shard.barrier()
        if rank == 0:
            summary.written = {name: 0 for name in names} | dict(merge_shards(out, world))
        shard.barrier()
    return summary


def _chunks(todo: Sequence[BenchmarkItem], size: int) -> list[list[BenchmarkItem]]:
    """Consecutive runs of at most ``size`` items of one benchmark."""
    chunks: list[list[BenchmarkItem]] = []
    for item in todo:
        if chunks and len(chunks[-1]) < size and chunks[-1][0].benchmark == item.benchmark:
            chunks[-1].append(item)
        else:
            chunks.append([item])
    return chunks


def _answered(todo: Sequence[BenchmarkItem], backend: Backend, procedure: Procedure, size: int,
              workers: int) -> Iterator[tuple[list[BenchmarkItem], list[Answer]]]:
    """``(items, answers)`` in ``todo`` order; on failure, finished chunks are yielded before the error."""
    chunks = _chunks(todo, size)

    def answer(chunk: list[BenchmarkItem]) -> list[Answer]:
        where = chunk[0].where() if len(chunk) == 1 else f"{chunk[0].where()} (batch of {len(chunk)})"
        return procedure.answer(chunk, lambda reqs: backend.generate(reqs, where))

    if workers <= 1:
        for chunk in chunks:
            yield chunk, answer(chunk)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: dict[int, Future[list[Answer]]] = {}
        finished: dict[int, list[Answer]] = {}
        following = 0
        submitted = 0
        error: BaseException | None = None
        try:
            while following < len(chunks):
                while error is None and submitted < len(chunks) and len(pending) < 2 * workers:
                    pending[submitted] = pool.submit(answer, chunks[submitted])
                    submitted += 1
                if not pending:
                    break
                done, _ = wait(pending.values(), return_when=FIRST_COMPLETED)
                for index in [i for i, f in pending.items() if f in done]:
                    future = pending.pop(index)
                    try:
                        finished[index] = future.result()
                    except Exception as exc:
                        error = error or exc
                while following in finished:
                    yield chunks[following], finished.pop(following)
                    following += 1
                if error is not None and not pending:
                    break
        except BaseException:
            for future in pending.values():
                future.cancel()
            raise
        for index in sorted(finished):  # finished after a failure: kept, in order
            yield chunks[index], finished[index]
        if error is not None:
            raise error


def merge_shards(out: Path, world: int) -> Counter[str]:
    """Append the shard files of ``world`` ranks to ``out`` in the order of one process, atomically, remove the
    shards, and return the number of lines merged per benchmark (lines already in ``out`` are not repeated)."""
    seen = read_done(out)
    lines: list[tuple[int, str, str]] = []
    shards = [shard_path(out, r, world) for r in range(world)]
    for rank, path in enumerate(shards):
        if not path.is_file():
            continue
        read_done(path)  # drops a line cut short
        texts = [t for t in path.read_text(encoding="utf-8").splitlines() if t.strip()]
        # shard r holds todo[r::world], in order: its i-th line is todo[i * world + r]
        for i, text in enumerate(texts):
            record = json.loads(text)
            name = resolve(record["benchmark"]).name
            if (name, str(record["id"])) not in seen:
                lines.append((i * world + rank, name, text))
    lines.sort()
    base = out.read_bytes() if out.is_file() else b""
    write_bytes_atomic(out, base + "".join(t + "\n" for *_, t in lines).encode("utf-8"))
    for path in shards:
        path.unlink(missing_ok=True)
    return Counter(name for _, name, _ in lines)
