"""Whatever the text, the text functions return (never raise) and keep their output contracts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lamm_bench.text.caption import caption_metrics
from lamm_bench.text.ptb import ptb_tokenize
from lamm_bench.text.punkt import sent_tokenize
from lamm_bench.text.synonyms import classification_acc, entity_words
from lamm_bench.text.tokenize import word_tokenize
from lamm_bench.text.wordnet import wordnet

# Any code point, lone surrogates included (they reach us from JSON such as "\ud83d").
ANY_TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()),
                   max_size=200)
FRAGMENTS = st.lists(st.sampled_from(
    ["Mr.", "e.g.", "U.S.", "n't", "'s", "--", "...", "“", "”", "'", '"', "(", ")", "[", "]", "{", "}", "<b>", "\n",
     "\r", "\t", " ", "dog", "Dogs", "3.5", "1,000", "½", "😀", "東京", "café", "cannot", "gonna", ":)", "&amp;",
     "http://a.b/c", "a@b.com", "#tag", "@user", "-", "—", "–", ".", "!", "?", ",", ";", ":", "\u2028", "\x00",
     "\ufeff", "\u00ad", "I.", "The", "ssss", "eses", "inging"]), max_size=40).map("".join)
TEXT = st.one_of(ANY_TEXT, FRAGMENTS)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_word_and_sentence_tokenizers_never_raise(text: str) -> None:
    tokens = word_tokenize(text)
    assert all(isinstance(t, str) and t for t in tokens)
    assert all(isinstance(s, str) for s in sent_tokenize(text))


@settings(max_examples=400, deadline=None)
@given(TEXT, st.sampled_from(["dog", "airplane", "diningtable", "shower curtain", "Black_Hair", "", "café", "x"]))
def test_classification_acc_never_raises(text: str, label: str) -> None:
    assert classification_acc(label, text) in (True, False)
    assert classification_acc(text, label) in (True, False)  # any text as the label, too
    assert all(w is None or isinstance(w, str) for w in entity_words(text))


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_wordnet_lookups_never_raise(text: str) -> None:
    net = wordnet()
    assert net.morphy(text) is None or isinstance(net.morphy(text), str)
    names = net.first_synset_lemma_names(text)
    assert names is None or all(isinstance(n, str) for n in names)


@settings(max_examples=400, deadline=None)
@given(st.lists(TEXT, max_size=5))
def test_ptb_tokenize_never_raises_and_keeps_one_line_per_caption(texts: list[str]) -> None:
    out = ptb_tokenize(texts)
    assert len(out) == len(texts)
    assert all("\n" not in line and line == line.strip(" ") for line in out)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.lists(TEXT, min_size=1, max_size=3), TEXT), min_size=1, max_size=4))
def test_caption_metrics_never_raise_on_any_text(items: list[tuple[list[str], str]]) -> None:
    refs = {f"i{n}": r for n, (r, _) in enumerate(items)}
    preds = {f"i{n}": p for n, (_, p) in enumerate(items)}
    scores = caption_metrics(refs, preds)
    assert all(value >= 0.0 for value in scores.values())
