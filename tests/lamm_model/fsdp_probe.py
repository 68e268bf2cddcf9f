"""Run ``lamm_model.train.train`` under torchrun and record how each process built and saved the model.

Usage: ``torchrun --nproc_per_node 2 tests/lamm_model/fsdp_probe.py CONFIG.yaml OUT_DIR`` writes
``OUT_DIR/probe-rank-R.json``: the devices this process's model was built on, and how many tensors the
checkpoint save gathered in full (``DTensor.full_tensor`` calls). Used by ``test_model_distributed.py``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from torch.distributed.tensor import DTensor

import lamm_model.train as train_module
from lamm_model.config import load_config


def main(config: str, out: str) -> None:
    record: dict[str, object] = {"built_on": [], "gathered_in_save": 0}
    build, save, full_tensor = train_module.build_model, train_module.save_checkpoint, DTensor.full_tensor
    saving = False

    def probed_build(*args, **kwargs):
        raw, tokenizer = build(*args, **kwargs)
        record["built_on"] = sorted({p.device.type for p in raw.parameters()})
        return raw, tokenizer

    def probed_save(*args, **kwargs):
        nonlocal saving
        saving = True
        try:
            return save(*args, **kwargs)
        finally:
            saving = False

    def probed_full_tensor(self, *args, **kwargs):
        if saving:
            record["gathered_in_save"] += 1
        return full_tensor(self, *args, **kwargs)

    train_module.build_model, train_module.save_checkpoint = probed_build, probed_save
    DTensor.full_tensor = probed_full_tensor
    result = train_module.train(load_config(config))
    record["losses"] = result.losses
    Path(out, f"probe-rank-{os.environ['RANK']}.json").write_text(json.dumps(record), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
