"""`lamm-data fetch` archives: HTTP mirror (with cut and interrupted transfers) or local folder, checksums,
safe unpacking end to end, media check, and `lamm-data validate` / `verify` passing on the result."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hub_server import FAKE_TOKEN, HubServer, serving
from rich.console import Console
from rich.progress import DownloadColumn, TimeRemainingColumn, TransferSpeedColumn
from sample_zips import build_mirror, hostile_zip, sample_archives, zip_media
from typer.testing import CliRunner

from lamm_data import catalog
from lamm_data.cli import app
from lamm_data.fetch import Manifest, fetch
from lamm_data.fetch.display import RichProgress
from lamm_data.fetch.errors import (
    ArchiveSourceError,
    ChecksumError,
    FetchError,
    HubUnreachableError,
    RemoteNotFoundError,
    UnsafeArchiveError,
)
from lamm_data.sample import sample_source

runner = CliRunner()
LSP_ZIP = "2D_Benchmark/lsp_images.zip"


@pytest.fixture
def mirror_dir(tmp_path: Path) -> Path:
    build_mirror(tmp_path / "mirror")
    return tmp_path / "mirror"


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mirror_dir: Path) -> Iterator[HubServer]:
    with serving(monkeypatch, tmp_path / "client", mirror_dir) as server:
        yield server


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "lamm"


def _mirror(hub: HubServer) -> str:
    return f"{hub.url}/mirror"


def _invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def _sample_files(group: str, folder: str) -> dict[str, bytes]:
    base = sample_source() / group / folder
    return {p.name: p.read_bytes() for p in base.iterdir()}


@pytest.mark.parametrize("group", ["2D_Benchmark", "3D_Instruct", "3D_Benchmark"])
def test_full_group_from_http_mirror_then_validate_and_verify_pass(hub: HubServer, root: Path, group: str) -> None:
    result = _invoke("fetch", group, "--archives-from", _mirror(hub), "--root", str(root), "-q")
    assert result.exit_code == 0, result.output
    archives = sample_archives(group)
    assert f"{len(archives)} unpacked" in result.output
    assert "every referenced media file is present" in result.output
    for entry in archives:
        assert {p.name: p.read_bytes() for p in (root / group / entry.name).iterdir()} == \
            _sample_files(group, entry.name)
        assert not (root / entry.relpath).exists()  # the zip is not kept: no second copy
    assert not any((root / ".lamm").rglob("*.partial"))
    validated = _invoke("validate", str(root), "--json")
    assert validated.exit_code == 0, validated.output
    report = json.loads(validated.stdout)
    assert report["ok"] and {f["media"] for f in report["files"]} == {"checked"}
    assert len(report["files"]) == len(list(catalog.entries(group, "meta")))
    verified = _invoke("verify", "--root", str(root))
    assert verified.exit_code == 0, verified.output
    assert "0 missing, 0 changed, 0 extra" in verified.output


def test_manifest_records_archive_and_members(hub: HubServer, root: Path, mirror_dir: Path) -> None:
    fetch("2D_Benchmark", ["lsp_images"], root=root, archives_from=_mirror(hub))
    manifest = Manifest.load(root)
    zip_bytes = (mirror_dir / LSP_ZIP).read_bytes()
    record = manifest.archives[LSP_ZIP]
    assert (record.size, record.sha256) == (len(zip_bytes), hashlib.sha256(zip_bytes).hexdigest())
    assert record.source == {"type": "url", "url": f"{_mirror(hub)}/{LSP_ZIP}"}
    assert (record.folder, record.checksum, record.kept) == ("2D_Benchmark/lsp_images", "computed", False)
    members = {k: v for k, v in manifest.files.items() if k.startswith("2D_Benchmark/lsp_images/")}
    assert record.members == len(members) == len(_sample_files("2D_Benchmark", "lsp_images"))
    for rel, rec in members.items():
        data = (root / rel).read_bytes()
        assert rec.sha256 == hashlib.sha256(data).hexdigest() and rec.source == {"type": "archive",
                                                                                 "archive": LSP_ZIP}


def test_hub_token_is_never_sent_to_a_mirror(hub: HubServer, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
    fetch("2D_Benchmark", ["LSP", "lsp_images"], root=root, archives_from=_mirror(hub))
    assert {r.authorization for r in hub.requests(contains="/resolve/")} == {f"Bearer {FAKE_TOKEN}"}
    mirror = hub.requests(contains="/mirror/")
    assert mirror and {r.authorization for r in mirror} == {None}


def test_rerun_is_a_no_op(hub: HubServer, root: Path) -> None:
    fetch("3D_Benchmark", root=root, archives_from=_mirror(hub))
    hub.log.clear()
    report = fetch("3D_Benchmark", root=root, archives_from=_mirror(hub))
    assert {o.action for o in report.outcomes} == {"skipped"}
    assert hub.requests(contains="/mirror/") == [] and hub.requests(contains="/resolve/") == []


def test_mirror_transfer_cut_mid_file_resumes_with_range(hub: HubServer, root: Path, mirror_dir: Path) -> None:
    size = (mirror_dir / LSP_ZIP).stat().st_size
    hub.cut_once[hub.mirror_path(LSP_ZIP)] = size // 2
    report = fetch("2D_Benchmark", ["lsp_images"], root=root, archives_from=_mirror(hub), retry_wait=0)
    assert report.outcomes[0].action == "unpacked"
    assert [r.range for r in hub.requests("GET", "lsp_images.zip")] == [None, f"bytes={size // 2}-"]
    assert Manifest.load(root).archives[LSP_ZIP].sha256 == hashlib.sha256((mirror_dir / LSP_ZIP).read_bytes()
                                                                          ).hexdigest()


def test_interrupted_download_resumes_in_the_next_run(hub: HubServer, root: Path, mirror_dir: Path) -> None:
    size = (mirror_dir / LSP_ZIP).stat().st_size
    hub.cut_at[hub.mirror_path(LSP_ZIP)] = size // 3  # the connection always breaks there
    with pytest.raises(HubUnreachableError, match="run the command again to resume"):
        fetch("2D_Benchmark", ["lsp_images"], root=root, archives_from=_mirror(hub), retry_wait=0)
    partial = root / ".lamm/partial/2D_Benchmark/lsp_images.zip.partial"
    assert partial.stat().st_size == size // 3
    assert not (root / "2D_Benchmark/lsp_images").exists() and LSP_ZIP not in Manifest.load(root).archives
    hub.cut_at.clear()
    hub.log.clear()
    report = fetch("2D_Benchmark", ["lsp_images"], root=root, archives_from=_mirror(hub))
    assert report.outcomes[0].action == "unpacked"
    assert f"resumed from {size // 3:,} bytes" in report.outcomes[0].detail
    assert [r.range for r in hub.requests("GET", "lsp_images.zip")] == [f"bytes={size // 3}-"]
    assert not partial.exists()
    assert {p.name: p.read_bytes() for p in (root / "2D_Benchmark/lsp_images").iterdir()} == \
        _sample_files("2D_Benchmark", "lsp_images")


def test_partial_of_a_changed_file_is_restarted(hub: HubServer, root: Path, mirror_dir: Path) -> None:
    """If-Range: when the mirror's file changed since the partial download, the server sends it whole."""
    size = (mirror_dir / LSP_ZIP).stat().st_size
    hub.cut_at[hub.mirror_path(LSP_ZIP)] = size // 2
    with pytest.raises(HubUnreachableError):
        fetch("2D_Benchmark", ["lsp_images"], root=root, archives_from=_mirror(hub), retry_wait=0)
    hub.cut_at.clear()
    zip_media(catalog.resolve("lsp_images"), mirror_dir / LSP_ZIP, drop="im0003.jpg")  # a new version
    report = fetch("2D_Benchmark", ["lsp_images"], root=root, archives_from=_mirror(hub))
    assert sorted(p.name for p in (root / "2D_Benchmark/lsp_images").iterdir()) == ["im0001.jpg", "im0002.jpg"]
    assert report.outcomes[0].sha256 == hashlib.sha256((mirror_dir / LSP_ZIP).read_bytes()).hexdigest()


@pytest.mark.parametrize("grouped", [True, False], ids=["GROUP-subfolders", "flat-folder"])
def test_archives_from_a_local_folder(tmp_path: Path, root: Path, grouped: bool) -> None:
    folder = tmp_path / "zips"
    zips = build_mirror(folder, grouped=grouped, group="2D_Benchmark")
    before = {p: p.read_bytes() for p in zips.values()}
    report = fetch("2D_Benchmark", ["lsp_images", "svt_images"], root=root, archives_from=str(folder))
    assert [o.action for o in report.outcomes] == ["unpacked", "unpacked"]
    record = Manifest.load(root).archives[LSP_ZIP]
    assert record.source == {"type": "folder", "folder": str(folder.resolve()), "path": str(zips["lsp_images"])}
    assert not (root / LSP_ZIP).exists()  # read in place, not copied
    assert {p: p.read_bytes() for p in zips.values()} == before  # inputs untouched
    assert report.media_checked and report.ok


def test_no_unpack_stores_the_zip_and_a_later_run_unpacks_it(hub: HubServer, root: Path, tmp_path: Path) -> None:
    report = fetch("2D_Benchmark", ["lsp_images"], root=root, archives_from=_mirror(hub), unpack=False)
    assert report.outcomes[0].action == "kept" and not report.media_checked
    assert (root / LSP_ZIP).is_file() and not (root / "2D_Benchmark/lsp_images").exists()
    assert Manifest.load(root).files[LSP_ZIP].source["type"] == "url"
    empty = tmp_path / "empty"
    empty.mkdir()
    hub.log.clear()
    later = fetch("2D_Benchmark", ["lsp_images"], root=root, archives_from=str(empty))
    assert later.outcomes[0].action == "unpacked" and "stored copy" in later.outcomes[0].detail
    assert hub.log == [] and (root / LSP_ZIP).is_file()
    assert (root / "2D_Benchmark/lsp_images/im0001.jpg").is_file()


def test_published_checksums_are_enforced(hub: HubServer, root: Path, mirror_dir: Path) -> None:
    lsp = hashlib.sha256((mirror_dir / LSP_ZIP).read_bytes()).hexdigest()
    (mirror_dir / "2D_Benchmark/SHA256SUMS").write_text(f"{lsp}  lsp_images.zip\n{'0' * 64} *svt_images.zip\n")
    fetch("2D_Benchmark", ["lsp_images"], root=root, archives_from=_mirror(hub))
    assert Manifest.load(root).archives[LSP_ZIP].checksum == "published"
    with pytest.raises(ChecksumError, match=r"svt_images\.zip .*SHA256SUMS says 0000"):
        fetch("2D_Benchmark", ["svt_images"], root=root, archives_from=_mirror(hub))
    assert not (root / "2D_Benchmark/svt_images").exists()
    assert not any((root / ".lamm").rglob("*.partial"))


@pytest.mark.parametrize("kind", ["zip-slip", "symlink", "truncated"])
def test_hostile_archive_from_the_mirror_is_rejected(hub: HubServer, root: Path, mirror_dir: Path,
                                                     tmp_path: Path, kind: str) -> None:
    hostile_zip(mirror_dir / LSP_ZIP, kind)
    result = _invoke("fetch", "2D_Benchmark", "lsp_images", "--archives-from", _mirror(hub), "--root", str(root))
    assert result.exit_code == 1 and "was rejected" in result.output and "Traceback" not in result.output
    assert not (root / "2D_Benchmark/lsp_images").exists()
    assert not any((root / ".lamm").rglob("*.partial"))  # the bad download is not kept
    assert LSP_ZIP not in Manifest.load(root).archives
    assert not list(tmp_path.rglob("evil.txt"))
    with pytest.raises(UnsafeArchiveError):
        fetch("2D_Benchmark", ["lsp_images"], root=root, archives_from=_mirror(hub))


def test_missing_media_is_reported(hub: HubServer, root: Path, mirror_dir: Path) -> None:
    zip_media(catalog.resolve("lsp_images"), mirror_dir / LSP_ZIP, drop="im0002.jpg")
    result = _invoke("fetch", "2D_Benchmark", "--archives-from", _mirror(hub), "--root", str(root), "-q")
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "missing media:" in output and "lsp_images/im0002.jpg" in output
    assert "Keypoints_Detection_LSP.json" in output and "Locating_LSP.json" in output


def test_media_folders_of_archives_not_fetched_only_warn(hub: HubServer, root: Path) -> None:
    result = _invoke("fetch", "3D_Instruct", "LAMM_3dinstruct_10k", "shapenet_pcls", "--archives-from",
                     _mirror(hub), "--root", str(root), "-q")
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "warning:" in output and "3rscan_pcls is not present" in output and "missing media" not in output


def test_archive_missing_on_the_mirror(hub: HubServer, root: Path) -> None:
    with pytest.raises(RemoteNotFoundError) as exc:
        fetch("2D_Instruct", ["bamboo_images"], root=root, archives_from=_mirror(hub))
    message = str(exc.value)
    assert f"{_mirror(hub)}/2D_Instruct/bamboo_images.zip and {_mirror(hub)}/bamboo_images.zip" in message
    assert catalog.ARCHIVE_HOME in message


def test_archives_need_a_source(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no stored OpenDataLab login: no default source
    result = _invoke("fetch", "3D_Instruct", "--root", str(root))
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert f"{catalog.ARCHIVE_HOME}/3D_Instruct" in message and "--archives-from DIR" in message
    assert "--meta-only" in message and "3rscan_pcls.zip, shapenet_pcls.zip" in message
    assert not root.exists()  # refused before touching anything
    with pytest.raises(ArchiveSourceError, match="no such folder"):
        fetch("3D_Instruct", root=root, archives_from=str(tmp_path / "nowhere"))
    with pytest.raises(ArchiveSourceError, match=r"shapenet_pcls\.zip is not in"):
        fetch("3D_Instruct", ["shapenet_pcls"], root=root, archives_from=str(tmp_path))


def test_foreign_folder_is_not_replaced_without_force(tmp_path: Path, root: Path) -> None:
    folder = tmp_path / "zips"
    build_mirror(folder, group="2D_Benchmark")
    mine = root / "2D_Benchmark/lsp_images/my_own.jpg"
    mine.parent.mkdir(parents=True)
    mine.write_bytes(b"user data")
    with pytest.raises(FetchError, match=r"was not unpacked by lamm-data fetch.*--force"):
        fetch("2D_Benchmark", ["lsp_images"], root=root, archives_from=str(folder))
    assert mine.read_bytes() == b"user data"
    fetch("2D_Benchmark", ["lsp_images"], root=root, archives_from=str(folder), force=True)
    assert not mine.exists() and (root / "2D_Benchmark/lsp_images/im0001.jpg").is_file()


def test_progress_bars_show_bytes_rate_and_eta() -> None:
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=100)
    bars = RichProgress(console)
    with bars.bars:
        task = bars.start("lsp_images.zip", 2_000_000)
        bars.advance(task, 1_000_000)
        bars.bars.refresh()
        bars.finish(task)
    shown = stream.getvalue()
    assert "lsp_images.zip" in shown and "1.0/2.0 MB" in shown and "-:--:--" in shown  # bytes and ETA
    kinds = {type(c) for c in bars.bars.columns}
    assert {DownloadColumn, TransferSpeedColumn, TimeRemainingColumn} <= kinds  # rate: "?" until measured
