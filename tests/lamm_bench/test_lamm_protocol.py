"""The LAMM-protocol numbers equal the original formulas on tricky inputs (expectations computed by hand).

Label matching uses a plain word test here (the WordNet rule has its own tests); what is under test is the
arithmetic and the quirks of common_eval_2d.py / common_eval_3d.py / locating_eval.py.
"""

from __future__ import annotations

import pytest
from scoring_helpers import SIMPLE, make_gt, simple_tokenize, word_match

from lamm_bench.benchmarks import get_spec
from lamm_bench.lamm_protocol.captions import best_sentence_bleu
from lamm_bench.lamm_protocol.choice import LETTERS_3D, choice_correct
from lamm_bench.lamm_protocol.counting import count_error
from lamm_bench.lamm_protocol.detection import detection_hits, grounding_iou
from lamm_bench.lamm_protocol.iou import iou_3d
from lamm_bench.lamm_protocol.points import inside_objects, inside_person, near_points, pck_hits
from lamm_bench.lamm_protocol.text_match import label_in_text, smile_label, word_accuracy

DOG, CAT = ("dog", [0.0, 0.0, 0.5, 0.5]), ("cat", [0.5, 0.5, 1.0, 1.0])


@pytest.mark.parametrize(("objects", "text", "hits"), [
    ([DOG, CAT], "a dog at [0, 0, 0.5, 0.5]", [True, False]),  # the cat's label is not in the answer
    ([DOG, ("dog", [0.0, 0.0, 0.5, 0.5])], "a dog at [0, 0, 0.5, 0.5]", [True, True]),  # one box serves both
    ([DOG, CAT], "a dog. [0.5, 0.5, 1, 1] is a cat", [False, True]),  # class checked on the whole answer
    ([("dog", [0.0, 0.0, 1.0, 1.0])], "dog [0, 0, 0.5, 1]", [False]),  # IoU exactly 0.5 is not > 0.5
    ([("dog", [0.0, 0.0, 1.0, 1.0])], "dog [0, 0, 0.51, 1]", [True]),
    ([DOG], "dog [0.5, 0.5, 0, 0]", [True]),  # both corners swapped: repaired
    ([DOG], "dog [0.5, 0, 0, 0.5]", [False]),  # one axis swapped: box dropped
    ([DOG], "dog [0, 0] then [0.5, 0.5]", [True]),  # groups concatenated into one box
    ([DOG], "dog: 0, 0, 0.5, 0.5", [True]),  # no bracket: every number in the text
    ([DOG], "dog: x1 0, y1 0, x2 0.5, y2 0.5", [False]),  # ... including the 1s and 2s of x1, y1, x2, y2
])
def test_detection_hits_2d(objects, text, hits) -> None:
    assert detection_hits(objects, text, word_match) == hits


def test_old_3d_iou_is_not_clamped() -> None:
    unit = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    # disjoint on x and y: overlaps -1 * -1 * 1 = 1, union 1 + 1 - 1 = 1 -> IoU 1
    assert iou_3d(unit, [[2.0, 2.0, 0.0, 1.0, 1.0, 1.0]]).tolist() == [1.0]
    # overlaps -0.5 * -0.5 * 1 = 0.25, union 1.75
    assert iou_3d(unit, [[1.5, 1.5, 0.0, 1.0, 1.0, 1.0]])[0] == pytest.approx(0.25 / 1.75, abs=1e-15)
    # disjoint on all three: negative "intersection" -> 0
    assert iou_3d(unit, [[5.0, 5.0, 5.0, 1.0, 1.0, 1.0]]).tolist() == [0.0]
    # a zero union (the original raised ZeroDivisionError) -> 0
    assert iou_3d([0, 0, 0, 0, 0, 0], [[0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]).tolist() == [0.0]
    # negative sizes count by absolute value
    assert iou_3d(unit, [[0.0, 0.0, 0.0, -1.0, -1.0, -1.0]]).tolist() == [1.0]


def test_detection_hits_3d_and_grounding_first_box() -> None:
    chair = ("chair", [0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    assert detection_hits([chair], "chair [2, 2, 0, 1, 1, 1]", word_match, three_d=True) == [True]
    assert grounding_iou([0, 0, 0, 1, 1, 1], "[5, 5, 5, 1, 1, 1] or [0, 0, 0, 1, 1, 1]") == 0.0
    assert grounding_iou([0, 0, 0, 1, 1, 1], "no box") is None


CH = ["egg", "pupa", "adult"]


@pytest.mark.parametrize(("text", "gt", "letters", "correct"), [
    ("The answer is (B).", 1, "ABCDE", True),
    ("The answer is (B). the answer is C.", 1, "ABCDE", False),  # every match must contain the letter
    ("The answer is B", 1, "ABCDE", False),  # no character after the letter: no match, no option text
    ("The answer is B pupa", 1, "ABCDE", True),  # ...then the option text decides
    ("ANSWER: A (B)", 0, "ABCDE", True),  # "ANSWER:" outranks parentheses; first match's last char
    ("(A) and (C)", 0, "ABCDE", False),
    ("it is a pupa", 1, "ABCDE", True),
    ("egg or pupa", 1, "ABCDE", False),  # another option's text is present
    ("THE ANSWER IS B.", 1, "ABCDE", False),  # case matters for "The answer is"
    ("THE ANSWER IS (B).", 1, "ABCDE", True),  # ... but "(B)" still matches the third pattern
    ("The answer is F.", 2, "ABCDE", False),  # F is not a 2D letter
])
def test_choice_correct(text, gt, letters, correct) -> None:
    assert choice_correct(text, CH, gt, letters) is correct


def test_choice_correct_a_to_f_and_substring_options() -> None:
    assert choice_correct("The answer is F.", list("abcdef"), 5, LETTERS_3D)
    assert not choice_correct("a caterpillar", ["cat", "caterpillar"], 1)  # "cat" is inside "caterpillar"


def test_best_sentence_bleu() -> None:
    refs = ["a dog runs on the beach."]
    assert best_sentence_bleu(refs, "A cat sleeps. a dog runs on the beach.") == 1.0  # best sentence wins
    assert best_sentence_bleu(refs, 'The caption is "a dog runs on the beach"') == 1.0  # quotes kept only
    # case kept: "A" misses -> p1..p4 = 5/6, 4/5, 3/4, 2/3; BLEU = (1/3) ** (1/4)
    assert best_sentence_bleu(refs, "A dog runs on the beach") == pytest.approx((1 / 3) ** 0.25, rel=1e-12)
    assert best_sentence_bleu(refs, "") == 0.0


def test_count_error_and_text_matches() -> None:
    assert count_error(5, "There are 12. apples") == 5.0  # "12." unreadable -> 0
    assert count_error(5, "Seven") == 2.0  # lowercased first
    assert word_accuracy(["HOTEL", "OPEN"], 'The words are "HOTEL" and "OPEN".') == 1.0
    assert word_accuracy(["HOTEL", "OPEN"], "hotel, open") == 0.5  # "hotel," is not "hotel"
    assert not label_in_text("tenniscourt", "a tennis court")
    assert not label_in_text("harbor", "A Harbor")  # case-sensitive
    assert smile_label("No, not smiling", simple_tokenize) == "-1"
    assert smile_label("I cannot tell", lambda t: t.replace("cannot", "can not").split()) == "-1"
    assert smile_label("nothing to see", simple_tokenize) == "1"


def test_points_functions() -> None:
    size = (100, 200)
    joints = [[50.0, 100.0, 1.0]] + [[0.0, 0.0, 1.0]] * 13
    answers = {"head top": "[0.55, 0.55]", "neck": "[0.9, 0.9]"}  # keys ignored: position decides
    assert pck_hits(joints, size, answers) == 1
    assert pck_hits(joints, size, {"a": "[0.65, 0.5]"}) == 0  # 0.15 away
    objects = [("dog", [0.2, 0.2, 0.4, 0.4]), ("cat", [0.6, 0.6, 0.8, 0.8])]
    assert inside_objects(objects, "dog [0.3, 0.3], cat [0.6, 0.7]", word_match) == 1  # edge is outside
    assert inside_objects(objects, "dog", word_match) == 0
    person = [[10.0, 20.0], [60.0, 180.0]]
    assert inside_person(person, size, "[0.2, 0.5]")  # (20, 100) inside (10, 20)-(60, 180)
    assert not inside_person(person, size, "[0.1, 0.5]")  # x = 10 on the edge
    assert near_points([[10.0, 20.0]] * 10, size, "[0.1, 0.1]") == (0, 0)  # 10 points: image skipped
    assert near_points([[10.0, 20.0], [90.0, 20.0]], size, "[0.1, 0.1]") == (1, 2)


def _lamm(name, columns, texts, **kw):
    return get_spec(name).scorer(make_gt(name, columns, **kw), texts, SIMPLE).lamm


def test_benchmark_numbers_and_normalisers() -> None:
    labels = {"label": ["dog", "cat", "frog", "ship"]}
    # CIFAR10 divides by the answers given (2), UCMerced by the items (4): missing answers differ
    assert _lamm("Classification_CIFAR10", labels, ["a dog", "a dog", None, None])["Acc"] == 50.0
    assert _lamm("Fine-grained_Classification_UCMerced", labels, ["a dog", "a dog", None, None])["Acc"] == 25.0
    counting = _lamm("Counting_FSC147", {"num": [3, 12, 20]}, ["3", "ten", None])
    assert counting == {"MAE": pytest.approx((0 + 2 + 20) / 3), "MAE(<10)": 0.0}
    assert _lamm("Counting_FSC147", {"num": [12]}, ["3"])["MAE(<10)"] is None  # no image with fewer than 10
    assert _lamm("Counting_FSC147", {"num": [3]}, ["9" * 400])["MAE"] == 3.0  # unreadable huge number: 0
    voc = {"object": [[DOG, CAT], [CAT]]}
    voc = {"object": [[{"label": lab, "bbox": box} for lab, box in objs] for objs in voc["object"]]}
    assert _lamm("Detection_VOC2012", voc, ["a dog at [0, 0, 0.5, 0.5]", None])["mAP@0.5"] == pytest.approx(100 / 3)
    lsp = _lamm("Keypoints_Detection_LSP", {"gt_joints": [[[50.0, 100.0]] * 14, [[50.0, 100.0]] * 14]},
                [{"j": "[0.5, 0.5]"}, None], sizes=[(100, 200), (100, 200)])
    assert lsp["PCK"] == pytest.approx(100 / 14)  # one joint of one image; divided by the 1 answer given
    fsc = _lamm("Locating_FSC147", {"points": [[[10.0, 20.0], [90.0, 20.0]], [[1.0, 1.0]] * 12]},
                ["[0.1, 0.1]", "[0.01, 0.005]"], sizes=[(100, 200), (100, 200)])
    assert fsc["Acc"] == 50.0  # the 12-point image does not count
    scanrefer = _lamm("VG_ScanRefer", {"object": [[0, 0, 0, 1, 1, 1]] * 2},
                      ["[2, 2, 0, 1, 1, 1]", "[0, 0, 0, 1, 1, 1]"])
    assert scanrefer == {"Acc@0.25": 100.0, "Acc@0.5": 100.0}  # the first answer scores IoU 1 (unclamped)


@pytest.mark.parametrize("letters", ["ABCDE", LETTERS_3D])
def test_choice_letter_a_is_recognised_by_every_pattern(letters: str) -> None:
    """The letter span of LAMM's regexes starts at A: '(A)', 'The answer is A.' and 'ANSWER: A' all name option 0
    (without a pattern match the text fallback would find no option text here and say wrong)."""
    choices = ["egg", "pupa", "adult"]
    for text in ("The answer is (A).", "The answer is A.", "ANSWER: A", "I think (A)"):
        assert choice_correct(text, choices, 0, letters) is True, text
        assert choice_correct(text, choices, 1, letters) is False, text


def test_lamm_iou_2d_of_one_ground_truth_box_is_one_value_per_box() -> None:
    """``iou_2d(gt, boxes)`` with one ground-truth box gives shape (D,), with several (G, D) (its docstring)."""
    import numpy as np

    from lamm_bench.lamm_protocol.iou import iou_2d

    boxes = [[0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 0.5, 1.0]]
    np.testing.assert_array_equal(iou_2d([0.0, 0.0, 1.0, 1.0], boxes), [1.0, 0.5])
    np.testing.assert_array_equal(iou_2d([[0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 0.5, 1.0]], boxes),
                                  [[1.0, 0.5], [0.5, 1.0]])
