"""Command-line plumbing shared by the three apps (``lamm-data``, ``lamm-bench``, ``lamm-model``) and by any
command built on the toolkit: the ``--version`` flag, the stdout/stderr consoles, and the mapping of errors to
one-line messages and exit codes.

Exit codes: 0 success, 1 the input has problems or the work failed, 2 usage error (typer/click). Only command-line
modules import this one; library code returns values and raises :class:`~lamm_data.errors.LammError`.
"""

from __future__ import annotations

import enum
import functools
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
import typer.main
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


def _type_metavar(param: Any) -> str:
    """``PATH``, ``TEXT``, ``INTEGER``, ``NUMBER`` or ``[a|b]`` for an option's value (typer's annotation when it
    keeps one, else click's type)."""
    desc = getattr(param, "type_descriptor", None)
    if desc is not None:
        kind = desc.annotation
        if typing.get_origin(kind) is list:
            kind = typing.get_args(kind)[0]
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            return "[" + "|".join(str(m.value) for m in kind) + "]"
        return {Path: "PATH", str: "TEXT", int: "INTEGER", float: "NUMBER"}.get(kind, "VALUE")
    kind = param.type
    if type(kind).__name__ == "Choice":
        return "[" + "|".join(str(getattr(c, "value", c)) for c in kind.choices) + "]"
    name = {"IntRange": "integer", "FloatRange": "float"}.get(type(kind).__name__, getattr(kind, "name", "text"))
    return {"text": "TEXT", "path": "PATH", "integer": "INTEGER", "float": "NUMBER"}.get(name, str(name).upper())


def _plain_param(param: Any) -> None:
    """Usage and help of one parameter in click's classic notation (``DEST``, ``[NAMES]...``, ``--out PATH``),
    whatever the installed typer renders by default (newer ones print ``{dest}`` and ``<list[Path]>``; they also
    vendor click, hence the duck typing)."""
    if param.param_type_name == "argument":
        name = (param.name or "").upper()
        usage = (name if param.required else f"[{name}]") + ("..." if param.nargs != 1 else "")
        pieces = [] if getattr(param, "hidden", False) else [usage]
        param.metavar = name + ("..." if param.nargs != 1 else "")
        param.get_usage_pieces = lambda ctx: list(pieces)
        param.display_type_rich = lambda ctx: None
        param._rich_display_name = lambda: param.metavar
    elif param.param_type_name == "option" and not param.is_flag and param.metavar is None:
        param.metavar = _type_metavar(param)


def plain_command(app: typer.Typer) -> Any:
    """The click command of a typer app with the classic usage notation (what ``docs/cli.md`` shows); the console
    scripts run this command, so ``--help`` and the generated reference agree."""
    group = typer.main.get_command(app)
    for command in [group, *getattr(group, "commands", {}).values()]:
        for param in command.params:
            _plain_param(param)
    return group


def usage_line(prog: str, group: Any, name: str) -> str:
    """``prog name [OPTIONS] ARGS`` as ``prog name --help`` prints it after ``Usage:``."""
    command = group.commands[name]
    with group.context_class(group, info_name=prog) as parent, \
            command.context_class(command, info_name=name, parent=parent) as ctx:
        return f"{ctx.command_path} {' '.join(command.collect_usage_pieces(ctx))}"


def run(app: typer.Typer, prog: str) -> None:
    """Run a CLI as its console script does."""
    plain_command(app)(prog_name=prog)
