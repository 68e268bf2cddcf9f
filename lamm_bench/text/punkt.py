"""English Punkt sentence splitting, as ``nltk.sent_tokenize`` did in NLTK 3.8.1 (the version LAMM ran in 2023).

Punkt (Kiss & Strunk, 2006) decides whether a ``.``, ``?`` or ``!`` ends a sentence from four tables learned on
a corpus (abbreviations, collocations, frequent sentence starters, orthographic contexts of each word type).
The tables are NLTK's pre-trained English model, shipped in ``lamm_bench/data/punkt_english.json``. This module
re-implements only the inference side of NLTK 3.8.1's ``PunktSentenceTokenizer.tokenize`` (default
``PunktLanguageVars``, ``realign_boundaries=True``) with the standard-library ``re``, so that its output does
not depend on the installed NLTK (newer NLTK releases changed the boundary-realignment and non-word-character
rules for curly quotes). Equality with NLTK 3.8.1 is checked by ``tests/lamm_bench/text/test_text_reference_nltk.py``.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from lamm_bench.text.resources import punkt_english

# Orthographic-context flags, as stored in the model (upper/lower case at sentence start, middle, unknown).
_BEG_UC, _MID_UC, _UNK_UC, _BEG_LC, _MID_LC, _UNK_LC = (1 << 1, 1 << 2, 1 << 3, 1 << 4, 1 << 5, 1 << 6)
_UC = _BEG_UC | _MID_UC | _UNK_UC
_LC = _BEG_LC | _MID_LC | _UNK_LC

_SENT_END_CHARS = (".", "?", "!")
_PUNCTUATION = tuple(";:,.!?")
_NON_WORD = r"(?:[)\";}\]\*:@\'\({\[\?!])"
_MULTI_CHAR = r"(?:\-{2,}|\.{2,}|(?:\.\s){2,}\.)"
_WORD_START = r"[^\(\"\`{\[:;&\#\*@\)}\]\-,]"
_WORD_RE = re.compile(
    rf"({_MULTI_CHAR}|(?={_WORD_START})\S+?(?=\s|$|{_NON_WORD}|{_MULTI_CHAR}|,(?=$|\s|{_NON_WORD}|{_MULTI_CHAR}))|\S)"
)
_PERIOD_CONTEXT_RE = re.compile(rf"[\.\?!](?=(?P<after_tok>{_NON_WORD}|\s+(?P<next_tok>\S+)))")
_REALIGN_RE = re.compile(r'["\')\]}]+?(?:\s+|(?=--)|$)', re.MULTILINE)
_ELLIPSIS_RE = re.compile(r"\.\.+$")
_NUMERIC_RE = re.compile(r"^-?[\.,]?\d[\d,\.-]*\.?$")
_INITIAL_RE = re.compile(r"[^\W\d]\.$")
_NON_PUNCT_RE = re.compile(r"[^\W\d]")
_ASCII_WHITESPACE = " \t\n\r\x0b\x0c"  # Python's string.whitespace, which NLTK uses to find the previous word


@dataclass(eq=False)
class _Token:
    """A word token with the annotations Punkt's two passes add."""

    tok: str
    sentbreak: bool = False
    abbr: bool = False
    ellipsis: bool = False

    def __post_init__(self) -> None:
        self.type = _NUMERIC_RE.sub("##number##", self.tok.lower())
        self.period_final = self.tok.endswith(".")

    @property
    def type_no_period(self) -> str:
        return self.type[:-1] if len(self.type) > 1 and self.type[-1] == "." else self.type

    @property
    def type_no_sentperiod(self) -> str:
        return self.type_no_period if self.sentbreak else self.type


class PunktSentenceSplitter:
    """Splits text into sentences with fixed Punkt parameters (no training)."""

    def __init__(self, abbrev_types: frozenset[str], collocations: frozenset[tuple[str, str]],
                 sent_starters: frozenset[str], ortho_context: dict[str, int]) -> None:
        self.abbrev_types = abbrev_types
        self.collocations = collocations
        self.sent_starters = sent_starters
        self.ortho_context = ortho_context

    def split(self, text: str) -> list[str]:
        """The sentences of ``text`` (substrings, leading/trailing whitespace between sentences dropped)."""
        return [text[s.start:s.stop] for s in self._realign(text, self._slices(text))]

    # -- candidate boundaries -------------------------------------------------------------------------------
    def _end_contexts(self, text: str) -> Iterator[tuple[re.Match[str], str]]:
        """Each candidate end character with the text from the word before it to the token after it.

        A candidate whose preceding word overlaps the previous candidate's (``"acting!!!"``) replaces it.
        """
        prev_slice, prev_match = slice(0, 0), None
        for match in _PERIOD_CONTEXT_RE.finditer(text):
            before = text[prev_slice.stop:match.start()]
            last_space = _last_ascii_space(before)
            start = last_space + prev_slice.stop + 1 if last_space else prev_slice.start
            word_slice = slice(start, match.start())
            if prev_match is not None and prev_slice.stop <= word_slice.start:
                yield prev_match, text[prev_slice] + prev_match.group() + prev_match.group("after_tok")
            prev_match, prev_slice = match, word_slice
        if prev_match is not None:
            yield prev_match, text[prev_slice] + prev_match.group() + prev_match.group("after_tok")

    def _slices(self, text: str) -> Iterator[slice]:
        last_break = 0
        for match, context in self._end_contexts(text):
            if self._contains_break(context):
                yield slice(last_break, match.end())
                last_break = match.start("next_tok") if match.group("next_tok") else match.end()
        yield slice(last_break, len(text.rstrip()))

    @staticmethod
    def _realign(text: str, slices: Iterator[slice]) -> Iterator[slice]:
        """Moves closing quotes/brackets that follow a sentence end into that sentence."""
        pending = list(slices)
        realign = 0
        for i, current in enumerate(pending):
            current = slice(current.start + realign, current.stop)
            following = pending[i + 1] if i + 1 < len(pending) else None
            if following is None:
                if text[current]:
                    yield current
                continue
            m = _REALIGN_RE.match(text[following])
            if m:
                yield slice(current.start, following.start + len(m.group(0).rstrip()))
                realign = m.end()
            else:
                realign = 0
                if text[current]:
                    yield current

    # -- token annotation ----------------------------------------------------------------------------------
    def _contains_break(self, context: str) -> bool:
        """True when some token of ``context`` other than the last is a sentence break."""
        tokens = [_Token(tok) for line in context.split("\n") if line.strip() for tok in _WORD_RE.findall(line)]
        for tok in tokens:
            self._first_pass(tok)
        for first, second in itertools.pairwise(tokens):
            self._second_pass(first, second)
            if first.sentbreak:
                return True
        return False

    def _first_pass(self, tok: _Token) -> None:
        text = tok.tok
        if text in _SENT_END_CHARS:
            tok.sentbreak = True
        elif _ELLIPSIS_RE.match(text):
            tok.ellipsis = True
        elif tok.period_final and not text.endswith(".."):
            stem = text[:-1].lower()
            if stem in self.abbrev_types or stem.split("-")[-1] in self.abbrev_types:
                tok.abbr = True
            else:
                tok.sentbreak = True

    def _second_pass(self, tok: _Token, nxt: _Token) -> None:
        if not tok.period_final:
            return
        typ, next_typ = tok.type_no_period, nxt.type_no_sentperiod
        is_initial = bool(_INITIAL_RE.match(tok.tok))
        if (typ, next_typ) in self.collocations:
            tok.sentbreak, tok.abbr = False, True
            return
        if (tok.abbr or tok.ellipsis) and not is_initial:
            starter = self._ortho_heuristic(nxt)
            if starter is True or (nxt.tok[0].isupper() and next_typ in self.sent_starters):
                tok.sentbreak = True
                return
        if is_initial or typ == "##number##":
            starter = self._ortho_heuristic(nxt)
            if starter is False:
                tok.sentbreak, tok.abbr = False, True
            elif (starter == "unknown" and is_initial and nxt.tok[0].isupper()
                  and not self.ortho_context.get(next_typ, 0) & _LC):
                tok.sentbreak, tok.abbr = False, True

    def _ortho_heuristic(self, tok: _Token) -> bool | str:
        """Whether ``tok`` starts a sentence judging by its case: True, False or ``"unknown"``."""
        if tok.tok in _PUNCTUATION:
            return False
        context = self.ortho_context.get(tok.type_no_sentperiod, 0)
        if tok.tok[0].isupper() and context & _LC and not context & _MID_UC:
            return True
        if tok.tok[0].islower() and (context & _UC or not context & _BEG_LC):
            return False
        return "unknown"


def _last_ascii_space(text: str) -> int:
    """Index of the last ASCII whitespace character of ``text``, or 0 when there is none."""
    for i in range(len(text) - 1, -1, -1):
        if text[i] in _ASCII_WHITESPACE:
            return i
    return 0


@functools.cache
def english_splitter() -> PunktSentenceSplitter:
    """The splitter with NLTK's pre-trained English parameters (loaded on first call, then cached)."""
    model = punkt_english()
    return PunktSentenceSplitter(
        abbrev_types=frozenset(model["abbrev_types"]),
        collocations=frozenset((a, b) for a, b in model["collocations"]),
        sent_starters=frozenset(model["sent_starters"]),
        ortho_context=dict(model["ortho_context"]),
    )


def sent_tokenize(text: str) -> list[str]:
    """Split ``text`` into sentences exactly as NLTK 3.8.1's ``nltk.sent_tokenize(text)`` (English)."""
    return english_splitter().split(text)
