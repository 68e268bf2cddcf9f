"""Farthest-point sampling, ball query and grouping, index-for-index equal to LAMM's pointnet2 CUDA ops.

Plain vectorised torch (CPU or GPU, no custom ops). The semantics reproduced here, with file:line
references into LAMM's ``third_party/pointnet2`` kernels, are in ``docs/epcl.md``; in short:

* FPS starts at index 0, keeps a float32 running distance initialised to 1e10, never picks (nor updates)
  a point whose squared norm is <= 1e-3, and breaks ties among equal distances the way the kernel's
  per-thread loop (first index wins) and its shared-memory tree reduction (lower slot wins) do.
* Ball query keeps, per centre, the first ``nsample`` points in index order with ``d2 < radius**2``
  (strict, float32); short groups are padded with the first point found, a centre with none gets 0.

Coordinates are float32 ``(B, N, 3)`` in the cloud's units (LAMM: metres); distances are compared squared,
computed as ``dx*dx + dy*dy + dz*dz`` in float32, in that order, without fused multiply-adds.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import torch

TOTAL_THREADS = 512
_CPU_GRAIN = 32768
"""torch's ``at::internal::GRAIN_SIZE``: element-wise CPU operations on fewer elements run on one thread."""
"""``cuda_utils.h``: the most threads a pointnet2 kernel block uses."""

MAG_LIMIT = float(np.nextafter(np.float32(1e-3), np.float32(0)) if float(np.float32(1e-3)) > 1e-3
                  else np.float32(1e-3))
"""The largest float32 ``t`` with ``t <= 1e-3`` in double: FPS skips points with ``|p|**2 <= MAG_LIMIT``."""


def opt_n_threads(work_size: int) -> int:
    """Threads per block the kernels launch for ``work_size`` items: ``2**floor(log2 n)``, at most 512."""
    if work_size < 1:
        raise ValueError(f"opt_n_threads needs at least 1 item, got {work_size}")
    pow_2 = int(math.log(float(work_size)) / math.log(2.0))
    return max(min(1 << pow_2, TOTAL_THREADS), 1)


@lru_cache(maxsize=32)
def _tie_order(n: int) -> np.ndarray:
    """Point indices ``0..n-1`` sorted by the kernel's tie-break preference (most preferred first).

    Thread ``t = k % B`` visits ``k`` in increasing order and keeps the first maximum; the reduction merges
    slot ``t + s`` into ``t`` for ``s = B/2 .. 1`` keeping ``t`` on ties, so between two threads the one with a
    0 at the lowest differing bit of ``t`` wins: threads rank by bit-reversed ``t``.
    """
    block = opt_n_threads(n)
    bits = block.bit_length() - 1
    k = np.arange(n, dtype=np.int64)
    t = k % block
    rev = np.zeros_like(t)
    for bit in range(bits):
        rev |= ((t >> bit) & 1) << (bits - 1 - bit)
    return np.lexsort((k // block, rev))


def _check_xyz(xyz: torch.Tensor, name: str) -> None:
    if xyz.dim() != 3 or xyz.shape[-1] != 3:
        raise ValueError(f"{name} must be (B, N, 3), got {tuple(xyz.shape)}")
    if xyz.dtype != torch.float32:
        raise ValueError(f"{name} must be float32 (the pointnet2 kernels are), got {xyz.dtype}")


def furthest_point_sample(xyz: torch.Tensor, count: int) -> torch.Tensor:
    """Indices ``(B, count)`` (int64) of farthest-point-sampled points of ``xyz`` ``(B, N, 3)`` float32.

    Equal to LAMM's ``pointnet2_utils.furthest_point_sample``, including ``count > N`` (the pick then
    repeats once every distance is 0) and clouds whose points all lie within 0.0316 of the origin (all 0).
    """
    _check_xyz(xyz, "xyz")
    batch, n, _ = xyz.shape
    out = torch.zeros(batch, max(count, 0), dtype=torch.long, device=xyz.device)
    if count <= 0 or batch == 0:
        return out
    if n == 0:
        raise ValueError("furthest_point_sample needs at least one point per cloud")
    order = torch.from_numpy(_tie_order(n)).to(xyz.device)
    p = xyz.index_select(1, order)
    x, y, z = (p[..., i].contiguous() for i in range(3))
    mag = x * x + y * y + z * z
    temp = torch.full_like(x, 1e10)
    temp.masked_fill_(mag <= MAG_LIMIT, -math.inf)  # never updated, never picked
    # On CPU, each operation stays below torch's parallel grain: one step is too little work for threads to pay
    # (and with busy cores their hand-offs cost far more than the arithmetic).
    width = n if xyz.device.type != "cpu" else max(1, _CPU_GRAIN // batch)
    spans = [(lo, min(n, lo + width)) for lo in range(0, n, width)]
    views = [(x[:, lo:hi], y[:, lo:hi], z[:, lo:hi], temp[:, lo:hi], torch.empty(batch, hi - lo, dtype=x.dtype,
              device=x.device), torch.empty(batch, hi - lo, dtype=x.dtype, device=x.device)) for lo, hi in spans]
    rows = torch.arange(batch, device=xyz.device)
    pos = torch.zeros(batch, dtype=torch.long, device=xyz.device)  # order[0] == 0: the start point
    for j in range(1, count):
        cx, cy, cz = (c[rows, pos].unsqueeze(1) for c in (x, y, z))
        best, where = [], []
        for (lo, _), (xs, ys, zs, ts, d, t) in zip(spans, views, strict=True):
            torch.sub(xs, cx, out=t)
            torch.mul(t, t, out=d)
            torch.sub(ys, cy, out=t)
            d.add_(t * t)
            torch.sub(zs, cz, out=t)
            d.add_(t * t)
            torch.minimum(ts, d, out=ts)
            value, index = ts.max(dim=1)  # first maximum = most preferred index among ties
            best.append(value)
            where.append(index + lo)
        if len(spans) == 1:
            pos = where[0]
        else:  # earlier spans hold more preferred indices: the first span with the maximum wins
            pos = torch.stack(where, dim=1)[rows, torch.stack(best, dim=1).argmax(dim=1)]
        out[:, j] = order[pos]
    return out


def gather_points(points: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``points`` ``(B, N, C)`` at ``index`` ``(B, ...)`` -> ``(B, ..., C)``."""
    batch = points.shape[0]
    flat = index.reshape(batch, -1)
    picked = torch.gather(points, 1, flat.unsqueeze(-1).expand(-1, -1, points.shape[-1]))
    return picked.reshape(*index.shape, points.shape[-1])


def ball_query(xyz: torch.Tensor, centres: torch.Tensor, radius: float, nsample: int, *,
               chunk: int = 64) -> torch.Tensor:
    """Indices ``(B, M, nsample)`` (int64) of the first ``nsample`` points of ``xyz`` ``(B, N, 3)`` (index order)
    within ``radius`` (strictly) of each of ``centres`` ``(B, M, 3)``; equal to LAMM's ``ball_query``.

    Short groups repeat their first point; a centre with no point within ``radius`` gets all zeros.
    Centres are handled ``chunk`` at a time, in x order, against the points whose x lies within
    ``1.001 * radius`` of the chunk's x range (a superset of every possible hit, see ``docs/epcl.md``);
    the distance test itself is the kernel's float32 ``d2 < radius2``.
    """
    _check_xyz(xyz, "xyz")
    _check_xyz(centres, "centres")
    if nsample < 1:
        raise ValueError(f"nsample must be >= 1, got {nsample}")
    batch, n, _ = xyz.shape
    m = centres.shape[1]
    device = xyz.device
    out = torch.zeros(batch, m, nsample, dtype=torch.long, device=device)
    if n == 0 or m == 0:
        return out
    r2 = (torch.tensor(radius, dtype=torch.float32) * torch.tensor(radius, dtype=torch.float32)).to(device)
    margin = 1.001 * abs(radius)
    slots = torch.arange(nsample, device=device)
    for b in range(batch):
        px_sorted, p_order = torch.sort(xyz[b, :, 0], stable=True)
        pts = xyz[b].index_select(0, p_order)
        px, py, pz = (pts[:, i].contiguous() for i in range(3))
        c_order = torch.argsort(centres[b, :, 0], stable=True)
        cs = centres[b].index_select(0, c_order)
        bounds_lo = torch.searchsorted(px_sorted, cs[:, 0].double().sub(margin).float(), right=False)
        bounds_hi = torch.searchsorted(px_sorted, cs[:, 0].double().add(margin).float(), right=True)
        for lo in range(0, m, chunk):
            sel = slice(lo, lo + chunk)
            first_pt, last_pt = int(bounds_lo[sel].min()), int(bounds_hi[sel].max())
            rows = c_order[sel]
            width = last_pt - first_pt
            if width <= 0:
                continue  # no point near: zeros, as the kernel leaves them
            c = cs[sel]
            cx, cy, cz = (c[:, i].unsqueeze(1) for i in range(3))
            w = slice(first_pt, last_pt)
            t = cx - px[w]
            d2 = t * t
            torch.sub(cy, py[w], out=t)
            d2 += t * t
            torch.sub(cz, pz[w], out=t)
            d2 += t * t
            hit = d2 < r2
            key = torch.where(hit, p_order[w], n)
            k = min(nsample, width)
            firsts = key.topk(k, dim=1, largest=False, sorted=True).values
            if k < nsample:
                firsts = torch.cat([firsts, firsts.new_full((firsts.shape[0], nsample - k), n)], dim=1)
            found = hit.sum(dim=1).clamp(max=nsample).unsqueeze(1)
            head = torch.where(found > 0, firsts[:, :1], 0)
            out[b, rows] = torch.where(slots < found, firsts, head)
    return out


def group_points(features: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``features`` ``(B, C, N)`` at ``index`` ``(B, M, K)`` -> ``(B, C, M, K)`` (``grouping_operation``)."""
    batch, channels, _ = features.shape
    _, m, k = index.shape
    flat = index.reshape(batch, 1, m * k).expand(batch, channels, m * k)
    return torch.gather(features, 2, flat).reshape(batch, channels, m, k)
