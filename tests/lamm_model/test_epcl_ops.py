"""lamm_model.epcl.ops against the NumPy transcription of LAMM's pointnet2 CUDA kernels: exact index equality."""

from __future__ import annotations

import numpy as np
import pointnet2_reference as ref
import pytest
import torch

from lamm_model.epcl import ops


def _clouds(seed: int) -> list[np.ndarray]:
    """Random clouds of many sizes and kinds: normal, duplicate-heavy grids (exact distance ties), near the
    origin, fewer points than requested."""
    rng = np.random.default_rng(seed)
    out = []
    for n in (1, 2, 3, 7, 31, 64, 100, 511, 512, 513, 1100):
        normal = rng.normal(size=(2, n, 3)).astype(np.float32)
        grid = (rng.integers(-2, 3, size=(2, n, 3)) * 0.5).astype(np.float32)
        dup = normal.copy()
        dup[:, n // 2:] = dup[:, : n - n // 2]  # second half repeats the first
        near = (normal * 0.01).astype(np.float32)  # |p|^2 <= 1e-3 for most: FPS skips them
        near[:, ::5] *= 100
        out += [normal, grid, dup, near]
    return out


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 8, 9, 500, 511, 512, 513, 1000, 40000])
def test_opt_n_threads_matches_the_cuda_helper(n: int) -> None:
    assert ops.opt_n_threads(n) == ref.opt_n_threads(n)


def test_fps_equals_the_kernel_transcription() -> None:
    for cloud in _clouds(1):
        n = cloud.shape[1]
        for m in ({1, 2, max(1, n // 3), n, n + 5} if n <= 513 else {n // 8}):
            want = ref.furthest_point_sampling(cloud, m)
            got = ops.furthest_point_sample(torch.from_numpy(cloud), m)
            assert got.dtype == torch.long
            np.testing.assert_array_equal(got.numpy(), want, err_msg=f"n={n} m={m}")


def test_fps_tie_break_is_the_kernel_reduction_not_the_first_index() -> None:
    # p1, p2, p3 are all at squared distance 4 from p0. One block of 4 threads, thread t = k: the tree
    # reduction keeps slot 0 vs 2 then 1 vs 3, then 0 vs 1, lower slot on ties -> thread 2 wins (index 2),
    # where a plain argmax would answer 1.
    cloud = np.array([[[1, 0, 0], [3, 0, 0], [-1, 0, 0], [1, 2, 0]]], dtype=np.float32)
    assert ref.furthest_point_sampling(cloud, 2).tolist() == [[0, 2]]
    assert ops.furthest_point_sample(torch.from_numpy(cloud), 2).tolist() == [[0, 2]]


def test_fps_skips_points_near_the_origin_and_repeats_when_exhausted() -> None:
    # p0 at the origin is the start anyway; p1 (|p|^2 = 1e-4) is never picked; p2 is; then all distances are 0.
    cloud = np.array([[[0, 0, 0], [0.01, 0, 0], [1, 0, 0]]], dtype=np.float32)
    assert ops.furthest_point_sample(torch.from_numpy(cloud), 4).tolist() == [[0, 2, 2, 2]]
    assert ref.furthest_point_sampling(cloud, 4).tolist() == [[0, 2, 2, 2]]
    only_origin = np.zeros((1, 5, 3), dtype=np.float32)
    assert ops.furthest_point_sample(torch.from_numpy(only_origin), 3).tolist() == [[0, 0, 0]]


def test_fps_batch_rows_are_independent() -> None:
    rng = np.random.default_rng(3)
    a = rng.normal(size=(1, 300, 3)).astype(np.float32)
    b = (rng.integers(0, 2, size=(1, 300, 3))).astype(np.float32)
    both = ops.furthest_point_sample(torch.from_numpy(np.concatenate([a, b])), 20)
    assert both[0].tolist() == ops.furthest_point_sample(torch.from_numpy(a), 20)[0].tolist()
    assert both[1].tolist() == ops.furthest_point_sample(torch.from_numpy(b), 20)[0].tolist()


def test_ball_query_equals_the_kernel_transcription() -> None:
    rng = np.random.default_rng(2)
    for cloud in _clouds(4):
        n = cloud.shape[1]
        centres = cloud[:, rng.integers(0, n, size=min(n, 37))] + rng.normal(scale=0.2, size=(2, min(n, 37), 3))
        centres = centres.astype(np.float32)
        for radius, nsample in ((0.5, 1), (0.75, 9), (1.3, 64)):
            want = ref.ball_query(centres, cloud, radius, nsample)
            got = ops.ball_query(torch.from_numpy(cloud), torch.from_numpy(centres), radius, nsample, chunk=5)
            np.testing.assert_array_equal(got.numpy(), want, err_msg=f"n={n} r={radius} k={nsample}")


def test_ball_query_order_padding_strict_radius_and_no_neighbour() -> None:
    pts = np.array([[[5, 0, 0], [0.25, 0, 0], [0.5, 0, 0], [0, 0.25, 0], [-0.5, 0, 0]]], dtype=np.float32)
    centres = np.array([[[0, 0, 0], [9, 9, 9]]], dtype=np.float32)
    got = ops.ball_query(torch.from_numpy(pts), torch.from_numpy(centres), 0.5, 4).tolist()
    # d2 = 0.25 == r2 for points 2 and 4: not inside (strict); hits 1, 3 in index order, padded with 1;
    # the far centre has no neighbour: zeros.
    assert got == [[[1, 3, 1, 1], [0, 0, 0, 0]]]
    assert ref.ball_query(centres, pts, 0.5, 4).tolist() == got


def test_ball_query_chunking_does_not_change_results() -> None:
    rng = np.random.default_rng(5)
    cloud = torch.from_numpy(rng.uniform(0, 2, size=(2, 3000, 3)).astype(np.float32))
    centres = cloud[:, :200]
    full = ops.ball_query(cloud, centres, 0.3, 32, chunk=1000)
    assert torch.equal(full, ops.ball_query(cloud, centres, 0.3, 32, chunk=1))
    assert torch.equal(full, ops.ball_query(cloud, centres, 0.3, 32, chunk=7))


def test_grouping_and_gather_equal_the_kernels() -> None:
    rng = np.random.default_rng(6)
    feats = rng.normal(size=(2, 5, 50)).astype(np.float32)
    idx = rng.integers(0, 50, size=(2, 7, 4)).astype(np.int32)
    got = ops.group_points(torch.from_numpy(feats), torch.from_numpy(idx).long())
    np.testing.assert_array_equal(got.numpy(), ref.group_points(feats, idx))
    picked = rng.integers(0, 50, size=(2, 9)).astype(np.int32)
    xyz = np.ascontiguousarray(feats[:, :3].transpose(0, 2, 1))
    got_xyz = ops.gather_points(torch.from_numpy(xyz), torch.from_numpy(picked).long())
    np.testing.assert_array_equal(got_xyz.numpy().transpose(0, 2, 1), ref.gather_points(feats[:, :3], picked))


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="float32"):
        ops.furthest_point_sample(torch.zeros(1, 4, 3, dtype=torch.float64), 2)
    with pytest.raises(ValueError, match=r"\(B, N, 3\)"):
        ops.ball_query(torch.zeros(1, 4, 2), torch.zeros(1, 1, 3), 0.1, 2)
    with pytest.raises(ValueError, match="nsample"):
        ops.ball_query(torch.zeros(1, 4, 3), torch.zeros(1, 1, 3), 0.1, 0)
    with pytest.raises(ValueError, match="at least one point"):
        ops.furthest_point_sample(torch.zeros(1, 0, 3), 2)
