"""Open benchmark splits as memory-mapped Hugging Face datasets and look at rows (2D and 3D).

``load_split`` converts the meta file to Arrow on first use (``ROOT/.lamm/arrow``) and reopens it after.
Run: ``python docs/examples/load_split.py [WORKDIR]`` (default: a new temporary folder).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from lamm_data import load_split
from lamm_data.sample import write_sample


def main(workdir: Path) -> int:
    root = write_sample(workdir / "lamm-sample")
    voc = load_split("VOC2012", root, progress=False)  # aliases work: this is Detection_VOC2012
    print(f"Detection_VOC2012: {len(voc)} rows, columns {voc.column_names}")
    row = voc[0]
    print(f"  id {row['id']}: {row['image'].size[0]}x{row['image'].size[1]} px image, query {row['query'][:40]!r}...")
    for obj in row["object"]:
        print(f"  {obj['label']:8} box {obj['bbox']} (normalised x1, y1, x2, y2)")
    scenes = load_split("VG_ScanRefer", root, progress=False)
    cloud = scenes[0]["pcl"]  # float32 (N, C): x, y, z in metres first
    print(f"VG_ScanRefer: {len(scenes)} rows; first point cloud {cloud.shape[0]} points x {cloud.shape[1]} columns")
    paths = load_split("VG_ScanRefer", root, decode=False, progress=False)[0]["pcl"]  # undecoded: the file path
    print(f"  stored at {Path(paths).relative_to(root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())))
