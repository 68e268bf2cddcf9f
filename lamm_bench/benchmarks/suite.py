"""The 17 LAMM benchmarks: one :class:`~lamm_bench.benchmarks.spec.BenchmarkSpec` each, and the facts they need.

Everything about a benchmark apart from its catalog entry (:mod:`lamm_data.catalog`: files, ground-truth
fields, record model, media) is here: its scorer, its diagnostics record, the LAMM numbers and headline honest
metrics it reports (direction, unit), whether it needs image sizes, its label set, and LAMM's inference protocol
(system message, query layout, two-pass VQA, generation limit). ``docs/adding-a-benchmark.md`` explains how to
add one.

The system messages are LAMM's benchmark messages (``system_msg.py``, ``lamm-formats.md`` §6.1), verbatim:
models trained on them expect exactly these words. 2D benchmarks take the message of their task prefix,
point-cloud ones that of ``<task>3D``; LAMM's locating script picks ``Locating`` for VOC2012 and FSC147 and
``HumanLocating`` for LSP.
"""

from __future__ import annotations

from lamm_bench.benchmarks import answers
from lamm_bench.benchmarks.spec import BenchmarkSpec, InferenceProtocol, Metric, fractions, lamm_percent
from lamm_bench.diagnostics import (
    CaptionDiagnostics,
    ChoiceDiagnostics,
    ClassDiagnostics,
    CountingDiagnostics,
    DetectionDiagnostics,
    GroundingDiagnostics,
    KeypointsDiagnostics,
    LocatingBoxesDiagnostics,
    LocatingPersonDiagnostics,
    LocatingPointsDiagnostics,
    OCRDiagnostics,
    SmileDiagnostics,
)
from lamm_bench.scorers.caption import score_caption
from lamm_bench.scorers.choice import score_choice
from lamm_bench.scorers.classification import score_class_name, score_smile
from lamm_bench.scorers.counting import score_counting
from lamm_bench.scorers.detection import score_detection
from lamm_bench.scorers.grounding import score_grounding
from lamm_bench.scorers.keypoints import score_keypoints
from lamm_bench.scorers.locating import score_locating_boxes, score_locating_person, score_locating_points
from lamm_bench.scorers.ocr import score_ocr
from lamm_data.schemas import JOINT_NAMES

# --- LAMM's benchmark system messages -----------------------------------------------------------------------

_VQA_GOAL = ("visual question answering task, and your goal is to generate natural language answers that accurately "
             "solve the question. In order to generate accurate answers to questions about visual content, you must be "
             "able to understand the content of {what}, understand the meaning of questions, and perform complex "
             "reasoning processes.")

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


_SYS_DETECTION = _msg(
    _MULTIMODAL + "You are now performing an object detection task, and your goal is to locate all "
    "instances of objects in an image, such as people, cars, animals, or other objects, and give the "
    "corresponding coordinates. These coordinates are in the form of bounding boxes, represented as "
    "(x1, y1, x2, y2) with floating numbers ranging from 0 to 1. These values correspond to the top "
    "left x, top left y, bottom right x, and bottom right y. " + _UNDERSTAND.format("images"))
_SYS_CLASSIFICATION = _msg(
    "You are an AI visual assistant with the ability to analyze a single image and perform "
    "classification tasks. You should analyze the given image, and answer the user's questions. "
    "You need to ensure the accuracy and rationality of your answers. The class name you "
    "provide must be a common and general category name.")
_SYS_VQA = _msg(_CHAT + " \nAs an AI assistant, you are performing a " + _VQA_GOAL.format(what="images"))
_SYS_OCR = _msg(
    _OCR_HEAD + "You are performing an Optical Character Recognition task, which involves recognizing and "
    "extracting text from images. To generate accurate answers to questions about the text content of "
    "images, you must be able to accurately recognize and extract text from images, and understand the "
    "meaning of questions.")
# LAMM's caption message starts with the OCR paragraph (a copy-paste slip kept on purpose, §10 item 8).
_SYS_CAPTION = _msg(
    _OCR_HEAD + "As an AI assistant, your primary task is to perform image captioning, which requires "
    "you to generate clear and concise natural language descriptions of the visual content. To achieve "
    "this, you must be able to understand the visual content of the image, identify its salient "
    "features, and generate a coherent and contextually relevant caption that accurately conveys its "
    "meaning. ")
_SYS_COUNTING = _msg(
    _CHAT + "\nAs an AI assistant, you are performing an object counting task. Your goal is to "
    "accurately count the number of objects in an image. Object counting is a computer vision task "
    "that involves detecting and counting the number of instances of specific objects within an "
    "image. You need to analyze the input image and accurately count the number of objects in it.")
_SYS_FINE_GRAINED = _msg(
    "You are an AI visual assistant with the ability to analyze a single image and perform fine-grained "
    "classification tasks. When communicating with curious individuals, your top priority is to provide helpful, "
    "detailed, and polite answers to their questions. Your role as an AI assistant is to provide accurate and "
    "reliable classification information that assists users in making informed decisions based on image data. The "
    "accuracy and reliability of the classification are crucial for users to make informed decisions based on the "
    "image data.")
_SYS_FACIAL = _msg(
    "You are an AI facial feature classification assistant capable of analyzing a single image. There is a "
    "conversation between an inquisitive human and an artificial intelligence assistant. Your task as an AI "
    "assistant is to perform facial feature classification and generate accurate natural language answers. To "
    "generate accurate answers to questions about facial features, you must be able to understand the content of "
    "images, comprehend the meaning of questions, and perform complex reasoning processes.")
_SYS_KEYPOINTS = _msg(_KEYPOINTS)
_SYS_LOCATING = _msg(
    _MULTIMODAL + "You are now performing an object detection task, and your goal is to locate all "
    "instances of objects in an image, such as people, cars, animals, or other objects, and give the "
    "corresponding coordinates. " + _UNDERSTAND.format("images"))
_SYS_HUMAN_LOCATING = _msg(_KEYPOINTS)
_SYS_DETECTION_3D = _msg(
    _MULTIMODAL + "You are now performing an object detection task, and your goal is to locate all "
    "instances of objects in a point cloud, such as furniture, transportations, or other objects, "
    "and give the corresponding coordinates. "
    + _BOX3D_SYS.format("(x1, y1, z1, length, width, height)"))
_SYS_GROUNDING_3D = _msg(
    _MULTIMODAL + "You are now performing an visual grounding task, and your goal is to locate the "
    "instances of objects I want with the given description in a point cloud, such as furniture, or other "
    "objects, and give the corresponding coordinates. "
    + _BOX3D_SYS.format("[x, y, z, length, width, height]"))
_SYS_VQA_3D = _msg(
    _MULTIMODAL + "You are now performing an visual question and answering task, and your goal is to "
    "generate natural language answers that accurately solve the question. In order to generate accurate "
    "answers to questions about visual content, you must be able to understand the content of point "
    "cloud, understand the meaning of questions, and perform complex reasoning processes.")

# --- label sets (the source datasets' class lists) ----------------------------------------------------------

VOC_CLASSES = ("aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow", "diningtable",
               "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor")
"""PASCAL VOC's 20 classes (Detection_VOC2012 and Locating_VOC2012)."""
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
UCMERCED_CLASSES = (
    "agricultural", "airplane", "baseballdiamond", "beach", "buildings", "chaparral", "denseresidential", "forest",
    "freeway", "golfcourse", "harbor", "intersection", "mediumresidential", "mobilehomepark", "overpass", "parkinglot",
    "river", "runway", "sparseresidential", "storagetanks", "tenniscourt")
CELEBA_HAIR_COLOURS = ("black", "blond", "brown", "gray")
"""CelebA's hair-colour attributes."""
SCANNET_CLASSES = ("cabinet", "bed", "chair", "sofa", "table", "door", "window", "bookshelf", "picture", "counter",
                   "desk", "curtain", "refrigerator", "showercurtrain", "toilet", "sink", "bathtub", "garbagebin")
"""The ScanNet-18 (VoteNet) class names."""

# --- shared metric lists ------------------------------------------------------------------------------------

_ACC = lamm_percent("Acc")
_CLASS_HEADLINES = fractions("accuracy_exact", "accuracy_synonym")
_CHOICE_HEADLINES = fractions("accuracy", "parse_rate")
_IMAGE, _CLOUD = 400, 800
"""LAMM's generation limits in new tokens (2D, 3D)."""

# --- the specs, in catalog order ----------------------------------------------------------------------------

CAPTION_FLICKR30K = BenchmarkSpec(
    name="Caption_flickr30k", scorer=score_caption, diagnostics=CaptionDiagnostics,
    answer=answers.caption,
    lamm=lamm_percent("BLEU4"),
    headlines=(Metric("CIDEr-D", "higher", "score"), *fractions("BLEU-4", "ROUGE-L")),
    protocol=InferenceProtocol(_SYS_CAPTION, task_type="description"), scoring_cost=60,  # CIDEr-D bootstrap
    reported_key="flickr30k", reported_metric="BLEU4")

CLASSIFICATION_CIFAR10 = BenchmarkSpec(
    name="Classification_CIFAR10", scorer=score_class_name, diagnostics=ClassDiagnostics,
    answer=answers.class_name,
    lamm=_ACC, headlines=_CLASS_HEADLINES, label_set=CIFAR10_CLASSES,
    lamm_rule=("synonym", "answers"),  # LAMM's CIFAR10 accuracy divides by the answers given (len(pred_data))
    protocol=InferenceProtocol(_SYS_CLASSIFICATION, task_type="classification"),
    reported_key="cifar10", reported_metric="Acc")

COUNTING_FSC147 = BenchmarkSpec(
    name="Counting_FSC147", scorer=score_counting, diagnostics=CountingDiagnostics,
    answer=answers.counting,
    lamm=(Metric("MAE", "lower", "count"), Metric("MAE(<10)", "lower", "count")),
    headlines=(Metric("MAE_all", "lower", "count"), Metric("MAE", "lower", "count", over="parsed"),
               Metric("RMSE", "lower", "count", over="parsed"), Metric("exact_accuracy")),
    protocol=InferenceProtocol(_SYS_COUNTING, task_type="counting"),
    reported_key="fsc147", reported_metric="MAE")

DETECTION_VOC2012 = BenchmarkSpec(
    name="Detection_VOC2012", scorer=score_detection, diagnostics=DetectionDiagnostics,
    answer=answers.detection,
    lamm=lamm_percent("mAP@0.5"),
    headlines=fractions("f1@0.5", "ap@0.5", "recall@0.5_agnostic"),
    label_set=VOC_CLASSES,
    protocol=InferenceProtocol(_SYS_DETECTION, task_type="detection"), scoring_cost=20,  # AP bootstrap, WordNet
    reported_key="voc2012", reported_metric="mAP@0.5")

FACIAL_CLASSIFICATION_CELEBA_HAIR = BenchmarkSpec(
    name="Facial_Classification_CelebA(Hair)", scorer=score_class_name, diagnostics=ClassDiagnostics,
    answer=answers.hair_colour,
    lamm=_ACC, headlines=_CLASS_HEADLINES, label_set=CELEBA_HAIR_COLOURS, lamm_rule=("synonym",),
    protocol=InferenceProtocol(_SYS_FACIAL, task_type="classification"),
    reported_key="hair", reported_metric="Acc")

FACIAL_CLASSIFICATION_CELEBA_SMILE = BenchmarkSpec(
    name="Facial_Classification_CelebA(Smile)", scorer=score_smile, diagnostics=SmileDiagnostics,
    answer=answers.smile,
    lamm=_ACC, headlines=fractions("accuracy"),
    protocol=InferenceProtocol(_SYS_FACIAL, task_type="classification"),
    reported_key="smile", reported_metric="Acc")

FINE_GRAINED_CLASSIFICATION_UCMERCED = BenchmarkSpec(
    name="Fine-grained_Classification_UCMerced", scorer=score_class_name, diagnostics=ClassDiagnostics,
    answer=answers.fine_grained,
    lamm=_ACC, headlines=_CLASS_HEADLINES, label_set=UCMERCED_CLASSES,
    lamm_rule=("substring",),  # LAMM's UCMerced rule: the label as a case-sensitive substring of the answer
    protocol=InferenceProtocol(_SYS_FINE_GRAINED, task_type="classification"),
    reported_key="ucmerced", reported_metric="Acc")

KEYPOINTS_DETECTION_LSP = BenchmarkSpec(
    name="Keypoints_Detection_LSP", scorer=score_keypoints, diagnostics=KeypointsDiagnostics,
    answer=answers.keypoints,
    lamm=lamm_percent("PCK"), headlines=fractions("pck@0.1"),
    metrics=(Metric("joint_parse_failure_rate", "lower"),), needs_image_size=True,
    protocol=InferenceProtocol(_SYS_KEYPOINTS, task_type="keypoint_detection", layout="per_joint",
                               joints=JOINT_NAMES), scoring_cost=3,
    reported_key="lsp", reported_metric="PCK")

LOCATING_FSC147 = BenchmarkSpec(
    name="Locating_FSC147", scorer=score_locating_points, diagnostics=LocatingPointsDiagnostics,
    answer=answers.locating_points,
    lamm=_ACC, headlines=fractions("recall@0.1", "precision@0.1"), needs_image_size=True,
    protocol=InferenceProtocol(_SYS_LOCATING, task_type="detection"), scoring_cost=2)

LOCATING_LSP = BenchmarkSpec(
    name="Locating_LSP", scorer=score_locating_person, diagnostics=LocatingPersonDiagnostics,
    answer=answers.hips,
    lamm=_ACC, headlines=fractions("accuracy"), needs_image_size=True,
    protocol=InferenceProtocol(_SYS_HUMAN_LOCATING, task_type="keypoint_detection"), scoring_cost=2)

LOCATING_VOC2012 = BenchmarkSpec(
    name="Locating_VOC2012", scorer=score_locating_boxes, diagnostics=LocatingBoxesDiagnostics,
    answer=answers.locating_boxes,
    lamm=_ACC, headlines=fractions("recall", "precision"), label_set=VOC_CLASSES,
    protocol=InferenceProtocol(_SYS_LOCATING, task_type="detection"), scoring_cost=2)

OCR_SVT = BenchmarkSpec(
    name="OCR_SVT", scorer=score_ocr, diagnostics=OCRDiagnostics,
    answer=answers.ocr,
    lamm=lamm_percent("Word Acc"), headlines=fractions("word_recall", "word_precision"),
    protocol=InferenceProtocol(_SYS_OCR, task_type="VQA"),
    reported_key="svt", reported_metric="Word Acc")

VQA_AI2D = BenchmarkSpec(
    name="VQA_AI2D", scorer=score_choice, diagnostics=ChoiceDiagnostics,
    answer=answers.choice,
    lamm=_ACC, headlines=_CHOICE_HEADLINES, choice_letters="ABCDE",
    protocol=InferenceProtocol(_SYS_VQA, task_type="VQA", two_pass_vqa=True),
    reported_key="ai2d", reported_metric="Acc")

VQA_SQAIMAGE = BenchmarkSpec(
    name="VQA_SQAimage", scorer=score_choice, diagnostics=ChoiceDiagnostics,
    answer=answers.choice,
    lamm=_ACC, headlines=_CHOICE_HEADLINES, choice_letters="ABCDE",
    protocol=InferenceProtocol(_SYS_VQA, task_type="VQA", two_pass_vqa=True),
    reported_key="sqa", reported_metric="Acc")

DETECTION_SCANNET = BenchmarkSpec(
    name="Detection_ScanNet", scorer=score_detection, diagnostics=DetectionDiagnostics,
    answer=answers.detection3d,
    lamm=lamm_percent("mAP@0.5"),
    headlines=fractions("f1@0.25", "ap@0.25", "recall@0.25_agnostic"),
    label_set=SCANNET_CLASSES, three_d=True,
    protocol=InferenceProtocol(_SYS_DETECTION_3D, task_type="detection3d", max_new_tokens=_CLOUD), scoring_cost=20,
    reported_key="scannet", reported_metric="mAP@0.5")

VG_SCANREFER = BenchmarkSpec(
    name="VG_ScanRefer", scorer=score_grounding, diagnostics=GroundingDiagnostics,
    answer=answers.grounding,
    lamm=lamm_percent("Acc@0.25", "Acc@0.5"), headlines=fractions("acc@0.25", "acc@0.5"), three_d=True,
    protocol=InferenceProtocol(_SYS_GROUNDING_3D, task_type="visual_grounding3d", max_new_tokens=_CLOUD),
    reported_key="scanrefer", reported_metric="Acc@0.5")

VQA_SCANQA_MULTIPLECHOICE = BenchmarkSpec(
    name="VQA_ScanQA_multiplechoice", scorer=score_choice, diagnostics=ChoiceDiagnostics,
    answer=answers.choice,
    lamm=_ACC, headlines=_CHOICE_HEADLINES, choice_letters="ABCDEF",
    protocol=InferenceProtocol(_SYS_VQA_3D, task_type="VQA3d", two_pass_vqa=True, max_new_tokens=_CLOUD),
    reported_key="scanqa", reported_metric="Acc")

LAMM_SPECS: tuple[BenchmarkSpec, ...] = (
    CAPTION_FLICKR30K, CLASSIFICATION_CIFAR10, COUNTING_FSC147, DETECTION_VOC2012, FACIAL_CLASSIFICATION_CELEBA_HAIR,
    FACIAL_CLASSIFICATION_CELEBA_SMILE, FINE_GRAINED_CLASSIFICATION_UCMERCED, KEYPOINTS_DETECTION_LSP,
    LOCATING_FSC147, LOCATING_LSP, LOCATING_VOC2012, OCR_SVT, VQA_AI2D, VQA_SQAIMAGE, DETECTION_SCANNET,
    VG_SCANREFER, VQA_SCANQA_MULTIPLECHOICE)
"""The spec of every benchmark of the LAMM release, in catalog order."""
