"""Deterministic inputs for the text tests: benchmark labels, tricky sentences, seeded random texts and words."""

from __future__ import annotations

import random

CIFAR10 = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
VOC = ["aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow", "diningtable", "dog",
       "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor"]
SCANNET = ["cabinet", "bed", "chair", "sofa", "table", "door", "window", "bookshelf", "picture", "counter", "desk",
           "curtain", "refrigerator", "shower curtain", "showercurtrain", "toilet", "sink", "bathtub", "garbagebin",
           "otherfurniture"]
UCMERCED = ["agricultural", "airplane", "baseballdiamond", "beach", "buildings", "chaparral", "denseresidential",
            "forest", "freeway", "golfcourse", "harbor", "intersection", "mediumresidential", "mobilehomepark",
            "overpass", "parkinglot", "river", "runway", "sparseresidential", "storagetanks", "tenniscourt"]
COLOURS = ["black", "blond", "blonde", "brown", "gray", "grey", "red", "white", "bald", "auburn", "blue", "green",
           "yellow", "orange", "purple", "pink", "silver", "golden", "dark", "light", "Black_Hair", "Blond Hair"]
LABELS = sorted(set(CIFAR10 + VOC + SCANNET + UCMERCED + COLOURS))

TRICKY_TEXTS = [
    "Mr. Smith's cat isn't here. It's 3.5 km away!",
    "The image shows a dog. It is brown.",
    "I think it's an airplane (a Boeing 747), not a bird.",
    'He said, "This is a truck." Then he left.',
    "“Curly quotes” and ‘single ones’ are common in model output.",
    "e.g. this starts with an abbreviation. i.e. so does this one.",
    "The U.S. Army owns the truck. Dr. Jones drove it at 5 p.m. yesterday.",
    "Prices rose 3.5% to $12.50 on Jan. 3rd, 2023... Analysts were surprised!!! Why?",
    "It's a cat—definitely a cat – not a dog.",
    "I can't tell; it could be a horse, or a deer: hard to say...",
    "Answer: automobile.\nThe object is a car.\n\nIt is red.",
    "The answer is (A) frog.",
    "'Tis the season. Gimme a break, I'm gonna wanna see the ship.",
    "The objects are [0.1, 0.2, 0.3, 0.4] and {cat, dog} <ok>.",
    "A photo of two men and three women walking their dogs on a beach.",
    "no.", "", "   ", ".", "...", "?!", "--", "''", '"', "``", "a", "A.", "Dogs", "DOGS!", "cat's", "cats'",
    "The bird (a parrot) flew away.) Next sentence (starts here.",
    "It was 6 ft. 2 in. tall. Mrs. Brown agreed.",
    "The ship's hull—painted white—was visible from afar; the harbor was busy.",
    "There is a tvmonitor and a pottedplant and a diningtable in the room.",
    "The aeroplane is flying. The motorbike is parked. The sofa is comfy.",
    "Black hair. Blond hair? Brown-haired person; gray-haired man.",
    "This person has BLACK hair, not blond.",
    "Classification result: \"horse\".",
    "The cat sat on the mat.The dog didn't.",
    "Tabs\tand\nnewlines\r\nand  double  spaces.",
    "Ünïcödé wörds like café, naïve, façade and 東京 appear.",
    "Numbers: 1,000,000; 3.14; -2; +7; 1/2; 50%; #1; @user; a&b; x*y.",
    "He said 'hello' and 'goodbye'.",
    "Don't, won't, shouldn't, y'all, o'clock, rock 'n' roll.",
    "WANNA GO? CANNOT! GOTTA run.",
    "St. Louis is in Mo. The U.K. and the U.S.A. too.",
    "It's a dog.. or a wolf.",
    "(Hello.) (World.)",
    '"Quoted sentence." Another one.',
    "The 2nd. item is here. The 3rd. is not.",
    "J. R. R. Tolkien wrote it. A. Smith did not.",
    "“This is a cat.” Then it left.", "‘Yes.’ No.", "«Oui.» Non.", "He said “stop!” and ran.",
    '"Is it a dog?" she asked. "Yes."', "(It is a ship.) The end.", "[A bird.] {A frog.} Done.",
    "It was a long day—the longest. Really–truly.", "A dog's 'tail'. The cats' toys.",
]

# (label, answer, LAMM's verdict under NLTK 3.8.1 + WordNet 3.0): the quirks docs/text-metrics.md describes.
QUIRK_PAIRS = [
    ("diningtable", "a diningtable", False),  # no synset and morphy() gives None for the token
    ("tvmonitor", "tvmonitor", False),
    ("shower curtain", "a shower curtain", False),  # multi-word label: no synset, never a single token
    ("Black_Hair", "black hair", False),
    ("aeroplane", "an airplane", True),  # first synset airplane.n.01 = {airplane, aeroplane, plane}
    ("person", "two people", False),  # morphy("people") is "people"
    ("dog", "domestic dog", True),
    ("gray", "grey hair", True),
    ("blond", "blonde", True),
    ("horse", "HORSES!", True),
    ("cat", "cat()", True),
    ("deer", "deer--", True),
    ("dog", "It is a puppy? No, these are two dogs.", True),
    ("automobile", "a red car", True),
    ("cat", "a kitten", False),
]

_ALPHABET = (list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") * 3
             + list(" " * 20 + ".,;:!?'\"()[]{}<>-–—…“”‘’«»`*&$%#@/\\\n\t") + ["Mr. ", "e.g. ", "U.S. ", "n't ",
             "'s ", "--", "...", "p.m. ", "Jan. ", "'ll ", "cannot ", "gonna ", "3.5 ", "1,000 "])


def random_texts(n: int, seed: int) -> list[str]:
    """``n`` random texts mixing letters, punctuation, quotes, abbreviations and whitespace."""
    rng = random.Random(seed)
    return ["".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 80))) for _ in range(n)]


def random_sentences(n: int, seed: int, vocabulary: list[str]) -> list[str]:
    """``n`` caption-like sentences built from ``vocabulary`` with punctuation and casing noise."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words = [rng.choice(vocabulary) for _ in range(rng.randint(1, 14))]
        words = [w.capitalize() if rng.random() < 0.1 else w for w in words]
        text = " ".join(words)
        text = text[:1].upper() + text[1:] + rng.choice([".", ".", "!", "?", "", "...", '."', ". It is."])
        out.append(text)
    return out


_SUFFIXES = ["s", "es", "ies", "ed", "ing", "er", "est", "men", "ses", "ves", "ss", "ings", "eded"]


def inflected_words(lemmas: list[str], n: int, seed: int) -> list[str]:
    """A seeded sample of ``lemmas`` plus inflected and nonsense variants of it (``n`` lemmas sampled)."""
    rng = random.Random(seed)
    sample = rng.sample(lemmas, min(n, len(lemmas)))
    words = []
    for lemma in sample:
        words.append(lemma)
        words.append(lemma + rng.choice(_SUFFIXES))
        if len(lemma) > 3:
            words.append(lemma[:-1] + rng.choice(_SUFFIXES))
    return words
