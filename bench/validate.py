"""Validation speed: `lamm-data validate` on a 186k-item instruction file vs `json.load` of the same file.

    python bench/validate.py [--items 186098] [--repeat 3] [--file PATH]

Generates the file in the real format (bench/_generate.py, ~283 MB) unless --file is given, then
times, each in a fresh subprocess and alternating, (a) ``json.load`` of the file (the baseline) and
(b) ``lamm_data.metafile.validate_meta`` (schema validation of every item, id and unknown-field
checks; media checks off because the generated file has no media). Module imports happen before
the clock starts for both (the CLI adds ~0.3 s of imports once per run). Prints the best of N runs,
peak RSS of each, and the ratio validate / json.load (target <= 1.5).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from _generate import write_instruct_2d

HERE = Path(__file__).resolve().parent
# (imports, timed body): imports happen before the clock starts for both jobs
JOBS = {
    "json.load": ("import json", "with open(P, 'rb') as f:\n    data = json.load(f)\nn = len(data)"),
    "lamm validate": ("from lamm_data.metafile import validate_meta",
                      "report, records = validate_meta(P, check_media=False)\n"
                      "assert report.ok, report.problems[:3]\nn = report.items"),
}
RUNNER = """
import json, resource, sys, time
{imports}
P = sys.argv[1]
t = time.perf_counter()
{body}
dt = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": dt, "items": n, "peak_rss_mb": rss}}))
"""


def run(job: str, path: Path) -> dict:
    imports, body = JOBS[job]
    code = RUNNER.format(imports=imports, body=body)
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True,
                         cwd=HERE.parent)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=186_098)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--file", type=Path, default=None, help="an existing 2D instruction meta file to use")
    args = parser.parse_args()
    path = args.file or HERE / "_out" / "2D_Instruct" / "meta_file" / "LAMM_instruct_186k.json"
    if args.file is None and not path.exists():
        print(f"generating {args.items} items at {path} ...", file=sys.stderr)
        write_instruct_2d(path, args.items)
    size_mb = path.stat().st_size / 1e6
    best: dict[str, dict] = {}
    for _ in range(args.repeat):
        for job in JOBS:
            result = run(job, path)
            if job not in best or result["seconds"] < best[job]["seconds"]:
                best[job] = result
    print(f"file: {path} ({size_mb:.0f} MB, {best['json.load']['items']:,} items); best of {args.repeat} runs")
    print(f"{'job':<16}{'seconds':>10}{'peak RSS MB':>14}")
    for job, r in best.items():
        print(f"{job:<16}{r['seconds']:>10.2f}{r['peak_rss_mb']:>14.0f}")
    ratio = best["lamm validate"]["seconds"] / best["json.load"]["seconds"]
    print(f"ratio validate / json.load = {ratio:.2f} (target <= 1.5): {'OK' if ratio <= 1.5 else 'MISSED'}")


if __name__ == "__main__":
    main()
