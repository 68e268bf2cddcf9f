"""Write ``lamm_prompts.json``: LAMM's prompt texts, read from a checkout of OpenGVLab/LAMM.

Usage: ``python make_lamm_prompts.py /path/to/LAMM-git-dir``. It reads (with ``git show``, nothing
is executed from the working tree):

* ``conversation_dict`` from ``src/model/LAMM/conversations.py`` at HEAD (ea57136): training prompts;
* ``common_task2sysmsg`` / ``locating_task2sysmsg`` from ``src/datasets/system_msg.py`` at a2bb614
  (the last tree with LAMM's original benchmark scripts): benchmark system messages.

The dicts are evaluated from the module source with ``ast.literal_eval`` on the string constants.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path


def _constants(source: str) -> dict[str, object]:
    """Module-level names bound to literals, and dicts whose values are such names."""
    tree = ast.parse(source)
    names: dict[str, object] = {}
    for node in tree.body:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            continue
        target = node.targets[0].id
        try:
            names[target] = ast.literal_eval(node.value)
        except ValueError:
            if isinstance(node.value, ast.Dict):
                pairs = zip(node.value.keys, node.value.values, strict=True)
                names[target] = {ast.literal_eval(k): names[v.id] for k, v in pairs
                                 if isinstance(v, ast.Name) and v.id in names}
    return names


def main(repo: str) -> None:
    def show(rev_path: str) -> str:
        return subprocess.run(["git", "-C", repo, "show", rev_path], check=True, capture_output=True,
                              text=True).stdout

    conv = _constants(show("ea57136:src/model/LAMM/conversations.py"))
    sysmsg = _constants(show("a2bb614:src/datasets/system_msg.py"))
    out = {
        "source": {"training": "OpenGVLab/LAMM@ea57136 src/model/LAMM/conversations.py conversation_dict",
                   "benchmark": "OpenGVLab/LAMM@a2bb614 src/datasets/system_msg.py"},
        "training": conv["conversation_dict"],
        "benchmark_common": sysmsg["common_task2sysmsg"],
        "benchmark_locating": sysmsg["locating_task2sysmsg"],
    }
    dest = Path(__file__).with_name("lamm_prompts.json")
    dest.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {dest}")


if __name__ == "__main__":
    main(sys.argv[1])
