"""Command-line plumbing shared by the three apps (``lamm-data``, ``lamm-bench``, ``lamm-model``) and by any
command built on the toolkit: the ``--version`` flag, the stdout/stderr consoles, and the mapping of errors to
one-line messages and exit codes.

Exit codes: 0 success, 1 the input has problems or the work failed, 2 usage error (typer/click). Only command-line
modules import this one; library code returns values and raises :class:`~lamm_data.errors.LammError`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
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
