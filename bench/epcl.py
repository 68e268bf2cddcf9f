"""EPCL's point grouping, 40,000 points -> 256 tokens: vectorised torch vs the NumPy transcription of the CUDA kernels.

    python bench/epcl.py [--points 40000] [--preenc 2048] [--tokens 256] [--threads N]

Runs LAMM's two set-abstraction stages' index work (``Pointnet2Preencoder`` with ``pointnet_downsample``):
FPS 40,000 -> 2,048 centres, ball query r=0.2 / 64 neighbours, grouping of xyz; then FPS 2,048 -> 256,
ball query r=1.6 / 512 neighbours, grouping of xyz and of 256 feature channels. Both implementations run
in this process on the same synthetic room (points on the surfaces of a floor, walls and boxes, metres);
their indices are checked equal, then the time ratio is printed (CPU). Both run on one thread by default
(the transcription is single-threaded); ``--threads 0`` gives torch its default thread count.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "lamm_model"))

import pointnet2_reference as ref

from lamm_model.epcl import ops


def room(n: int, seed: int = 0) -> np.ndarray:
    """``(n, 3)`` float32 points on the surfaces of a 6 x 5 x 3 m room and 6 boxes in it."""
    rng = np.random.default_rng(seed)
    boxes = [((0, 0, 0), (6, 5, 3))]
    for _ in range(6):
        lo = rng.uniform([0.3, 0.3, 0], [4.5, 3.5, 0])
        boxes.append((tuple(lo), tuple(lo + rng.uniform([0.4, 0.4, 0.4], [1.2, 1.2, 1.5]))))
    pts = []
    for lo, hi in boxes:
        lo, hi = np.array(lo), np.array(hi)
        p = rng.uniform(lo, hi, size=(n // len(boxes) + 1, 3))
        axis = rng.integers(0, 3, size=len(p))
        side = rng.integers(0, 2, size=len(p))
        p[np.arange(len(p)), axis] = np.where(side == 1, hi[axis], lo[axis])
        pts.append(p)
    return np.concatenate(pts)[:n].astype(np.float32)


def run_torch(xyz: torch.Tensor, preenc: int, tokens: int, feats: torch.Tensor) -> tuple[torch.Tensor, ...]:
    ratio = preenc // tokens
    i1 = ops.furthest_point_sample(xyz, preenc)
    c1 = ops.gather_points(xyz, i1)
    g1 = ops.ball_query(xyz, c1, 0.2, 64)
    x1 = ops.group_points(xyz.transpose(1, 2).contiguous(), g1)
    i2 = ops.furthest_point_sample(c1, tokens)
    c2 = ops.gather_points(c1, i2)
    g2 = ops.ball_query(c1, c2, 0.2 * ratio, 64 * ratio)
    x2 = ops.group_points(c1.transpose(1, 2).contiguous(), g2)
    f2 = ops.group_points(feats, g2)
    return i1, g1, i2, g2, x1, x2, f2


def run_numpy(xyz: np.ndarray, preenc: int, tokens: int, feats: np.ndarray) -> tuple[np.ndarray, ...]:
    ratio = preenc // tokens
    i1 = ref.furthest_point_sampling(xyz, preenc)
    c1 = ref.gather_points(xyz.transpose(0, 2, 1).copy(), i1).transpose(0, 2, 1).copy()
    g1 = ref.ball_query(c1, xyz, 0.2, 64)
    x1 = ref.group_points(xyz.transpose(0, 2, 1).copy(), g1)
    i2 = ref.furthest_point_sampling(c1, tokens)
    c2 = ref.gather_points(c1.transpose(0, 2, 1).copy(), i2).transpose(0, 2, 1).copy()
    g2 = ref.ball_query(c2, c1, 0.2 * ratio, 64 * ratio)
    x2 = ref.group_points(c1.transpose(0, 2, 1).copy(), g2)
    f2 = ref.group_points(feats, g2)
    return i1, g1, i2, g2, x1, x2, f2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=40000)
    parser.add_argument("--preenc", type=int, default=2048)
    parser.add_argument("--tokens", type=int, default=256)
    parser.add_argument("--channels", type=int, default=256)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (default 1, like the transcription; 0: torch's default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    cloud = room(args.points)[None]
    feats = np.random.default_rng(1).standard_normal((1, args.channels, args.preenc)).astype(np.float32)
    xyz_t, feats_t = torch.from_numpy(cloud), torch.from_numpy(feats)

    run_torch(xyz_t, args.preenc, args.tokens, feats_t)  # warm-up (allocator, caches)
    t_torch = float("inf")
    for _ in range(3):  # best of 3: the machine may be shared
        start = time.perf_counter()
        got = run_torch(xyz_t, args.preenc, args.tokens, feats_t)
        t_torch = min(t_torch, time.perf_counter() - start)

    start = time.perf_counter()
    want = run_numpy(cloud, args.preenc, args.tokens, feats)
    t_numpy = time.perf_counter() - start

    names = ("fps1", "ball1", "fps2", "ball2", "group_xyz1", "group_xyz2", "group_feat2")
    equal = {name: bool(np.array_equal(g.numpy(), w)) for name, g, w in zip(names, got, want, strict=True)}
    print(f"cloud: {args.points} points -> {args.preenc} -> {args.tokens} tokens, torch threads "
          f"{torch.get_num_threads()}")
    print("equal indices/groups: " + ", ".join(f"{k}={v}" for k, v in equal.items()))
    print(f"torch (vectorised, best of 3): {t_torch:8.3f} s")
    print(f"numpy (kernel transcription): {t_numpy:8.3f} s")
    print(f"speed-up: {t_numpy / t_torch:.1f}x")
    return 0 if all(equal.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
