"""This process's host memory from ``/proc/self/status`` (Linux), in bytes: resident now and peak since a reset."""

from __future__ import annotations

import re
from pathlib import Path


def _status(field: str) -> int:
    text = Path("/proc/self/status").read_text(encoding="ascii")
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1)) * 1024


def resident() -> int:
    """Resident set size now (``VmRSS``)."""
    return _status("VmRSS")


def peak() -> int:
    """Highest resident set size since the process started or :func:`reset_peak` (``VmHWM``)."""
    return _status("VmHWM")


def reset_peak() -> None:
    """Make the peak start again from the resident size now (``/proc/self/clear_refs``, value 5)."""
    Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
