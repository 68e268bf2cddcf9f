"""Vision encoders: CLIP patch features for images and an EPCL-like point-patch tokenizer for point clouds.

Point clouds are ``(B, N, C)`` float tensors, columns x, y, z in metres (as stored), then optional
extra channels (normalised RGB). The tokenizer follows the Point-BERT/EPCL recipe: farthest-point
sampling picks ``G`` centres, each centre groups its ``K`` nearest neighbours, a shared mini-PointNet
embeds each group (coordinates relative to its centre), a small MLP embeds the centre position, and
a few transformer layers mix the ``G`` tokens. No custom CUDA ops; everything is plain torch.
"""

from __future__ import annotations

import torch
from torch import nn


def farthest_point_sample(xyz: torch.Tensor, count: int) -> torch.Tensor:
    """Indices ``(B, count)`` of farthest-point-sampled points of ``xyz`` ``(B, N, 3)``, starting at point 0.

    Deterministic: the same cloud always gives the same centres.
    """
    batch, n, _ = xyz.shape
    chosen = torch.zeros(batch, count, dtype=torch.long, device=xyz.device)
    distance = torch.full((batch, n), float("inf"), device=xyz.device, dtype=xyz.dtype)
    last = torch.zeros(batch, dtype=torch.long, device=xyz.device)
    rows = torch.arange(batch, device=xyz.device)
    for i in range(count):
        chosen[:, i] = last
        step = ((xyz - xyz[rows, last].unsqueeze(1)) ** 2).sum(-1)
        distance = torch.minimum(distance, step)
        last = distance.argmax(-1)
    return chosen


def gather_points(points: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``points`` ``(B, N, C)`` indexed by ``index`` ``(B, ...)`` -> ``(B, ..., C)``."""
    batch = points.shape[0]
    flat = index.reshape(batch, -1)
    picked = torch.gather(points, 1, flat.unsqueeze(-1).expand(-1, -1, points.shape[-1]))
    return picked.reshape(*index.shape, points.shape[-1])


class PointTokenizer(nn.Module):
    """``(B, N, C)`` point clouds -> ``(B, num_tokens, width)`` tokens (EPCL-like, trained from scratch).

    Args:
        in_channels: columns per point (3 for xyz, 6 with colour).
        num_tokens: group centres (tokens) per cloud.
        group_size: neighbours per group.
        width: token width.
        depth: transformer layers after the group embedding (0: none).
        heads: attention heads.
    """

    def __init__(self, in_channels: int = 3, num_tokens: int = 256, group_size: int = 32, width: int = 384,
                 depth: int = 2, heads: int = 6) -> None:
        super().__init__()
        self.num_tokens, self.group_size, self.width = num_tokens, group_size, width
        hidden = max(width // 2, 32)
        self.point_mlp = nn.Sequential(nn.Linear(in_channels, hidden), nn.LayerNorm(hidden), nn.GELU(),
                                       nn.Linear(hidden, hidden))
        self.group_mlp = nn.Sequential(nn.Linear(2 * hidden, width), nn.LayerNorm(width), nn.GELU(),
                                       nn.Linear(width, width))
        self.position = nn.Sequential(nn.Linear(3, hidden), nn.GELU(), nn.Linear(hidden, width))
        layer = nn.TransformerEncoderLayer(width, heads, dim_feedforward=4 * width, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False) if depth else nn.Identity()
        self.norm = nn.LayerNorm(width)

    @property
    def in_channels(self) -> int:
        """Columns per input point."""
        return self.point_mlp[0].in_features

    @property
    def min_points(self) -> int:
        """Fewest points a cloud may have (``num_tokens`` centres, ``group_size`` neighbours)."""
        return max(self.num_tokens, self.group_size)

    def group(self, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Centres ``(B, G, 3)`` and groups ``(B, G, K, C)`` with xyz relative to their centre."""
        xyz = points[..., :3]
        centres = gather_points(xyz, farthest_point_sample(xyz, self.num_tokens))
        neighbours = torch.cdist(centres, xyz).topk(self.group_size, dim=-1, largest=False).indices
        groups = gather_points(points, neighbours)
        local = torch.cat([groups[..., :3] - centres.unsqueeze(2), groups[..., 3:]], dim=-1)
        return centres, local

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        """Tokens ``(B, num_tokens, width)`` of clouds ``(B, N, C)``."""
        with torch.no_grad():
            centres, local = self.group(points.float())
        feats = self.point_mlp(local.to(points.dtype))  # (B, G, K, h)
        pooled = feats.max(dim=2, keepdim=True).values.expand_as(feats)
        feats = self.group_mlp(torch.cat([feats, pooled], dim=-1)).max(dim=2).values  # (B, G, width)
        tokens = feats + self.position(centres.to(feats.dtype))
        return self.norm(self.blocks(tokens))


def clip_patch_features(vision: nn.Module, pixel_values: torch.Tensor, layer: int,
                        num_tokens: int | None) -> torch.Tensor:
    """Patch features ``(B, P, hidden)`` of a transformers ``CLIPVisionModel``: ``hidden_states[layer]``
    without the class token, the first ``num_tokens`` patches (all when ``None``)."""
    out = vision(pixel_values=pixel_values, output_hidden_states=True)
    patches = out.hidden_states[layer][:, 1:]
    return patches if num_tokens is None else patches[:, :num_tokens]
