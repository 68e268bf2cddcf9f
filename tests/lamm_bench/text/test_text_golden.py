"""word_tokenize, sent_tokenize, morphy, first synset and classification_acc against NLTK 3.8.1 goldens.

tests/golden/text/nltk381.json was written by tests/golden/text/make_golden.py from the real NLTK 3.8.1 on
WordNet 3.0; these tests need no reference data.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lamm_bench.text.punkt import sent_tokenize
from lamm_bench.text.synonyms import classification_acc
from lamm_bench.text.tokenize import word_tokenize
from lamm_bench.text.wordnet import wordnet

GOLDEN = json.loads((Path(__file__).resolve().parents[2] / "golden" / "text" / "nltk381.json").read_text("utf-8"))


def _mismatches(function, key: str) -> list[tuple]:
    return [(item, function(item), expected) for item, expected in GOLDEN[key] if function(item) != expected]


def test_golden_was_made_by_nltk_3_8_1() -> None:
    assert GOLDEN["oracle"] == "NLTK 3.8.1"


def test_word_tokenize() -> None:
    assert _mismatches(word_tokenize, "word_tokenize") == []


def test_sent_tokenize() -> None:
    assert _mismatches(sent_tokenize, "sent_tokenize") == []


def test_morphy() -> None:
    assert _mismatches(wordnet().morphy, "morphy") == []


def test_first_synset_lemma_names() -> None:
    assert _mismatches(wordnet().first_synset_lemma_names, "first_synset") == []


def test_classification_acc() -> None:
    mismatches = [(gt, pred, want) for (gt, pred), want in GOLDEN["classification"]
                  if classification_acc(gt, pred) is not want]
    assert mismatches == []


@pytest.mark.parametrize(("text", "tokens"), [
    pytest.param("", [], id="empty"),
    pytest.param("Mr. Smith's cat isn't here. It's 3.5 km away!",
                 ["Mr.", "Smith", "'s", "cat", "is", "n't", "here", ".", "It", "'s", "3.5", "km", "away", "!"],
                 id="abbreviation-clitics-decimal"),
    pytest.param("It's a cat—definitely.", ["It", "'s", "a", "cat—definitely", "."], id="em-dash-kept-as-in-3.8.1"),
    pytest.param("I cannot go, gonna stay.", ["I", "can", "not", "go", ",", "gon", "na", "stay", "."],
                 id="macintyre-contractions"),
    pytest.param('He said "hi."', ["He", "said", "``", "hi", ".", "''"], id="double-quotes"),
])
def test_word_tokenize_examples(text: str, tokens: list[str]) -> None:
    assert word_tokenize(text) == tokens
