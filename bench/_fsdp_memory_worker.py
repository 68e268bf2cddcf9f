"""One process of ``bench/fsdp_memory.py``: ``lamm_model.train.train`` with host-memory readings per phase.

Run under torchrun as ``_fsdp_memory_worker.py CONFIG.yaml OUT_DIR``; writes ``OUT_DIR/rank-R.json`` (KiB):
``start`` (resident after imports), ``build_peak`` (peak from the start until the model is built and sharded),
``sharded`` (resident right after sharding), ``step_peak`` (peak from then until the save starts),
``save_before`` and ``save_peak`` (resident before the save, peak during it), and ``lamm_model`` (which
package ran: the checkout or the baseline on ``PYTHONPATH``). Peaks are the kernel's ``VmHWM``, reset through
``/proc/self/clear_refs`` between phases. Works with any revision whose ``lamm_model.train`` has
``_parallel`` and ``save_checkpoint``.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import lamm_model
import lamm_model.train as train_module
from lamm_model.config import load_config


def _status(field: str) -> int:
    text = Path("/proc/self/status").read_text(encoding="ascii")
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1))


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5", encoding="ascii")  # VmHWM := VmRSS


def main(config: str, out: str) -> None:
    record = {"start": _status("VmRSS"), "lamm_model": str(Path(lamm_model.__file__).parent)}
    parallel, save = train_module._parallel, train_module.save_checkpoint

    def measured_parallel(*args, **kwargs):
        model = parallel(*args, **kwargs)
        record["build_peak"], record["sharded"] = _status("VmHWM"), _status("VmRSS")
        _reset_peak()
        return model

    def measured_save(*args, **kwargs):
        record["step_peak"], record["save_before"] = _status("VmHWM"), _status("VmRSS")
        _reset_peak()
        try:
            return save(*args, **kwargs)
        finally:
            record["save_peak"] = _status("VmHWM")

    train_module._parallel, train_module.save_checkpoint = measured_parallel, measured_save
    train_module.train(load_config(config))
    Path(out, f"rank-{os.environ['RANK']}.json").write_text(json.dumps(record), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
