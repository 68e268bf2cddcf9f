"""Exception hierarchy of the toolkit. Every error raised on purpose derives from :class:`LammError`.

Each class also derives from the closest builtin so callers can catch either
(``except KeyError`` still works for an unknown name).
"""

from __future__ import annotations


class LammError(Exception):
    """Base class of every error raised on purpose by lamm_data, lamm_bench and lamm_model."""


class UnknownNameError(LammError, KeyError):
    """A catalog name or alias that matches nothing; the message lists the closest names."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class MetaFileError(LammError, ValueError):
    """A meta file that cannot be read as a JSON array at all (empty, not UTF-8, not JSON, truncated)."""


class SchemaError(LammError, ValueError):
    """Records that do not match their schema. ``problems`` holds every problem found, not just the first."""

    def __init__(self, message: str, problems: list | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])


class NotAMetaFileError(LammError, ValueError):
    """A catalog name that names an archive where a meta file (a JSON array of records) is needed."""


class MissingDataError(LammError, FileNotFoundError):
    """A file the caller asked for is not under the LAMM root; the message names the fetch command."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class OutputError(LammError, OSError):
    """An output file that cannot be written; the message names the file and the reason
    (``cannot write r/report.json: no space left on device``)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
