"""Differential check of lamm_bench's LAMM protocol against the original LAMM evaluator code (dev only).

    python tools/crosscheck_lamm.py --repo PATH/TO/OpenGVLab-LAMM-git [--cases 3000] [--seed 0]

Reads the original sources straight from a git checkout of OpenGVLab/LAMM (``git show``; nothing of
theirs is stored in this project): ``src/datasets/utils.py``, ``src/common_eval_2d.py``,
``src/common_eval_3d.py`` and ``src/locating_eval.py`` at a2bb614, and ``src/locating_eval.py`` at
479db7d (FSC147 ``point_distance_eval``). Their modules are executed with stand-ins for what is not
available offline: NLTK's stop-word list and WordNet (``classification_acc`` and ``word_tokenize`` are
replaced, on both sides, by the same simple functions; the WordNet rule itself is checked by the
text package's own tests), ``tqdm`` and the dataset loaders.

Then, on randomly generated quirky answers and ground truth, it compares every parser, both IoU
functions and every evaluator's printed number with lamm_bench's, and prints a summary. Cases where
the original raises (e.g. ``int('²')``, a zero 3D union) are counted and skipped. Exit status 1 on
any mismatch.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import random
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from lamm_original import load_lamm_original

from lamm_bench.benchmarks import get_spec
from lamm_bench.ground_truth import GroundTruth
from lamm_bench.lamm_protocol.iou import iou_2d, iou_3d
from lamm_bench.parsing import lamm
from lamm_bench.scorers.base import ScoringContext


def simple_match(label: str, text: str) -> bool:
    """Stand-in for WordNet classification_acc, used identically on both sides."""
    return label.lower() in re.findall(r"[a-z]+", text.lower())


def simple_tokenize(text: str) -> list[str]:
    """Stand-in for nltk.word_tokenize, used identically on both sides."""
    return re.findall(r"\w+|[^\w\s]", text)


def load_original(repo: str):
    """The original modules, executed with the simple stand-ins on both sides."""
    return load_lamm_original(repo, label_match=simple_match, tokenize=simple_tokenize)


# ------------------------------------------------------------------------------------------ generators
WORDS = ["dog", "cat", "person", "horse", "chair", "table", "the", "answer", "is", "no", "not", "yes", "smiling",
         "three", "twenty", "twelve", "x1:", "nan", "inf", "1e3", "²", "٣", "HOTEL", "open", "bank", "A", "B"]


def rand_number(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.6:
        return f"{rng.uniform(-0.2, 1.2):.{rng.randint(0, 3)}f}"
    if kind < 0.8:
        return str(rng.randint(0, 30))
    return rng.choice(["nan", "inf", "-1", "1e-2", "1_0", "0.", ".5", "x", "", "\t1", "1\n"])


def rand_group(rng: random.Random) -> str:
    open_, close = rng.choice([("[", "]"), ("(", ")"), ("[", ")"), ("[", "")])
    sep = rng.choice([", ", ",", " ", " ,", ";"])
    return open_ + sep.join(rand_number(rng) for _ in range(rng.randint(0, 7))) + close


def rand_text(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(0, 8)):
        r = rng.random()
        if r < 0.4:
            parts.append(rand_group(rng))
        elif r < 0.5:
            parts.append(rng.choice(['"', "'", "The answer is (B).", "ANSWER: C", "(A)", "The answer is E "]))
        else:
            parts.append(rng.choice(WORDS))
    joiner = rng.choice([" ", "", ". ", "\n"])
    return joiner.join(parts)


def rand_box2d(rng: random.Random) -> list[float]:
    x1, x2 = sorted(rng.uniform(0, 1) for _ in range(2))
    y1, y2 = sorted(rng.uniform(0, 1) for _ in range(2))
    return [round(v, 3) for v in (x1, y1, x2, y2)]


def rand_box3d(rng: random.Random) -> list[float]:
    return [round(rng.uniform(-2, 2), 3) for _ in range(3)] + [round(rng.uniform(0, 2), 3) for _ in range(3)]


def box_text(rng: random.Random, boxes: list[list[float]], labels: list[str]) -> str:
    pieces = []
    for box, label in zip(boxes, labels, strict=True):
        jitter = [round(v + rng.uniform(-0.1, 0.1), 3) for v in box]
        if rng.random() < 0.2:
            jitter = jitter[2:4] + jitter[0:2] + jitter[4:]
        pieces.append(f"There is a {rng.choice([label, 'dog', 'cat'])} at [{', '.join(map(str, jitter))}].")
    if rng.random() < 0.3:
        pieces.append(rand_text(rng))
    return " ".join(pieces)


# ------------------------------------------------------------------------------------------ checks
class Tally:
    def __init__(self) -> None:
        self.counts: dict[str, list[int]] = {}

    def add(self, name: str, ok: bool | None, detail: str = "") -> None:
        row = self.counts.setdefault(name, [0, 0, 0])
        row[0 if ok else 1 if ok is False else 2] += 1
        if ok is False and row[1] <= 3:
            print(f"MISMATCH {name}: {detail}")


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def check_parsers(orig, rng: random.Random, cases: int, tally: Tally) -> None:
    u = orig["utils"]
    for _ in range(cases):
        text = rand_text(rng)
        tally.add("parse_num[]", same(u.parse_num([], "[", "]", text), lamm.bracket_numbers(text, "[", "]")), text)
        tally.add("parse_bbox", same(u.parse_bbox(text), lamm.boxes_2d(text)), text)
        tally.add("parse_bbox_3d", same(u.parse_bbox_3d(text), lamm.boxes_3d(text)), text)
        tally.add("parse_keypoints", same(u.parse_keypoints(text), lamm.points(text)), text)
        tally.add("parse_sentence", u.parse_sentence(text) == lamm.quoted(text), text)
        try:
            expected = u.ennum2numerical(text.lower())
        except ValueError:
            tally.add("ennum2numerical", None)
        else:
            tally.add("ennum2numerical", expected == lamm.count(text.lower()), text)


def check_iou(orig, rng: random.Random, cases: int, tally: Tally) -> None:
    u = orig["utils"]
    for _ in range(cases):
        gt, pred = rand_box2d(rng), [rng.uniform(-0.2, 1.2) for _ in range(4)]
        with np.errstate(all="ignore"):
            expected = float(u.cal_iou(gt, pred))
        tally.add("cal_iou", same(expected, float(iou_2d(gt, np.array([pred]))[0])), f"{gt} {pred}")
        gt3 = rand_box3d(rng)
        pred3 = [round(v + rng.uniform(-1, 1), 3) for v in gt3] if rng.random() < 0.7 else rand_box3d(rng)
        if rng.random() < 0.05:
            pred3[rng.randint(0, 5)] = rng.choice([float("nan"), float("inf")])
        try:
            expected3 = float(u.cal_iou_3d(gt3, pred3))
        except ZeroDivisionError:
            tally.add("cal_iou_3d", None)
            continue
        tally.add("cal_iou_3d", same(expected3, float(iou_3d(gt3, [pred3])[0])), f"{gt3} {pred3}")


def printed_numbers(fn, *args) -> list[float]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        result = fn(*args)
    if isinstance(result, tuple):
        return [float(v) for v in result]
    printed = re.sub(r"less than 10:|Acc over [\d.]+:", ":", buffer.getvalue().split("]")[-1])
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", printed)]


class Image:
    def __init__(self, size: tuple[int, int]) -> None:
        self.size = size


def gt_of(name: str, columns: dict, n: int, sizes=None) -> GroundTruth:
    return GroundTruth(name, tuple(str(i) for i in range(n)), None, columns, np.arange(n),
                       tuple(str(i) for i in range(n)), sizes)


CTX = ScoringContext(simple_match, simple_tokenize)


def lamm_value(name: str, columns: dict, texts: list, sizes=None) -> dict:
    gt = gt_of(name, columns, len(texts), sizes)
    return get_spec(name).scorer(gt, texts, CTX).lamm


def close(a: float | None, b: float) -> bool:
    return a is not None and abs(a - b) <= 1e-9 * max(1.0, abs(b))


def check_evaluators(orig, rng: random.Random, cases: int, tally: Tally) -> None:
    e2, e3, loc, loc1 = orig["eval2d"], orig["eval3d"], orig["locating"], orig["locating_v1"]
    labels = ["dog", "cat", "person", "horse"]
    for _ in range(max(1, cases // 20)):
        n = rng.randint(1, 12)
        # detection 2D and 3D
        objects = [[{"label": rng.choice(labels), "bbox": rand_box2d(rng)} for _ in range(rng.randint(1, 4))]
                   for _ in range(n)]
        texts = [box_text(rng, [o["bbox"] for o in objs], [o["label"] for o in objs]) for objs in objects]
        expected = printed_numbers(e2.detection_eval, [{"object": o} for o in objects], [{"text": t} for t in texts])
        tally.add("detection_eval", close(lamm_value("Detection_VOC2012", {"object": objects}, texts)["mAP@0.5"],
                                          expected[0] * 100), texts[0])
        objects3 = [[{"label": rng.choice(labels), "bbox": rand_box3d(rng)} for _ in range(rng.randint(1, 4))]
                    for _ in range(n)]
        texts3 = [box_text(rng, [o["bbox"] for o in objs], [o["label"] for o in objs]) for objs in objects3]
        try:
            expected = printed_numbers(e3.detection3d_eval, [{"object": o} for o in objects3],
                                       [{"text": t} for t in texts3])
            ok = close(lamm_value("Detection_ScanNet", {"object": objects3}, texts3)["mAP@0.5"], expected[0] * 100)
            tally.add("detection3d_eval", ok, texts3[0])
        except ZeroDivisionError:
            tally.add("detection3d_eval", None)
        boxes = [rand_box3d(rng) for _ in range(n)]
        gtexts = [box_text(rng, [b], ["x"]) if rng.random() < 0.8 else rand_text(rng) for b in boxes]
        try:
            ours = lamm_value("VG_ScanRefer", {"object": boxes}, gtexts)
            for t in (0.25, 0.5):
                expected = printed_numbers(e3.grounding3d_eval, [{"object": b} for b in boxes],
                                           [{"text": x} for x in gtexts], t)
                tally.add("grounding3d_eval", close(ours[f"Acc@{t}"], expected[0] * 100), gtexts[0])
        except ZeroDivisionError:
            tally.add("grounding3d_eval", None)
        # multiple choice
        for module, name, letters in ((e2, "VQA_AI2D", 5), (e3, "VQA_ScanQA_multiplechoice", 6)):
            choices = [[rng.choice(["red", "blue", "a cat", "cat", "West Virginia", "dog"]) + str(rng.randint(0, 2))
                        for _ in range(rng.randint(2, letters))] for _ in range(n)]
            answers = [rng.randrange(len(c)) for c in choices]
            vtexts = [rng.choice([rand_text(rng), f"The answer is {c[a]}", f"The answer is ({'ABCDEF'[a]}).",
                                  f"ANSWER: {rng.choice('ABCDEF')}", c[rng.randrange(len(c))]])
                      for c, a in zip(choices, answers, strict=True)]
            expected = printed_numbers(module.VQAvisionacc, [{"gt_choice": a, "gt_choices": c} for a, c in
                                                             zip(answers, choices, strict=True)],
                                       [{"text": t} for t in vtexts])
            ours = lamm_value(name, {"gt_choice": answers, "gt_choices": choices}, vtexts)["Acc"]
            tally.add(f"VQAvisionacc[{name}]", close(ours, expected[0] * 100), vtexts[0])
        # captions, OCR, counting, classification, smile
        refs = [[" ".join(rng.choice(WORDS[:8]) for _ in range(rng.randint(3, 8))) + "." for _ in range(5)]
                for _ in range(n)]
        ctexts = [rng.choice(r) + " " + rand_text(rng) if rng.random() < 0.5 else rand_text(rng) for r in refs]
        expected = printed_numbers(e2.BLEU4, [{"sentences": r} for r in refs], [{"text": t} for t in ctexts])
        tally.add("BLEU4", close(lamm_value("Caption_flickr30k", {"sentences": refs}, ctexts)["BLEU4"], expected[0]))
        words = [[rng.choice(WORDS) for _ in range(rng.randint(1, 4))] for _ in range(n)]
        otexts = [rand_text(rng) for _ in range(n)]
        expected = printed_numbers(e2.SVT_eval, [{"word_list": w} for w in words], [{"text": t} for t in otexts])
        tally.add("SVT_eval", close(lamm_value("OCR_SVT", {"word_list": words}, otexts)["Word Acc"], expected[0] * 100))
        nums = [rng.randint(0, 25) for _ in range(n)]
        ntexts = [rand_text(rng) for _ in range(n)]
        try:
            expected = printed_numbers(e2.FSC_eval, [{"num": k} for k in nums], [{"text": t} for t in ntexts])
        except (ValueError, ZeroDivisionError):
            tally.add("FSC_eval", None)
        else:
            ours = lamm_value("Counting_FSC147", {"num": nums}, ntexts)
            tally.add("FSC_eval", close(ours["MAE"], expected[0]) and close(ours["MAE(<10)"], expected[1]))
        lab = [rng.choice(labels) for _ in range(n)]
        ltexts = [rng.choice([f"It is a {rng.choice(labels)}.", rand_text(rng), "Dog"]) for _ in range(n)]
        for fn, name in ((e2.CIFAR10, "Classification_CIFAR10"), (e2.UCMerced_eval,
                                                                    "Fine-grained_Classification_UCMerced")):
            expected = printed_numbers(fn, [{"label": x} for x in lab], [{"text": t} for t in ltexts])
            tally.add(fn.__name__, close(lamm_value(name, {"label": lab}, ltexts)["Acc"], expected[0] * 100))
        expected = printed_numbers(e2.CelebA_hair_eval, [{"attr": x} for x in lab], [{"text": t} for t in ltexts])
        tally.add("CelebA_hair_eval", close(lamm_value("Facial_Classification_CelebA(Hair)", {"attr": lab},
                                                       ltexts)["Acc"], expected[0] * 100))
        attrs = [rng.choice(["1", "-1"]) for _ in range(n)]
        stexts = [rng.choice(["Yes.", "No, not smiling", "The person is smiling", "nothing", rand_text(rng)])
                  for _ in range(n)]
        expected = printed_numbers(e2.CelebA_smile_eval, [{"attr": x} for x in attrs], [{"text": t} for t in stexts])
        tally.add("CelebA_smile_eval", close(lamm_value("Facial_Classification_CelebA(Smile)", {"attr": attrs},
                                                        stexts)["Acc"], expected[0] * 100))
        # points: PCK (original always 0), locating VOC / LSP / FSC147
        sizes = [(rng.randint(50, 500), rng.randint(50, 500)) for _ in range(n)]
        joints = [[[rng.uniform(0, w), rng.uniform(0, h), 1.0] for _ in range(14)] for w, h in sizes]
        answers = [{f"j{k}": f"at [{j[0] / w + rng.uniform(-0.12, 0.12):.2f}, {j[1] / h:.2f}]"
                    for k, j in enumerate(js)} for js, (w, h) in zip(joints, sizes, strict=True)]
        expected = printed_numbers(e2.PCK, [{"gt_joints": j, "image": Image(s)} for j, s in
                                            zip(joints, sizes, strict=True)], [{"text": a} for a in answers])
        tally.add("PCK(original always 0)", expected[0] == 0.0)
        hits = 0.0
        for js, s, a in zip(joints, sizes, answers, strict=True):
            norm = np.array(js)[:, :2] / np.array(s)
            hits += sum(orig["utils"].correct_keypoints(orig["utils"].parse_keypoints(v), norm[k])
                        for k, v in enumerate(a.values())) / 14
        ours = lamm_value("Keypoints_Detection_LSP", {"gt_joints": joints}, answers, tuple(sizes))["PCK"]
        tally.add("PCK(hits counted)", close(ours, hits / n * 100))
        ptexts = [rand_text(rng) if rng.random() < 0.5 else
                  f"[{rng.uniform(0, 1):.2f}, {rng.uniform(0, 1):.2f}]" for _ in range(n)]
        expected = printed_numbers(loc.inside_human_bbox_eval, [{"gt_joints": j, "image": Image(s)} for j, s in
                                                                zip(joints, sizes, strict=True)],
                                   [{"text": t} for t in ptexts])
        ours = lamm_value("Locating_LSP", {"gt_joints": joints}, ptexts, tuple(sizes))["Acc"]
        tally.add("inside_human_bbox_eval", close(ours, expected[0] / expected[1] * 100))
        vtexts = [box_text(rng, [o["bbox"][:2] for o in objs], [o["label"] for o in objs]) for objs in objects]
        expected = printed_numbers(loc.inside_bbox_eval, [{"object": o} for o in objects],
                                   [{"text": t} for t in vtexts])
        ours = lamm_value("Locating_VOC2012", {"object": objects}, vtexts)["Acc"]
        tally.add("inside_bbox_eval", close(ours, expected[0] / expected[1] * 100))
        points = [[[rng.uniform(0, w), rng.uniform(0, h)] for _ in range(rng.randint(1, 12))] for w, h in sizes]
        ftexts = [" ".join(f"[{p[0] / w + rng.uniform(-0.1, 0.1):.2f}, {p[1] / h:.2f}]" for p in pts[:5])
                  for pts, (w, h) in zip(points, sizes, strict=True)]
        expected = printed_numbers(loc1.point_distance_eval, [{"points": p, "image": Image(s)} for p, s in
                                                              zip(points, sizes, strict=True)],
                                   [{"text": t} for t in ftexts])
        ours = lamm_value("Locating_FSC147", {"points": points}, ftexts, tuple(sizes))["Acc"]
        if expected[1] == 0:
            tally.add("point_distance_eval", ours is None)
        else:
            tally.add("point_distance_eval", close(ours, expected[0] / expected[1] * 100))


def main() -> int:
    import warnings

    warnings.simplefilter("ignore")  # NLTK's zero-count BLEU warnings, from the original BLEU4
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", required=True, help="git checkout (or bare repo) of OpenGVLab/LAMM")
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    orig = load_original(args.repo)
    rng = random.Random(args.seed)
    tally = Tally()
    check_parsers(orig, rng, args.cases, tally)
    check_iou(orig, rng, args.cases, tally)
    check_evaluators(orig, rng, args.cases, tally)
    failed = 0
    print(f"{'function':32s} {'agree':>7s} {'differ':>7s} {'orig raised':>11s}")
    for name, (ok, bad, raised) in tally.counts.items():
        print(f"{name:32s} {ok:7d} {bad:7d} {raised:11d}")
        failed += bad
    print("all agree" if not failed else f"{failed} mismatches")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
