"""LAMM's training templates and prompts: texts equal LAMM's (golden file from its source), layouts equal its code.

The benchmark prompts (system messages, query layout) are tested in ``tests/lamm_bench/test_benchmark_prompts.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lamm_bench.benchmarks import get_spec
from lamm_model.prompts import (
    TRAIN_SYSTEM,
    inference_parts,
    placeholder_problem,
    strip_placeholder,
    training_parts,
)
from lamm_model.system_prompts_2023_06 import TRAIN_SYSTEM_2023_06

GOLDEN = json.loads((Path(__file__).parent / "golden" / "lamm_prompts.json").read_text(encoding="utf-8"))


def test_training_system_prompts_are_lamms() -> None:
    assert dict(TRAIN_SYSTEM) == GOLDEN["training"]


def test_training_layout_matches_lamm_build_one_instance() -> None:
    turns = [{"from": "human", "value": "<image>\nHow is it?"}, {"from": "gpt", "value": "Fine."},
             {"from": "human", "value": "And then?"}, {"from": "gpt", "value": "Done."}]
    parts = training_parts(turns, "conversation", "image", use_system=True)  # template lamm-2023-06 (8f3f489)
    assert parts.prefix == TRAIN_SYSTEM_2023_06["conversation"] + "\n\n### Human: <Img>"
    assert TRAIN_SYSTEM_2023_06["conversation"].startswith("You are an AI visual assistant that can analyze a single "
                                                           "image. A chat between")
    assert parts.segments == (("</Img> How is it?\n### Assistant:", False), ("Fine.\n###", True),
                              ("Human: And then?\n### Assistant:", False), ("Done.\n###", True))
    later = training_parts(turns, "conversation", "image", use_system=True, template="lamm-2023-09")  # af99e98 on
    assert later.prefix == TRAIN_SYSTEM["conversation"] + "\n\n### Human: <Img>"
    assert later.segments == (("</Img> How is it?\n### Assistant: ", False), ("Fine.\n###", True),
                              ("Human: And then?\n### Assistant: ", False), ("Done.\n###", True))
    assert set(TRAIN_SYSTEM_2023_06) == set(TRAIN_SYSTEM)
    pcl = training_parts([{"from": "human", "value": "Q\n<pcl>"}, {"from": "gpt", "value": "A"}], "detection3d",
                         "pcl", use_system=False)
    assert pcl.prefix == "### Human: <Pcl>"
    assert pcl.segments == (("</Pcl> Q\n### Assistant:", False), ("A\n###", True))


def test_training_layout_rejects_unknown_task_and_bad_roles() -> None:
    with pytest.raises(KeyError):
        training_parts([{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}], "dance", "image", True)
    with pytest.raises(ValueError, match="turn 1 is from 'human'"):
        training_parts([{"from": "human", "value": "q"}, {"from": "human", "value": "a"}], "normal", "image", False)


def test_lamm_inference_layout_puts_the_system_message_inside_the_human_turn() -> None:
    system = get_spec("Classification_CIFAR10").protocol.system
    parts = inference_parts("What is it? ", "image", system=system, task_type="classification")
    assert parts.prefix == "### Human: <Img>"
    assert parts.segments == ((f"</Img> {system}### Human: What is it? \n\n### Assistant:", False),)
    train = inference_parts("What is it?", "pcl", system=system, task_type="VQA3d", style="train")
    assert train.prefix == TRAIN_SYSTEM_2023_06["VQA3d"] + "\n\n### Human: <Pcl>"
    assert train.segments == (("</Pcl> What is it?\n### Assistant:", False),)


@pytest.mark.parametrize(("turns", "modality", "required", "problem"), [
    pytest.param(["q", "a"], "image", False, None, id="absent-optional"),
    pytest.param(["<image>\nq", "a"], "image", True, None, id="present-required"),
    pytest.param(["q", "a"], "image", True, "no <image> placeholder", id="missing-required"),
    pytest.param(["<image><image> q", "a"], "image", False, "has 2 <image> placeholders", id="two"),
    pytest.param(["q", "a", "<image> more", "b"], "image", False, "turn 2 (human) contains <image>", id="later-turn"),
    pytest.param(["q", "see <image>"], "image", False, "turn 1 (gpt) contains <image>", id="in-answer"),
    pytest.param(["<pcl>\nq", "a"], "image", False, "contains '<pcl>'", id="other-modality"),
    pytest.param(["<Img> q", "a"], "image", False, "contains '<Img>'", id="tag-as-text"),
    pytest.param(["<pcl>\nq", "a"], "pcl", True, None, id="pcl-required"),
])
def test_placeholder_rules(turns: list[str], modality: str, required: bool, problem: str | None) -> None:
    conv = [{"from": "human" if i % 2 == 0 else "gpt", "value": v} for i, v in enumerate(turns)]
    found = placeholder_problem(conv, modality, required)  # type: ignore[arg-type]
    assert (found is None) if problem is None else (problem in (found or ""))


def test_strip_placeholder_like_lamm() -> None:
    assert strip_placeholder("<image>\nWhat?", "image") == "What?"
    assert strip_placeholder("What?\n<image>", "image") == "What?"
    assert strip_placeholder("What <image> is it?", "image") == "What  is it?"
    assert strip_placeholder("<pcl>\nWhere?", "pcl") == "Where?"
