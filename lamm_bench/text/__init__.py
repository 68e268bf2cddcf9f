"""Text processing for the LAMM metrics, with reference parity and no run-time downloads.

* ``synonyms.classification_acc`` – LAMM's WordNet synonym match (NLTK 3.8.1 + WordNet 3.0 behaviour).
* ``tokenize.word_tokenize`` / ``punkt.sent_tokenize`` – NLTK 3.8.1's English tokenizers.
* ``wordnet.wordnet()`` – WordNet 3.0 ``morphy`` and first-synset lemma names.
* ``ptb.ptb_tokenize`` – the PTB tokenization pycocoevalcap applies before caption metrics, without Java.
* ``caption`` – CIDEr-D, BLEU-1..4 and ROUGE-L equal to pycocoevalcap's.

Submodules are imported on demand; data files load on first use (see docs/text-metrics.md).
"""
