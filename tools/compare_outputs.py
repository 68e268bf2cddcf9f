"""Compare what two git revisions write on the embedded sample: every report.json, its bootstrap sidecar, the
diagnostics JSONL and the Markdown leaderboard must be byte-identical apart from the version.

    python tools/compare_outputs.py [REV_A] [REV_B] [--work DIR] [--keep]

``REV_A`` defaults to ``main``, ``REV_B`` to ``WORKTREE`` (the files of this checkout as they are, committed or
not); any other value is a git revision, exported with ``git archive`` into a temporary folder. Each revision
runs with this Python environment, its own packages first on ``PYTHONPATH`` (``python -m lamm_data`` /
``python -m lamm_bench``), in a folder of the same name under the work folder, so the paths recorded in the
outputs are the same for both. Per revision:

1. ``lamm-data sample ROOT``: the embedded sample, with its answers file ``answers/baseline.jsonl``;
2. ``lamm-bench score`` of the baseline answers (diagnostics on), of a degraded copy (every third answer refused,
   every seventh missing: missing and unparsed answers), and of the baseline by benchmark folder of legacy LAMM
   answer files (``{Task}_{Dataset}.json``);
3. ``lamm-data convert ROOT`` and the baseline scored again (ground truth read from the converted splits);
4. ``lamm-bench report --format md`` of the baseline and degraded reports, with the paper's reference rows.

Text outputs are compared after replacing the package version by ``<VERSION>``; the exit status is 1 when any
output differs (the first differing line of each is printed). The HTML page is compared too and reported, but
not counted (it is not covered by the no-behaviour-change rule).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORKTREE = "WORKTREE"


def _export(rev: str, dest: Path) -> Path:
    """The package sources of ``rev`` (or of this checkout) under ``dest``."""
    dest.mkdir(parents=True)
    if rev == WORKTREE:
        for package in ("lamm_data", "lamm_bench", "lamm_model"):
            shutil.copytree(REPO / package, dest / package, ignore=shutil.ignore_patterns("__pycache__"))
        return dest
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev, "lamm_data", "lamm_bench", "lamm_model"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def _degrade(source: Path, dest: Path) -> None:
    lines = []
    for i, line in enumerate(source.read_text(encoding="utf-8").splitlines()):
        record = json.loads(line)
        if i % 7 == 3:
            continue
        if i % 3 == 1 and isinstance(record["text"], str):
            record["text"] = "Sorry, I cannot answer that."
        lines.append(json.dumps(record, ensure_ascii=False))
    dest.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _legacy(source: Path, dest: Path) -> None:
    dest.mkdir()
    by_name: dict[str, list[dict]] = {}
    for line in source.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        by_name.setdefault(record["benchmark"], []).append({"id": record["id"], "text": record["text"],
                                                            "delta_path": "ckpt"})
    for name, records in by_name.items():
        (dest / f"{name}.json").write_text(json.dumps(records, indent=4, ensure_ascii=False), encoding="utf-8")


def _run_revision(src: Path, run: Path) -> dict[str, Path]:
    """Produce every compared output of one revision under ``run``; returns them by name."""
    env = {**os.environ, "PYTHONPATH": str(src), "PYTHONHASHSEED": "0", "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("LAMM_DATA_ROOT", None)
    check = subprocess.run([sys.executable, "-c", "import lamm_bench, sys; print(lamm_bench.__file__)"], env=env,
                           cwd=run.parent, capture_output=True, text=True, check=True).stdout.strip()
    if not check.startswith(str(src)):
        raise SystemExit(f"{src}: python imports lamm_bench from {check}, not from the exported revision")

    def cli(*args: str, stdout: Path | None = None) -> None:
        result = subprocess.run([sys.executable, "-m", *args], env=env, cwd=run, capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"{src}: {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        if stdout is not None:
            stdout.write_text(result.stdout, encoding="utf-8")

    root = run / "root"  # --data and a positional ROOT: the spellings every revision since 1a7d585 accepts
    cli("lamm_data", "sample", str(root))
    baseline = root / "answers" / "baseline.jsonl"
    _degrade(baseline, run / "degraded.jsonl")
    _legacy(baseline, run / "legacy")
    out: dict[str, Path] = {}
    for name, answers in (("baseline", baseline), ("degraded", run / "degraded.jsonl"), ("legacy", run / "legacy")):
        cli("lamm_bench", "score", str(answers), "--data", str(root), "--out", str(run / name / "report.json"),
            "--diagnostics", str(run / name / "diagnostics.jsonl"), "--resamples", "200", "--quiet")
        out[f"{name}/report.json"] = run / name / "report.json"
        out[f"{name}/report.bootstrap.npz"] = run / name / "report.bootstrap.npz"
        out[f"{name}/diagnostics.jsonl"] = run / name / "diagnostics.jsonl"
    cli("lamm_bench", "report", str(run / "baseline" / "report.json"), str(run / "degraded" / "report.json"),
        "--format", "md", "--reference", "paper-v1", stdout=run / "leaderboard.md")
    out["leaderboard.md"] = run / "leaderboard.md"
    cli("lamm_bench", "report", str(run / "baseline" / "report.json"), str(run / "degraded" / "report.json"),
        "--out", str(run / "html"), "--reference", "paper-v1", "--max-samples", "4")
    out["html/index.html (not counted)"] = run / "html" / "index.html"
    cli("lamm_data", "convert", str(root), "--quiet")
    cli("lamm_bench", "score", str(baseline), "--data", str(root), "--out", str(run / "arrow" / "report.json"),
        "--diagnostics", str(run / "arrow" / "diagnostics.jsonl"), "--resamples", "200", "--quiet")
    out["arrow/report.json"] = run / "arrow" / "report.json"
    out["arrow/diagnostics.jsonl"] = run / "arrow" / "diagnostics.jsonl"
    return out


def _version(src: Path) -> str:
    text = (src / "lamm_data" / "_version.py").read_text(encoding="utf-8")
    return text.split("__version__", 1)[1].split('"')[1]


def _normalised(path: Path, version: str) -> bytes:
    data = path.read_bytes()
    if path.suffix in (".json", ".jsonl", ".md", ".html"):
        data = data.replace(version.encode(), b"<VERSION>")
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rev_a", nargs="?", default="main")
    parser.add_argument("rev_b", nargs="?", default=WORKTREE)
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary one, removed afterwards)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="lamm-compare-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        results: dict[str, dict[str, Path]] = {}
        versions: dict[str, str] = {}
        for label, rev in (("a", args.rev_a), ("b", args.rev_b)):
            src = _export(rev, work / f"src-{label}")
            versions[label] = _version(src)
            run = work / "run"
            if run.exists():
                shutil.rmtree(run)
            run.mkdir()
            outputs = _run_revision(src, run)
            kept = work / f"out-{label}"
            shutil.move(str(run), str(kept))
            results[label] = {name: kept / path.relative_to(run) for name, path in outputs.items()}
        differing = 0
        for name in results["a"]:
            a = _normalised(results["a"][name], versions["a"])
            b = _normalised(results["b"][name], versions["b"])
            counted = "not counted" not in name
            if a == b:
                print(f"identical  {name} ({len(a):,} bytes)")
                continue
            differing += counted
            print(f"DIFFERENT  {name}")
            if results["a"][name].suffix != ".npz":
                diff = difflib.unified_diff(a.decode("utf-8", "replace").splitlines(),
                                            b.decode("utf-8", "replace").splitlines(), "a", "b", lineterm="", n=0)
                for line in list(diff)[2:8]:
                    print(f"    {line[:200]}")
        print(f"{args.rev_a} (version {versions['a']}) vs {args.rev_b} (version {versions['b']}): "
              f"{differing} of {sum('not counted' not in n for n in results['a'])} compared outputs differ")
        return 1 if differing else 0
    finally:
        if args.work is None and not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
