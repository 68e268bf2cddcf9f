"""LAMM's benchmark prompt texts as the backends use them (the one place that knows where they live).

The texts and layouts are LAMM's (see :mod:`lamm_model.prompts`); torch-free.
"""

from __future__ import annotations

from lamm_data.catalog import CatalogEntry
from lamm_data.schemas import JOINT_NAMES
from lamm_model import prompts


def system_message(entry: CatalogEntry) -> str:
    """LAMM's benchmark system message for ``entry``, without the newlines that wrapped it in LAMM's code."""
    return prompts.benchmark_system(entry).strip()


def joint_queries(query: str) -> list[tuple[str, str]]:
    """Keypoints_Detection_LSP: ``(joint name, query.format(joint))`` for each LSP joint, in LSP order."""
    return [(joint, query.format(joint)) for joint in JOINT_NAMES]


def vqa_follow_up(query: str, reasoning: str) -> str:
    """The second-pass query of LAMM's two-pass VQA."""
    return prompts.vqa_follow_up(query, reasoning)


def vqa_answer(reasoning: str, option: str) -> str:
    """The stored text of a two-pass VQA item."""
    return prompts.vqa_answer(reasoning, option)


def cut_answer(text: str) -> str:
    """A generated answer up to LAMM's ``###`` separator, stripped."""
    return prompts.cut_answer(text)
