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
from lamm_model.epcl.config import EpclConfig
from lamm_model.epcl.encoder import EpclEncoder

GOLDEN = Path(__file__).parent / "golden" / "epcl"


@pytest.mark.parametrize("case", ["two_stage", "one_stage_rgb"])
def test_encoder_matches_lamm_code(case: str, tmp_path: Path) -> None:
    meta = json.loads((GOLDEN / f"{case}.json").read_text(encoding="utf-8"))
    golden = np.load(GOLDEN / f"{case}.npz")
    state = fx.det_state({k: tuple(v) for k, v in meta["shapes"].items()})
    path = fx.write_lamm_checkpoint(tmp_path / f"{case}.pth", state, argparse.Namespace(**meta["args"]))
    imported = import_epcl(path)
    # LAMM's encoder module got float32 clouds here; the fp16 rounding of openlamm.encode_pcl is tested apart
    module = EpclEncoder(imported.cfg.model_copy(update={"input_precision": "float32"}), 3 if imported.use_color else 0)
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


def test_float16_input_precision_is_lamm_cast_of_the_cloud() -> None:
    """LAMM's encode_pcl casts the cloud to the LLM's dtype (fp16) before the encoder: same as rounding first."""
    cfg = EpclConfig(preenc_npoints=32, vit_num_token=8, width=128, layers=1, heads=2)
    module = EpclEncoder(cfg).eval()
    cloud = torch.rand(1, 300, 3) * 5
    exact = EpclEncoder(cfg.model_copy(update={"input_precision": "float32"})).eval()
    exact.load_state_dict(module.state_dict())
    with torch.no_grad():
        xyz16, tok16 = module.encode(cloud)
        xyz_r, tok_r = exact.encode(cloud.half().float())
        xyz32, _ = exact.encode(cloud)
    assert torch.equal(xyz16, xyz_r) and torch.equal(tok16, tok_r)
    assert not torch.equal(xyz16, xyz32)  # the rounding matters at room scale
