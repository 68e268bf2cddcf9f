"""``lamm-data``: list the catalog, write the sample, validate, fetch and verify a root, convert to Arrow/Parquet."""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lamm_data import catalog
from lamm_data._cli import err, fail, friendly_errors, out, version_option
from lamm_data.layout import default_root
from lamm_data.metafile import FileReport, validate_paths
from lamm_data.sample import BASELINE_ANSWERS, write_sample

app = typer.Typer(name="lamm-data", help="Get, check and convert the LAMM dataset and benchmark files.",
                  no_args_is_help=True, add_completion=False, rich_markup_mode=None)


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.", is_eager=True,
                                          callback=version_option("lamm-data"))] = False,
) -> None:
    """Get, check and convert the LAMM dataset and benchmark files."""


@app.command("list")
@friendly_errors
def list_cmd(
    group: Annotated[str | None, typer.Argument(help="Only this group: 2D_Instruct, 2D_Benchmark, 3D_Instruct "
                                                     "or 3D_Benchmark.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Print the catalog: every file of the LAMM release, its task, size and where it comes from."""
    rows = list(catalog.entries(group))
    if as_json:
        _print_json([{
            "name": e.name, "group": e.group, "kind": e.kind, "file": e.relpath, "task": e.task,
            "dataset": e.dataset, "modality": e.modality, "documented_size": e.documented_size, "items": e.items,
            "gt_fields": list(e.gt_fields), "source": e.source, "aliases": list(e.aliases),
            "hub": [{"repo": h.repo_id, "path": h.path} for h in e.hub], "notes": e.notes} for e in rows])
        return
    table = Table(title=f"LAMM catalog{f' ({group})' if group else ''}: {len(rows)} files")
    for column in ("name", "group", "kind", "task", "size / items", "source"):
        table.add_column(column, overflow="fold")
    for e in rows:
        size = e.documented_size + (f" / {e.items:,} items" if e.items else "")
        owners = dict.fromkeys(h.repo_id.split("/")[0] for h in e.hub)
        where = "OpenDataLab (not on the hub)" if e.kind == "archive" else " + ".join(owners)
        table.add_row(e.name, e.group, e.kind, e.task if e.kind == "meta" else "media", size, where)
    out.print(table)


@app.command()
@friendly_errors
def sample(
    dest: Annotated[Path, typer.Argument(help="Folder to write the sample LAMM root into.")],
    force: Annotated[bool, typer.Option("--force", help="Replace a previous sample (a folder holding the "
                                                         ".lamm-sample.json marker); any other folder is refused.")
                  ] = False,
) -> None:
    """Write the embedded sample (every benchmark file, small instruction files, media, baseline answers)."""
    try:
        root = write_sample(dest, overwrite=force)
    except FileExistsError as exc:
        raise fail(str(exc)) from None
    files = sum(1 for p in root.rglob("*") if p.is_file())
    out.print(f"wrote the LAMM sample to {escape(str(root))} ({files} files); baseline answers: "
              f"{escape(str(root / BASELINE_ANSWERS))}")


@app.command()
@friendly_errors
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Meta files, split folders (e.g. ROOT/2D_Benchmark) or LAMM "
                                                     "roots.")],
    no_media: Annotated[bool, typer.Option("--no-media", help="Do not check that referenced media exist.")] = False,
    name: Annotated[str | None, typer.Option("--name", help="Catalog name of the file when its file name is not "
                                                            "a LAMM name.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a machine-readable JSON report only.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
) -> None:
    """Check meta files against the LAMM schemas and report every problem as file:index:id:field: message.

    Exits 0 when every file is valid, 1 when any has an error.
    """
    with nullcontext() if quiet or as_json else err.status("validating") as status:
        def progress(path: Path) -> None:
            if status is not None:
                status.update(f"validating {escape(path.name)}")

        reports = validate_paths(list(paths), name=name, check_media=not no_media, on_file=progress)
    ok = all(r.ok for r in reports)
    if as_json:
        _print_json({"ok": ok, "files": [r.to_dict() for r in reports]})
        raise typer.Exit(0 if ok else 1)
    for report in reports:
        _print_problems(report, out)
    table = Table(title="validation summary")
    for column in ("file", "name", "items", "errors", "warnings", "media"):
        table.add_column(column, overflow="fold")
    for r in reports:
        media = f"{r.media} ({r.media_files})" if r.media == "checked" else r.media
        table.add_row(escape(r.path), r.name or "?", str(r.items), _count(len(r.errors), "red"),
                      _count(len(r.warnings), "yellow"), media)
    out.print(table)
    n_err = sum(len(r.errors) for r in reports)
    out.print(f"{len(reports)} file(s), {sum(r.items for r in reports):,} items: "
              + ("[green]all valid[/green]" if ok else f"[red]{n_err} error(s)[/red]"))
    raise typer.Exit(0 if ok else 1)


@app.command("fetch")
@friendly_errors
def fetch_cmd(
    group: Annotated[str, typer.Argument(help="2D_Instruct, 2D_Benchmark, 3D_Instruct or 3D_Benchmark.")],
    names: Annotated[list[str] | None, typer.Argument(help="Only these files: meta-file or archive names (aliases "
                                                           "accepted). Default: the whole group.")] = None,
    root: Annotated[Path | None, typer.Option("--root", help="LAMM root to fill. Default: $LAMM_DATA_ROOT, else "
                                                             "~/.cache/lamm.")] = None,
    repo: Annotated[str, typer.Option("--repo", help="Hub dataset repo of the meta files (or caojianjian/LAMM, "
                                                     "whose names differ; mapped to the canonical ones).")
                    ] = catalog.DEFAULT_REPO,
    revision: Annotated[str | None, typer.Option("--revision", help="Branch, tag or commit (default main).")] = None,
    meta_only: Annotated[bool, typer.Option("--meta-only", help="Only the meta files, no archives.")] = False,
    archives_from: Annotated[str | None, typer.Option(
        "--archives-from", help="opendatalab (the openxlab SDK; the default when it is installed and "
                                "OPENXLAB_AK/OPENXLAB_SK or `openxlab login` give credentials), a folder holding the "
                                "zips, or the base URL of a mirror.")] = None,
    no_unpack: Annotated[bool, typer.Option("--no-unpack", help="Store archives as ROOT/GROUP/<name>.zip "
                                                                "instead of unpacking them.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Download again even if verified; replace unpacked "
                                                        "folders.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Fetch a group's meta files from the hub and its archives from OpenDataLab, a mirror or a folder, verified,
    unpacked, recorded.

    Exits 0 when every file is in place and every media file the meta files reference exists, else 1.
    """
    from lamm_data.fetch import display, fetch

    with display.progress_bars(err, quiet) as progress:
        report = fetch(group, names or [], root=root or default_root(), repo=repo, revision=revision,
                       meta_only=meta_only, archives_from=archives_from, unpack=not no_unpack, force=force,
                       progress=progress)
    display.print_fetch(report, out, err)
    raise typer.Exit(0 if report.ok else 1)


@app.command("verify")
@friendly_errors
def verify_cmd(
    root: Annotated[Path, typer.Argument(help="A LAMM root written by lamm-data fetch.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print a machine-readable JSON report only.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Re-hash every file listed in ROOT/.lamm/manifest.json; report missing, changed and extra files.

    Exits 0 when everything matches, 1 on any missing, changed or extra file.
    """
    from lamm_data.fetch import display, verify_root

    with display.progress_bars(err, quiet or as_json) as progress:
        report = verify_root(root, progress)
    if as_json:
        _print_json(display.verify_json(report))
    else:
        display.print_verify(report, out)
    raise typer.Exit(0 if report.ok else 1)


@app.command("convert")
@friendly_errors
def convert_cmd(
    root: Annotated[Path, typer.Argument(help="The LAMM root (holding 2D_Benchmark/, 2D_Instruct/ ...).")],
    names: Annotated[list[str] | None, typer.Argument(help="Catalog names or aliases; default: every meta file "
                                                           "under ROOT.")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Folder for the converted splits "
                                                               "[default: ROOT/.lamm/arrow].")] = None,
    num_proc: Annotated[int, typer.Option("--num-proc", min=1, help="Files converted in parallel (threads "
                                                                    "reading media headers for one file).")] = 1,
    embed_media: Annotated[bool, typer.Option("--embed-media", help="Store image and .npy bytes in the data "
                                                                    "(portable, larger).")] = False,
    force: Annotated[bool, typer.Option("--force", help="Convert even when the converted split is current.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
) -> None:
    """Convert meta files to memory-mapped Arrow datasets (what load_split opens); current ones are skipped.

    An invalid file is not converted: its problems are printed as `validate` prints them and the exit code is 1.
    """
    from lamm_data.convert import arrow_root, convert

    with nullcontext() if quiet else err.status("converting") as status:
        def progress(name: str, stage: str, done: int, total: int) -> None:
            if status is not None:
                status.update(f"{escape(name)}: {stage}" + (f" {done:,}/{total:,}" if total > 1 else ""))

        results = convert(root, names or (), out=out_dir, num_proc=num_proc, embed_media=embed_media, force=force,
                          on_progress=progress)
    table = Table(title=f"conversion into {escape(str(out_dir or arrow_root(root)))}")
    for column in ("name", "status", "rows", "seconds", "note"):
        table.add_column(column, overflow="fold")
    for r in results:
        if r.report is not None:
            _print_problems(r.report, err)
        elif r.status == "failed":
            err.print(f"[red]error[/red] {escape(r.reason)}")
        colour = {"converted": "green", "current": "blue", "failed": "red"}[r.status]
        note = r.reason.split("\n")[0] if r.status != "current" else ""
        table.add_row(r.name, f"[{colour}]{r.status}[/{colour}]", f"{r.rows:,}", f"{r.seconds:.2f}", escape(note))
    out.print(table)
    raise typer.Exit(1 if any(r.status == "failed" for r in results) else 0)


@app.command("export-parquet")
@friendly_errors
def export_parquet_cmd(
    root: Annotated[Path, typer.Argument(help="The LAMM root.")],
    names: Annotated[list[str], typer.Argument(help="Catalog names or aliases of the splits to export.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write <name>/data-*.parquet into.")],
    shard_rows: Annotated[int, typer.Option("--shard-rows", min=1, help="Rows per Parquet file.")] = 100_000,
) -> None:
    """Write splits as sharded Parquet (read by DuckDB, Ray Data, Spark, pyarrow.dataset); converts first if needed."""
    from lamm_data.parquet import export_parquet

    with err.status("exporting"):
        exports = export_parquet(root, names, out_dir, shard_rows=shard_rows)
    table = Table(title="parquet export")
    for column in ("name", "rows", "shards", "folder"):
        table.add_column(column, overflow="fold")
    for e in exports:
        table.add_row(e.name, f"{e.rows:,}", str(len(e.shards)), escape(str(e.path)))
    out.print(table)


def _print_problems(report: FileReport, console: Console) -> None:
    """Print a report's problems one per line, as `validate` does."""
    for problem in report.problems:
        tag = "[red]error[/red]" if problem.severity == "error" else "[yellow]warning[/yellow]"
        console.print(f"{tag} {escape(str(problem))}")


def _print_json(value: object) -> None:
    """Write ``value`` as indented JSON to stdout as it is (rich's rendering takes seconds for 10^4 problems)."""
    out.file.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def _count(n: int, colour: str) -> str:
    return f"[{colour}]{n}[/{colour}]" if n else "0"


def main() -> None:
    """Console-script entry point."""
    app(prog_name="lamm-data")
