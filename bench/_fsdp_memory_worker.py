"""One process of ``bench/fsdp_memory.py``: ``lamm_model.train.train`` with host-memory readings per phase.

Run under torchrun as ``_fsdp_memory_worker.py CONFIG.yaml OUT_DIR``; writes ``OUT_DIR/rank-R.json`` (bytes):
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
import sys
from pathlib import Path

from _host_memory import peak, reset_peak, resident  # bench/, the script's folder, is first on sys.path

import lamm_model
import lamm_model.train as train_module
from lamm_model.config import load_config


def main(config: str, out: str) -> None:
    record = {"start": resident(), "lamm_model": str(Path(lamm_model.__file__).parent)}
    parallel, save = train_module._parallel, train_module.save_checkpoint

    def measured_parallel(*args, **kwargs):
        model = parallel(*args, **kwargs)
        record["build_peak"], record["sharded"] = peak(), resident()
        reset_peak()
        return model

    def measured_save(*args, **kwargs):
        record["step_peak"], record["save_before"] = peak(), resident()
        reset_peak()
        try:
            return save(*args, **kwargs)
        finally:
            record["save_peak"] = peak()

    train_module._parallel, train_module.save_checkpoint = measured_parallel, measured_save
    train_module.train(load_config(config))
    Path(out, f"rank-{os.environ['RANK']}.json").write_text(json.dumps(record), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
