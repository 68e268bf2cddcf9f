"""Run LAMM's own EPCL encoder code on CPU; its outputs are the goldens of ``tests/lamm_model/test_epcl_parity.py``.

    python tools/crosscheck_epcl.py --repo PATH/TO/OpenGVLab-LAMM-git [--commit ea57136] [--write]
    python tools/crosscheck_epcl.py --repo PATH --export-pointnet2 .lamm-src/pointnet2   # for bench/gpu_epcl.sh

LAMM's EPCL sources are read from a git checkout (``git show``) into a temporary folder at run time; nothing
of theirs is stored in this project. They run unmodified except for what cannot run here:

* ``pointnet2._ext`` (the CUDA extension) is replaced by the NumPy transcription of its kernels,
  ``tests/lamm_model/pointnet2_reference.py`` (the ops are compared with that transcription on their own;
  the comparison with the real CUDA build is ``bench/gpu_epcl.sh``);
* ``CLIP.load`` (downloads OpenAI's weights) is replaced by a tiny ``VisionTransformer`` built from LAMM's own
  ``CLIP/model.py`` (width/layers from ``args.clip_vit = "tiny:WIDTH:LAYERS"``, heads = width // 64 as CLIP);
* ``plyfile``/``trimesh`` (imported, unused by the encoder) are empty stand-ins;
* LAMM's ``torch.load`` of the checkpoint runs under ``safe_globals([argparse.Namespace])`` (torch >= 2.6
  refuses the Namespace otherwise; the file is the one this script just wrote).

For each case it builds LAMM's model with ``build_epcl_encoder`` from a checkpoint written here (weights from
``tests/lamm_model/epcl_fixtures.py``, a function of the key names), runs it in eval mode on fixed clouds and
writes ``tests/lamm_model/golden/epcl/<case>.npz`` (clouds, LAMM's ``enc_xyz`` and ``enc_features``) and
``<case>.json`` (the args and every key/shape of LAMM's state dict) with ``--write``; without it, it compares
the existing goldens with the fresh run and exits 1 on a difference.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import types
from pathlib import Path
from typing import Any

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "lamm_model"))

import epcl_fixtures as fx  # noqa: E402
import pointnet2_reference as ref  # noqa: E402

GOLDEN = ROOT / "tests" / "lamm_model" / "golden" / "epcl"
EPCL_DIR = "src/model/LAMM/EPCL"
SOURCES = ["epcl.py", "model_3detr.py", "helpers.py", "position_embedding.py", "transformer.py", "utils/pc_util.py",
           "third_party/pointnet2/pointnet2_modules.py", "third_party/pointnet2/pointnet2_utils.py",
           "third_party/pointnet2/pytorch_utils.py"]
CLIP_STUB = '''
"""Stand-in for LAMM's CLIP/clip.py: load() builds a tiny VisionTransformer from LAMM's CLIP/model.py."""
import types
from .model import VisionTransformer


def load(name, device="cpu", **kwargs):
    _, width, layers = name.split(":")
    width, layers = int(width), int(layers)
    visual = VisionTransformer(input_resolution=28, patch_size=14, width=width, layers=layers,
                               heads=max(width // 64, 1), output_dim=16)
    return types.SimpleNamespace(visual=visual.to(device)), None
'''


def _ext_module() -> types.ModuleType:
    """``pointnet2._ext`` backed by the NumPy transcription of the CUDA kernels."""
    ext = types.ModuleType("pointnet2._ext")

    def fps(xyz: torch.Tensor, npoint: int) -> torch.Tensor:
        return torch.from_numpy(ref.furthest_point_sampling(xyz.detach().cpu().numpy(), int(npoint)))

    def gather(points: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(ref.gather_points(points.detach().cpu().numpy(), idx.cpu().numpy()))

    def ball(new_xyz: torch.Tensor, xyz: torch.Tensor, radius: float, nsample: int) -> torch.Tensor:
        return torch.from_numpy(ref.ball_query(new_xyz.detach().cpu().numpy(), xyz.detach().cpu().numpy(),
                                               float(radius), int(nsample)))

    def group(points: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(ref.group_points(points.detach().cpu().numpy(), idx.cpu().numpy()))

    ext.furthest_point_sampling, ext.gather_points, ext.ball_query, ext.group_points = fps, gather, ball, group
    return ext


def materialise(repo: str, commit: str, dest: Path) -> None:
    """Write LAMM's EPCL sources (and CLIP/model.py) at ``commit`` under ``dest/LAMM`` as a package."""
    def show(path: str) -> str:
        return subprocess.run(["git", "-C", repo, "show", f"{commit}:{path}"], check=True, capture_output=True,
                              text=True).stdout

    pkg = dest / "LAMM"
    for rel in SOURCES:
        target = pkg / "EPCL" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(show(f"{EPCL_DIR}/{rel}"), encoding="utf-8")
    for folder in (pkg, pkg / "EPCL", pkg / "EPCL" / "utils", pkg / "CLIP"):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "CLIP" / "model.py").write_text(show("src/model/LAMM/CLIP/model.py"), encoding="utf-8")
    (pkg / "CLIP" / "clip.py").write_text(CLIP_STUB, encoding="utf-8")


def export_pointnet2(repo: str, commit: str, dest: Path) -> None:
    """Copy LAMM's ``third_party/pointnet2/_ext_src`` (the CUDA sources) to ``dest`` for ``bench/gpu_epcl.sh``.
    ``dest`` must be git-ignored (e.g. ``.lamm-src/``): LAMM's code is never committed here."""
    listing = subprocess.run(["git", "-C", repo, "ls-tree", "-r", "--name-only", commit,
                              f"{EPCL_DIR}/third_party/pointnet2/_ext_src"], check=True, capture_output=True,
                             text=True).stdout.split()
    prefix = f"{EPCL_DIR}/third_party/pointnet2/"
    for path in listing:
        target = dest / path.removeprefix(prefix)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(subprocess.run(["git", "-C", repo, "show", f"{commit}:{path}"], check=True,
                                          capture_output=True).stdout)
    print(f"wrote {len(listing)} files of LAMM {commit} pointnet2 to {dest}")


def install_stubs() -> None:
    plyfile = types.ModuleType("plyfile")
    plyfile.PlyData = plyfile.PlyElement = object  # type: ignore[attr-defined]
    pointnet2 = types.ModuleType("pointnet2")
    pointnet2.__path__ = []  # type: ignore[attr-defined]
    ext = _ext_module()
    pointnet2._ext = ext  # type: ignore[attr-defined]
    sys.modules.update({"plyfile": plyfile, "trimesh": types.ModuleType("trimesh"), "pointnet2": pointnet2,
                        "pointnet2._ext": ext})


def clouds() -> dict[str, np.ndarray]:
    """Fixed inputs: two rooms of 500 points; a 40-point cloud (fewer than the 64 FPS centres) with duplicates
    and points at the origin; xyz + colour variants are made by the cases."""
    rng = np.random.default_rng(12)
    room = rng.uniform([0, 0, 0], [3, 2.5, 2], size=(2, 500, 3)).astype(np.float32)
    small = rng.uniform(-1, 1, size=(1, 40, 3)).astype(np.float32)
    small[0, 10:20] = small[0, 0:10]  # duplicates
    small[0, 30:33] = 0.0  # at the origin: FPS never picks them
    colour = rng.uniform(-0.5, 0.5, size=(2, 500, 3)).astype(np.float32)
    return {"room": room, "small": small, "room_rgb": np.concatenate([room, colour], axis=-1)}


CASES: dict[str, dict[str, Any]] = {
    "two_stage": {"args": {}, "inputs": ["room", "small"]},
    "one_stage_rgb": {"args": {"pointnet_downsample": False, "preenc_npoints": 24, "preenc_radius": 0.6,
                               "use_color": True, "clip_vit": "tiny:128:1"}, "inputs": ["room_rgb"]},
}


def run_case(name: str, spec: dict[str, Any], work: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    from LAMM.EPCL import model_3detr  # type: ignore[import-not-found]

    args = fx.lamm_args(**spec["args"])
    torch.manual_seed(0)
    shapes_model = model_3detr.Model3DETR_encoder(
        model_3detr.build_preencoder(argparse.Namespace(**vars(args))),
        model_3detr.build_encoder(argparse.Namespace(**vars(args))),
        dataset_name=args.dataset_name, encoder_dim=args.enc_dim, decoder_dim=args.dec_dim,
        num_queries=args.nqueries, use_task_emb=args.use_task_emb, vit_only=True)
    shapes = {k: tuple(v.shape) for k, v in shapes_model.state_dict().items()}
    ckpt = fx.write_lamm_checkpoint(work / f"{name}.pth", fx.det_state(shapes), args)
    with torch.serialization.safe_globals([argparse.Namespace]):
        model = model_3detr.build_epcl_encoder(pretrain=True, store_path=str(ckpt), device="cpu")
    model.eval()
    inputs = clouds()
    arrays: dict[str, np.ndarray] = {}
    with torch.no_grad():
        for key in spec["inputs"]:
            xyz, feats = model(torch.from_numpy(inputs[key]))
            arrays[f"{key}/points"] = inputs[key]
            arrays[f"{key}/enc_xyz"] = xyz.numpy()
            arrays[f"{key}/enc_features"] = feats.numpy()
    meta = {"args": {k: v for k, v in vars(args).items()}, "shapes": {k: list(s) for k, s in shapes.items()}}
    return arrays, meta


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", required=True, help="a git checkout (or bare git dir) of OpenGVLab/LAMM")
    parser.add_argument("--commit", default="ea57136")
    parser.add_argument("--write", action="store_true", help="(re)write the goldens instead of comparing")
    parser.add_argument("--export-pointnet2", type=Path, default=None, metavar="DIR",
                        help="only copy LAMM's pointnet2 CUDA sources to DIR (git-ignored) for bench/gpu_epcl.sh")
    opts = parser.parse_args()
    if opts.export_pointnet2 is not None:
        export_pointnet2(opts.repo, opts.commit, opts.export_pointnet2)
        return 0
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        materialise(opts.repo, opts.commit, work / "src")
        sys.path.insert(0, str(work / "src"))
        install_stubs()
        for name, spec in CASES.items():
            with contextlib.redirect_stdout(sys.stderr):  # LAMM prints its args and load messages
                arrays, meta = run_case(name, spec, work)
            meta["lamm_commit"] = opts.commit
            if opts.write:
                GOLDEN.mkdir(parents=True, exist_ok=True)
                np.savez_compressed(GOLDEN / f"{name}.npz", **arrays)
                (GOLDEN / f"{name}.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n",
                                                     encoding="utf-8")
                print(f"{name}: wrote {len(arrays)} arrays")
                continue
            stored = np.load(GOLDEN / f"{name}.npz")
            for key, value in arrays.items():
                same = np.array_equal(stored[key], value)
                failures += not same
                print(f"{name} {key}: {'same' if same else 'DIFFERENT'}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
