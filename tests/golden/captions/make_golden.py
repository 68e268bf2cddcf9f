"""Write the caption-metric goldens: tests/golden/captions/{input,expected}.json.

``input.json`` is a fixed, seeded set of 80 images with 1-7 caption-like references and one prediction each,
including edge cases (empty or one-word predictions, a prediction equal to a reference, repeated words, captions
longer and shorter than every reference, equal-distance reference lengths). ``expected.json`` holds what
pycocoevalcap 1.2 computes on it: the Java PTB tokenization (``PTBTokenizer``), then ``Cider``, ``Bleu(4)`` and
``Rouge`` on that tokenised text (corpus and per-image values). The tests feed the Java-tokenised text to
``lamm_bench.text.caption`` with ``tokenize=False``, so the tokenizer is outside that comparison.
Needs Java and pycocoevalcap::

    python tests/golden/captions/make_golden.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORDS = ("a man woman dog two young men are standing in the yard girl climbing stairs on ladder cleaning windows "
         "brown running beach red shirt sitting bench with his her small black white playing ball water near "
         "of an is at grass street").split()
EXTRAS = ["The dog's ball isn't red.", "A man (in a hat) runs.", "Two kids -- happy!", 'A sign says "stop".',
          "e.g. a U.S. flag at 5 p.m.", "A well-known café.", "3.5 dogs, 1,000 cats."]


def _sentence(rng: random.Random, lo: int, hi: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi)))
    return text[:1].upper() + text[1:] + rng.choice([".", ".", "", "!"])


def make_input(seed: int = 13) -> dict:
    rng = random.Random(seed)
    refs, preds = {}, {}
    for i in range(80):
        image = f"img{i:03d}"
        refs[image] = [_sentence(rng, 3, 14) if rng.random() > 0.1 else rng.choice(EXTRAS)
                       for _ in range(rng.choice([1, 3, 5, 5, 5, 7]))]
        kind = i % 10
        if kind == 0:
            preds[image] = ""
        elif kind == 1:
            preds[image] = rng.choice(WORDS)
        elif kind == 2:
            preds[image] = refs[image][0]
        elif kind == 3:
            preds[image] = " ".join([rng.choice(WORDS)] * rng.randint(2, 6))
        elif kind == 4:
            preds[image] = _sentence(rng, 20, 30)
        elif kind == 5:
            preds[image] = rng.choice(EXTRAS)
        else:
            preds[image] = _sentence(rng, 4, 12)
    refs["tie"] = ["a b c d", "a b c d e f"]  # a 5-token prediction: both at distance 1, the shorter counts
    preds["tie"] = "a b c d e"
    return {"refs": refs, "preds": preds}


def main() -> None:
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.rouge.rouge import Rouge
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    data = make_input()
    (HERE / "input.json").write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tokenizer = PTBTokenizer()
    gts = tokenizer.tokenize({k: [{"caption": c} for c in v] for k, v in data["refs"].items()})
    res = tokenizer.tokenize({k: [{"caption": data["preds"][k]}] for k in data["refs"]})
    cider, cider_images = Cider().compute_score(gts, res)
    bleu, bleu_images = Bleu(4).compute_score(gts, res, verbose=0)
    rouge, rouge_images = Rouge().compute_score(gts, res)
    corpus = {"CIDEr-D": float(cider), **{f"BLEU-{n + 1}": float(bleu[n]) for n in range(4)},
              "ROUGE-L": float(rouge)}
    per_image = {"CIDEr-D": [float(x) for x in cider_images], "ROUGE-L": [float(x) for x in rouge_images],
                 **{f"BLEU-{n + 1}": [float(x) for x in bleu_images[n]] for n in range(4)}}
    expected = {"generated_by": "tests/golden/captions/make_golden.py with pycocoevalcap 1.2 (Java PTBTokenizer)",
                "image_ids": list(gts), "refs_tokenized": gts, "preds_tokenized": {k: v[0] for k, v in res.items()},
                "corpus": corpus, "per_image": per_image}
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(corpus, indent=1))


if __name__ == "__main__":
    main()
