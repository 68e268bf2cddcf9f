"""The bootstrap against a plain statement of it (docs/metrics.md section 4): draw the clusters with replacement
``resamples`` times (1000 by default) with the generator passed in, recompute the ratio of summed numerators and
denominators on each resample, and take the 2.5th and 97.5th percentiles of the finite values.

The reference below is written from that sentence, with NumPy only; it draws its clusters with the same
``Generator.integers`` call the sentence implies, so a seeded run must give the very same interval.
"""

from __future__ import annotations

import numpy as np
import pytest

from lamm_bench.metrics.bootstrap import Draws, Ratio, bootstrap_intervals, draws, paired_intervals, point_estimate


def _reference(num: np.ndarray, den: np.ndarray, rng: np.random.Generator, resamples: int = 1000,
               level: float = 0.95) -> tuple[np.ndarray, tuple[float, float]]:
    n = len(num)
    idx = rng.integers(0, n, size=(resamples, n))
    s_num, s_den = num[idx].sum(axis=1), den[idx].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.where(s_den > 0, s_num / s_den, np.nan)
    finite = values[np.isfinite(values)]
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(finite, [tail, 100 - tail])
    return values, (float(low), float(high))


# 60 clusters with (almost) all-distinct values, so no two clusters merge and no two resamples tie
N = 60
NUM = np.sqrt(np.arange(1.0, N + 1))
DEN = 1.0 + np.arange(N) % 3


def test_default_interval_is_the_percentile_bootstrap_of_1000_resamples_at_95_percent() -> None:
    got = bootstrap_intervals({"m": Ratio(NUM, DEN)}, N, np.random.default_rng(11))["m"]
    _, expected = _reference(NUM, DEN, np.random.default_rng(11))
    assert got == (pytest.approx(expected[0], abs=1e-12), pytest.approx(expected[1], abs=1e-12))


def test_another_level_takes_other_percentiles() -> None:
    got = bootstrap_intervals({"m": Ratio(NUM, DEN)}, N, np.random.default_rng(4), resamples=300, level=0.8)["m"]
    _, expected = _reference(NUM, DEN, np.random.default_rng(4), resamples=300, level=0.8)
    assert got == (pytest.approx(expected[0], abs=1e-12), pytest.approx(expected[1], abs=1e-12))


def test_paired_interval_is_the_percentile_of_the_differences_on_the_same_resamples() -> None:
    other = NUM[::-1].copy()
    got = paired_intervals({"m": Ratio(NUM, DEN)}, {"m": Ratio(other, DEN)}, N, np.random.default_rng(8))["m"]
    a, _ = _reference(NUM, DEN, np.random.default_rng(8))
    b, _ = _reference(other, DEN, np.random.default_rng(8))
    expected = np.percentile(a - b, [2.5, 97.5])
    assert got == (pytest.approx(expected[0], abs=1e-12), pytest.approx(expected[1], abs=1e-12))


def test_resamples_without_a_denominator_are_left_out_of_the_percentiles() -> None:
    """Three clusters, only the first with a denominator: resamples missing it are undefined (NaN) and dropped."""
    num, den = np.array([2.0, 5.0, 7.0]), np.array([4.0, 0.0, 0.0])
    got = bootstrap_intervals({"m": Ratio(num, den)}, 3, np.random.default_rng(2), resamples=200)["m"]
    values, expected = _reference(num, den, np.random.default_rng(2), resamples=200)
    assert np.isnan(values).sum() > 0  # the case this test is about happens
    assert got == (pytest.approx(expected[0], abs=1e-12), pytest.approx(expected[1], abs=1e-12))


def test_a_single_finite_resample_gives_a_point_interval_and_none_gives_none() -> None:
    assert bootstrap_intervals({"m": Ratio(np.array([3.0]), np.array([4.0]))}, 1, np.random.default_rng(0),
                               resamples=1) == {"m": (0.75, 0.75)}
    assert bootstrap_intervals({"m": Ratio(np.array([0.0]), np.array([0.0]))}, 1, np.random.default_rng(0),
                               resamples=5) == {"m": None}


def test_fractional_denominators_are_divided_by() -> None:
    """A ratio's sums need not be counts: a denominator of 0.5 (or exactly 1) divides like any other."""
    assert point_estimate(Ratio(np.array([0.25]), np.array([0.5])), 1) == 0.5
    assert point_estimate(Ratio(np.array([0.5, 0.25]), np.array([0.25, 0.25])), 2) == 1.5
    assert point_estimate(Ratio(np.array([0.5]), np.array([1.0])), 1) == 0.5


def test_identity_draws_every_cluster_once_in_one_row() -> None:
    identity = Draws.identity(4)
    np.testing.assert_array_equal(identity.indices, [[0, 1, 2, 3]])
    np.testing.assert_array_equal(identity.counts, [[1.0, 1.0, 1.0, 1.0]])


@pytest.mark.parametrize(("n_clusters", "resamples"), [(2_500, 1000), (37, 10), (2_000_001, 2), (0, 3)])
def test_draws_give_exactly_the_resamples_asked_for_in_memory_bounded_batches(n_clusters: int,
                                                                               resamples: int) -> None:
    """Every resample once (no more, no fewer), each batch within 2,000,000 drawn cells, or a single resample
    when one alone is larger; each row's counts are the draw counts of its indices and sum to ``n_clusters``."""
    batches = list(draws(n_clusters, np.random.default_rng(0), resamples))
    assert sum(b.counts.shape[0] for b in batches) == resamples
    for batch in batches:
        rows = batch.counts.shape[0]
        assert rows >= 1 and (rows * n_clusters <= 2_000_000 or rows == 1)
        assert batch.indices.shape == (rows, n_clusters)
        np.testing.assert_array_equal(batch.counts.sum(axis=1), np.full(rows, n_clusters))
        np.testing.assert_array_equal(np.bincount(batch.indices[0], minlength=n_clusters), batch.counts[0])
    if n_clusters == 2_500:
        assert len(batches) > 1  # the case of several batches happens


def test_merged_clusters_keep_each_ratio_with_its_own_denominator() -> None:
    """Yes/no items merge into a few groups (the multinomial path); two ratios with different denominators
    must each keep theirs: ``b`` is ``a`` over a denominator four times as large."""
    n = 400
    right = (np.arange(n) % 2 == 0).astype(float)
    a, b = Ratio(right, np.ones(n)), Ratio(right, np.full(n, 4.0))
    out = bootstrap_intervals({"a": a, "b": b}, n, np.random.default_rng(0), resamples=500)
    assert 0.4 < out["a"][0] < 0.5 < out["a"][1] < 0.6
    assert out["b"] == (pytest.approx(out["a"][0] / 4), pytest.approx(out["a"][1] / 4))
    out = bootstrap_intervals({"b": b, "a": a}, n, np.random.default_rng(0), resamples=500)  # other order
    assert 0.4 < out["a"][0] < 0.5 < out["a"][1] < 0.6 and out["b"][1] < 0.15


def test_several_ratios_on_the_same_resamples_keep_their_own_denominators() -> None:
    """The plain path puts every ratio's sums in one matrix product: each must read its own two columns."""
    out = bootstrap_intervals({"a": Ratio(NUM, DEN), "b": Ratio(NUM, 2 * DEN), "c": Ratio(2 * NUM, DEN)}, N,
                              np.random.default_rng(11))
    _, expected = _reference(NUM, DEN, np.random.default_rng(11))
    assert out["a"] == (pytest.approx(expected[0], abs=1e-12), pytest.approx(expected[1], abs=1e-12))
    assert out["b"] == (pytest.approx(expected[0] / 2, abs=1e-12), pytest.approx(expected[1] / 2, abs=1e-12))
    assert out["c"] == (pytest.approx(expected[0] * 2, abs=1e-12), pytest.approx(expected[1] * 2, abs=1e-12))


@pytest.mark.parametrize(("n_clusters", "resamples"), [(0, 1000), (5, 0), (5, -1)])
def test_no_cluster_or_no_resample_gives_no_interval(n_clusters: int, resamples: int) -> None:
    ratio = Ratio(np.arange(float(n_clusters)), np.ones(n_clusters))  # distinct values: the plain path
    assert bootstrap_intervals({"m": ratio, "k": ratio}, n_clusters, np.random.default_rng(0),
                               resamples=resamples) == {"m": None, "k": None}
    assert paired_intervals({"m": ratio, "only_a": ratio}, {"m": ratio, "only_b": ratio}, n_clusters,
                            np.random.default_rng(0), resamples=resamples) == {"m": None}


def test_a_single_resample_gives_a_paired_point_interval() -> None:
    other = NUM[::-1].copy()
    got = paired_intervals({"m": Ratio(NUM, DEN)}, {"m": Ratio(other, DEN)}, N, np.random.default_rng(6),
                           resamples=1)["m"]
    a, _ = _reference(NUM, DEN, np.random.default_rng(6), resamples=1)
    b, _ = _reference(other, DEN, np.random.default_rng(6), resamples=1)
    assert got == (pytest.approx(a[0] - b[0], abs=1e-12), pytest.approx(a[0] - b[0], abs=1e-12))
