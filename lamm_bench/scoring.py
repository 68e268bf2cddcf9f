"""Score a :class:`~lamm_bench.predictions.PredictionSet` against the ground truth under a LAMM root."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import threading
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lamm_bench.benchmarks.registry import get_spec
from lamm_bench.diagnostics import DiagnosticsRecord
from lamm_bench.errors import JoinError
from lamm_bench.fingerprint import read as read_fingerprint
from lamm_bench.ground_truth import load_ground_truth
from lamm_bench.join import join
from lamm_bench.metrics.bootstrap import RESAMPLES, bootstrap_intervals
from lamm_bench.predictions import Prediction, PredictionSet
from lamm_bench.report import BenchmarkResult, DataEntry, DataManifest, InputInfo, Meta, Report
from lamm_bench.scorers.base import ScoringContext
from lamm_bench.sidecar import BenchmarkEstimators, clusters_digest
from lamm_data._version import __version__
from lamm_data.catalog import BENCHMARKS, benchmark_names


def default_context(*, diagnostics: bool = False) -> ScoringContext:
    """Context with LAMM's NLTK-exact synonym matching and tokenizer (:mod:`lamm_bench.text`).

    ``label_match(label, answer)`` is :func:`lamm_bench.text.synonyms.classification_acc` with the answer's
    base forms and the label's synonyms memoised for this context (detection answers are matched against
    several labels; the same labels recur).
    """
    from lamm_bench.text.synonyms import entity_words, label_synonyms
    from lamm_bench.text.tokenize import word_tokenize

    words: dict[str, frozenset[str | None]] = {}
    synonyms: dict[str, tuple[str, ...]] = {}

    def label_match(label: str, text: str) -> bool:
        found = words.get(text)
        if found is None:
            found = words[text] = frozenset(entity_words(text))
        names = synonyms.get(label)
        if names is None:
            names = synonyms[label] = tuple(label_synonyms(label))
        return any(name in found for name in names)

    return ScoringContext(label_match, word_tokenize, diagnostics)


def benchmark_rng(seed: int, name: str) -> np.random.Generator:
    """The bootstrap generator of one benchmark: independent of which other benchmarks are scored."""
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])


@dataclass
class Scored:
    """Everything one scoring run produced."""

    report: Report
    estimators: dict[str, BenchmarkEstimators]
    samples: dict[str, list[DiagnosticsRecord]] = field(default_factory=dict)

    def sample_records(self) -> Iterator[DiagnosticsRecord]:
        """Diagnostics records, benchmark by benchmark, in ground-truth order."""
        for records in self.samples.values():
            yield from records


def _select(predictions: PredictionSet, allow_partial: bool, not_predicted: Mapping[str, str]) -> list[str]:
    names = benchmark_names()
    present = [name for name in names if predictions.by_benchmark.get(name)]
    if not present:
        raise JoinError("no predictions to score")
    absent = [name for name in BENCHMARKS if name not in predictions.by_benchmark and name not in not_predicted]
    if absent and not allow_partial:
        raise JoinError(f"predictions cover {len(present)} of {len(BENCHMARKS)} benchmarks; no predictions for "
                        f"{', '.join(absent)}. Pass --allow-partial to score only the benchmarks present, or "
                        "--benchmark NAME for one.")
    return [name for name in names if name in predictions.by_benchmark]


@dataclass
class _Outcome:
    """What scoring one benchmark produced (picklable, so worker processes can return it)."""

    result: BenchmarkResult
    data: DataEntry
    estimators: BenchmarkEstimators
    samples: list[DiagnosticsRecord] | None
    warnings: list[str]


def _score_one(name: str, root: str | Path, predictions: Sequence[Prediction], ctx: ScoringContext | None,
               diagnostics: bool, seed: int, resamples: int) -> _Outcome:
    """Load one benchmark's ground truth, join its predictions, score them and bootstrap the intervals."""
    ctx = ctx or default_context(diagnostics=diagnostics)
    gt = load_ground_truth(root, name)
    joined = join(gt, predictions)
    result = get_spec(name).scorer(gt, joined.texts, ctx)
    warnings = [*joined.warnings, *(f"{name}: {note}" for note in result.notes)]
    ci = bootstrap_intervals(result.estimators, gt.n_clusters, benchmark_rng(seed, name), resamples=resamples)
    return _Outcome(
        result=BenchmarkResult(lamm=result.lamm, metrics=result.metrics, ci95=ci, n=result.n, missing=result.missing,
                               unparsed=result.unparsed),
        data=DataEntry(**gt.manifest, join="id" if gt.ids is not None else "position"),
        estimators=BenchmarkEstimators(gt.n_clusters, clusters_digest(gt.cluster_keys), result.estimators),
        samples=result.samples, warnings=warnings)


def _score_task(task: tuple[Any, ...]) -> tuple[str, _Outcome]:
    """:func:`_score_one` in a worker process (default context), returning the benchmark's name with its outcome."""
    name, root, predictions, diagnostics, seed, resamples = task
    return name, _score_one(name, root, predictions, None, diagnostics, seed, resamples)


_PR_SET_PDEATHSIG = 1


def _worker_init(parent: int) -> None:
    """Worker initializer: Ctrl-C is handled by the parent process, which stops the workers; a worker is killed
    (silently, by SIGKILL) when its parent dies, however it dies (Linux ``PR_SET_PDEATHSIG``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the parent's SIGTERM handler still stops the pool
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


@contextmanager
def _terminate_on_sigterm() -> Iterator[None]:
    """While the pool runs, SIGTERM ends the parent as Ctrl-C would: the pool is terminated on the way out and
    the process exits with status 143 (128 + SIGTERM), without a traceback."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _outcomes(names: list[str], predictions: PredictionSet, root: str | Path, ctx: ScoringContext | None,
              diagnostics: bool, seed: int, resamples: int, jobs: int,
              progress: Callable[[str], None] | None) -> Iterator[tuple[str, _Outcome]]:
    """Score each benchmark, in this process or in ``jobs`` forked worker processes (heaviest first).

    ``progress(name)`` is called once a benchmark has been scored.
    """
    args = (diagnostics, seed, resamples)
    # Forking a process that has loaded torch (its native thread pools) can leave a worker deadlocked on a lock
    # held by a thread that does not exist in the child: score in this process then.
    forkable = "fork" in mp.get_all_start_methods() and "torch" not in sys.modules
    if jobs <= 1 or len(names) <= 1 or ctx is not None or not forkable:
        ctx = ctx or default_context(diagnostics=diagnostics)
        for name in names:
            outcome = _score_one(name, root, predictions.by_benchmark[name], ctx, *args)
            if progress is not None:
                progress(name)
            yield name, outcome
        return
    # Load the shared text resources once, before forking, so the workers share them copy-on-write.
    from lamm_bench.text.synonyms import warm_up

    warm_up()

    def cost(name: str) -> int:
        return len(predictions.by_benchmark[name]) * get_spec(name).scoring_cost

    tasks = [(name, root, predictions.by_benchmark[name], *args) for name in sorted(names, key=cost, reverse=True)]
    # Leaving the block (all scored, an error, Ctrl-C) terminates the workers: after a failure nothing else is
    # scored, and the error is reported at once.
    with _terminate_on_sigterm(), mp.get_context("fork").Pool(min(jobs, len(names)), initializer=_worker_init,
                                                              initargs=(os.getpid(),)) as pool:
        for name, outcome in pool.imap_unordered(_score_task, tasks):
            if progress is not None:
                progress(name)
            yield name, outcome


def default_jobs() -> int:
    """Worker processes used by default: the CPUs this process may run on, at most 4."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 4))


def score(predictions: PredictionSet, root: str | Path, *, context: ScoringContext | None = None, seed: int = 0,
          resamples: int = RESAMPLES, allow_partial: bool = False, diagnostics: bool = False, jobs: int = 1,
          progress: Callable[[str], None] | None = None) -> Scored:
    """Score every benchmark present in ``predictions`` against the ground truth under ``root``.

    Without ``allow_partial`` every benchmark must have predictions (a ``--benchmark`` selection counts as
    complete). Items without a prediction count as wrong and are reported. With ``jobs > 1`` the benchmarks are
    scored in that many forked processes; the result is the same (each benchmark has its own random stream).
    A custom ``context`` is only used in this process.

    Raises:
        JoinError: benchmarks without predictions, unknown prediction ids, too many predictions.
        MissingDataError, MetaFileError, SchemaError: ground truth missing or invalid.
    """
    fingerprint = read_fingerprint(predictions.source["path"]) if predictions.source["kind"] == "jsonl" else None
    not_predicted = {name: why for name, why in (fingerprint or {}).get("not_predicted", {}).items()
                     if name not in predictions.by_benchmark and predictions.selected is None}
    names = _select(predictions, allow_partial or predictions.selected is not None, not_predicted)
    ctx = context
    if ctx is not None and ctx.diagnostics != diagnostics:
        ctx = ScoringContext(ctx.label_match, ctx.tokenize, diagnostics)
    done = dict(_outcomes(names, predictions, root, ctx, diagnostics, seed, resamples, jobs, progress))
    warnings = list(predictions.warnings)
    for name in names:  # canonical order, whatever order the workers finished in
        warnings.extend(done[name].warnings)
    results = {name: done[name].result for name in names}
    manifest = {name: done[name].data for name in names}
    estimators = {name: done[name].estimators for name in names}
    samples = {name: done[name].samples for name in names if done[name].samples is not None}
    source = predictions.source
    meta = Meta(version=__version__, input=InputInfo(kind=source["kind"], path=source["path"], sha256=source["sha256"],
                                                     predictions_sha256=predictions.canonical_sha256()),
                data=DataManifest(root=str(root), benchmarks=manifest), seed=seed, resamples=resamples,
                warnings=warnings, fingerprint=fingerprint, not_predicted=not_predicted)
    return Scored(Report(results=results, meta=meta), estimators, samples)
