"""Typed per-sample diagnostics records: one model per record kind, written by the scorers
(``lamm-bench score --diagnostics``, one JSON object per line) and read back by the leaderboard.

Every record starts with the fields of :class:`DiagnosticsRecord` (``benchmark``, ``id``, ``index``,
``missing``, ``text``), followed by its kind's fields. A record holds only the fields its scorer set (a
missing answer has fewer), and :meth:`DiagnosticsRecord.as_dict` returns exactly those, in declaration
order, so a line is written as the scorer built it. Coordinates are as in the ground truth: 2D boxes and
points normalised to [0, 1] (``*_px`` fields in pixels of the stored image), 3D boxes
``[cx, cy, cz, lx, ly, lz]`` in metres. ``lamm`` holds what LAMM's own rule decided for the sample.
Which kind a benchmark writes is its spec's ``diagnostics``.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

_OPEN = ConfigDict(extra="allow")

Box = Annotated[list[float], Field(min_length=4, max_length=6)]
"""A 2D box ``[x1, y1, x2, y2]`` or a 3D box ``[cx, cy, cz, lx, ly, lz]``."""
Box3D = Annotated[list[float], Field(min_length=6, max_length=6)]
Point = Annotated[list[float], Field(min_length=2)]


class PointsParsed(TypedDict, total=False):
    """``parsed`` of the locating kinds: the points read."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    points: list[Point]


class BoxesParsed(TypedDict, total=False):
    """``parsed`` of detection: the boxes read."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    boxes: list[Box]


class GroundingParsed(TypedDict, total=False):
    """``parsed`` of grounding: the first box read and how many were read."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    box: Box3D | None
    boxes: int


class JointParsed(TypedDict, total=False):
    """One LSP joint as read: its point (pixels) and distance to the true joint (pixels)."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    point: Point | None
    distance_px: float | None


class KeypointsParsed(TypedDict, total=False):
    """``parsed`` of keypoints: one entry per joint."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    joints: list[JointParsed]


class DiagnosticsRecord(BaseModel):
    """Fields every record has: which item, the answer (``None`` when missing), what was parsed from it and why
    parsing failed (``None``: it did not). Kinds add ``correct`` (whether the honest metric counts the sample as
    right) where a sample can be right or wrong."""

    model_config = ConfigDict(extra="allow")
    kind: ClassVar[str] = "record"

    benchmark: str
    id: str | None = None
    index: int = Field(ge=0)
    missing: bool
    text: str | dict[str, str] | None = None
    parsed: dict[str, Any] | None = None
    parse_failure: str | None = None

    @classmethod
    def build(cls, **fields: Any) -> DiagnosticsRecord:
        """A record from trusted scorer values (not validated, nothing converted)."""
        return cls.model_construct(**fields)

    def field(self, name: str) -> Any:
        """The value of a field of any kind (``None`` when this record does not have it)."""
        return getattr(self, name, None) if name in type(self).model_fields else (self.__pydantic_extra__ or {}).get(
            name)

    def as_dict(self) -> dict[str, Any]:
        """The fields that were set, in declaration order, then unknown fields read from a file."""
        out = {name: getattr(self, name) for name in type(self).model_fields if name in self.model_fields_set}
        out.update(self.__pydantic_extra__ or {})
        return out


class LabelBox(TypedDict):
    """A ground-truth object: class name and box."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    label: str
    bbox: Box


class CaptionDiagnostics(DiagnosticsRecord):
    """Caption: PTB tokens of the answer (``parsed.tokens``), the references and per-sample scores."""

    kind: ClassVar[str] = "caption"
    references: list[str] | None = None
    scores: dict[str, float | None] | None = None
    lamm: dict[str, float | None] | None = None


class ClassDiagnostics(DiagnosticsRecord):
    """Class-name classification: classes named (``parsed.classes``), expected label, WordNet synonym match."""

    kind: ClassVar[str] = "class_name"
    expected: str | None = None
    correct: bool | None = None
    synonym_match: bool | None = None
    lamm: dict[str, bool] | None = None


class SmileDiagnostics(DiagnosticsRecord):
    """Yes/no smile classification: ``parsed.label`` (``"1"``/``"-1"``) and how it was read."""

    kind: ClassVar[str] = "smile"
    expected: str | None = None
    correct: bool | None = None
    lamm: dict[str, Any] | None = None


class CountingDiagnostics(DiagnosticsRecord):
    """Counting: the number read (``parsed.number``), the expected count and the absolute error (objects)."""

    kind: ClassVar[str] = "counting"
    expected: int | None = None
    error: float | None = None
    correct: bool | None = None
    lamm: dict[str, Any] | None = None


class DetectionDiagnostics(DiagnosticsRecord):
    """Detection: parsed boxes and classes, ground-truth objects and the matches per IoU threshold
    (``matches["0.5"]``, ``matches["0.5_agnostic"]``: ``{pred, gt, iou}``)."""

    kind: ClassVar[str] = "detection"
    parsed: BoxesParsed | None = None  # type: ignore[assignment]
    ground_truth: list[LabelBox] | None = None
    matches: dict[str, list[dict[str, Any]]] | None = None
    correct: bool | None = None
    lamm: dict[str, list[bool]] | None = None


class GroundingDiagnostics(DiagnosticsRecord):
    """3D grounding: the first parsed box (``parsed.box``), the ground-truth box and their IoU."""

    kind: ClassVar[str] = "grounding"
    parsed: GroundingParsed | None = None  # type: ignore[assignment]
    ground_truth: Box3D | None = None
    iou: float | None = None
    correct: bool | None = None
    lamm: dict[str, float | None] | None = None


class KeypointsDiagnostics(DiagnosticsRecord):
    """Keypoints: per joint the point read, its distance in pixels and whether it is within ``threshold_px``
    (``parsed.joints``); ``image_size`` is ``[width, height]`` in pixels."""

    kind: ClassVar[str] = "keypoints"
    parsed: KeypointsParsed | None = None  # type: ignore[assignment]
    threshold_px: float | None = None
    image_size: list[int] | None = None
    correct: bool | None = None
    lamm: dict[str, int] | None = None


class LocatingBoxesDiagnostics(DiagnosticsRecord):
    """Locating objects: parsed points and classes, ground-truth objects, ``{point, object}`` matches."""

    kind: ClassVar[str] = "locating_boxes"
    parsed: PointsParsed | None = None  # type: ignore[assignment]
    ground_truth: list[LabelBox] | None = None
    matches: list[dict[str, int]] | None = None
    correct: bool | None = None
    lamm: dict[str, int] | None = None


class LocatingPersonDiagnostics(DiagnosticsRecord):
    """Locating the person: parsed points and the person box ``[x1, y1, x2, y2]`` in pixels."""

    kind: ClassVar[str] = "locating_person"
    parsed: PointsParsed | None = None  # type: ignore[assignment]
    person_box_px: Annotated[list[float], Field(min_length=4, max_length=4)] | None = None
    image_size: list[int] | None = None
    correct: bool | None = None
    lamm: dict[str, bool] | None = None


class LocatingPointsDiagnostics(DiagnosticsRecord):
    """Locating points: parsed points, ``{point, target}`` matches and the number of target points."""

    kind: ClassVar[str] = "locating_points"
    parsed: PointsParsed | None = None  # type: ignore[assignment]
    matches: list[dict[str, int]] | None = None
    targets: int | None = None
    correct: bool | None = None
    lamm: dict[str, int] | None = None


class OCRDiagnostics(DiagnosticsRecord):
    """OCR: words read, expected words and the matched ones (as multisets)."""

    kind: ClassVar[str] = "ocr"
    expected: list[str] | None = None
    matched: list[str] | None = None
    correct: bool | None = None
    lamm: dict[str, float | None] | None = None


class ChoiceDiagnostics(DiagnosticsRecord):
    """Multiple choice: the option letter read (``parsed.option``) and how, the expected letter."""

    kind: ClassVar[str] = "choice"
    expected: str | None = None
    correct: bool | None = None
    lamm: dict[str, bool] | None = None
    note: str | None = None


def read_record(raw: dict[str, Any], kind: type[DiagnosticsRecord] = DiagnosticsRecord) -> DiagnosticsRecord:
    """A record read from a diagnostics file, validated strictly as ``kind`` (JSON types exactly: ``"no"`` is not a
    boolean nor ``"3"`` an index; boxes and points have their lengths).

    Raises:
        pydantic.ValidationError: a field does not have its kind's type.
    """
    return kind.model_validate(raw, strict=True)
