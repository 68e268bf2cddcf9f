"""LAMM's conversation template, its system prompts, and how a sample is laid out as text.

Re-implemented from the descriptions in ``../shared/docs/lamm-formats.md`` §3.4-3.5 and §6 (LAMM's
``conversations.py``, ``openlamm.py``, ``system_msg.py``); the prompt texts are LAMM's, verbatim,
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

Style ``train`` lays the query out exactly like a one-turn training sample of the benchmark's
task type (:data:`BENCHMARK_TASK_TYPE`), for models trained with this package.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from lamm_data.catalog import CatalogEntry, resolve

Modality = Literal["image", "pcl"]
"""LAMM's vision types: images (2D) and point clouds (3D)."""
PromptStyle = Literal["lamm", "train"]
Template = Literal["lamm-2023-06", "lamm-2023-09"]
"""LAMM's training template by era: ``lamm-2023-06`` (5368e9b..8f3f489: ``### Assistant:`` without a space, the
first system prompts; the June-2023 Vicuna checkpoints) and ``lamm-2023-09`` (af99e98 on: ``### Assistant: ``
with a trailing space, reworded system prompts; LAMM's code since, and the LLaMA-2-chat checkpoint)."""

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

_MULTIMODAL = ("You are a multimodal language model. You are able to understand the visual content that the user "
               "provides, and assist the user with a variety of tasks using natural language.\n")
_UNDERSTAND = "To generate accurate answers, you must be able to understand the content of {} and comprehend the " \
              "meaning of questions."
_OCR_HEAD = ("You are an AI assistant that specializes in OCR, capable of analyzing text from images. You will be "
             "assisting curious humans by answering their questions about the text content of images. Your goal is to "
             "provide helpful, accurate, and polite answers to their questions.\n")
_KEYPOINTS = ("You are an AI visual assistant that can analyze a single image and detect human key points. You will "
              "be provided with an image and specified which human body parts the user want you to detect. "
              + _UNDERSTAND.format("images") + " ")
_CHAT = ("You are an AI visual assistant that can analyze a single image. A chat between a curious human and an "
         "artificial intelligence assistant. The assistant gives helpful, detailed, and polite answers to the human's "
         "questions.")
_BOX3D_SYS = ("These coordinates are in the form of bounding boxes, represented as {} with floating numbers in unit "
              "of meters. These values correspond to the center x, center y, center z, bounding box length, bounding "
              "box width and bounding box height. " + _UNDERSTAND.format("point clouds"))


def _msg(text: str) -> str:
    return f"\n{text}\n"  # LAMM's messages are triple-quoted strings starting and ending with a newline


BENCHMARK_SYSTEM_BY_TASK: Mapping[str, str] = MappingProxyType({
    "Detection": _msg(_MULTIMODAL + "You are now performing an object detection task, and your goal is to locate all "
                      "instances of objects in an image, such as people, cars, animals, or other objects, and give the "
                      "corresponding coordinates. These coordinates are in the form of bounding boxes, represented as "
                      "(x1, y1, x2, y2) with floating numbers ranging from 0 to 1. These values correspond to the top "
                      "left x, top left y, bottom right x, and bottom right y. " + _UNDERSTAND.format("images")),
    "Classification": _msg("You are an AI visual assistant with the ability to analyze a single image and perform "
                           "classification tasks. You should analyze the given image, and answer the user's questions. "
                           "You need to ensure the accuracy and rationality of your answers. The class name you "
                           "provide must be a common and general category name."),
    "VQA": _msg(_CHAT + " \nAs an AI assistant, you are performing a " + _VQA_GOAL.format(what="images")),
    "OCR": _msg(_OCR_HEAD + "You are performing an Optical Character Recognition task, which involves recognizing and "
                "extracting text from images. To generate accurate answers to questions about the text content of "
                "images, you must be able to accurately recognize and extract text from images, and understand the "
                "meaning of questions."),
    # LAMM's caption message starts with the OCR paragraph (a copy-paste slip kept on purpose, §10 item 8).
    "Caption": _msg(_OCR_HEAD + "As an AI assistant, your primary task is to perform image captioning, which requires "
                    "you to generate clear and concise natural language descriptions of the visual content. To achieve "
                    "this, you must be able to understand the visual content of the image, identify its salient "
                    "features, and generate a coherent and contextually relevant caption that accurately conveys its "
                    "meaning. "),
    "Counting": _msg(_CHAT + "\nAs an AI assistant, you are performing an object counting task. Your goal is to "
                     "accurately count the number of objects in an image. Object counting is a computer vision task "
                     "that involves detecting and counting the number of instances of specific objects within an "
                     "image. You need to analyze the input image and accurately count the number of objects in it."),
    "Fine-grained_Classification": _msg(
        "You are an AI visual assistant with the ability to analyze a single image and perform fine-grained "
        "classification tasks. When communicating with curious individuals, your top priority is to provide helpful, "
        "detailed, and polite answers to their questions. Your role as an AI assistant is to provide accurate and "
        "reliable classification information that assists users in making informed decisions based on image data. The "
        "accuracy and reliability of the classification are crucial for users to make informed decisions based on the "
        "image data."),
    "Facial_Classification": _msg(
        "You are an AI facial feature classification assistant capable of analyzing a single image. There is a "
        "conversation between an inquisitive human and an artificial intelligence assistant. Your task as an AI "
        "assistant is to perform facial feature classification and generate accurate natural language answers. To "
        "generate accurate answers to questions about facial features, you must be able to understand the content of "
        "images, comprehend the meaning of questions, and perform complex reasoning processes."),
    "Keypoints_Detection": _msg(_KEYPOINTS),
    "Locating": _msg(_MULTIMODAL + "You are now performing an object detection task, and your goal is to locate all "
                     "instances of objects in an image, such as people, cars, animals, or other objects, and give the "
                     "corresponding coordinates. " + _UNDERSTAND.format("images")),
    "HumanLocating": _msg(_KEYPOINTS),
    "Detection3D": _msg(_MULTIMODAL + "You are now performing an object detection task, and your goal is to locate all "
                        "instances of objects in a point cloud, such as furniture, transportations, or other objects, "
                        "and give the corresponding coordinates. "
                        + _BOX3D_SYS.format("(x1, y1, z1, length, width, height)")),
    "VG3D": _msg(_MULTIMODAL + "You are now performing an visual grounding task, and your goal is to locate the "
                 "instances of objects I want with the given description in a point cloud, such as furniture, or other "
                 "objects, and give the corresponding coordinates. "
                 + _BOX3D_SYS.format("[x, y, z, length, width, height]")),
    "VQA3D": _msg(_MULTIMODAL + "You are now performing an visual question and answering task, and your goal is to "
                  "generate natural language answers that accurately solve the question. In order to generate accurate "
                  "answers to questions about visual content, you must be able to understand the content of point "
                  "cloud, understand the meaning of questions, and perform complex reasoning processes."),
})
"""LAMM's benchmark system messages (``system_msg.py``) by key: the benchmark's task prefix, ``Locating``
/ ``HumanLocating`` (LAMM's ``locating_task2sysmsg``), and ``<task>3D`` for point clouds."""

BENCHMARK_TASK_TYPE: Mapping[str, str] = MappingProxyType({
    "Caption_flickr30k": "description",
    "Classification_CIFAR10": "classification",
    "Counting_FSC147": "counting",
    "Detection_VOC2012": "detection",
    "Facial_Classification_CelebA(Hair)": "classification",
    "Facial_Classification_CelebA(Smile)": "classification",
    "Fine-grained_Classification_UCMerced": "classification",
    "Keypoints_Detection_LSP": "keypoint_detection",
    "Locating_FSC147": "detection",
    "Locating_LSP": "keypoint_detection",
    "Locating_VOC2012": "detection",
    "OCR_SVT": "VQA",
    "VQA_AI2D": "VQA",
    "VQA_SQAimage": "VQA",
    "Detection_ScanNet": "detection3d",
    "VG_ScanRefer": "visual_grounding3d",
    "VQA_ScanQA_multiplechoice": "VQA3d",
})
"""The training ``task_type`` (a :data:`TRAIN_SYSTEM` key) used when a benchmark file is training data
(our choice; LAMM's instruction data uses the same keys, e.g. OCR-VQA items are ``VQA``)."""


def modality_of(entry: CatalogEntry) -> Modality:
    """``image`` for 2D files, ``pcl`` for 3D files."""
    return "pcl" if entry.modality == "pointcloud" else "image"


def benchmark_system(name: str | CatalogEntry) -> str:
    """LAMM's benchmark system message for a benchmark (any name or alias), as its scripts used it."""
    entry = name if isinstance(name, CatalogEntry) else resolve(name)
    if not entry.is_benchmark:
        raise ValueError(f"{entry.name} is not a benchmark file")
    if entry.modality == "pointcloud":
        key = entry.task + "3D"
    elif entry.task == "Locating":
        key = "HumanLocating" if entry.dataset == "LSP" else "Locating"
    else:
        key = entry.task
    return BENCHMARK_SYSTEM_BY_TASK[key]


Segment = tuple[str, bool]
"""A piece of text and whether its tokens are supervised (count in the loss)."""


@dataclass(frozen=True)
class PromptParts:
    """A sample as text around its vision tokens: ``<bos> prefix [vision tokens] segments...``."""

    prefix: str
    segments: tuple[Segment, ...]


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

    ``system`` is the benchmark system message (style ``lamm``); ``task_type`` picks the training
    system prompt (style ``train``, honouring ``use_system`` like training did).
    """
    if style == "train":
        return training_parts([{"from": "human", "value": query}], task_type, modality, use_system, template)
    tags = VISION_TAGS[modality]
    text = f"{system}{SEP} {HUMAN}: {query}\n"
    return PromptParts(f"{SEP} {HUMAN}: {tags.start}", ((f"{tags.end} {text}\n{SEP} {ASSISTANT}:", False),))


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
