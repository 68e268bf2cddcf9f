"""Benchmark items as chat requests: LAMM's prompts (``lamm``) or the bare question (``native``).

A request is one generation: an optional system message and one user turn holding the image and the
query. :func:`messages` gives the chat messages a processor's chat template reads;
:mod:`lamm_model.backends.openai_api` sends the same messages in the chat-completions format.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from lamm_data.catalog import CatalogEntry, resolve
from lamm_data.errors import LammError
from lamm_model.backends import lamm_prompts

ChatStyle = Literal["lamm", "native"]
CHAT_STYLES: tuple[str, ...] = ("lamm", "native")


class ItemError(LammError, ValueError):
    """A benchmark item that cannot be asked: its image is missing or unreadable."""


@dataclass(frozen=True)
class ImageRef:
    """Where an item's image is: embedded bytes, or a file (absolute path)."""

    path: Path | None
    data: bytes | None = None

    def read(self) -> bytes:
        """The encoded image bytes (JPEG, PNG, ... as stored).

        Raises:
            ItemError: no image, or the file cannot be read.
        """
        if self.data is not None:
            return self.data
        if self.path is None:
            raise ItemError("the image file was absent when the benchmark was converted")
        try:
            return self.path.read_bytes()
        except OSError as exc:
            raise ItemError(f"{self.path}: cannot read the image: {exc.strerror or exc}") from None

    def mime(self) -> str:
        """The image's MIME type, from its bytes (``image/jpeg``, ``image/png`` ...)."""
        from PIL import Image

        try:
            with Image.open(io.BytesIO(self.read())) as image:
                kind = (image.format or "png").lower()
        except OSError as exc:
            raise ItemError(f"{self.describe()}: not an image: {exc}") from None
        return f"image/{'jpeg' if kind == 'jpg' else kind}"

    def describe(self) -> str:
        """How dry runs and messages name the image."""
        return str(self.path) if self.path is not None else f"<embedded image, {len(self.data or b'')} bytes>"


@dataclass(frozen=True)
class BenchmarkItem:
    """One benchmark item to answer: its canonical benchmark, id (string form), query and image."""

    benchmark: str
    id: str
    query: str
    image: ImageRef

    @property
    def entry(self) -> CatalogEntry:
        """The benchmark's catalog entry."""
        return resolve(self.benchmark)

    def where(self) -> str:
        """``benchmark item <id>`` for messages."""
        return f"{self.benchmark} item {self.id}"


@dataclass(frozen=True)
class ChatRequest:
    """One generation: optional system message, then a user turn with the image followed by ``text``."""

    system: str | None
    text: str
    image: ImageRef


def request(item: BenchmarkItem, text: str, style: ChatStyle) -> ChatRequest:
    """The request asking ``text`` about ``item``'s image: with LAMM's system message (``lamm``) or without."""
    return ChatRequest(lamm_prompts.system_message(item.benchmark) if style == "lamm" else None, text, item.image)


def messages(req: ChatRequest, image: Any = None) -> list[dict[str, Any]]:
    """The request as chat messages for a processor's chat template (``image`` goes in the image part)."""
    part: dict[str, Any] = {"type": "image"}
    if image is not None:
        part["image"] = image
    out: list[dict[str, Any]] = []
    if req.system is not None:
        out.append({"role": "system", "content": [{"type": "text", "text": req.system}]})
    out.append({"role": "user", "content": [part, {"type": "text", "text": req.text}]})
    return out


def item_from_row(entry: CatalogEntry, row: Mapping[str, Any]) -> BenchmarkItem:
    """A benchmark item from a ``load_split(..., decode=False)`` row (id: the row's id, else its index)."""
    value = row.get("image")
    path, data = (value.get("path"), value.get("bytes")) if isinstance(value, Mapping) else (value, None)
    item_id = str(row["id"]) if row.get("id") is not None else str(row["index"])
    return BenchmarkItem(entry.name, item_id, str(row["query"]), ImageRef(Path(path) if path else None, data))
