"""The EPCL encoder's architecture settings (``model.pointcloud.epcl``), LAMM's argument names in brackets.

LAMM builds the encoder from the ``argparse.Namespace`` stored in its EPCL checkpoint
(``src/model/LAMM/EPCL/model_3detr.py`` ``build_epcl_encoder``); :func:`lamm_model.epcl.checkpoint.config_from_args`
turns that Namespace into these settings. Defaults: CLIP ViT-L/14 blocks (width 1024, 24 layers, 16 heads)
and the two-stage PointNet++ pre-encoder 40,000 -> 2,048 -> 256 points (the shapes LAMM's code comments
describe for ``pointnet_downsample``; the released checkpoint's own args decide on import).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class EpclConfig(BaseModel):
    """Architecture of :class:`lamm_model.epcl.encoder.EpclEncoder`."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    pointnet_downsample: bool = True
    """Two set-abstraction stages (``preenc_npoints`` then ``vit_num_token`` centres) [pointnet_downsample];
    false: one stage of ``preenc_npoints`` centres, radius ``preenc_radius``."""
    preenc_npoints: int = Field(2048, ge=1)
    """Centres of the first set-abstraction stage [preenc_npoints]."""
    vit_num_token: int = Field(256, ge=1)
    """Centres of the second stage, the transformer's point tokens [vit_num_token]."""
    preenc_radius: float = Field(0.2, gt=0)
    """Ball radius of the single stage (metres) [preenc_radius]; the two-stage form uses 0.2 and 0.2 x ratio."""
    width: int = Field(1024, ge=1)
    """Token width: CLIP width, pre-encoder output and position-embedding output [enc_dim]."""
    layers: int = Field(24, ge=0)
    """CLIP transformer blocks [the CLIP model of clip_vit]."""
    heads: int = Field(16, ge=1)
    """Attention heads of the CLIP blocks."""
    task_tokens: int = Field(19, ge=0)
    """Learned task tokens appended after the point tokens [use_task_emb; 19 for dataset_name scannet]."""
    input_precision: Literal["float16", "float32"] = "float16"
    """Precision the cloud is rounded to before the encoder. LAMM casts it to the LLM's dtype, fp16 in training
    (DeepSpeed fp16) and evaluation (``.half()``), before the pointnet2 ops read it back as float32, so its FPS and
    ball query saw fp16 coordinates (about 4 mm steps at 5 m); ``float32`` keeps the stored values. Not part of
    the weights' architecture."""

    ARCHITECTURE_EXCLUDES: ClassVar[frozenset[str]] = frozenset({"input_precision"})

    @model_validator(mode="after")
    def _shapes(self) -> EpclConfig:
        if self.width % self.heads:
            raise ValueError(f"model.pointcloud.epcl.width ({self.width}) must be divisible by heads ({self.heads})")
        if self.pointnet_downsample and self.preenc_npoints < self.vit_num_token:
            raise ValueError(f"model.pointcloud.epcl.preenc_npoints ({self.preenc_npoints}) must be >= "
                             f"vit_num_token ({self.vit_num_token})")
        return self

    def architecture(self) -> dict[str, object]:
        """The fields that shape the weights (what a checkpoint records and must match)."""
        return self.model_dump(exclude=set(self.ARCHITECTURE_EXCLUDES))

    @property
    def output_tokens(self) -> int:
        """Point tokens the encoder returns (LAMM then keeps the first ``num_vision_token``)."""
        return self.vit_num_token if self.pointnet_downsample else self.preenc_npoints
