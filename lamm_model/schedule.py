"""Learning-rate schedules, as a function of the 0-based optimizer step.

* ``warmup_decay``: DeepSpeed's ``WarmupDecayLR`` as LAMM configured it (``src/config/train.yaml``,
  ``src/model/agent.py``): logarithmic warmup from ``min_lr`` to ``lr`` over ``warmup_steps`` steps, then a
  linear decay that reaches ``min_lr`` at ``max_steps``.
* ``cosine``: linear warmup, then cosine decay to ``min_lr`` (nanoGPT's ``get_lr``).
"""

from __future__ import annotations

import math
from typing import Literal

Schedule = Literal["warmup_decay", "cosine"]


def warmup_decay_lr(step: int, *, lr: float, min_lr: float, warmup_steps: int, max_steps: int) -> float:
    """``min_lr + (lr - min_lr) * gamma``; ``gamma = log(step + 1) / log(warmup_steps)`` during the warmup
    (0 at step 0), then ``(max_steps - step) / (max_steps - warmup_steps)``, never below 0 (DeepSpeed's
    ``WarmupDecayLR._get_gamma``; a warmup shorter than 2 steps counts as 2, as ``log(1)`` would divide by 0)."""
    warmup = max(warmup_steps, 2)
    if step < warmup:
        gamma = math.log(step + 1) / math.log(warmup)
    else:
        gamma = max(0.0, (max_steps - step) / max(1.0, max_steps - warmup))
    return min_lr + (lr - min_lr) * gamma


def cosine_lr(step: int, *, lr: float, min_lr: float, warmup_steps: int, max_steps: int) -> float:
    """Warmup ``lr * (step + 1) / (warmup_steps + 1)`` for ``step < warmup_steps``, then cosine from ``lr``
    to ``min_lr`` over the remaining steps; ``min_lr`` from ``max_steps`` on."""
    if step < warmup_steps:
        return lr * (step + 1) / (warmup_steps + 1)
    if step >= max_steps:
        return min_lr
    span = max(max_steps - warmup_steps, 1)
    progress = (step - warmup_steps) / span
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * progress)) * (lr - min_lr)


def learning_rate(step: int, *, lr: float, min_lr: float, warmup_steps: int, max_steps: int,
                  schedule: Schedule = "cosine") -> float:
    """Learning rate of optimizer step ``step`` (0-based) under ``schedule``."""
    fn = warmup_decay_lr if schedule == "warmup_decay" else cosine_lr
    return fn(step, lr=lr, min_lr=min_lr, warmup_steps=warmup_steps, max_steps=max_steps)


def lr_factor(step: int, *, lr: float, min_lr: float, warmup_steps: int, max_steps: int,
              schedule: Schedule = "cosine") -> float:
    """:func:`learning_rate` divided by ``lr`` (what ``torch.optim.lr_scheduler.LambdaLR`` takes)."""
    return learning_rate(step, lr=lr, min_lr=min_lr, warmup_steps=warmup_steps, max_steps=max_steps,
                         schedule=schedule) / lr
