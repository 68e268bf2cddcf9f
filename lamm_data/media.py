"""Facts about media files read from their headers only: image pixel sizes and ``.npy`` array shapes.

Nothing here decodes pixels or loads point arrays; reading a size costs one small read.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import BinaryIO

import numpy as np

from lamm_data.errors import LammError


class MediaError(LammError, ValueError):
    """A media file whose header cannot be read."""


def image_size(path: str | os.PathLike[str]) -> tuple[int, int]:
    """``(width, height)`` in pixels of a PNG, JPEG, GIF, BMP or WebP file, read from its header.

    Raises:
        MediaError: unknown format or a damaged header.
        OSError: the file cannot be opened.
    """
    with open(path, "rb") as f:
        head = f.read(32)
        if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
            w, h = struct.unpack(">II", head[16:24])
            return int(w), int(h)
        if head[:6] in (b"GIF87a", b"GIF89a"):
            w, h = struct.unpack("<HH", head[6:10])
            return int(w), int(h)
        if head.startswith(b"BM") and len(head) >= 26:
            w, h = struct.unpack("<ii", head[18:26])
            return int(w), abs(int(h))
        if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
            return _webp_size(head, path)
        if head.startswith(b"\xff\xd8"):
            f.seek(2)
            return _jpeg_size(f, path)
    raise MediaError(f"{path}: not a PNG, JPEG, GIF, BMP or WebP image (cannot read its size)")


def _webp_size(head: bytes, path: str | os.PathLike[str]) -> tuple[int, int]:
    chunk = head[12:16]
    if chunk == b"VP8X":
        w = int.from_bytes(head[24:27], "little") + 1
        h = int.from_bytes(head[27:30], "little") + 1
        return w, h
    if chunk == b"VP8L":
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 ":
        w, h = struct.unpack("<HH", head[26:30])
        return w & 0x3FFF, h & 0x3FFF
    raise MediaError(f"{path}: unknown WebP chunk {chunk!r}")


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_size(f, path: str | os.PathLike[str]) -> tuple[int, int]:
    while True:
        byte = f.read(1)
        while byte == b"\xff":
            byte = f.read(1)
        if not byte:
            raise MediaError(f"{path}: JPEG ends before its frame header")
        marker = byte[0]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            continue
        length_bytes = f.read(2)
        if len(length_bytes) < 2:
            raise MediaError(f"{path}: truncated JPEG segment")
        (length,) = struct.unpack(">H", length_bytes)
        if marker in _SOF:
            data = f.read(5)
            if len(data) < 5:
                raise MediaError(f"{path}: truncated JPEG frame header")
            h, w = struct.unpack(">HH", data[1:5])
            return int(w), int(h)
        f.seek(length - 2, os.SEEK_CUR)


def _npy_header(f: BinaryIO, name: str) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype from the header of the ``.npy`` data at ``f``'s position, checked against the bytes that
    follow it: a header claiming more data than the file holds (e.g. shape ``(10**12, 6)``) is refused before
    anything trusts it."""
    start = f.tell()
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(f)
        else:
            shape, _, dtype = np.lib.format.read_array_header_2_0(f)
    except (ValueError, OSError, SyntaxError, TypeError) as exc:  # numpy raises ValueError; be strict anyway
        raise MediaError(f"{name}: not a .npy array ({exc})") from None
    header_end = f.tell()
    if dtype.hasobject:
        raise MediaError(f"{name}: a .npy array of Python objects is not a point array")
    size = f.seek(0, os.SEEK_END) - header_end
    f.seek(start)
    shape = tuple(int(s) for s in shape)
    needed = int(np.prod(shape, dtype=object)) * dtype.itemsize if shape else dtype.itemsize
    if needed > size:
        raise MediaError(f"{name}: the .npy header claims shape {shape} of {dtype} ({needed} bytes) but only {size} "
                         "bytes follow it; the file is damaged or crafted")
    return shape, dtype


def npy_shape(path: str | os.PathLike[str]) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype of a ``.npy`` array from its header (the array is not loaded), checked against the file size.

    Raises:
        MediaError: not a ``.npy`` file, or a header claiming more data than the file holds.
    """
    with open(path, "rb") as f:
        return _npy_header(f, str(path))


def load_point_cloud(path: str | os.PathLike[str] | BinaryIO) -> np.ndarray:
    """Load a ``.npy`` point cloud as a float32 array of shape ``(N, C)`` (C >= 3: x, y, z in metres first).

    ``path`` may also be an open binary file (e.g. ``io.BytesIO`` of embedded ``.npy`` bytes). The header is
    checked (shape against the file size, two dimensions, at least 3 columns) before the array is read.

    Raises:
        MediaError: not a ``.npy`` array, a header claiming more data than there is, or not an ``(N, C>=3)`` array.
    """
    if hasattr(path, "read"):
        shape, _ = _npy_header(path, "embedded .npy")  # type: ignore[arg-type]
        source = path
    else:
        shape, _ = npy_shape(path)  # type: ignore[arg-type]
        source = Path(path)  # type: ignore[arg-type]
    if len(shape) != 2 or shape[1] < 3:
        raise MediaError(f"{path}: expected an (N, C>=3) point array, got shape {shape}")
    try:
        array = np.load(source, allow_pickle=False)  # type: ignore[arg-type]
    except ValueError as exc:
        raise MediaError(f"{path}: not a readable .npy array ({exc})") from None
    return np.ascontiguousarray(array, dtype=np.float32)
