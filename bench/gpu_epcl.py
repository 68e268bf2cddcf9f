"""On a GPU: LAMM's real pointnet2 CUDA ops, built from LAMM's sources, against ``lamm_model.epcl.ops``.

    python bench/gpu_epcl.py --pointnet2 .lamm-src/pointnet2      # bench/gpu_epcl.sh wraps it
    python bench/gpu_epcl.py --dry-run                            # checks the script on CPU, builds nothing

``--pointnet2`` is LAMM's ``third_party/pointnet2`` (``_ext_src/``), exported from a LAMM checkout by
``python tools/crosscheck_epcl.py --repo LAMM --export-pointnet2 .lamm-src/pointnet2`` (git-ignored, carried to
the device). It is compiled here with ``torch.utils.cpp_extension.load`` and LAMM's flags (``-O2``; nvcc's
default ``--fmad=true``, as LAMM's ``setup.py`` built it); the only edit, on a temporary copy, is
``.data<T>()`` -> ``.data_ptr<T>()`` for current PyTorch.

Printed, per case: index mismatches of FPS, ball query, grouping between the CUDA ops and our ops on the GPU
(and on the CPU), and where the first FPS difference falls; then the 40,000 -> 2,048 -> 256 index pipeline timed
for the CUDA ops, our ops on the GPU, and our ops on the CPU (same run, same device). Exit 1 on any mismatch.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from epcl import room  # noqa: E402

from lamm_model.epcl import ops  # noqa: E402


def build_ext(source: Path) -> Any:
    """Compile LAMM's pointnet2 extension (a patched temporary copy) and return the module."""
    from torch.utils.cpp_extension import load

    work = Path(tempfile.mkdtemp(prefix="lamm-pointnet2-"))
    shutil.copytree(source / "_ext_src", work / "_ext_src")
    for path in (work / "_ext_src" / "src").iterdir():
        text = path.read_text(encoding="utf-8")
        for kind in ("float", "int"):
            text = text.replace(f".data<{kind}>()", f".data_ptr<{kind}>()")
        path.write_text(text, encoding="utf-8")
    sources = sorted(str(p) for p in (work / "_ext_src" / "src").iterdir() if p.suffix in (".cpp", ".cu"))
    include = str(work / "_ext_src" / "include")
    return load(name="lamm_pointnet2_ext", sources=sources, extra_include_paths=[include],
                extra_cflags=["-O2"], extra_cuda_cflags=["-O2"], build_directory=str(work), verbose=False)


class Ours:
    """Our ops with the extension's calling conventions (int32 results, ``(B, C, N)`` features)."""

    def furthest_point_sampling(self, xyz: torch.Tensor, m: int) -> torch.Tensor:
        return ops.furthest_point_sample(xyz, m).int()

    def ball_query(self, new_xyz: torch.Tensor, xyz: torch.Tensor, radius: float, nsample: int) -> torch.Tensor:
        return ops.ball_query(xyz, new_xyz, radius, nsample).int()

    def group_points(self, feats: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        return ops.group_points(feats, idx.long())


def cases(seed: int = 0) -> list[tuple[str, np.ndarray, int, float, int]]:
    """(name, clouds (B, N, 3), FPS centres, ball radius, group size)."""
    rng = np.random.default_rng(seed)
    grid = (rng.integers(-4, 5, size=(2, 5000, 3)) * 0.25).astype(np.float32)
    dup = rng.normal(size=(2, 3000, 3)).astype(np.float32)
    dup[:, 1500:] = dup[:, :1500]
    small = rng.uniform(-1, 1, size=(2, 100, 3)).astype(np.float32)
    near = (rng.normal(size=(2, 4000, 3)) * 0.02).astype(np.float32)
    return [
        ("room 40000 -> 2048, r 0.2 x 64", np.stack([room(40000, 0), room(40000, 1)]), 2048, 0.2, 64),
        ("normal 8192 -> 512, r 0.4 x 32", rng.normal(size=(2, 8192, 3)).astype(np.float32), 512, 0.4, 32),
        ("grid ties 5000 -> 600, r 0.3 x 16", grid, 600, 0.3, 16),
        ("duplicates 3000 -> 400, r 0.5 x 16", dup, 400, 0.5, 16),
        ("fewer points than centres 100 -> 160, r 0.6 x 64", small, 160, 0.6, 64),
        ("near the origin 4000 -> 300, r 0.01 x 8", near, 300, 0.01, 8),
    ]


def compare(ext: Any, device: str) -> int:
    ours = Ours()
    bad = 0
    for name, cloud, m, radius, nsample in cases():
        xyz_gpu = torch.from_numpy(cloud).cuda()
        want_fps = ext.furthest_point_sampling(xyz_gpu, m)
        centres = torch.gather(xyz_gpu, 1, want_fps.long().unsqueeze(-1).expand(-1, -1, 3)).contiguous()
        want_ball = ext.ball_query(centres, xyz_gpu, radius, nsample)
        feats = xyz_gpu.transpose(1, 2).contiguous()
        want_group = ext.group_points(feats, want_ball)
        for where in ("cuda", "cpu") if device == "both" else (device,):
            xyz = xyz_gpu.to(where)
            got_fps = ours.furthest_point_sampling(xyz, m).cpu()
            got_ball = ours.ball_query(centres.to(where), xyz, radius, nsample).cpu()
            got_group = ours.group_points(feats.to(where), want_ball.to(where)).cpu()
            fps_diff = (got_fps != want_fps.cpu())
            first = "-"
            if fps_diff.any():
                b, j = (int(v) for v in fps_diff.nonzero()[0])
                first = f"cloud {b} pick {j}: CUDA {int(want_fps[b, j])} vs ours {int(got_fps[b, j])}"
            n_ball = int((got_ball != want_ball.cpu()).sum())
            n_group = int((got_group != want_group.cpu()).sum())
            bad += int(fps_diff.sum()) + n_ball + n_group
            print(f"{name} [{where}]: FPS mismatches {int(fps_diff.sum())}/{fps_diff.numel()} (first: {first}); "
                  f"ball query {n_ball}/{want_ball.numel()}; grouping {n_group}/{want_group.numel()}")
    return bad


def pipeline(api: Any, xyz: torch.Tensor, sync: bool) -> float:
    """Seconds for 40,000 -> 2,048 -> 256 (FPS, ball query, grouping; LAMM's two stages)."""
    if sync:
        torch.cuda.synchronize()
    start = time.perf_counter()
    i1 = api.furthest_point_sampling(xyz, 2048)
    c1 = torch.gather(xyz, 1, i1.long().unsqueeze(-1).expand(-1, -1, 3)).contiguous()
    g1 = api.ball_query(c1, xyz, 0.2, 64)
    api.group_points(xyz.transpose(1, 2).contiguous(), g1)
    i2 = api.furthest_point_sampling(c1, 256)
    c2 = torch.gather(c1, 1, i2.long().unsqueeze(-1).expand(-1, -1, 3)).contiguous()
    g2 = api.ball_query(c2, c1, 1.6, 512)
    api.group_points(c1.transpose(1, 2).contiguous(), g2)
    if sync:
        torch.cuda.synchronize()
    return time.perf_counter() - start


def timings(ext: Any) -> None:
    xyz = torch.from_numpy(room(40000)[None]).cuda()
    ours = Ours()
    for _ in range(2):  # warm-up
        pipeline(ext, xyz, True)
        pipeline(ours, xyz, True)
    t_ext = min(pipeline(ext, xyz, True) for _ in range(3))
    t_gpu = min(pipeline(ours, xyz, True) for _ in range(3))
    t_cpu = pipeline(ours, xyz.cpu(), False)
    print(f"{torch.cuda.get_device_name()}: 40,000 -> 2,048 -> 256 index pipeline: LAMM CUDA ops {t_ext * 1e3:.1f} ms, "
          f"ours on GPU {t_gpu * 1e3:.1f} ms ({t_gpu / t_ext:.1f}x the CUDA ops), ours on CPU {t_cpu * 1e3:.0f} ms")


def dry_run() -> int:
    """Exercise the script's own code paths on CPU with our ops standing in for the extension."""
    ours = Ours()
    for name, cloud, m, radius, nsample in cases()[2:]:
        xyz = torch.from_numpy(cloud)
        idx = ours.furthest_point_sampling(xyz, m)
        centres = torch.gather(xyz, 1, idx.long().unsqueeze(-1).expand(-1, -1, 3)).contiguous()
        ours.group_points(xyz.transpose(1, 2).contiguous(), ours.ball_query(centres, xyz, radius, nsample))
        print(f"dry run: {name}: ok")
    print(f"dry run: pipeline on CPU {pipeline(ours, torch.from_numpy(room(40000)[None]), False):.2f} s")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pointnet2", type=Path, default=ROOT / ".lamm-src" / "pointnet2")
    parser.add_argument("--device", choices=["cuda", "cpu", "both"], default="both",
                        help="where our ops run for the comparison (the CUDA ops always run on the GPU)")
    parser.add_argument("--dry-run", action="store_true", help="check this script on CPU; needs no GPU or sources")
    args = parser.parse_args()
    if args.dry_run:
        return dry_run()
    if not torch.cuda.is_available():
        print("gpu_epcl: no CUDA device visible", file=sys.stderr)
        return 2
    if not (args.pointnet2 / "_ext_src" / "src" / "sampling_gpu.cu").is_file():
        print(f"gpu_epcl: {args.pointnet2}/_ext_src is missing; export it with python tools/crosscheck_epcl.py "
              "--repo LAMM --export-pointnet2 .lamm-src/pointnet2", file=sys.stderr)
        return 2
    start = time.perf_counter()
    ext = build_ext(args.pointnet2)
    print(f"built LAMM's pointnet2 ops in {time.perf_counter() - start:.0f} s (torch {torch.__version__})")
    bad = compare(ext, args.device)
    timings(ext)
    print("EXACT: every index equal" if bad == 0 else f"DIFFERENT: {bad} mismatching entries")
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
