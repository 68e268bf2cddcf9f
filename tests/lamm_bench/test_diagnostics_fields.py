"""Per-sample records, field by field: a missing answer adds nothing to the LAMM number, the documented example
of docs/scoring.md is what the scorer writes, and the keypoint, grounding, caption and classification records
carry the values docs/metrics.md defines (worked out by hand; per-caption BLEU-4 from pycocoevalcap)."""

from __future__ import annotations

import pytest
from scoring_helpers import make_gt, simple_tokenize, word_match
from test_diagnostics_records import CASES

from lamm_bench.benchmarks import get_spec
from lamm_bench.scorers.base import ScoringContext

DIAGNOSTICS = ScoringContext(word_match, simple_tokenize, diagnostics=True)

MISSING_LAMM = {  # a missing answer's contribution to the LAMM number: nothing
    "VQA_AI2D": {"correct": False}, "Classification_CIFAR10": {"correct": False},
    "Facial_Classification_CelebA(Smile)": {"correct": False}, "OCR_SVT": {"score": 0.0},
    "Locating_VOC2012": {"located": 0}, "Locating_LSP": {"correct": False}, "Locating_FSC147": {"found": 0},
    "Keypoints_Detection_LSP": {"hits": 0}, "Counting_FSC147": {"error": 9.0},
}


@pytest.mark.parametrize(("name", "columns", "texts", "kw"), [c for c in CASES if c[0] in MISSING_LAMM],
                         ids=[c[0] for c in CASES if c[0] in MISSING_LAMM])
def test_a_missing_answer_adds_nothing_to_the_lamm_number(name: str, columns: dict, texts: list, kw: dict) -> None:
    records = get_spec(name).scorer(make_gt(name, columns, **kw), texts, DIAGNOSTICS).samples
    assert texts[3] is None and records[3].lamm == MISSING_LAMM[name]


@pytest.mark.parametrize("name", ["VQA_AI2D", "Classification_CIFAR10", "Facial_Classification_CelebA(Smile)",
                                  "Locating_LSP"])
def test_the_lamm_accuracy_is_the_share_of_records_lamm_counts_correct(name: str) -> None:
    """Over the items, except CIFAR10, which LAMM divides by the answers given (docs/lamm-formats.md section 8)."""
    _, columns, texts, kw = next(c for c in CASES if c[0] == name)
    result = get_spec(name).scorer(make_gt(name, columns, **kw), texts, DIAGNOSTICS)
    den = sum(t is not None for t in texts) if name == "Classification_CIFAR10" else len(texts)
    assert result.lamm["Acc"] == pytest.approx(100 * sum(r.lamm["correct"] for r in result.samples) / den)


def test_the_documented_detection_record() -> None:
    """docs/scoring.md's example line: corners reordered, IoU 0.156 / 0.1762 = 0.885357... written to 6 places."""
    objects = [{"label": "bird", "bbox": [0.2, 0.3, 0.6, 0.7]}]
    text = "There is a bird at [0.62, 0.71, 0.21, 0.29]."
    record = get_spec("Detection_VOC2012").scorer(make_gt("Detection_VOC2012", {"object": [objects]}), [text],
                                                  DIAGNOSTICS).samples[0]
    pair = [{"pred": 0, "gt": 0, "iou": 0.885358}]
    assert record.as_dict() == {
        "benchmark": "Detection_VOC2012", "id": "0", "index": 0, "missing": False, "text": text,
        "parsed": {"boxes": [[0.21, 0.29, 0.62, 0.71]], "classes": ["bird"], "notes": ["corners reordered"]},
        "parse_failure": None, "ground_truth": objects,
        "matches": {"0.5": pair, "0.5_agnostic": pair, "0.25": pair, "0.25_agnostic": pair},
        "correct": True, "lamm": {"hits": [True]}}


def test_a_right_box_of_the_wrong_class_is_not_a_correct_detection() -> None:
    dog = [{"label": "dog", "bbox": [0.0, 0.0, 1.0, 1.0]}]
    records = get_spec("Detection_VOC2012").scorer(make_gt("Detection_VOC2012", {"object": [dog, dog]}),
                                                   ["a cat at [0, 0, 1, 1]", "a dog at [0, 0, 1, 1]"],
                                                   DIAGNOSTICS).samples
    assert [r.field("correct") for r in records] == [False, True]
    assert records[0].field("matches")["0.5"] == [] and records[0].field("matches")["0.5_agnostic"] == [
        {"pred": 0, "gt": 0, "iou": 1.0}]


def test_keypoint_records_hold_every_joint_and_the_threshold_in_pixels() -> None:
    """Person box 130 x 156 px: threshold 0.1 x 156 = 15.6 px. Head top answered on the spot, right ankle
    answered 10 px off (inside), every other joint not answered."""
    joints = [[10.0 * k, 12.0 * k] for k in range(14)]
    answers = {"head top": "[0.65, 0.78]", "right ankle": "[0.05, 0]"}
    record = get_spec("Keypoints_Detection_LSP").scorer(
        make_gt("Keypoints_Detection_LSP", {"gt_joints": [joints]}, sizes=[(200, 200)]), [answers],
        DIAGNOSTICS).samples[0]
    assert record.field("threshold_px") == pytest.approx(15.6)
    details = record.parsed["joints"]
    assert [d["joint"] for d in details][:2] == ["right ankle", "right knee"] and len(details) == 14
    assert details[0] == {"joint": "right ankle", "point": [0.05, 0.0], "distance_px": pytest.approx(10.0),
                          "correct": True, "parse_failure": None}
    assert details[13] == {"joint": "head top", "point": [0.65, 0.78], "distance_px": pytest.approx(0.0),
                           "correct": True, "parse_failure": None}
    assert details[1] == {"joint": "right knee", "point": None, "distance_px": None, "correct": False,
                          "parse_failure": "no answer for this joint"}
    assert record.parsed["keyed_by"] == "name" and record.field("correct") is False


def test_grounding_records() -> None:
    """GT box 2 x 1 x 1 m at the origin. The first box of an answer counts; a box covering half of it has IoU
    exactly 1 / 2 (correct for the honest ``>=``, not for LAMM's ``>``, whose own IoU is written too); a box
    touching it has IoU 0; an answer without a box has no LAMM IoU."""
    box = [0.0, 0.0, 0.0, 2.0, 1.0, 1.0]
    texts = ["[0, 0, 0, 2, 1, 1] and [5, 0, 0, 1, 1, 1]", "[0.5, 0, 0, 1, 1, 1]", "[2, 0, 0, 2, 1, 1]", "no box"]
    records = get_spec("VG_ScanRefer").scorer(make_gt("VG_ScanRefer", {"object": [box] * 4}), texts,
                                              DIAGNOSTICS).samples
    assert records[0].parsed["box"] == box and records[0].parsed["boxes"] == 2
    assert [r.field("iou") for r in records] == [1.0, 0.5, 0.0, 0.0]
    assert [r.field("correct") for r in records] == [True, True, False, False]
    assert [r.lamm["iou"] for r in records] == [1.0, 0.5, 0.0, None]


def test_classification_records_say_why_no_class_was_read() -> None:
    gt = make_gt("Classification_CIFAR10", {"label": ["dog"] * 3})
    records = get_spec("Classification_CIFAR10").scorer(gt, ["a dog", "something else", "a cat or a dog"],
                                                        DIAGNOSTICS).samples
    assert [r.parse_failure for r in records] == [None, "no class named", "several classes named: cat, dog"]
    assert [r.parsed["classes"] for r in records] == [["dog"], [], ["cat", "dog"]]


@pytest.mark.reference
def test_caption_records_hold_each_captions_bleu_4_as_pycocoevalcap_scores_it() -> None:
    import os

    from lamm_bench.text.caption import tokenize_captions

    try:
        from pycocoevalcap.bleu.bleu import Bleu as RefBleu
    except ImportError:
        if os.environ.get("LAMM_REQUIRE_REFERENCE") == "1":
            pytest.fail("pycocoevalcap is not installed (pip install pycocoevalcap)")
        pytest.skip("pycocoevalcap is not installed")

    refs = [["a dog runs on the beach.", "a brown dog runs along the sand."], ["two men stand near a car."],
            ["a child climbs the stairs of a house.", "a girl on the steps."]]
    preds = ["a dog runs on the sand.", "two men are standing by a red car.", "a child on the stairs."]
    records = get_spec("Caption_flickr30k").scorer(make_gt("Caption_flickr30k", {"sentences": refs}), preds,
                                                   DIAGNOSTICS).samples
    ids = [str(i) for i in range(3)]
    refs_tok, preds_tok = tokenize_captions(dict(zip(ids, refs, strict=True)), dict(zip(ids, preds, strict=True)))
    _, per_image = RefBleu(4).compute_score({i: refs_tok[i] for i in ids}, {i: [preds_tok[i]] for i in ids},
                                             verbose=0)
    assert [r.field("scores")["BLEU-4"] for r in records] == pytest.approx(per_image[3], abs=1e-12)
    assert per_image[3] != pytest.approx(per_image[2], abs=1e-6)  # BLEU-4 and BLEU-3 differ here
