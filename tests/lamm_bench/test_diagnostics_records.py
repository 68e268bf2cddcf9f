"""Per-sample diagnostics agree with the metrics: one record per item, in order, missing answers marked and
wrong, a right answer ``correct``, a wrong or unreadable one not (the same four-item sets as the denominator
tests; expected values by hand)."""

from __future__ import annotations

import contextlib
import io

import pytest
from scoring_helpers import make_gt, simple_tokenize, word_match
from test_boundaries import _coco_ap

from lamm_bench.benchmarks import get_spec
from lamm_bench.scorers.base import ScoringContext

DIAGNOSTICS = ScoringContext(word_match, simple_tokenize, diagnostics=True)
JOINTS = [[10.0 * k, 12.0 * k] for k in range(14)]
RIGHT_JOINTS = {f"joint {k}": f"[{10 * k / 200}, {12 * k / 200}]" for k in range(14)}
DOG = [{"label": "dog", "bbox": [0.0, 0.0, 1.0, 1.0]}]

CASES = [
    ("VQA_AI2D", {"gt_choice": [1] * 4, "gt_choices": [["egg", "pupa", "adult"]] * 4},
     ["The answer is (B).", "The answer is (C).", "I cannot tell.", None], {}),
    ("Classification_CIFAR10", {"label": ["dog"] * 4}, ["a dog", "a cat", "something else", None], {}),
    ("Facial_Classification_CelebA(Smile)", {"attr": ["1"] * 4}, ["Yes, smiling.", "No.", "The sky.", None], {}),
    ("Counting_FSC147", {"num": [3, 5, 7, 9]}, ["3", "7", "many", None], {}),
    ("OCR_SVT", {"word_list": [["HOTEL"], ["OPEN"], ["BAR"], ["CAFE"]]}, ['"HOTEL"', '"CLOSED"', '""', None], {}),
    ("Detection_VOC2012", {"object": [DOG] * 4},
     ["a dog at [0, 0, 1, 1]", "a dog at [0.6, 0.6, 1, 1]", "a dog somewhere", None], {}),
    ("Locating_VOC2012", {"object": [[{"label": "dog", "bbox": [0.25, 0.25, 0.75, 0.75]}]] * 4},
     ["the dog at [0.5, 0.5]", "the dog at [0.9, 0.9]", "the dog", None], {}),
    ("Locating_LSP", {"gt_joints": [[[20.0, 40.0]] * 13 + [[60.0, 120.0]]] * 4},
     ["[0.4, 0.4]", "[0.9, 0.9]", "nowhere", None], {"sizes": [(100, 200)] * 4}),
    ("Locating_FSC147", {"points": [[[50.0, 100.0]]] * 4}, ["[0.5, 0.5]", "[0.9, 0.9]", "nowhere", None],
     {"sizes": [(100, 200)] * 4}),
    ("VG_ScanRefer", {"box": [[0.0, 0.0, 0.0, 2.0, 1.0, 1.0]] * 4},
     ["[0, 0, 0, 2, 1, 1]", "[5, 0, 0, 1, 1, 1]", "no box", None], {}),
    ("Keypoints_Detection_LSP", {"gt_joints": [JOINTS] * 4},
     [RIGHT_JOINTS, {"joint 0": "[0.9, 0.9]"}, {"joint 0": "somewhere"}, None], {"sizes": [(200, 200)] * 4}),
]


@pytest.mark.parametrize(("name", "columns", "texts", "kw"), CASES, ids=[c[0] for c in CASES])
def test_records_mark_missing_and_correct(name: str, columns: dict, texts: list, kw: dict) -> None:
    result = get_spec(name).scorer(make_gt(name, columns, **kw), texts, DIAGNOSTICS)
    records = result.samples
    assert [r.index for r in records] == [0, 1, 2, 3]
    assert [r.id for r in records] == ["0", "1", "2", "3"]
    assert [r.missing for r in records] == [False, False, False, True]
    assert [r.text for r in records] == texts
    assert [r.field("correct") for r in records] == [True, False, False, False]
    assert records[2].parse_failure is not None and records[0].parse_failure is None


def test_counting_records() -> None:
    result = get_spec("Counting_FSC147").scorer(make_gt("Counting_FSC147", {"num": [3, 5, 7, 9]}),
                                                 ["3", "7", "many", None], DIAGNOSTICS)
    r = result.samples
    assert [x.expected for x in r] == [3, 5, 7, 9]
    assert [x.error for x in r] == [0.0, 2.0, None, None]
    assert [x.lamm["error"] for x in r] == [0.0, 2.0, 7.0, 9.0]  # LAMM: unreadable and missing count as 0
    assert r[0].parsed == {"number": 3.0} and r[2].parsed == {"number": None}


def test_caption_records() -> None:
    refs = {"sentences": [["a dog runs on the beach."], ["two men stand."], ["a child climbs."]]}
    result = get_spec("Caption_flickr30k").scorer(make_gt("Caption_flickr30k", refs),
                                                   ["a dog runs on the beach", "", None], DIAGNOSTICS)
    r = result.samples
    assert [x.missing for x in r] == [False, False, True]
    assert [x.parse_failure for x in r] == [None, "empty answer", None]
    assert r[0].lamm["bleu4"] == 1.0 and r[1].lamm["bleu4"] == 0.0
    assert r[0].references == ["a dog runs on the beach."]


@pytest.mark.reference
def test_ap_counts_every_object_of_a_class() -> None:
    """Two dogs in one image, found by one box: AP and class-agnostic AP as pycocotools computes them."""
    two_dogs = [{"label": "dog", "bbox": [0.0, 0.0, 0.5, 0.5]}, {"label": "dog", "bbox": [0.5, 0.5, 1.0, 1.0]},
                {"label": "cat", "bbox": [0.0, 0.5, 0.5, 1.0]}]
    texts = ["a dog at [0, 0, 0.5, 0.5] and a cat at [0, 0.5, 0.5, 1]", "a dog at [0.5, 0.5, 1, 1]"]
    gt = make_gt("Detection_VOC2012", {"object": [two_dogs, two_dogs]}, media=["same.jpg", "same.jpg"])
    result = get_spec("Detection_VOC2012").scorer(gt, texts, DIAGNOSTICS)  # two questions on one image: 1 cluster
    classes = {"dog": 0, "cat": 1}
    images = [{"gt": [{"box": o["bbox"], "cls": classes[o["label"]]} for o in two_dogs],
               "pred": [{"box": [0, 0, 0.5, 0.5], "cls": 0}, {"box": [0, 0.5, 0.5, 1], "cls": 1}]},
              {"gt": [{"box": o["bbox"], "cls": classes[o["label"]]} for o in two_dogs],
               "pred": [{"box": [0.5, 0.5, 1, 1], "cls": 0}]}]
    with contextlib.redirect_stdout(io.StringIO()):
        ap = _coco_ap()(images, False, 2)
        agnostic = _coco_ap()(images, True, 2)
    m = result.metrics
    assert m["ap@0.5"] == pytest.approx(ap[1], abs=1e-12) and m["ap@0.25"] == pytest.approx(ap[0], abs=1e-12)
    assert m["ap@0.5_agnostic"] == pytest.approx(agnostic[1], abs=1e-12)
    assert m["recall@0.5"] == 3 / 6 and m["precision@0.5"] == 1.0


def test_a_letter_beyond_the_options_is_noted() -> None:
    gt = make_gt("VQA_AI2D", {"gt_choice": [0, 0], "gt_choices": [["egg", "pupa", "adult"]] * 2})
    records = get_spec("VQA_AI2D").scorer(gt, ["The answer is (D).", "The answer is (C)."], DIAGNOSTICS).samples
    assert records[0].field("note") == "option D does not exist (3 options)"
    assert records[1].field("note") is None


def test_ucmerced_lamm_number_is_a_case_sensitive_substring() -> None:
    """LAMM's UCMerced rule is ``label in answer`` (not the WordNet rule of CIFAR10 and Hair)."""
    gt = make_gt("Fine-grained_Classification_UCMerced", {"label": ["harbor", "harbor"]})
    result = get_spec("Fine-grained_Classification_UCMerced").scorer(gt, ["A Harbor.", "the harbor"], DIAGNOSTICS)
    assert result.lamm["Acc"] == 50.0  # "harbor" is not a substring of "A Harbor." (the word rule would say yes)
    assert result.metrics["accuracy_synonym"] == 1.0
