"""Our EPCL encoder against LAMM's own EPCL code (goldens by ``tools/crosscheck_epcl.py``).

LAMM's Python (``model_3detr.py``, ``epcl.py``, pointnet2's modules, CLIP's ``VisionTransformer``) ran on CPU with
the pointnet2 CUDA kernels replaced by their NumPy transcription, on a tiny checkpoint whose weights are a function
of the key names. Here the same checkpoint is rebuilt from the recorded key shapes and args, imported through our
safe importer and run through our vectorised encoder: the token centres must be identical (the FPS picks are
exact), the tokens equal to float rounding.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import epcl_fixtures as fx
import numpy as np
import pytest
import torch

from lamm_model.epcl.checkpoint import import_epcl
from lamm_model.epcl.encoder import EpclEncoder

GOLDEN = Path(__file__).parent / "golden" / "epcl"


@pytest.mark.parametrize("case", ["two_stage", "one_stage_rgb"])
def test_encoder_matches_lamm_code(case: str, tmp_path: Path) -> None:
    meta = json.loads((GOLDEN / f"{case}.json").read_text(encoding="utf-8"))
    golden = np.load(GOLDEN / f"{case}.npz")
    state = fx.det_state({k: tuple(v) for k, v in meta["shapes"].items()})
    path = fx.write_lamm_checkpoint(tmp_path / f"{case}.pth", state, argparse.Namespace(**meta["args"]))
    imported = import_epcl(path)
    module = EpclEncoder(imported.cfg, 3 if imported.use_color else 0)
    module.load_state_dict(imported.weights)
    module.eval()
    inputs = sorted({name.split("/")[0] for name in golden.files})
    assert inputs
    for name in inputs:
        with torch.no_grad():
            xyz, tokens = module.encode(torch.from_numpy(golden[f"{name}/points"]))
        np.testing.assert_array_equal(xyz.numpy(), golden[f"{name}/enc_xyz"], err_msg=f"{case}/{name} centres")
        want = golden[f"{name}/enc_features"]
        assert tokens.shape == want.shape
        np.testing.assert_allclose(tokens.numpy(), want, rtol=1e-4, atol=1e-4, err_msg=f"{case}/{name} tokens")
        assert float(np.abs(want).max()) > 1.0  # the goldens are not all zeros
