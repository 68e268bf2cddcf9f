"""`lamm-data fetch --archives-from opendatalab`: the real `openxlab` SDK (the `opendatalab` extra), run by
fetch in a child process, against a loopback stand-in of the OpenXLab login and OpenDataLab dataset endpoints
(`opendatalab_server.py`); meta files come from the loopback hub. Covers a whole 2D_Benchmark fetch, a cut
transfer, a wrong checksum, a refused and an expired login, a missing archive, Ctrl-C, and that the
credentials appear nowhere."""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hub_server import HubServer, serving
from opendatalab_server import OpenDataLabServer, sdk_time
from sample_zips import sample_archives, zip_media
from typer.testing import CliRunner

from lamm_data import catalog
from lamm_data.cli import app
from lamm_data.fetch import Manifest, fetch, opendatalab
from lamm_data.fetch.errors import ArchiveSourceError, ChecksumError, FetchError, LoginError, RemoteNotFoundError
from lamm_data.sample import sample_source

runner = CliRunner()
AK = "lammtestak0123456789"
SK = "lammtestsecret0123456789abcdefghijklmnop"
GROUP = "2D_Benchmark"
LSP = "/raw/2D_Benchmark/lsp_images.zip"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``HOME`` (where the SDK keeps its stored login) and the system temp folder, both inside tmp_path."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "systmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "systmp"))
    return tmp_path / "home"


@pytest.fixture
def odl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: Path) -> Iterator[OpenDataLabServer]:
    """The stand-in holding every sample archive of the catalog at its OpenDataLab path; fetch pointed at it."""
    server = OpenDataLabServer(keys={AK: SK})
    files = {}
    for entry in sample_archives():
        files[entry.opendatalab[0]] = zip_media(entry, tmp_path / "zips" / entry.filename).read_bytes()
    server.repos[catalog.OPENDATALAB_REPO] = files
    with server:
        monkeypatch.setenv("LAMM_OPENDATALAB_ENDPOINT", server.url)
        yield server


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[HubServer]:
    with serving(monkeypatch, tmp_path / "client") as server:
        yield server


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENXLAB_AK", AK)
    monkeypatch.setenv("OPENXLAB_SK", SK)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "lamm"


def _invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def _tree_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def _assert_no_leftovers(root: Path, tmp_path: Path) -> None:
    staging = root / ".lamm" / "tmp"
    assert not staging.exists() or not any(staging.iterdir())  # the SDK's download folders are gone
    assert not any((tmp_path / "systmp").iterdir())  # the SDK's private config folder is gone


def _assert_no_secret(*texts: str | bytes) -> None:
    for text in texts:
        data = text.encode() if isinstance(text, str) else text
        assert AK.encode() not in data and SK.encode() not in data


def test_sdk_is_installed_and_its_stored_login_path_is_ours() -> None:
    """CI installs the extra: these tests run with the real SDK, never skipped."""
    from openxlab.xlab.handler.user_config import get_config_path

    assert opendatalab.sdk_installed()
    assert Path(get_config_path()) == Path.home() / ".openxlab" / "config.json"


@pytest.mark.integration
def test_full_2d_benchmark_from_opendatalab_then_validate_verify_and_rerun(
        odl: OpenDataLabServer, hub: HubServer, keys: None, root: Path, tmp_path: Path, home: Path) -> None:
    # no --archives-from: with the SDK installed and credentials set, OpenDataLab is the default
    result = _invoke("fetch", GROUP, "--root", str(root), "-q")
    assert result.exit_code == 0, result.output
    archives = sample_archives(GROUP)
    assert f"{len(archives)} unpacked" in result.output
    assert "every referenced media file is present" in result.output
    for entry in archives:
        assert {p.name: p.read_bytes() for p in (root / GROUP / entry.name).iterdir()} == \
            {p.name: p.read_bytes() for p in (sample_source() / GROUP / entry.name).iterdir()}
        assert not (root / entry.relpath).exists()
    manifest = Manifest.load(root)
    lsp = manifest.archives[f"{GROUP}/lsp_images.zip"]
    served = odl.repos[catalog.OPENDATALAB_REPO][LSP]
    assert (lsp.size, lsp.checksum) == (len(served), "published")
    assert lsp.source == {"type": "opendatalab", "repo": catalog.OPENDATALAB_REPO, "path": LSP}
    # login: a signed nonce, never the secret; the SDK's token cache stayed out of HOME; no self-update check
    assert odl.seen("POST", "/getJwt") and not odl.seen(contains="/cli/version")
    assert len(odl.seen("GET", "/oss/")) == len(archives)
    _assert_no_secret(result.output, _tree_bytes(root))
    assert not any(SK.encode() in r.body for r in odl.log)  # the key id goes to the login service, the secret never
    assert all(AK.encode() not in r.body for r in odl.log if "/sso-be/" not in r.path)
    assert not (home / ".openxlab").exists()
    _assert_no_leftovers(root, tmp_path)
    assert _invoke("validate", str(root), "--json").exit_code == 0
    verified = _invoke("verify", str(root))
    assert verified.exit_code == 0 and "0 missing, 0 changed, 0 extra" in verified.output
    # a re-run skips every verified archive without logging in or downloading
    before = len(odl.log)
    again = _invoke("fetch", GROUP, "--archives-from", "opendatalab", "--root", str(root), "-q")
    assert again.exit_code == 0, again.output
    metas = len(list(catalog.entries(GROUP, "meta")))
    assert f"{metas + len(archives)} file(s): {metas + len(archives)} skipped" in again.output
    assert len(odl.log) == before


def test_progress_is_reported_per_archive(odl: OpenDataLabServer, keys: None, root: Path) -> None:
    events: list[tuple[str, str, int | None]] = []

    class Recorder:
        def start(self, label: str, total: int | None) -> int:
            events.append(("start", label, total))
            return len(events)

        def advance(self, task: int, amount: int) -> None:
            events.append(("advance", str(task), amount))

        def finish(self, task: int) -> None:
            events.append(("finish", str(task), None))

    odl.slow[LSP] = 0.6  # halfway through, so the watcher sees the file grow
    fetch(GROUP, ["lsp_images"], root=root, archives_from="opendatalab", progress=Recorder())
    size = len(odl.repos[catalog.OPENDATALAB_REPO][LSP])
    starts = [(i, e) for i, e in enumerate(events, 1) if e[0] == "start" and "lsp_images.zip" in e[1]]
    download = next(i for i, e in starts if e[1].startswith("OpenDataLab"))
    assert events[download - 1][2] == size
    assert sum(int(e[2] or 0) for e in events if e[0] == "advance" and e[1] == str(download)) == size
    assert ("finish", str(download), None) in events


def test_cut_transfer_is_tried_again_and_recorded(odl: OpenDataLabServer, keys: None, root: Path,
                                                  tmp_path: Path) -> None:
    odl.cut_once[LSP] = 100
    report = fetch(GROUP, ["lsp_images"], root=root, archives_from="opendatalab", retry_wait=0)
    (outcome,) = report.outcomes
    assert outcome.action == "unpacked" and "after 1 cut transfer" in outcome.detail
    assert len(odl.seen("GET", "/oss/")) == 2
    _assert_no_leftovers(root, tmp_path)


def test_transfer_cut_every_time_fails_and_keeps_nothing(odl: OpenDataLabServer, keys: None, root: Path,
                                                         tmp_path: Path) -> None:
    odl.cut_always[LSP] = 100
    result = _invoke("fetch", GROUP, "lsp_images", "--archives-from", "opendatalab", "--root", str(root))
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert f"was cut {opendatalab.ATTEMPTS} times" in message and "--archives-from DIR" in message
    assert len(odl.seen("GET", "/oss/")) == opendatalab.ATTEMPTS
    assert not (root / GROUP / "lsp_images").exists() and not Manifest.load(root).archives
    _assert_no_leftovers(root, tmp_path)


def test_wrong_checksum_is_rejected_and_nothing_kept(odl: OpenDataLabServer, keys: None, root: Path,
                                                     tmp_path: Path) -> None:
    odl.wrong_sha.add(LSP)
    with pytest.raises(ChecksumError, match="OpenDataLab lists"):
        fetch(GROUP, ["lsp_images"], root=root, archives_from="opendatalab")
    assert not (root / GROUP / "lsp_images").exists() and not Manifest.load(root).archives
    _assert_no_leftovers(root, tmp_path)


def test_wrong_secret_key_is_a_login_error(odl: OpenDataLabServer, root: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = "not-the-secret-key-0123456789"
    monkeypatch.setenv("OPENXLAB_AK", AK)
    monkeypatch.setenv("OPENXLAB_SK", wrong)
    result = _invoke("fetch", GROUP, "--archives-from", "opendatalab", "--root", str(root))
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert "did not accept OPENXLAB_AK/OPENXLAB_SK" in message and opendatalab.KEYS_PAGE in message
    assert "--archives-from DIR" in message
    assert wrong not in result.output
    _assert_no_secret(result.output)
    assert not odl.seen(contains="/datasets/")  # refused before any download
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == [".lamm", ".lamm/lock"]
    _assert_no_leftovers(root, tmp_path)


def test_expired_stored_login_is_a_login_error(odl: OpenDataLabServer, root: Path, home: Path) -> None:
    """`openxlab login` left a config and a token the service no longer accepts (not expired locally)."""
    (home / ".openxlab").mkdir(parents=True)
    (home / ".openxlab" / "config.json").write_text(json.dumps({"ak": AK, "sk": SK}))
    token = {"jwt": "jwt-revoked-long-ago", "expiration": sdk_time(timedelta(hours=1)), "sso_uid": "uid",
             "refresh_time": sdk_time(timedelta(0)), "refresh_token": "rt-old",
             "refresh_expiration": sdk_time(timedelta(days=1))}
    (home / ".openxlab" / "token.json").write_text(json.dumps(token))
    with pytest.raises(LoginError, match="did not accept the stored login") as exc:
        fetch(GROUP, ["lsp_images"], root=root)  # default source: the stored login counts as credentials
    assert "HTTP 401" in str(exc.value)
    assert not (root / GROUP).exists()


def test_archive_missing_on_opendatalab_is_named_before_any_download(odl: OpenDataLabServer, keys: None,
                                                                    root: Path, tmp_path: Path) -> None:
    odl.unlisted.add("/raw/2D_Benchmark/voc2012_images.zip")
    result = _invoke("fetch", GROUP, "lsp_images", "voc2012_images", "--archives-from", "opendatalab",
                     "--root", str(root))
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert "voc2012_images.zip not found in OpenDataLab LAMM/LAMM" in message and "HTTP 404" in message
    assert "lsp_images.zip" not in message.split("not found")[0].replace("voc2012", "")
    assert not odl.seen("GET", "/oss/") and not (root / GROUP / "lsp_images").exists()
    _assert_no_leftovers(root, tmp_path)


def test_archive_that_resolves_to_404_stops_with_a_clear_error(odl: OpenDataLabServer, keys: None, root: Path,
                                                               tmp_path: Path) -> None:
    odl.unresolvable.add(LSP)
    with pytest.raises(RemoteNotFoundError, match=r"lsp_images\.zip is not in OpenDataLab LAMM/LAMM \(HTTP 404\)"):
        fetch(GROUP, ["lsp_images"], root=root, archives_from="opendatalab")
    _assert_no_leftovers(root, tmp_path)


def test_without_credentials_one_line_and_nothing_written(home: Path, root: Path) -> None:
    result = _invoke("fetch", GROUP, "--archives-from", "opendatalab", "--root", str(root))
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    message = " ".join(result.output.split())
    assert "no OpenDataLab credentials" in message and opendatalab.KEYS_PAGE in message
    assert "OPENXLAB_AK and OPENXLAB_SK" in message and "--archives-from DIR" in message
    assert message.index("OPENXLAB_AK") < message.index("--archives-from DIR")  # how to get them, then fallback
    assert len(lines) <= 3  # one message (wrapped by the console at most)
    assert not root.exists()


def test_without_the_sdk_the_extra_is_named(home: Path, root: Path, keys: None,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(opendatalab, "sdk_installed", lambda: False)
    with pytest.raises(ArchiveSourceError, match=r"lamm-toolkit\[opendatalab\]"):
        fetch(GROUP, ["lsp_images"], root=root, archives_from="opendatalab")
    # and without --archives-from the old message comes back (no default source)
    with pytest.raises(ArchiveSourceError, match="are not on the Hugging Face hub"):
        fetch(GROUP, ["lsp_images"], root=root)
    assert not root.exists()


def test_ctrl_c_stops_the_sdk_and_removes_its_folder(odl: OpenDataLabServer, keys: None, root: Path,
                                                     tmp_path: Path) -> None:
    class Interrupt:
        def start(self, label: str, total: int | None) -> int:
            return 1

        def advance(self, task: int, amount: int) -> None:
            raise KeyboardInterrupt

        def finish(self, task: int) -> None:
            pass

    odl.slow[LSP] = 3.0
    with pytest.raises(KeyboardInterrupt):
        fetch(GROUP, ["lsp_images"], root=root, archives_from="opendatalab", progress=Interrupt())
    _assert_no_leftovers(root, tmp_path)
    assert not (root / GROUP / "lsp_images").exists() and not Manifest.load(root).archives
    again = fetch(GROUP, ["lsp_images"], root=root, archives_from="opendatalab")
    assert [o.action for o in again.outcomes] == ["unpacked"]


def test_credentials_never_reach_the_child_command_line(odl: OpenDataLabServer, keys: None, root: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    seen: list[list[str]] = []
    real = subprocess.Popen

    def spy(args, *a, **kw):
        seen.append([str(x) for x in args])
        return real(args, *a, **kw)

    monkeypatch.setattr(subprocess, "Popen", spy)
    fetch(GROUP, ["lsp_images"], root=root, archives_from="opendatalab")
    assert seen
    requests = [Path(cmd[-1]) for cmd in seen]
    _assert_no_secret(" ".join(" ".join(cmd) for cmd in seen))
    assert not any(p.exists() for p in requests)  # request files were in the private folder, now removed
    assert os.environ["OPENXLAB_SK"] == SK  # inherited through the environment only


def test_a_stalled_transfer_is_stopped_by_the_watchdog(odl: OpenDataLabServer, keys: None, root: Path,
                                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK sets no read timeout (and its multi-part downloader waits forever for a dead part)."""
    monkeypatch.setattr(opendatalab, "STALL_SECONDS", 3.0)
    monkeypatch.setattr(opendatalab, "ATTEMPTS", 1)
    odl.slow[LSP] = 10.0  # half the zip, then silence
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"was cut 1 time \(last: nothing arrived for 3 s\)"):
        fetch(GROUP, ["lsp_images"], root=root, archives_from="opendatalab", retry_wait=0)
    assert time.monotonic() - started < 10.0  # stopped by the watchdog, not by the end of the pause
    assert len(odl.seen("GET", "/oss/")) == 1
    _assert_no_leftovers(root, tmp_path)


def test_the_sdk_multipart_downloader_works_against_the_stand_in(odl: OpenDataLabServer, keys: None,
                                                                 tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    """Files over the SDK's 30 MiB threshold go through its ranged, threaded downloader; the worker runs here
    in-process with the threshold lowered so a sample zip takes that path."""
    import signal

    from openxlab.dataset.handler import get_dataset_repository

    from lamm_data.fetch import opendatalab_worker

    monkeypatch.setattr(get_dataset_repository, "FILE_THRESHOLD", 100)
    previous = signal.getsignal(signal.SIGINT)  # the downloader installs its own Ctrl-C handler
    request = tmp_path / "request.json"
    answer = tmp_path / "answer.json"
    request.write_text(json.dumps({"action": "download", "repo": catalog.OPENDATALAB_REPO, "path": LSP,
                                   "target": str(tmp_path / "dl"), "config_dir": str(tmp_path / "sdk"),
                                   "result": str(answer)}))
    try:
        assert opendatalab_worker.main([str(request)]) == 0
    finally:
        signal.signal(signal.SIGINT, previous)
    result = json.loads(answer.read_text())
    assert result["ok"], result
    assert Path(result["file"]).read_bytes() == odl.repos[catalog.OPENDATALAB_REPO][LSP]
    assert any(r.path.startswith("/oss/") for r in odl.seen("GET"))
    assert not list((tmp_path / "dl").rglob("*.odl"))  # its part files were sewn and removed


def test_no_unpack_keeps_the_downloaded_zip(odl: OpenDataLabServer, keys: None, root: Path, tmp_path: Path) -> None:
    report = fetch(GROUP, ["lsp_images"], root=root, archives_from="opendatalab", unpack=False)
    assert [o.action for o in report.outcomes] == ["kept"]
    assert (root / GROUP / "lsp_images.zip").read_bytes() == odl.repos[catalog.OPENDATALAB_REPO][LSP]
    assert Manifest.load(root).archives[f"{GROUP}/lsp_images.zip"].kept
    _assert_no_leftovers(root, tmp_path)


def test_dataset_form_not_filled_in_is_explained(odl: OpenDataLabServer, keys: None, root: Path,
                                                 tmp_path: Path) -> None:
    odl.form_first.add(LSP)
    with pytest.raises(FetchError, match=r"asks for its access form first \(HTTP 601\)"):
        fetch(GROUP, ["lsp_images"], root=root, archives_from="opendatalab")
    assert not odl.seen("GET", "/oss/")
    _assert_no_leftovers(root, tmp_path)
