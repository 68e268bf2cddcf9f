"""The Treebank rules' skip-when-absent fast path gives exactly what applying every rule gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lamm_bench.text import tokenize as tb
from lamm_bench.text.wordnet import wordnet


def _every_rule(sentence: str) -> list[str]:
    """NLTK 3.8.1's order with no rule skipped (the definition the fast path must equal)."""
    text = sentence
    for pattern, replacement, _ in (*tb._STARTING_QUOTES, *tb._PUNCTUATION, tb._PARENS_BRACKETS,
                                    tb._DOUBLE_DASHES):
        text = pattern.sub(replacement, text)
    text = " " + text + " "
    for pattern, replacement, _ in tb._ENDING_QUOTES:
        text = pattern.sub(replacement, text)
    for pattern in tb._CONTRACTIONS:
        text = pattern.sub(r" \1 \2 ", text)
    return text.split()


_ALPHABET = st.sampled_from(list("aAnNtTdDsSmMiIlLeEgGwWcCoOvVrRyY 0129.,:;!?'\"`«“‘„»”’()[]{}<>-*@#$%&\tıİſK"))
_WORDS = st.sampled_from(["cannot", "CanNot", "gımme", "gimme", "gonna", "GOTTA", "lemme", "wanna ", "d'ye",
                          "more'n", " 'tis", " 'twas", "isn't", "I'LL", "''", "``", "...", "--", "e.g.", "Mr."])


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.one_of(_ALPHABET, _WORDS), max_size=40).map("".join))
def test_fast_path_equals_every_rule(sentence: str) -> None:
    assert tb.treebank_tokenize(sentence) == _every_rule(sentence)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_fast_path_equals_every_rule_on_any_text(sentence: str) -> None:
    assert tb.treebank_tokenize(sentence) == _every_rule(sentence)


def test_morphy_memo_returns_what_the_lookup_returns() -> None:
    net = wordnet()
    words = ["dogs", "geese", "running", "better", "axes", "xyzzy", "boxes", "dogs", "geese"]
    first = [net.morphy(w) for w in words]
    again = [net.morphy(w) for w in words]
    fresh = [next((found[0] for p in ("n", "v", "a", "r") if (found := net.lemmas_for(w, p))), None)
             for w in words]
    assert first == again == fresh
    assert first[:3] == ["dog", "goose", "running"]
