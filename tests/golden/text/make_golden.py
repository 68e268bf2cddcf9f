"""Write tests/golden/text/nltk381.json: NLTK 3.8.1 + WordNet 3.0 answers on a fixed sample of the text corpora.

The golden file lets tests/lamm_bench/text/test_text_golden.py check word_tokenize, sent_tokenize, morphy,
first-synset lemma names and classification_acc without the reference data (the reference tests compare on far
more inputs when it is present). Regenerate after ``tools/get_reference_data.sh``::

    python tests/golden/text/make_golden.py [REFERENCE_DIR]
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(REPO / "tests" / "lamm_bench" / "text"))
sys.path.insert(0, str(REPO))

import nltk381_oracle  # noqa: E402
from test_text_reference_nltk import _pairs, _texts, _words  # noqa: E402


def main() -> int:
    reference = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("LAMM_REFERENCE_DIR", REPO / ".reference"))
    rng = random.Random(11)
    texts, words, pairs = _texts(), _words(), _pairs()
    request = {
        "punkt_json": str(REPO / "lamm_bench" / "data" / "punkt_english.json"),
        "stopwords": str(REPO / "lamm_bench" / "data" / "stopwords_english.txt"),
        "word_tokenize": texts[:80] + rng.sample(texts[80:], 600),
        "sent_tokenize": texts[:80] + rng.sample(texts[80:], 300),
        "morphy": rng.sample(words, 3000),
        "first_synset": rng.sample(words, 3000),
        "classification": pairs[:20] + rng.sample(pairs[20:], 1500),
    }
    answer = nltk381_oracle.ask(reference, request)
    golden = {"generated_by": "tests/golden/text/make_golden.py", "oracle": f"NLTK {answer['nltk_version']}",
              "wordnet": "WordNet 3.0 (Debian wordnet-base dict files)"}
    for key in ("word_tokenize", "sent_tokenize", "morphy", "first_synset", "classification"):
        golden[key] = [[item, result] for item, result in zip(request[key], answer[key], strict=True)]
    out = HERE / "nltk381.json"
    out.write_text(json.dumps(golden, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
