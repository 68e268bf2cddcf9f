"""Write the embedded LAMM sample and validate every meta file in it.

The library calls behind ``lamm-data sample DIR`` and ``lamm-data validate DIR``.
Run: ``python docs/examples/sample_and_validate.py [WORKDIR]`` (default: a new temporary folder).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from lamm_data.layout import discover_meta_files
from lamm_data.metafile import validate_meta
from lamm_data.sample import write_sample


def main(workdir: Path) -> int:
    root = write_sample(workdir / "lamm-sample")
    invalid = 0
    for path in discover_meta_files(root):
        report, records = validate_meta(path)  # records: typed pydantic models, or None when invalid
        invalid += not report.ok
        schema = type(records[0]).__name__ if records else "-"
        print(f"{report.name:38} {report.items:3} {schema:22} {'ok' if report.ok else 'INVALID'}  media {report.media}")
        for problem in report.problems:  # file:index:id:field: message
            print(f"  {problem}")
    print(f"{invalid} invalid file(s) under {root}")
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())))
