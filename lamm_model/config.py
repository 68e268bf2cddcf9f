"""The one typed training configuration: YAML file + ``key=value`` overrides -> :class:`TrainConfig`.

Every field has a default that reproduces LAMM's recipe where one exists (``../shared/docs/lamm-formats.md``
§3.5, §9.1: LoRA rank 32 on q/k/v/o, CLIP ViT-L/14 patch features, 256 point tokens). The resolved
config is written into every checkpoint, and ``predict`` rebuilds the model from it.
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from lamm_data.errors import LammError
from lamm_model.epcl.config import EpclConfig


class ConfigError(LammError, ValueError):
    """A configuration that cannot be read or does not validate; the message names the key."""


@contextlib.contextmanager
def loading(key: str, source: str) -> Iterator[None]:
    """Turn a failed load of ``source`` (a hub id, folder or file named by config key ``key``) into a
    :class:`ConfigError` naming both, instead of a library traceback."""
    try:
        yield
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{key}: cannot load {source!r}: {exc}") from None


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


_SIZE_KEYS = ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
              "max_position_embeddings", "vocab_size", "image_size", "patch_size", "num_channels")
"""Keys of a transformers config that are sizes: when given, each must be a positive integer."""


def _check_sizes(config: dict[str, Any] | None, where: str) -> None:
    for key in _SIZE_KEYS:
        value = (config or {}).get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ValueError(f"{where}.{key} must be a positive integer, not {value!r}")


class LoraConfig(_Section):
    """LoRA adapters on the language model (peft). LAMM: r=32, alpha=32, dropout 0.1 on q/k/v/o."""

    r: int = Field(32, ge=1)
    alpha: int = Field(32, ge=1)
    dropout: float = Field(0.1, ge=0.0, lt=1.0)
    target_modules: list[str] = Field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"])


class LanguageModelConfig(_Section):
    """The causal LM: a pretrained checkpoint (hub id or folder) or a random one built from ``config``.

    ``config`` holds the keyword arguments of a transformers config; ``model_type`` picks its class
    (``llama``, ``qwen2``, ...). ``tokenizer`` is a hub id or folder, or ``byte`` for the byte-level
    tokenizer built locally (:func:`lamm_model.tokenizer.byte_tokenizer`); default: ``pretrained``.
    ``finetune``: ``lora`` (LAMM), ``full`` (every LM weight trains) or ``frozen`` (only the projectors
    and unfrozen encoders train).
    """

    pretrained: str | None = None
    config: dict[str, Any] | None = None
    tokenizer: str | None = None
    finetune: Literal["lora", "full", "frozen"] = "lora"
    lora: LoraConfig = Field(default_factory=LoraConfig)

    @model_validator(mode="after")
    def _one_source(self) -> LanguageModelConfig:
        if (self.pretrained is None) == (self.config is None):
            raise ValueError("set exactly one of model.llm.pretrained (a checkpoint) or model.llm.config "
                             "(a random model, e.g. {model_type: llama, hidden_size: 64, ...})")
        if self.config is not None and "model_type" not in self.config:
            raise ValueError("model.llm.config needs a model_type (e.g. llama)")
        _check_sizes(self.config, "model.llm.config")
        if self.tokenizer is None and self.pretrained is None:
            raise ValueError("a random model.llm needs model.llm.tokenizer (a hub id/folder, or 'byte')")
        return self

    @property
    def tokenizer_source(self) -> str:
        """Where the tokenizer comes from: ``tokenizer``, else ``pretrained``."""
        return self.tokenizer or self.pretrained  # type: ignore[return-value]  # validated: one is set


class VisionConfig(_Section):
    """CLIP vision tower (transformers ``CLIPVisionModel``); its patch features become the image tokens.

    ``layer`` indexes ``hidden_states``: -1 (default) is LAMM's ``forward_patch_features``, the output of
    every block without ``ln_post`` (LAMM's ``vision_output_layer: -2`` is only a label there); ``num_tokens``
    keeps the first N patch tokens (``None``: all, 256 for ViT-L/14 at 224 px).
    ``resize_train`` / ``resize_predict``: ``squash`` resizes to the square input size ignoring the aspect
    ratio (LAMM's training transform), ``crop`` resizes the short side and centre-crops (LAMM's benchmark
    inference transform); both bicubic, then CLIP's normalisation.
    """

    enabled: bool = True
    pretrained: str | None = "openai/clip-vit-large-patch14"
    config: dict[str, Any] | None = None
    layer: int = -1
    num_tokens: int | None = Field(None, ge=1)
    freeze: bool = True
    resize_train: Literal["squash", "crop"] = "squash"
    resize_predict: Literal["squash", "crop"] = "crop"

    @model_validator(mode="after")
    def _one_source(self) -> VisionConfig:
        _check_sizes(self.config, "model.vision.config")
        if self.enabled and (self.pretrained is None) == (self.config is None):
            raise ValueError("set exactly one of model.vision.pretrained or model.vision.config "
                             "(CLIPVisionConfig arguments for a random tower)")
        return self


class PointCloudConfig(_Section):
    """EPCL-like point-patch tokenizer (:class:`lamm_model.encoders.PointTokenizer`).

    ``num_points`` points are sampled per cloud (with replacement when it has fewer; LAMM: 40000),
    ``num_tokens`` centres are picked by farthest-point sampling, each groups its ``group_size`` nearest
    neighbours. Coordinates are used as stored (metres); ``use_color`` adds RGB as LAMM normalised it.
    ``pretrained``: a ``.safetensors``/``.pt`` state dict of the tokenizer (default: random init).
    ``freeze``: default (``null``) freezes a pretrained encoder and trains a random one; ``true`` without
    ``pretrained`` is an error, since the LM would learn from the features of a frozen random network.
    """

    enabled: bool = True
    num_points: int = Field(40000, ge=1)
    num_tokens: int = Field(256, ge=1)
    group_size: int = Field(32, ge=1)
    width: int = Field(384, ge=8)
    depth: int = Field(2, ge=0)
    heads: int = Field(6, ge=1)
    use_color: bool = False
    pretrained: str | None = None
    freeze: bool | None = None
    encoder: Literal["tokenizer", "epcl"] = "tokenizer"
    """``tokenizer``: :class:`~lamm_model.encoders.PointTokenizer` (the fields above); ``epcl``: LAMM's EPCL
    (:class:`~lamm_model.epcl.encoder.EpclEncoder`, shaped by ``epcl``; ``pretrained`` is LAMM's EPCL checkpoint or
    its conversion; ``num_tokens`` keeps the first tokens, LAMM's ``num_vision_token``). See ``docs/epcl.md``."""
    epcl: EpclConfig = Field(default_factory=EpclConfig)

    @property
    def frozen(self) -> bool:
        """Whether the encoder's weights stay fixed (``freeze``, or by default: when pretrained)."""
        return self.freeze if self.freeze is not None else self.pretrained is not None

    @model_validator(mode="after")
    def _fits(self) -> PointCloudConfig:
        if self.enabled and self.freeze and self.pretrained is None:
            raise ValueError("model.pointcloud.freeze is true but model.pointcloud.pretrained is not set: a frozen "
                             "random point encoder feeds noise to the LM; set pretrained (e.g. EPCL weights) or "
                             "freeze: false")
        if self.encoder == "epcl" and self.num_tokens > self.epcl.output_tokens:
            raise ValueError(f"model.pointcloud.num_tokens ({self.num_tokens}) exceeds the {self.epcl.output_tokens} "
                             "tokens the EPCL encoder makes (model.pointcloud.epcl)")
        if self.num_tokens > self.num_points or self.group_size > self.num_points:
            raise ValueError("model.pointcloud.num_tokens and group_size must not exceed num_points")
        if self.width % self.heads:
            raise ValueError(f"model.pointcloud.width ({self.width}) must be divisible by heads ({self.heads})")
        return self


class ModelConfig(_Section):
    """The LAMM model: encoders + one linear projector per modality + causal LM (LoRA)."""

    llm: LanguageModelConfig
    vision: VisionConfig = Field(default_factory=VisionConfig)
    pointcloud: PointCloudConfig = Field(default_factory=PointCloudConfig)
    use_system: bool = True
    """Prefix each training sample with LAMM's system prompt for its ``task_type`` (LAMM's ``--use_system``)."""
    template: Literal["lamm-2023-06", "lamm-2023-09"] = "lamm-2023-06"
    """LAMM's training template by era (:data:`lamm_model.prompts.Template`): ``lamm-2023-06`` for the June-2023
    Vicuna checkpoints (``### Assistant:``, the first system prompts), ``lamm-2023-09`` for LAMM's code from
    af99e98 on (``### Assistant: `` with a space, reworded system prompts)."""


class SourceConfig(_Section):
    """One training source: a catalog name (instruction file, or a benchmark used as training data).

    ``placeholder``: ``optional`` (LAMM: a leading ``<image>``/``<pcl>`` in the first human turn is
    removed if present) or ``required`` (a first human turn without exactly one is a problem).
    """

    name: str
    root: str | None = None
    placeholder: Literal["optional", "required"] = "optional"
    limit: int | None = Field(None, ge=1)
    """Use only the first N items (for smoke runs)."""


class DataConfig(_Section):
    """Where the training samples come from and how they are cut."""

    sources: list[SourceConfig] = Field(min_length=1)
    root: str | None = None
    """Default LAMM root of the sources: a folder, ``sample`` (the embedded sample, written to
    ``OUT_DIR/lamm-sample``) or unset (``$LAMM_DATA_ROOT``, then ``~/.cache/lamm``)."""
    arrow_dir: str | None = None
    """Where ``lamm_data.load_split`` keeps converted splits (default ``ROOT/.lamm/arrow``; set it when the
    root is read-only)."""
    max_text_tokens: int | None = Field(400, ge=1)
    """Text tokens after the vision block (from the closing ``</Img>`` tag on); longer samples are cut at the
    end. LAMM's ``max_tgt_len`` (400); the system prompt, ``<s>`` and the vision tokens do not count."""
    max_length: int | None = Field(None, ge=8)
    """Optional cap on all tokens of a sample, vision tokens included (cut at the end); ``None``: no cap."""
    max_bad_fraction: float = Field(0.01, ge=0.0, le=1.0)
    """Stop before step 1 if more than this fraction of samples fails the checks."""
    num_workers: int = Field(2, ge=0)


class OptimConfig(_Section):
    """AdamW, a warmup-then-decay learning-rate schedule, gradient clipping by global norm.

    Defaults are LAMM's (``src/config/train.yaml``, ``src/model/agent.py``): lr 5e-4, betas 0.9/0.95,
    weight decay 0.001, clipping 1.0, ``warmup_decay`` = DeepSpeed's ``WarmupDecayLR`` (logarithmic warmup
    from 0 over ``max(warmup_steps, int(warmup_ratio x max_steps))`` steps, then linear decay to 0 at
    ``max_steps``). ``cosine``: linear warmup, cosine decay to ``min_lr`` (:mod:`lamm_model.schedule`).
    """

    lr: float = Field(5e-4, gt=0)
    schedule: Literal["warmup_decay", "cosine"] = "warmup_decay"
    min_lr: float = Field(0.0, ge=0)
    warmup_steps: int = Field(10, ge=0)
    warmup_ratio: float = Field(0.1, ge=0.0, le=1.0)
    weight_decay: float = Field(0.001, ge=0)
    betas: tuple[float, float] = (0.9, 0.95)
    grad_clip: float | None = Field(1.0, gt=0)

    def warmup(self, max_steps: int) -> int:
        """Warmup steps of a run of ``max_steps``: ``max(warmup_steps, int(max_steps x warmup_ratio))``."""
        return max(self.warmup_steps, int(max_steps * self.warmup_ratio))


class GenerationConfig(_Section):
    """Defaults for ``lamm-model predict`` (LAMM: 400 new tokens for 2D, 800 for 3D)."""

    max_new_tokens_2d: int = Field(400, ge=1)
    max_new_tokens_3d: int = Field(800, ge=1)


class TrainConfig(_Section):
    """Everything a training run needs; saved as ``config.yaml`` in every checkpoint."""

    model: ModelConfig
    data: DataConfig
    optim: OptimConfig = Field(default_factory=OptimConfig)
    generation: GenerationConfig = Field(default_factory=GenerationConfig)
    out_dir: str = "runs/lamm"
    max_steps: int = Field(1000, ge=1)
    """Optimizer steps."""
    batch_size: int = Field(4, ge=1)
    """Samples per micro-batch per process."""
    grad_accum: int = Field(1, ge=1)
    """Micro-batches per optimizer step; the global batch is batch_size x grad_accum x processes."""
    loss_mean: Literal["micro_batch", "step_tokens"] = "micro_batch"
    """``micro_batch`` (LAMM, DeepSpeed): each micro-batch's loss is its token mean, the step's gradient is
    the mean over micro-batches and processes, so a token weighs more in a micro-batch with fewer supervised
    tokens. ``step_tokens``: one token mean over every supervised token of the step (independent of how
    the batch is split)."""
    precision: Literal["fp32", "bf16"] = "fp32"
    """bf16: frozen weights stored in bf16, trainable ones in fp32, matmuls under bf16 autocast."""
    gradient_checkpointing: bool = False
    distributed: Literal["ddp", "fsdp"] = "ddp"
    """How to use several processes under torchrun (FSDP shards every decoder layer of the LM)."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    seed: int = 0
    log_every: int = Field(1, ge=1)
    save_every: int | None = Field(None, ge=1)
    """Also save a checkpoint every N steps (one is always saved at the end)."""


def set_key(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``data["a"]["b"] = value`` for ``dotted == "a.b"``, creating dicts on the way; for a list,
    a numeric part indexes it (``data.sources.0.limit=4``)."""
    parts = dotted.split(".")
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            node = node[_index(node, part, dotted)]
            continue
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict | list):
            raise ConfigError(f"cannot set {dotted}: {'.'.join(parts[: i + 1])} is a value, not a section")
        node = child
    if isinstance(node, list):
        node[_index(node, parts[-1], dotted)] = value
    else:
        node[parts[-1]] = value


def _index(node: list[Any], part: str, dotted: str) -> int:
    if not part.isdigit() or int(part) >= len(node):
        raise ConfigError(f"cannot set {dotted}: {part!r} is not an index of a list of {len(node)} item(s)")
    return int(part)


def parse_overrides(overrides: Sequence[str]) -> list[tuple[str, Any]]:
    """``["optim.lr=1e-4", "model.lora.target_modules=[q_proj,v_proj]"]`` -> ``[(key, value), ...]``.

    Values are read as YAML scalars/flow collections (``1e-4`` is a float, ``null`` is None).
    """
    parsed = []
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"override {item!r} is not key=value (e.g. optim.lr=1e-4)")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError as exc:
            raise ConfigError(f"override {item!r}: the value is not valid YAML ({exc.problem})") from None
        parsed.append((key.strip(), value))
    return parsed


def load_config(path: str | os.PathLike[str] | None, overrides: Sequence[str] = (), *,
                base: dict[str, Any] | None = None) -> TrainConfig:
    """Read a YAML config (or start from ``base``), apply ``key=value`` overrides, validate.

    Raises:
        ConfigError: unreadable YAML, a bad override, or a value that does not validate (names the key).
    """
    data: dict[str, Any] = copy.deepcopy(base or {})
    if path is not None:
        try:
            loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read config ({exc.strerror or exc})") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); "
                              "a config is a UTF-8 YAML file") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML ({' '.join(str(exc).split())})") from None
        except RecursionError:
            raise ConfigError(f"{path}: not a config: YAML nested too deep") from None
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: expected a YAML mapping of settings at the top level")
        data = loaded
    for key, value in parse_overrides(overrides):
        set_key(data, key, value)
    return validate_config(data, str(path) if path is not None else "config")


def validate_config(data: dict[str, Any], where: str = "config") -> TrainConfig:
    """Validate a config mapping; unknown keys get the closest valid names in the message."""
    try:
        return TrainConfig.model_validate(data)
    except ValidationError as exc:
        lines = []
        for e in exc.errors(include_url=False):
            key = ".".join(str(p) for p in e["loc"])
            msg = e["msg"].removeprefix("Value error, ")
            if e["type"] == "extra_forbidden":
                msg = "unknown setting" + _suggest(e["loc"])
            lines.append(f"{where}: {key or '(top level)'}: {msg}")
        raise ConfigError("\n".join(lines)) from None


def _suggest(loc: tuple[Any, ...]) -> str:
    model: Any = TrainConfig
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return ""
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        model = next((a for a in (annotation, *args) if hasattr(a, "model_fields")), None)
        if model is None:
            return ""
    close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=3, cutoff=0.5)
    return f"; did you mean {' or '.join(close)}?" if close else f"; valid: {', '.join(model.model_fields)}"


def dump_config(cfg: TrainConfig) -> str:
    """The config as YAML (what checkpoints store)."""
    return yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def bundled_config(name: str) -> Path | None:
    """A config shipped in ``lamm_model/configs/`` by name (``sample_cpu`` or ``sample_cpu.yaml``), if any."""
    from importlib import resources

    stem = name.removesuffix(".yaml")
    if "/" in stem or "\\" in stem:
        return None
    path = Path(str(resources.files("lamm_model") / "configs" / f"{stem}.yaml"))
    return path if path.is_file() else None
