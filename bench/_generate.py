"""Generate full-size LAMM instruction files in the real on-disk format for the bench scripts.

The items follow ../shared/docs/lamm-formats.md §3 (2D: ``id``, ``image``, ``conversations``,
``task_type``, ``src_image``): one JSON array, written in one go like the released files.
Text is drawn from a fixed vocabulary with a seeded RNG so every run writes the same bytes.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

_WORDS = (
    "the a an of in on with and is are there image picture kitchen table dog cat person man woman "
    "white black red small large wooden bright sitting standing near behind front left right top "
    "bottom cabinets appliances window street car bus tree grass sky water boat bird horse sheep "
    "cow elephant bear zebra giraffe umbrella bag tie suitcase frisbee skis snowboard ball kite bat "
    "glove skateboard surfboard racket bottle glass cup fork knife spoon bowl banana apple sandwich "
    "orange broccoli carrot pizza donut cake chair couch plant bed toilet tv laptop mouse remote "
    "keyboard phone microwave oven toaster sink refrigerator book clock vase scissors teddy"
).split()
_TASKS = ("conversation", "description", "commomsenseqa", "detection", "classification", "counting", "VQA")


def _sentence(rng: random.Random, n_words: int) -> str:
    words = [rng.choice(_WORDS) for _ in range(n_words)]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random, n_sentences: int) -> str:
    return " ".join(_sentence(rng, rng.randint(6, 18)) for _ in range(n_sentences))


def instruct_2d_item(rng: random.Random, index: int) -> dict:
    """One 2D instruction item shaped like ``LAMM_instruct_186k.json`` (sizes ~1.7 kB on average)."""
    task = _TASKS[index % len(_TASKS)]
    image_id = f"{rng.randrange(10**12):012d}"
    n_rounds = rng.randint(2, 5) if task in ("conversation", "commomsenseqa") else 1
    turns = []
    for r in range(n_rounds):
        question = _sentence(rng, rng.randint(6, 14))[:-1] + "?"
        if r == 0 and index % 2 == 0:
            question = "<image>\n" + question
        turns.append({"from": "human", "value": question})
        n_sentences = rng.randint(7, 22) if n_rounds == 1 else rng.randint(3, 8)
        turns.append({"from": "gpt", "value": _paragraph(rng, n_sentences)})
    return {
        "id": image_id,
        "image": f"coco_images/{image_id}.jpg",
        "conversations": turns,
        "task_type": task,
        "src_image": "coco2017",
    }


def write_instruct_2d(path: Path, n_items: int = 186_098, seed: int = 0) -> Path:
    """Write a 2D instruction meta file with ``n_items`` items (the 186k file is ~300 MB)."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("[")
        for i in range(n_items):
            if i:
                f.write(", ")
            json.dump(instruct_2d_item(rng, i), f, ensure_ascii=False)
        f.write("]")
    return path
