"""The one mapping from record schemas to column types: pydantic model -> Arrow schema / ``datasets.Features``.

:func:`columns` walks a record model's fields and turns every type into a small :data:`Spec` tree
(``Scalar``, ``ListOf``, ``StructOf``, ``ImageRef``). The tree is then rendered three ways, which
cannot disagree because they come from the same tree:

* :func:`arrow_schema` - the ``pyarrow`` schema the converter writes;
* :func:`features_dict` - the JSON form ``datasets`` stores in an Arrow file's metadata (no ``datasets``
  import needed, so converting stays light);
* :func:`hf_features` - the ``datasets.Features`` object (imports ``datasets`` lazily), with the point-cloud
  feature that decodes ``.npy`` files on access (:mod:`lamm_data.pointcloud`).

Type rules: ``str`` and ``Literal`` strings -> string; ``int`` -> int64; ``float`` -> float64; an
``int | str`` union (record ids) -> string; ``X | None`` -> nullable X; ``list[T]`` -> list of T, fixed-size
when the schema fixes the length (boxes: 4 or 6 numbers; LSP: 14 joints); a ``TypedDict`` -> struct
(conversation turns ``{from, value}``, objects ``{label, bbox}``). Every column is nullable.

Columns of every split, in order: ``index`` (int64, position in the source file), ``id`` (string),
the media columns (2D: ``image``, ``image_path``, ``width``, ``height``; 3D: ``pcl`` - the absolute path, or
with ``--embed-media`` the points themselves as a float32 list of rows - ``pcl_path``, ``num_points``,
``channels``), the schema fields in model order (closed label sets - CIFAR10, UCMerced, CelebA - as
``ClassLabel`` indices, :data:`CLASS_LABELS`), and ``extra`` (JSON text of values not in the schema, ``null``
when there are none).
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

import annotated_types
import pyarrow as pa
from pydantic.fields import FieldInfo
from typing_extensions import is_typeddict

from lamm_data.schemas import Box2D, Box3D, Record, media_field

if TYPE_CHECKING:
    import datasets


@dataclass(frozen=True)
class Scalar:
    """One value: ``dtype`` is a ``datasets.Value`` dtype name (``string``, ``int64``, ``float64`` ...)."""

    dtype: str


@dataclass(frozen=True)
class ListOf:
    """A list of ``item``; ``length`` > 0 makes it fixed-size (an Arrow ``fixed_size_list``)."""

    item: Spec
    length: int = -1


@dataclass(frozen=True)
class StructOf:
    """A struct with named fields, in order."""

    fields: tuple[tuple[str, Spec], ...]


@dataclass(frozen=True)
class ImageRef:
    """A ``datasets.Image``: struct ``{bytes, path}``; path-referenced unless the bytes are embedded."""


@dataclass(frozen=True)
class ClassLabelOf:
    """A ``datasets.ClassLabel``: the class index (int64) into ``names``, a closed label set."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class PointCloudRef:
    """A point cloud: its absolute path (``storage="path"``), or the points themselves as a float32 list of
    ``(N, C)`` rows (``storage="embedded"``, ``--embed-media``). Read with ``decode=True`` it is a float32
    array ``(N, C)``, x, y, z in metres first (:class:`LammPointCloud`)."""

    storage: Literal["path", "embedded"] = "path"


Spec = Scalar | ListOf | StructOf | ImageRef | ClassLabelOf | PointCloudRef

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
"""CIFAR-10's classes in the dataset's own order (LAMM's ``label`` strings)."""
UCMERCED_CLASSES = ("agricultural", "airplane", "baseballdiamond", "beach", "buildings", "chaparral",
                    "denseresidential", "forest", "freeway", "golfcourse", "harbor", "intersection",
                    "mediumresidential", "mobilehomepark", "overpass", "parkinglot", "river", "runway",
                    "sparseresidential", "storagetanks", "tenniscourt")
"""UC Merced Land Use's 21 classes, as its image folders (and LAMM's ``label``) spell them."""
CELEBA_HAIR_CLASSES = ("black", "blond", "brown", "gray")
"""CelebA's hair-colour attributes Black/Blond/Brown/Gray_Hair, as LAMM's ``attr`` spells them."""
CELEBA_SMILE_CLASSES = ("-1", "1")
"""CelebA's Smiling attribute as LAMM stores it: the strings ``"-1"`` (not smiling) and ``"1"``."""
CLASS_LABELS: dict[str, tuple[str, tuple[str, ...]]] = {
    "classification": ("label", CIFAR10_CLASSES), "finegrained": ("label", UCMERCED_CLASSES),
    "facial_hair": ("attr", CELEBA_HAIR_CLASSES), "facial_smile": ("attr", CELEBA_SMILE_CLASSES),
}
"""Closed label sets: record key -> (field, class names). These fields are ``ClassLabel`` columns; a value
outside the set fails the conversion with a message naming the item."""

FIXED_LENGTH: dict[Any, int] = {Box2D: 4, Box3D: 6}
"""Schema types whose length a validator fixes (the validator itself is opaque to introspection)."""

_PYTHON_DTYPE = {str: "string", int: "int64", float: "float64", bool: "bool"}
_ARROW = {"string": pa.string(), "int64": pa.int64(), "int32": pa.int32(), "float64": pa.float64(),
          "bool": pa.bool_(), "binary": pa.binary(), "large_binary": pa.large_binary()}
IMAGE_STORAGE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
"""Arrow storage of ``datasets.Image``."""
POINTS_STORAGE = pa.list_(pa.list_(pa.float32()))
"""Arrow storage of an embedded point cloud: ``N`` rows of ``C`` float32 values."""


def spec_of(annotation: Any, metadata: tuple[Any, ...] | list[Any] = ()) -> Spec:
    """Column type of one schema annotation (``metadata``: pydantic constraints such as length limits).

    Raises:
        TypeError: a type the mapping does not know (add a rule here rather than guess).
    """
    for known, length in FIXED_LENGTH.items():
        if annotation == known:
            return replace(typing.cast(ListOf, spec_of(typing.get_args(known)[0])), length=length)
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        base, *extra = typing.get_args(annotation)
        return spec_of(base, (*metadata, *extra))
    if origin in (Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        specs = {spec_of(m) for m in members}
        if len(specs) == 1:
            return specs.pop()
        if all(isinstance(s, Scalar) for s in specs):
            return Scalar("string")  # ids: int | str, kept in their string form
        raise TypeError(f"no column type for the union {annotation!r}")
    if origin is Literal:
        dtypes = {_PYTHON_DTYPE[type(v)] for v in typing.get_args(annotation)}
        return Scalar(dtypes.pop() if len(dtypes) == 1 else "string")
    if origin is list:
        (item,) = typing.get_args(annotation)
        return ListOf(spec_of(item), _fixed_length(metadata))
    if is_typeddict(annotation):
        hints = typing.get_type_hints(annotation, include_extras=True)
        return StructOf(tuple((name, spec_of(tp)) for name, tp in hints.items()))
    if annotation in _PYTHON_DTYPE:
        return Scalar(_PYTHON_DTYPE[annotation])
    raise TypeError(f"no column type for {annotation!r}")


def _fixed_length(metadata: tuple[Any, ...] | list[Any]) -> int:
    """The length a ``min_length == max_length`` constraint fixes, else -1."""
    flat = [c for item in metadata for c in (item.metadata if isinstance(item, FieldInfo) else [item])]
    low = next((c.min_length for c in flat if isinstance(c, annotated_types.MinLen)), None)
    high = next((c.max_length for c in flat if isinstance(c, annotated_types.MaxLen)), None)
    return low if low is not None and low == high else -1


def class_label_field(model: type[Record]) -> tuple[str, tuple[str, ...]] | None:
    """``(field, class names)`` of a record type with a closed label set (:data:`CLASS_LABELS`), else ``None``."""
    from lamm_data.schemas import RECORD_MODELS

    for key, found in RECORD_MODELS.items():
        if found is model:
            return CLASS_LABELS.get(key)
    return None


def schema_fields(model: type[Record]) -> list[tuple[str, Spec]]:
    """The record's own fields as columns (without ``id`` and the media field), in model order."""
    media = media_field(model)
    labels = class_label_field(model)
    return [(name, ClassLabelOf(labels[1]) if labels is not None and name == labels[0]
             else spec_of(info.annotation, info.metadata))
            for name, info in model.model_fields.items() if name not in ("id", media)]


def media_columns(model: type[Record], *, embed_media: bool = False) -> list[tuple[str, Spec]]:
    """Media columns of a record type: image reference and size, or point-cloud path and shape."""
    if media_field(model) == "image":
        return [("image", ImageRef()), ("image_path", Scalar("string")), ("width", Scalar("int32")),
                ("height", Scalar("int32"))]
    return [("pcl", PointCloudRef("embedded" if embed_media else "path")), ("pcl_path", Scalar("string")),
            ("num_points", Scalar("int32")), ("channels", Scalar("int32"))]


def columns(model: type[Record], *, embed_media: bool = False) -> list[tuple[str, Spec]]:
    """Every column of a converted split of this record type, in order (see the module docstring)."""
    return [("index", Scalar("int64")), ("id", Scalar("string")), *media_columns(model, embed_media=embed_media),
            *schema_fields(model), ("extra", Scalar("string"))]


def arrow_type(spec: Spec) -> pa.DataType:
    """Arrow type of a column spec."""
    if isinstance(spec, Scalar):
        return _ARROW[spec.dtype]
    if isinstance(spec, ListOf):
        return pa.list_(arrow_type(spec.item), spec.length)
    if isinstance(spec, StructOf):
        return pa.struct([(name, arrow_type(s)) for name, s in spec.fields])
    if isinstance(spec, ClassLabelOf):
        return pa.int64()
    if isinstance(spec, PointCloudRef):
        return POINTS_STORAGE if spec.storage == "embedded" else pa.string()
    return IMAGE_STORAGE


def feature_dict(spec: Spec) -> dict[str, Any]:
    """``datasets`` JSON form of one column spec (what ``Features.to_dict()`` gives)."""
    if isinstance(spec, Scalar):
        return {"dtype": spec.dtype, "_type": "Value"}
    if isinstance(spec, ListOf):
        item = spec.item
        inner = {n: feature_dict(s) for n, s in item.fields} if isinstance(item, StructOf) else feature_dict(item)
        return {"feature": inner, **({"length": spec.length} if spec.length > 0 else {}), "_type": "List"}
    if isinstance(spec, StructOf):
        return {n: feature_dict(s) for n, s in spec.fields}
    if isinstance(spec, ClassLabelOf):
        return {"names": list(spec.names), "_type": "ClassLabel"}
    if isinstance(spec, PointCloudRef):  # stored in the plain form every datasets version reads
        if spec.storage == "path":
            return {"dtype": "string", "_type": "Value"}
        return {"feature": {"feature": {"dtype": "float32", "_type": "Value"}, "_type": "List"}, "_type": "List"}
    return {"_type": "Image"}


def arrow_schema(cols: list[tuple[str, Spec]]) -> pa.Schema:
    """Arrow schema of a column list (from :func:`columns`)."""
    return pa.schema([(name, arrow_type(spec)) for name, spec in cols])


def features_dict(cols: list[tuple[str, Spec]]) -> dict[str, Any]:
    """``datasets.Features`` JSON form of a column list."""
    return {name: feature_dict(spec) for name, spec in cols}


def hf_features(cols: list[tuple[str, Spec]], *, decode: bool = True) -> datasets.Features:
    """``datasets.Features`` of a column list. ``decode=False`` keeps images as ``{"path", "bytes"}`` dicts and
    point clouds as stored (a path, or nested lists); ``decode=True`` decodes both on access, in every format
    (``with_format("numpy")``, ``to_iterable_dataset()`` ...)."""
    from datasets import Features, Image

    from lamm_data.pointcloud import point_cloud_feature

    features = Features.from_dict(features_dict(cols))
    for name, spec in cols:
        if isinstance(spec, ImageRef) and not decode:
            features[name] = Image(decode=False)
        elif isinstance(spec, PointCloudRef) and decode:
            features[name] = point_cloud_feature(embedded=spec.storage == "embedded")
    return features
