"""The bootstrap sidecar: every estimator of a report as plain arrays, for paired comparisons.

``report.json`` holds numbers; ``report.bootstrap.npz`` (named in ``meta.samples``) holds, per
benchmark, what recomputes each metric on a resample of images/scenes: per-cluster sums for ratio
metrics, per-detection match flags for AP, tokenised captions for corpus caption metrics. Arrays
are NumPy ``.npz`` members named ``<benchmark #>:<estimator #>:<field>``; the member ``__index__``
(a JSON string) maps those numbers to names and records each benchmark's cluster count and the
sha256 of its cluster keys, so two sidecars can be checked to describe the same data. Nothing is
pickled.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lamm_bench.errors import ReportError
from lamm_bench.metrics.bootstrap import Estimator
from lamm_bench.metrics.estimators import estimator_from_arrays

SIDECAR_VERSION = 1


@dataclass(frozen=True)
class BenchmarkEstimators:
    """Estimators of one benchmark with the clusters they resample."""

    n_clusters: int
    clusters_sha256: str
    estimators: Mapping[str, Estimator]


def clusters_digest(keys: tuple[str, ...]) -> str:
    """sha256 of the ordered cluster keys (media paths)."""
    return hashlib.sha256("\n".join(keys).encode("utf-8")).hexdigest()


def sidecar_bytes(benchmarks: Mapping[str, BenchmarkEstimators]) -> bytes:
    """Serialise every benchmark's estimators to ``.npz`` bytes."""
    members: dict[str, np.ndarray] = {}
    index: dict[str, Any] = {"version": SIDECAR_VERSION, "benchmarks": {}}
    for b, (name, bench) in enumerate(benchmarks.items()):
        entry: dict[str, Any] = {"id": b, "n_clusters": bench.n_clusters, "clusters_sha256": bench.clusters_sha256,
                                 "estimators": {}}
        for e, (metric, estimator) in enumerate(bench.estimators.items()):
            scalars: dict[str, Any] = {}
            arrays: list[str] = []
            for field, value in estimator.arrays().items():
                if isinstance(value, np.ndarray):
                    members[f"{b}:{e}:{field}"] = value
                    arrays.append(field)
                else:
                    scalars[field] = value
            entry["estimators"][metric] = {"id": e, "kind": estimator.kind, "scalars": scalars, "arrays": arrays}
        index["benchmarks"][name] = entry
    members["__index__"] = np.array(json.dumps(index))
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **members)  # type: ignore[arg-type]
    return buffer.getvalue()


def read_sidecar(path: str | os.PathLike[str], expected_sha256: str | None = None) -> dict[str, BenchmarkEstimators]:
    """Read a sidecar back into estimators.

    Raises:
        ReportError: missing, unreadable, or not matching ``expected_sha256``.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ReportError(f"{path}: cannot read the bootstrap sidecar: {exc.strerror or exc}") from None
    if expected_sha256 is not None and hashlib.sha256(data).hexdigest() != expected_sha256:
        raise ReportError(f"{path}: sha256 differs from the one its report records; the sidecar was changed")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            index = json.loads(str(npz["__index__"]))
            out: dict[str, BenchmarkEstimators] = {}
            for name, entry in index["benchmarks"].items():
                estimators: dict[str, Estimator] = {}
                for metric, spec in entry["estimators"].items():
                    values: dict[str, Any] = dict(spec["scalars"])
                    values.update({f: npz[f"{entry['id']}:{spec['id']}:{f}"] for f in spec["arrays"]})
                    estimators[metric] = estimator_from_arrays(spec["kind"], values)
                out[name] = BenchmarkEstimators(int(entry["n_clusters"]), entry["clusters_sha256"], estimators)
    except (ValueError, KeyError, TypeError, OSError, zipfile.BadZipFile) as exc:
        raise ReportError(f"{path}: not a lamm-bench bootstrap sidecar ({exc})") from None
    return out
