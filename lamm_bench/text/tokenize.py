"""``word_tokenize``: NLTK 3.8.1's ``nltk.word_tokenize`` (English Punkt sentences, then the Treebank word rules).

LAMM's evaluators (2023) tokenised answers with ``nltk.word_tokenize``; the NLTK release of that time was 3.8.1.
Later releases changed the word rules (e.g. NLTK 3.9 splits en/em dashes and treats a leading ``'`` differently)
and route every regular expression through a timeout wrapper, so this module pins the 3.8.1 behaviour instead of
calling the installed NLTK: the rule table below is NLTK 3.8.1's ``NLTKWordTokenizer`` (an improved Penn Treebank
tokenizer after Robert MacIntyre's sed script; NLTK is Apache-2.0), applied in the same order with the same
standard-library ``re`` patterns. Equality with NLTK 3.8.1 is checked by
``tests/lamm_bench/text/test_text_reference_nltk.py``.
"""

from __future__ import annotations

import re

from lamm_bench.text.punkt import sent_tokenize

_Rule = tuple[re.Pattern[str], str, str]
"""(pattern, replacement, trigger): the pattern can only match text that holds one of the trigger characters,
so a rule whose trigger characters are all absent is skipped (same output, far fewer regex calls)."""

# Applied to the sentence, in this order (NLTK 3.8.1 NLTKWordTokenizer.tokenize).
_STARTING_QUOTES: tuple[_Rule, ...] = (
    (re.compile("([«“‘„]|[`]+)"), r" \1 ", "«“‘„`"),
    (re.compile(r"^\""), r"``", '"'),
    (re.compile(r"(``)"), r" \1 ", "`"),
    (re.compile(r"([ \(\[{<])(\"|\'{2})"), r"\1 `` ", "\"'"),
    (re.compile(r"(?i)(\')(?!re|ve|ll|m|t|s|d|n)(\w)\b"), r"\1 \2", "'"),
)
_PUNCTUATION: tuple[_Rule, ...] = (
    (re.compile(r'([^\.])(\.)([\]\)}>"\'' "»”’ " r"]*)\s*$"), r"\1 \2 \3 ", "."),
    (re.compile(r"([:,])([^\d])"), r" \1 \2", ":,"),
    (re.compile(r"([:,])$"), r" \1 ", ":,"),
    (re.compile(r"\.{2,}"), r" \g<0> ", "."),
    (re.compile(r"[;@#$%&]"), r" \g<0> ", ";@#$%&"),
    (re.compile(r'([^\.])(\.)([\]\)}>"\']*)\s*$'), r"\1 \2\3 ", "."),
    (re.compile(r"[?!]"), r" \g<0> ", "?!"),
    (re.compile(r"([^'])' "), r"\1 ' ", "'"),
    (re.compile(r"[*]"), r" \g<0> ", "*"),
)
_PARENS_BRACKETS: _Rule = (re.compile(r"[\]\[\(\)\{\}\<\>]"), r" \g<0> ", "[](){}<>")
_DOUBLE_DASHES: _Rule = (re.compile(r"--"), r" -- ", "-")
# Applied after padding the text with one space on each side.
_ENDING_QUOTES: tuple[_Rule, ...] = (
    (re.compile("([»”’])"), r" \1 ", "»”’"),
    (re.compile(r"''"), " '' ", "'"),
    (re.compile(r'"'), " '' ", '"'),
    (re.compile(r"([^' ])('[sS]|'[mM]|'[dD]|') "), r"\1 \2 ", "'"),
    (re.compile(r"([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) "), r"\1 \2 ", "'"),
)
_CONTRACTIONS: tuple[re.Pattern[str], ...] = tuple(re.compile(p) for p in (
    r"(?i)\b(can)(?#X)(not)\b",
    r"(?i)\b(d)(?#X)('ye)\b",
    r"(?i)\b(gim)(?#X)(me)\b",
    r"(?i)\b(gon)(?#X)(na)\b",
    r"(?i)\b(got)(?#X)(ta)\b",
    r"(?i)\b(lem)(?#X)(me)\b",
    r"(?i)\b(more)(?#X)('n)\b",
    r"(?i)\b(wan)(?#X)(na)(?=\s)",
    r"(?i) ('t)(?#X)(is)\b",
    r"(?i) ('t)(?#X)(was)\b",
))
_CONTRACTION_WORDS = re.compile(r"(?i)cannot|gimme|gonna|gotta|lemme|wanna")
"""With no ``'`` in the text, a contraction rule can only match one of these words (with the same case folding)."""


def _apply(text: str, rules: tuple[_Rule, ...]) -> str:
    for pattern, replacement, trigger in rules:
        if any(map(text.__contains__, trigger)):
            text = pattern.sub(replacement, text)
    return text


def treebank_tokenize(sentence: str) -> list[str]:
    """Split one sentence into Treebank-style tokens, as NLTK 3.8.1's ``NLTKWordTokenizer().tokenize``."""
    text = _apply(sentence, (*_STARTING_QUOTES, *_PUNCTUATION, _PARENS_BRACKETS, _DOUBLE_DASHES))
    text = _apply(" " + text + " ", _ENDING_QUOTES)
    if "'" in text or _CONTRACTION_WORDS.search(text):
        for pattern in _CONTRACTIONS:
            text = pattern.sub(r" \1 \2 ", text)
    return text.split()


def word_tokenize(text: str) -> list[str]:
    """Tokens of ``text`` exactly as NLTK 3.8.1's ``nltk.word_tokenize(text)`` (English, sentences split first).

    >>> word_tokenize("Mr. Smith's cat isn't here. It's 3.5 km away!")
    ['Mr.', 'Smith', "'s", 'cat', 'is', "n't", 'here', '.', 'It', "'s", '3.5', 'km', 'away', '!']
    """
    return [token for sentence in sent_tokenize(text) for token in treebank_tokenize(sentence)]
