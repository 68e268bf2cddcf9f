"""`lamm-data push-to-hub`: the Parquet shards and the dataset card, uploaded with the real huggingface_hub
client to a local hub server (create repo, preupload, LFS batch and upload, commit)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from hub_server import FAKE_TOKEN, HubServer, closed_port_url, serving

from lamm_data.cli import app
from lamm_data.sample import write_sample

RUNNER = CliRunner()


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    with serving(monkeypatch, tmp_path / "home") as server:
        monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
        yield server


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample(tmp_path_factory.mktemp("push") / "lamm")


def _front_matter(card: bytes) -> dict:
    text = card.decode()
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


def test_push_uploads_shards_and_card_to_a_new_private_repo(hub: HubServer, root: Path) -> None:
    done = RUNNER.invoke(app, ["push-to-hub", "CIFAR10", "me/lamm-cifar", "--root", str(root), "--json"])
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    repo = hub.repos["me/lamm-cifar"]
    assert repo.private is True and result["private"] is True
    files = hub.files("me/lamm-cifar")
    assert sorted(files) == result["files"] == ["README.md", "data/data-00000-of-00001.parquet"]
    assert result["commit"] == repo.refs["main"] and "Classification_CIFAR10" in repo.messages[result["commit"]]
    table = pq.read_table(io.BytesIO(files["data/data-00000-of-00001.parquet"]))
    assert table.num_rows == result["rows"] == 4
    assert all(img["bytes"][:4] == b"\x89PNG" for img in table.column("image").to_pylist())  # embedded by default
    card = _front_matter(files["README.md"])
    assert card["configs"][0]["data_files"] == [{"split": "test", "path": "data/*.parquet"}]
    assert card["license"] == ["cc-by-nc-4.0", "other"] and card["source_datasets"] == ["CIFAR-10"]
    assert card["dataset_info"]["splits"] == [{"name": "test", "num_examples": 4,
                                               "num_bytes": len(files["data/data-00000-of-00001.parquet"])}]
    assert len(hub.requests("PUT", "/lfs-upload/")) == 2  # both files are over the server's LFS threshold
    writes = hub.requests("POST", "/api/")
    assert [r.path.rsplit("/", 2)[-2] for r in writes if "/me/" in r.path] == ["preupload", "commit"]
    assert all(r.authorization == f"Bearer {FAKE_TOKEN}" for r in writes)
    assert FAKE_TOKEN not in done.output


def test_push_to_an_existing_repo_adds_a_commit_and_keeps_its_visibility(hub: HubServer, root: Path) -> None:
    first = RUNNER.invoke(app, ["push-to-hub", "ScanQA", "me/scanqa", "--root", str(root), "--public"])
    assert first.exit_code == 0, first.output
    assert "new public repo" in first.stdout and hub.repos["me/scanqa"].private is False
    again = RUNNER.invoke(app, ["push-to-hub", "ScanQA", "me/scanqa", "--root", str(root), "--paths-only"])
    assert again.exit_code == 0, again.output
    assert "existing repo" in again.stdout and hub.repos["me/scanqa"].private is False
    assert len(hub.repos["me/scanqa"].commits) == 2
    table = pq.read_table(io.BytesIO(hub.files("me/scanqa")["data/data-00000-of-00001.parquet"]))
    assert table.schema.field("pcl").type == "string"  # --paths-only: the paths, not the points


def test_without_a_valid_token_the_error_is_one_line(hub: HubServer, root: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_wrongTokenButLongEnough000000000")
    done = RUNNER.invoke(app, ["push-to-hub", "CIFAR10", "me/x", "--root", str(root)])
    assert done.exit_code == 1
    assert done.stderr.count("\n") == 1 and "HTTP 401" in done.stderr and "HF_TOKEN" in done.stderr
    assert "hf_wrongToken" not in done.stderr and "me/x" not in hub.repos


def test_unreachable_hub_and_bad_repo_id(hub: HubServer, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = RUNNER.invoke(app, ["push-to-hub", "CIFAR10", "just-a-name", "--root", str(root)])
    assert bad.exit_code == 1 and "is not a repo id; give OWNER/NAME" in bad.stderr
    monkeypatch.setenv("HF_ENDPOINT", closed_port_url())
    dead = RUNNER.invoke(app, ["push-to-hub", "CIFAR10", "me/y", "--root", str(root)])
    assert dead.exit_code == 1 and "cannot reach" in dead.stderr and dead.stderr.count("\n") == 1
