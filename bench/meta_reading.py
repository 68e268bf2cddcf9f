"""Meta-file reading: `lamm-data validate` and `convert` on a large instruction file, this tree against a baseline.

    python bench/meta_reading.py [--baseline main] [--items 130000] [--repeat 3] [--file PATH]

Generates (once) a 2D instruction meta file in the real format with ``bench/_generate.py`` (130,000 items,
~200 MB; ``--file`` uses an existing one), extracts ``lamm_data/`` of the ``--baseline`` git revision into a
temporary folder (``git archive``), then runs each job in a fresh Python process, ``--repeat`` times,
alternating baseline and this tree:

* ``validate``: :func:`lamm_data.metafile.validate_paths` on the file (what ``lamm-data validate`` runs;
  the generated file's images are absent, so no media file is looked up);
* ``convert``: :func:`lamm_data.convert.convert_file` into a fresh folder;
* ``validate + key check`` (baseline only): the baseline's validate plus a second whole-file parse that
  refuses repeated keys (:func:`lamm_data.jsontext.loads` with ``unique_keys=True``), the cost the
  baseline would have paid to check instruction files for repeated keys, which this tree does in its one parse.

Imports happen before the clock starts. Each process reports the seconds and CPU seconds of the call and the
growth of its peak RSS during the call (``ru_maxrss`` after the call minus before it: memory the work needed
beyond the interpreter and imports). Prints the best run of each job and the ratios this tree / baseline.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._generate import write_instruct_2d  # noqa: E402

RUNNER = """
import json, resource, sys, time
from lamm_data.convert import convert_file
from lamm_data.jsontext import loads
from lamm_data.metafile import validate_paths
job, path, out = sys.argv[1:4]
def peak(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
before, wall, cpu = peak(), time.perf_counter(), time.process_time()
if job == "convert":
    assert convert_file(path, out).status == "converted"
else:
    assert validate_paths([path])[0].ok
    if job == "validate + key check":
        with open(path, "rb") as f:
            loads(f.read(), unique_keys=True)
print(json.dumps({"seconds": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                  "work_mb": peak() - before, "peak_mb": peak()}))
"""
JOBS = [("validate", ("baseline", "this tree")), ("validate + key check", ("baseline",)),
        ("convert", ("baseline", "this tree"))]


def run(job: str, tree: Path, path: Path, out: Path) -> dict:
    result = subprocess.run([sys.executable, "-c", RUNNER, job, str(path), str(out)], capture_output=True,
                            text=True, cwd=tree, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"})
    if result.returncode:
        raise SystemExit(f"{job} in {tree} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default="main", help="git revision to compare with (default: main)")
    parser.add_argument("--items", type=int, default=130_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--file", type=Path, default=None, help="an existing 2D instruction meta file to use")
    args = parser.parse_args()
    path = args.file or REPO / "bench" / "_out" / f"meta_{args.items}" / "2D_Instruct" / "meta_file" / \
        "LAMM_instruct_186k.json"
    if args.file is None and not path.exists():
        print(f"generating {args.items:,} items at {path} ...", file=sys.stderr)
        write_instruct_2d(path, args.items)
    with tempfile.TemporaryDirectory(prefix="lamm-bench-") as tmp:
        base = Path(tmp) / "baseline"
        base.mkdir()
        archive = subprocess.run(["git", "archive", args.baseline, "lamm_data"], cwd=REPO, capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        trees = {"baseline": base, "this tree": REPO}
        best: dict[tuple[str, str], dict] = {}
        for r in range(args.repeat):
            for job, sides in JOBS:
                for side in sides:
                    got = run(job, trees[side], path, Path(tmp) / f"out-{side.replace(' ', '_')}-{r}")
                    key = (job, side)
                    if key not in best or got["seconds"] < best[key]["seconds"]:
                        best[key] = got
    size = path.stat().st_size / 1e6
    print(f"file: {path} ({size:.0f} MB); baseline {args.baseline}; best of {args.repeat} runs")
    print(f"{'job':<22}{'tree':<11}{'seconds':>9}{'cpu s':>8}{'work MB':>9}{'peak MB':>9}")
    for (job, side), r in best.items():
        print(f"{job:<22}{side:<11}{r['seconds']:>9.2f}{r['cpu']:>8.2f}{r['work_mb']:>9.0f}{r['peak_mb']:>9.0f}")
    for job, other in (("validate", "validate"), ("validate", "validate + key check"), ("convert", "convert")):
        new, old = best[(job, "this tree")], best[(other, "baseline")]
        print(f"{job} / baseline {other}: time x{new['seconds'] / old['seconds']:.2f}, cpu "
              f"x{new['cpu'] / old['cpu']:.2f}, work memory x{new['work_mb'] / max(old['work_mb'], 1):.3f}")


if __name__ == "__main__":
    main()
