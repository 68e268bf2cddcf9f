"""LAMM's benchmark prompts as the backends use them: each benchmark's
:class:`~lamm_bench.benchmarks.spec.InferenceProtocol` and :mod:`lamm_bench.benchmarks.prompts` (torch-free)."""

from __future__ import annotations

from lamm_bench.benchmarks import prompts
from lamm_bench.benchmarks.registry import get_spec
from lamm_bench.benchmarks.spec import InferenceProtocol


def protocol(benchmark: str) -> InferenceProtocol:
    """How LAMM prompted a model for ``benchmark`` (system message, per-joint layout, two-pass VQA)."""
    return get_spec(benchmark).protocol


def system_message(benchmark: str) -> str:
    """LAMM's benchmark system message, without the newlines that wrapped it in LAMM's code."""
    return protocol(benchmark).system.strip()


def item_queries(benchmark: str, query: str) -> list[str]:
    """The queries asked for one item: the query, or ``query.format(joint)`` per joint."""
    return prompts.item_queries(protocol(benchmark), query)


def joint_answers(benchmark: str, answers: list[str]) -> dict[str, str]:
    """The stored answer of a per-joint item: ``{joint: answer}`` in joint order."""
    return prompts.joint_answers(protocol(benchmark), answers)


def per_joint(benchmark: str) -> bool:
    """Whether ``benchmark`` asks one query per joint."""
    return protocol(benchmark).layout == "per_joint"


def two_pass(benchmark: str) -> bool:
    """Whether LAMM answered ``benchmark`` in two passes (reasoning, then ``ANSWER:``)."""
    return protocol(benchmark).two_pass_vqa


def vqa_follow_up(query: str, reasoning: str) -> str:
    """The second-pass query of LAMM's two-pass VQA."""
    return prompts.vqa_follow_up(query, reasoning)


def vqa_answer(reasoning: str, option: str) -> str:
    """The stored text of a two-pass VQA item."""
    return prompts.vqa_answer(reasoning, option)


def cut_answer(text: str) -> str:
    """A generated answer up to LAMM's ``###`` separator, stripped."""
    return prompts.cut_answer(text)
