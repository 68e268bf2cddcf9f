"""Speed of the checks before step 1 (``lamm_model.checks.check_samples``) against tokenising alone.

Usage (from the repository root)::

    python bench/sample_checks.py [--items 20000] [--repeat 3] [--tokenizer byte]

Builds ``--items`` 2D instruction samples in the real format (``bench/_generate.py``), all pointing at one
small image written beside them, as a ``datasets.Dataset`` like ``load_split(decode=False)`` gives, and
times, best of ``--repeat``, in this process:

* ``tokenise pieces`` (the baseline): one batched tokenizer call per 512 samples over the texts the
  checks must measure (every prompt piece of every sample, laid out with ``use_system``); the floor for
  any check that counts tokens;
* ``check_samples``: the whole check (conversation, placeholders, empty answers, media file present,
  system prompt, supervised tokens after the cut to 4096 tokens);
* ``encode per sample``: laying out and tokenising one sample at a time, as the training dataset does
  (what a naive per-sample check would cost).

Prints samples/s of each and the ratios to the baseline. The tokenizer is the byte-level one by default
(no download); ``--tokenizer`` takes a hub id or folder (e.g. a LLaMA tokenizer already in the cache).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _generate import instruct_2d_item

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lamm_model.checks import check_samples
from lamm_model.config import ModelConfig
from lamm_model.data import Source, encode
from lamm_model.model import IMAGE
from lamm_model.prompts import training_parts
from lamm_model.tokenizer import load_tokenizer

MAX_LENGTH, MEDIA_TOKENS, CHUNK = 4096, 256, 512
"""The cut (byte tokens are ~4x as many as a LLaMA tokenizer's), vision tokens, samples per tokenizer call."""


def best_of(repeat: int, job: Callable[[], object]) -> float:
    """Shortest wall time of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tokenizer", default="byte")
    args = parser.parse_args()

    import datasets
    from PIL import Image

    from lamm_data.catalog import resolve

    tokenizer = load_tokenizer(args.tokenizer)
    cfg = ModelConfig.model_validate({"llm": {"config": {"model_type": "llama"}, "tokenizer": "byte"},
                                      "vision": {"pretrained": None, "config": {}}, "use_system": True})
    rng = random.Random(0)
    items = []
    for i in range(args.items):
        item = instruct_2d_item(rng, i)
        items.append({"index": i, "id": item["id"], "image": "coco_images/one.png",
                      "conversations": item["conversations"], "task_type": item["task_type"]})
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "2D_Instruct" / "coco_images").mkdir(parents=True)
        Image.new("RGB", (8, 8)).save(root / "2D_Instruct" / "coco_images" / "one.png")
        source = Source(resolve("LAMM_instruct_186k"), root, datasets.Dataset.from_list(items))
        samples = [training_parts(it["conversations"], it["task_type"], "image", True) for it in items]

        def tokenise_pieces() -> None:
            for lo in range(0, len(samples), CHUNK):
                part = samples[lo:lo + CHUNK]
                texts = list(dict.fromkeys(s.prefix for s in part)) + [t for s in part for t, _ in s.segments]
                tokenizer(texts, add_special_tokens=False, return_attention_mask=False)

        def check() -> None:
            report = check_samples([source], tokenizer, cfg, MAX_LENGTH, {IMAGE: MEDIA_TOKENS}, chunk=CHUNK)
            assert report.total == args.items and report.bad == 0, report.problems[:3]

        def per_sample() -> None:
            for parts in samples:
                encode(tokenizer, parts, MEDIA_TOKENS, MAX_LENGTH)

        jobs = {"tokenise pieces": tokenise_pieces, "check_samples": check, "encode per sample": per_sample}
        timings = {name: best_of(args.repeat, job) for name, job in jobs.items()}
    base = timings["tokenise pieces"]
    print(f"{args.items:,} 2D instruction samples, tokenizer {args.tokenizer}, best of {args.repeat}")
    print(f"{'job':<20}{'seconds':>9}{'samples/s':>12}{'x baseline':>12}")
    for job, seconds in timings.items():
        print(f"{job:<20}{seconds:>9.2f}{args.items / seconds:>12,.0f}{seconds / base:>12.2f}")


if __name__ == "__main__":
    main()
