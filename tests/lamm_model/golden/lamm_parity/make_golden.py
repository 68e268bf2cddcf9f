"""Parity of ``lamm_model`` with LAMM's own model code, and the goldens the CI test compares against.

LAMM's ``LAMMPEFTModel`` (``src/model/openlamm.py`` at LAMM commit 8f3f489, the 2023 tree of the June-2023
checkpoints) is built from a LAMM git checkout at run time -- nothing of LAMM is copied here -- at tiny random
scale: a 2-layer LLaMA of width 64 with LLaMA's real 32,000-piece tokenizer, and a 2-layer CLIP ViT of LAMM's
real geometry (width 1024, 16 heads, 224 px, patch 14: 256 patch tokens). Both models get the same weights
(drawn here from fixed per-tensor seeds, :func:`fill`), and both see the same pixel tensors. Then, on 20
training conversations covering every 2D instruct task type (one longer than ``max_tgt_len``) and one
batch of four, and on benchmark prompts of every 2D benchmark (and a VQA second pass):

* the token ids, labels and attention masks of the LLM input (vision positions shown as -1);
* the loss (mean over supervised tokens, as LAMM's ``forward`` returns it);
* 24 greedily generated token ids (no stopping criterion; EOS still stops)

must be identical. ``golden.json`` beside this script holds LAMM's values; the CI test
(``tests/lamm_model/test_model_lamm_parity.py``) rebuilds our side with :func:`our_outputs` and compares.

Patched on LAMM's side, and only these (no CUDA, no downloads, no DeepSpeed here):
``load_clip`` (would download ViT-L/14: LAMM's own ``VisionTransformer`` at tiny depth instead),
``LlamaForCausalLM.from_pretrained`` (LAMM's own ``modeling_llama`` class built from a tiny config),
``LlamaTokenizer.from_pretrained`` (needs ``tokenizer.model``; the same LLaMA tokenizer as a fast tokenizer
instead), ``torch.cuda.current_device`` (CPU), ``load_and_transform_image_data_clip`` (returns the given
pixel tensors; LAMM's torchvision transform does not run: torchvision has no CPU wheel for this torch here),
and import-only stubs for modules the model never calls (deepspeed, ipdb, torchaudio, pytorchvideo, EPCL,
torchvision; transformers and peft are imported first, so they see no DeepSpeed). LAMM's ``generate``
samples and its stopping criterion needs CUDA, so greedy generation calls
its ``prepare_generation_embedding`` and then ``llama_model.generate(do_sample=False)``.

Run (LAMM's code needs its own environment; what was used)::

    git clone https://github.com/OpenGVLab/LAMM && git -C LAMM checkout 8f3f489
    python3 -m venv /tmp/lamm-venv && /tmp/lamm-venv/bin/pip install torch==2.13.0 \\
        transformers==4.29.1 peft==0.3.0 "accelerate<0.30" "numpy<2" ftfy regex safetensors pyyaml
    bash tools/get_llama_tokenizer.sh            # -> .reference/llama-tokenizer
    python tests/lamm_model/golden/lamm_parity/make_golden.py --lamm LAMM --lamm-python /tmp/lamm-venv/bin/python

It exits 1 and prints every difference when the two sides disagree; it writes ``golden.json`` only when
they agree.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden.json"
LAMM_COMMIT = "8f3f489"
LLM = {"vocab_size": 32000, "hidden_size": 64, "intermediate_size": 172, "num_hidden_layers": 2,
       "num_attention_heads": 4, "max_position_embeddings": 2048, "rms_norm_eps": 1e-6}
CLIP = {"width": 1024, "layers": 2, "heads": 16, "image_size": 224, "patch_size": 14}
LORA = {"r": 32, "alpha": 32, "dropout": 0.1}
MAX_TGT_LEN = 400
NEW_TOKENS = 24
VISION_TOKENS = 256

_LONG = " ".join(f"Region {i} shows a red brick wall with a wooden window and a small plant." for i in range(40))
CONVERSATIONS: list[dict[str, Any]] = [
    {"task_type": "conversation", "conversations": [
        {"from": "human", "value": "<image>\nWhat is the man holding in his hand?"},
        {"from": "gpt", "value": "The man is holding a red umbrella."}]},
    {"task_type": "conversation", "conversations": [
        {"from": "human", "value": "What color is the bus?\n<image>"},
        {"from": "gpt", "value": "The bus is white with blue stripes."},
        {"from": "human", "value": "How many people are waiting for it?"},
        {"from": "gpt", "value": "There are three people waiting at the bus stop."}]},
    {"task_type": "description", "conversations": [
        {"from": "human", "value": "<image>\nDescribe the following image in detail."},
        {"from": "gpt", "value": "The image shows a kitchen with a wooden table, two chairs and a bowl of apples. "
                                 "Sunlight comes through a window on the left."}]},
    {"task_type": "description", "conversations": [
        {"from": "human", "value": "<image>\nGive an elaborate explanation of the image you see."},
        {"from": "gpt", "value": _LONG}]},
    {"task_type": "commomsenseqa", "conversations": [
        {"from": "human", "value": "<image>\nWhich country is this landmark in?"},
        {"from": "gpt", "value": "This is the Eiffel Tower, which is in Paris, France."},
        {"from": "human", "value": "When was it built?"},
        {"from": "gpt", "value": "It was built between 1887 and 1889 for the World's Fair."}]},
    {"task_type": "commomsenseqa", "conversations": [
        {"from": "human", "value": "<image>\nWhat is the animal in the picture known for?"},
        {"from": "gpt", "value": "The giant panda is known for eating bamboo; it eats up to 14 hours a day."}]},
    {"task_type": "classification", "conversations": [
        {"from": "human", "value": "<image>\nWhat is the category label for this image?"},
        {"from": "gpt", "value": "The category label for this image is 'airplane'."}]},
    {"task_type": "classification", "conversations": [
        {"from": "human", "value": "<image>\nClassify the main object of the image."},
        {"from": "gpt", "value": "It is a golden retriever, a breed of dog."},
        {"from": "human", "value": "Is it a puppy?"},
        {"from": "gpt", "value": "No, it looks like an adult dog."}]},
    {"task_type": "detection", "conversations": [
        {"from": "human", "value": "<image>\nIdentify all the objects in the image and provide their positions. "
                                   "Your answer needs to give the object name and the bounding box of the object."},
        {"from": "gpt", "value": "There is a person at [0.12, 0.20, 0.45, 0.98] and a bicycle at "
                                 "[0.30, 0.55, 0.80, 0.99]."}]},
    {"task_type": "detection", "conversations": [
        {"from": "human", "value": "<image>\nWhere is the cat?"},
        {"from": "gpt", "value": "The cat is at [0.51, 0.33, 0.74, 0.62]."}]},
    {"task_type": "keypoint_detection", "conversations": [
        {"from": "human", "value": "<image>\nTell me the exact location of the left knee key point for human body "
                                   "in the image."},
        {"from": "gpt", "value": "The left knee is at [0.43, 0.71]."}]},
    {"task_type": "keypoint_detection", "conversations": [
        {"from": "human", "value": "<image>\nLocate the head top and the neck of the person."},
        {"from": "gpt", "value": "Head top: [0.50, 0.08]; neck: [0.50, 0.21]."}]},
    {"task_type": "VQA", "conversations": [
        {"from": "human", "value": "<image>\nWhat is written on the sign? Options: (A) STOP (B) EXIT (C) OPEN"},
        {"from": "gpt", "value": "The sign says STOP. The answer is (A)."}]},
    {"task_type": "VQA", "conversations": [
        {"from": "human", "value": "<image>\nIs it raining in the picture?"},
        {"from": "gpt", "value": "Yes, people are carrying umbrellas and the street is wet."}]},
    {"task_type": "counting", "conversations": [
        {"from": "human", "value": "<image>\nHow many apples are there in this image?"},
        {"from": "gpt", "value": "There are 7 apples."}]},
    {"task_type": "counting", "conversations": [
        {"from": "human", "value": "<image>\nCount the birds on the wire."},
        {"from": "gpt", "value": "I can count 12 birds on the wire."}]},
    {"task_type": "normal", "conversations": [
        {"from": "human", "value": "<image>\nHello! What can you see?"},
        {"from": "gpt", "value": "Hello! I see a beach with palm trees and a blue sky."}]},
    {"task_type": "conversation", "conversations": [
        {"from": "human", "value": "<image>\nWhat are the children doing?"},
        {"from": "gpt", "value": "They are playing football on a grass field."},
        {"from": "human", "value": "What time of day is it?"},
        {"from": "gpt", "value": "It seems to be late afternoon, given the long shadows."},
        {"from": "human", "value": "Is anyone watching?"},
        {"from": "gpt", "value": "Yes, a few adults are sitting on a bench nearby."}]},
    {"task_type": "description", "conversations": [
        {"from": "human", "value": "<image>\nWhat do you see happening in this image?"},
        {"from": "gpt", "value": "A chef in a white hat is slicing vegetables in a busy restaurant kitchen."}]},
    {"task_type": "classification", "conversations": [
        {"from": "human", "value": "<image>\nWhat is the fine-grained category label for this image?"},
        {"from": "gpt", "value": "This is an aerial image of a harbor."}]},
]
"""20 training conversations: every 2D instruct task type of LAMM's data, single and multi-turn, both
placeholder positions (``<image>\\n`` first, ``\\n<image>`` last), one longer than ``max_tgt_len``."""
BATCH = [6, 7, 19]
"""Indices of one right-padded batch (all ``classification``: LAMM pads the system prompts of a mixed batch
in the middle of the sequence, a layout this package deliberately does not copy)."""

VQA_REASONING = "The picture shows a green leaf under a microscope."
"""The first answer used to build the VQA second-pass prompt (``query + reasoning + " ###\\nANSWER:"``)."""


def benchmark_cases(sample_root: Path) -> list[dict[str, Any]]:
    """One prompt per 2D benchmark of the embedded sample (keypoints: one joint; VQA: also the second pass)."""
    from lamm_data.catalog import BENCHMARKS, resolve
    from lamm_data.schemas import JOINT_NAMES

    cases = []
    for name in BENCHMARKS:
        entry = resolve(name)
        if entry.modality != "image":
            continue
        meta = json.loads((sample_root / entry.relpath).read_text(encoding="utf-8"))
        query = meta[0]["query"]
        if entry.record_model.KEY == "keypoints":
            query = query.format(JOINT_NAMES[3])
        mode = "locating" if name.startswith("Locating_") else "common"
        dataset = name.split("_")[-1]
        cases.append({"benchmark": name, "mode": mode, "dataset": dataset, "query": query})
        if entry.task == "VQA":
            cases.append({"benchmark": name, "mode": mode, "dataset": dataset,
                          "query": query + VQA_REASONING + " ###\nANSWER:"})
    return cases


def pixels(index: int) -> Any:
    """The normalised pixel tensor ``(3, 224, 224)`` of case ``index`` (both sides get the same)."""
    import torch

    g = torch.Generator().manual_seed(1000 + index)
    return torch.randn(3, CLIP["image_size"], CLIP["image_size"], generator=g)


def fill(name: str, shape: tuple[int, ...]) -> Any:
    """The weight named ``name`` (our state-dict key): normal noise from a seed derived from the name, scaled
    by kind (norm weights near 1, biases small, matrices ``1/sqrt(fan_in)``, a peaked output layer)."""
    import torch

    g = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    noise = torch.randn(shape, generator=g)
    last = name.rsplit(".", 2)[-2] if name.count(".") >= 1 else name
    if len(shape) == 1 and ("norm" in name or "layrnorm" in name):
        return 1.0 + 0.1 * noise
    if len(shape) == 1:
        return 0.02 * noise if name.endswith("bias") else 0.5 * noise  # class embedding
    if "embed_tokens" in name:
        return noise
    if "lm_head" in name:
        return noise * 3.0 / shape[1] ** 0.5
    if "position_embedding" in name:
        return 0.5 * noise
    fan_in = 1
    for d in shape[1:]:
        fan_in *= d
    del last
    return noise / fan_in ** 0.5


# --- our side -------------------------------------------------------------------------------------------------


def our_config(tokenizer_dir: str) -> Any:
    """The TrainConfig of our tiny model (LAMM's recipe settings at tiny scale)."""
    from lamm_model.config import validate_config

    return validate_config({
        "model": {"use_system": True, "template": "lamm-2023-06",
                  "llm": {"tokenizer": tokenizer_dir, "finetune": "lora",
                          "config": {"model_type": "llama", **LLM, "num_key_value_heads": LLM["num_attention_heads"],
                                     "tie_word_embeddings": False},
                          "lora": {**LORA, "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"]}},
                  "vision": {"pretrained": None, "layer": -1, "num_tokens": VISION_TOKENS,
                             "config": {"hidden_size": CLIP["width"], "intermediate_size": 4 * CLIP["width"],
                                        "num_hidden_layers": CLIP["layers"], "num_attention_heads": CLIP["heads"],
                                        "image_size": CLIP["image_size"], "patch_size": CLIP["patch_size"],
                                        "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5}},
                  "pointcloud": {"enabled": False}},
        "data": {"sources": [{"name": "LAMM_instruct_186k"}], "max_text_tokens": MAX_TGT_LEN, "max_length": None},
    }, "parity config")


def our_model(tokenizer_dir: str) -> tuple[Any, Any, Any]:
    """Our model with every weight from :func:`fill`, in eval mode, and its tokenizer and config."""
    import torch

    from lamm_model.model import build_model

    cfg = our_config(tokenizer_dir)
    model, tokenizer = build_model(cfg.model, seed=0)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if tensor.is_floating_point():
                tensor.copy_(fill(name, tuple(tensor.shape)))
    return model.eval(), tokenizer, cfg


def _shown(ids: list[int], media_start: int, media_len: int) -> list[int]:
    return ids[:media_start] + [-1] * media_len + ids[media_start + media_len:]


def our_outputs(tokenizer_dir: str, sample_root: Path) -> dict[str, Any]:
    """Everything the golden holds, computed with our code."""
    import torch

    from lamm_bench.benchmarks.registry import get_spec
    from lamm_data.catalog import resolve
    from lamm_model.data import collate, encode
    from lamm_model.model import IMAGE
    from lamm_model.prompts import inference_parts, training_parts

    model, tok, cfg = our_model(tokenizer_dir)
    pad = tok.pad_token_id

    def item(enc: Any, index: int) -> dict[str, Any]:
        return {"input_ids": enc.input_ids, "labels": enc.labels, "media_start": enc.media_start,
                "media_len": enc.media_len, "modality": IMAGE, "pixels": pixels(index)}

    train, encoded = [], []
    for i, conv in enumerate(CONVERSATIONS):
        parts = training_parts(copy.deepcopy(conv["conversations"]), conv["task_type"], "image", True,
                               cfg.model.template)
        enc = encode(tok, parts, VISION_TOKENS, None, max_text=MAX_TGT_LEN)
        encoded.append(enc)
        batch = collate([item(enc, i)], pad)
        with torch.no_grad():
            loss, n = model(batch)
        train.append({"input_ids": _shown(enc.input_ids, enc.media_start, enc.media_len),
                      "labels": enc.labels, "attention_mask": batch["attention_mask"][0].tolist(),
                      "loss": float(loss / n)})
    batch = collate([item(encoded[i], i) for i in BATCH], pad)
    with torch.no_grad():
        loss, n = model(batch)
    batched = {"attention_mask": batch["attention_mask"].tolist(), "labels": batch["labels"].tolist(),
               "loss": float(loss / n)}

    bench = []
    for j, case in enumerate(benchmark_cases(sample_root)):
        protocol = get_spec(resolve(case["benchmark"]).name).protocol
        parts = inference_parts(case["query"], "image", system=protocol.system, task_type=protocol.task_type,
                                style="lamm")
        enc = encode(tok, parts, VISION_TOKENS, None)
        batch = collate([item(enc, 100 + j)], pad, left=True)
        with torch.no_grad():
            new = model.generate(batch, max_new_tokens=NEW_TOKENS, do_sample=False, pad_token_id=pad,
                                 eos_token_id=tok.eos_token_id)
        bench.append({"benchmark": case["benchmark"], "input_ids": _shown(enc.input_ids, enc.media_start,
                                                                          enc.media_len),
                      "generated": new[0].tolist()})
    return {"train": train, "batch": batched, "benchmark": bench}


def lamm_weights(model: Any) -> dict[str, Any]:
    """Our model's weights under LAMM's names (LAMMPEFTModel's state dict: peft-wrapped LLaMA, llama_proj,
    and the OpenAI CLIP ``VisionTransformer``)."""
    import torch

    state = model.state_dict()
    out: dict[str, Any] = {}
    for key, value in state.items():
        if key.startswith("llm."):
            out["llama_model." + key.removeprefix("llm.").replace("base_layer.", "")] = value
        elif key.startswith("vision_proj."):
            out["llama_proj." + key.split(".", 1)[1]] = value
    v = "vision."
    out["visual_encoder.conv1.weight"] = state[v + "embeddings.patch_embedding.weight"]
    out["visual_encoder.class_embedding"] = state[v + "embeddings.class_embedding"]
    out["visual_encoder.positional_embedding"] = state[v + "embeddings.position_embedding.weight"]
    for ours, theirs in (("pre_layrnorm", "ln_pre"), ("post_layernorm", "ln_post")):
        for p in ("weight", "bias"):
            out[f"visual_encoder.{theirs}.{p}"] = state[f"{v}{ours}.{p}"]
    for i in range(CLIP["layers"]):
        src, dst = f"{v}encoder.layers.{i}.", f"visual_encoder.transformer.resblocks.{i}."
        for p in ("weight", "bias"):
            out[dst + f"attn.in_proj_{p}"] = torch.cat([state[src + f"self_attn.{m}_proj.{p}"] for m in "qkv"])
            out[dst + f"attn.out_proj.{p}"] = state[src + f"self_attn.out_proj.{p}"]
            out[dst + f"ln_1.{p}"] = state[src + f"layer_norm1.{p}"]
            out[dst + f"ln_2.{p}"] = state[src + f"layer_norm2.{p}"]
            out[dst + f"mlp.c_fc.{p}"] = state[src + f"mlp.fc1.{p}"]
            out[dst + f"mlp.c_proj.{p}"] = state[src + f"mlp.fc2.{p}"]
    out["visual_encoder.proj"] = fill("visual_encoder.proj", (CLIP["width"], 768))  # unused by patch features
    return {k: v.detach().contiguous().clone() for k, v in out.items()}


# --- LAMM's side (runs in LAMM's environment) -----------------------------------------------------------------


def _stub(name: str, **attrs: Any) -> Any:
    import importlib.machinery
    import types

    module = types.ModuleType(name)
    module.__spec__ = importlib.machinery.ModuleSpec(name, None)
    module.__path__ = []  # a package, so submodules can be stubbed too
    for key, value in attrs.items():
        setattr(module, key, value)
    sys.modules[name] = module
    return module


def _unused(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("parity script: a stubbed LAMM dependency was called")


def lamm_side(work: Path, lamm: Path) -> None:
    """Build LAMM's model from the checkout ``lamm`` and write ``work/lamm.json`` (LAMM's venv)."""
    import importlib.util
    import types

    import peft  # noqa: F401  (imported before the stubs below, so they see no DeepSpeed)
    import torch
    import transformers.deepspeed
    import transformers.modeling_utils  # noqa: F401
    from safetensors.torch import load_file
    from transformers import LlamaConfig, PreTrainedTokenizerFast

    src = lamm / "src"
    sys.path.insert(0, str(src))
    for name in ("ipdb", "deepspeed", "data", "torchaudio", "pytorchvideo", "pytorchvideo.transforms",
                 "pytorchvideo.data", "pytorchvideo.data.clip_sampling", "pytorchvideo.data.encoded_video",
                 "torchvision", "torchvision.transforms", "torchvision.transforms._transforms_video"):
        _stub(name, Compose=_unused, Resize=_unused, CenterCrop=_unused, ToTensor=_unused, Normalize=_unused,
              InterpolationMode=types.SimpleNamespace(BICUBIC=3))
    package = _stub("model")  # LAMM's src/model without its __init__ (which builds DeepSpeed agents)
    package.__path__ = [str(src / "model")]
    _stub("model.EPCL", build_epcl_encoder=_unused)
    _stub("model.utils.data", transform_vision_data=_unused)
    torch.cuda.current_device = lambda: "cpu"

    import model.openlamm as openlamm
    from model.CLIP.model import VisionTransformer

    spec = importlib.util.spec_from_file_location("lamm_system_msg", src / "datasets" / "system_msg.py")
    system_msg = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(system_msg)
    import conversations

    cases = json.loads((work / "cases.json").read_text(encoding="utf-8"))
    tok_file = cases["tokenizer"]

    def load_clip(name: str, device: Any = None) -> Any:
        visual = VisionTransformer(input_resolution=CLIP["image_size"], patch_size=CLIP["patch_size"],
                                   width=CLIP["width"], layers=CLIP["layers"], heads=CLIP["heads"], output_dim=768)
        return types.SimpleNamespace(visual=visual), _unused

    class Llama(openlamm.LlamaForCausalLM):
        @classmethod
        def from_pretrained(cls, path: str, *args: Any, **kwargs: Any) -> Any:
            config = LlamaConfig(**LLM, bos_token_id=1, eos_token_id=2, pad_token_id=0, tie_word_embeddings=False)
            return openlamm.LlamaForCausalLM(config)

    class Tokenizer:
        @staticmethod
        def from_pretrained(path: str, *args: Any, **kwargs: Any) -> Any:
            return PreTrainedTokenizerFast(tokenizer_file=tok_file, bos_token="<s>", eos_token="</s>",
                                           unk_token="<unk>")

    openlamm.load_clip, openlamm.LlamaForCausalLM, openlamm.LlamaTokenizer = load_clip, Llama, Tokenizer
    args = {"vision_type": "image", "encoder_pretrain": "clip", "vicuna_ckpt_path": "unused", "use_system": True,
            "stage": 1, "vision_feature_type": "local", "num_vision_token": VISION_TOKENS, "lora_r": LORA["r"],
            "lora_alpha": LORA["alpha"], "lora_dropout": LORA["dropout"],
            "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"], "max_tgt_len": MAX_TGT_LEN}
    lamm_model = openlamm.LAMMPEFTModel(**args)
    weights = load_file(str(work / "weights.safetensors"))
    missing, unexpected = lamm_model.load_state_dict(weights, strict=False)
    missing = [k for k in missing if not k.endswith("rotary_emb.inv_freq")]
    if missing or unexpected:
        raise SystemExit(f"weights do not fit LAMM's model: missing {missing[:5]}, unexpected {unexpected[:5]}")
    lamm_model.eval()
    current = {}
    lamm_model.load_and_transform_image_data_clip = lambda paths, device: torch.stack([current[p] for p in paths])
    tok = lamm_model.llama_tokenizer

    def full(task_types: list[str], convs: list[Any]) -> dict[str, Any]:
        input_ids, target_ids, attention = openlamm.process_batch_instance(
            tok, copy.deepcopy(convs), lamm_model.max_tgt_len, "image")
        embeds = torch.zeros(len(convs), VISION_TOKENS, LLM["hidden_size"])
        _, targets, mask = lamm_model.prompt_wrap(embeds, input_ids, target_ids, attention, True, task_types)
        starts = openlamm.make_prompt_start(use_system=True, vision_type="image", task_type=task_types)
        rows = []
        for b, start in enumerate(starts):
            prefix = tok(start, add_special_tokens=False).input_ids
            rows.append([tok.bos_token_id, *prefix, *[-1] * VISION_TOKENS, *input_ids[b].tolist()])
        return {"rows": rows, "labels": targets.tolist(), "attention_mask": mask.tolist()}

    train = []
    with torch.no_grad():
        for i, conv in enumerate(CONVERSATIONS):
            current[f"img{i}"] = pixels(i)
            built = full([conv["task_type"]], [conv["conversations"]])
            loss, _ = lamm_model({"vision_type": "image", "task_type": [conv["task_type"]],
                                  "vision_paths": [f"img{i}"], "output_texts": copy.deepcopy([conv["conversations"]])})
            train.append({"input_ids": built["rows"][0], "labels": built["labels"][0],
                          "attention_mask": built["attention_mask"][0], "loss": float(loss)})
        convs = [CONVERSATIONS[i] for i in BATCH]
        built = full([c["task_type"] for c in convs], [c["conversations"] for c in convs])
        loss, _ = lamm_model({"vision_type": "image", "task_type": [c["task_type"] for c in convs],
                              "vision_paths": [f"img{i}" for i in BATCH],
                              "output_texts": copy.deepcopy([c["conversations"] for c in convs])})
        batched = {"attention_mask": built["attention_mask"], "labels": built["labels"], "loss": float(loss)}

        bench = []
        conv = conversations.conv_templates["simple"]
        for j, case in enumerate(cases["benchmark"]):
            if case["mode"] == "common":
                task = {"VOC2012": "Detection", "CIFAR10": "Classification", "SQAimage": "VQA", "SVT": "OCR",
                        "flickr30k": "Caption", "FSC147": "Counting", "UCMerced": "Fine-grained_Classification",
                        "CelebA(Smile)": "Facial_Classification", "CelebA(Hair)": "Facial_Classification",
                        "AI2D": "VQA", "LSP": "Keypoints_Detection"}[case["dataset"]]  # LAMM_benchmark2D_dataset.py
                sys_msg = system_msg.common_task2sysmsg[task]
            else:
                sys_msg = system_msg.locating_task2sysmsg[case["dataset"]]
            # inference_2d.py generate_conversation_text, without history
            prompt = sys_msg + "{} {}: {}\n".format(conv.sep, conv.roles[0], case["query"])
            current[f"b{j}"] = pixels(100 + j)
            embeds, masks = lamm_model.prepare_generation_embedding(
                {"prompt": [prompt], "image_paths": [f"b{j}"], "modality_embeds": []})
            new = lamm_model.llama_model.generate(inputs_embeds=embeds, attention_mask=masks,
                                                  max_new_tokens=NEW_TOKENS, do_sample=False, use_cache=True,
                                                  pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
            generated = new[0].tolist()
            # transformers 4.29 starts the output of an inputs_embeds-only generate with the BOS it initialised
            # input_ids with; the new tokens follow it
            if generated[:1] != [tok.bos_token_id]:
                raise SystemExit(f"expected transformers 4.29's leading BOS, got {generated[:3]}")
            start = tok(openlamm.make_prompt_start(vision_type="image"), add_special_tokens=False).input_ids
            after = tok(f"</Img> {prompt}\n### Assistant:", add_special_tokens=False).input_ids
            bench.append({"benchmark": case["benchmark"],
                          "input_ids": [tok.bos_token_id, *start, *[-1] * VISION_TOKENS, *after],
                          "generated": generated[1:]})
    out = {"train": train, "batch": batched, "benchmark": bench}
    (work / "lamm.json").write_text(json.dumps(out), encoding="utf-8")


# --- comparison -----------------------------------------------------------------------------------------------


def differences(ours: dict[str, Any], lamm: dict[str, Any], rtol: float = 1e-4) -> list[str]:
    """Every way ``ours`` differs from ``lamm`` (losses compared with relative tolerance ``rtol``)."""
    found = []
    for i, (a, b) in enumerate(zip(ours["train"], lamm["train"], strict=True)):
        for key in ("input_ids", "labels", "attention_mask"):
            if a[key] != b[key]:
                found.append(f"train[{i}] ({CONVERSATIONS[i]['task_type']}): {key} differ "
                             f"(ours {len(a[key])} long, LAMM {len(b[key])})")
        if abs(a["loss"] - b["loss"]) > rtol * abs(b["loss"]):
            found.append(f"train[{i}]: loss {a['loss']:.6f} vs LAMM {b['loss']:.6f}")
    a, b = ours["batch"], lamm["batch"]
    for key in ("attention_mask", "labels"):
        if a[key] != b[key]:
            found.append(f"batch {BATCH}: {key} differ")
    if abs(a["loss"] - b["loss"]) > rtol * abs(b["loss"]):
        found.append(f"batch {BATCH}: loss {a['loss']:.6f} vs LAMM {b['loss']:.6f}")
    for a, b in zip(ours["benchmark"], lamm["benchmark"], strict=True):
        for key in ("input_ids", "generated"):
            if a[key] != b[key]:
                found.append(f"benchmark {a['benchmark']}: {key} differ ({a[key][-8:]} vs LAMM {b[key][-8:]})")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lamm", type=Path, help="LAMM git checkout (at commit 8f3f489)")
    parser.add_argument("--lamm-python", default=sys.executable, help="Python of LAMM's environment")
    parser.add_argument("--tokenizer", default=os.environ.get("LAMM_LLAMA_TOKENIZER", ".reference/llama-tokenizer"))
    parser.add_argument("--lamm-side", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.lamm_side is not None:
        lamm_side(args.lamm_side, args.lamm)
        return 0
    from safetensors.torch import save_file

    from lamm_data.sample import write_sample

    head = subprocess.run(["git", "-C", str(args.lamm), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    if not head.startswith(LAMM_COMMIT):
        print(f"{args.lamm} is at {head[:12]}, expected {LAMM_COMMIT}", file=sys.stderr)
        return 1
    tokenizer = str(Path(args.tokenizer).absolute())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sample = write_sample(work / "sample")
        model, _, _ = our_model(tokenizer)
        save_file(lamm_weights(model), str(work / "weights.safetensors"))
        (work / "cases.json").write_text(json.dumps({"tokenizer": str(Path(tokenizer) / "tokenizer.json"),
                                                     "benchmark": benchmark_cases(sample)}), encoding="utf-8")
        subprocess.run([args.lamm_python, __file__, "--lamm", str(args.lamm.absolute()), "--lamm-side", str(work)],
                       check=True)
        lamm = json.loads((work / "lamm.json").read_text(encoding="utf-8"))
        ours = our_outputs(tokenizer, sample)
    if os.environ.get("LAMM_PARITY_DEBUG"):
        Path(os.environ["LAMM_PARITY_DEBUG"]).write_text(json.dumps({"ours": ours, "lamm": lamm}), encoding="utf-8")
    found = differences(ours, lamm)
    for line in found:
        print(line, file=sys.stderr)
    if found:
        print(f"{len(found)} difference(s) from LAMM's code; golden not written", file=sys.stderr)
        return 1
    lamm["lamm_commit"] = head
    GOLDEN.write_text(json.dumps(lamm, indent=None, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"identical to LAMM {head[:12]}: {len(lamm['train'])} conversations, a batch of {len(BATCH)}, "
          f"{len(lamm['benchmark'])} benchmark prompts; wrote {GOLDEN}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
