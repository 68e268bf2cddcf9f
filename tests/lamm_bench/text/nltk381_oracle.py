"""Answer text questions with the real NLTK 3.8.1 (the release LAMM evaluated with), for reference tests and goldens.

Run in its own interpreter, so that NLTK 3.8.1 never meets the installed NLTK::

    python nltk381_oracle.py REFERENCE_DIR < request.json > answer.json

``REFERENCE_DIR`` is what ``tools/get_reference_data.sh`` writes: ``nltk-3.8.1/`` (put first on ``sys.path``) and
``wordnet/`` (the Debian ``wordnet-base`` tree). A temporary ``nltk_data`` is assembled from them: the WordNet
dict files plus ``lexnames`` (read from the lexnames(5WN) manual page, as Princeton does not ship the file), the
package's stop-word list, and ``tokenizers/punkt/PY3/english.pickle`` (what NLTK 3.8.1 loads): the file from
nltk_data when ``LAMM_PUNKT_PICKLE`` names it, else one pickled here by NLTK 3.8.1 from the request's Punkt
tables. The unmodified ``nltk.word_tokenize``, ``nltk.sent_tokenize`` and ``nltk.corpus.wordnet`` then answer.

Request: ``{"punkt_json": path, "stopwords": path, "word_tokenize": [text], "sent_tokenize": [text],
"morphy": [word], "first_synset": [word], "classification": [[label, answer]],
"caption_bleu4": [[[reference], answer]]}``. The answer has the same keys with one result per item.
``classification`` is the LAMM rule (lamm-formats.md §8.1) on NLTK's functions; ``caption_bleu4`` is one image
of LAMM's flickr30k ``BLEU4`` (common_eval_2d.py: the best NLTK ``sentence_bleu`` over the answer's sentences),
as ``repr`` of the float so that equality is exact.
"""

from __future__ import annotations

import gzip
import json
import os
import pickle
import re
import shutil
import string
import sys
import tempfile
from pathlib import Path

_CATEGORY = {"adj": "3", "adv": "4", "noun": "1", "verb": "2"}


def _build_nltk_data(reference: Path, request: dict, root: Path) -> None:
    dict_dir = reference / "wordnet" / "usr" / "share" / "wordnet"
    wordnet = root / "corpora" / "wordnet"
    wordnet.mkdir(parents=True)
    for source in dict_dir.iterdir():
        (wordnet / source.name).symlink_to(source.resolve())
    man = reference / "wordnet" / "usr" / "share" / "man" / "man5" / "lexnames.5WN.gz"
    rows = re.findall(r"^(\d\d)\t(\w+)\.(\w+)", gzip.decompress(man.read_bytes()).decode(), re.MULTILINE)
    if [int(number) for number, _, _ in rows] != list(range(45)):
        raise SystemExit(f"could not read the 45 lexicographer file names from {man}")
    (wordnet / "lexnames").write_text("".join(f"{n}\t{pos}.{name}\t{_CATEGORY[pos]}\n" for n, pos, name in rows))
    (root / "corpora" / "stopwords").mkdir(parents=True)
    shutil.copy(request["stopwords"], root / "corpora" / "stopwords" / "english")
    punkt = root / "tokenizers" / "punkt" / "PY3" / "english.pickle"
    punkt.parent.mkdir(parents=True)
    if os.environ.get("LAMM_PUNKT_PICKLE"):
        shutil.copy(os.environ["LAMM_PUNKT_PICKLE"], punkt)
        return
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    model = json.loads(Path(request["punkt_json"]).read_text(encoding="utf-8"))
    params = PunktParameters()
    params.abbrev_types = set(model["abbrev_types"])
    params.collocations = {tuple(pair) for pair in model["collocations"]}
    params.sent_starters = set(model["sent_starters"])
    for key, flags in model["ortho_context"].items():
        params.ortho_context[key] = flags
    punkt.write_bytes(pickle.dumps(PunktSentenceTokenizer(params)))


def _answer(request: dict) -> dict:
    import nltk
    from nltk.corpus import stopwords, wordnet

    stops = set(stopwords.words("english"))

    def first_synset(word: str) -> list[str] | None:
        found = wordnet.synsets(word)
        return found[0].lemma_names() if found else None

    def lamm_classification(label: str, answer: str) -> bool:
        words = [w for w in nltk.word_tokenize(answer.lower()) if w not in string.punctuation]
        words = [wordnet.morphy(w) for w in words if w not in stops]
        synonyms = first_synset(label) or [label]
        return any(s in words for s in synonyms)

    def lamm_bleu4(references: list[str], answer: str) -> float:
        from nltk.translate.bleu_score import sentence_bleu

        refs = [sentence.replace(".", "").split() for sentence in references]
        if '"' in answer:  # LAMM's parse_sentence
            answer = " ".join(answer.split('"')[1::2])
        best = 0.0
        for caption in answer.split("."):
            best = max(best, sentence_bleu(refs, caption.split(), (1.0 / 4.0,) * 4))
        return best

    import warnings

    warnings.simplefilter("ignore")  # NLTK warns about zero n-gram counts
    return {
        "nltk_version": nltk.__version__,
        "word_tokenize": [nltk.word_tokenize(t) for t in request.get("word_tokenize", [])],
        "sent_tokenize": [nltk.sent_tokenize(t) for t in request.get("sent_tokenize", [])],
        "morphy": [wordnet.morphy(w) for w in request.get("morphy", [])],
        "first_synset": [first_synset(w) for w in request.get("first_synset", [])],
        "classification": [lamm_classification(g, p) for g, p in request.get("classification", [])],
        "caption_bleu4": [repr(float(lamm_bleu4(r, a))) for r, a in request.get("caption_bleu4", [])],
    }


def ask(reference: Path, request: dict) -> dict:
    """Run this script in a fresh interpreter on ``request``; return its answer (raises when it fails)."""
    import subprocess

    done = subprocess.run([sys.executable, __file__, str(reference)], input=json.dumps(request), capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"NLTK 3.8.1 oracle failed:\n{done.stderr}")
    return json.loads(done.stdout)


def main() -> int:
    reference = Path(sys.argv[1]).resolve()
    request = json.load(sys.stdin)
    sys.path.insert(0, str(reference / "nltk-3.8.1"))
    import nltk

    if nltk.__version__ != "3.8.1":
        raise SystemExit(f"expected NLTK 3.8.1, imported {nltk.__version__} from {nltk.__file__}")
    with tempfile.TemporaryDirectory() as tmp:
        nltk.data.path[:] = [tmp]
        _build_nltk_data(reference, request, Path(tmp))
        json.dump(_answer(request), sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
