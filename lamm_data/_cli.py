"""Pieces shared by the three command-line apps: version flag, consoles, error-to-exit-code mapping.

Exit codes: 0 success, 1 the input has problems or the work failed, 2 usage error (typer/click).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from lamm_data._version import __version__
from lamm_data.errors import LammError

out = Console(highlight=False, soft_wrap=True, emoji=False)
"""Results (stdout)."""
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
"""Progress, warnings and errors (stderr)."""


def version_option(prog: str) -> Callable[[bool], None]:
    """A typer callback printing ``<prog> <version>`` and exiting, for an eager ``--version`` flag."""

    def show(value: bool) -> None:
        if value:
            out.print(f"{prog} {__version__}")
            raise typer.Exit()

    return show


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on stderr and return the ``typer.Exit`` to raise."""
    err.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code)


F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(fn: F) -> F:
    """Decorate a command so toolkit and file-system errors become a one-line message and exit code 1, never a
    traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except LammError as exc:
            raise fail(str(exc)) from None
        except OSError as exc:  # a path given on the command line cannot be used (a file, no permission, disk full)
            where = f": {exc.filename}" if exc.filename else ""
            raise fail(f"{exc.strerror or exc}{where}") from None

    return wrapper  # type: ignore[return-value]


ROOT_HELP = "LAMM root (holding 2D_Benchmark/, 2D_Instruct/ ...). Default: $LAMM_DATA_ROOT, else ~/.cache/lamm."
"""Help of the ``--root`` option every command that reads a LAMM root takes."""


def old_spelling(old: str, new: str = "--root") -> None:
    """Warn (stderr) that ``old`` is a deprecated spelling of ``new``, still accepted for this release."""
    err.print(f"warning: {old} is the old spelling of {new}; it still works in this release, use {new}",
              markup=False)


def pick_root(root: Path | None, old: Path | None, old_name: str) -> Path | None:
    """``--root`` or its old spelling ``old_name`` (``--data``, a positional ROOT), with a warning for the old one;
    giving both with different values is a usage error."""
    if old is None:
        return root
    if root is not None and Path(root) != Path(old):
        raise fail(f"--root {root} and {old_name} {old} disagree; give only --root", 2)
    old_spelling(old_name)
    return Path(old)
