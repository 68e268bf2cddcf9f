"""Image sizes and .npy shapes come from headers and agree with full decoders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lamm_data.media import MediaError, image_size, load_point_cloud, npy_shape


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "BMP", "WEBP"])
@pytest.mark.parametrize("size", [(1, 1), (37, 211), (640, 480), (1023, 77)])
def test_image_size_matches_pillow(tmp_path: Path, fmt: str, size: tuple[int, int]) -> None:
    path = tmp_path / f"img.{fmt.lower()}"
    Image.new("RGB", size, (10, 200, 30)).save(path, format=fmt)
    assert image_size(path) == size


def test_progressive_jpeg_and_webp_lossless(tmp_path: Path) -> None:
    Image.new("RGB", (300, 123)).save(tmp_path / "p.jpg", progressive=True)
    Image.new("RGBA", (99, 12)).save(tmp_path / "l.webp", lossless=True)
    assert image_size(tmp_path / "p.jpg") == (300, 123)
    assert image_size(tmp_path / "l.webp") == (99, 12)


def test_not_an_image(tmp_path: Path) -> None:
    (tmp_path / "x.jpg").write_bytes(b"hello world, not an image")
    with pytest.raises(MediaError, match="not a PNG, JPEG"):
        image_size(tmp_path / "x.jpg")
    (tmp_path / "t.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF")
    with pytest.raises(MediaError, match="JPEG"):
        image_size(tmp_path / "t.jpg")


def test_npy_header_and_point_cloud(tmp_path: Path) -> None:
    np.save(tmp_path / "c.npy", np.arange(30, dtype=np.float64).reshape(5, 6))
    assert npy_shape(tmp_path / "c.npy")[0] == (5, 6)
    cloud = load_point_cloud(tmp_path / "c.npy")
    assert cloud.dtype == np.float32 and cloud.shape == (5, 6) and cloud[1, 0] == 6.0
    np.save(tmp_path / "bad.npy", np.zeros((4, 2)))
    with pytest.raises(MediaError, match=r"\(N, C>=3\)"):
        load_point_cloud(tmp_path / "bad.npy")
    (tmp_path / "no.npy").write_bytes(b"nope")
    with pytest.raises(MediaError, match=r"not a \.npy"):
        npy_shape(tmp_path / "no.npy")
