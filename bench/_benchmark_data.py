"""Generate every LAMM benchmark at the real scale, with model-like answers, for ``bench/score.py``.

Ground truth follows ../shared/docs/lamm-formats.md §4-§5 (one JSON array per file, the release's keys and
coordinate conventions); sizes add up to the paper's 62,439 2D and 12,788 3D samples (the per-file split
is not published; the one used is listed in :data:`SIZES`). LSP and FSC147 need image sizes, so small but
real PNG files are written for them (one per image, headers only matter). Answers mix right, wrong and
unparseable ones in the styles LAMM's models produced. Everything is drawn from a seeded ``random.Random``.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from PIL import Image

SIZES = {
    "Caption_flickr30k": 1000, "Classification_CIFAR10": 10_000, "Counting_FSC147": 1190,
    "Detection_VOC2012": 5823, "Facial_Classification_CelebA(Hair)": 7997,
    "Facial_Classification_CelebA(Smile)": 19_962, "Fine-grained_Classification_UCMerced": 2100,
    "Keypoints_Detection_LSP": 1000, "Locating_FSC147": 1190, "Locating_LSP": 1000, "Locating_VOC2012": 5823,
    "OCR_SVT": 249, "VQA_AI2D": 3088, "VQA_SQAimage": 2017,
    "Detection_ScanNet": 312, "VG_ScanRefer": 9508, "VQA_ScanQA_multiplechoice": 2968,
}
"""Items per benchmark: 62,439 2D and 12,788 3D (the paper's totals)."""

VOC = ("aeroplane bicycle bird boat bottle bus car cat chair cow diningtable dog horse motorbike person "
       "pottedplant sheep sofa train tvmonitor").split()
CIFAR = "airplane automobile bird cat deer dog frog horse ship truck".split()
UCM = ("agricultural airplane baseballdiamond beach buildings chaparral denseresidential forest freeway golfcourse "
       "harbor intersection mediumresidential mobilehomepark overpass parkinglot river runway sparseresidential "
       "storagetanks tenniscourt").split()
HAIR = "black blond brown gray".split()
SCANNET = ("cabinet bed chair sofa table door window bookshelf picture counter desk curtain refrigerator "
           "showercurtrain toilet sink bathtub garbagebin").split()
JOINTS = ("right ankle", "right knee", "right hip", "left hip", "left knee", "left ankle", "right wrist",
          "right elbow", "right shoulder", "left shoulder", "left elbow", "left wrist", "neck", "head top")
WORDS = ("a man woman dog cat is are sitting standing on in the with near red blue white small large street "
         "grass beach table wooden young two people playing ball holding looking water tree car").split()
DET_TEMPLATES = ("Upon close inspection of the image, it can be observed that there is an object positioned at {b} "
                 "that belongs to the {c} category.", "There is an object at the {b} position of the image, and "
                 "its category is {c}.", "An object classified as {c} is at {b}.")


def _r(rng: random.Random, digits: int = 2, lo: float = 0.0, hi: float = 1.0) -> float:
    return round(rng.uniform(lo, hi), digits)


def _box2d(rng: random.Random) -> list[float]:
    x1, x2 = sorted((_r(rng, 3), _r(rng, 3)))
    y1, y2 = sorted((_r(rng, 3), _r(rng, 3)))
    return [x1, y1, x2, y2]


def _box3d(rng: random.Random) -> list[float]:
    return [_r(rng, 3, -3, 3), _r(rng, 3, -3, 3), _r(rng, 3, 0, 2), _r(rng, 3, 0.2, 2), _r(rng, 3, 0.2, 2),
            _r(rng, 3, 0.2, 2)]


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def _jitter(rng: random.Random, box: list[float], amount: float, digits: int) -> str:
    return "[" + ", ".join(f"{v + rng.uniform(-amount, amount):.{digits}f}" for v in box) + "]"


def _png(path: Path, size: tuple[int, int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("L", size, 128).save(path)


QUERIES = {
    "Detection": ("Identify all the objects in the image and provide their positions. Your answer needs to give the "
                  "object name and the bounding box of the object. The bounding box should be represented as [x1, y1, "
                  "x2, y2] with floating numbers ranging from 0 to 1. These values correspond to the top left x, top "
                  "left y, bottom right x, and bottom right y. "),
    "Keypoints": ("Tell me the exact location of the {} key point for human body in the image. Please express the "
                  "location as [x, y]. Both x and y are ratios between 0 and 1, indicating the position relative to "
                  "the entire image."),
    "Locating": ("Please locate the object in the image. The position should be represented as [x, y], indicating the "
                 "coordinates of the object in a normalized range of 0-1."),
    "VQA": "Which of these states is farthest north? Context: N/A Options: (A) West Virginia (B) Louisiana (C) Arizona",
}
"""Query texts as lamm-formats.md §4-§6 describes them (they only matter for the files' size)."""


def _query(name: str) -> str:
    return QUERIES.get(name.split("_")[0], "What is the category label for this image? ")


def _items(name: str, n: int, rng: random.Random, images: Path) -> tuple[list[dict], list[object]]:
    """Ground-truth items and answers of one benchmark."""
    gt: list[dict] = []
    answers: list[object] = []
    for i in range(n):
        item_id = f"{name[:3].lower()}{i:06d}"
        base: dict = {"id": item_id, "query": _query(name)}
        roll = rng.random()
        if name == "Caption_flickr30k":
            refs = [_sentence(rng, rng.randint(7, 14)) for _ in range(5)]
            gt.append({**base, "image": f"flickr30k_images/{i}.jpg", "sentences": refs})
            answers.append(rng.choice(refs)[:-1] + " " + _sentence(rng, 6) if roll < 0.6 else _sentence(rng, 12))
        elif name in ("Classification_CIFAR10", "Fine-grained_Classification_UCMerced",
                      "Facial_Classification_CelebA(Hair)"):
            labels = {"Classification_CIFAR10": CIFAR, "Fine-grained_Classification_UCMerced": UCM}.get(name, HAIR)
            label = rng.choice(labels)
            key = "attr" if "Hair" in name else "label"
            gt.append({**base, "image": f"x_images/{i}.jpg", key: label})
            said = label if roll < 0.5 else rng.choice(labels)
            answers.append(f"The {'hair color' if key == 'attr' else 'category label'} of this image is {said}, "
                           f"as seen from the {rng.choice(WORDS)} {rng.choice(WORDS)}.")
        elif name == "Facial_Classification_CelebA(Smile)":
            gt.append({**base, "image": f"celeba_images/{i}.jpg", "attr": rng.choice(["1", "-1"])})
            answers.append(rng.choice(["Yes, the person is smiling.", "No, the person is not smiling.",
                                       "The person in the image has a neutral expression and is looking ahead."]))
        elif name == "Counting_FSC147":
            k = rng.randint(1, 80)
            gt.append({**base, "image": f"fsc147_images/{i}.jpg", "num": k,
                       "points": [[_r(rng, 1, 0, 300), _r(rng, 1, 0, 200)] for _ in range(k)]})
            answers.append(rng.choice([f"There are {k + rng.randint(-3, 3)} objects in this image.",
                                       "I can see seven of them.", "Many"]))
        elif name in ("Detection_VOC2012", "Locating_VOC2012"):
            objects = [{"label": rng.choice(VOC), "bbox": _box2d(rng)} for _ in range(rng.randint(1, 4))]
            gt.append({**base, "image": f"voc2012_images/{i}.jpg", "object": objects})
            if name == "Detection_VOC2012":
                answers.append(" ".join(rng.choice(DET_TEMPLATES).format(
                    b=_jitter(rng, o["bbox"], 0.05, 2), c=o["label"] if rng.random() < 0.7 else rng.choice(VOC))
                    for o in objects if rng.random() < 0.8) or "I see nothing.")
            else:
                o = objects[0]
                answers.append(f"The {o['label']} is located at [{(o['bbox'][0] + o['bbox'][2]) / 2:.2f}, "
                               f"{(o['bbox'][1] + o['bbox'][3]) / 2 + rng.uniform(-0.2, 0.2):.2f}].")
        elif name in ("Keypoints_Detection_LSP", "Locating_LSP"):
            size = (rng.randint(120, 400), rng.randint(150, 400))
            path = f"lsp_images/im{i:04d}.png"
            if not (images / path).exists():
                _png(images / path, size)
            w, h = size
            joints = [[_r(rng, 2, 0.2 * w, 0.8 * w), _r(rng, 2, 0.1 * h, 0.9 * h), 1.0] for _ in range(14)]
            gt.append({**base, "image": path, "gt_joints": joints})
            if name == "Keypoints_Detection_LSP":
                answers.append({joint: f"The {joint} is located at [{j[0] / w + rng.uniform(-0.1, 0.1):.2f}, "
                                       f"{j[1] / h + rng.uniform(-0.1, 0.1):.2f}]." if rng.random() < 0.8 else
                                "I am not sure." for joint, j in zip(JOINTS, joints, strict=True)})
            else:
                answers.append(f"The hip is at [{_r(rng)}, {_r(rng)}].")
        elif name == "Locating_FSC147":
            size = (rng.randint(200, 500), rng.randint(200, 500))
            path = f"fsc147_images/{i}.png"
            if not (images / path).exists():
                _png(images / path, size)
            points = [[_r(rng, 1, 0, size[0]), _r(rng, 1, 0, size[1])] for _ in range(rng.randint(1, 30))]
            gt.append({**base, "image": path, "points": points})
            answers.append(" ".join(f"[{p[0] / size[0] + rng.uniform(-0.1, 0.1):.2f}, {p[1] / size[1]:.2f}]"
                                    for p in points[: rng.randint(0, 5)]) or "I cannot find them.")
        elif name == "OCR_SVT":
            words = [rng.choice(["HOTEL", "OPEN", "BANK", "PIZZA", "CAFE", "STREET"]) for _ in range(rng.randint(1, 4))]
            gt.append({**base, "image": f"svt_images/{i}.jpg", "word_list": words})
            answers.append("The words are " + " and ".join(f'"{w}"' for w in words[: rng.randint(0, len(words))]))
        elif name in ("VQA_AI2D", "VQA_SQAimage", "VQA_ScanQA_multiplechoice"):
            n_opt = rng.randint(2, 6 if name.endswith("multiplechoice") else 5)
            choices = [f"{rng.choice(WORDS)} {rng.choice(WORDS)} {k}" for k in range(n_opt)]
            answer = rng.randrange(n_opt)
            media = ({"pcl": f"./scannet_pcls/scene{i // 10:04d}_00_vert.npy"} if name.endswith("multiplechoice")
                     else {"image": f"x_images/{i}.png"})
            gt.append({**base, **media, "gt_choice": answer, "gt_choices": choices})
            said = answer if roll < 0.5 else rng.randrange(n_opt)
            answers.append(rng.choice([f"{_sentence(rng, 12)}\n The answer is {choices[said]}",
                                       f"{_sentence(rng, 8)} The answer is ({'ABCDEF'[said]}).",
                                       _sentence(rng, 10)]))
        elif name == "Detection_ScanNet":
            objects = [{"label": rng.choice(SCANNET), "bbox": _box3d(rng)} for _ in range(rng.randint(10, 40))]
            gt.append({**base, "pcl": f"./scannet_pcls/scene{i:04d}_00_vert.npy", "object": objects})
            answers.append(" ".join(f"An object within the {o['label']} category can be observed at the "
                                    f"{_jitter(rng, o['bbox'], 0.2, 3)} position in the point cloud."
                                    for o in objects[: rng.randint(0, 15)]))
        elif name == "VG_ScanRefer":
            box = _box3d(rng)
            gt.append({**base, "pcl": f"./scannet_pcls/scene{i // 30:04d}_00_vert.npy", "object": box})
            answers.append(f"The object is at {_jitter(rng, box, 0.3, 3)}." if roll < 0.8 else "It is by the wall.")
    return gt, answers


def write_benchmarks(root: Path, seed: int = 0, sizes: dict[str, int] | None = None) -> Path:
    """Write every benchmark meta file under ``root`` and ``root/answers.jsonl``; returns the answers path."""
    rng = random.Random(seed)
    answers_path = root / "answers.jsonl"
    root.mkdir(parents=True, exist_ok=True)
    with open(answers_path, "w", encoding="utf-8") as out:
        for name, n in (sizes or SIZES).items():
            group = "3D_Benchmark" if name in ("Detection_ScanNet", "VG_ScanRefer", "VQA_ScanQA_multiplechoice") \
                else "2D_Benchmark"
            gt, answers = _items(name, n, rng, root / group)
            meta = root / group / "meta_file" / f"{name}.json"
            meta.parent.mkdir(parents=True, exist_ok=True)
            meta.write_text(json.dumps(gt, indent=4), encoding="utf-8")
            for item, text in zip(gt, answers, strict=True):
                out.write(json.dumps({"id": item["id"], "benchmark": name, "text": text}) + "\n")
    return answers_path
