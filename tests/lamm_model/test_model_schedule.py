"""Warmup + cosine learning-rate schedule."""

from __future__ import annotations

import itertools
import math

import pytest

from lamm_model.schedule import learning_rate, lr_factor

KW = {"lr": 1.0, "min_lr": 0.1, "warmup_steps": 4, "max_steps": 14}


def test_linear_warmup() -> None:
    assert [learning_rate(s, **KW) for s in range(4)] == pytest.approx([0.2, 0.4, 0.6, 0.8])


def test_cosine_decay_endpoints_and_midpoint() -> None:
    assert learning_rate(4, **KW) == pytest.approx(1.0)
    assert learning_rate(9, **KW) == pytest.approx(0.1 + 0.5 * (1 + math.cos(math.pi * 0.5)) * 0.9)
    assert learning_rate(14, **KW) == pytest.approx(0.1)
    assert learning_rate(100, **KW) == pytest.approx(0.1)
    decay = [learning_rate(s, **KW) for s in range(4, 15)]
    assert all(a >= b for a, b in itertools.pairwise(decay))


def test_no_warmup_starts_at_peak_and_factor_is_ratio() -> None:
    assert learning_rate(0, lr=3e-4, min_lr=0.0, warmup_steps=0, max_steps=10) == pytest.approx(3e-4)
    assert lr_factor(2, **{**KW, "lr": 2.0}) == pytest.approx(learning_rate(2, **{**KW, "lr": 2.0}) / 2.0)


def test_warmup_decay_is_deepspeeds_warmupdecaylr_as_lamm_ran_it() -> None:
    # DeepSpeed WarmupDecayLR: gamma = log(k + 1) / log(W) for k < W, then (T - k) / (T - W); lr = min + (max - min) g
    kw = {"lr": 5e-4, "min_lr": 0.0, "warmup_steps": 10, "max_steps": 110, "schedule": "warmup_decay"}
    assert learning_rate(0, **kw) == 0.0
    assert learning_rate(1, **kw) == pytest.approx(5e-4 * math.log(2) / math.log(10))
    assert learning_rate(9, **kw) == pytest.approx(5e-4)  # log(10) / log(10)
    assert learning_rate(10, **kw) == pytest.approx(5e-4)
    assert learning_rate(60, **kw) == pytest.approx(2.5e-4)
    assert learning_rate(110, **kw) == 0.0 and learning_rate(500, **kw) == 0.0
    # LAMM's warmup: max(10, int(0.1 x total)) (src/model/agent.py), and a floor above min_lr
    from lamm_model.config import OptimConfig

    assert (OptimConfig().warmup(5815), OptimConfig().warmup(20)) == (581, 10)
    assert learning_rate(0, **{**kw, "min_lr": 1e-5}) == pytest.approx(1e-5)
