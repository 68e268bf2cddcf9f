"""Our word_tokenize / sent_tokenize / morphy / first synset / classification_acc equal NLTK 3.8.1 + WordNet 3.0,
and LAMM's caption BLEU4 (computed with the installed NLTK) equals the one NLTK 3.8.1 gives.

The oracle is the real NLTK 3.8.1 reading the Debian WordNet 3.0 dict files (tools/get_reference_data.sh).
Skipped with a reason when those are absent; failing instead under LAMM_REQUIRE_REFERENCE=1.
"""

from __future__ import annotations

import random

import pytest
from text_corpora import LABELS, QUIRK_PAIRS, TRICKY_TEXTS, inflected_words, random_sentences, random_texts

from lamm_bench.lamm_protocol.captions import best_sentence_bleu
from lamm_bench.text.punkt import sent_tokenize
from lamm_bench.text.resources import wordnet30
from lamm_bench.text.synonyms import classification_acc
from lamm_bench.text.tokenize import word_tokenize
from lamm_bench.text.wordnet import wordnet

pytestmark = [pytest.mark.reference, pytest.mark.slow]

_VOCABULARY = [w.lower() for w in LABELS] + ["a", "the", "is", "an", "of", "two", "men", "women", "dogs", "running",
                                            "Mr.", "it's", "isn't", "(", ")", ",", "red", "photo", "image", "shows"]


def _texts() -> list[str]:
    return TRICKY_TEXTS + random_texts(2500, seed=1) + random_sentences(1500, seed=2, vocabulary=_VOCABULARY)


def _words() -> list[str]:
    document = wordnet30()
    lemmas = sorted({lemma for part in document["pos"].values() for lemma in part["index"]})
    exception_forms = sorted({form for part in document["pos"].values() for form in part["exceptions"]})
    rng = random.Random(3)
    words = LABELS + [w.lower() for w in LABELS] + inflected_words(lemmas, 4000, seed=4)
    words += [*rng.sample(exception_forms, 800), "glassess", "dogses", "runninged", "happiesting", "", "S", "men"]
    return words + [w.upper() for w in rng.sample(words, 300)] + [w.capitalize() for w in rng.sample(words, 300)]


def _pairs() -> list[list[str]]:
    """Labels with answers about that label (its synonyms, inflected) and with unrelated answers."""
    rng = random.Random(5)
    templates = ["The image shows a {}.", "It is a {}s.", "{}", "I think these are {}es!", "a {}-like object",
                 "Not a {}, but something else.", "The answer is: {}", "{} {}", "\"{}\"", "two {}ing things",
                 "{}. It is.", "The {}'s tail."]
    fillers = [*TRICKY_TEXTS, "puppy", "car", "kitten", "plane", "aircraft", "boat", "auto", "lorry", "blonde", "grey"]
    pairs = [[label, answer] for label, answer, _ in QUIRK_PAIRS]
    for label in LABELS:
        names = (wordnet().first_synset_lemma_names(label) or [label]) + [label.lower()]
        for _ in range(20):
            word = rng.choice(names).replace("_", rng.choice(["_", " ", "-"]))
            pairs.append([label, rng.choice(templates).format(word, word)])
            pairs.append([label, rng.choice(templates).format(rng.choice(LABELS), "")])
            pairs.append([label, rng.choice(fillers)])
    return pairs


def _captions() -> list[list]:
    """Reference captions and answers: copies, partial copies, changed case, quotes, several sentences."""
    rng = random.Random(6)
    words = "a dog cat runs on the beach man A Dog two young men in yard green sand".split()

    def sentence() -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(1, 12))) + "."

    cases = []
    for _ in range(1500):
        refs = [sentence() for _ in range(rng.randint(1, 5))]
        answer = rng.choice([sentence(), rng.choice(refs), " ".join([rng.choice(refs), sentence()]),
                             f'The caption is "{rng.choice(refs)[:-1]}"', rng.choice(refs).upper(), ""])
        cases.append([refs, answer])
    return cases


@pytest.fixture(scope="module")
def oracle(nltk381) -> tuple[dict, dict]:
    request = {"word_tokenize": _texts(), "sent_tokenize": _texts(), "morphy": _words(),
               "first_synset": _words(), "classification": _pairs(), "caption_bleu4": _captions()}
    return request, nltk381(request)


def _mismatches(inputs: list, ours: list, theirs: list) -> list[tuple]:
    return [(x, a, b) for x, a, b in zip(inputs, ours, theirs, strict=True) if a != b]


def test_oracle_is_nltk_3_8_1(oracle) -> None:
    assert oracle[1]["nltk_version"] == "3.8.1"


def test_sent_tokenize_equals_nltk(oracle) -> None:
    request, answer = oracle
    texts = request["sent_tokenize"]
    assert _mismatches(texts, [sent_tokenize(t) for t in texts], answer["sent_tokenize"]) == []


def test_word_tokenize_equals_nltk(oracle) -> None:
    request, answer = oracle
    texts = request["word_tokenize"]
    assert len(texts) > 4000
    assert _mismatches(texts, [word_tokenize(t) for t in texts], answer["word_tokenize"]) == []


def test_morphy_equals_nltk(oracle) -> None:
    request, answer = oracle
    words = request["morphy"]
    assert len(words) > 10000
    net = wordnet()
    assert _mismatches(words, [net.morphy(w) for w in words], answer["morphy"]) == []


def test_first_synset_lemma_names_equal_nltk(oracle) -> None:
    request, answer = oracle
    words = request["first_synset"]
    net = wordnet()
    assert _mismatches(words, [net.first_synset_lemma_names(w) for w in words], answer["first_synset"]) == []
    assert sum(a is not None for a in answer["first_synset"]) > len(words) // 3  # many real words


def test_classification_acc_equals_lamm_on_nltk(oracle) -> None:
    request, answer = oracle
    pairs = request["classification"]
    ours = [classification_acc(gt, pred) for gt, pred in pairs]
    assert _mismatches(pairs, ours, answer["classification"]) == []
    assert 0.1 < sum(ours) / len(ours) < 0.9  # both outcomes well represented


def test_lamm_caption_bleu4_equals_nltk_3_8_1(oracle) -> None:
    request, answer = oracle
    cases = request["caption_bleu4"]
    ours = [repr(best_sentence_bleu(refs, text)) for refs, text in cases]
    assert _mismatches(cases, ours, answer["caption_bleu4"]) == []
    assert sum(float(v) > 0 for v in ours) > len(ours) // 2 and "1.0" in ours  # partial and full matches
