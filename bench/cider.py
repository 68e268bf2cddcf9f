"""CIDEr-D speed: lamm_bench.text.caption.CiderD against pycocoevalcap's Cider, same input, same run.

1,000 images x 5 references, PTB-tokenised caption-like text from a seeded generator (Zipf-like word
frequencies, 6-16 words). Both compute per-image CIDEr-D with document frequencies from the set; the script
prints both times, the speed ratio and the largest per-image difference, then the cost of one bootstrap
resample (document frequencies recomputed). ``python bench/cider.py [--images N] [--repeat R]``
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lamm_bench.text.caption import CiderD


def make_corpus(n_images: int, seed: int = 0) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Tokenised references (5 per image) and one prediction per image."""
    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(3000)]
    weights = [1.0 / (rank + 1) for rank in range(len(vocabulary))]

    def caption() -> str:
        return " ".join(rng.choices(vocabulary, weights, k=rng.randint(6, 16)))

    refs = {f"img{i}": [caption() for _ in range(5)] for i in range(n_images)}
    return refs, {k: caption() for k in refs}


def _best_of(repeat: int, fn) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="timings are the best of this many runs")
    args = parser.parse_args(argv)
    from pycocoevalcap.cider.cider import Cider

    refs, preds = make_corpus(args.images)
    gts, res = refs, {k: [v] for k, v in preds.items()}
    t_ref, (ref_score, ref_images) = _best_of(args.repeat, lambda: Cider().compute_score(gts, res))

    def ours() -> tuple[float, np.ndarray]:
        cider = CiderD.prepare(refs, preds)
        return cider.score(), cider.scores()

    t_ours, (score, images) = _best_of(args.repeat, ours)
    cider = CiderD.prepare(refs, preds)
    rng = np.random.default_rng(0)
    t_resample, _ = _best_of(args.repeat, lambda: [cider.score_resample(rng.integers(0, args.images, args.images))
                                                   for _ in range(100)])
    print(f"images: {args.images} x 5 references")
    print(f"pycocoevalcap Cider: {t_ref * 1000:8.1f} ms  CIDEr-D = {ref_score:.12f}")
    print(f"lamm_bench CiderD:   {t_ours * 1000:8.1f} ms  CIDEr-D = {score:.12f}  (prepare + score)")
    print(f"speed ratio: {t_ref / t_ours:.1f}x faster")
    print(f"max |per-image difference|: {np.max(np.abs(np.asarray(ref_images) - images)):.3g}; "
          f"corpus difference: {abs(ref_score - score):.3g}")
    print(f"bootstrap: {t_resample * 10:.2f} ms per resample (document frequencies recomputed)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
