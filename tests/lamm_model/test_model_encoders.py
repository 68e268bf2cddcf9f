"""The point tokenizer (FPS + kNN groups + mini-PointNet) and CLIP patch features."""

from __future__ import annotations

import itertools

import torch
from transformers import CLIPVisionConfig, CLIPVisionModel

from lamm_model.encoders import PointTokenizer, clip_patch_features, farthest_point_sample, gather_points


def test_farthest_point_sampling_spreads_over_the_cube() -> None:
    corners = torch.tensor(list(itertools.product((0.0, 1.0), repeat=3)))
    inner = torch.full((20, 3), 0.5) + 0.01 * torch.arange(20).unsqueeze(1)
    cloud = torch.cat([corners[:1], inner, corners[1:]]).unsqueeze(0)  # (1, 28, 3)
    picked = farthest_point_sample(cloud, 8)[0].tolist()
    assert picked[0] == 0 and len(set(picked)) == 8
    assert sorted(picked) == [0, *range(21, 28)]  # the 8 corners, not the cluster in the middle


def test_gather_points_matches_indexing() -> None:
    points = torch.randn(2, 10, 4, generator=torch.Generator().manual_seed(0))
    index = torch.tensor([[[1, 2], [3, 9]], [[0, 0], [5, 4]]])
    out = gather_points(points, index)
    assert out.shape == (2, 2, 2, 4)
    assert torch.equal(out[1, 1, 0], points[1, 5]) and torch.equal(out[0, 0, 1], points[0, 2])


def test_point_tokenizer_shapes_determinism_and_gradients() -> None:
    torch.manual_seed(0)
    tokenizer = PointTokenizer(in_channels=6, num_tokens=8, group_size=5, width=16, depth=1, heads=2)
    clouds = torch.randn(3, 50, 6, generator=torch.Generator().manual_seed(1))
    tokens = tokenizer(clouds)
    assert tokens.shape == (3, 8, 16) and torch.isfinite(tokens).all()
    assert torch.equal(tokens, tokenizer(clouds))
    tokens.sum().backward()
    assert all(p.grad is not None for p in tokenizer.parameters())


def test_groups_are_local_and_nearest() -> None:
    tokenizer = PointTokenizer(num_tokens=2, group_size=3, width=8, depth=0, heads=1)
    cloud = torch.tensor([[[0.0, 0, 0], [0.1, 0, 0], [0.2, 0, 0], [10, 0, 0], [10.1, 0, 0], [10.2, 0, 0]]])
    centres, groups = tokenizer.group(cloud)
    assert torch.allclose(centres[0], torch.tensor([[0.0, 0, 0], [10.2, 0, 0]]))
    assert groups.shape == (1, 2, 3, 3)
    assert groups[0, 0, :, 0].abs().max() <= 0.2 + 1e-6  # relative to its centre, only near points
    assert sorted(round(v, 4) for v in groups[0, 1, :, 0].tolist()) == [-0.2, -0.1, 0.0]


def test_clip_patch_features_drop_the_class_token() -> None:
    config = CLIPVisionConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=2, num_attention_heads=2,
                              image_size=16, patch_size=4)
    vision = CLIPVisionModel(config).eval()
    pixels = torch.randn(2, 3, 16, 16)
    feats = clip_patch_features(vision, pixels, layer=-2, num_tokens=None)
    assert feats.shape == (2, 16, 16)
    full = vision(pixel_values=pixels, output_hidden_states=True).hidden_states[-2]
    assert torch.equal(feats, full[:, 1:])
    assert clip_patch_features(vision, pixels, layer=-1, num_tokens=5).shape == (2, 5, 16)
