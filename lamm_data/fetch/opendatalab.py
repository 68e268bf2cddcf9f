"""Archives from OpenDataLab through the ``openxlab`` SDK (the ``opendatalab`` extra): ``--archives-from opendatalab``.

The SDK (``openxlab`` on PyPI, tested with 0.1.3) logs in with an access key pair (AK/SK: an HMAC-signed
nonce is exchanged for a JWT) and downloads ``/raw/<GROUP>/<name>.zip`` of the dataset repository
:data:`~lamm_data.catalog.OPENDATALAB_REPO`. Its calls run in a child process
(:mod:`lamm_data.fetch.opendatalab_worker`): first one that logs in and lists every archive still to fetch
(size and sha256 as OpenDataLab publishes them), then one per archive that downloads it into a fresh
temporary folder under ``ROOT/.lamm/tmp``. This process watches that folder for progress and for a stalled
transfer, kills the child on Ctrl-C, and removes the folder in every case. The zip then goes through the
same checks as a zip from a mirror (size and sha256 against the listing, safe unpack, manifest).

Credentials come from ``OPENXLAB_AK``/``OPENXLAB_SK`` or the SDK's stored login (``~/.openxlab/config.json``,
written by ``openxlab login``). They are passed to the child only through its environment, never printed,
logged or written: with environment credentials the SDK's token cache goes to a private temporary folder
(removed afterwards) instead of ``~/.openxlab``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lamm_data.atomic import temp_path
from lamm_data.catalog import ARCHIVE_HOME, OPENDATALAB_REPO, CatalogEntry
from lamm_data.fetch.errors import (
    ArchiveSourceError,
    FetchError,
    HubUnreachableError,
    LoginError,
    RemoteNotFoundError,
)
from lamm_data.fetch.manifest import STATE_DIR
from lamm_data.fetch.progress import SILENT, Progress

SOURCE = "opendatalab"
"""The ``--archives-from`` value that selects this route."""
AK_ENV, SK_ENV = "OPENXLAB_AK", "OPENXLAB_SK"
KEYS_PAGE = "https://sso.openxlab.org.cn/usercenter?tab=secret"
"""Where a signed-in OpenXLab user creates an access key pair (AK/SK)."""
INSTALL = "pip install 'lamm-toolkit[opendatalab]' && pip install --no-deps openxlab==0.1.3"
STALL_SECONDS = 300.0
"""A transfer that writes no byte for this long (or a listing that takes this long) is stopped."""
ATTEMPTS = 3
"""Downloads of one archive per run before a cut transfer is reported."""
POLL_SECONDS = 0.2


def sdk_installed() -> bool:
    """True when the ``openxlab`` SDK can be imported (it is not imported here)."""
    return importlib.util.find_spec("openxlab") is not None


def stored_login() -> Path:
    """The SDK's stored login (``openxlab login`` writes it): ``~/.openxlab/config.json``."""
    return Path(os.path.expanduser("~")) / ".openxlab" / "config.json"


def credentials() -> str | None:
    """Where the credentials come from: ``environment`` (both variables set), ``stored login``, or None."""
    if os.environ.get(AK_ENV, "").strip() and os.environ.get(SK_ENV, "").strip():
        return "environment"
    if stored_login().is_file():
        return "stored login"
    return None


def fallback(group: str) -> str:
    """How to do without the SDK, for the end of a message."""
    return f"or download the zips from {ARCHIVE_HOME}/{group} and pass --archives-from DIR"


def check_ready(group: str) -> None:
    """Refuse early (before anything is written) when the SDK or the credentials are missing.

    Raises:
        ArchiveSourceError: one line saying what to install or how to get credentials, then the fallback.
    """
    if not sdk_installed():
        raise ArchiveSourceError(f"--archives-from {SOURCE} needs the openxlab SDK: {INSTALL}; {fallback(group)}")
    if credentials() is None:
        raise ArchiveSourceError(f"no OpenDataLab credentials: create an access key pair at {KEYS_PAGE}, then set "
                                 f"{AK_ENV} and {SK_ENV} (or run `openxlab login`); {fallback(group)}")


@dataclass(frozen=True)
class RemoteArchive:
    """An archive as OpenDataLab lists it: its path in the repo, size (bytes) and sha256 ('' if not listed)."""

    path: str
    size: int
    sha256: str


class OpenDataLab:
    """One fetch's use of OpenDataLab; use as a context manager (it removes everything it created).

    Args:
        root: the LAMM root; downloads go to temporary folders under ``ROOT/.lamm/tmp``.
        group: for messages.
        repo: the dataset repository (``owner/name``).
        retry_wait: seconds between two attempts at one archive.
    """

    def __init__(self, root: Path, group: str, repo: str = OPENDATALAB_REPO, retry_wait: float = 1.0) -> None:
        self.root, self.group, self.repo, self.retry_wait = root, group, repo, retry_wait
        self.found: dict[str, RemoteArchive] = {}
        self._private: Path | None = None
        self._folders: list[Path] = []
        self._calls = 0

    def __enter__(self) -> OpenDataLab:
        self._private = Path(tempfile.mkdtemp(prefix="lamm-openxlab-"))  # mode 0700
        return self

    def __exit__(self, *exc: object) -> None:
        for folder in self._folders:
            shutil.rmtree(folder, ignore_errors=True)
        self._folders.clear()
        if self._private is not None:
            shutil.rmtree(self._private, ignore_errors=True)
        with suppress(OSError):
            (self.root / STATE_DIR / "tmp").rmdir()  # only if empty

    def describe(self) -> str:
        return f"OpenDataLab {self.repo}"

    def locate(self, entries: Iterable[CatalogEntry]) -> None:
        """Log in and list each archive (first candidate path found); remember them in :attr:`found`.

        Raises:
            LoginError: the credentials were refused (wrong, revoked or expired).
            RemoteNotFoundError: some archives are not in the repo (all are named).
            FetchError / HubUnreachableError: anything else, one line.
        """
        wanted = [e for e in entries if e.name not in self.found]
        if not wanted:
            return
        try:
            answer = self._call({"action": "list", "repo": self.repo,
                                 "paths": [list(e.opendatalab) for e in wanted]}, what="the archive list")
        except _Cut as exc:
            raise HubUnreachableError(f"OpenDataLab did not list the archives ({exc}); run the command again, "
                                      f"{fallback(self.group)}") from None
        missing = []
        for entry, hit in zip(wanted, answer["found"], strict=True):
            if hit is None:
                missing.append(entry)
            else:
                self.found[entry.name] = RemoteArchive(hit["path"], int(hit["size"]), str(hit["sha256"]).lower())
        if missing:
            looked = "; ".join(" or ".join(e.opendatalab) for e in missing)
            raise RemoteNotFoundError(f"{', '.join(e.filename for e in missing)} not found in {self.describe()} "
                                      f"(HTTP 404 for {looked}); {fallback(self.group)}")

    def download(self, entry: CatalogEntry, progress: Progress = SILENT) -> tuple[Path, RemoteArchive, int]:
        """Download one located archive; return the zip (inside a temporary folder), its listing, and retries used.

        The zip's size matches the listing; its sha256 is checked by the caller. A cut or stalled transfer
        is tried again (:data:`ATTEMPTS` in all), each time in a fresh folder.

        Raises:
            FetchError (and subclasses): the transfer kept failing, or OpenDataLab refused it.
        """
        remote = self.found[entry.name]
        for attempt in range(1, ATTEMPTS + 1):
            folder = temp_path(self.root / STATE_DIR / "tmp" / "opendatalab")
            folder.mkdir(parents=True)
            self._folders.append(folder)
            try:
                answer = self._call({"action": "download", "repo": self.repo, "path": remote.path,
                                     "target": str(folder)}, what=entry.filename, watch=folder, progress=progress,
                                    total=remote.size)
                path = Path(answer["file"])
                size = path.stat().st_size
                if size == remote.size:
                    return path, remote, attempt - 1
                cut = f"{size:,} of {remote.size:,} bytes arrived"
            except _Cut as exc:
                cut = str(exc)
            self.discard(folder)
            if attempt < ATTEMPTS:
                time.sleep(self.retry_wait * attempt)
        times = f"{ATTEMPTS} time" + ("s" if ATTEMPTS > 1 else "")
        raise FetchError(f"the download of {entry.filename} from {self.describe()} was cut {times} (last: "
                         f"{cut}); nothing was kept, run the command again, {fallback(self.group)}")

    def discard(self, path: Path) -> None:
        """Remove a download folder (or the folder of a downloaded zip) this session created."""
        for folder in list(self._folders):
            if path == folder or folder in path.parents:
                shutil.rmtree(folder, ignore_errors=True)
                self._folders.remove(folder)

    # -- the child process ---------------------------------------------------------------------------
    def _call(self, request: dict[str, Any], *, what: str, watch: Path | None = None, progress: Progress = SILENT,
              total: int | None = None) -> dict[str, Any]:
        assert self._private is not None, "use OpenDataLab as a context manager"
        self._calls += 1
        result = self._private / f"result-{self._calls}.json"
        request_file = self._private / f"request-{self._calls}.json"
        from_env = credentials() == "environment"
        request |= {"result": str(result), "config_dir": str(self._private / "sdk") if from_env else None}
        request_file.write_text(json.dumps(request), encoding="utf-8")
        with _child(request_file) as child:
            _watch(child, watch, progress, f"{self.describe()} {what}", total)
        if not result.is_file():
            raise FetchError(f"the openxlab SDK stopped (exit code {child.returncode}) while fetching {what} from "
                             f"{self.describe()}; run the command again, {fallback(self.group)}")
        answer: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
        result.unlink()
        if not answer.get("ok"):
            self._raise(answer, what)
        return answer

    def _raise(self, answer: dict[str, Any], what: str) -> None:
        kind, status, detail = answer.get("error"), answer.get("status"), str(answer.get("detail") or "")
        http = f"HTTP {status}" if status else "refused"
        if kind == "login":
            how = f"{AK_ENV}/{SK_ENV}" if credentials() == "environment" else f"the stored login {stored_login()}"
            raise LoginError(f"OpenDataLab did not accept {how} ({http}): the key pair is wrong, revoked or expired; "
                             f"create one at {KEYS_PAGE} and set {AK_ENV}/{SK_ENV} (or run `openxlab login`); "
                             f"{fallback(self.group)}")
        if kind == "missing":
            raise RemoteNotFoundError(f"{what} is not in {self.describe()} ({http}); {fallback(self.group)}")
        if kind == "access":
            raise FetchError(f"{self.describe()} asks for its access form first ({http}): open "
                             f"https://opendatalab.com/{self.repo} signed in, accept its terms, then run the command "
                             f"again; {fallback(self.group)}")
        if kind == "unreachable":
            raise HubUnreachableError(f"cannot reach OpenDataLab ({detail or 'connection failed'}); check the "
                                      f"connection and run the command again; {fallback(self.group)}")
        if kind == "transfer":
            raise _Cut(detail or "connection lost")
        raise FetchError(f"OpenDataLab: fetching {what} failed ({http}{': ' + detail if detail else ''}); "
                         f"{fallback(self.group)}")


class _Cut(Exception):
    """A transfer that broke off or stalled (tried again by :meth:`OpenDataLab.download`)."""


@contextmanager
def _child(request_file: Path) -> Iterator[subprocess.Popen[bytes]]:
    """The worker process, in its own session (a terminal's Ctrl-C reaches only us); stopped on the way out."""
    child = subprocess.Popen([sys.executable, "-m", "lamm_data.fetch.opendatalab_worker", str(request_file)],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    try:
        yield child
    finally:
        if child.poll() is None:
            _stop(child)


def _stop(child: subprocess.Popen[bytes]) -> None:
    """End the worker and its download threads: SIGTERM to its process group, SIGKILL after 5 s."""
    for sig, wait in ((signal.SIGTERM, 5.0), (getattr(signal, "SIGKILL", signal.SIGTERM), 5.0)):
        with suppress(ProcessLookupError, PermissionError):
            if hasattr(os, "killpg"):
                os.killpg(child.pid, sig)
            else:  # no process groups (Windows)
                child.kill()
        try:
            child.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _watch(child: subprocess.Popen[bytes], folder: Path | None, progress: Progress, label: str,
           total: int | None) -> None:
    """Wait for the worker; report the bytes in ``folder`` as progress; stop it when nothing moves.

    Raises:
        _Cut: no byte arrived (or, without ``folder``, no answer came) for :data:`STALL_SECONDS`.
    """
    task = progress.start(label, total) if folder is not None else None
    seen, changed = 0, time.monotonic()
    try:
        while child.poll() is None:
            time.sleep(POLL_SECONDS)
            now = time.monotonic()
            if folder is not None:
                size = _bytes_below(folder)
                if size != seen:
                    progress.advance(task or 0, size - seen)
                    seen, changed = size, now
            if now - changed > STALL_SECONDS:
                _stop(child)
                raise _Cut(f"nothing arrived for {STALL_SECONDS:.0f} s")
    finally:
        if task is not None:
            progress.finish(task)


def _bytes_below(folder: Path) -> int:
    """Bytes downloaded so far: the SDK's part files (``*.odl``, joined into the zip at the end) or the zip."""
    parts = whole = 0
    for dirpath, _, files in os.walk(folder):
        for name in files:
            with suppress(OSError):
                size = os.stat(os.path.join(dirpath, name)).st_size
                if name.endswith(".odl"):
                    parts += size
                else:
                    whole += size
    return max(parts, whole)
