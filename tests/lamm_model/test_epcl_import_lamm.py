"""``lamm-model import-lamm --epcl``: LAMM's 3D delta (LoRA + llama_proj from 1024) with its EPCL encoder.

Everything LAMM-shaped is built here at tiny scale (LAMM's key names, both peft spellings, the EPCL pickle with
its args Namespace); nothing is downloaded.
"""

from __future__ import annotations

import json
from pathlib import Path

import epcl_fixtures as fx
import pytest
import torch
from transformers import AutoConfig, AutoModelForCausalLM
from typer.testing import CliRunner

from lamm_model.checkpoint import load_for_inference
from lamm_model.cli import app as model_app
from lamm_model.epcl.encoder import EpclEncoder
from lamm_model.epcl.lamm3d import IMPORT_RECORD, Lamm3dImportError, import_lamm_3d
from lamm_model.tokenizer import byte_tokenizer

TINY_LLAMA = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
              "num_key_value_heads": 2, "max_position_embeddings": 2048, "initializer_range": 0.2}
R = 4
MODULES = ("q_proj", "k_proj", "v_proj", "o_proj")


@pytest.fixture(scope="module")
def llm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random LLaMA with the byte tokenizer, saved as a transformers folder."""
    root = tmp_path_factory.mktemp("llm")
    tok = byte_tokenizer()
    torch.manual_seed(0)
    llm = AutoModelForCausalLM.from_config(AutoConfig.for_model("llama", vocab_size=len(tok), **TINY_LLAMA))
    llm.save_pretrained(root)
    tok.save_pretrained(root)
    return root


def lamm3d_state(spelling: str = ".default", width: int = 128) -> dict[str, torch.Tensor]:
    """LAMM's 3D save_model output: fp16 LoRA on q/k/v/o of every layer and llama_proj (EPCL width -> LLM)."""
    g = torch.Generator().manual_seed(3)
    hidden = TINY_LLAMA["hidden_size"]
    kv = TINY_LLAMA["num_key_value_heads"] * hidden // TINY_LLAMA["num_attention_heads"]
    state = {}
    for i in range(TINY_LLAMA["num_hidden_layers"]):
        for m in MODULES:
            base = f"llama_model.base_model.model.model.layers.{i}.self_attn.{m}"
            state[f"{base}.lora_A{spelling}.weight"] = (torch.randn(R, hidden, generator=g) * 0.5).half()
            out = kv if m in ("k_proj", "v_proj") else hidden
            state[f"{base}.lora_B{spelling}.weight"] = (torch.randn(out, R, generator=g) * 0.5).half()
    state["llama_proj.weight"] = torch.randn(hidden, width, generator=g).half()
    state["llama_proj.bias"] = torch.randn(hidden, generator=g).half()
    return state


def _save(state: dict[str, torch.Tensor], path: Path) -> Path:
    torch.save(state, path)
    return path


def test_import_loads_lora_projector_and_epcl(llm_dir: Path, tmp_path: Path) -> None:
    epcl = fx.tiny_epcl_checkpoint(tmp_path / "epcl.pth")
    state = lamm3d_state()
    result = import_lamm_3d(_save(state, tmp_path / "lamm3d.pt"), llm_dir, epcl, tmp_path / "out")
    assert result.lora_r == R and result.layers == 2
    record = json.loads((tmp_path / "out" / IMPORT_RECORD).read_text(encoding="utf-8"))
    assert record["epcl"]["sha256"] and record["epcl"]["keys_not_used_by_the_encoder"] == ["encoder.clip_vit.proj"]
    model, _, cfg = load_for_inference(tmp_path / "out")
    assert cfg.model.pointcloud.encoder == "epcl" and cfg.model.pointcloud.num_points == 40000
    assert cfg.model.pointcloud.num_tokens == 8 and not cfg.model.vision.enabled
    assert isinstance(model.points, EpclEncoder)
    assert torch.equal(model.points_proj.weight, state["llama_proj.weight"].float())
    assert torch.equal(model.points.encoder.pos_embed[0].weight, fx.det_tensor("encoder.pos_embed.0.weight", (128, 3)))


def test_both_peft_spellings_give_the_same_model(llm_dir: Path, tmp_path: Path) -> None:
    epcl = fx.tiny_epcl_checkpoint(tmp_path / "epcl.pth")
    import_lamm_3d(_save(lamm3d_state(".default"), tmp_path / "a.pt"), llm_dir, epcl, tmp_path / "a")
    import_lamm_3d(_save(lamm3d_state(""), tmp_path / "b.pt"), llm_dir, epcl, tmp_path / "b")
    a, _, _ = load_for_inference(tmp_path / "a")
    b, _, _ = load_for_inference(tmp_path / "b")
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_projector_of_another_width_and_unsafe_epcl_are_refused(llm_dir: Path, tmp_path: Path) -> None:
    epcl = fx.tiny_epcl_checkpoint(tmp_path / "epcl.pth")
    with pytest.raises(Lamm3dImportError, match=r"llama_proj\.weight has shape \(32, 1024\), expected \(32, 128\)"):
        import_lamm_3d(_save(lamm3d_state(width=1024), tmp_path / "w.pt"), llm_dir, epcl, tmp_path / "w")
    marker = tmp_path / "pwned"
    evil = fx.write_malicious_checkpoint(tmp_path / "evil.pth", marker)
    with pytest.raises(Lamm3dImportError, match=r"--epcl: .*evil\.pth: refused to load"):
        import_lamm_3d(_save(lamm3d_state(), tmp_path / "x.pt"), llm_dir, evil, tmp_path / "x")
    assert not marker.exists() and not (tmp_path / "w").exists() and not (tmp_path / "x").exists()


@pytest.mark.slow
@pytest.mark.integration
def test_import_predict_score_through_the_cli(llm_dir: Path, model_root: Path, tmp_path: Path) -> None:
    """Done-when of issue 12: import a tiny EPCL-shaped LAMM 3D model, predict the sample's 3D benchmarks, score."""
    from lamm_bench.cli import app as bench_app

    runner = CliRunner()
    epcl = fx.tiny_epcl_checkpoint(tmp_path / "epcl.pth")
    delta = _save(lamm3d_state(), tmp_path / "lamm3d.pt")
    done = runner.invoke(model_app, ["import-lamm", str(delta), "--llm", str(llm_dir), "--epcl", str(epcl),
                                     "--out", str(tmp_path / "ckpt")])
    assert done.exit_code == 0, done.output
    preds = tmp_path / "predictions.jsonl"
    done = runner.invoke(model_app, ["predict", "--checkpoint", str(tmp_path / "ckpt"), "--root", str(model_root),
                                     "--benchmark", "3d", "--out", str(preds), "--max-new-tokens", "4",
                                     "--batch-size", "2", "--device", "cpu"])
    assert done.exit_code == 0, done.output
    lines = [json.loads(line) for line in preds.read_text(encoding="utf-8").splitlines()]
    assert {line["benchmark"] for line in lines} == {"Detection_ScanNet", "VG_ScanRefer", "VQA_ScanQA_multiplechoice"}
    report = tmp_path / "report.json"
    done = runner.invoke(bench_app, ["score", str(preds), "--root", str(model_root), "--out", str(report),
                                     "--resamples", "0", "--quiet", "--allow-partial"])
    assert done.exit_code == 0, done.output
    results = json.loads(report.read_text(encoding="utf-8"))["results"]
    assert set(results) == {"Detection_ScanNet", "VG_ScanRefer", "VQA_ScanQA_multiplechoice"}
    assert all(r["missing"] == 0 and r["n"] > 0 for r in results.values())
