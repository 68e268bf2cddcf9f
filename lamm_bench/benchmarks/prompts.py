"""How LAMM's benchmark scripts laid a query out as text, torch-free (``lamm-formats.md`` §6.2).

The benchmark's system message and query layout come from its spec
(:class:`~lamm_bench.benchmarks.spec.InferenceProtocol`); this module turns them into text. Layout of
one query (``\\n`` is a newline; the system message ends up after the vision tokens, inside the human
turn, and no system header is used)::

    <s>### Human: <Img>[vision tokens]</Img> {system message}### Human: {query}\\n\\n### Assistant:

Point clouds use ``<Pcl>``/``</Pcl>``. Answers are cut at the first ``###``. Multiple-choice benchmarks
are answered in two passes (:func:`vqa_follow_up`, :func:`vqa_answer`); keypoint benchmarks ask one
query per joint (:func:`item_queries`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from lamm_bench.benchmarks.spec import InferenceProtocol

Modality = Literal["image", "pcl"]
"""LAMM's vision types: images (2D) and point clouds (3D)."""

SEP = "###"
HUMAN, ASSISTANT = "Human", "Assistant"


@dataclass(frozen=True)
class VisionTags:
    """Text markers of one modality: the placeholder users write and the tags around the vision tokens."""

    placeholder: str
    start: str
    end: str


VISION_TAGS: Mapping[str, VisionTags] = MappingProxyType({
    "image": VisionTags("<image>", "<Img>", "</Img>"),
    "pcl": VisionTags("<pcl>", "<Pcl>", "</Pcl>"),
})

Segment = tuple[str, bool]
"""A piece of text and whether its tokens are supervised (count in the loss)."""


@dataclass(frozen=True)
class PromptParts:
    """A sample as text around its vision tokens: ``<bos> prefix [vision tokens] segments...``."""

    prefix: str
    segments: tuple[Segment, ...]


def lamm_query_parts(query: str, modality: Modality, system: str) -> PromptParts:
    """One benchmark query laid out as LAMM's benchmark scripts did (no supervised segment)."""
    tags = VISION_TAGS[modality]
    text = f"{system}{SEP} {HUMAN}: {query}\n"
    return PromptParts(f"{SEP} {HUMAN}: {tags.start}", ((f"{tags.end} {text}\n{SEP} {ASSISTANT}:", False),))


def item_queries(protocol: InferenceProtocol, query: str) -> list[str]:
    """The queries asked for one item: its ``query``, or ``query.format(joint)`` per joint (``per_joint``)."""
    if protocol.layout == "per_joint":
        return [query.format(joint) for joint in protocol.joints]
    return [query]


def joint_answers(protocol: InferenceProtocol, answers: Sequence[str]) -> dict[str, str]:
    """The stored answer of a ``per_joint`` item: ``{joint: answer}`` in joint order."""
    return dict(zip(protocol.joints, answers, strict=True))


VQA_FOLLOW_UP = f" {SEP}\nANSWER:"
"""Appended to the query and the first answer for LAMM's second VQA pass."""


def vqa_follow_up(query: str, reasoning: str) -> str:
    """The second-pass query of LAMM's two-pass VQA: query + first answer + ``" ###\\nANSWER:"``."""
    return query + reasoning + VQA_FOLLOW_UP


def vqa_answer(reasoning: str, option: str) -> str:
    """The stored VQA answer: ``reasoning + "\\n The answer is " + second answer`` (LAMM's format)."""
    return f"{reasoning}\n The answer is {option}"


def cut_answer(text: str) -> str:
    """A generated answer up to the first ``###`` separator, without surrounding whitespace."""
    return text.split(SEP, 1)[0].strip()
