"""``lamm-data``: list the catalog, write the sample, validate, fetch and verify a root, convert to Arrow/Parquet."""

from __future__ import annotations

import json
import os
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from lamm_data import catalog
from lamm_data.console import ROOT_HELP, err, fail, friendly_errors, old_spelling, out, pick_root, run, version_option
from lamm_data.errors import UnknownNameError
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
    out.print("\n".join(catalog_lines(rows, group)), markup=False)


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
    out.print(f"wrote the LAMM sample to {escape(str(root))} ({files} files)\nbaseline answers: "
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
    follow_symlinks: Annotated[bool, typer.Option("--follow-symlinks", help="Accept media that are symbolic links "
                                                  "leading outside their split folder.")] = False,
) -> None:
    """Check meta files against the LAMM schemas and report every problem as file:index:id:field: message.

    Exits 0 when every file is valid, 1 when any has an error.
    """
    with nullcontext() if quiet or as_json else err.status("validating") as status:
        def progress(path: Path) -> None:
            if status is not None:
                status.update(f"validating {escape(path.name)}")

        reports = validate_paths(list(paths), name=name, check_media=not no_media, on_file=progress,
                                 follow_symlinks=follow_symlinks)
    ok = all(r.ok for r in reports)
    if as_json:
        _print_json({"ok": ok, "files": [r.to_dict() for r in reports]})
        raise typer.Exit(0 if ok else 1)
    for report in reports:
        _print_problems(report, out)
    out.print("\n".join(validation_lines(reports)), markup=False)
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
    max_unpacked_bytes: Annotated[int | None, typer.Option("--max-unpacked-bytes", min=1, help="Cap on an archive's "
                                  "unpacked size (default: its documented size + 10%, or 2x the zip's size).")
                                  ] = None,
    max_ratio: Annotated[float | None, typer.Option("--max-ratio", min=1, help="Cap on an entry's compression ratio "
                                                    "(default 200).")] = None,
) -> None:
    """Fetch a group's meta files from the hub and its archives from OpenDataLab, a mirror or a folder, verified,
    unpacked, recorded.

    Exits 0 when every file is in place and every media file the meta files reference exists, else 1.
    """
    from lamm_data.fetch import display, fetch

    with display.progress_bars(err, quiet) as progress:
        report = fetch(group, names or [], root=root or default_root(), repo=repo, revision=revision,
                       meta_only=meta_only, archives_from=archives_from, unpack=not no_unpack, force=force,
                       progress=progress, max_unpacked_bytes=max_unpacked_bytes, max_ratio=max_ratio)
    display.print_fetch(report, out, err)
    raise typer.Exit(0 if report.ok else 1)


@app.command("verify")
@friendly_errors
def verify_cmd(
    old_root: Annotated[Path | None, typer.Argument(hidden=True, metavar="[ROOT]", show_default=False,
                                                    help="Old spelling of --root.")] = None,
    root: Annotated[Path | None, typer.Option("--root", help="A LAMM root written by lamm-data fetch. Default: "
                                                             "$LAMM_DATA_ROOT, else ~/.cache/lamm.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a machine-readable JSON report only.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Re-hash every file listed in ROOT/.lamm/manifest.json; report missing, changed and extra files.

    Exits 0 when everything matches, 1 on any missing, changed or extra file.
    """
    from lamm_data.fetch import display, verify_root

    root = pick_root(root, old_root, "a positional ROOT") or default_root()
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
    names: Annotated[list[str] | None, typer.Argument(help="Catalog names or aliases; default: every meta file "
                                                           "under the root.")] = None,
    root: Annotated[Path | None, typer.Option("--root", help=ROOT_HELP)] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Folder for the converted splits "
                                                               "[default: ROOT/.lamm/arrow].")] = None,
    num_proc: Annotated[int, typer.Option("--num-proc", min=1, help="Files converted in parallel (threads "
                                                                    "reading media headers for one file).")] = 1,
    embed_media: Annotated[bool, typer.Option("--embed-media", help="Store image and .npy bytes in the data "
                                                                    "(portable, larger).")] = False,
    force: Annotated[bool, typer.Option("--force", help="Convert even when the converted split is current.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a machine-readable JSON report only.")] = False,
    follow_symlinks: Annotated[bool, typer.Option("--follow-symlinks", help="Accept media that are symbolic links "
                                                  "leading outside their split folder.")] = False,
) -> None:
    """Convert meta files to memory-mapped Arrow datasets (what load_split opens); current ones are skipped.

    An invalid file is not converted: its problems are printed as `validate` prints them and the exit code is 1.
    """
    from lamm_data.convert import arrow_root, convert

    root, names = _root_and_names(root, names or [])
    with nullcontext() if quiet or as_json else err.status("converting") as status:
        def progress(name: str, stage: str, done: int, total: int) -> None:
            if status is not None:
                status.update(f"{escape(name)}: {stage}" + (f" {done:,}/{total:,}" if total > 1 else ""))

        results = convert(root, names or (), out=out_dir, num_proc=num_proc, embed_media=embed_media, force=force,
                          follow_symlinks=follow_symlinks, on_progress=progress)
    failed = any(r.status == "failed" for r in results)
    if as_json:
        _print_json({"ok": not failed, "out": str(out_dir or arrow_root(root)), "splits": [
            {"name": r.name, "source": str(r.source), "path": str(r.path), "status": r.status, "rows": r.rows,
             "seconds": round(r.seconds, 3), "reason": r.reason,
             "report": r.report.to_dict() if r.report is not None else None} for r in results]})
        raise typer.Exit(1 if failed else 0)
    for r in results:
        if r.report is not None:
            _print_problems(r.report, err)
        elif r.status == "failed":
            err.print(f"[red]error[/red] {escape(r.reason)}")
    table = [["name", "status", "rows", "seconds"]]
    table += [[r.name, r.status, f"{r.rows:,}", f"{r.seconds:.2f}"] for r in results]
    lines = [f"conversion into {out_dir or arrow_root(root)}"]
    for r, line in zip(results, columns_text(table, right=frozenset({2, 3}))[1:], strict=True):
        note = r.reason.split("\n")[0] if r.status != "current" else ""
        fits = note and len(line) + 2 + len(note) <= out.width
        lines.append(f"{line}  {note}" if fits else line)
        if note and not fits:
            lines += wrap_text(note, out.width, indent="      ")
    out.print("\n".join([lines[0], columns_text(table)[0] + "  note", *lines[1:]]), markup=False)
    raise typer.Exit(1 if any(r.status == "failed" for r in results) else 0)


@app.command("export-parquet")
@friendly_errors
def export_parquet_cmd(
    names: Annotated[list[str], typer.Argument(help="Catalog names or aliases of the splits to export.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write <name>/data-*.parquet into.")],
    root: Annotated[Path | None, typer.Option("--root", help=ROOT_HELP)] = None,
    shard_rows: Annotated[int, typer.Option("--shard-rows", min=1, help="Rows per Parquet file.")] = 100_000,
    embed_media: Annotated[bool | None, typer.Option("--embed-media/--media-paths", help="Store image bytes and "
                                                     "point-cloud points in the shards, or media paths (default: as "
                                                     "the split was converted; the converted split itself is never "
                                                     "rewritten).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a machine-readable JSON report only.")] = False,
) -> None:
    """Write splits as sharded Parquet (read by DuckDB, Ray Data, Spark, pyarrow.dataset); converts first if needed."""
    from lamm_data.parquet import export_parquet

    root, names = _root_and_names(root, names)
    if not names:
        raise fail("give the catalog names of the splits to export (e.g. VQA_AI2D)", 2)
    with nullcontext() if as_json else err.status("exporting"):
        exports = export_parquet(root, names, out_dir, shard_rows=shard_rows, embed_media=embed_media)
    if as_json:
        _print_json([{"name": e.name, "path": str(e.path), "rows": e.rows, "shards": [str(p) for p in e.shards]}
                     for e in exports])
        return
    table = [["name", "rows", "shards"], *([e.name, f"{e.rows:,}", str(len(e.shards))] for e in exports)]
    out.print("\n".join([f"parquet export into {out_dir} (shards in <name>/data/, card in <name>/README.md)",
                          *columns_text(table, right=frozenset({1, 2}))]), markup=False)


@app.command("push-to-hub")
@friendly_errors
def push_to_hub_cmd(
    name: Annotated[str, typer.Argument(help="Catalog name or alias of the split to publish.")],
    repo_id: Annotated[str, typer.Argument(help="Hub dataset repo, OWNER/NAME (created if missing).")],
    root: Annotated[Path | None, typer.Option("--root", help=ROOT_HELP)] = None,
    public: Annotated[bool, typer.Option("--public/--private", help="Visibility of a repo this creates (an "
                                                                   "existing repo keeps its own).")] = False,
    embed_media: Annotated[bool, typer.Option("--embed-media/--paths-only", help="Upload image bytes and "
                                              "point-cloud points with the rows (paths of this machine are "
                                              "useless elsewhere).")] = True,
    revision: Annotated[str | None, typer.Option("--revision", help="Branch to commit to (default main).")] = None,
    shard_rows: Annotated[int, typer.Option("--shard-rows", min=1, help="Rows per Parquet file.")] = 100_000,
    as_json: Annotated[bool, typer.Option("--json", help="Print a machine-readable JSON report only.")] = False,
) -> None:
    """Publish a split on the Hugging Face hub: Parquet shards and the dataset card, private by default.

    The token comes from HF_TOKEN (or `hf auth login`), the hub from HF_ENDPOINT. Check the licences in the
    card first: several source datasets forbid redistribution.
    """
    from lamm_data.push import push_to_hub

    with nullcontext() if as_json else err.status("publishing") as status:
        def stage(text: str) -> None:
            if status is not None:
                status.update(f"{escape(name)}: {text}")

        result = push_to_hub(root if root is not None else default_root(), name, repo_id, private=not public,
                             embed_media=embed_media, revision=revision, shard_rows=shard_rows, on_stage=stage)
    if as_json:
        _print_json({"name": result.name, "repo_id": result.repo_id, "url": result.url, "commit": result.commit,
                     "files": list(result.files), "rows": result.rows, "private": result.private})
        return
    visibility = {True: "new private repo", False: "new public repo", None: "existing repo"}[result.private]
    out.print(f"published {result.name} ({result.rows:,} rows, {len(result.files)} files) to {result.url} "
              f"({visibility}), commit {result.commit[:12]}", markup=False)


def wrap_text(text: str, width: int, indent: str = "") -> list[str]:
    """Word-wrap ``text`` at spaces into lines of at most ``width`` (a longer word stays whole on its line)."""
    lines, current = [], indent
    for word in text.split(" "):
        if current.strip() and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = indent + word
        else:
            current = f"{current} {word}" if current.strip() else indent + word
    return [*lines, current] if current.strip() else lines


def columns_text(rows: list[list[str]], right: frozenset[int] = frozenset(), indent: str = "  ") -> list[str]:
    """Rows as aligned text columns (``right``: indices of right-aligned columns); the last column is not padded."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append((indent + "  ".join(cells)).rstrip())
    return lines


def catalog_lines(rows: list[catalog.CatalogEntry], group: str | None) -> list[str]:
    """``lamm-data list``: one block per group, one line per file; fits 80 columns."""
    lines = [f"LAMM catalog{f' ({group})' if group else ''}: {len(rows)} files",
             "size: as published; [in brackets: the figure an older README gave]",
             "meta files come from the hub (openlamm/LAMM_Dataset, most also caojianjian/LAMM;",
             "* only in openlamm/LAMM_Dataset), archives from OpenDataLab (lamm-data fetch)"]
    for name in catalog.GROUPS:
        chosen = [e for e in rows if e.group == name]
        if not chosen:
            continue
        table = [["name", "kind", "size", "items"]]
        for e in chosen:
            only_new = e.kind == "meta" and {h.repo_id for h in e.hub} == {catalog.DEFAULT_REPO}
            table.append([e.name + (" *" if only_new else ""), e.kind, e.documented_size,
                          f"{e.items:,}" if e.items else ""])
        lines += ["", name, *columns_text(table, right=frozenset({3}))]
    return lines


def validation_lines(reports: list[FileReport]) -> list[str]:
    """The validation summary: files grouped by folder, one line each; fits 80 columns for LAMM's file names."""
    lines = ["", "validation summary"]
    folders: dict[str, list[FileReport]] = {}
    for r in reports:
        folders.setdefault(str(Path(r.path).parent), []).append(r)
    for folder, found in folders.items():
        table = [["file", "items", "errors", "warnings", "media"]]
        for r in found:
            file = Path(r.path).name
            named = "" if r.name and Path(file).stem == r.name else f" (as {r.name or '?'})"
            media = f"{r.media_files} checked" if r.media == "checked" else r.media
            table.append([file + named, f"{r.items:,}", str(len(r.errors)), str(len(r.warnings)), media])
        lines += [f"{folder}/", *columns_text(table, right=frozenset({1, 2, 3}))]
    return lines


def _root_and_names(root: Path | None, names: list[str]) -> tuple[Path, list[str]]:
    """``--root`` and the catalog names; the old spelling ``convert ROOT NAMES...`` (a path as the first
    positional argument: a folder, or anything with a ``/``, which no catalog name has) is still accepted, with a
    warning."""
    first = names[0] if names else ""
    if first and not _is_catalog_name(first) and ("/" in first or os.sep in first or Path(first).is_dir()):
        old_spelling("a positional ROOT")
        if root is not None and Path(root) != Path(names[0]):
            raise fail(f"--root {root} and the positional ROOT {names[0]} disagree; give only --root", 2)
        return Path(names[0]), names[1:]
    return (root if root is not None else default_root()), names


def _is_catalog_name(name: str) -> bool:
    try:
        catalog.resolve(name)
    except UnknownNameError:
        return False
    return True


def _print_problems(report: FileReport, console: Console) -> None:
    """Print a report's problems one per line, as `validate` does."""
    for problem in report.problems:
        tag = "[red]error[/red]" if problem.severity == "error" else "[yellow]warning[/yellow]"
        console.print(f"{tag} {escape(str(problem))}")


def _print_json(value: object) -> None:
    """Write ``value`` as indented JSON to stdout as it is (rich's rendering takes seconds for 10^4 problems)."""
    out.file.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def main() -> None:
    """Console-script entry point."""
    run(app, "lamm-data")
