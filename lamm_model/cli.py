"""``lamm-model``: train a LAMM-style model and write predictions for ``lamm-bench``."""

from __future__ import annotations

from typing import Annotated

import typer

from lamm_data._cli import version_option

app = typer.Typer(name="lamm-model", help="Train a LAMM-style multimodal model and predict on the benchmarks.",
                  no_args_is_help=True, add_completion=False, rich_markup_mode=None)


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.", is_eager=True,
                                          callback=version_option("lamm-model"))] = False,
) -> None:
    """Train a LAMM-style multimodal model and predict on the benchmarks."""


def main() -> None:
    """Console-script entry point."""
    app(prog_name="lamm-model")
