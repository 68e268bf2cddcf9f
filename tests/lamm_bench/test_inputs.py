"""Reading predictions, loading ground truth (meta file or converted Arrow), joining them; every bad input's error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scoring_helpers import make_gt

from lamm_bench.errors import JoinError, PredictionsError
from lamm_bench.ground_truth import load_ground_truth
from lamm_bench.join import join
from lamm_bench.predictions import Prediction, prediction_schema, read_predictions
from lamm_data.catalog import BENCHMARKS
from lamm_data.errors import MissingDataError
from lamm_data.sample import write_sample


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample(tmp_path_factory.mktemp("lamm") / "root")


def write_lines(path: Path, lines: list) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines), encoding="utf-8")
    return path


def test_jsonl_aliases_and_int_ids(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "p.jsonl", [{"id": 0, "benchmark": "CIFAR10", "text": "a cat"}, "",
                                             {"id": "0", "benchmark": "VOC2012", "text": "x"}])
    preds = read_predictions(path)
    assert preds.by_benchmark == {"Classification_CIFAR10": [Prediction("0", "a cat", f"{path}:1")],
                                  "Detection_VOC2012": [Prediction("0", "x", f"{path}:3")]}
    assert preds.source["kind"] == "jsonl"


@pytest.mark.parametrize(("lines", "message"), [
    (['{"id": 1, "benchmark": "CIFAR10", "text": "a"}', '{"id": 2, "text": '], ":2: malformed JSON"),
    ([{"id": 1, "text": "a"}], ":1: benchmark: missing; give each record a benchmark or pass --benchmark"),
    ([{"id": 1, "benchmark": "CIFAR11", "text": "a"}], ":1: benchmark: unknown LAMM file 'CIFAR11'"),
    ([{"id": 1, "benchmark": "coco_images", "text": "a"}], "is coco_images, not a benchmark file"),
    ([{"benchmark": "CIFAR10", "text": "a"}], ":1: id: Field required"),
    ([{"id": 1.5, "benchmark": "CIFAR10", "text": "a"}], ":1: id"),
    ([{"id": 1, "benchmark": "CIFAR10", "text": 3}], ":1: text"),
    ([{"id": 1, "benchmark": "CIFAR10", "text": {"a": "b"}}], ":1: text: Classification_CIFAR10 expects a string"),
    ([{"id": 1, "benchmark": "LSP", "text": "[0.5, 0.5]"}], ":1: text: Keypoints_Detection_LSP expects an object"),
    ([{"id": 1, "benchmark": "LSP", "text": {str(k): "x" for k in range(15)}}], "15 entries; expected at most 14"),
    (["[1, 2]"], ":1: expected a JSON object"),
    ([{"id": 1, "benchmark": "CIFAR10", "text": "a"}, {"id": "1", "benchmark": "CIFAR10", "text": "b"}],
     "1 duplicate prediction id(s): Classification_CIFAR10 id '1' at"),
])
def test_bad_jsonl(tmp_path: Path, lines: list, message: str) -> None:
    path = write_lines(tmp_path / "p.jsonl", lines)
    with pytest.raises(PredictionsError) as info:
        read_predictions(path)
    assert message in str(info.value)
    assert str(path) in str(info.value) or "duplicate" in message


def test_benchmark_option_fills_and_filters(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "p.jsonl", [{"id": 1, "text": "a"}, {"id": 2, "benchmark": "SVT", "text": "b"}])
    preds = read_predictions(path, "CIFAR10")
    assert list(preds.by_benchmark) == ["Classification_CIFAR10"]
    assert preds.warnings == ["--benchmark Classification_CIFAR10: left out predictions of other benchmarks: "
                              "OCR_SVT (1)"]
    with pytest.raises(PredictionsError, match=r"^--benchmark: unknown LAMM file 'CIFAR11'"):
        read_predictions(path, "CIFAR11")


def test_legacy_folder_and_file(tmp_path: Path) -> None:
    folder = tmp_path / "answers"
    folder.mkdir()
    (folder / "VQA_AI2D.json").write_text(json.dumps([{"id": "1", "text": "A", "delta_path": "ckpt"}], indent=4))
    write_lines(folder / "VQA_AI2D.jsonl", [{"id": "1", "text": "A", "delta_path": "ckpt"}])
    write_lines(folder / "Keypoints_Dectection_LSP.jsonl", [{"id": 7, "text": {"neck": "[0.1, 0.2]"}}])
    (folder / "notes.json").write_text("{}")
    preds = read_predictions(folder)
    assert set(preds.by_benchmark) == {"VQA_AI2D", "Keypoints_Detection_LSP"}
    assert any("using VQA_AI2D.json" in w for w in preds.warnings)
    assert any("notes.json: not a LAMM answer file name" in w for w in preds.warnings)
    single = read_predictions(folder / "VQA_AI2D.json")
    assert single.source["kind"] == "legacy-file" and list(single.by_benchmark) == ["VQA_AI2D"]
    with pytest.raises(PredictionsError, match=r"\[0\]: benchmark: missing"):
        read_predictions(write_lines(tmp_path / "x.json", ['[{"id": 1, "text": "a"}]']))
    with pytest.raises(PredictionsError, match=r"no Detection_VOC2012\.json found"):
        read_predictions(folder, "VOC2012")


def test_schema_describes_the_record() -> None:
    schema = prediction_schema()
    assert schema["required"] == ["id", "text"]
    assert set(schema["properties"]) == {"id", "benchmark", "text"}


def test_ground_truth_from_meta_and_arrow_agree(root: Path, tmp_path: Path) -> None:
    import shutil

    from lamm_data.convert import convert_file
    from lamm_data.layout import find_meta

    arrow_root = tmp_path / "copy"
    shutil.copytree(root, arrow_root)
    for name in BENCHMARKS:
        convert_file(find_meta(arrow_root, name), arrow_root / ".lamm" / "arrow", name=name)
    for name in BENCHMARKS:
        meta, arrow = load_ground_truth(root, name), load_ground_truth(arrow_root, name)
        assert (meta.manifest["source"], arrow.manifest["source"]) == ("meta", "arrow")
        assert meta.manifest["sha256"] == arrow.manifest["sha256"]
        assert (meta.ids, meta.sizes, meta.cluster_keys, meta.cluster.tolist()) == (
            arrow.ids, arrow.sizes, arrow.cluster_keys, arrow.cluster.tolist())
        assert json.dumps(dict(meta.columns), sort_keys=True) == json.dumps(dict(arrow.columns), sort_keys=True)


def test_ground_truth_sizes_and_missing_images(root: Path, tmp_path: Path) -> None:
    lsp = load_ground_truth(root, "Keypoints_Detection_LSP")
    assert lsp.sizes is not None and len(lsp.sizes) == len(lsp)
    assert load_ground_truth(root, "Counting_FSC147").sizes is None  # not needed there
    scanqa = load_ground_truth(root, "VQA_ScanQA_multiplechoice")
    assert scanqa.n_clusters < len(scanqa)  # questions share scenes
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(root, broken)
    shutil.rmtree(broken / "2D_Benchmark" / "lsp_images")
    with pytest.raises(MissingDataError, match="Locating_LSP needs image sizes"):
        load_ground_truth(broken, "Locating_LSP")
    with pytest.raises(MissingDataError, match="lamm-data fetch"):
        load_ground_truth(tmp_path / "empty", "VQA_AI2D")


def test_join_by_id() -> None:
    gt = make_gt("OCR_SVT", {"word_list": [["a"], ["b"], ["c"]]}, ids=["x", "y", "z"])
    joined = join(gt, [Prediction("z", "c", "f:1"), Prediction("x", "a", "f:2")])
    assert joined.texts == ("a", None, "c")
    assert joined.missing_ids == ("y",)
    assert "1 of 3 item(s) have no prediction (counted as wrong): 'y'" in joined.warnings[0]
    with pytest.raises(JoinError, match=r"2 prediction id\(s\) not in the ground truth: 'q', 'r' \(e.g. at f:1\)"):
        join(gt, [Prediction("q", "", "f:1"), Prediction("r", "", "f:2")])


@pytest.mark.parametrize(("change", "reason"), [
    (lambda items: items[1].update(id=items[0]["id"]), "1 id(s) repeat"),
    (lambda items: items[2].pop("id"), "1 item(s) have no id"),
])
def test_join_by_position_when_ids_repeat_or_lack(root: Path, tmp_path: Path, change, reason: str) -> None:
    import shutil

    copy = tmp_path / "dup"
    shutil.copytree(root, copy)
    meta = copy / "2D_Benchmark" / "meta_file" / "OCR_SVT.json"
    items = json.loads(meta.read_text())
    change(items)
    meta.write_text(json.dumps(items))
    gt = load_ground_truth(copy, "OCR_SVT")
    assert gt.ids is None and reason in gt.positional_reason
    joined = join(gt, [Prediction("anything", "HOTEL", "f:1")])
    assert joined.texts == ("HOTEL", None, None)
    assert "joined by position" in joined.warnings[0]
    assert joined.missing_ids == ("#1", "#2")
    assert joined.warnings[1] == "OCR_SVT: the last 2 of 3 item(s) have no prediction (counted as wrong)"
    with pytest.raises(JoinError, match="4 predictions for 3 items"):
        join(gt, [Prediction(str(i), "", "f") for i in range(4)])


@pytest.mark.parametrize("content", [
    pytest.param(b"PK\x03\x04" + b"garbage" * 10, id="broken-zip"),
    pytest.param(b"not an npz", id="not-a-zip"),
    pytest.param(None, id="no-index"),
    pytest.param('{"benchmarks": {"VQA_AI2D": 3}}', id="bad-index"),
])
def test_bad_sidecar_is_a_report_error(tmp_path: Path, content: bytes | str | None) -> None:
    import io

    import numpy as np

    from lamm_bench.errors import ReportError
    from lamm_bench.sidecar import read_sidecar

    path = tmp_path / "r.bootstrap.npz"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        buffer = io.BytesIO()
        np.savez(buffer, **({"__index__": np.array(content)} if content is not None else {"other": np.zeros(2)}))
        path.write_bytes(buffer.getvalue())
    with pytest.raises(ReportError, match="not a lamm-bench bootstrap sidecar"):
        read_sidecar(path)
