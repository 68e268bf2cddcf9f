"""LAMM's conversation template, its system prompts, and how a sample is laid out as text.

Re-implemented from the descriptions in ``../shared/docs/lamm-formats.md`` §3.4-3.5 and §6 (LAMM's
``conversations.py``, ``openlamm.py``); the training prompt texts are LAMM's, verbatim,
because models trained on them expect exactly these words (typos such as "point clou" included).

Training layout (template ``default``, separator ``###``, roles Human/Assistant), for a sample with
turns h1, g1, h2, g2 and ``use_system`` (``\\n`` is a newline)::

    <s>{system prompt of task_type}\\n\\n### Human: <Img>[vision tokens]</Img> {h1}\\n### Assistant:
    {g1}\\n###Human: {h2}\\n### Assistant: {g2}\\n###

(one line in reality; ``Assistant:`` ends each prompt piece without a space, exactly as LAMM's
``build_one_instance`` wrote it: the answer, tokenised on its own, starts with SentencePiece's word
boundary ``▁``, so training and the ``lamm`` inference layout below end the prompt with the same tokens).

Only the ``{g}\\n###`` parts are supervised. Point clouds use ``<Pcl>``/``</Pcl>``.

Inference layout, style ``lamm`` (how LAMM's benchmark scripts built it; the system message ends
up after the vision tokens, inside the human turn, and no system header is used)::

    <s>### Human: <Img>[vision tokens]</Img> {benchmark system message}### Human: {query}\\n\\n### Assistant:

(:mod:`lamm_bench.benchmarks.prompts`, with the benchmark's system message from its spec.) Style ``train``
lays the query out exactly like a one-turn training sample of the benchmark's task type (its spec's
``protocol.task_type``), for models trained with this package.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Literal

from lamm_bench.benchmarks.prompts import (
    ASSISTANT,
    HUMAN,
    SEP,
    VISION_TAGS,
    Modality,
    PromptParts,
    Segment,
    lamm_query_parts,
)
from lamm_data.catalog import CatalogEntry

PromptStyle = Literal["lamm", "train"]
Template = Literal["lamm-2023-06", "lamm-2023-09"]
"""LAMM's training template by era: ``lamm-2023-06`` (5368e9b..8f3f489: ``### Assistant:`` without a space, the
first system prompts; the June-2023 Vicuna checkpoints) and ``lamm-2023-09`` (af99e98 on: ``### Assistant: ``
with a trailing space, reworded system prompts; LAMM's code since, and the LLaMA-2-chat checkpoint)."""

_HEAD = ("You are an AI visual assistant that can analyze a single image, doing a chat between a curious human "
         "and an artificial intelligence assistant. The assistant gives helpful, detailed, and polite answers to "
         "the human's questions. As an AI assistant, you are performing ")
_HEAD_PCL = ("You are an AI visual assistant that can analyze a point cloud, doing a chat between a curious human "
             "and an artificial intelligence assistant. The assistant gives helpful, detailed, and polite answers to "
             "the human's questions. As an AI assistant, you are performing ")
_SCAN = ("You are an AI visual assistant that can analyze a scan of scene, doing a chat between a curious human and "
         "an artificial intelligence assistant. The assistant gives helpful, detailed, and polite answers to the "
         "human's questions. As an AI assistant, you are performing ")
_EXTERNAL = ("external knowledge Q&A task, and your goal is to provide accurate and informative answers to questions "
             "that require external knowledge beyond the scope of the input text. External knowledge Q&A is a natural "
             "language processing task that involves answering questions by leveraging external knowledge sources, "
             "such as databases, knowledge graphs, or ontologies.")
_VQA_GOAL = ("visual question answering task, and your goal is to generate natural language answers that accurately "
             "solve the question. In order to generate accurate answers to questions about visual content, you must be "
             "able to understand the content of {what}, understand the meaning of questions, and perform complex "
             "reasoning processes.")
_BOX3D = ("These coordinates are in the form of bounding boxes, represented as (x1, y1, z1, lx, ly, lz) with unit of "
          "meters. These values correspond to the x, y, z coordinates of center of bounding box and length of "
          "bounding box along x, y, z axis.")

TRAIN_SYSTEM: Mapping[str, str] = MappingProxyType({
    "classification": _HEAD + "a classification task, and your goal is not just to provide a class label for a given "
    "image, you also need to ensure that the classification is accurate and reliable, as this information is critical "
    "for users to make informed decisions based on image data.",
    "detection": _HEAD + "an object detection task, and your goal is to locate all instances of objects in an image, "
    "such as people, cars, animals, or other objects, and give the corresponding coordinates. These coordinates are in "
    "the form of bounding boxes, represented as (x1, y1, x2, y2) with floating numbers ranging from 0 to 1. These "
    "values correspond to the top left x, top left y, bottom right x, and bottom right y.",
    "keypoint_detection": "You are an AI visual assistant that can analyze a single image and this is a chat between a "
    "curious human and an artificial intelligence assistant. The assistant gives helpful, detailed, and polite answers "
    "to the human's questions. As an AI assistant, you are performing an keypoint localization task, and your goal is "
    "to locate all human keypoint in image, including eye, ear, nose, shoulder, elbow, wrist, hip, knee, ankle, and "
    "give the corresponding coordinates. These coordinates are in the form of keypoints, represented as (x, y, x, y) "
    "with floating numbers ranging from 0 to 1. These values correspond to coordinates of the point along x and y "
    "axis.",
    "VQA": _HEAD + "a " + _VQA_GOAL.format(what="images"),
    "counting": _HEAD + "an object counting task, and your goal is to accurately count the number of objects in an "
    "image. Object counting is a computer vision task that involves detecting and counting the number of instances of "
    "specific objects within an image. You need to analyze the input image and accurately count the number of objects "
    "in it.",
    "conversation": _HEAD + "a conversation task, and your goal is to engage in a natural language conversation with a "
    "human about images and provide helpful and informative responses to their queries or requests. When answering "
    "questions related to images, you will do so in a tone that conveys that you are seeing the image and answering "
    "the question based on my analysis of the visual content. The conversation task involves understanding the user's "
    "input, generating an appropriate response, and maintaining a coherent and engaging conversation.",
    "description": _HEAD + "a image detail description task, and your goal is to generate a natural language "
    "description of an image that accurately and comprehensively conveys its visual content. When answering questions "
    "related to images, you will do so in a tone that conveys that you are seeing the image and answering the question "
    "based on my analysis of the visual content.  The Image detail description task involves generating a textual "
    "description of an image that captures its salient features, objects, and context.",
    "commomsenseqa": _HEAD + "a " + _EXTERNAL,
    "normal": "This is a chat between a curious human and an artificial intelligence assistant. The assistant gives "
    "helpful, detailed, and polite answers to the human's questions.",
    "classification3d": "You are an AI visual assistant that can analyze a point cloud of object, doing a chat between "
    "a curious human and an artificial intelligence assistant. The assistant gives helpful, detailed, and polite "
    "answers to the human's questions. As an AI assistant, you are performing a classification task, and your goal is "
    "not just to provide a class label for a given point clou, you also need to ensure that the classification is "
    "accurate and reliable, as this information is critical for users to make informed decisions based on point cloud "
    "data.",
    "detection3d": _SCAN + "an object detection task, and your goal is to locate all instances of objects in an point "
    "cloud, such as people, cars, animals, or other objects, and give the corresponding coordinates. " + _BOX3D,
    "VQA3d": _HEAD_PCL + "a " + _VQA_GOAL.format(what="point cloud"),
    "VQA3D": _HEAD_PCL + "a " + _VQA_GOAL.format(what="point cloud"),
    "conversation3d": _HEAD_PCL + "a conversation task, and your goal is to engage in a natural language conversation "
    "with a human about point cloud and provide helpful and informative responses to their queries or requests. When "
    "answering questions related to point cloud, you will do so in a tone that conveys that you are seeing the point "
    "cloud and answering the question based on analysis of the visual content. The conversation task involves "
    "understanding the user's input, generating an appropriate response, and maintaining a coherent and engaging "
    "conversation.",
    "description3d": "You are an AI visual assistant that can analyze a single point cloud, doing a between a curious "
    "human and an artificial intelligence assistant. The assistant gives helpful, detailed, and polite answers to the "
    "human's questions. As an AI assistant, you are performing a detail description task for point cloud, and your "
    "goal is to generate a natural language description of an point cloud that accurately and comprehensively conveys "
    "its visual content. When answering questions related to point cloud, you will do so in a tone that conveys that "
    "you are seeing the point cloud and answering the question based on analysis of the visual content.  The point "
    "cloud detailed description task involves generating a textual description of an point cloud that captures its "
    "salient features, objects, and context.",
    "commomsenseqa3d": "You are an AI visual assistant that can analyze a single point cloud, doing a chat between a "
    "curious human and an artificial intelligence assistant. The assistant gives helpful, detailed, and polite answers "
    "to the human's questions. As an AI assistant, you are performing an " + _EXTERNAL,
    "visual_grounding3d": _SCAN + "an visual grounding task, and your goal is to locate the instances of objects in an "
    "point cloud described by given caption, and give the corresponding coordinates. " + _BOX3D,
})
"""LAMM's training system prompts by ``task_type`` (``conversation_dict``; spellings such as
``commomsenseqa`` are the keys the data uses)."""

def modality_of(entry: CatalogEntry) -> Modality:
    """``image`` for 2D files, ``pcl`` for 3D files."""
    return "pcl" if entry.modality == "pointcloud" else "image"


def strip_placeholder(text: str, modality: Modality) -> str:
    """Remove the modality placeholder (``<image>``/``<pcl>``) with its adjacent newline, as LAMM did.

    LAMM removed only ``"<image>\\n"`` and ``"\\n<image>"``; a bare placeholder elsewhere is removed too
    (the vision tokens always come before the first human message).
    """
    tag = VISION_TAGS[modality].placeholder
    return text.replace(f"{tag}\n", "").replace(f"\n{tag}", "").replace(tag, "")


def placeholder_problem(turns: Sequence[Mapping[str, str]], modality: Modality, required: bool) -> str | None:
    """Why the placeholders of a conversation are wrong, or ``None``.

    Exactly one vision block is spliced in before the first human message, so: a placeholder may appear
    only in the first human turn and at most once (exactly once when ``required``); a placeholder of
    the other modality, or a vision tag written as text (``<Img>``), is always wrong.
    """
    tags = VISION_TAGS[modality]
    other = VISION_TAGS["pcl" if modality == "image" else "image"]
    for i, turn in enumerate(turns):
        value = turn["value"]
        for foreign in (other.placeholder, other.start, other.end, tags.start, tags.end):
            if foreign in value:
                return f"turn {i} contains {foreign!r}, which does not belong in a {modality} sample"
        count = value.count(tags.placeholder)
        if i == 0 and count > 1:
            return f"the first human turn has {count} {tags.placeholder} placeholders; expected at most one"
        if i > 0 and count:
            return (f"turn {i} ({turn['from']}) contains {tags.placeholder}; only the first human turn may hold "
                    "the placeholder (one vision input per sample)")
    if required and (not turns or tags.placeholder not in turns[0]["value"]):
        return f"the first human turn has no {tags.placeholder} placeholder (required by this source)"
    return None


def train_system(template: Template = "lamm-2023-06") -> Mapping[str, str]:
    """The training system prompts of a template, by ``task_type``."""
    if template == "lamm-2023-06":
        from lamm_model.system_prompts_2023_06 import TRAIN_SYSTEM_2023_06

        return TRAIN_SYSTEM_2023_06
    return TRAIN_SYSTEM


def training_parts(turns: Sequence[Mapping[str, str]], task_type: str, modality: Modality,
                   use_system: bool, template: Template = "lamm-2023-06") -> PromptParts:
    """Lay out a conversation (``human``/``gpt`` turns, first human) as LAMM's training text of ``template``
    (``openlamm.py`` ``build_one_instance`` and ``make_prompt_start``).

    Raises:
        KeyError: ``use_system`` and ``task_type`` has no system prompt (LAMM failed the same way).
        ValueError: a turn is not from ``human``/``gpt`` in alternation starting with ``human``.
    """
    tags = VISION_TAGS[modality]
    start = f"{SEP} {HUMAN}: {tags.start}"
    prefix = f"{train_system(template)[task_type]}\n\n{start}" if use_system else start
    assistant = f"{SEP} {ASSISTANT}:" if template == "lamm-2023-06" else f"{SEP} {ASSISTANT}: "
    segments: list[Segment] = []
    for i, turn in enumerate(turns):
        role = turn["from"]
        expected = "human" if i % 2 == 0 else "gpt"
        if role != expected:
            raise ValueError(f"turn {i} is from {role!r}; expected {expected!r}")
        if i == 0:
            segments.append((f"{tags.end} {strip_placeholder(turn['value'], modality)}\n{assistant}", False))
        elif role == "human":
            segments.append((f"{HUMAN}: {turn['value']}\n{assistant}", False))
        else:
            segments.append((f"{turn['value']}\n{SEP}", True))
    return PromptParts(prefix, tuple(segments))


def inference_parts(query: str, modality: Modality, *, system: str, task_type: str,
                    style: PromptStyle = "lamm", use_system: bool = True,
                    template: Template = "lamm-2023-06") -> PromptParts:
    """Lay out one benchmark query for generation (no supervised segment).

    ``system`` is the benchmark system message (style ``lamm``:
    :func:`lamm_bench.benchmarks.prompts.lamm_query_parts`); ``task_type`` picks the training system prompt
    (style ``train``, honouring ``use_system`` like training did).
    """
    if style == "train":
        return training_parts([{"from": "human", "value": query}], task_type, modality, use_system, template)
    return lamm_query_parts(query, modality, system)
