"""The point-cloud feature of ``datasets``: a column that decodes to a float32 array ``(N, C)`` on access.

Stored as the absolute path of a ``.npy`` file (a string), or with ``--embed-media`` as the points themselves
(a list of ``N`` rows of ``C`` float32 values); x, y, z in metres come first, then any colour / normal columns
as LAMM stores them. Decoding happens where ``datasets`` decodes images: row and batch access, every format
(``with_format("numpy")``, ``"torch"`` ...), ``map``, and ``to_iterable_dataset()``.

The Arrow files and Parquet shards themselves record the plain storage type (``string`` or nested lists), so
they open in any ``datasets`` version, DuckDB, Ray or Spark without this package; :func:`point_cloud_feature`
registers the decoding feature with ``datasets`` (once, on first use) for :func:`lamm_data.load_split`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from lamm_data.features import POINTS_STORAGE
from lamm_data.media import load_point_cloud

FEATURE_TYPE = "LammPointCloud"
"""The ``_type`` of the feature in ``datasets.Features.to_dict()``."""


@dataclass
class LammPointCloud:
    """``datasets`` feature of a point cloud (see the module docstring).

    Args:
        embedded: the column holds the points (nested float32 lists) rather than file paths.
        decode: ``False`` returns the stored value (path or nested lists) as it is.
    """

    embedded: bool = False
    decode: bool = True
    id: str | None = None
    dtype: ClassVar[str] = "numpy.ndarray"
    _type: str = field(default=FEATURE_TYPE, init=False, repr=False)

    def __call__(self) -> pa.DataType:
        return POINTS_STORAGE if self.embedded else pa.string()

    def encode_example(self, value: Any) -> Any:
        """A path stays a path; an array (embedded) becomes its list of rows."""
        if self.embedded and isinstance(value, np.ndarray):
            return np.asarray(value, dtype=np.float32).tolist()
        return str(value) if value is not None and not self.embedded else value

    def decode_example(self, value: Any, token_per_repo_id: Any = None) -> np.ndarray:
        """The float32 array ``(N, C)`` of a stored value (path, nested lists, or an array of row arrays).

        Raises:
            MediaError: the file is not an ``(N, C>=3)`` array.
        """
        if not self.embedded:
            return load_point_cloud(value)
        rows = np.asarray(value)
        if rows.dtype == object:  # numpy formatting hands over an array of row arrays
            rows = np.stack(list(rows)) if len(rows) else np.zeros((0, 3), np.float32)
        return np.ascontiguousarray(rows, dtype=np.float32).reshape(len(rows), -1)


@functools.cache
def _register() -> None:
    import warnings

    from datasets.features.features import register_feature

    with warnings.catch_warnings():  # register_feature is marked experimental
        warnings.simplefilter("ignore")
        register_feature(LammPointCloud, FEATURE_TYPE)


def point_cloud_feature(*, embedded: bool = False) -> LammPointCloud:
    """The decoding point-cloud feature, registered with ``datasets`` so that copies of the dataset's features
    (iterable datasets, ``map``) can rebuild it."""
    _register()
    return LammPointCloud(embedded=embedded)
