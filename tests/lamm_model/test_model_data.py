"""Samples: tokens and loss masks, the checks before step 1 (lamm_model.checks), media, batches, data order."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from lamm_data.catalog import BENCHMARKS, resolve
from lamm_data.schemas import JOINT_NAMES
from lamm_model.answers import reference_turns
from lamm_model.checks import CheckReport, check_samples, count_supervised
from lamm_model.config import PointCloudConfig
from lamm_model.data import (
    CLIP_MEAN,
    CLIP_STD,
    Source,
    assemble,
    batch_stream,
    clip_pixels,
    collate,
    encode,
    epoch_batches,
    load_rows,
    open_sources,
    prepare_points,
)
from lamm_model.model import IGNORE, IMAGE, PCL
from lamm_model.prompts import training_parts
from lamm_model.tokenizer import byte_tokenizer

TOK = byte_tokenizer()


def test_only_assistant_tokens_are_supervised() -> None:
    turns = [{"from": "human", "value": "Q1"}, {"from": "gpt", "value": "Fine."},
             {"from": "human", "value": "Q2"}, {"from": "gpt", "value": "Done."}]
    enc = encode(TOK, training_parts(turns, "normal", "image", use_system=False), media_len=5, max_length=None)
    assert enc.input_ids[0] == TOK.bos_token_id
    assert TOK.decode(enc.input_ids[1:enc.media_start]) == "### Human: <Img>"
    assert enc.media_len == 5 and all(lab == IGNORE for lab in enc.labels[:enc.media_start + 5])
    supervised = [t for t, lab in zip(enc.input_ids, enc.labels, strict=True) if lab != IGNORE]
    assert TOK.decode(supervised) == "Fine.\n###Done.\n###"
    assert TOK.decode(enc.input_ids[enc.media_start + 5:]) == (
        "</Img> Q1\n### Assistant:Fine.\n###Human: Q2\n### Assistant:Done.\n###")
    assert enc.supervised == len("Fine.\n###Done.\n###") and not enc.truncated


def test_truncation_cuts_at_the_end() -> None:
    enc = assemble(1, [2, 3], 2, [([4, 5], False), ([6, 7, 8], True)], max_length=7)
    assert enc.input_ids == [1, 2, 3, 0, 0, 4, 5] and enc.truncated and enc.supervised == 0
    enc = assemble(1, [2, 3], 2, [([4, 5], False), ([6, 7, 8], True)], max_length=8)
    assert enc.labels[-1] == 6 and enc.supervised == 1


def test_check_arithmetic_equals_assembling() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        prefix = rng.integers(0, 5, size=int(rng.integers(0, 4))).tolist()
        segments = [(rng.integers(0, 9, size=int(rng.integers(0, 6))).tolist(), bool(rng.integers(0, 2)))
                    for _ in range(int(rng.integers(1, 5)))]
        media, max_length = int(rng.integers(0, 4)), int(rng.integers(1, 30))
        enc = assemble(7, prefix, media, segments, max_length)
        supervised, total = count_supervised(1 + len(prefix), media, [(len(s), sup) for s, sup in segments],
                                             max_length)
        assert supervised == enc.supervised and (total > max_length) == enc.truncated


def _broken_root(model_root: Path, tmp_path: Path) -> Path:
    root = tmp_path / "root"
    shutil.copytree(model_root, root)
    meta = root / "2D_Instruct" / "meta_file" / "LAMM_instruct_186k.json"
    items = json.loads(meta.read_text(encoding="utf-8"))
    items[1]["conversations"] += [{"from": "human", "value": "<image>\nAnd this one?"},
                                  {"from": "gpt", "value": "Another."}]
    items[2]["conversations"][1]["value"] = "  "
    items[4]["task_type"] = "dance"
    items[5]["conversations"][0]["value"] = "Why? " * 200
    meta.write_text(json.dumps(items), encoding="utf-8")
    return root


def test_checks_find_each_problem_and_count_them_per_file(model_root: Path, tmp_path: Path, make_config) -> None:
    root = _broken_root(model_root, tmp_path)
    cfg = make_config(overrides=[f"data.root={root}", "model.use_system=true", "data.max_length=900"])
    sources = open_sources(cfg.data, tmp_path)
    rows = sources[0].rows
    (Path(rows[3]["image"]["path"])).unlink()  # media vanished after conversion
    report = check_samples(sources, TOK, cfg.model, cfg.data.max_length, {IMAGE: 4, PCL: 4})
    by_index = {(p.source, p.index): p for p in report.problems}
    label = "2D_Instruct/meta_file/LAMM_instruct_186k.json"
    assert by_index[(label, 1)].kind == "placeholder"
    assert "turn 2 (human) contains <image>" in by_index[(label, 1)].message
    assert by_index[(label, 2)].kind == "empty_answer"
    assert by_index[(label, 3)].kind == "media" and "not found" in by_index[(label, 3)].message
    assert by_index[(label, 4)].kind == "task_type" and "'dance'" in by_index[(label, 4)].message
    assert by_index[(label, 5)].kind == "no_supervised_tokens"
    assert str(by_index[(label, 2)]).startswith(f"{label}:2:{rows[2]['id']}:empty_answer: ")
    first = report.sources[0]
    assert (first.total, first.bad) == (8, 5)
    assert dict(first.kinds) == {"placeholder": 1, "empty_answer": 1, "media": 1, "task_type": 1,
                                 "no_supervised_tokens": 1}
    assert (report.sources[1].total, report.sources[1].bad) == (4, 0)
    assert report.valid == [(0, 0), (0, 6), (0, 7), (1, 0), (1, 1), (1, 2), (1, 3)]
    assert report.bad_fraction == pytest.approx(5 / 12)


def test_required_placeholder_is_enforced_per_source(make_config, tmp_path: Path) -> None:
    cfg = make_config(sources=[{"name": "LAMM_instruct_186k", "placeholder": "required"}])
    report = check_samples(open_sources(cfg.data, tmp_path), TOK, cfg.model, 512, {IMAGE: 4})
    missing = [p.index for p in report.problems if p.kind == "placeholder"]
    assert missing == [0, 2, 3, 4, 5, 6, 7]  # only item 1 writes "<image>\n"
    assert "no <image> placeholder" in report.problems[0].message


def test_check_and_training_agree_on_truncation(make_config, tmp_path: Path) -> None:
    cfg = make_config(sources=[{"name": "LAMM_instruct_186k"}])
    source = open_sources(cfg.data, tmp_path)[0]
    row = source.rows[0]
    parts = training_parts(*source.turns(row), "image", use_system=False)
    full = encode(TOK, parts, 4, None)
    first_answer = full.labels.index(next(lab for lab in full.labels if lab != IGNORE))
    for max_length, ok in ((first_answer, False), (first_answer + 2, True)):
        report = check_samples([source], TOK, cfg.model, max_length, {IMAGE: 4})
        assert ((0, 0) in report.valid) is ok
        assert (encode(TOK, parts, 4, max_length).supervised > 0) is ok


def test_shards_of_the_check_merge_to_the_whole(make_config, tmp_path: Path) -> None:
    cfg = make_config()
    sources = open_sources(cfg.data, tmp_path)
    whole = check_samples(sources, TOK, cfg.model, 512, {IMAGE: 4, PCL: 4})
    parts = [check_samples(sources, TOK, cfg.model, 512, {IMAGE: 4, PCL: 4}, shard=(r, 3)) for r in range(3)]
    merged = CheckReport.merge(parts)
    assert merged.valid == whole.valid and merged.total == whole.total == 12


@pytest.mark.parametrize("name", BENCHMARKS)
def test_every_benchmark_renders_training_answers(model_root: Path, name: str) -> None:
    entry = resolve(name)
    rows = load_rows(name, model_root)
    for row in rows:
        turns = reference_turns(entry, row)
        assert turns[0]["value"].startswith(row["query"].split("{}")[0])
        assert all(t["value"].strip() for t in turns)


def test_rendered_answers_use_lamm_conventions(model_root: Path) -> None:
    def first(name: str) -> tuple[dict, list[dict]]:
        row = load_rows(name, model_root)[0]
        return row, reference_turns(resolve(name), row)

    _, turns = first("Detection_VOC2012")
    assert turns[1]["value"].startswith("There is an object at the [0.10, 0.22, 0.94, 0.93] position of the image, "
                                        "and its category is horse.")
    row, turns = first("Keypoints_Detection_LSP")
    assert len(turns) == 28 and turns[0]["value"] == row["query"].format("right ankle")
    x, y = row["gt_joints"][0][:2]
    assert turns[1]["value"] == f"The right ankle is located at [{x / row['width']:.2f}, {y / row['height']:.2f}]."
    assert turns[-2]["value"] == row["query"].format(JOINT_NAMES[-1])
    _, turns = first("VQA_AI2D")
    assert turns[1]["value"] == "The answer is (B) pupa."
    _, turns = first("Detection_ScanNet")
    assert "chair category can be observed at the [1.512, 2.306, 0.448, 0.602, 0.577, 0.905]" in turns[1]["value"]
    _, turns = first("Counting_FSC147")
    assert turns[1]["value"] == "There are 3 of them in the image."
    _, turns = first("Facial_Classification_CelebA(Smile)")
    assert turns[1]["value"].startswith("Yes")
    row, turns = first("Classification_CIFAR10")  # the converted label is a ClassLabel index; answered by name
    assert row["label"] == 0 and turns[1]["value"] == "The category label for this image is airplane."
    _, turns = first("Fine-grained_Classification_UCMerced")
    assert turns[1]["value"] == "The fine-grained category label for this image is beach."
    with pytest.raises(ValueError, match="not a benchmark"):
        reference_turns(resolve("LAMM_instruct_186k"), {})


def test_benchmark_sources_train_with_their_task_type(make_config, tmp_path: Path) -> None:
    cfg = make_config(sources=[{"name": "VQA_ScanQA_multiplechoice"}, {"name": "Classification_CIFAR10"}])
    sources = open_sources(cfg.data, tmp_path)
    assert sources[0].turns(sources[0].rows[0])[1] == "VQA3d"
    assert sources[1].turns(sources[1].rows[0])[1] == "classification"
    report = check_samples(sources, TOK, cfg.model, 512, {IMAGE: 4, PCL: 4})
    assert report.bad == 0 and report.total == 7


def test_points_are_sampled_with_replacement_and_colour_normalised() -> None:
    cloud = np.concatenate([np.arange(30, dtype=np.float32).reshape(10, 3), np.full((10, 3), 109.8, np.float32)], 1)
    cfg = PointCloudConfig(num_points=25, num_tokens=4, group_size=4, width=8, heads=2, use_color=True)
    out = prepare_points(cloud, cfg, np.random.default_rng(0))
    assert out.shape == (25, 6) and out.dtype == torch.float32
    assert set(out[:, 0].tolist()) <= set(cloud[:, 0].tolist())
    assert torch.allclose(out[:, 3], torch.zeros(25), atol=1e-6)
    again = prepare_points(cloud, cfg, np.random.default_rng(0))
    assert torch.equal(out, again)
    xyz_only = prepare_points(cloud[:, :3], cfg, np.random.default_rng(0))
    assert xyz_only.shape == (25, 6) and float(xyz_only[:, 3:].abs().sum()) == 0.0
    plain = prepare_points(cloud, PointCloudConfig(num_points=5, num_tokens=4, group_size=4, width=8, heads=2),
                           np.random.default_rng(0))
    assert plain.shape == (5, 3) and len(set(plain[:, 0].tolist())) == 5  # without replacement


def test_clip_pixels_resize_crop_normalise() -> None:
    image = Image.new("RGB", (40, 20), (255, 0, 128))
    pixels = clip_pixels(image, 16)
    assert pixels.shape == (3, 16, 16)
    expected = [(v / 255 - m) / s for v, m, s in zip((255, 0, 128), CLIP_MEAN, CLIP_STD, strict=True)]
    assert torch.allclose(pixels[:, 8, 8], torch.tensor(expected), atol=1e-2)


def _item(n: int, start: int, media: int, kind: int) -> dict:
    item = {"input_ids": list(range(1, n + 1)), "labels": [IGNORE] * (n - 1) + [n], "media_start": start,
            "media_len": media, "modality": kind}
    item["pixels" if kind == IMAGE else "points"] = torch.full((3, 2, 2) if kind == IMAGE else (5, 3), float(n))
    return item


@pytest.mark.parametrize("left", [False, True])
def test_collate_pads_and_marks_vision_positions(left: bool) -> None:
    batch = collate([_item(6, 1, 2, IMAGE), _item(9, 1, 3, PCL), _item(4, 1, 2, IMAGE)], pad_id=0, left=left)
    assert batch["input_ids"].shape == (3, 9) and batch["tokens"] == 19
    offset = 3 if left else 0
    assert batch["media_mask"][0].nonzero().flatten().tolist() == [1 + offset, 2 + offset]
    assert batch["attention_mask"][0].tolist() == ([0] * 3 + [1] * 6 if left else [1] * 6 + [0] * 3)
    assert batch["labels"][0, -1 if left else 5].item() == 6
    assert batch["modality"].tolist() == [IMAGE, PCL, IMAGE]
    assert batch["images"][:, 0, 0, 0].tolist() == [6.0, 4.0] and batch["points"].shape == (1, 5, 3)


def test_epoch_order_is_seeded_complete_and_even_across_processes() -> None:
    one = epoch_batches(10, 3, seed=1, epoch=0)
    assert one == epoch_batches(10, 3, seed=1, epoch=0) != epoch_batches(10, 3, seed=1, epoch=1)
    assert sorted(set(i for b in one for i in b)) == list(range(10)) and all(len(b) == 3 for b in one)
    shards = [epoch_batches(10, 2, seed=1, epoch=0, rank=r, world=3) for r in range(3)]
    assert len({len(s) for s in shards}) == 1
    assert set(i for s in shards for b in s for i in b) == set(range(10))
    # the global batch of each step is the same whether dealt to 2 processes or taken by one
    two = [epoch_batches(8, 2, seed=3, epoch=0, rank=r, world=2) for r in range(2)]
    single = epoch_batches(8, 4, seed=3, epoch=0)
    assert [sorted(two[0][i] + two[1][i]) for i in range(2)] == [sorted(b) for b in single]


def test_batch_stream_resumes_mid_epoch() -> None:
    stream = batch_stream(7, 2, seed=0, start=(0, 0))
    full = [next(stream) for _ in range(9)]
    position, _ = full[4]
    resumed = batch_stream(7, 2, seed=0, start=position)
    assert [next(resumed) for _ in range(4)] == full[5:]
    assert full[3][0] == (0, 4) and full[4][0] == (1, 1)  # 4 batches per epoch, then epoch 1


def test_source_media_paths_resolve(model_root: Path) -> None:
    source = Source(resolve("VG_ScanRefer"), model_root, load_rows("VG_ScanRefer", model_root))
    path, data = source.media_path(source.rows[0])
    assert data is None and path is not None and path.is_file() and path.suffix == ".npy"


def test_clip_pixels_squash_for_training_and_centre_crop_for_prediction() -> None:
    from lamm_model.data import CLIP_MEAN, CLIP_STD, clip_pixels

    image = Image.new("RGB", (40, 20), (255, 0, 0))
    image.paste((0, 0, 255), (0, 0, 10, 20))  # left quarter blue
    squash, crop = clip_pixels(image, 8, "squash"), clip_pixels(image, 8, "crop")
    assert squash.shape == crop.shape == (3, 8, 8)
    blue = (1.0 - CLIP_MEAN[2]) / CLIP_STD[2]
    # squashed: the whole width kept, the left quarter (2 of 8 columns) is blue; cropped: the centre has no blue
    assert squash[2, :, 0].mean() == pytest.approx(blue, abs=0.05)
    assert squash[2, :, 7].mean() < 0 and crop[2, :, 0].mean() < 0
    expected = clip_pixels(image.resize((16, 8), Image.Resampling.BICUBIC).crop((4, 0, 12, 8)), 8, "squash")
    assert torch.allclose(crop, expected)


def test_text_after_the_vision_block_is_cut_at_max_text_tokens() -> None:
    from lamm_model.data import cut_length

    enc = assemble(1, [2, 3], 4, [([4, 5], False), ([6, 7, 8, 9], True)], None, max_text=3)
    assert enc.input_ids == [1, 2, 3, 0, 0, 0, 0, 4, 5, 6] and enc.truncated and enc.supervised == 1
    assert cut_length(3, 4, None, 3) == 10 and cut_length(3, 4, 8, 3) == 8 and cut_length(3, 4, None, None) is None
