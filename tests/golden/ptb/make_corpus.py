"""Write tests/golden/ptb/corpus.txt: caption-like sentences for measuring PTB-tokenizer agreement.

Hand-written lines cover what captions and model answers contain (contractions, hyphens, quotes, numbers,
abbreviations, unicode, brackets, symbols, markdown); seeded template sentences add volume in the style of
Flickr30k references; seeded random strings of characters and fragments (the last 1,500 lines) probe the rarer
rules. One sentence per line; no line contains a character that Java's PTBTokenizer treats as a
line break (CR, VT, FF, NEL, U+2028, U+2029), since pycocoevalcap's wrapper would then misalign its output.

    python tests/golden/ptb/make_corpus.py
"""

from __future__ import annotations

import random
from pathlib import Path

HAND_WRITTEN = """\
Two young men are standing in a yard.
A child in a pink dress is climbing stairs.
The caption is "A little girl in pink climbs the stairs."
A man sits on a ladder cleaning windows.
A dog's tail is wagging; the dogs' owner isn't looking.
They're playing soccer, aren't they? I'm not sure we've seen it.
He'd say it's a well-dressed man in a t-shirt and a x-ray of a 3-year-old.
A black-and-white photo of a 1990s car at 10:30 a.m. on Jan. 5th.
Mr. Smith and Mrs. Jones visit Dr. Brown on St. Patrick's Day in the U.S.
The sign reads "STOP" and 'yield', with “curly” quotes and ‘single’ ones.
It costs $20, or 50% off -- a deal... Really?! Yes!!!
A woman (wearing a hat) stands near [a tree] and {a bench}.
A man with a sign that says "I <3 NY" & a flag @ the parade #1.
e.g. a dog, i.e. an animal, etc. vs. a cat.
The score was 3-2; 1,000 people watched 2.5 hours; 1/2 of them left at 9 p.m.
A café in Zürich serves crème brûlée; naïve façade; 東京 tower; niño.
A person rides a bike w/ a helmet and/or gloves 24/7.
**A dog** running on the beach - happy and free.
A girl says: "Don't touch!" and runs away.
Rock 'n' roll fans from the '90s, y'all, at 5 o'clock, ma'am.
The kids can't, won't, shouldn't and didn't go; they cannot go, gonna stay.
An old-fashioned, hand-made, state-of-the-art machine.
A group of people -- some sitting, some standing -- in a park.
A man—wearing a red hat—walks past a store – quickly.
Visit www.example.com or http://example.org/page?id=3 or email me@example.com.
The temperature is -5 degrees, +3 tomorrow, 98.6°F, 5 × 3 = 15.
Two dogs … playing . . . together.
THE MAN IS RUNNING FAST!
a dog
A DOG
Double  spaces  between   words.
A baby's first birthday party at 3 p.m., with a cake (chocolate).
A U.S. Army soldier and a U.K. citizen talk about the E.U. today.
A soldier from the U.S. The crowd cheers.
It was fig. 3 in the book, no. 5 on the list, p. 10 of the report, ca. 1900.
The company Inc. and Co. Ltd. and Corp. signed.
An emoji 😀 smile and a heart ❤ symbol.
Prices: £5, €10, ¥100, ¢50.
A fraction ½ and ¼ and 2 1/2 cups.
Call 555-1234 or (555) 555-1234 now.
A man's hat, the men's room, the children's toys, James' book.
I'll, you'll, we'll, they'll; I've, you've; I'd, you'd; she's, he's.
A 5th-grade student, a 2nd place trophy, the 21st century, 100m race.
A dog.A cat.
What is this? It is a dog!
A picture of a dog.
A man is holding a "Free Hugs" sign.
A man in a blue shirt and jeans is sitting on a bench reading a newspaper.
Several people are gathered around a table with food and drinks on it.
Three kids jump into a lake off of a wooden dock.
A snowboarder in mid-air over a snowy hill.
A young boy in a red jacket plays with a soccer ball on the grass.
A brown dog is running through the water at the beach.
An elderly woman with a cane crosses the street.
Two men in suits shake hands in front of a building.
A crowd watches fireworks light up the night sky.
A little girl in a purple coat holds her mother's hand.
A man in an orange vest is working on the road.
A woman is taking a picture with her camera.
Firemen spray water on a burning house.
A cyclist rides down a mountain trail.
A bride and groom kiss under an arch of flowers.
A band performs on stage in front of a large audience.
A dog catches a frisbee in mid-air.
Football players in red uniforms tackle an opponent.
The image shows two young men standing in a green yard next to a wooden fence.
In this image, we can see a man who is climbing a ladder to clean the windows of a house.
Caption: A girl climbing the stairs.
Answer: "A man on a ladder."
The picture depicts a dog (probably a golden retriever) running on the beach at sunset.
Sure! Here's a caption: "Two friends relaxing in the backyard."
1. A man on a ladder. 2. Cleaning windows.
- A girl in pink
- Climbing stairs
A man's shirt reads 'I love NY'.
She said ''hello'' and ``goodbye''.
A sign with the text -LRB- hello -RRB-.
A sign: 50% OFF!!!
The kid is 4 ft. 2 in. tall.
He works at AT&T and at&t.
Email: john.doe@mail.com.
File image.jpg and report.pdf were saved.
C++ and C# programmers.
A statue of a man, ca. 1850.
They met at 10:30pm and left at 11.
The ratio is 16:9, the score 2:1.
A hot-dog stand.
Is it a dog?Yes it is.
A hot dog...and a hamburger.
An 'artistic' photo.
A person's "thing".
A photo taken in the 1960's.
A man with a beard & mustache.
Ice-cream, ice cream and icecream.
A sign saying "No Parking" in front of a No. 10 bus.
The Eiffel Tower in Paris, France.
Mt. Everest and St. Louis and Ft. Worth.
Some people are in the U.S.A.
Dogs play. Cats sleep. Birds fly.
A snow-covered, tree-lined road.
A well-known 19th-century painting.
The 3D movie and the 4K TV.
A U-shaped table and a T-shirt.
A twenty-one-year-old woman.
A man wearing a hat & sunglasses, smiling :) at the camera ;-)
A girl with a <3 sign.
A boy holding a sign that reads "#1 fan".
The word "dog" in quotes and 'cat' in single quotes.
A man yells "Help!" loudly.
A tree, a rock; a river: a bridge.
Three men, two women, and a child.
A bird's-eye view of a city.
Canada-U.S trade is big, a.k.a something; caf&eacute; is nice; vs something; the non-U.S. team; U.S.-U.K. talks.
Ⅻ o'clock, x² y³, ① item, 𝐁old math, soft­hyphen, co. ltd and Pty. Ltd. and S&P-500 and S&Ls, cap'n jack.
ᏗᎧ letters, ÆØÅ æøå, ß, İstanbul, ΣΟΦΟΣ, Ǆ, ﬁne ligature, x​y, a﻿b, nb sp, 　ideographic.
A. I. The end. John Q. Public. It is 5 p.m. Then end of line Inc. Dr. e.g. go!!! 5'11" rock'n'roll.
'90s 'em y'all Li'l don't DON'T CAN'T won’t it’s isn’t.
A smiley :-) and :( and ;) and :D and :P and ^_^ and (^_^) and -_- ok.
The last word is the letter I.
The next caption starts with a sentence starter, which changes the token above.
A caption that ends in an abbreviation, Inc.
Another one ends with a smiley :)
"""

SUBJECTS = ["A man", "A woman", "Two dogs", "A little girl", "A group of people", "The boy", "An old man",
            "Three children", "A brown dog", "A young woman", "Several men", "A person", "A cyclist", "The team",
            "A black-and-white dog", "A man's friend", "The kids' teacher", "Someone", "A 5-year-old boy"]
VERBS = ["is walking", "are playing", "runs", "sits", "is standing", "jumps", "is climbing", "rides", "holds",
         "is looking at", "plays with", "isn't touching", "can't reach", "is wearing", "carries", "throws",
         "catches", "stares at", "smiles at", "is eating"]
OBJECTS = ["a red ball", "the water", "a snowy hill", "a wooden bench", "a t-shirt", "the ocean", "a frisbee",
           "a bike", "a sign that says \"Welcome\"", "the U.S. flag", "a hot-dog", "some ice-cream", "a 10-foot wall",
           "the street", "a camera", "the 1st place trophy", "a mother's hand", "a dog (a poodle)", "a cup of coffee",
           "3.5 pounds of apples", "1,000 balloons", "the crowd", "a café", "a blue-green kite", "Mt. Hood"]
PLACES = ["in the park", "on the beach", "at night", "near a fence", "in front of a building", "on a busy street",
          "under a tree", "in the snow", "at 5 p.m.", "with friends", "by the lake", "during the festival",
          "outside", "in a yard", "on stage", "at the mall", "inside a house", "next to a car", ""]
ENDINGS = [".", ".", ".", "!", "?", "", "...", " .", ". ", "!!", "?!", '."', ".'", ");", ":"]


def generated(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        parts = [rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(PLACES)]
        text = " ".join(p for p in parts if p)
        if rng.random() < 0.15:
            text = text.lower()
        if rng.random() < 0.05:
            text = text.upper()
        if rng.random() < 0.2:
            text = f"{text}, {rng.choice(['and', 'while', 'as'])} {rng.choice(SUBJECTS).lower()} {rng.choice(VERBS)}"
        if rng.random() < 0.1:
            text = rng.choice(['"', "“", "'", "("]) + text + rng.choice(['"', "”", "'", ")"])
        lines.append(text + rng.choice(ENDINGS))
    return lines


_PIECES = (list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") * 3
           + list(" " * 25 + ".,;:!?'\"()[]{}<>-–—…“”‘’«»`*&$%#@/\\+=_~^|€£½°×é東")
           + ["Mr. ", "e.g. ", "U.S. ", "n't ", "'s ", "--", "...", "p.m. ", "Jan. ", "'ll ", "cannot ", "gonna ",
              "3.5 ", "1,000 ", "http://a.com/x ", "www.b.org ", "a@b.com ", "The ", "It ", " I. ", "no. 5 ",
              "(555) 123-4567 ", "2 1/2 ", ":) ", "&amp; ", "<b> ", "etc. ", "Inc. "])


def adversarial(n: int, seed: int) -> list[str]:
    """Random strings of characters and fragments that exercise the rarer token rules."""
    rng = random.Random(seed)
    return ["".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 60))) for _ in range(n)]


def main() -> None:
    captions = [*HAND_WRITTEN.splitlines(), " A man with leading and trailing spaces.  ", "Tabs\tbetween\twords.",
                *generated(2000, seed=7)]
    lines = captions + adversarial(1500, seed=8)
    for line in lines:
        if any(c in line for c in "\r\n\x0b\x0c\x85\u2028\u2029"):
            raise ValueError(f"line break character in {line!r}")
    out = Path(__file__).with_name("corpus.txt")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {out}: lines 1-{len(captions)} caption-like, {len(captions) + 1}-{len(lines)} adversarial")


if __name__ == "__main__":
    main()
