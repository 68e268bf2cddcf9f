"""The leaderboard's runs table names the model and settings a report's predictions were made with
(``meta.fingerprint``, copied by ``lamm-bench score`` from ``lamm-model predict``'s sidecar), as text."""

from __future__ import annotations

import json
from pathlib import Path

from leaderboard_helpers import RUNNER, Scored
from test_leaderboard_escaping import foreign, structure

from lamm_bench.cli import app
from lamm_bench.fingerprint import describe

FINGERPRINT = {"format": 1, "toolkit_version": "0", "backend": {"kind": "hf", "model": "org/vlm<script>x</script>",
                                                                "revision": "a272c74abcdef", "dtype": "bf16"},
               "decoding": {"max_new_tokens": 400, "do_sample": False},
               "prompt": {"style": "lamm", "vqa_two_pass": True}, "benchmarks": {}, "not_predicted": {}}


def test_describe_names_model_and_settings() -> None:
    assert describe(FINGERPRINT) == ("hf org/vlm<script>x</script>@a272c74 · bf16 · lamm prompts, VQA two-pass · "
                                     "greedy, 400 new tokens")
    assert describe(None) == ""


def test_page_shows_the_fingerprint_as_text(scored: Scored, tmp_path: Path) -> None:
    data = json.loads(scored.baseline.read_text(encoding="utf-8"))
    data["meta"]["fingerprint"] = FINGERPRINT
    data["meta"]["diagnostics"] = None
    report = tmp_path / "vlm" / "report.json"
    report.parent.mkdir()
    report.write_text(json.dumps(data), encoding="utf-8")
    result = RUNNER.invoke(app, ["report", str(report), "--out", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    parsed = structure(page)
    assert "script" not in {tag for tag, _ in parsed.tags} and foreign(page) == []
    assert describe(FINGERPRINT) in parsed.text
