"""The two WordNet 3.0 look-ups LAMM's evaluators make, without NLTK data: ``morphy`` and first-synset lemma names.

Behaviour is that of NLTK 3.8.1's ``WordNetCorpusReader`` (``nltk.corpus.wordnet``) on WordNet 3.0:

* ``morphy(form)`` tries the parts of speech noun, verb, adjective, adverb in that order and returns the first
  base form found: a form listed in the exception file of that part of speech maps to the listed bases (the form
  itself first); otherwise the form itself and the forms made by one suffix substitution are tried; if none is a
  WordNet lemma, the substitutions are applied again and again to the substituted forms (NLTK 3.8.1's step 3,
  which NLTK removed in 2024) until a lemma is found or no rule applies.
* ``synsets(word)[0].lemma_names()`` lower-cases ``word``, takes the first part of speech for which ``_morphy``
  finds a lemma and returns the lemma names (original case, adjective markers such as ``(p)`` removed) of the
  first synset listed for that lemma.

The data (lemmas, exception lists and first-synset lemma names per part of speech) come from
``lamm_bench/data/wordnet30.json.xz``, built by ``tools/build_wordnet_data.py`` from the WordNet 3.0 dict files.
Equality with NLTK is checked by ``tests/lamm_bench/text/test_text_reference_nltk.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from lamm_bench.text.resources import wordnet30

POS_ORDER = ("n", "v", "a", "r")
"""Parts of speech in the order NLTK tries them when none is given: noun, verb, adjective, adverb."""

_SUBSTITUTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "n": (("s", ""), ("ses", "s"), ("ves", "f"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"),
          ("men", "man"), ("ies", "y")),
    "v": (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")),
    "a": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "r": (),
}


class WordNet:
    """Lemma index, exception lists and first-synset lemma names of one WordNet, per part of speech."""

    def __init__(self, index: dict[str, dict[str, int]], synsets: dict[str, list[list[str]]],
                 exceptions: dict[str, dict[str, list[str]]]) -> None:
        self._index = index
        self._synsets = synsets
        self._exceptions = exceptions
        self._morphy_memo: dict[str, str | None] = {}

    @classmethod
    def from_document(cls, document: dict) -> WordNet:
        """Build from the document written by ``tools/build_wordnet_data.py``."""
        parts = document["pos"]
        return cls(index={pos: parts[pos]["index"] for pos in POS_ORDER},
                   synsets={pos: parts[pos]["synsets"] for pos in POS_ORDER},
                   exceptions={pos: parts[pos]["exceptions"] for pos in POS_ORDER})

    def lemmas_for(self, form: str, pos: str) -> list[str]:
        """The WordNet lemmas ``form`` may be an inflection of, for one part of speech (NLTK 3.8.1 ``_morphy``)."""
        index = self._index[pos]
        exceptions = self._exceptions[pos]
        if form in exceptions:
            return _known([form, *exceptions[form]], index)
        forms = self._substitute([form], pos)
        found = _known([form, *forms], index)
        while not found and forms:
            forms = self._substitute(forms, pos)
            found = _known(forms, index)
        return found

    def morphy(self, form: str, pos: str | None = None) -> str | None:
        """The first base form of ``form`` (NLTK ``wordnet.morphy``); None when WordNet has none.

        Answers reuse a small vocabulary, so results without ``pos`` are memoised (a pure function of ``form``).
        """
        if pos is None:
            try:
                return self._morphy_memo[form]
            except KeyError:
                pass
        for p in (pos,) if pos else POS_ORDER:
            found = self.lemmas_for(form, p)
            if found:
                base = found[0]
                break
        else:
            base = None
        if pos is None:
            self._morphy_memo[form] = base
        return base

    def first_synset_lemma_names(self, word: str) -> list[str] | None:
        """``wordnet.synsets(word)[0].lemma_names()``, or None when ``word`` has no synset."""
        lemma = word.lower()
        for pos in POS_ORDER:
            found = self.lemmas_for(lemma, pos)
            if found:
                return list(self._synsets[pos][self._index[pos][found[0]]])
        return None

    @staticmethod
    def _substitute(forms: Iterable[str], pos: str) -> list[str]:
        rules = _SUBSTITUTIONS[pos]
        # NLTK keeps repeats here; dropping them keeps the order of first occurrences, hence the same answer.
        return list(dict.fromkeys(form[: -len(old)] + new for form in forms for old, new in rules
                                  if form.endswith(old)))


def _known(forms: Iterable[str], index: dict[str, int]) -> list[str]:
    """The forms that are lemmas of ``index``, first occurrence order, without repeats."""
    seen: dict[str, None] = {}
    for form in forms:
        if form in index:
            seen.setdefault(form)
    return list(seen)


@functools.cache
def wordnet() -> WordNet:
    """WordNet 3.0 (loaded from the packaged extract on first call, then cached)."""
    return WordNet.from_document(wordnet30())
