"""``lamm-model import-lamm``: LAMM's released 2D checkpoints (LoRA + llama_proj, fp16) -> our checkpoints.

The LAMM-shaped checkpoints are built here, with LAMM's key names (both peft spellings), on a tiny random
LLaMA and CLIP tower saved as transformers folders; nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path

import pytest
import torch
from transformers import AutoConfig, AutoModelForCausalLM, CLIPVisionConfig, CLIPVisionModel
from typer.testing import CliRunner

from lamm_data.catalog import BENCHMARKS, resolve
from lamm_model.checkpoint import load_for_inference
from lamm_model.import_lamm import IMPORT_RECORD, ImportLammError, import_lamm
from lamm_model.tokenizer import byte_tokenizer

TINY_LLAMA = {"model_type": "llama", "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
              "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 2048,
              "initializer_range": 0.2}
TINY_CLIP = {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
             "image_size": 16, "patch_size": 8}

R = 4
MODULES = ("q_proj", "k_proj", "v_proj", "o_proj")


@pytest.fixture(scope="module")
def bases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A tiny random LLaMA (with the byte tokenizer) and a tiny CLIP tower, saved as transformers folders."""
    root = tmp_path_factory.mktemp("bases")
    tok = byte_tokenizer()
    torch.manual_seed(0)
    cfg = {k: v for k, v in TINY_LLAMA.items() if k != "model_type"}
    llm = AutoModelForCausalLM.from_config(AutoConfig.for_model("llama", vocab_size=len(tok), **cfg))
    llm.save_pretrained(root / "llm")
    tok.save_pretrained(root / "llm")
    CLIPVisionModel(CLIPVisionConfig(**TINY_CLIP)).save_pretrained(root / "clip")
    return root / "llm", root / "clip"


def lamm_state(seed: int = 1, spelling: str = ".default", scale: float = 0.5) -> dict[str, torch.Tensor]:
    """A checkpoint as LAMM's save_model writes it: fp16 LoRA on q/k/v/o of every layer and llama_proj."""
    g = torch.Generator().manual_seed(seed)
    hidden, layers = TINY_LLAMA["hidden_size"], TINY_LLAMA["num_hidden_layers"]
    kv = TINY_LLAMA["num_key_value_heads"] * hidden // TINY_LLAMA["num_attention_heads"]
    state = {}
    for i in range(layers):
        for m in MODULES:
            out = kv if m in ("k_proj", "v_proj") else hidden
            base = f"llama_model.base_model.model.model.layers.{i}.self_attn.{m}"
            state[f"{base}.lora_A{spelling}.weight"] = (torch.randn(R, hidden, generator=g) * scale).half()
            state[f"{base}.lora_B{spelling}.weight"] = (torch.randn(out, R, generator=g) * scale).half()
    state["llama_proj.weight"] = torch.randn(hidden, TINY_CLIP["hidden_size"], generator=g).half()
    state["llama_proj.bias"] = torch.randn(hidden, generator=g).half()
    return state


def _save(state: dict[str, torch.Tensor], path: Path) -> Path:
    torch.save(state, path)
    return path


def _greedy(model, batch_text: str, steps: int = 6) -> list[int]:
    tok = byte_tokenizer()
    ids = torch.tensor([[tok.bos_token_id, *tok(batch_text, add_special_tokens=False)["input_ids"]]])
    media = torch.zeros_like(ids, dtype=torch.bool)
    media[0, 1:1 + model.media_tokens()[0]] = True
    side = TINY_CLIP["image_size"]
    images = torch.linspace(-1, 1, 3 * side * side).reshape(1, 3, side, side)
    batch = {"input_ids": ids, "attention_mask": torch.ones_like(ids), "media_mask": media,
             "modality": torch.tensor([0]), "images": images, "points": None}
    out = model.generate(batch, max_new_tokens=steps, do_sample=False, pad_token_id=tok.pad_token_id)
    return out[0].tolist()


def test_both_peft_spellings_import_the_same_model_with_lamm_lora_semantics(bases: tuple[Path, Path],
                                                                            tmp_path: Path) -> None:
    llm, clip = bases
    new = _save(lamm_state(spelling=".default"), tmp_path / "new.pt")
    old = _save(lamm_state(spelling=""), tmp_path / "old.pt")
    a = import_lamm(new, llm, clip, tmp_path / "a")
    b = import_lamm(old, llm, clip, tmp_path / "b")
    assert (a.lora_r, a.lora_alpha, a.target_modules, a.key_spelling, b.key_spelling) == (
        R, 32, sorted(MODULES), "peft-0.3", "peft-old")
    record = json.loads((tmp_path / "a" / IMPORT_RECORD).read_text(encoding="utf-8"))
    assert record["sha256"] == hashlib.sha256(new.read_bytes()).hexdigest() == a.sha256 and record["lora_r"] == R
    model_a, _, cfg = load_for_inference(tmp_path / "a")
    model_b, _, _ = load_for_inference(tmp_path / "b")
    sa, sb = model_a.state_dict(), model_b.state_dict()
    assert sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)
    assert cfg.model.vision.layer == -1 and cfg.model.llm.lora.alpha == 32
    # merged weight = base + alpha / r * B @ A (LoRA as peft 0.3 applied it), projector = llama_proj
    src = lamm_state()
    base = AutoModelForCausalLM.from_pretrained(llm).state_dict()
    key = "model.layers.1.self_attn.k_proj.weight"
    lamm_key = "llama_model.base_model.model.model.layers.1.self_attn.k_proj.lora_{}.default.weight"
    expected = base[key] + 32 / R * src[lamm_key.format("B")].float() @ src[lamm_key.format("A")].float()
    torch.testing.assert_close(sa[f"llm.{key}"], expected, rtol=1e-5, atol=1e-5)
    assert torch.equal(sa["vision_proj.weight"], src["llama_proj.weight"].float())


def test_imported_weights_change_the_answers(bases: tuple[Path, Path], tmp_path: Path) -> None:
    llm, clip = bases
    state = lamm_state()
    import_lamm(_save(state, tmp_path / "lamm.pt"), llm, clip, tmp_path / "trained")
    untrained = {k: torch.zeros_like(v) if ".lora_B" in k else v for k, v in state.items()}
    import_lamm(_save(untrained, tmp_path / "zero.pt"), llm, clip, tmp_path / "zero")
    other = lamm_state(seed=2)
    import_lamm(_save(other, tmp_path / "other.pt"), llm, clip, tmp_path / "other")
    answers = {name: _greedy(load_for_inference(tmp_path / name)[0], "Describe it.")
               for name in ("trained", "zero", "other")}
    assert answers["trained"] != answers["zero"] and answers["trained"] != answers["other"]
    assert _greedy(load_for_inference(tmp_path / "trained")[0], "Describe it.") == answers["trained"]


@pytest.mark.parametrize(("edit", "message"), [
    (lambda s: s.update({"llama_model.extra.weight": torch.zeros(1)}),
     r"1 key\(s\) that a LAMM 2D checkpoint does not have: llama_model.extra.weight"),
    (lambda s: s.pop("llama_model.base_model.model.model.layers.1.self_attn.v_proj.lora_B.default.weight"),
     r"missing llama_model.base_model.model.model.layers.1.self_attn.v_proj.lora_B.default.weight"),
    (lambda s: s.pop("llama_proj.bias"), r"missing llama_proj.bias"),
    (lambda s: s.update({"llama_proj.weight": torch.zeros(3, 3).half()}),
     r"llama_proj.weight has shape \(3, 3\), expected \(32, 16\)"),
    (lambda s: s.update({"llama_model.base_model.model.model.layers.0.self_attn.q_proj.lora_A.default.weight":
                         torch.zeros(8, 32).half()}), r"different ranks \[4, 8\]"),
    (lambda s: s.update({"llama_model.base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight":
                         torch.zeros(4, 32).half()}), r"keys given twice"),
])
def test_unknown_missing_or_misshapen_keys_are_listed(bases: tuple[Path, Path], tmp_path: Path, edit,
                                                      message: str) -> None:
    state = lamm_state()
    edit(state)
    with pytest.raises(ImportLammError, match=message):
        import_lamm(_save(state, tmp_path / "bad.pt"), *bases, tmp_path / "out")
    assert not (tmp_path / "out").exists()


class _Boom:
    def __reduce__(self):
        return (print, ("code ran",))


def test_unsafe_or_foreign_files_are_refused(bases: tuple[Path, Path], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    evil = tmp_path / "evil.pt"
    evil.write_bytes(pickle.dumps({"llama_proj.weight": _Boom()}))
    with pytest.raises(ImportLammError, match=r"not a checkpoint torch.load can read safely"):
        import_lamm(evil, *bases, tmp_path / "out")
    assert "code ran" not in capsys.readouterr().out
    torch.save([torch.zeros(1)], tmp_path / "list.pt")
    with pytest.raises(ImportLammError, match="expected a dict of tensors"):
        import_lamm(tmp_path / "list.pt", *bases, tmp_path / "out")
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ImportLammError, match="already exists and is not an empty folder"):
        import_lamm(_save(lamm_state(), tmp_path / "ok.pt"), *bases, tmp_path / "used")
    assert (tmp_path / "used" / "keep.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.slow
@pytest.mark.integration
def test_import_predict_score_as_a_new_user(bases: tuple[Path, Path], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from lamm_bench.cli import app as bench
    from lamm_model.cli import app as model

    llm, clip = bases
    ckpt = _save(lamm_state(), tmp_path / "pytorch_model.pt")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    steps = [
        (model, ["import-lamm", str(ckpt), "--llm", str(llm), "--vision", str(clip), "--out", "imported"]),
        (model, ["predict", "--checkpoint", "imported", "--root", "sample", "-b", "2D",
                 "--out", "preds/predictions.jsonl", "--max-new-tokens", "4"]),
        (bench, ["score", "preds/predictions.jsonl", "--root", "preds/lamm-sample", "--allow-partial"]),
    ]
    outputs = []
    for app, args in steps:
        done = runner.invoke(app, args)
        assert done.exit_code == 0, f"{args}\n{done.output}"
        outputs.append(done.output)
    assert "LoRA r=4 alpha=32" in outputs[0]
    lines = [json.loads(x) for x in Path("preds/predictions.jsonl").read_text(encoding="utf-8").splitlines()]
    two_d = {b for b in BENCHMARKS if resolve(b).modality == "image"}
    assert {x["benchmark"] for x in lines} == two_d and len(two_d) == 14
    assert all(name in outputs[2] for name in ("Classification_CIFAR10", "VQA_SQAimage", "Detection_VOC2012"))
    bad = runner.invoke(model, ["import-lamm", str(tmp_path / "missing.pt"), "--llm", str(llm), "--vision",
                                str(clip), "--out", "again"])
    assert bad.exit_code == 1 and "missing.pt: no such file" in bad.output


@pytest.mark.parametrize("extra", [[], ["--vision", "clip", "--epcl", "epcl.pth"]])
def test_import_lamm_takes_exactly_one_of_vision_and_epcl(tmp_path: Path, extra: list[str]) -> None:
    """2D (--vision) or 3D (--epcl): neither or both is a usage error, before any file is read or written."""
    from lamm_model.cli import app as model

    done = CliRunner().invoke(model, ["import-lamm", str(tmp_path / "pytorch_model.pt"), "--llm", str(tmp_path),
                                      "--out", str(tmp_path / "out"), *extra])
    assert done.exit_code == 2 and "exactly one of --vision" in done.output
    assert not (tmp_path / "out").exists()
