"""How far the installed NLTK has drifted from NLTK 3.8.1 (what LAMM ran, and what lamm_bench.text reproduces).

Development tool; needs the reference data of tools/get_reference_data.sh (WordNet dict files) and the
installed NLTK. Builds a temporary nltk_data with the packaged Punkt tables (as ``punkt_tab``), the packaged
stop words and the WordNet dict files, runs the installed ``nltk.word_tokenize``, ``wordnet.morphy`` and the
LAMM synonym rule on the text-test corpora, and counts the inputs where they differ from lamm_bench.text.

    python tools/compare_nltk_versions.py [REFERENCE_DIR]
"""

from __future__ import annotations

import gzip
import json
import re
import string
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "lamm_bench" / "text")]


def _nltk_data(root: Path, reference: Path) -> None:
    model = json.loads((REPO / "lamm_bench" / "data" / "punkt_english.json").read_text(encoding="utf-8"))
    punkt = root / "tokenizers" / "punkt_tab" / "english"
    punkt.mkdir(parents=True)
    (punkt / "abbrev_types.txt").write_text("\n".join(model["abbrev_types"]) + "\n")
    (punkt / "collocations.tab").write_text("".join(f"{a}\t{b}\n" for a, b in model["collocations"]))
    (punkt / "sent_starters.txt").write_text("\n".join(model["sent_starters"]) + "\n")
    (punkt / "ortho_context.tab").write_text("".join(f"{k}\t{v}\n" for k, v in model["ortho_context"].items()))
    (root / "corpora" / "stopwords").mkdir(parents=True)
    stopwords = (REPO / "lamm_bench" / "data" / "stopwords_english.txt").read_bytes()
    (root / "corpora" / "stopwords" / "english").write_bytes(stopwords)
    wordnet = root / "corpora" / "wordnet"
    wordnet.mkdir(parents=True)
    for source in (reference / "wordnet/usr/share/wordnet").iterdir():  # copies: NLTK refuses outside links
        (wordnet / source.name).write_bytes(source.read_bytes())
    man = gzip.decompress((reference / "wordnet/usr/share/man/man5/lexnames.5WN.gz").read_bytes()).decode()
    rows = re.findall(r"^(\d\d)\t(\S+)", man, re.MULTILINE)
    (wordnet / "lexnames").write_text("".join(f"{n}\t{name}\t0\n" for n, name in rows))


def main() -> int:
    reference = Path(sys.argv[1] if len(sys.argv) > 1 else REPO / ".reference")
    import nltk
    from test_text_reference_nltk import _pairs, _texts, _words

    from lamm_bench.text.synonyms import classification_acc
    from lamm_bench.text.tokenize import word_tokenize
    from lamm_bench.text.wordnet import wordnet as our_wordnet

    with tempfile.TemporaryDirectory() as tmp:
        _nltk_data(Path(tmp), reference)
        nltk.data.path[:0] = [tmp]
        from nltk.corpus import stopwords, wordnet

        stops = set(stopwords.words("english"))

        def lamm(label: str, answer: str) -> bool:
            words = [wordnet.morphy(w) for w in nltk.word_tokenize(answer.lower())
                     if w not in string.punctuation and w not in stops]
            found = wordnet.synsets(label)
            return any(s in words for s in (found[0].lemma_names() if found else [label]))

        texts, words, pairs = _texts(), _words(), _pairs()
        checks = {
            "word_tokenize": (texts, nltk.word_tokenize, word_tokenize),
            "morphy": (words, wordnet.morphy, our_wordnet().morphy),
            "classification_acc": (pairs, lambda p: lamm(*p), lambda p: classification_acc(*p)),
        }
        print(f"installed NLTK {nltk.__version__} vs lamm_bench.text (NLTK 3.8.1 behaviour)")
        for name, (inputs, theirs, ours) in checks.items():
            differ = [(x, theirs(x), ours(x)) for x in inputs if theirs(x) != ours(x)]
            print(f"{name}: {len(differ)}/{len(inputs)} inputs differ")
            for x, a, b in differ[:5]:
                print(f"  {x!r}\n    installed: {a!r}\n    3.8.1:     {b!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
