"""Any Hugging Face vision-language model that ``AutoModelForImageTextToText`` and ``AutoProcessor`` load.

Prompts go through the processor's chat template; batches are left-padded with an attention mask (the
model derives position ids from it), so greedy answers do not depend on the batch size. Weights are
loaded straight in the chosen dtype (``bf16`` default on GPU, ``fp32`` on CPU).
"""

from __future__ import annotations

import copy
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from lamm_bench import fingerprint as fp
from lamm_model.backends.chat import ChatRequest, ItemError, messages
from lamm_model.config import ConfigError

DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".gguf")


@dataclass(frozen=True)
class HFOptions:
    """Which model and how to run it. ``dtype`` ``None``: bf16 on GPU, fp32 on CPU."""

    model: str
    revision: str | None = None
    dtype: str | None = None
    device: str = "auto"
    device_map: str | None = None
    batch_size: int = 1
    max_new_tokens: int = 400


def pick_device(name: str, local_rank: int | None = None) -> torch.device:
    """``auto``: CUDA (``cuda:LOCAL_RANK`` under torchrun) when available, else CPU; otherwise the named device.

    Raises:
        ConfigError: an unknown device, or CUDA asked for where there is none.
    """
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", local_rank or 0)
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ConfigError(f"--device {name!r} is not a device; use auto, cpu, cuda or cuda:N") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"--device {name}: CUDA is not available on this machine")
    return device


def load_image(req: ChatRequest) -> Any:
    """The request's image as an upright RGB PIL image (as ``transformers serve`` decodes it)."""
    from PIL import Image
    from transformers.image_utils import load_image as hf_load_image

    try:
        return hf_load_image(Image.open(io.BytesIO(req.image.read())))
    except OSError as exc:
        raise ItemError(f"{req.image.describe()}: not an image: {exc}") from None


def processor_sha256(processor: Any) -> str:
    """sha256 of what turns messages into tokens: chat template, processor settings, tokenizer."""
    tokenizer = getattr(processor, "tokenizer", processor)
    backend = getattr(tokenizer, "backend_tokenizer", None)
    settings = processor.to_dict() if hasattr(processor, "to_dict") else {}
    special = getattr(tokenizer, "special_tokens_map", None)
    return fp.sha256_json({"chat_template": getattr(processor, "chat_template", None), "processor": settings,
                           "tokenizer": backend.to_str() if backend is not None else None, "special": special})


class HFBackend:
    """A loaded model and processor that answer chat requests in batches."""

    kind = "hf"

    def __init__(self, options: HFOptions, local_rank: int | None = None) -> None:
        from transformers import AutoModelForImageTextToText, AutoProcessor

        self.options = options
        self.device = pick_device(options.device, local_rank)
        dtype_name = options.dtype or ("bf16" if self.device.type == "cuda" else "fp32")
        if dtype_name not in DTYPES:
            raise ConfigError(f"--dtype {dtype_name!r}: use one of {', '.join(DTYPES)}")
        self.dtype_name = dtype_name
        self.processor = AutoProcessor.from_pretrained(options.model, revision=options.revision)
        self.tokenizer = getattr(self.processor, "tokenizer", self.processor)
        self.tokenizer.padding_side = "left"
        if getattr(self.processor, "chat_template", None) is None:
            raise ConfigError(f"{options.model}: the processor has no chat template; this model cannot be "
                              "prompted with chat messages")
        self._model_class = AutoModelForImageTextToText
        self.model: Any = None

    def load(self) -> None:
        """Load the weights (straight in the chosen dtype; ``device_map`` places them across devices)."""
        kwargs: dict[str, Any] = {"revision": self.options.revision, "dtype": DTYPES[self.dtype_name]}
        if self.options.device_map is not None:
            kwargs["device_map"] = self.options.device_map
        model = self._model_class.from_pretrained(self.options.model, **kwargs)
        if self.options.device_map is None:
            model = model.to(self.device)
        self.model = model.eval()
        gen = copy.deepcopy(model.generation_config)
        gen.update(max_new_tokens=self.options.max_new_tokens, do_sample=False, num_beams=1, temperature=None,
                   top_p=None, top_k=None)
        if gen.pad_token_id is None:
            gen.pad_token_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else \
                (gen.eos_token_id[0] if isinstance(gen.eos_token_id, list) else gen.eos_token_id)
        self.generation_config = gen

    def fingerprint(self) -> dict[str, Any]:
        """The backend part of the run's fingerprint (weights hashed for a local folder, else the revision)."""
        path = Path(self.options.model)
        out: dict[str, Any] = {"kind": self.kind, "dtype": self.dtype_name,
                               "processor_sha256": processor_sha256(self.processor)}
        if path.is_dir():
            weights = [p for p in sorted(path.rglob("*")) if p.is_file() and p.name.endswith(WEIGHT_SUFFIXES)]
            out.update(model=str(path.absolute()), revision=None, weights_sha256=fp.sha256_files(weights, path))
        else:
            from huggingface_hub import model_info

            revision = self.options.revision
            if revision is None or len(revision) != 40:
                revision = _resolve_revision(self.options.model, revision, model_info)
            out.update(model=self.options.model, revision=revision, weights_sha256=None)
        return out

    def decoding(self) -> dict[str, Any]:
        """The decoding settings (greedy)."""
        return {"max_new_tokens": self.options.max_new_tokens, "do_sample": False}

    def render(self, req: ChatRequest) -> str:
        """The exact prompt text the chat template makes of a request."""
        return self.processor.apply_chat_template(messages(req), add_generation_prompt=True, tokenize=False)

    @torch.inference_mode()
    def generate(self, requests: Sequence[ChatRequest], where: str = "request") -> list[str]:
        """One greedy answer per request, ``batch_size`` requests per ``generate`` call."""
        if self.model is None:
            self.load()
        out: list[str] = []
        size = self.options.batch_size
        for start in range(0, len(requests), size):
            chunk = requests[start:start + size]
            texts = [self.render(r) for r in chunk]
            images = [[load_image(r)] for r in chunk]
            batch = self.processor(text=texts, images=images, padding=True, return_tensors="pt")
            batch = batch.to(self.model.device)
            for key, value in batch.items():
                if torch.is_floating_point(value):
                    batch[key] = value.to(self.model.dtype)
            tokens = self.model.generate(**batch, generation_config=self.generation_config)
            new = tokens[:, batch["input_ids"].shape[1]:]
            out += self.processor.batch_decode(new, skip_special_tokens=True)
        return out


def _resolve_revision(repo: str, revision: str | None, model_info: Any) -> str | None:
    """The commit a hub revision (branch, tag or ``None`` for main) points at; offline: what was asked."""
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        return revision
    try:
        return model_info(repo, revision=revision).sha
    except Exception:  # no network or no such repo: from_pretrained reports the real problem
        return revision
