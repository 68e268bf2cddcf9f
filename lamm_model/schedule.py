"""Learning-rate schedule: linear warmup, then cosine decay to ``min_lr`` (nanoGPT's ``get_lr``)."""

from __future__ import annotations

import math


def learning_rate(step: int, *, lr: float, min_lr: float, warmup_steps: int, max_steps: int) -> float:
    """Learning rate of optimizer step ``step`` (0-based).

    Warmup: ``lr * (step + 1) / (warmup_steps + 1)`` for ``step < warmup_steps``. Then cosine from
    ``lr`` to ``min_lr`` over the remaining steps; ``min_lr`` from ``max_steps`` on.
    """
    if step < warmup_steps:
        return lr * (step + 1) / (warmup_steps + 1)
    if step >= max_steps:
        return min_lr
    span = max(max_steps - warmup_steps, 1)
    progress = (step - warmup_steps) / span
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * progress)) * (lr - min_lr)


def lr_factor(step: int, *, lr: float, min_lr: float, warmup_steps: int, max_steps: int) -> float:
    """:func:`learning_rate` divided by ``lr`` (what ``torch.optim.lr_scheduler.LambdaLR`` takes)."""
    return learning_rate(step, lr=lr, min_lr=min_lr, warmup_steps=warmup_steps, max_steps=max_steps) / lr
