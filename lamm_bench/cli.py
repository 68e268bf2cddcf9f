"""``lamm-bench``: score predictions on the LAMM benchmarks, print the prediction schema, compare reports."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from lamm_bench.metrics.bootstrap import RESAMPLES
from lamm_data.console import ROOT_HELP, err, fail, friendly_errors, out, pick_root, run, version_option

app = typer.Typer(name="lamm-bench", help="Score predictions on the LAMM benchmarks.", no_args_is_help=True,
                  add_completion=False, rich_markup_mode=None)


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.", is_eager=True,
                                          callback=version_option("lamm-bench"))] = False,
) -> None:
    """Score predictions on the LAMM benchmarks."""


@app.command()
@friendly_errors
def score(
    predictions: Annotated[Path, typer.Argument(help="Predictions JSONL, a folder of legacy LAMM answer files, "
                                                     "or one legacy answer file.")],
    root: Annotated[Path | None, typer.Option("--root", help=ROOT_HELP + " 'sample': the embedded sample, beside "
                                              "the predictions (as lamm-model predict --root sample writes it).")
                    ] = None,
    data: Annotated[Path | None, typer.Option("--data", hidden=True, help="Old spelling of --root.")] = None,
    benchmark: Annotated[str | None, typer.Option("--benchmark", help="Score only this benchmark (name or alias); "
                                                                      "records may then omit 'benchmark'.")] = None,
    out_path: Annotated[Path | None, typer.Option("--out", help="Write report.json here (and the bootstrap "
                                                                "sidecar beside it).")] = None,
    diagnostics: Annotated[Path | None, typer.Option("--diagnostics", help="Write per-sample records (JSONL).")
                           ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Bootstrap seed.")] = 0,
    resamples: Annotated[int, typer.Option("--resamples", min=0, help="Bootstrap resamples (0: no intervals).")
                         ] = RESAMPLES,
    allow_partial: Annotated[bool, typer.Option("--allow-partial", help="Score only the benchmarks that have "
                                                                        "predictions.")] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes scoring benchmarks in "
                                                                       "parallel (default: CPUs, at most 4).")
                    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or warnings on stderr.")] = False,
    details: Annotated[bool, typer.Option("--details", help="Every metric of every benchmark, with counts and "
                                                            "notes (default: one line per benchmark).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report (report.json's content) instead of "
                                                         "text.")] = False,
) -> None:
    """Score predictions: the LAMM protocol's numbers and honest metrics with bootstrap intervals."""
    from lamm_bench.outputs import sidecar_path, write_outputs
    from lamm_bench.predictions import read_predictions
    from lamm_bench.report import report_json
    from lamm_bench.scoring import default_jobs
    from lamm_bench.scoring import score as score_predictions
    from lamm_bench.tables import detail_lines, summary_lines
    from lamm_data.layout import default_root

    root = pick_root(root, data, "--data") or default_root()
    if str(root) == "sample":  # as in `lamm-model predict --root sample`
        from lamm_data.sample import sample_root_beside

        root = sample_root_beside(predictions.absolute().parent)
    progress = None if quiet or as_json else (lambda name: err.print(f"scored {name}", highlight=False))
    scored = score_predictions(read_predictions(predictions, benchmark), root, seed=seed, resamples=resamples,
                               allow_partial=allow_partial, diagnostics=diagnostics is not None,
                               jobs=jobs or default_jobs(), progress=progress)
    write_outputs(scored, report=out_path, diagnostics=diagnostics)  # all files or none
    for warning in [] if quiet else scored.report.meta.warnings:
        err.print(f"warning: {warning}", markup=False)
    if as_json:
        out.file.write(report_json(scored.report) + "\n")
        return
    view = detail_lines if details else summary_lines
    out.print("\n".join(view(scored.report, width=out.width)), markup=False)
    for reason in dict.fromkeys(scored.report.meta.not_predicted.values()):
        names = [n for n, r in scored.report.meta.not_predicted.items() if r == reason]
        out.print(f"missing, not scored ({reason}): {', '.join(names)}", markup=False, highlight=False)
    if out_path is not None:
        written = f"wrote {out_path} (+ {sidecar_path(out_path).name})"
        out.print(written + (f" and {diagnostics}" if diagnostics is not None else ""), markup=False)
    elif diagnostics is not None:
        out.print(f"wrote {diagnostics}", markup=False)


@app.command()
def schema() -> None:
    """Print the JSON Schema of one line of a predictions JSONL file."""
    from lamm_bench.predictions import prediction_schema

    out.print_json(json.dumps(prediction_schema()))


@app.command()
@friendly_errors
def compare(
    report_a: Annotated[Path, typer.Argument(help="Baseline report.json (A).")],
    report_b: Annotated[Path, typer.Argument(help="Report to compare with it (B).")],
    seed: Annotated[int, typer.Option("--seed", help="Bootstrap seed.")] = 0,
    resamples: Annotated[int, typer.Option("--resamples", min=0, help="Bootstrap resamples.")] = RESAMPLES,
    all_metrics: Annotated[bool, typer.Option("--all", help="Show every metric and the unchanged ones (default: "
                                                            "the headline metrics that changed).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Per-metric difference B - A, with a paired bootstrap interval when both came from the same data."""
    from lamm_bench.compare import compare_reports
    from lamm_bench.tables import comparison_lines

    result = compare_reports(report_a, report_b, seed=seed, resamples=resamples)
    if as_json:
        out.print_json(json.dumps({"differences": [d.__dict__ for d in result.differences], "notes": result.notes,
                                   "only_in_a": result.only_in_a, "only_in_b": result.only_in_b}))
        return
    out.print("\n".join(comparison_lines(result, all_metrics=all_metrics, width=out.width)), markup=False)
    for note in result.notes + [f"only in A: {n}" for n in result.only_in_a] + [f"only in B: {n}" for n in
                                                                                 result.only_in_b]:
        err.print(f"[yellow]note:[/yellow] {note}", markup=True)


class PageFormat(str, Enum):
    """Output of ``lamm-bench report``."""

    html = "html"
    md = "md"


@app.command()
@friendly_errors
def report(
    reports: Annotated[list[Path], typer.Argument(help="report.json files of `lamm-bench score`, one per model.")],
    out_dir: Annotated[Path | None, typer.Option("--out", help="Folder to write index.html (or leaderboard.md) "
                                                               "into; Markdown goes to stdout without it.")] = None,
    fmt: Annotated[PageFormat, typer.Option("--format", help="html: a self-contained page; md: a Markdown table.")
                   ] = PageFormat.html,
    names: Annotated[list[str] | None, typer.Option("--name", help="Model name, once per report in order "
                                                                   "(default: file stem; report.json: its folder).")
                     ] = None,
    diagnostics: Annotated[list[Path] | None, typer.Option("--diagnostics", help="Diagnostics JSONL of a report "
                                                           "(found automatically when the report recorded it).")
                           ] = None,
    reference: Annotated[list[str] | None, typer.Option("--reference", help="Published numbers as a reported row: "
                                                        "paper-v1 or readme-2023-07, optionally :MODEL or :all.")
                         ] = None,
    root: Annotated[Path | None, typer.Option("--root", help="LAMM root for questions and pictures of failed "
                                                             "samples (default: the root each report was scored on)."
                                              )] = None,
    data: Annotated[Path | None, typer.Option("--data", hidden=True, help="Old spelling of --root.")] = None,
    max_samples: Annotated[int, typer.Option("--max-samples", min=0, help="Failed samples shown per benchmark "
                                                                          "and model.")] = 24,
    title: Annotated[str | None, typer.Option("--title", help="Page title.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (what was written, the notes; with --format md "
                                                         "and no --out, the Markdown) instead of text.")] = False,
    follow_symlinks: Annotated[bool, typer.Option("--follow-symlinks", help="Show pictures of media that are "
                                                  "symbolic links leading outside their split folder.")] = False,
) -> None:
    """Turn several reports into one leaderboard: a static HTML page with plots and failed samples, or Markdown."""
    from lamm_bench.leaderboard.build import load_leaderboard, markdown, write_html, write_markdown

    if fmt is PageFormat.html and out_dir is None:
        raise fail("--out DIR is required for --format html (the page is written to DIR/index.html)", code=2)
    board = load_leaderboard(reports, names=names or (), diagnostics=diagnostics or (), references=reference or (),
                             data=pick_root(root, data, "--data"), max_samples=max_samples,
                             follow_symlinks=follow_symlinks)
    if as_json:
        result: dict[str, object] = {"format": fmt.value, "notes": board.notes}
        if fmt is PageFormat.html:
            result["path"] = str(write_html(board, out_dir, title=title))  # type: ignore[arg-type]
        elif out_dir is None:
            result["markdown"] = markdown(board)
        else:
            result["path"] = str(write_markdown(board, out_dir))
        out.file.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        return
    for note in board.notes:
        err.print(f"note: {note}", markup=False)
    if fmt is PageFormat.html:
        out.print(write_html(board, out_dir, title=title).resolve().as_uri(), markup=False)  # type: ignore[arg-type]
    elif out_dir is None:
        out.print(markdown(board), markup=False, emoji=False, end="")
    else:
        out.print(write_markdown(board, out_dir), markup=False)


def main() -> None:
    """Console-script entry point."""
    run(app, "lamm-bench")
