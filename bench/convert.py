"""Benchmark: ``lamm-data convert`` against ``datasets.load_dataset("json")`` and plain ``json.load``.

Usage (from the repository root)::

    python bench/convert.py [--data /tmp/benchdata] [--items 186098] [--repeat 3]

Generates (once) a 2D instruction file in the real format with ``bench/_generate.py`` (186,098 items,
~283 MB), then runs each contender in a fresh Python process, ``--repeat`` times, interleaved:

* ``json.load``: parse the file into Python objects (the floor for any pure-Python reader);
* ``load_dataset("json")``: the Hugging Face JSON builder into a fresh cache (the usual alternative);
* ``lamm convert``: validate with the schemas, build and write the Arrow split (``convert_file(force=True)``);
* ``load_split``: open the converted split and read row 0 (time to first row, measured inside the process
  after imports) and 1,000 random rows.

Wall time is the whole process (interpreter start, imports, work, exit), median over repeats; peak RSS is
the process's ``ru_maxrss`` from ``os.wait4``, CPU time its user + system time (also from ``os.wait4``;
unlike wall time it barely moves when other processes compete for the cores). The generated file's
images are not on disk, so ``width`` / ``height`` are null and no media headers are read: the numbers
are for the JSON -> Arrow part alone.
Targets (issue 4): convert <= 0.5x load_dataset("json") and <= 2x json.load in wall time; peak RSS <=
load_dataset("json"); load_split first row < 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._generate import write_instruct_2d  # noqa: E402

NAME = "LAMM_instruct_186k"
LD = 'load_dataset("json")'

JSON_LOAD = """
import json, sys
with open(sys.argv[1], "rb") as f:
    data = json.load(f)
print(json.dumps({"rows": len(data)}))
"""

LOAD_DATASET = """
import json, sys
import datasets
datasets.disable_progress_bars()
ds = datasets.load_dataset("json", data_files=sys.argv[1], split="train", cache_dir=sys.argv[2])
print(json.dumps({"rows": ds.num_rows}))
"""

CONVERT = """
import json, sys
from lamm_data.convert import convert_file
result = convert_file(sys.argv[1], sys.argv[2], force=True)
print(json.dumps({"rows": result.rows}))
"""

LOAD_SPLIT = """
import json, sys, time
start = time.perf_counter()
import datasets
from lamm_data.load import load_split
imported = time.perf_counter()
ds = load_split(sys.argv[3], sys.argv[1], arrow_dir=sys.argv[2], progress=False)
row = ds[0]
first = time.perf_counter()
import random
rng = random.Random(0)
for i in rng.sample(range(ds.num_rows), 1000):
    ds[i]
done = time.perf_counter()
print(json.dumps({"rows": ds.num_rows, "import_s": imported - start, "first_row_s": first - imported,
                  "random_1000_s": done - first}))
"""


def run(script: str, *args: str) -> tuple[float, float, dict, float]:
    """Run ``script`` in a fresh interpreter; return (wall s, peak RSS MiB, its JSON output, CPU s user+sys)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE, env=env, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark step failed (exit {proc.returncode}): {script.strip().splitlines()[-2]}")
    return wall, usage.ru_maxrss / 1024, json.loads(out.strip().splitlines()[-1]), usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "benchdata",
                        help="LAMM root to hold the generated file (reused when present)")
    parser.add_argument("--items", type=int, default=186_098, help="items of the generated file")
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender (median reported)")
    args = parser.parse_args()
    err = Console(stderr=True)
    meta = args.data / "2D_Instruct" / "meta_file" / f"{NAME}.json"
    if not meta.is_file():
        with err.status(f"generating {meta} ({args.items:,} items)"):
            write_instruct_2d(meta, n_items=args.items)
    size_mb = meta.stat().st_size / 1e6

    names = ("json.load", LD, "lamm convert", "load_split")
    runs: dict[str, list[tuple[float, float, dict, float]]] = {k: [] for k in names}
    with tempfile.TemporaryDirectory(prefix="lamm-bench-") as tmp:
        for i in range(args.repeat):
            err.print(f"run {i + 1}/{args.repeat}")
            runs["json.load"].append(run(JSON_LOAD, str(meta)))
            runs[LD].append(run(LOAD_DATASET, str(meta), tempfile.mkdtemp(dir=tmp)))
            out = Path(tmp) / "arrow"
            runs["lamm convert"].append(run(CONVERT, str(meta), str(out)))
            runs["load_split"].append(run(LOAD_SPLIT, str(args.data), str(out), NAME))

    wall = {k: statistics.median(r[0] for r in v) for k, v in runs.items()}
    rss = {k: max(r[1] for r in v) for k, v in runs.items()}
    cpu = {k: statistics.median(r[3] for r in v) for k, v in runs.items()}
    rows = {k: v[0][2]["rows"] for k, v in runs.items()}
    split = runs["load_split"]
    first_row = statistics.median(r[2]["first_row_s"] for r in split)
    import_s = statistics.median(r[2]["import_s"] for r in split)
    random_s = statistics.median(r[2]["random_1000_s"] for r in split)

    table = Table(title=f"{NAME}: {rows['json.load']:,} items, {size_mb:.0f} MB, median of {args.repeat} run(s)")
    for column in ("contender", "wall s", "CPU s", "peak RSS MiB", "rows", "wall / json.load", "wall / load_dataset"):
        table.add_column(column, justify="right" if column != "contender" else "left")
    for k in runs:
        table.add_row(k, f"{wall[k]:.2f}", f"{cpu[k]:.2f}", f"{rss[k]:.0f}", f"{rows[k]:,}",
                      f"{wall[k] / wall['json.load']:.2f}", f"{wall[k] / wall[LD]:.2f}")
    out = Console(width=120)
    out.print(table)
    ratios = {
        "convert / load_dataset wall (target <= 0.5)": wall["lamm convert"] / wall[LD],
        "convert / json.load wall (target <= 2)": wall["lamm convert"] / wall["json.load"],
        "convert / load_dataset peak RSS (target <= 1)": rss["lamm convert"] / rss[LD],
    }
    for label, value in ratios.items():
        out.print(f"{label}: {value:.2f}")
    ours = cpu["lamm convert"]
    out.print(f"(CPU time, user+sys, a check that does not depend on other load on the machine: convert / json.load "
              f"{ours / cpu['json.load']:.2f}, convert / load_dataset {ours / cpu[LD]:.2f})")
    out.print(f"load_split time to first row: {first_row * 1000:.1f} ms (target < 1000 ms; import of lamm_data.load "
              f"+ datasets before it: {import_s:.2f} s); 1,000 random rows: {random_s * 1000:.0f} ms")
    out.print("note: the generated file's images are not on disk, so width/height are null (no header reads).")
    limits = (0.5, 2.0, 1.0)
    ok = all(v <= lim for v, lim in zip(ratios.values(), limits, strict=True)) and first_row < 1.0
    out.print("all targets met" if ok else "[red]a target was missed[/red]")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
