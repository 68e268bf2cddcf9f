"""Fingerprints of predictions files: what counts as a difference, merging benchmarks, the sidecar file."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamm_bench.fingerprint import FingerprintMismatchError, check, differences, make, read, sidecar_path, write


def _fp(**changes) -> dict:
    parts = {"backend": {"kind": "api", "model": "m", "api_model": "m"}, "decoding": {"max_new_tokens": 400,
             "do_sample": False}, "prompt": {"style": "lamm", "vqa_two_pass": True},
             "benchmarks": {"OCR_SVT": "aa"}, "not_predicted": {}}
    parts.update(changes)
    return make(**parts)


def test_new_benchmarks_are_added_and_changed_ones_refused(tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    write(out, _fp())
    merged = check(out, _fp(benchmarks={"VQA_AI2D": "bb"}), has_lines=True)
    assert merged["benchmarks"] == {"OCR_SVT": "aa", "VQA_AI2D": "bb"}
    with pytest.raises(FingerprintMismatchError, match=r'benchmarks\.OCR_SVT \("aa" before, "cc" now\)'):
        check(out, _fp(benchmarks={"OCR_SVT": "cc"}), has_lines=True)
    assert differences(_fp(), _fp(backend={"kind": "api", "model": "n", "api_model": "n"})) == [
        'backend.api_model ("m" before, "n" now)', 'backend.model ("m" before, "n" now)']


def test_a_broken_sidecar_is_named(tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    sidecar_path(out).write_text("{not json", encoding="utf-8")
    with pytest.raises(FingerprintMismatchError, match=r"p\.jsonl\.fingerprint\.json: not a readable fingerprint"):
        read(out)
    sidecar_path(out).write_text('{"format": 99}', encoding="utf-8")
    with pytest.raises(FingerprintMismatchError, match="not a format-1 fingerprint"):
        read(out)
    assert read(tmp_path / "other.jsonl") is None
    assert check(tmp_path / "other.jsonl", _fp(), has_lines=False) == _fp()
