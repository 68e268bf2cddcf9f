"""`lamm-data fetch` meta files from a hub: the real huggingface_hub client against a loopback hub server."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hub_server import FAKE_TOKEN, HubServer, closed_port_url, sample_hub_files, serving
from typer.testing import CliRunner

from lamm_data import catalog
from lamm_data.catalog import DEFAULT_REPO, OLD_REPO
from lamm_data.cli import app
from lamm_data.fetch import Manifest, fetch
from lamm_data.fetch.errors import ChecksumError, HubUnreachableError, OfflineError, RemoteNotFoundError
from lamm_data.metafile import validate_paths

runner = CliRunner()
LSP = "2D_Benchmark/meta_file/Keypoints_Detection_LSP.json"


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[HubServer]:
    with serving(monkeypatch, tmp_path / "client") as server:
        yield server


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "lamm"


def _main(hub: HubServer, repo: str = DEFAULT_REPO) -> str:
    return hub.repos[repo].refs["main"]


def _cli(*args: str):
    return runner.invoke(app, ["fetch", *args, "--quiet"], catch_exceptions=False)


def _files_under(path: Path) -> list[str]:
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())


@pytest.mark.parametrize("repo", [DEFAULT_REPO, OLD_REPO])
@pytest.mark.parametrize("group", catalog.GROUPS)
def test_fresh_fetch_of_each_group_lands_in_the_canonical_layout(hub: HubServer, root: Path, tmp_path: Path,
                                                                 group: str, repo: str) -> None:
    report = fetch(group, root=root, repo=repo, meta_only=True)
    served = sample_hub_files(repo)
    wanted = [e for e in catalog.entries(group, "meta") if e.hub_paths(repo)]
    assert [o.relpath for o in report.outcomes] == [e.relpath for e in wanted]
    assert {o.action for o in report.outcomes} == {"downloaded"}
    manifest = Manifest.load(root)
    commit = _main(hub, repo)
    for entry in wanted:
        data = served[entry.hub_paths(repo)[0]]
        assert (root / entry.relpath).read_bytes() == data  # canonical name, whatever the repo calls it
        record = manifest.files[entry.relpath]
        assert (record.size, record.sha256) == (len(data), hashlib.sha256(data).hexdigest())
        assert record.source["repo"] == repo and record.source["commit"] == commit
        assert record.source["path"] == entry.hub_paths(repo)[0] and record.source["revision"] == "main"
    # nothing else under the root, no second copy in the hub cache, no staging leftovers
    assert _files_under(root) == sorted([".lamm/lock", ".lamm/manifest.json", *(e.relpath for e in wanted)])
    assert not (tmp_path / "client" / "hub-cache").exists() or not _files_under(tmp_path / "client" / "hub-cache")
    assert all(r.ok for r in validate_paths([root / group], check_media=False))
    if repo == OLD_REPO and group == "3D_Instruct":
        assert any("VQA_ScanQA_multiplechoice_finetune" in n and DEFAULT_REPO in n for n in report.notes)


def test_old_repo_names_are_mapped_to_canonical_names(hub: HubServer, root: Path) -> None:
    fetch("2D_Benchmark", ["LSP"], root=root, repo=OLD_REPO)
    fetch("2D_Instruct", ["LAMM_instruct_186k"], root=root, repo=OLD_REPO)
    manifest = Manifest.load(root)
    assert manifest.files[LSP].source["path"] == "2D_Benchmark/meta_file/Keypoints_Dectection_LSP.json"
    assert manifest.files["2D_Instruct/meta_file/LAMM_instruct_186k.json"].source["path"] == \
        "2D_Instruct/meta_file/LAMM_2dinstruct_186k.json"
    assert not (root / "2D_Benchmark/meta_file/Keypoints_Dectection_LSP.json").exists()


def test_rerun_is_a_no_op_and_force_downloads_again(hub: HubServer, root: Path) -> None:
    first = _cli("3D_Benchmark", "--meta-only", "--root", str(root))
    assert first.exit_code == 0, first.output
    assert "3 downloaded" in first.output
    before = {p: (root / "3D_Benchmark" / p).stat().st_mtime_ns for p in _files_under(root / "3D_Benchmark")}
    hub.log.clear()
    again = _cli("3D_Benchmark", "--meta-only", "--root", str(root))
    assert again.exit_code == 0, again.output
    assert "3 skipped" in again.output
    assert hub.requests(contains="/resolve/") == []  # only the revision and tree look-ups
    assert {p: (root / "3D_Benchmark" / p).stat().st_mtime_ns for p in _files_under(root / "3D_Benchmark")} == before
    forced = _cli("3D_Benchmark", "--meta-only", "--root", str(root), "--force")
    assert forced.exit_code == 0 and "3 downloaded" in forced.output
    assert len(hub.requests("GET", "/resolve/")) == 3


def test_changed_file_on_the_hub_is_downloaded_again(hub: HubServer, root: Path) -> None:
    fetch("3D_Benchmark", root=root, meta_only=True)
    path = "3D_Benchmark/meta_file/VG_ScanRefer.json"
    new = json.dumps(json.loads(sample_hub_files(DEFAULT_REPO)[path])[:1]).encode()
    commit = hub.commit(DEFAULT_REPO, {path: new})
    hub.log.clear()
    report = fetch("3D_Benchmark", root=root, meta_only=True)
    assert {o.relpath: o.action for o in report.outcomes}[path] == "downloaded"
    assert [o.action for o in report.outcomes].count("skipped") == 2
    assert (root / path).read_bytes() == new
    assert Manifest.load(root).files[path].source["commit"] == commit


def test_file_already_in_place_is_adopted_without_download(hub: HubServer, root: Path) -> None:
    (root / LSP).parent.mkdir(parents=True)
    (root / LSP).write_bytes(sample_hub_files(DEFAULT_REPO)[LSP])
    report = fetch("2D_Benchmark", ["Keypoints_Detection_LSP"], root=root)
    assert [o.action for o in report.outcomes] == ["adopted"]
    assert hub.requests(contains="/resolve/") == []
    assert LSP in Manifest.load(root).files


def test_cut_transfer_of_a_small_file_is_retried(hub: HubServer, root: Path) -> None:
    hub.cut_once[hub.resolve_path(DEFAULT_REPO, LSP, _main(hub))] = 1000
    report = fetch("2D_Benchmark", ["LSP"], root=root)
    assert report.outcomes[0].action == "downloaded"
    assert (root / LSP).read_bytes() == sample_hub_files(DEFAULT_REPO)[LSP]
    assert len(hub.requests("GET", LSP)) == 2


def test_cut_transfer_of_a_large_file_resumes_with_range(hub: HubServer, root: Path) -> None:
    """The client keeps whole 10 MiB chunks of a cut transfer and asks for the rest with a Range request."""
    rel = "2D_Instruct/meta_file/LAMM_instruct_186k.json"
    items = json.loads(sample_hub_files(DEFAULT_REPO)[rel])
    big = json.dumps(items * (11_000_000 // len(json.dumps(items)) + 1), indent=1).encode()
    assert len(big) > 11_000_000
    commit = hub.commit(DEFAULT_REPO, {rel: big})
    hub.cut_once[hub.resolve_path(DEFAULT_REPO, rel, commit)] = 10_600_000
    report = fetch("2D_Instruct", ["LAMM_instruct_186k"], root=root)
    assert report.outcomes[0].action == "downloaded"
    assert (root / rel).read_bytes() == big
    gets = hub.requests("GET", rel)
    assert [g.range for g in gets] == [None, f"bytes={10 * 1024 * 1024}-"]
    assert Manifest.load(root).files[rel].sha256 == hashlib.sha256(big).hexdigest()


@pytest.mark.parametrize("path", [LSP, "2D_Benchmark/meta_file/OCR_SVT.json"], ids=["lfs-sha256", "git-blob-id"])
def test_corrupted_download_is_rejected_and_not_left_in_place(hub: HubServer, root: Path, path: str) -> None:
    hub.corrupt.add(hub.resolve_path(DEFAULT_REPO, path, _main(hub)))
    with pytest.raises(ChecksumError, match="failed verification") as exc:
        fetch("2D_Benchmark", [Path(path).stem], root=root)
    assert ("sha256" if path == LSP else "git blob id") in str(exc.value)
    assert not (root / path).exists()
    assert path not in Manifest.load(root).files
    assert _files_under(root) == [".lamm/lock"]  # no staging copy either
    result = _cli("2D_Benchmark", Path(path).stem, "--root", str(root))
    assert result.exit_code == 1 and "failed verification" in result.output and "Traceback" not in result.output
    hub.corrupt.clear()
    assert _cli("2D_Benchmark", Path(path).stem, "--root", str(root)).exit_code == 0
    assert (root / path).read_bytes() == sample_hub_files(DEFAULT_REPO)[path]


def test_file_missing_from_the_repo_names_repo_file_and_the_other_repo(hub: HubServer, root: Path) -> None:
    hub.commit(DEFAULT_REPO, {"2D_Benchmark/meta_file/Detection_VOC2012.json": None})
    result = _cli("2D_Benchmark", "--meta-only", "--root", str(root))
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert "openlamm/LAMM_Dataset at revision main" in message
    assert "has no file 2D_Benchmark/meta_file/Detection_VOC2012.json" in message
    assert "--repo caojianjian/LAMM" in message and "--revision" in message
    assert not (root / "2D_Benchmark").exists()  # nothing fetched when a file is missing


def test_http_404_on_resolve_is_a_clear_message(hub: HubServer, root: Path) -> None:
    hub.hidden.add(hub.resolve_path(DEFAULT_REPO, LSP, _main(hub)))
    with pytest.raises(RemoteNotFoundError) as exc:
        fetch("2D_Benchmark", ["LSP"], root=root)
    message = str(exc.value)
    assert f"{LSP} in {DEFAULT_REPO}" in message and "HTTP 404" in message and OLD_REPO in message


def test_unknown_repo_and_revision(hub: HubServer, root: Path) -> None:
    with pytest.raises(RemoteNotFoundError, match=r"dataset repo someone/LAMM not found on http://127\.0\.0\.1"):
        fetch("3D_Benchmark", root=root, repo="someone/LAMM", meta_only=True)
    with pytest.raises(RemoteNotFoundError, match=r"has no revision 'v9'.*--revision"):
        fetch("3D_Benchmark", root=root, revision="v9", meta_only=True)


def test_revision_is_pinned_to_a_commit(hub: HubServer, root: Path) -> None:
    old = _main(hub)
    path = "3D_Benchmark/meta_file/VG_ScanRefer.json"
    hub.commit(DEFAULT_REPO, {path: b"[]"})
    fetch("3D_Benchmark", ["VG_ScanRefer"], root=root, revision=old)
    assert (root / path).read_bytes() == sample_hub_files(DEFAULT_REPO)[path]
    assert Manifest.load(root).files[path].source["commit"] == old
    assert all(old in r.path for r in hub.requests(contains="/resolve/"))


def test_offline_uses_verified_files_and_names_missing_ones(hub: HubServer, root: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    fetch("3D_Benchmark", root=root, meta_only=True)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    hub.log.clear()
    report = fetch("3D_Benchmark", root=root, meta_only=True)
    assert [o.action for o in report.outcomes] == ["skipped"] * 3
    (root / "3D_Benchmark/meta_file/VG_ScanRefer.json").write_bytes(b"[]")  # changed: no longer verified
    result = _cli("3D_Benchmark", "--meta-only", "--root", str(root))
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert "HF_HUB_OFFLINE is set" in message and "3D_Benchmark/meta_file/VG_ScanRefer.json" in message
    assert f"lamm-data fetch 3D_Benchmark VG_ScanRefer --meta-only --root {root}" in message
    with pytest.raises(OfflineError, match=r"2D_Benchmark/meta_file/OCR_SVT\.json"):
        fetch("2D_Benchmark", ["OCR_SVT"], root=root)
    assert hub.log == []  # offline: not a single request


def test_offline_flag_read_at_call_time(hub: HubServer, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # the client's constants still say online
    with pytest.raises(OfflineError):
        fetch("3D_Benchmark", root=root, meta_only=True)
    assert hub.log == []


def test_client_stuck_in_offline_mode_is_explained(hub: HubServer, root: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "0")  # online now, but the client read HF_HUB_OFFLINE=1 at import
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(OfflineError, match="the hub client is in offline mode"):
        fetch("3D_Benchmark", root=root, meta_only=True)
    assert hub.log == []


def test_token_is_sent_but_never_shown(hub: HubServer, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
    result = _cli("3D_Benchmark", "--meta-only", "--root", str(root))
    assert result.exit_code == 0, result.output
    assert {r.authorization for r in hub.log if r.path.startswith(("/api/datasets", "/datasets"))} == \
        {f"Bearer {FAKE_TOKEN}"}
    hub.hidden.add(hub.resolve_path(DEFAULT_REPO, LSP, _main(hub)))
    failed = _cli("2D_Benchmark", "LSP", "--root", str(root))
    assert failed.exit_code == 1
    for text in (result.output, failed.output, (root / ".lamm/manifest.json").read_text()):
        assert FAKE_TOKEN not in text and FAKE_TOKEN[3:12] not in text


def test_unreachable_hub(hub: HubServer, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dead = closed_port_url()
    monkeypatch.setenv("HF_ENDPOINT", dead)
    with pytest.raises(HubUnreachableError, match=f"cannot reach {dead}"):
        fetch("3D_Benchmark", root=root, meta_only=True)
    result = _cli("3D_Benchmark", "--meta-only", "--root", str(root))
    assert result.exit_code == 1 and f"error: cannot reach {dead}" in " ".join(result.output.split())
