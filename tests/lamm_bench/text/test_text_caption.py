"""CIDEr-D, BLEU-1..4 and ROUGE-L equal pycocoevalcap's (goldens by tests/golden/captions/make_golden.py)."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import numpy as np
import pytest

from lamm_bench.text.caption import (
    METRICS,
    Bleu,
    CaptionInputError,
    CiderD,
    caption_metrics,
    caption_scores,
    rouge_l,
)
from lamm_bench.text.ptb import ptb_tokenize

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "captions"
INPUT = json.loads((GOLDEN / "input.json").read_text(encoding="utf-8"))
EXPECTED = json.loads((GOLDEN / "expected.json").read_text(encoding="utf-8"))


def _assert_scores_equal(scores, corpus: dict, per_image: dict) -> None:
    for name in METRICS:
        assert scores.corpus[name] == pytest.approx(corpus[name], abs=1e-9, rel=0), name
        np.testing.assert_allclose(scores.per_image[name], per_image[name], rtol=0, atol=1e-9, err_msg=name)


def test_golden_on_java_tokenised_text() -> None:
    scores = caption_scores(EXPECTED["refs_tokenized"], EXPECTED["preds_tokenized"], tokenize=False)
    assert list(scores.image_ids) == EXPECTED["image_ids"]
    _assert_scores_equal(scores, EXPECTED["corpus"], EXPECTED["per_image"])


def test_golden_end_to_end_with_python_tokenizer() -> None:
    scores = caption_scores(INPUT["refs"], INPUT["preds"])
    _assert_scores_equal(scores, EXPECTED["corpus"], EXPECTED["per_image"])
    assert caption_metrics(INPUT["refs"], INPUT["preds"]) == scores.corpus
    assert set(scores.corpus) == set(METRICS)


def test_tokenizer_matches_java_on_golden_input() -> None:
    ids = EXPECTED["image_ids"]
    flat = [r for k in ids for r in INPUT["refs"][k]]
    assert ptb_tokenize(flat) == [r for k in ids for r in EXPECTED["refs_tokenized"][k]]


@pytest.mark.parametrize(("refs", "preds", "message"), [
    pytest.param({}, {}, "no images", id="empty"),
    pytest.param({"a": ["x"]}, {"b": "x"}, "same images", id="different-ids"),
    pytest.param({"a": []}, {"a": "x"}, "no list of reference", id="no-references"),
    pytest.param({"a": "x y"}, {"a": "x"}, "no list of reference", id="references-as-string"),
    pytest.param({"a": ["x"]}, {"a": None}, "not a string", id="prediction-not-text"),
])
def test_bad_inputs_are_rejected(refs, preds, message) -> None:
    with pytest.raises(CaptionInputError, match=message):
        caption_metrics(refs, preds)


def _random_corpus(rng: random.Random, n_images: int, vocabulary: int = 30) -> tuple[dict, dict]:
    words = [f"w{i}" for i in range(vocabulary)]
    def sentence(lo: int, hi: int) -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(lo, hi)))
    refs = {f"i{i}": [sentence(1, 12) for _ in range(rng.randint(1, 6))] for i in range(n_images)}
    preds = {k: sentence(0, 14) for k in refs}
    return refs, preds


def _duplicated(refs: dict, preds: dict, ids: list[str], indices: np.ndarray) -> tuple[dict, dict]:
    keys = [f"{ids[j]}#{n}" for n, j in enumerate(indices)]
    return ({k: refs[ids[j]] for k, j in zip(keys, indices, strict=True)},
            {k: preds[ids[j]] for k, j in zip(keys, indices, strict=True)})


def test_resample_equals_scoring_the_duplicated_set() -> None:
    refs, preds = _random_corpus(random.Random(1), 40)
    cider, bleu = CiderD.prepare(refs, preds), Bleu.prepare(refs, preds)
    rng = np.random.default_rng(2)
    for _ in range(5):
        indices = rng.integers(0, 40, size=40)
        dup_refs, dup_preds = _duplicated(refs, preds, cider.image_ids, indices)
        assert cider.score_resample(indices) == pytest.approx(CiderD.prepare(dup_refs, dup_preds).score(), abs=1e-12)
        np.testing.assert_allclose(bleu.score_resample(indices), Bleu.prepare(dup_refs, dup_preds).score(),
                                   rtol=0, atol=1e-12)
    assert cider.score_resample(np.arange(40)) == pytest.approx(cider.score(), abs=1e-12)


def test_identical_prediction_scores_high_and_empty_prediction_zero() -> None:
    refs = {"a": ["a man rides a horse", "a person on a horse"], "b": ["two dogs play", "dogs playing"]}
    scores = caption_scores(refs, {"a": "a man rides a horse", "b": ""}, tokenize=False)
    assert scores.per_image["ROUGE-L"][0] > scores.per_image["ROUGE-L"][1] == 0.0
    assert scores.per_image["CIDEr-D"][1] == 0.0 < scores.per_image["CIDEr-D"][0]


# -- differential tests against pycocoevalcap's scorers (pure Python parts) ---------------------------------------

def _pycocoevalcap():
    try:
        from pycocoevalcap.bleu.bleu import Bleu as RefBleu
        from pycocoevalcap.cider.cider import Cider as RefCider
        from pycocoevalcap.rouge.rouge import Rouge as RefRouge
    except ImportError:
        if os.environ.get("LAMM_REQUIRE_REFERENCE") == "1":
            pytest.fail("pycocoevalcap is not installed (pip install pycocoevalcap)")
        pytest.skip("pycocoevalcap is not installed")
    return RefCider, RefBleu, RefRouge


def _reference_scores(refs: dict, preds: dict) -> tuple[float, list, float, np.ndarray, np.ndarray, list]:
    ref_cider, ref_bleu, ref_rouge = _pycocoevalcap()
    gts, res = {k: list(v) for k, v in refs.items()}, {k: [preds[k]] for k in refs}
    cider, cider_images = ref_cider().compute_score(gts, res)
    bleu, bleu_images = ref_bleu(4).compute_score(gts, res, verbose=0)
    rouge, rouge_images = ref_rouge().compute_score(gts, res)
    return cider, bleu, rouge, cider_images, rouge_images, bleu_images


@pytest.mark.reference
@pytest.mark.parametrize("seed", range(6))
def test_equals_pycocoevalcap_on_random_corpora(seed: int) -> None:
    rng = random.Random(seed)
    refs, preds = _random_corpus(rng, rng.randint(1, 60), vocabulary=rng.choice([5, 30, 200]))
    cider, bleu, rouge, cider_images, rouge_images, bleu_images = _reference_scores(refs, preds)
    ours = caption_scores(refs, preds, tokenize=False)
    assert ours.corpus["CIDEr-D"] == pytest.approx(cider, abs=1e-9, rel=0)
    assert [ours.corpus[f"BLEU-{n}"] for n in range(1, 5)] == pytest.approx(bleu, abs=1e-9, rel=0)
    assert ours.corpus["ROUGE-L"] == pytest.approx(rouge, abs=1e-9, rel=0)
    np.testing.assert_allclose(ours.per_image["CIDEr-D"], cider_images, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours.per_image["ROUGE-L"], rouge_images, rtol=0, atol=1e-9)
    for n in range(4):
        np.testing.assert_allclose(ours.per_image[f"BLEU-{n + 1}"], bleu_images[n], rtol=0, atol=1e-9)


@pytest.mark.reference
def test_resamples_equal_pycocoevalcap_on_duplicated_images() -> None:
    refs, preds = _random_corpus(random.Random(7), 30)
    cider, bleu = CiderD.prepare(refs, preds), Bleu.prepare(refs, preds)
    rng = np.random.default_rng(8)
    for _ in range(4):
        indices = rng.integers(0, 30, size=30)
        dup_refs, dup_preds = _duplicated(refs, preds, cider.image_ids, indices)
        ref_cider, ref_bleu, *_ = _reference_scores(dup_refs, dup_preds)
        assert cider.score_resample(indices) == pytest.approx(ref_cider, abs=1e-9, rel=0)
        assert list(bleu.score_resample(indices)) == pytest.approx(ref_bleu, abs=1e-9, rel=0)


@pytest.mark.reference
def test_rouge_handles_empty_strings_like_pycocoevalcap() -> None:
    refs, preds = {"a": ["", "x y"], "b": ["x"]}, {"a": "", "b": ""}
    *_, rouge_images, _ = _reference_scores(refs, preds)
    np.testing.assert_allclose(rouge_l(refs, preds), rouge_images, rtol=0, atol=1e-12)


def test_large_vocabulary_path_equals_packed_path(monkeypatch) -> None:
    import lamm_bench.text.caption as caption

    refs, preds = _random_corpus(random.Random(3), 25, vocabulary=50)
    packed = caption_scores(refs, preds, tokenize=False)
    monkeypatch.setattr(caption, "_PACK_LIMIT", 0)  # as if the vocabulary were too large to pack n-grams
    rows = caption_scores(refs, preds, tokenize=False)
    for name in METRICS:
        np.testing.assert_allclose(rows.per_image[name], packed.per_image[name], rtol=0, atol=1e-12)


def test_all_empty_captions_score_zero() -> None:
    # pycocoevalcap's Cider fails on this input (max() of no document frequencies); we return zeros.
    scores = caption_scores({"a": [""], "b": ["", ""]}, {"a": "", "b": ""}, tokenize=False)
    assert scores.corpus["CIDEr-D"] == 0.0
    assert scores.corpus["BLEU-1"] < 1e-6
