"""``lamm-bench``: score predictions on the LAMM benchmarks."""

from __future__ import annotations

from typing import Annotated

import typer

from lamm_data._cli import version_option

app = typer.Typer(name="lamm-bench", help="Score predictions on the LAMM benchmarks.", no_args_is_help=True,
                  add_completion=False, rich_markup_mode=None)


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.", is_eager=True,
                                          callback=version_option("lamm-bench"))] = False,
) -> None:
    """Score predictions on the LAMM benchmarks."""


def main() -> None:
    """Console-script entry point."""
    app(prog_name="lamm-bench")
