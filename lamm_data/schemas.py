"""pydantic v2 models of every LAMM record type (one item of a meta file).

Conventions (``../shared/docs/lamm-formats.md`` §3-§5):

* media paths (``image``, ``pcl``) are relative to the split folder (``2D_Benchmark/`` ...), may start
  with ``./`` and must not be absolute or climb out with ``..``;
* 2D boxes (VOC) are normalised ``[x1, y1, x2, y2]`` in [0, 1] (top-left, bottom-right);
* LSP joints and FSC147 points are in pixels of the stored image (``[x, y]`` or ``[x, y, flag]``);
* 3D boxes are axis-aligned ``[cx, cy, cz, lx, ly, lz]``: centre and full size in metres;
* ``gt_choice`` is an index into ``gt_choices`` (0 is option A);
* ids may be int or str (compare them as strings); numbers must be finite.

Fields not in a model are kept (``extra="allow"``) and reported as warnings by the validator.
Nested values (turns, objects) are ``TypedDict``s, so validating a 300 MB file builds one model
per item rather than one per nested value.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)
from typing_extensions import TypedDict

SCHEMA_VERSION = "1"
"""Version of these record models; bump when a model changes in a way converted data depends on."""

JOINT_NAMES: tuple[str, ...] = (
    "right ankle", "right knee", "right hip", "left hip", "left knee", "left ankle", "right wrist",
    "right elbow", "right shoulder", "left shoulder", "left elbow", "left wrist", "neck", "head top",
)
"""The 14 LSP joints in file order (LAMM's ``keypoints_definition``)."""

CHOICE_LETTERS = "ABCDEF"


def normalise_media_path(value: str) -> str:
    """A media path as the POSIX path it names: backslashes are separators, ``.``, ``..`` and ``//`` resolved.

    ``./scannet_pcls/a.npy`` -> ``scannet_pcls/a.npy``; a path ``normpath`` would not change is returned as is
    (the common case, without the call).
    """
    if "\\" in value or "/." in value or "//" in value or value[:1] == "." or value[-1:] == "/":
        return posixpath.normpath(value.replace("\\", "/"))
    return value


def _check_media_path(value: str) -> str:
    if not value:
        raise ValueError("media path is empty")
    if "\x00" in value:
        raise ValueError("media path holds a NUL character (\\x00), which no file name can hold")
    if value[0] in "/\\" or value[1:2] == ":":
        raise ValueError(f"media path {value!r} is absolute; expected a path relative to the split folder")
    if ".." in value:  # only a '..' component can leave the folder (checked per item: keep the common case cheap)
        normal = normalise_media_path(value)
        if normal == ".." or normal.startswith("../"):
            raise ValueError(f"media path {value!r} leaves the split folder")
    return value


MediaPath = Annotated[str, AfterValidator(_check_media_path)]
"""A media path relative to the split folder (``./`` prefix allowed)."""


def _check_id(value: Any) -> Any:
    if type(value) in (str, int):  # the common case, without the isinstance checks below
        return value
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"id must be an integer or a string, got {type(value).__name__} {value!r}")
    return value


RecordId = Annotated[StrictInt | StrictStr, BeforeValidator(_check_id)]
"""Item id as stored (int or str); compare ids by their string form."""
NonEmptyStr = Annotated[str, Field(min_length=1)]
"""A string of at least one character."""


def _check_point(value: list[float]) -> list[float]:
    if len(value) not in (2, 3):
        raise ValueError(f"expected [x, y] or [x, y, flag] (2 or 3 numbers), got {len(value)} numbers")
    return value


def _check_box2d(value: list[float]) -> list[float]:
    if len(value) != 4:
        raise ValueError(f"expected [x1, y1, x2, y2] (4 numbers), got {len(value)} numbers")
    x1, y1, x2, y2 = value
    if not all(0.0 <= v <= 1.0 for v in value):
        raise ValueError(f"box {value} is not normalised: every coordinate must lie in [0, 1]")
    if x1 > x2 or y1 > y2:
        raise ValueError(f"box {value} has x1 > x2 or y1 > y2; expected top-left then bottom-right corner")
    return value


def _check_box3d(value: list[float]) -> list[float]:
    if len(value) != 6:
        raise ValueError(f"expected [cx, cy, cz, lx, ly, lz] (6 numbers), got {len(value)} numbers")
    if any(v < 0 for v in value[3:]):
        raise ValueError(f"box {value} has a negative size; sizes (last 3 numbers) must be >= 0 metres")
    return value


FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
"""A number that is not NaN or infinite."""
Point = Annotated[list[FiniteFloat], AfterValidator(_check_point)]
"""A 2D point in pixels: ``[x, y]`` or ``[x, y, flag]``."""
Box2D = Annotated[list[FiniteFloat], AfterValidator(_check_box2d)]
"""Normalised ``[x1, y1, x2, y2]`` in [0, 1]."""
Box3D = Annotated[list[FiniteFloat], AfterValidator(_check_box3d)]
"""Axis-aligned ``[cx, cy, cz, lx, ly, lz]`` in metres."""

_NESTED = ConfigDict(extra="allow", allow_inf_nan=False)

Turn = TypedDict("Turn", {"from": Literal["human", "gpt"], "value": str})
Turn.__pydantic_config__ = _NESTED  # type: ignore[attr-defined]


class Object2D(TypedDict):
    """One VOC object: class name and normalised box."""

    __pydantic_config__ = _NESTED  # type: ignore[misc]
    label: NonEmptyStr
    bbox: Box2D


class Object3D(TypedDict):
    """One ScanNet object: class name and centre/size box in metres."""

    __pydantic_config__ = _NESTED  # type: ignore[misc]
    label: NonEmptyStr
    bbox: Box3D


class Record(BaseModel):
    """Base of every record model. ``NESTED_KEYS`` lists, per nested field, the keys its items may have."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False, populate_by_name=True)
    KEY: ClassVar[str] = ""
    """The model's name in converted data (provenance) and in the docs (``detection2d``)."""
    NESTED_KEYS: ClassVar[dict[str, frozenset[str]]] = {}
    COALESCED: ClassVar[dict[str, tuple[str, ...]]] = {}
    """Fields whose value is read from the first of several keys that holds one (older files spell them
    differently); readers use :meth:`coalesce`, so each such rule is written here once."""

    id: RecordId | None = None

    @classmethod
    def coalesce(cls, name: str, values: Mapping[str, Any]) -> Any:
        """The value of the field ``name`` from an item's ``values`` (a record's fields or a row), honouring
        :attr:`COALESCED` (``None`` when no key holds one)."""
        for key in cls.COALESCED.get(name, (name,)):
            value = values.get(key)
            if value is not None:
                return value
        return None

    def unknown_values(self) -> dict[str, Any]:
        """Values present in the source item but not in the model, by dotted name (``conversations[2].weight``)."""
        found = dict(self.__pydantic_extra__ or {})
        for name, allowed in self.NESTED_KEYS.items():
            values = getattr(self, name) or ()
            if max(map(len, values), default=0) <= len(allowed):
                continue  # no nested value has more keys than allowed (the common case, checked in C)
            for i, value in enumerate(values):
                if isinstance(value, dict) and len(value) > len(allowed):
                    found.update({f"{name}[{i}].{k}": v for k, v in value.items() if k not in allowed})
        return found

    def unknown_fields(self) -> list[str]:
        """Dotted names of fields present in the source item but not in the model (for warnings)."""
        return list(self.unknown_values())


class _Instruct(Record):
    NESTED_KEYS: ClassVar[dict[str, frozenset[str]]] = {"conversations": frozenset(("from", "value"))}
    conversations: list[Turn]
    task_type: str = "normal"

    @field_validator("conversations")
    @classmethod
    def _alternating(cls, turns: list[Turn]) -> list[Turn]:
        if len(turns) < 2:
            raise ValueError(f"expected at least one human turn and one gpt turn, got {len(turns)} turn(s)")
        speakers = [turn["from"] for turn in turns]
        if speakers[::2].count("human") + speakers[1::2].count("gpt") == len(speakers):
            return turns  # the common case, checked without a Python-level loop
        for i, turn in enumerate(turns):
            expected = "human" if i % 2 == 0 else "gpt"
            if turn["from"] != expected:
                raise ValueError(
                    f"turn {i} is from {turn['from']!r}; expected {expected!r} (turns alternate human/gpt, "
                    "starting with human)"
                )
        return turns


class InstructRecord2D(_Instruct):
    """2D instruction item: ``image`` + ``conversations`` (+ ``task_type``, ``src_image``)."""

    KEY: ClassVar[str] = "instruct2d"

    image: MediaPath
    src_image: str | None = None


class InstructRecord3D(_Instruct):
    """3D instruction item: ``pcl`` + ``conversations`` (+ ``task_type``, ``src_dataset``, ``src_id``)."""

    KEY: ClassVar[str] = "instruct3d"

    pcl: MediaPath
    src_dataset: str | None = None
    src_id: str | None = None


class Benchmark2DRecord(Record):
    """Common part of 2D benchmark items: ``id``, ``image``, ``query``."""

    image: MediaPath
    query: str


class Benchmark3DRecord(Record):
    """Common part of 3D benchmark items: ``id``, ``pcl``, ``query``."""

    pcl: MediaPath
    query: str


class CaptionRecord(Benchmark2DRecord):
    """Caption_flickr30k: reference captions in ``sentences``."""

    KEY: ClassVar[str] = "caption"

    sentences: list[str] = Field(min_length=1)


class ClassificationRecord(Benchmark2DRecord):
    """Classification_CIFAR10: class name in ``label``."""

    KEY: ClassVar[str] = "classification"

    label: NonEmptyStr


class FineGrainedRecord(Benchmark2DRecord):
    """Fine-grained_Classification_UCMerced: land-use class in ``label`` (matched case-sensitively)."""

    KEY: ClassVar[str] = "finegrained"

    label: NonEmptyStr


class CountingRecord(Benchmark2DRecord):
    """Counting_FSC147: object count ``num`` (optionally the object centres in pixels)."""

    KEY: ClassVar[str] = "counting"

    num: StrictInt = Field(ge=0)
    points: list[Point] | None = None


class DetectionRecord(Benchmark2DRecord):
    """Detection_VOC2012: ``object`` = list of ``{label, bbox}``, boxes normalised."""

    KEY: ClassVar[str] = "detection2d"

    NESTED_KEYS: ClassVar[dict[str, frozenset[str]]] = {"object": frozenset(("label", "bbox"))}
    object: list[Object2D]


class LocatingBoxesRecord(DetectionRecord):
    """Locating_VOC2012: same ground truth as detection; the model answers with points."""

    KEY: ClassVar[str] = "locating_boxes"


class FacialHairRecord(Benchmark2DRecord):
    """Facial_Classification_CelebA(Hair): hair colour word in ``attr``."""

    KEY: ClassVar[str] = "facial_hair"

    attr: NonEmptyStr


class FacialSmileRecord(Benchmark2DRecord):
    """Facial_Classification_CelebA(Smile): ``attr`` is the string ``"1"`` (smiling) or ``"-1"``."""

    KEY: ClassVar[str] = "facial_smile"

    attr: Literal["1", "-1"]


class KeypointsRecord(Benchmark2DRecord):
    """Keypoints_Detection_LSP: 14 joints in pixels, LSP order (:data:`JOINT_NAMES`)."""

    KEY: ClassVar[str] = "keypoints"

    gt_joints: list[Point] = Field(min_length=14, max_length=14)


class LocatingJointsRecord(KeypointsRecord):
    """Locating_LSP: joints in pixels; the person box is their min/max."""

    KEY: ClassVar[str] = "locating_joints"


class LocatingPointsRecord(Benchmark2DRecord):
    """Locating_FSC147: object centres ``points`` in pixels."""

    KEY: ClassVar[str] = "locating_points"

    points: list[Point]


class OCRRecord(Benchmark2DRecord):
    """OCR_SVT: ground-truth words in ``word_list``."""

    KEY: ClassVar[str] = "ocr"

    word_list: list[str] = Field(min_length=1)


class _Choice:
    MAX_CHOICES: ClassVar[int] = 5

    @model_validator(mode="after")
    def _choice_in_range(self) -> Any:
        n = len(self.gt_choices)  # type: ignore[attr-defined]
        if not 2 <= n <= self.MAX_CHOICES:
            raise ValueError(f"gt_choices has {n} options; expected 2 to {self.MAX_CHOICES}")
        if not 0 <= self.gt_choice < n:  # type: ignore[attr-defined]
            raise ValueError(f"gt_choice {self.gt_choice} is not an index into gt_choices (0..{n - 1})")  # type: ignore[attr-defined]
        return self


class ChoiceRecord(_Choice, Benchmark2DRecord):
    """VQA_AI2D / VQA_SQAimage: ``gt_choice`` indexes ``gt_choices`` (letters A-E)."""

    KEY: ClassVar[str] = "vqa_choice"

    gt_choice: StrictInt
    gt_choices: list[str]


class Choice3DRecord(_Choice, Benchmark3DRecord):
    """VQA_ScanQA_multiplechoice: ``gt_choice`` indexes ``gt_choices`` (letters A-F)."""

    KEY: ClassVar[str] = "vqa_choice3d"

    MAX_CHOICES: ClassVar[int] = 6
    gt_choice: StrictInt
    gt_choices: list[str]


class Detection3DRecord(Benchmark3DRecord):
    """Detection_ScanNet: ``object`` = list of ``{label, bbox}`` with centre/size boxes in metres."""

    KEY: ClassVar[str] = "detection3d"

    NESTED_KEYS: ClassVar[dict[str, frozenset[str]]] = {"object": frozenset(("label", "bbox"))}
    object: list[Object3D]


class Grounding3DRecord(Benchmark3DRecord):
    """VG_ScanRefer: one box under ``object`` (current files) or ``gt_bbox`` (older copies)."""

    KEY: ClassVar[str] = "grounding3d"

    COALESCED: ClassVar[dict[str, tuple[str, ...]]] = {"object": ("object", "gt_bbox")}
    object: Box3D | None = None
    gt_bbox: Box3D | None = None

    @model_validator(mode="after")
    def _one_box(self) -> Grounding3DRecord:
        if (self.object is None) == (self.gt_bbox is None):
            raise ValueError("expected exactly one of 'object' (current files) or 'gt_bbox' (older files)")
        return self

    @property
    def box(self) -> list[float]:
        """The ground-truth box, whichever key held it (the ``object`` rule of :attr:`COALESCED`)."""
        return self.coalesce("object", self.__dict__)


RECORD_MODELS: dict[str, type[Record]] = {model.KEY: model for model in (
    InstructRecord2D, InstructRecord3D, CaptionRecord, ClassificationRecord, CountingRecord, DetectionRecord,
    FacialHairRecord, FacialSmileRecord, FineGrainedRecord, KeypointsRecord, LocatingPointsRecord, LocatingJointsRecord,
    LocatingBoxesRecord, OCRRecord, ChoiceRecord, Choice3DRecord, Detection3DRecord, Grounding3DRecord)}
"""The record models of the LAMM release by :attr:`Record.KEY` (each catalog entry names its model)."""


def media_field(model: type[Record]) -> str:
    """Name of the media field of a record model: ``image`` or ``pcl``."""
    return "pcl" if "pcl" in model.model_fields else "image"

