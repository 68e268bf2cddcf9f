"""What one fetch did, as values (the CLI renders them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from lamm_data.metafile import Problem

Action = Literal["downloaded", "adopted", "skipped", "unpacked", "kept"]


@dataclass(frozen=True)
class Outcome:
    """One catalog file: where it is under the root, what happened, its size (bytes), sha256 and source.

    ``action``: ``downloaded`` (a meta file from the hub), ``adopted`` (already there with the right content,
    now recorded), ``skipped`` (already verified), ``unpacked`` (archive unpacked, zip not kept), ``kept``
    (archive stored under the root, not unpacked). A resumed archive transfer says so in ``detail``.
    """

    relpath: str
    kind: Literal["meta", "archive"]
    action: Action
    size: int
    sha256: str
    source: str
    detail: str = ""


@dataclass
class FetchReport:
    """Everything a fetch did to one group of one root, plus the media check that follows unpacking."""

    root: Path
    group: str
    outcomes: list[Outcome] = field(default_factory=list)
    media: list[Problem] = field(default_factory=list)
    media_checked: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def missing_media(self) -> list[Problem]:
        """Referenced media files absent from folders that are present (errors)."""
        return [p for p in self.media if p.severity == "error"]

    @property
    def absent_folders(self) -> list[Problem]:
        """Media folders that are not under the root at all (warnings: their archives were not fetched)."""
        return [p for p in self.media if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when no referenced media file is missing."""
        return not self.missing_media
