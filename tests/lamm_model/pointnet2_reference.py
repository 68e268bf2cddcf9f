"""NumPy transcription of the pointnet2 CUDA kernels that LAMM's EPCL encoder runs (test-side reference).

Written from a reading of ``src/model/LAMM/EPCL/third_party/pointnet2/_ext_src/src/*.cu`` in OpenGVLab/LAMM
(ea57136); the semantics and file:line references are in ``docs/epcl.md``. Nothing of that code is copied:
each function below replays a kernel's loops with the CUDA threads of one block run in lockstep, one NumPy
element per thread, so the arithmetic (float32, the same operation order, no fused multiply-add) and every
branch happen exactly as the kernel's per-thread loops describe. It is slow on purpose: it is the yardstick
that the vectorised :mod:`lamm_model.epcl.ops` must equal index for index (``bench/epcl.py`` times both).

Shapes follow the kernels: ``xyz`` ``(b, n, 3)``, features ``(b, c, n)``, indices int32.
"""

from __future__ import annotations

import math

import numpy as np

TOTAL_THREADS = 512


def opt_n_threads(work_size: int) -> int:
    """``cuda_utils.h`` ``opt_n_threads``: ``2**floor(log(n)/log(2))`` (double maths, truncated), capped at 512."""
    pow_2 = int(math.log(float(work_size)) / math.log(2.0))
    return max(min(1 << pow_2, TOTAL_THREADS), 1)


def furthest_point_sampling(dataset: np.ndarray, m: int) -> np.ndarray:
    """``furthest_point_sampling_kernel`` (one block of ``opt_n_threads(n)`` threads per cloud) -> ``(b, m)`` int32."""
    dataset = np.ascontiguousarray(dataset, dtype=np.float32)
    b, n, _ = dataset.shape
    idxs = np.zeros((b, max(m, 0)), dtype=np.int32)  # sampling.cpp: torch::zeros
    if m <= 0:
        return idxs
    block_size = opt_n_threads(n)
    tid = np.arange(block_size)
    for batch in range(b):
        pts = dataset[batch]
        temp = np.full(n, np.float32(1e10), dtype=np.float32)  # sampling.cpp: torch::full(..., 1e10)
        old = 0
        idxs[batch, 0] = old
        for j in range(1, m):
            besti = np.zeros(block_size, dtype=np.int32)
            best = np.full(block_size, np.float32(-1), dtype=np.float32)
            x1, y1, z1 = pts[old, 0], pts[old, 1], pts[old, 2]
            for k0 in range(0, n, block_size):  # `for (k = tid; k < n; k += stride)`, all threads in lockstep
                k = tid + k0
                live = k < n
                kk = k[live]
                x2, y2, z2 = pts[kk, 0], pts[kk, 1], pts[kk, 2]
                mag = (x2 * x2) + (y2 * y2) + (z2 * z2)
                take = ~(mag.astype(np.float64) <= 1e-3)  # `if (mag <= 1e-3) continue;` (float vs double)
                d = (x2 - x1) * (x2 - x1) + (y2 - y1) * (y2 - y1) + (z2 - z1) * (z2 - z1)
                d2 = np.minimum(d, temp[kk])
                temp[kk[take]] = d2[take]
                cur_best, cur_besti = best[live], besti[live]
                better = take & (d2 > cur_best)
                cur_besti = np.where(better, kk, cur_besti).astype(np.int32)
                cur_best = np.where(better, d2, cur_best).astype(np.float32)
                best[live], besti[live] = cur_best, cur_besti
            dists, dists_i = best.copy(), besti.copy()
            s = block_size // 2
            while s >= 1:  # `if (block_size >= 2s) { if (tid < s) __update(dists, dists_i, tid, tid + s); }`
                lo, hi = np.arange(s), np.arange(s) + s
                v1, v2 = dists[lo], dists[hi]
                i1, i2 = dists_i[lo], dists_i[hi]
                dists[lo] = np.maximum(v1, v2)
                dists_i[lo] = np.where(v2 > v1, i2, i1)
                s //= 2
            old = int(dists_i[0])
            idxs[batch, j] = old
    return idxs


def gather_points(points: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``gather_points_kernel``: ``out[i, l, j] = points[i, l, idx[i, j]]``; ``(b, c, n)`` -> ``(b, c, m)``."""
    b, c, _ = points.shape
    out = np.zeros((b, c, idx.shape[1]), dtype=np.float32)
    for i in range(b):
        for ch in range(c):
            out[i, ch] = points[i, ch, idx[i]]
    return out


def ball_query(new_xyz: np.ndarray, xyz: np.ndarray, radius: float, nsample: int) -> np.ndarray:
    """``query_ball_point_kernel`` (one thread per centre) -> ``(b, m, nsample)`` int32.

    Each centre walks the points in index order and keeps the first ``nsample`` with ``d2 < radius2``; the
    first hit fills every slot first (short groups repeat it); no hit leaves the zeros of ``torch::zeros``.
    """
    new_xyz = np.ascontiguousarray(new_xyz, dtype=np.float32)
    xyz = np.ascontiguousarray(xyz, dtype=np.float32)
    b, n, _ = xyz.shape
    m = new_xyz.shape[1]
    idx = np.zeros((b, m, nsample), dtype=np.int32)  # ball_query.cpp: torch::zeros
    radius2 = np.float32(radius) * np.float32(radius)  # `float radius2 = radius * radius;`
    for batch in range(b):
        new_x, new_y, new_z = new_xyz[batch, :, 0], new_xyz[batch, :, 1], new_xyz[batch, :, 2]
        cnt = np.zeros(m, dtype=np.int64)
        out = idx[batch]
        for k in range(n):  # `for (k = 0, cnt = 0; k < n && cnt < nsample; ++k)`, all centres in lockstep
            running = cnt < nsample
            if not running.any():
                break
            x, y, z = xyz[batch, k, 0], xyz[batch, k, 1], xyz[batch, k, 2]
            d2 = (new_x - x) * (new_x - x) + (new_y - y) * (new_y - y) + (new_z - z) * (new_z - z)
            hit = running & (d2 < radius2)
            first = hit & (cnt == 0)
            out[first, :] = k
            rows = np.nonzero(hit)[0]
            out[rows, cnt[rows]] = k
            cnt[rows] += 1
    return idx


def group_points(points: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``group_points_kernel``: ``out[i, l, j, k] = points[i, l, idx[i, j, k]]``; ``(b, c, n)`` -> ``(b, c, m, ns)``."""
    b, c, _ = points.shape
    _, m, nsample = idx.shape
    out = np.zeros((b, c, m, nsample), dtype=np.float32)
    for i in range(b):
        for ch in range(c):
            for j in range(m):
                out[i, ch, j] = points[i, ch, idx[i, j]]
    return out
