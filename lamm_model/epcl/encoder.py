"""EPCL, LAMM's 3D encoder: PointNet++ set abstraction -> frozen CLIP transformer blocks over point patches.

``(B, N, 3 + C)`` clouds (x, y, z in metres as stored, then optional channels such as normalised RGB) ->
``(B, T, width)`` tokens. Module and parameter names equal the state-dict keys of LAMM's
``Model3DETR_encoder`` (``src/model/LAMM/EPCL/model_3detr.py``), so the released ``epcl_vit-L_256tokens``
weights load unchanged (:mod:`lamm_model.epcl.checkpoint`):

* ``pre_encoder``: one ``PointnetSAModuleVotes`` stage, or ``layers.0``/``layers.1`` of two (``pointnet_downsample``):
  FPS centres, ball-query groups (xyz relative to the centre, divided by the radius, then the group's
  features), a shared 1x1 conv + BatchNorm + ReLU MLP (``mlp_module.layer{i}.conv``/``.bn.bn``), max over the group.
* ``encoder``: ``pos_embed`` (Linear 3 -> 128, GELU, Linear -> width) of the centre xyz added to the features,
  ``clip_vit.ln_pre``, then ``clip_vit.transformer.resblocks`` over the point tokens followed by the task tokens;
  the point tokens come out (no ``ln_post``, no projection).
* ``te_encoder``: the task tokens, ``trans(embedding(0..T-1))`` (Linear, GELU, Linear).

The index work runs in float32 on the input's device with :mod:`lamm_model.epcl.ops` (no custom ops).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import nn

from lamm_model.epcl import ops
from lamm_model.epcl.config import EpclConfig

if TYPE_CHECKING:
    from lamm_model.config import PointCloudConfig


class _BatchNorm(nn.Module):
    """Holds ``bn`` so the keys read ``…bn.bn.weight`` as in pointnet2's ``pytorch_utils._BNBase``."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.bn = nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(x)


class _ConvBnRelu(nn.Module):
    """1x1 conv (no bias) -> BatchNorm2d -> ReLU, keys ``conv.weight`` and ``bn.bn.*``."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel_size=1, bias=False)
        self.bn = _BatchNorm(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(x)))


class SharedMLP(nn.Sequential):
    """The per-point MLP of a set-abstraction stage; children ``layer0``, ``layer1``, …"""

    def __init__(self, dims: list[int]) -> None:
        super().__init__()
        for i in range(len(dims) - 1):
            self.add_module(f"layer{i}", _ConvBnRelu(dims[i], dims[i + 1]))


class SetAbstraction(nn.Module):
    """One PointNet++ stage (``PointnetSAModuleVotes`` with ``use_xyz``, ``normalize_xyz``, max pooling).

    Args:
        npoint: centres picked by farthest-point sampling.
        radius: ball radius (cloud units, metres).
        nsample: points per group.
        mlp: channel widths, the first being the input features' (3 for xyz is added).
    """

    def __init__(self, npoint: int, radius: float, nsample: int, mlp: list[int], *,
                 centre_chunk: int = 256) -> None:
        super().__init__()
        self.npoint, self.radius, self.nsample = npoint, radius, nsample
        self.mlp_module = SharedMLP([mlp[0] + 3, *mlp[1:]])
        self.centre_chunk = centre_chunk

    def forward(self, xyz: torch.Tensor, features: torch.Tensor | None = None,
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``xyz`` ``(B, N, 3)``, ``features`` ``(B, C, N)`` -> centres ``(B, npoint, 3)`` (float32), features
        ``(B, mlp[-1], npoint)`` (in the weights' dtype) and the centres' indices ``(B, npoint)``."""
        dtype = self.mlp_module.layer0.conv.weight.dtype
        xyz = xyz.float()
        with torch.no_grad():
            inds = ops.furthest_point_sample(xyz, self.npoint)
            new_xyz = ops.gather_points(xyz, inds)
            groups = ops.ball_query(xyz, new_xyz, self.radius, self.nsample)
        xyz_t = xyz.transpose(1, 2).contiguous()
        centres_t = new_xyz.transpose(1, 2).unsqueeze(-1)
        pooled = []
        for lo in range(0, self.npoint, self.centre_chunk):  # bounds the (B, C, centres, nsample) block
            idx = groups[:, lo:lo + self.centre_chunk]
            grouped = (ops.group_points(xyz_t, idx) - centres_t[:, :, lo:lo + self.centre_chunk]) / self.radius
            if features is not None:
                grouped = torch.cat([grouped, ops.group_points(features, idx)], dim=1)
            out = self.mlp_module(grouped.to(dtype))
            pooled.append(out.amax(dim=3))
        return new_xyz, torch.cat(pooled, dim=2), inds


class PreEncoder(nn.Module):
    """Two set-abstraction stages (LAMM's ``Pointnet2Preencoder``): ``preenc_npoints`` centres, radius 0.2,
    64 points, MLP (in, 64, 256); then ``vit_num_token`` centres, radius 0.2 r, 64 r points, MLP (256, 512,
    width), with ``r = preenc_npoints // vit_num_token``."""

    def __init__(self, cfg: EpclConfig, in_features: int) -> None:
        super().__init__()
        ratio = cfg.preenc_npoints // cfg.vit_num_token
        self.layers = nn.ModuleList([
            SetAbstraction(cfg.preenc_npoints, 0.2, 64, [in_features, 64, 256]),
            SetAbstraction(cfg.vit_num_token, 0.2 * ratio, 64 * ratio, [256, 512, cfg.width]),
        ])

    def forward(self, xyz: torch.Tensor, features: torch.Tensor | None = None,
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        inds = torch.empty(0)
        for layer in self.layers:
            if features is not None:
                features = features.float()
            xyz, features, inds = layer(xyz, features)
        return xyz, features, inds  # type: ignore[return-value]  # a layer always returns features


class _QuickGELU(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(1.702 * x)


class ResidualAttentionBlock(nn.Module):
    """OpenAI CLIP's pre-norm block: ``x + attn(ln_1(x))``, then ``x + mlp(ln_2(x))`` (QuickGELU MLP x4)."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.attn = nn.MultiheadAttention(width, heads, batch_first=True)
        self.ln_1 = nn.LayerNorm(width)
        self.mlp = nn.Sequential()
        self.mlp.add_module("c_fc", nn.Linear(width, 4 * width))
        self.mlp.add_module("gelu", _QuickGELU())
        self.mlp.add_module("c_proj", nn.Linear(4 * width, width))
        self.ln_2 = nn.LayerNorm(width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.ln_2(x))


class _Transformer(nn.Module):
    def __init__(self, width: int, layers: int, heads: int) -> None:
        super().__init__()
        self.resblocks = nn.Sequential(*[ResidualAttentionBlock(width, heads) for _ in range(layers)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.resblocks(x)


class ClipBlocks(nn.Module):
    """The parts of CLIP's ``VisionTransformer`` that EPCL runs: ``ln_pre`` and ``transformer``."""

    def __init__(self, width: int, layers: int, heads: int) -> None:
        super().__init__()
        self.ln_pre = nn.LayerNorm(width)
        self.transformer = _Transformer(width, layers, heads)


class PointTransformer(nn.Module):
    """LAMM's ``CLIPVITEncoder``: xyz-MLP position embedding + CLIP blocks over point tokens (+ task tokens)."""

    def __init__(self, width: int, layers: int, heads: int) -> None:
        super().__init__()
        self.pos_embed = nn.Sequential(nn.Linear(3, 128), nn.GELU(), nn.Linear(128, width))
        self.drop_out = nn.Dropout(0.3)
        self.clip_vit = ClipBlocks(width, layers, heads)

    def forward(self, x: torch.Tensor, xyz: torch.Tensor, task: torch.Tensor | None) -> torch.Tensor:
        """``x`` ``(B, N, width)`` at centres ``xyz`` ``(B, N, 3)`` -> ``(B, N, width)``."""
        n = x.shape[1]
        x = self.clip_vit.ln_pre(self.drop_out(x + self.pos_embed(xyz)))
        if task is not None:
            x = torch.cat([x, task], dim=1)
        return self.clip_vit.transformer(x)[:, :n]


class TaskTokens(nn.Module):
    """LAMM's ``TaskEmbEncoder``: ``trans(embedding(arange(count)))``, shared by every cloud."""

    def __init__(self, count: int, width: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(count, width)
        self.trans = nn.Sequential(nn.Linear(width, width), nn.GELU(), nn.Linear(width, width))

    def forward(self, batch: int) -> torch.Tensor:
        ids = torch.arange(self.embedding.num_embeddings, device=self.embedding.weight.device)
        return self.trans(self.embedding(ids)).unsqueeze(0).expand(batch, -1, -1)


class EpclEncoder(nn.Module):
    """``(B, N, 3 + C)`` clouds -> ``(B, num_tokens, width)`` EPCL tokens (LAMM's ``Model3DETR_encoder``).

    Args:
        cfg: the architecture.
        in_features: channels after xyz (0 for xyz only, 3 with colour: LAMM's ``3 * use_color``).
        num_tokens: tokens kept (LAMM's ``num_vision_token``: the first ones); default all.
    """

    def __init__(self, cfg: EpclConfig, in_features: int = 0, num_tokens: int | None = None) -> None:
        super().__init__()
        self.cfg = cfg
        self.in_features = in_features
        self.width = cfg.width
        self.num_tokens = min(num_tokens or cfg.output_tokens, cfg.output_tokens)
        if cfg.pointnet_downsample:
            self.pre_encoder: nn.Module = PreEncoder(cfg, in_features)
        else:
            self.pre_encoder = SetAbstraction(cfg.preenc_npoints, cfg.preenc_radius, 64,
                                              [in_features, 64, 128, cfg.width])
        self.encoder = PointTransformer(cfg.width, cfg.layers, cfg.heads)
        self.te_encoder = TaskTokens(cfg.task_tokens, cfg.width) if cfg.task_tokens else None

    @property
    def in_channels(self) -> int:
        """Columns per input point: xyz plus ``in_features``."""
        return 3 + self.in_features

    @property
    def min_points(self) -> int:
        """Fewest points a cloud may have (FPS and ball query accept any non-empty cloud)."""
        return 1

    rounds_its_input = True
    """The model hands clouds over as they are (not cast to the weights' dtype first): :meth:`encode` rounds
    them to ``input_precision`` itself, as LAMM cast them to its fp16 LLM dtype, so a bf16 model picks the same
    points as LAMM."""

    def encode(self, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Centres ``(B, T, 3)`` and tokens ``(B, T, width)`` of every output token (before ``num_tokens``).

        The index work always runs in float32 on the (``input_precision``-rounded) cloud, whatever the input's
        dtype; the layers run in their weights' dtype."""
        if points.dim() != 3 or points.shape[-1] != self.in_channels:
            raise ValueError(f"EPCL expects clouds (B, N, {self.in_channels}) (xyz"
                             f"{' + ' + str(self.in_features) + ' features' if self.in_features else ''}), "
                             f"got {tuple(points.shape)}")
        points = points.float()
        if self.cfg.input_precision == "float16":  # as LAMM's encode_pcl: cloud.to(llm dtype = fp16)
            points = points.half().float()
        xyz = points[..., :3].contiguous()
        feats = points[..., 3:].transpose(1, 2).contiguous() if self.in_features else None
        centres, tokens, _ = self.pre_encoder(xyz, feats)
        tokens = tokens.transpose(1, 2)
        dtype = self.encoder.pos_embed[0].weight.dtype
        task = self.te_encoder(tokens.shape[0]).to(dtype) if self.te_encoder is not None else None
        return centres, self.encoder(tokens.to(dtype), centres.to(dtype), task)

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        """The first ``num_tokens`` tokens ``(B, num_tokens, width)`` of clouds ``(B, N, 3 + in_features)``."""
        return self.encode(points)[1][:, : self.num_tokens]


def build_epcl(cfg: PointCloudConfig) -> EpclEncoder:
    """The EPCL encoder of ``model.pointcloud`` (``encoder: epcl``), with ``pretrained`` weights when set.

    ``pretrained`` is LAMM's EPCL checkpoint (read safely) or converted safetensors; the architecture it was
    trained with (its args or metadata) must equal ``cfg.epcl`` and ``use_color``.

    Raises:
        ConfigError: unreadable weights, or weights of another architecture (names what differs).
    """
    from lamm_model.config import ConfigError
    from lamm_model.epcl.checkpoint import EpclCheckpointError, load_epcl_weights, stored_architecture

    in_features = 3 if cfg.use_color else 0
    module = EpclEncoder(cfg.epcl, in_features, cfg.num_tokens)
    if cfg.pretrained is not None:
        try:
            stored = stored_architecture(cfg.pretrained)
            if stored is not None and (stored[0].architecture(), stored[1]) != (cfg.epcl.architecture(), cfg.use_color):
                differ = [f"{k}: {v!r} (weights) vs {getattr(cfg.epcl, k)!r} (config)"
                          for k, v in stored[0].architecture().items() if getattr(cfg.epcl, k) != v]
                if stored[1] != cfg.use_color:
                    differ.append(f"use_color: {stored[1]} (weights) vs {cfg.use_color} (config)")
                raise ConfigError(f"model.pointcloud.pretrained: {cfg.pretrained} was trained with another EPCL "
                                  f"architecture than model.pointcloud.epcl: {'; '.join(differ)}")
            module.load_state_dict(load_epcl_weights(cfg.pretrained, cfg.epcl, in_features))
        except EpclCheckpointError as exc:
            raise ConfigError(f"model.pointcloud.pretrained: {exc}") from None
    return module
