"""The LAMM model: frozen encoders -> one linear projector per modality -> a causal LM with LoRA.

A batch (built by :mod:`lamm_model.data`) holds token ids in which each sample's vision span is a
run of placeholder positions (``media_mask``). The projected encoder features replace the token
embeddings there, in batch-row order, so image and point-cloud samples can share a batch.
"""

from __future__ import annotations

import difflib
import warnings
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from transformers import (
    AutoConfig,
    AutoModelForCausalLM,
    CLIPVisionConfig,
    CLIPVisionModel,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)
from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

from lamm_model.config import ConfigError, LanguageModelConfig, ModelConfig, PointCloudConfig, VisionConfig, loading
from lamm_model.encoders import PointTokenizer, clip_patch_features
from lamm_model.tokenizer import load_tokenizer

IGNORE = -100
"""Label of positions that do not count in the loss."""
IMAGE, PCL = 0, 1
"""Values of ``batch["modality"]``."""


class LammModel(nn.Module):
    """Encoders, projectors and language model; ``forward`` returns the summed loss and its token count."""

    def __init__(self, llm: PreTrainedModel, vision: CLIPVisionModel | None, points: PointTokenizer | None,
                 cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.llm = llm
        self.vision = vision
        self.points = points
        hidden = llm.config.hidden_size
        self.vision_proj = nn.Linear(vision.config.hidden_size, hidden) if vision is not None else None
        self.points_proj = nn.Linear(points.width, hidden) if points is not None else None
        self._media_tokens = media_token_counts(cfg)
        for module, cfg_freeze in ((vision, cfg.vision.freeze), (points, cfg.pointcloud.frozen)):
            if module is not None and cfg_freeze:
                module.requires_grad_(False)
                module.eval()

    def media_tokens(self) -> dict[int, int]:
        """Vision tokens per sample by modality (:data:`IMAGE`, :data:`PCL`)."""
        return dict(self._media_tokens)

    def train(self, mode: bool = True) -> LammModel:
        """Like ``nn.Module.train``, but frozen encoders stay in eval mode."""
        super().train(mode)
        if self.vision is not None and self.cfg.vision.freeze:
            self.vision.eval()
        if self.points is not None and self.cfg.pointcloud.frozen:
            self.points.eval()
        return self

    def encode(self, batch: dict[str, Any]) -> torch.Tensor:
        """Projected vision features of every sample, concatenated in row order: ``(sum of tokens, hidden)``."""
        parts: dict[int, torch.Tensor] = {}
        if batch.get("images") is not None:
            if self.vision is None:
                raise ValueError("the batch has images but the model has no vision encoder (model.vision.enabled)")
            with torch.set_grad_enabled(torch.is_grad_enabled() and not self.cfg.vision.freeze):
                dtype = next(self.vision.parameters()).dtype
                feats = clip_patch_features(self.vision, batch["images"].to(dtype), self.cfg.vision.layer,
                                            self.cfg.vision.num_tokens)
            parts[IMAGE] = self.vision_proj(feats.to(self.vision_proj.weight.dtype))
        if batch.get("points") is not None:
            if self.points is None:
                raise ValueError("the batch has point clouds but the model has no point encoder "
                                 "(model.pointcloud.enabled)")
            with torch.set_grad_enabled(torch.is_grad_enabled() and not self.cfg.pointcloud.frozen):
                clouds = batch["points"]
                if not getattr(self.points, "rounds_its_input", False):  # EPCL rounds the cloud as LAMM did
                    clouds = clouds.to(next(self.points.parameters()).dtype)
                feats = self.points(clouds)
            parts[PCL] = self.points_proj(feats.to(self.points_proj.weight.dtype))
        rows, seen = [], {IMAGE: 0, PCL: 0}
        for kind in batch["modality"].tolist():
            rows.append(parts[kind][seen[kind]])
            seen[kind] += 1
        return torch.cat(rows)

    def embed(self, batch: dict[str, Any]) -> torch.Tensor:
        """Token embeddings ``(B, T, hidden)`` with the vision features spliced in at ``media_mask``."""
        embeds = self.llm.get_input_embeddings()(batch["input_ids"])
        feats = self.encode(batch)
        mask = batch["media_mask"]
        if int(mask.sum()) != feats.shape[0]:
            raise ValueError(f"the batch has {int(mask.sum())} vision positions but the encoders gave "
                             f"{feats.shape[0]} features")
        return embeds.masked_scatter(mask.unsqueeze(-1), feats.to(embeds.dtype))

    def forward(self, batch: dict[str, Any]) -> tuple[torch.Tensor, torch.Tensor]:
        """Summed next-token cross-entropy over supervised positions and the number of those positions."""
        embeds = self.embed(batch)
        logits = self.llm(inputs_embeds=embeds, attention_mask=batch["attention_mask"], use_cache=False).logits
        labels = batch["labels"][:, 1:]
        loss = F.cross_entropy(logits[:, :-1].flatten(0, 1).float(), labels.flatten(), ignore_index=IGNORE,
                               reduction="sum")
        if torch.is_grad_enabled():
            loss = loss + self._idle_term(batch)
        return loss, (labels != IGNORE).sum()

    def _idle_term(self, batch: dict[str, Any]) -> torch.Tensor:
        """Zero times the output of each modality path the batch does not use.

        Every trainable parameter then gets a (zero) gradient in every step, so processes whose batches hold
        different modalities still run identical gradient collectives (DDP, FSDP). A frozen encoder is
        skipped (its projector gets a blank feature); a trainable one runs on a blank input.
        """
        device = batch["input_ids"].device
        total = torch.zeros((), device=device)
        paths = ((IMAGE, "images", self.vision, self.vision_proj, self.cfg.vision.freeze),
                 (PCL, "points", self.points, self.points_proj, self.cfg.pointcloud.frozen))
        for kind, key, encoder, proj, frozen in paths:
            if encoder is None or batch.get(key) is not None:
                continue
            if frozen:
                feats = proj(torch.zeros(1, proj.in_features, device=device, dtype=proj.weight.dtype))
            elif kind == IMAGE:
                side = encoder.config.image_size
                feats = self.encode({"images": torch.zeros(1, 3, side, side, device=device),
                                     "modality": torch.tensor([IMAGE])})
            else:
                feats = self.encode({"points": torch.zeros(1, encoder.min_points, encoder.in_channels, device=device),
                                     "modality": torch.tensor([PCL])})
            total = total + 0.0 * feats.sum()
        return total

    @torch.no_grad()
    def generate(self, batch: dict[str, Any], **kwargs: Any) -> torch.Tensor:
        """New token ids ``(B, T_new)`` for a left-padded batch; ``kwargs`` go to ``generate``."""
        embeds = self.embed(batch)
        return self.llm.generate(inputs_embeds=embeds, attention_mask=batch["attention_mask"], **kwargs)

    def enable_activation_checkpointing(self) -> None:
        """Recompute the LM's layer activations in the backward pass (less memory, ~30% more compute)."""
        if hasattr(self.llm, "activation_checkpointing_enable"):  # transformers >= 5
            self.llm.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
        else:
            self.llm.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})

    def merge_lora(self) -> None:
        """Fold LoRA weights into the LM (faster inference; training cannot continue afterwards)."""
        if hasattr(self.llm, "merge_and_unload"):
            self.llm = self.llm.merge_and_unload()

    def cast_frozen(self, dtype: torch.dtype) -> None:
        """Store frozen weights in ``dtype`` (e.g. bf16); trainable weights keep their dtype (fp32)."""
        for param in self.parameters():
            if not param.requires_grad and param.is_floating_point():
                param.data = param.data.to(dtype)

    def cast_all(self, dtype: torch.dtype) -> None:
        """Store every floating-point weight in ``dtype`` (inference after :meth:`merge_lora`)."""
        for param in self.parameters():
            if param.is_floating_point():
                param.data = param.data.to(dtype)

    def component(self, name: str) -> str:
        """Top-level component of a parameter name (``llm``, ``vision``, ``points``, ``vision_proj``, ...)."""
        return name.split(".", 1)[0]


def build_llm(cfg: LanguageModelConfig, tokenizer: PreTrainedTokenizerBase,
              dtype: torch.dtype = torch.float32, *, weights: bool = True) -> PreTrainedModel:
    """The causal LM from its pretrained source or as a random model of ``cfg.config``, with LoRA/freezing.

    The frozen weights are created directly in ``dtype`` (a pretrained LM is read with transformers'
    low-memory loading: one copy, in ``dtype``); trainable weights (LoRA, or all under ``full``) are fp32.
    ``weights=False``: a pretrained LM is built from its config alone, nothing read (for a meta-device
    skeleton whose weights arrive later).

    Raises:
        ConfigError: the pretrained LM cannot be loaded, or ``cfg.config`` does not describe a model.
    """
    if cfg.pretrained is not None:
        with loading("model.llm.pretrained", cfg.pretrained):
            if weights:
                llm = AutoModelForCausalLM.from_pretrained(cfg.pretrained, dtype=dtype, low_cpu_mem_usage=True)
            else:
                llm = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(cfg.pretrained), dtype=dtype)
    else:
        kwargs = dict(cfg.config or {})
        kwargs.setdefault("vocab_size", len(tokenizer))
        for key in ("bos_token_id", "eos_token_id", "pad_token_id"):
            kwargs.setdefault(key, getattr(tokenizer, key))
        if kwargs["vocab_size"] < len(tokenizer):
            raise ConfigError(f"model.llm.config.vocab_size ({kwargs['vocab_size']}) is smaller than the "
                              f"tokenizer ({len(tokenizer)} tokens)")
        model_type = kwargs.pop("model_type")
        if model_type not in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES:
            close = difflib.get_close_matches(str(model_type), list(MODEL_FOR_CAUSAL_LM_MAPPING_NAMES), n=3)
            raise ConfigError(f"model.llm.config.model_type: {model_type!r} is not a transformers causal LM type"
                              + (f"; did you mean {' or '.join(close)}?" if close else " (e.g. llama, qwen2)"))
        llm = AutoModelForCausalLM.from_config(AutoConfig.for_model(model_type, **kwargs), dtype=dtype)
    if cfg.finetune == "full":
        llm.float()
    if cfg.finetune == "lora":
        from peft import LoraConfig, get_peft_model

        lora = LoraConfig(task_type="CAUSAL_LM", r=cfg.lora.r, lora_alpha=cfg.lora.alpha,
                          lora_dropout=cfg.lora.dropout, target_modules=list(cfg.lora.target_modules))
        with warnings.catch_warnings():  # peft asks transformers >= 5 a deprecated question; not ours to fix
            warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
            llm = get_peft_model(llm, lora)
        for param in llm.parameters():  # LoRA weights train in fp32 whatever the base dtype
            if param.requires_grad:
                param.data = param.data.float()
    elif cfg.finetune == "frozen":
        llm.requires_grad_(False)
    return llm


def vision_config(cfg: VisionConfig) -> CLIPVisionConfig:
    """The CLIP tower's config: read from ``cfg.pretrained``, or built from ``cfg.config``."""
    if cfg.pretrained is not None:
        with loading("model.vision.pretrained", cfg.pretrained):
            return CLIPVisionConfig.from_pretrained(cfg.pretrained)
    return CLIPVisionConfig(**(cfg.config or {}))


def build_vision(cfg: VisionConfig, dtype: torch.dtype = torch.float32, *, weights: bool = True) -> CLIPVisionModel:
    """The CLIP vision tower, pretrained or random (``cfg.config`` = ``CLIPVisionConfig`` arguments), in
    ``dtype`` when frozen, else fp32. ``weights=False``: pretrained weights are not read (config only)."""
    dtype = dtype if cfg.freeze else torch.float32
    if cfg.pretrained is not None and weights:
        with loading("model.vision.pretrained", cfg.pretrained):
            return CLIPVisionModel.from_pretrained(cfg.pretrained, dtype=dtype, low_cpu_mem_usage=True)
    return CLIPVisionModel(vision_config(cfg)).to(dtype)


def build_points(cfg: PointCloudConfig, *, weights: bool = True) -> PointTokenizer:
    """The point tokenizer, with weights from ``cfg.pretrained`` when set (and ``weights``)."""
    if not weights:
        cfg = cfg.model_copy(update={"pretrained": None})
    if cfg.encoder == "epcl":
        from lamm_model.epcl.encoder import build_epcl

        return build_epcl(cfg)  # type: ignore[return-value]  # same interface: width, num_tokens, in_channels
    module = PointTokenizer(6 if cfg.use_color else 3, cfg.num_tokens, cfg.group_size, cfg.width, cfg.depth,
                            cfg.heads)
    if cfg.pretrained is not None:
        with loading("model.pointcloud.pretrained", cfg.pretrained):
            if cfg.pretrained.endswith(".safetensors"):
                from safetensors.torch import load_file

                state = load_file(cfg.pretrained)
            else:
                state = torch.load(cfg.pretrained, map_location="cpu", weights_only=True)
        try:
            module.load_state_dict(state)
        except RuntimeError as exc:
            raise ConfigError(f"model.pointcloud.pretrained: {cfg.pretrained} does not fit the configured point "
                              f"tokenizer: {exc}") from None
    return module


def build_model(cfg: ModelConfig, *, seed: int, tokenizer: PreTrainedTokenizerBase | None = None,
                dtype: torch.dtype = torch.float32, device: str | torch.device | None = None,
                ) -> tuple[LammModel, PreTrainedTokenizerBase]:
    """Build the model and its tokenizer; random weights are drawn from ``seed``.

    Frozen weights (the base LM, a frozen CLIP) are created in ``dtype``; trainable ones (LoRA, projectors,
    trainable encoders) in fp32. ``device``: create random weights directly there (e.g. ``cuda``, so a
    random 7B model never passes through host memory); default CPU. ``meta``: a skeleton with the same
    names, shapes and dtypes and no storage; no pretrained file is read (FSDP fills it from rank 0). Every
    process building from the same config and seed gets identical weights; the global RNG state is left as
    it was.
    """
    if tokenizer is None:
        tokenizer = load_tokenizer(cfg.llm.tokenizer_source)
    target = torch.device(device) if device is not None else torch.device("cpu")
    weights = target.type != "meta"
    with torch.random.fork_rng(devices=[target] if target.type == "cuda" else []), target:
        torch.manual_seed(seed)
        llm = build_llm(cfg.llm, tokenizer, dtype, weights=weights)
        vision = build_vision(cfg.vision, dtype, weights=weights) if cfg.vision.enabled else None
        points = build_points(cfg.pointcloud, weights=weights) if cfg.pointcloud.enabled else None
        model = LammModel(llm, vision, points, cfg)
    return model, tokenizer


def random_components(cfg: ModelConfig) -> set[str]:
    """Components whose weights come from random initialisation (so checkpoints must store all of them)."""
    found = {"vision_proj", "points_proj"}
    if cfg.llm.pretrained is None:
        found.add("llm")
    if cfg.vision.enabled and cfg.vision.pretrained is None:
        found.add("vision")
    if cfg.pointcloud.enabled and cfg.pointcloud.pretrained is None:
        found.add("points")
    return found


def media_token_counts(cfg: ModelConfig) -> dict[int, int]:
    """Vision tokens per sample by modality (:data:`IMAGE`, :data:`PCL`), from the config alone."""
    counts = {}
    if cfg.vision.enabled:
        vision = vision_config(cfg.vision)
        patches = (vision.image_size // vision.patch_size) ** 2
        counts[IMAGE] = min(patches, cfg.vision.num_tokens or patches)
    if cfg.pointcloud.enabled:
        counts[PCL] = cfg.pointcloud.num_tokens
    return counts
