"""LAMM's WordNet synonym match (``classification_acc``), reproduced exactly.

Original (OpenGVLab/LAMM ``src/datasets/utils.py``, used by ``common_eval_2d.py`` for CIFAR10, CelebA(Hair) and
the class check of VOC2012 detection), run with NLTK 3.8.1, WordNet 3.0 and NLTK's 179-word English stop list:

1. the prediction is lower-cased and split with ``nltk.word_tokenize``;
2. tokens that are a substring of ``string.punctuation`` are dropped (a substring test on the 32-character
   string, so ``"("``, ``"()"`` and ``"<=>"`` go, while ``"--"``, ``"``"`` and ``"..."`` stay), then stop words;
3. every remaining token is replaced by ``wordnet.morphy(token)`` (``None`` when WordNet has no base form);
4. the synonyms are the lemma names of the first WordNet synset of the ground-truth label (``[label]`` when it
   has none); the prediction is correct when one synonym equals one of the tokens.

Consequences kept on purpose: multi-word lemmas (``domestic_dog``) never match, a token WordNet does not know
never matches, and a label without a synset (``diningtable``) matches only a token that morphy maps to itself.
"""

from __future__ import annotations

import string

from lamm_bench.text.resources import english_stopwords
from lamm_bench.text.tokenize import word_tokenize
from lamm_bench.text.wordnet import wordnet


def entity_words(text: str) -> list[str | None]:
    """The base forms LAMM compares with a label: steps 1–3 above (``parse_entity`` in LAMM)."""
    stops = english_stopwords()
    net = wordnet()
    words = [w for w in word_tokenize(text.lower()) if w not in string.punctuation and w not in stops]
    return [net.morphy(w) for w in words]


def warm_up() -> None:
    """Load the stop words, WordNet and Punkt tables now (e.g. before forking workers that share them)."""
    from lamm_bench.text.punkt import sent_tokenize

    english_stopwords()
    wordnet()
    sent_tokenize("Warm up. Done.")


def label_synonyms(label: str) -> list[str]:
    """Lemma names of the first WordNet synset of ``label``, or ``[label]`` when it has no synset."""
    names = wordnet().first_synset_lemma_names(label)
    return names if names is not None else [label]


def classification_acc(gt: str, pred: str) -> bool:
    """True when LAMM's synonym match accepts prediction ``pred`` for ground-truth label ``gt``.

    >>> classification_acc("dog", "It is a puppy? No, these are two dogs.")
    True
    >>> classification_acc("automobile", "a red car")
    True
    >>> classification_acc("cat", "a kitten")
    False
    """
    words = entity_words(pred)
    return any(synonym in words for synonym in label_synonyms(gt))
