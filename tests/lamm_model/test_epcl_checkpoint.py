"""Import of LAMM's EPCL checkpoint: safe unpickling, key checks, architecture from args, converted weights."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import epcl_fixtures as fx
import numpy as np
import pytest
import torch

from lamm_model.config import ConfigError, PointCloudConfig
from lamm_model.epcl.checkpoint import (
    EPCL_WEIGHTS,
    EpclCheckpointError,
    expected_shapes,
    import_epcl,
    projector_key_3d,
    save_epcl_weights,
    stored_architecture,
)
from lamm_model.epcl.config import EpclConfig
from lamm_model.epcl.encoder import EpclEncoder, build_epcl

TINY = EpclConfig(preenc_npoints=64, vit_num_token=16, width=128, layers=2, heads=2)
UNUSED = {"encoder.clip_vit.conv1.weight": (128, 3, 14, 14), "encoder.clip_vit.class_embedding": (128,),
          "encoder.clip_vit.positional_embedding": (5, 128), "encoder.clip_vit.ln_post.weight": (128,),
          "encoder.clip_vit.ln_post.bias": (128,), "encoder.clip_vit.proj": (128, 16), "pos_embedding.gauss_B": (3, 16)}


def lamm_state(cfg: EpclConfig = TINY, in_features: int = 0) -> dict[str, torch.Tensor]:
    """A state dict with the keys LAMM's Model3DETR_encoder has (ours + the parts EPCL never runs)."""
    return fx.det_state({**expected_shapes(cfg, in_features), **UNUSED})


def test_tiny_lamm_checkpoint_imports(tmp_path: Path) -> None:
    path = fx.write_lamm_checkpoint(tmp_path / "epcl.pth", lamm_state(), fx.lamm_args(), optimizer={"lr": 1e-4})
    imported = import_epcl(path)
    assert imported.cfg == TINY
    assert imported.use_color is False
    assert sorted(imported.dropped) == sorted(UNUSED)
    module = EpclEncoder(imported.cfg)
    module.load_state_dict(imported.weights)  # strict: every key present, nothing extra
    assert torch.equal(module.encoder.clip_vit.ln_pre.weight, fx.det_tensor("encoder.clip_vit.ln_pre.weight", (128,)))
    assert len(imported.sha256) == 64


def _numpy1_spelling(path: Path) -> Path:
    """Rewrite a torch file's pickle as numpy 1 wrote numpy scalars (``numpy.core.multiarray.scalar``)."""
    out = path.with_name("np1-" + path.name)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith("data.pkl"):
                assert b"numpy._core.multiarray" in data
                data = data.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
            dst.writestr(info, data)
    return out


def test_numpy_metrics_as_3detr_saves_them_load_but_arrays_do_not(tmp_path: Path) -> None:
    metrics = {0.25: {"mAP": np.float64(0.62), "AR": np.float32(0.7), "n": np.int64(5)}}
    path = fx.write_lamm_checkpoint(tmp_path / "m.pth", lamm_state(), fx.lamm_args(), best_val_metrics=metrics)
    for variant in (path, _numpy1_spelling(path)):
        assert import_epcl(variant).cfg == TINY
    arrays = fx.write_lamm_checkpoint(tmp_path / "a.pth", lamm_state(), fx.lamm_args(), table=np.zeros(3))
    with pytest.raises(EpclCheckpointError, match=r"the pickle needs numpy\._core\.multiarray\._reconstruct"):
        import_epcl(arrays)


def test_single_stage_colour_and_ddp_prefix(tmp_path: Path) -> None:
    cfg = EpclConfig(pointnet_downsample=False, preenc_npoints=24, vit_num_token=24, preenc_radius=0.6, width=128,
                     layers=1, heads=2)
    state = {f"module.{k}": v for k, v in lamm_state(cfg, 3).items()}
    args = fx.lamm_args(pointnet_downsample=False, preenc_npoints=24, preenc_radius=0.6, use_color=True)
    imported = import_epcl(fx.write_lamm_checkpoint(tmp_path / "c.pth", state, args))
    assert imported.cfg == cfg and imported.use_color is True
    assert imported.weights["pre_encoder.mlp_module.layer0.conv.weight"].shape == (64, 6, 1, 1)


def test_malicious_pickle_is_refused_and_nothing_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = fx.write_malicious_checkpoint(tmp_path / "evil.pth", marker)
    with pytest.raises(EpclCheckpointError, match=r"evil\.pth: refused to load: the pickle needs \w+\.system"):
        import_epcl(path)
    assert not marker.exists()
    cfg = PointCloudConfig(encoder="epcl", epcl=TINY, pretrained=str(path), num_points=100, num_tokens=16)
    with pytest.raises(ConfigError, match=r"model\.pointcloud\.pretrained: .*refused"):
        build_epcl(cfg)
    assert not marker.exists()


@pytest.mark.parametrize(("change", "message"), [
    (lambda s: s.pop("te_encoder.embedding.weight"), r"1 missing key\(s\): te_encoder.embedding.weight"),
    (lambda s: s.update({"encoder.extra.weight": torch.zeros(1)}), r"key\(s\) an EPCL encoder does not have: "
                                                                    r"encoder.extra.weight"),
    (lambda s: s.update({"encoder.pos_embed.0.weight": torch.zeros(128, 4)}),
     r"encoder.pos_embed.0.weight \(128, 4\) \(expected \(128, 3\)\)"),
])
def test_key_problems_are_listed(tmp_path: Path, change, message: str) -> None:
    state = lamm_state()
    change(state)
    path = fx.write_lamm_checkpoint(tmp_path / "bad.pth", state, fx.lamm_args())
    with pytest.raises(EpclCheckpointError, match=message):
        import_epcl(path)


@pytest.mark.parametrize(("args", "message"), [
    ({"dataset_name": "sunrgbd"}, "dataset_name is 'sunrgbd'"),
    ({"vit_num_token": "256"}, r"args.vit_num_token is '256', expected int"),
    ({"use_color": None}, "args.use_color is None, expected bool"),
])
def test_bad_args_are_named(tmp_path: Path, args: dict, message: str) -> None:
    path = fx.write_lamm_checkpoint(tmp_path / "a.pth", lamm_state(), fx.lamm_args(**args))
    with pytest.raises(EpclCheckpointError, match=message):
        import_epcl(path)


def test_missing_args_and_not_a_checkpoint(tmp_path: Path) -> None:
    no_args = fx.write_lamm_checkpoint(tmp_path / "n.pth", lamm_state(), None)
    with pytest.raises(EpclCheckpointError, match="'args' is missing"):
        import_epcl(no_args)
    plain = tmp_path / "p.pth"
    torch.save(lamm_state(), plain)
    with pytest.raises(EpclCheckpointError, match="expected a dict with 'model'"):
        import_epcl(plain)
    junk = tmp_path / "j.pth"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(EpclCheckpointError, match=r"j\.pth: not a torch checkpoint"):
        import_epcl(junk)
    with pytest.raises(EpclCheckpointError, match="no such file"):
        import_epcl(tmp_path / "missing.pth")


def test_converted_weights_round_trip_with_provenance(tmp_path: Path) -> None:
    imported = import_epcl(fx.write_lamm_checkpoint(tmp_path / "e.pth", lamm_state(), fx.lamm_args()))
    out = tmp_path / "ckpt" / EPCL_WEIGHTS
    save_epcl_weights(out, imported)
    assert [p.name for p in out.parent.iterdir()] == [EPCL_WEIGHTS]  # no temp file left
    assert stored_architecture(out) == (TINY, False)
    from safetensors import safe_open

    with safe_open(str(out), framework="pt") as f:
        assert f.metadata()["source_sha256"] == imported.sha256
        assert json.loads(f.metadata()["epcl"])["vit_num_token"] == 16
    cfg = PointCloudConfig(encoder="epcl", epcl=TINY, pretrained=str(out), num_points=100, num_tokens=8)
    module = build_epcl(cfg)
    for key, value in imported.weights.items():
        assert torch.equal(module.state_dict()[key], value), key
    assert module(torch.rand(1, 100, 3)).shape == (1, 8, 128)


def test_architecture_mismatch_is_a_config_error(tmp_path: Path) -> None:
    path = fx.write_lamm_checkpoint(tmp_path / "e.pth", lamm_state(), fx.lamm_args())
    other = TINY.model_copy(update={"preenc_npoints": 32})
    cfg = PointCloudConfig(encoder="epcl", epcl=other, pretrained=str(path), num_points=100, num_tokens=16)
    with pytest.raises(ConfigError, match=r"another EPCL architecture .*preenc_npoints: 64 \(weights\) vs 32"):
        build_epcl(cfg)


def test_3d_projector_keys() -> None:
    assert projector_key_3d("llama_proj.weight") == "points_proj.weight"
    assert projector_key_3d("llama_proj.bias") == "points_proj.bias"
    assert projector_key_3d("llama_proj.other") is None
