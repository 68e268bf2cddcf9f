"""Errors raised by lamm_bench on purpose (all derive from :class:`lamm_data.errors.LammError`)."""

from __future__ import annotations

from lamm_data.errors import LammError


class PredictionsError(LammError, ValueError):
    """A predictions file that cannot be read, or whose records do not match the format.

    The message names the file and, where there is one, the line (JSONL) or index (JSON array).
    """


class JoinError(LammError, ValueError):
    """Predictions that do not join the ground truth: duplicate ids, unknown ids, absent benchmarks."""


class ReportError(LammError, ValueError):
    """A report file (``report.json`` or its sidecar) that cannot be read or does not match the contract."""
