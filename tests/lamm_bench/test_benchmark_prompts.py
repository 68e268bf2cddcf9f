"""LAMM's benchmark prompts, as the specs hold them: texts equal LAMM's (golden file from its source, written by
``tests/lamm_model/golden/make_lamm_prompts.py``), layouts equal its benchmark scripts (lamm-formats.md §6.2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lamm_bench.benchmarks import get_spec
from lamm_bench.benchmarks.prompts import (
    cut_answer,
    item_queries,
    joint_answers,
    lamm_query_parts,
    vqa_answer,
    vqa_follow_up,
)
from lamm_data.catalog import BENCHMARKS, resolve
from lamm_data.schemas import JOINT_NAMES

GOLDEN = json.loads((Path(__file__).parents[1] / "lamm_model" / "golden" / "lamm_prompts.json")
                    .read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", BENCHMARKS)
def test_benchmark_system_messages_are_lamms(name: str) -> None:
    entry = resolve(name)
    if entry.modality == "pointcloud":
        expected = GOLDEN["benchmark_common"][entry.task + "3D"]  # inference_3d.py: task_name + '3D'
    elif entry.task == "Locating":
        expected = GOLDEN["benchmark_locating"][entry.dataset]  # locating_eval: by dataset
    else:
        expected = GOLDEN["benchmark_common"][entry.task]  # inference_2d.py: by task prefix
    assert get_spec(name).protocol.system == expected


def test_every_benchmark_has_a_training_task_type_and_lamms_limits() -> None:
    for name in BENCHMARKS:
        protocol = get_spec(name).protocol
        assert protocol.task_type in GOLDEN["training"], name
        assert protocol.max_new_tokens == (800 if resolve(name).modality == "pointcloud" else 400), name
        assert protocol.two_pass_vqa == resolve(name).task.startswith("VQA"), name  # LAMM's vqa_response
    assert [n for n in BENCHMARKS if get_spec(n).protocol.layout == "per_joint"] == ["Keypoints_Detection_LSP"]


def test_lamm_query_layout_puts_the_system_message_inside_the_human_turn() -> None:
    system = get_spec("Classification_CIFAR10").protocol.system
    parts = lamm_query_parts("What is it? ", "image", system)
    assert parts.prefix == "### Human: <Img>"
    assert parts.segments == ((f"</Img> {system}### Human: What is it? \n\n### Assistant:", False),)
    cloud = lamm_query_parts("Where?", "pcl", "S")
    assert cloud.prefix == "### Human: <Pcl>" and cloud.segments == (("</Pcl> S### Human: Where?\n\n### Assistant:",
                                                                      False),)


def test_per_joint_queries_and_answers() -> None:
    protocol = get_spec("LSP").protocol
    queries = item_queries(protocol, "Where is the {} of the person?")
    assert queries[0] == "Where is the right ankle of the person?" and len(queries) == len(JOINT_NAMES) == 14
    assert list(joint_answers(protocol, [str(i) for i in range(14)]).items())[13] == ("head top", "13")
    assert item_queries(get_spec("VOC2012").protocol, "Find {} things") == ["Find {} things"]  # no formatting


def test_vqa_two_pass_and_answer_cut() -> None:
    assert vqa_follow_up("Q? Options: (A) x (B) y", "It is x.") == "Q? Options: (A) x (B) yIt is x. ###\nANSWER:"
    assert vqa_answer("It is x.", "(A)") == "It is x.\n The answer is (A)"
    assert cut_answer(" The answer.\n### Human: more") == "The answer."
    assert cut_answer("no separator ") == "no separator"


def test_benchmark_prompts_need_no_torch() -> None:
    code = ("import sys; import lamm_bench.benchmarks.prompts, lamm_bench.benchmarks.suite; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
