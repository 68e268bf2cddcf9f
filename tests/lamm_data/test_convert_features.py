"""The one schema -> column mapping: every record type's columns, and the three renderings agree."""

from __future__ import annotations

from typing import Literal

import datasets
import pyarrow as pa
import pytest
from typing_extensions import TypedDict

from lamm_data.features import (
    ImageRef,
    ListOf,
    Scalar,
    StructOf,
    arrow_schema,
    columns,
    features_dict,
    hf_features,
    spec_of,
)
from lamm_data.pointcloud import LammPointCloud
from lamm_data.schemas import RECORD_MODELS, Box2D, Box3D, RecordId

TURNS = pa.list_(pa.struct([("from", pa.string()), ("value", pa.string())]))
POINTS = pa.list_(pa.list_(pa.float64()))
OBJECTS_2D = pa.list_(pa.struct([("label", pa.string()), ("bbox", pa.list_(pa.float64(), 4))]))
OBJECTS_3D = pa.list_(pa.struct([("label", pa.string()), ("bbox", pa.list_(pa.float64(), 6))]))
IMAGE = [("image", pa.struct([("bytes", pa.binary()), ("path", pa.string())])), ("image_path", pa.string()),
         ("width", pa.int32()), ("height", pa.int32())]
PCL = [("pcl", pa.string()), ("pcl_path", pa.string()), ("num_points", pa.int32()), ("channels", pa.int32())]
S = pa.string()

# Written out by hand from lamm-formats.md §3-§5, independently of the mapping under test.
EXPECTED: dict[str, list[tuple[str, pa.DataType]]] = {
    "instruct2d": [*IMAGE, ("conversations", TURNS), ("task_type", S), ("src_image", S)],
    "instruct3d": [*PCL, ("conversations", TURNS), ("task_type", S), ("src_dataset", S), ("src_id", S)],
    "caption": [*IMAGE, ("query", S), ("sentences", pa.list_(S))],
    "classification": [*IMAGE, ("query", S), ("label", pa.int64())],  # ClassLabel indices
    "counting": [*IMAGE, ("query", S), ("num", pa.int64()), ("points", POINTS)],
    "detection2d": [*IMAGE, ("query", S), ("object", OBJECTS_2D)],
    "facial_hair": [*IMAGE, ("query", S), ("attr", pa.int64())],
    "facial_smile": [*IMAGE, ("query", S), ("attr", pa.int64())],
    "finegrained": [*IMAGE, ("query", S), ("label", pa.int64())],
    "keypoints": [*IMAGE, ("query", S), ("gt_joints", pa.list_(pa.list_(pa.float64()), 14))],
    "locating_points": [*IMAGE, ("query", S), ("points", POINTS)],
    "locating_joints": [*IMAGE, ("query", S), ("gt_joints", pa.list_(pa.list_(pa.float64()), 14))],
    "locating_boxes": [*IMAGE, ("query", S), ("object", OBJECTS_2D)],
    "ocr": [*IMAGE, ("query", S), ("word_list", pa.list_(S))],
    "vqa_choice": [*IMAGE, ("query", S), ("gt_choice", pa.int64()), ("gt_choices", pa.list_(S))],
    "vqa_choice3d": [*PCL, ("query", S), ("gt_choice", pa.int64()), ("gt_choices", pa.list_(S))],
    "detection3d": [*PCL, ("query", S), ("object", OBJECTS_3D)],
    "grounding3d": [*PCL, ("query", S), ("object", pa.list_(pa.float64(), 6)), ("gt_bbox", pa.list_(pa.float64(), 6))],
}


def test_every_record_type_is_covered() -> None:
    assert set(EXPECTED) == set(RECORD_MODELS)


@pytest.mark.parametrize("record", sorted(RECORD_MODELS))
def test_columns_of_each_record_type(record: str) -> None:
    expected = pa.schema([("index", pa.int64()), ("id", S), *EXPECTED[record], ("extra", S)])
    assert arrow_schema(columns(RECORD_MODELS[record])) == expected


@pytest.mark.parametrize("record", sorted(RECORD_MODELS))
@pytest.mark.parametrize("embed", [False, True])
def test_renderings_agree_with_datasets(record: str, embed: bool) -> None:
    """Our hand-rendered features JSON is what datasets itself produces, and maps to the same Arrow schema."""
    cols = columns(RECORD_MODELS[record], embed_media=embed)
    features = datasets.Features.from_dict(features_dict(cols))
    assert features.to_dict() == features_dict(cols)
    assert features.arrow_schema == arrow_schema(cols)
    decoding = hf_features(cols)
    assert decoding.arrow_schema == arrow_schema(cols)  # the decoding features read the same storage
    if "pcl" not in features:
        assert decoding == features
    else:  # the stored features are plain types; the decoding one replaces only the point cloud
        assert hf_features(cols, decode=False) == features
        assert {k: v for k, v in decoding.items() if k != "pcl"} == {k: v for k, v in features.items() if k != "pcl"}
        assert isinstance(decoding["pcl"], LammPointCloud) and decoding["pcl"].embedded == embed
        assert datasets.Features.from_dict(decoding.to_dict()) == decoding  # registered: copies rebuild it


def test_embedding_stores_the_points_themselves_for_point_clouds() -> None:
    assert [n for n, _ in columns(RECORD_MODELS["caption"], embed_media=True)] == \
        [n for n, _ in columns(RECORD_MODELS["caption"])]
    names = [n for n, _ in columns(RECORD_MODELS["instruct3d"], embed_media=True)]
    assert names[2:6] == ["pcl", "pcl_path", "num_points", "channels"]
    assert arrow_schema(columns(RECORD_MODELS["instruct3d"], embed_media=True)).field("pcl").type == \
        pa.list_(pa.list_(pa.float32()))


def test_closed_label_sets_are_class_labels() -> None:
    cifar = hf_features(columns(RECORD_MODELS["classification"]))["label"]
    assert cifar == datasets.ClassLabel(names=["airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
                                               "horse", "ship", "truck"])
    assert hf_features(columns(RECORD_MODELS["facial_smile"]))["attr"].names == ["-1", "1"]
    assert hf_features(columns(RECORD_MODELS["facial_hair"]))["attr"].names == ["black", "blond", "brown", "gray"]
    ucmerced = hf_features(columns(RECORD_MODELS["finegrained"]))["label"]
    assert ucmerced.num_classes == 21 and ucmerced.str2int("tenniscourt") == 20


def test_decode_flag_switches_image_decoding() -> None:
    cols = columns(RECORD_MODELS["caption"])
    assert hf_features(cols)["image"] == datasets.Image()
    assert hf_features(cols, decode=False)["image"] == datasets.Image(decode=False)
    assert isinstance(dict(cols)["image"], ImageRef)


class _Pair(TypedDict):
    name: str
    score: float


@pytest.mark.parametrize(("annotation", "spec"), [
    pytest.param(str, Scalar("string"), id="str"),
    pytest.param(int, Scalar("int64"), id="int"),
    pytest.param(float, Scalar("float64"), id="float"),
    pytest.param(str | None, Scalar("string"), id="optional"),
    pytest.param(RecordId, Scalar("string"), id="int-or-str-id"),
    pytest.param(Literal["1", "-1"], Scalar("string"), id="literal-str"),
    pytest.param(Literal[1, 2], Scalar("int64"), id="literal-int"),
    pytest.param(list[str], ListOf(Scalar("string")), id="list"),
    pytest.param(Box2D, ListOf(Scalar("float64"), 4), id="box2d"),
    pytest.param(Box3D | None, ListOf(Scalar("float64"), 6), id="optional-box3d"),
    pytest.param(list[_Pair], ListOf(StructOf((("name", Scalar("string")), ("score", Scalar("float64"))))),
                 id="typeddict"),
])
def test_type_rules(annotation: object, spec: object) -> None:
    assert spec_of(annotation) == spec


def test_length_constraints_fix_list_length() -> None:
    model = RECORD_MODELS["keypoints"]
    field = model.model_fields["gt_joints"]
    assert spec_of(field.annotation, field.metadata) == ListOf(ListOf(Scalar("float64")), 14)
    caption = RECORD_MODELS["caption"].model_fields["sentences"]  # min_length=1 only: variable length
    assert spec_of(caption.annotation, caption.metadata) == ListOf(Scalar("string"))


@pytest.mark.parametrize("annotation", [dict[str, int], bytes, int | list[int]])
def test_unknown_types_are_refused(annotation: object) -> None:
    with pytest.raises(TypeError, match="no column type"):
        spec_of(annotation)
