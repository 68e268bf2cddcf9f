"""Regenerate the embedded LAMM sample shipped in ``lamm_data/sample_data/`` (deterministic).

    python tools/make_sample.py            # rewrites lamm_data/sample_data/

The sample has the release's layout (``GROUP/meta_file/*.json`` + media folders), every benchmark
file, one instruction file per instruct group, small synthetic but real image files (PNG/JPEG of
varied pixel sizes, drawn so the ground truth is visible in them) and ``.npy`` point clouds, plus
``answers/baseline.jsonl``: a hand-written baseline with right, wrong and unparseable answers in the
styles the original models produced. Ground-truth conventions follow ../shared/docs/lamm-formats.md.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from lamm_data.schemas import CHOICE_LETTERS, JOINT_NAMES

OUT = Path(__file__).resolve().parents[1] / "lamm_data" / "sample_data"
COLORS = {"dog": (150, 90, 40), "person": (220, 180, 150), "cat": (90, 90, 90), "car": (200, 30, 30),
          "horse": (120, 70, 30), "bird": (40, 120, 200), "chair": (160, 120, 60), "table": (110, 80, 50)}
DET_QUERY = ("Identify all the objects in the image and provide their positions. Your answer needs to give the "
             "object name and the bounding box of the object. The bounding box should be represented as "
             "[x1, y1, x2, y2] with floating numbers ranging from 0 to 1. These values correspond to the top "
             "left x, top left y, bottom right x, and bottom right y. ")
KPT_QUERY = ("Tell me the exact location of the {} key point for human body in the image. Please express the "
             "location as [x, y]. Both x and y are ratios between 0 and 1, indicating the position relative to "
             "the entire image.")
LOC_QUERY = ("Please locate the {} in the image. The position should be represented as [x, y], indicating the "
             "coordinates of the object in a normalized range of 0-1.")
DET3D_QUERY = ("Identify all the objects in the point cloud and provide their positions. Your answer needs to give "
               "the object name and the bounding box of the object. The bounding box should be represented as "
               "[x1, y1, z1, length, width, height] with floating numbers in unit of meters.")

Answer = Callable[[str, object, object], None]
"""Records one baseline answer: ``(benchmark, item id, text)``."""


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _canvas(size: tuple[int, int], seed: int) -> Image.Image:
    rng = _rng(seed)
    base = rng.integers(60, 200, size=3)
    w, h = size
    grad = np.linspace(0, 1, h)[:, None, None] * 40
    pixels = np.clip(base[None, None, :] + grad + rng.normal(0, 6, (h, w, 3)), 0, 255).astype(np.uint8)
    return Image.fromarray(pixels, "RGB")


def _save(img: Image.Image, path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".png":
        img.save(path, optimize=True)
    else:
        img.save(path, quality=70, optimize=True)
    return f"{path.parent.name}/{path.name}"


def _write_meta(group: str, name: str, items: list[dict]) -> None:
    path = OUT / group / "meta_file" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(items, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _boxes_image(folder: Path, stem: str, size: tuple[int, int], objects: list[tuple[str, list[float]]],
                 seed: int, ext: str = ".jpg") -> str:
    img = _canvas(size, seed)
    draw = ImageDraw.Draw(img)
    w, h = size
    for label, (x1, y1, x2, y2) in objects:
        draw.rectangle([x1 * w, y1 * h, x2 * w, y2 * h], fill=COLORS.get(label, (0, 160, 0)), outline=(0, 0, 0))
        draw.text((x1 * w + 2, y1 * h + 2), label, fill=(255, 255, 255))
    return _save(img, folder / f"{stem}{ext}")


# --------------------------------------------------------------------------------------- 2D benchmark
def _caption(g: Path, answer: Answer) -> None:
    """Caption_flickr30k."""
    caps = [
        ("1000092795", (200, 150), ["Two young men are standing in a yard.", "Two men stand outside near a fence.",
                                     "Two friends are outside in the garden.", "A pair of young men pose in a yard.",
                                     "Two guys standing in a green yard."],
         "Two young men are standing in a green yard."),
        ("1000268201", (160, 200), ["A child in a pink dress is climbing stairs.", "A little girl climbs the steps.",
                                     "A girl going into a wooden building.", "A small girl on the stairs.",
                                     "A child climbing up a set of stairs."],
         'The caption is "A little girl in pink climbs the stairs."'),
        ("1000344755", (240, 160), ["A man sits on a ladder cleaning windows.", "A man is on a ladder.",
                                     "Someone cleans the windows of a house.", "A worker on a ladder by a window.",
                                     "A man washing a window from a ladder."],
         "A dog runs on the beach."),
    ]
    items = []
    for i, (iid, size, sents, pred) in enumerate(caps):
        img = _canvas(size, 100 + i)
        items.append({"id": iid, "image": _save(img, g / "flickr30k_images" / f"{iid}.jpg"),
                      "query": "What is the caption of this image?", "sentences": sents})
        answer("Caption_flickr30k", iid, pred)
    _write_meta("2D_Benchmark", "Caption_flickr30k", items)


def _classification(g: Path, answer: Answer) -> None:
    """Classification_CIFAR10 (32x32 PNG, int ids)."""
    labels = ["airplane", "dog", "ship", "frog"]
    preds = ["The category label for this image is airplane.", "This is a puppy.", "It looks like a boat.",
             "The image shows a cat."]
    items = []
    for i, (label, pred) in enumerate(zip(labels, preds, strict=True)):
        img = _canvas((32, 32), 200 + i)
        ImageDraw.Draw(img).ellipse([8, 8, 24, 24], fill=(30 * i, 120, 200 - 30 * i))
        items.append({"id": i, "image": _save(img, g / "cifar10_images" / f"{i}.png"),
                      "query": "What is the category label for this image? ", "label": label})
        answer("Classification_CIFAR10", str(i), pred)
    _write_meta("2D_Benchmark", "Classification_CIFAR10", items)


def _fsc147(g: Path, answer: Answer) -> None:
    """Counting_FSC147 + Locating_FSC147 (points in pixels)."""
    fsc = [("2", "apples", (256, 192), 3, "There are 3 apples in the image."),
           ("7", "birds", (224, 224), 5, "I can see four birds."),
           ("12", "sea shells", (300, 200), 7, "Many")]
    cnt_items, loc_items = [], []
    for i, (iid, cls, size, n, pred) in enumerate(fsc):
        rng = _rng(300 + i)
        w, h = size
        pts = [[float(round(x, 1)), float(round(y, 1))]
               for x, y in zip(rng.uniform(20, w - 20, n), rng.uniform(20, h - 20, n), strict=True)]
        img = _canvas(size, 300 + i)
        draw = ImageDraw.Draw(img)
        for x, y in pts:
            draw.ellipse([x - 6, y - 6, x + 6, y + 6], fill=(200, 40, 40))
        rel = _save(img, g / "fsc147_images" / f"{iid}.jpg")
        cnt_items.append({"id": iid, "image": rel, "query": f"How many {cls} are there in this image? Your answer "
                                                            "should be a numerical result.", "num": n, "points": pts})
        loc_items.append({"id": iid, "image": rel, "query": LOC_QUERY.format(cls), "points": pts})
        answer("Counting_FSC147", iid, pred)
        near = pts[0]
        loc = (f"The {cls} are at [{near[0] / w:.2f}, {near[1] / h:.2f}]." if i != 2
               else "I cannot find them.")
        answer("Locating_FSC147", iid, loc)
    _write_meta("2D_Benchmark", "Counting_FSC147", cnt_items)
    _write_meta("2D_Benchmark", "Locating_FSC147", loc_items)


def _voc2012(g: Path, answer: Answer) -> None:
    """Detection_VOC2012 + Locating_VOC2012 (normalised boxes)."""
    voc = [
        ("2008_000008", (250, 180), [("horse", [0.104, 0.218, 0.944, 0.928]), ("person", [0.314, 0.032, 0.568, 0.536])],
         "Upon close inspection of the image, it can be observed that there is an object positioned at "
         "[0.11, 0.22, 0.93, 0.92] that belongs to the horse category. There is an object at the "
         "[0.32, 0.05, 0.56, 0.52] position of the image, and its category is person.",
         "The horse is located at [0.5, 0.6]. The person is at [0.45, 0.2]."),
        ("2008_000015", (180, 240), [("bird", [0.20, 0.30, 0.60, 0.70])],
         "There is a bird at [0.62, 0.71, 0.21, 0.29].",
         "[0.9, 0.9]"),
        ("2008_000019", (200, 200), [("dog", [0.05, 0.40, 0.45, 0.95]), ("chair", [0.55, 0.10, 0.95, 0.60])],
         "An object classified as dog is at (0.06, 0.41, 0.44, 0.93). I also see a table.",
         "The dog is located at [0.25, 0.7] and the chair at [0.8, 0.3]."),
    ]
    det_items, loc_items = [], []
    for i, (iid, size, objects, det_pred, loc_pred) in enumerate(voc):
        rel = _boxes_image(g / "voc2012_images", iid, size, objects, 400 + i)
        objs = [{"label": label, "bbox": box} for label, box in objects]
        det_items.append({"id": iid, "image": rel, "query": DET_QUERY, "object": objs})
        loc_items.append({"id": iid, "image": rel, "query": LOC_QUERY.format(objects[0][0]), "object": objs})
        answer("Detection_VOC2012", iid, det_pred)
        answer("Locating_VOC2012", iid, loc_pred)
    _write_meta("2D_Benchmark", "Detection_VOC2012", det_items)
    _write_meta("2D_Benchmark", "Locating_VOC2012", loc_items)


def _celeba(g: Path, answer: Answer) -> None:
    """CelebA (178x218 like the aligned CelebA crops)."""
    hair = [("000001", "black", "The person has black hair."), ("000002", "blond", "Her hair is yellow."),
            ("000003", "brown", "The hair color is brown.")]
    smile = [("000001", "1", "Yes, the person is smiling."), ("000002", "-1", "Yes."),
             ("000003", "-1", "No, the person is not smiling.")]
    hair_items, smile_items = [], []
    for i, ((iid, colour, hpred), (_, attr, spred)) in enumerate(zip(hair, smile, strict=True)):
        img = _canvas((178, 218), 500 + i)
        draw = ImageDraw.Draw(img)
        draw.ellipse([49, 50, 129, 160], fill=(230, 190, 160))
        draw.chord([44, 30, 134, 110], 180, 360, fill={"black": (20, 20, 20), "blond": (230, 200, 90),
                                                        "brown": (110, 70, 30)}[colour])
        draw.arc([69, 110, 109, 140], 0, 180, fill=(120, 20, 20), width=3 if attr == "1" else 1)
        rel = _save(img, g / "celeba_images" / f"{iid}.jpg")
        hair_items.append({"id": iid, "image": rel, "query": "What is the hair color of the person in this image?",
                           "attr": colour})
        smile_items.append({"id": iid, "image": rel, "query": "Is the person in this image smiling?", "attr": attr})
        answer("Facial_Classification_CelebA(Hair)", iid, hpred)
        answer("Facial_Classification_CelebA(Smile)", iid, spred)
    _write_meta("2D_Benchmark", "Facial_Classification_CelebA(Hair)", hair_items)
    _write_meta("2D_Benchmark", "Facial_Classification_CelebA(Smile)", smile_items)


def _ucmerced(g: Path, answer: Answer) -> None:
    """Fine-grained_Classification_UCMerced (256x256)."""
    ucm = [("beach00", "beach", "This is an aerial image of a beach."),
           ("tenniscourt03", "tenniscourt", "The image shows a tennis court."),
           ("harbor12", "harbor", "harbor")]
    items = []
    for i, (iid, label, pred) in enumerate(ucm):
        rel = _save(_canvas((256, 256), 600 + i), g / "ucmerced_images" / f"{iid}.jpg")
        items.append({"id": iid, "image": rel, "query": "What is the fine-grained category label for this image? ",
                      "label": label})
        answer("Fine-grained_Classification_UCMerced", iid, pred)
    _write_meta("2D_Benchmark", "Fine-grained_Classification_UCMerced", items)


def _lsp(g: Path, answer: Answer) -> None:
    """Keypoints_Detection_LSP + Locating_LSP (joints in pixels, [x, y, visible])."""
    lsp = [("im0001", (150, 220)), ("im0002", (120, 160)), ("im0003", (200, 260))]
    template = [(0.40, 0.95), (0.42, 0.75), (0.44, 0.55), (0.56, 0.55), (0.58, 0.75), (0.60, 0.95), (0.25, 0.50),
                (0.30, 0.38), (0.38, 0.25), (0.62, 0.25), (0.70, 0.38), (0.75, 0.50), (0.50, 0.20), (0.50, 0.06)]
    kp_items, loc_items = [], []
    for i, (iid, (w, h)) in enumerate(lsp):
        rng = _rng(700 + i)
        joints = [[round(x * w + float(rng.normal(0, 2)), 2), round(y * h + float(rng.normal(0, 2)), 2),
                   1.0 if k != 6 or i != 1 else 0.0] for k, (x, y) in enumerate(template)]
        img = _canvas((w, h), 700 + i)
        draw = ImageDraw.Draw(img)
        for x, y, _ in joints:
            draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=(250, 250, 0))
        rel = _save(img, g / "lsp_images" / f"{iid}.jpg")
        kp_items.append({"id": iid, "image": rel, "query": KPT_QUERY, "gt_joints": joints})
        loc_items.append({"id": iid, "image": rel, "query": KPT_QUERY.format("hip"), "gt_joints": joints})
        if i == 0:
            kp_text = {n: f"The {n} is located at [{x / w + 0.01:.2f}, {y / h - 0.01:.2f}]."
                       for n, (x, y, _) in zip(JOINT_NAMES, joints, strict=True)}
        elif i == 1:
            kp_text = {n: "[0.5, 0.5]" for n in JOINT_NAMES}
        else:
            kp_text = {n: f"[{x / w + 0.2:.2f}, {y / h:.2f}]" if k % 2 else "I am not sure."
                       for k, (n, (x, y, _)) in enumerate(zip(JOINT_NAMES, joints, strict=True))}
        answer("Keypoints_Detection_LSP", iid, kp_text)
        answer("Locating_LSP", iid, ["The hip is at [0.5, 0.55].", "[0.9, 0.05]", "[0.5, 0.5]"][i])
    _write_meta("2D_Benchmark", "Keypoints_Detection_LSP", kp_items)
    _write_meta("2D_Benchmark", "Locating_LSP", loc_items)


def _svt(g: Path, answer: Answer) -> None:
    """OCR_SVT."""
    svt = [("14_03", ["HOTEL", "OPEN"], 'The words are "HOTEL" and "OPEN".'),
           ("18_01", ["PIZZA"], "pizza express"),
           ("25_06", ["BANK", "OF", "AMERICA"], "I see the word bank.")]
    items = []
    for i, (iid, words, pred) in enumerate(svt):
        img = _canvas((320, 120), 800 + i)
        ImageDraw.Draw(img).text((20, 50), " ".join(words), fill=(255, 255, 255))
        rel = _save(img, g / "svt_images" / f"{iid}.jpg")
        items.append({"id": iid, "image": rel, "query": "Please recognize all the words or phrases in the entire "
                                                        "image. Your answer must be a list of words. ",
                      "word_list": words})
        answer("OCR_SVT", iid, pred)
    _write_meta("2D_Benchmark", "OCR_SVT", items)


def _choice_vqa(g: Path, answer: Answer) -> None:
    """VQA_AI2D and VQA_SQAimage (PNG)."""
    ai2d = [("4562", "Which stage comes after the larva?", ["egg", "pupa", "adult", "nymph"], 1,
             "The larva turns into a pupa. The answer is (B)."),
            ("4563", "What does the sun provide?", ["food", "water", "energy", "soil"], 2,
             "The sun provides energy."),
            ("4570", "Which is a producer?", ["grass", "snake", "hawk", "frog"], 0, "The answer is D.")]
    sqa = [("10", "Which of these states is farthest north?", ["West Virginia", "Louisiana", "Arizona", "Oklahoma"],
            0, "West Virginia is the farthest north.\n The answer is West Virginia"),
           ("22", "Which material is this spoon made of?", ["wood", "plastic"], 1, "ANSWER: A"),
           ("35", "What is the capital of Utah?", ["Salt Lake City", "Provo", "Denver", "Ogden", "Boise"], 0,
            "The answer is (A) Salt Lake City.")]
    for bench, folder, rows, seed in (("VQA_AI2D", "ai2d_images", ai2d, 900), ("VQA_SQAimage", "sqaimage_images",
                                                                                   sqa, 950)):
        items = []
        for i, (iid, question, choices, gt, pred) in enumerate(rows):
            img = _canvas((180 + 40 * i, 140), seed + i)
            rel = _save(img, g / folder / f"{iid}.png")
            options = " ".join(f"({CHOICE_LETTERS[k]}) {c}" for k, c in enumerate(choices))
            items.append({"id": iid, "image": rel, "query": f"{question} Context: N/A Options: {options}",
                          "gt_choice": gt, "gt_choices": choices})
            answer(bench, iid, pred)
        _write_meta("2D_Benchmark", bench, items)


def bench_2d(answers: list[dict]) -> None:
    """The 14 2D benchmark files, their images and baseline answers."""
    g = OUT / "2D_Benchmark"

    def answer(bench: str, item_id: object, text: object) -> None:
        answers.append({"id": item_id, "benchmark": bench, "text": text})

    for section in (_caption, _classification, _fsc147, _voc2012, _celeba, _ucmerced, _lsp, _svt, _choice_vqa):
        section(g, answer)


# --------------------------------------------------------------------------------------- 3D
def _cloud(path: Path, boxes: list[list[float]], n: int, cols: int, seed: int) -> str:
    rng = _rng(seed)
    parts = [np.column_stack([rng.uniform(0, 6, n // 2), rng.uniform(0, 5, n // 2), rng.uniform(0, 0.05, n // 2)])]
    per = (n - n // 2) // max(len(boxes), 1)
    for cx, cy, cz, lx, ly, lz in boxes:
        parts.append(rng.uniform([cx - lx / 2, cy - ly / 2, cz - lz / 2], [cx + lx / 2, cy + ly / 2, cz + lz / 2],
                                 (per, 3)))
    xyz = np.concatenate(parts)[:n]
    if len(xyz) < n:
        xyz = np.concatenate([xyz, rng.uniform(0, 3, (n - len(xyz), 3))])
    arr = xyz if cols == 3 else np.column_stack([xyz, rng.uniform(0, 255, (n, 3))])
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, arr.astype(np.float32))
    return f"{path.parent.name}/{path.name}"


def bench_3d(answers: list[dict]) -> None:
    g = OUT / "3D_Benchmark"
    scenes = {
        "scene0011_00": [("chair", [1.512, 2.306, 0.448, 0.602, 0.577, 0.905]),
                         ("table", [2.800, 1.900, 0.380, 1.400, 0.800, 0.760]),
                         ("door", [0.200, 4.100, 1.000, 0.100, 0.900, 2.000])],
        "scene0015_00": [("bed", [3.100, 2.200, 0.300, 2.000, 1.600, 0.600]),
                         ("desk", [1.000, 0.800, 0.400, 1.200, 0.600, 0.800])],
    }
    det_items, vg_items, qa_items = [], [], []
    for s, (scene, objects) in enumerate(scenes.items()):
        rel = _cloud(g / "scannet_pcls" / f"{scene}_vert.npy", [b for _, b in objects], 2048, 6, 1000 + s)
        pcl = f"./{rel}"
        det_items.append({"id": scene, "pcl": pcl, "query": DET3D_QUERY,
                          "object": [{"label": label, "bbox": box} for label, box in objects]})
        for k, (label, box) in enumerate(objects[:2]):
            vg_items.append({"id": f"{scene}_{k}", "pcl": pcl, "query": f"The {label} next to the wall. Locate the "
                                                                        "object described by the given caption. ",
                             "object": box})
    answers += [
        {"id": "scene0011_00", "benchmark": "Detection_ScanNet", "text":
         "An object within the chair category can be observed at the [1.500, 2.300, 0.450, 0.600, 0.580, 0.900] "
         "position in the point cloud. There is a table at [2.700, 1.950, 0.380, 1.300, 0.800, 0.700]."},
        {"id": "scene0015_00", "benchmark": "Detection_ScanNet", "text":
         "The bed is at [0.100, 0.200, 0.300, 0.500, 0.500, 0.500]."},
        {"id": "scene0011_00_0", "benchmark": "VG_ScanRefer", "text": "[1.520, 2.290, 0.450, 0.610, 0.570, 0.900]"},
        {"id": "scene0011_00_1", "benchmark": "VG_ScanRefer", "text":
         "The table is at [2.500, 1.900, 0.380, 1.400, 0.800, 0.760]."},
        {"id": "scene0015_00_0", "benchmark": "VG_ScanRefer", "text": "It is the bed near the window."},
        {"id": "scene0015_00_1", "benchmark": "VG_ScanRefer", "text": "[5.0, 5.0, 1.0, 0.5, 0.5, 0.5]"},
    ]
    qa = [("scene0011_00", "What is under the table?", ["a chair", "a bed", "a lamp", "a sofa", "a door", "a tv"], 0,
           "The answer is (A)."),
          ("scene0011_00", "What colour is the door?", ["white", "brown", "black"], 1, "The answer is F."),
          ("scene0015_00", "Where is the desk?", ["near the bed", "in the hall", "on the roof", "under the bed"], 0,
           "It is near the bed.")]
    for k, (scene, question, choices, gt, pred) in enumerate(qa):
        qid = f"{scene}_q{k}"
        options = " ".join(f"({CHOICE_LETTERS[j]}) {c}" for j, c in enumerate(choices))
        qa_items.append({"id": qid, "pcl": f"./scannet_pcls/{scene}_vert.npy",
                         "query": f"{question} Options: {options}", "gt_choice": gt, "gt_choices": choices})
        answers.append({"id": qid, "benchmark": "VQA_ScanQA_multiplechoice", "text": pred})
    _write_meta("3D_Benchmark", "Detection_ScanNet", det_items)
    _write_meta("3D_Benchmark", "VG_ScanRefer", vg_items)
    _write_meta("3D_Benchmark", "VQA_ScanQA_multiplechoice", qa_items)


# --------------------------------------------------------------------------------------- instruct
def instruct() -> None:
    g = OUT / "2D_Instruct"
    rows = [
        ("conversation", [("How is the kitchen in the image furnished?",
                           "The kitchen is furnished with white cabinets and a wooden table."),
                          ("Is there anyone in the kitchen?", "No, the kitchen is empty.")]),
        ("description", [("<image>\nDescribe the image in detail.",
                          "A small kitchen with white cabinets, a wooden table and two chairs near a window.")]),
        ("commomsenseqa", [("What is the animal in the image known for?",
                            "The dog is known for its loyalty and has been a companion of humans for millennia.")]),
        ("detection", [("Can you locate and identify all the objects in the image and describe their positions?",
                        "Upon close inspection of the image, it can be observed that there is an object positioned "
                        "at [0.12, 0.22, 0.68, 0.96] that belongs to the dog category.")]),
        ("classification", [("What is the category of the main object in the image?",
                             "The main object in the image belongs to the dog category.")]),
        ("counting", [("How many chairs are there in the image?", "There are 2 chairs visible in the image.")]),
        ("keypoint_detection", [("Where is the left wrist of the person?",
                                 "The left wrist of the person is located at [0.61, 0.47].")]),
        ("VQA", [("What is written on the sign?",
                  "The answer to this question can be found by observing the image closely, and it is OPEN.")]),
    ]
    items = []
    for i, (task, turns) in enumerate(rows):
        iid = f"{19028 + i:012d}"
        img = _boxes_image(g / "coco_images", iid, (160 + 24 * (i % 3), 120 + 20 * (i % 2)),
                           [("dog", [0.12, 0.22, 0.68, 0.96])] if i % 2 else [("chair", [0.5, 0.3, 0.9, 0.9])],
                           1100 + i)
        conv = [t for q, a in turns for t in ({"from": "human", "value": q}, {"from": "gpt", "value": a})]
        items.append({"id": iid, "image": img, "conversations": conv, "task_type": task, "src_image": "coco2017"})
    _write_meta("2D_Instruct", "LAMM_instruct_186k", items)

    g3 = OUT / "3D_Instruct"
    shapes = [("04256520_cb71cb7b36dbcb6f826fc8d57346a2e4", "sofa,couch,lounge"),
              ("03001627_1a6f615e8b1b5ae4dbbc9440457e303e", "chair")]
    items3 = []
    for i, (sid, cls) in enumerate(shapes):
        rel = _cloud(g3 / "shapenet_pcls" / f"{sid}_4096.npy", [[0, 0, 0.4, 1, 1, 0.8]], 1024, 6, 1200 + i)
        items3.append({"pcl": rel, "conversations": [
            {"from": "human", "value": "What scenario does this point cloud belong to according to the model's "
                                       "prediction?"},
            {"from": "gpt", "value": f"Through meticulous analysis, it becomes evident that the point cloud aligns "
                                     f"with the characteristics of {cls} scenario."}],
            "task_type": "classification3d", "src_dataset": "ShapeNet", "src_id": sid})
    scans = [("0a4b8ef6-a83a-21f2-8672-dce34dd0d7ca", "description3d",
              "Describe the scene in the point cloud.", "A bedroom with a bed, a desk and a wardrobe."),
             ("0cac7578-8d6f-2d13-8c2d-bfa7a04f8af3", "detection3d", "<pcl>\nFind the table in the point cloud.",
              "An object within the table category can be observed at the [0.070, 3.632, 0.624, 1.110, 1.976, "
              "1.083] position in the point cloud.")]
    for i, (uuid, task, q, a) in enumerate(scans):
        rel = _cloud(g3 / "3rscan_pcls" / f"{uuid}.npy", [[0.07, 3.632, 0.624, 1.11, 1.976, 1.083]], 1500, 3,
                     1300 + i)
        items3.append({"pcl": rel, "conversations": [{"from": "human", "value": q}, {"from": "gpt", "value": a}],
                       "task_type": task, "src_dataset": "3RScan", "src_id": uuid})
    _write_meta("3D_Instruct", "LAMM_3dinstruct_10k", items3)


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    answers: list[dict] = []
    bench_2d(answers)
    bench_3d(answers)
    instruct()
    out = OUT / "answers" / "baseline.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in answers), encoding="utf-8")
    (OUT / "SAMPLE.md").write_text(
        "# LAMM sample\n\nA few items of every LAMM benchmark file and one small instruction file per instruct "
        "group, in the release's layout, with small synthetic images and point clouds. Written by "
        "`lamm-data sample DIR`; regenerated by `tools/make_sample.py`. The instruction files reuse the release's "
        "file names but hold only a handful of items.\n\n`answers/baseline.jsonl` holds a hand-written baseline "
        "(right, wrong and unparseable answers) in the predictions format `lamm-bench score` reads.\n",
        encoding="utf-8")
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {OUT} ({total / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
