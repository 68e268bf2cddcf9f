"""Every rate with a missing and an unparsed answer: who is in the denominator.

Each benchmark gets four items: a right answer, a wrong but readable one, an unreadable one and a missing one
(``None``). The expected values are the definitions of docs/metrics.md (honest block: "over all items", "over
the answers given", "over the answers whose count could be read", micro-averages over boxes, points and words)
and of the original evaluators as docs/lamm-formats.md §8 quotes them (LAMM block; missing answers score as
wrong, or as 0 for counting, except CIFAR10 which divides by ``len(pred_data)``), worked out by hand.
``parse_failure_rate`` is always unparsed / answers given.
"""

from __future__ import annotations

import contextlib
import io
import math

import pytest
from scoring_helpers import SIMPLE, make_gt
from test_boundaries import _coco_ap

from lamm_bench.benchmarks import get_spec


def run(name: str, columns: dict, texts: list, **kw):
    return get_spec(name).scorer(make_gt(name, columns, **kw), texts, SIMPLE)


def check_counts(result, *, missing: int = 1, unparsed: int = 1, given: int = 3) -> None:
    assert (result.missing, result.unparsed) == (missing, unparsed)
    assert result.metrics["parse_failure_rate"] == pytest.approx(unparsed / given)


@pytest.mark.parametrize("name", ["VQA_AI2D", "VQA_SQAimage", "VQA_ScanQA_multiplechoice"])
def test_choice_accuracy_counts_missing_and_unparsed_as_wrong(name: str) -> None:
    choices = ["egg", "pupa", "adult"]
    texts = ["The answer is (B).", "The answer is (C).", "I cannot tell.", None]
    result = run(name, {"gt_choice": [1] * 4, "gt_choices": [choices] * 4}, texts)
    assert result.metrics["accuracy"] == 1 / 4  # over all items
    assert result.metrics["parse_rate"] == 2 / 3  # over the answers given
    assert result.lamm["Acc"] == 25.0  # VQAvisionacc: correct / items
    check_counts(result)


def test_choice_accuracy_with_only_missing_answers_is_zero_not_undefined() -> None:
    result = run("VQA_AI2D", {"gt_choice": [0, 1], "gt_choices": [["a", "b"]] * 2}, ["(A)", None])
    assert result.metrics["accuracy"] == 0.5 and result.metrics["parse_rate"] == 1.0
    result = run("VQA_AI2D", {"gt_choice": [0], "gt_choices": [["a", "b"]]}, [None])
    assert result.metrics["accuracy"] == 0.0 and result.metrics["parse_rate"] is None  # no answer given: 0 / 0


def test_class_name_rates() -> None:
    texts = ["a dog", "a cat", "something else", None]
    cifar = run("Classification_CIFAR10", {"label": ["dog"] * 4}, texts)
    assert cifar.metrics["accuracy_exact"] == 1 / 4 and cifar.metrics["accuracy_synonym"] == 1 / 4
    assert cifar.lamm["Acc"] == pytest.approx(100 / 3)  # CIFAR10: divided by the answers given
    check_counts(cifar)
    hair = run("Facial_Classification_CelebA(Hair)", {"attr": ["black"] * 4},
               ["black hair", "brown hair", "no idea", None])
    assert hair.metrics["accuracy_exact"] == 1 / 4 and hair.lamm["Acc"] == 25.0  # Hair: divided by the items
    check_counts(hair)
    ucm = run("Fine-grained_Classification_UCMerced", {"label": ["harbor"] * 4},
              ["a harbor", "a beach", "no idea", None])
    assert ucm.metrics["accuracy_exact"] == 1 / 4 and ucm.lamm["Acc"] == 25.0
    check_counts(ucm)


def test_smile_rates() -> None:
    result = run("Facial_Classification_CelebA(Smile)", {"attr": ["1"] * 4},
                 ["Yes, smiling.", "No.", "The sky is blue.", None])
    assert result.metrics["accuracy"] == 1 / 4
    # LAMM: "The sky is blue." has no "no"/"not" token, so it means "smiling" and is right; missing is wrong
    assert result.lamm["Acc"] == 50.0
    check_counts(result)


def test_counting_mae_is_over_read_answers_and_exact_accuracy_over_all_items() -> None:
    result = run("Counting_FSC147", {"num": [3, 5, 7, 9]}, ["3", "7", "many", None])
    assert result.metrics["MAE"] == 1.0  # (0 + 2) / 2 read answers: "many" and the missing one are not in it
    assert result.metrics["RMSE"] == pytest.approx(math.sqrt((0 + 4) / 2))
    assert result.metrics["exact_accuracy"] == 1 / 4
    assert result.lamm["MAE"] == (0 + 2 + 7 + 9) / 4  # LAMM: unreadable and missing answers are the count 0
    assert result.lamm["MAE(<10)"] == (0 + 2 + 7 + 9) / 4
    check_counts(result)


def test_counting_mae_is_undefined_without_a_read_answer() -> None:
    result = run("Counting_FSC147", {"num": [3, 5]}, ["many", None])
    assert result.metrics["MAE"] is None and result.metrics["RMSE"] is None
    assert result.metrics["exact_accuracy"] == 0.0 and result.lamm["MAE"] == 4.0


def test_ocr_word_rates() -> None:
    words = {"word_list": [["HOTEL"], ["OPEN"], ["BAR"], ["CAFE"]]}
    result = run("OCR_SVT", words, ['It reads "HOTEL".', 'It reads "CLOSED".', '""', None])
    assert result.metrics["word_recall"] == 1 / 4  # over every ground-truth word, the missing item's too
    assert result.metrics["word_precision"] == 1 / 2  # over the words read
    assert result.lamm["Word Acc"] == 25.0
    check_counts(result)


@pytest.mark.reference
def test_detection_rates() -> None:
    dog = [{"label": "dog", "bbox": [0.0, 0.0, 1.0, 1.0]}]
    texts = ["a dog at [0, 0, 1, 1]", "a dog at [0.6, 0.6, 1, 1]", "a dog somewhere", None]
    result = run("Detection_VOC2012", {"object": [dog] * 4}, texts)
    m = result.metrics
    assert m["recall@0.5"] == 1 / 4 and m["precision@0.5"] == 1 / 2 and m["f1@0.5"] == pytest.approx(2 / 6)
    assert result.lamm["mAP@0.5"] == 25.0  # every ground-truth object, the missing image's too
    images = [{"gt": [{"box": d["bbox"], "cls": 0} for d in dog], "pred": pred} for pred in
              ([{"box": [0, 0, 1, 1], "cls": 0}], [{"box": [0.6, 0.6, 1, 1], "cls": 0}], [], [])]
    with contextlib.redirect_stdout(io.StringIO()):
        _, ap_05 = _coco_ap()(images, False, 1)
    assert m["ap@0.5"] == pytest.approx(ap_05, abs=1e-12) and ap_05 == pytest.approx(26 / 101)
    check_counts(result)


def test_keypoint_rates() -> None:
    joints = [[10.0 * k, 12.0 * k] for k in range(14)]
    size = (200, 200)
    right = {f"joint {k}": f"[{10 * k / 200}, {12 * k / 200}]" for k in range(14)}
    unreadable = {f"joint {k}": "somewhere" for k in range(14)}
    result = run("Keypoints_Detection_LSP", {"gt_joints": [joints] * 3}, [right, unreadable, None], sizes=[size] * 3)
    assert result.metrics["pck@0.1"] == 1 / 3  # 14 / (14 x 3 items)
    assert result.metrics["joint_parse_failure_rate"] == 1 / 2  # 14 unread of the 28 joint answers given
    assert result.lamm["PCK"] == 50.0  # LAMM PCK divides by the answers given: (14/14 + 0) / 2
    check_counts(result, given=2)


def test_locating_rates() -> None:
    voc = {"object": [[{"label": "dog", "bbox": [0.25, 0.25, 0.75, 0.75]}]] * 4}
    result = run("Locating_VOC2012", voc, ["the dog at [0.5, 0.5]", "the dog at [0.9, 0.9]", "the dog", None])
    assert result.metrics["recall"] == 1 / 4 and result.metrics["precision"] == 1 / 2
    assert result.lamm["Acc"] == 25.0
    check_counts(result)
    joints = [[20.0, 40.0]] * 13 + [[60.0, 120.0]]
    size = (100, 200)
    lsp = run("Locating_LSP", {"gt_joints": [joints] * 4}, ["[0.4, 0.4]", "[0.9, 0.9]", "nowhere", None],
              sizes=[size] * 4)
    assert lsp.metrics["accuracy"] == 1 / 4 and lsp.lamm["Acc"] == 25.0
    check_counts(lsp)
    points = {"points": [[[50.0, 100.0]]] * 4}
    fsc = run("Locating_FSC147", points, ["[0.5, 0.5]", "[0.9, 0.9]", "nowhere", None], sizes=[size] * 4)
    assert fsc.metrics["recall@0.1"] == 1 / 4 and fsc.metrics["precision@0.1"] == 1 / 2
    assert fsc.lamm["Acc"] == 25.0  # every image has < 10 points: all four count, found in one
    check_counts(fsc)


def test_grounding_rates() -> None:
    box = [0.0, 0.0, 0.0, 2.0, 1.0, 1.0]
    texts = ["[0, 0, 0, 2, 1, 1]", "[-0.5, 0, 0, 1, 1, 1]", "no box", None]  # IoU 1, 0.5, none, missing
    result = run("VG_ScanRefer", {"box": [box] * 4}, texts)
    assert result.metrics["acc@0.5"] == 2 / 4 and result.metrics["acc@0.25"] == 2 / 4
    assert result.metrics["mean_iou"] == pytest.approx((1 + 0.5) / 4)
    assert result.lamm == {"Acc@0.25": 50.0, "Acc@0.5": 25.0}
    check_counts(result)


def test_caption_missing_answer_is_an_empty_caption_in_the_corpus() -> None:
    refs = {"sentences": [["a dog runs on the beach."], ["two men stand in a yard."], ["a child climbs stairs."]]}
    with_missing = run("Caption_flickr30k", refs, ["a dog runs on the beach", "", None])
    with_empty = run("Caption_flickr30k", refs, ["a dog runs on the beach", "", ""])
    dropped = run("Caption_flickr30k", {"sentences": refs["sentences"][:2]}, ["a dog runs on the beach", ""])
    assert with_missing.lamm["BLEU4"] == pytest.approx(100 / 3)  # sentence BLEU 1, 0, 0 over three images
    for key in ("CIDEr-D", "BLEU-1", "ROUGE-L"):
        assert with_missing.metrics[key] == pytest.approx(with_empty.metrics[key], abs=1e-12)
        assert with_missing.metrics[key] != pytest.approx(dropped.metrics[key], abs=1e-6)
    check_counts(with_missing, given=2)
