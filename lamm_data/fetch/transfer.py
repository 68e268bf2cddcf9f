"""Resumable HTTP(S) downloads for archive mirrors (stdlib ``urllib``; no hub headers, never a token).

Bytes go to a ``.partial`` file; a JSON sidecar (``<partial>.json``) remembers the URL and the server's
validator (``ETag`` or ``Last-Modified``). The next attempt, in this run after a cut connection or in a
later run after an interruption, asks for the rest with ``Range: bytes=<have>-`` and ``If-Range``; a
server that answers 200 instead of 206 (file changed, or no Range support) restarts the file from zero.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from lamm_data._version import __version__
from lamm_data.fetch.errors import FetchError, HubUnreachableError, RemoteNotFoundError
from lamm_data.fetch.progress import SILENT, Progress
from lamm_data.hashing import CHUNK

USER_AGENT = f"lamm-data/{__version__}"
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
_UNSATISFIED = re.compile(r"bytes \*/(\d+)")
_CUT = (http.client.HTTPException, ConnectionError, socket.timeout, TimeoutError)


@dataclass(frozen=True)
class Transfer:
    """Outcome of :func:`download`: the file's size, bytes received over the network, and the size of the
    partial file this call started from (bytes)."""

    size: int
    received: int
    resumed_from: int


@dataclass(frozen=True)
class _Attempt:
    complete: bool
    size: int
    received: int
    validator: str | None


class _Bar:
    """One progress task whose "done" count follows the partial file's length."""

    def __init__(self, progress: Progress, label: str) -> None:
        self.progress, self.label = progress, label
        self.task: int | None = None
        self.shown = 0

    def at(self, total: int | None, offset: int) -> None:
        if self.task is None:
            self.task = self.progress.start(self.label, total)
        self.add(offset - self.shown)

    def add(self, amount: int) -> None:
        if self.task is not None and amount:
            self.progress.advance(self.task, amount)
            self.shown += amount

    def close(self) -> None:
        if self.task is not None:
            self.progress.finish(self.task)


def sidecar(partial: Path) -> Path:
    """The state file kept beside ``partial``."""
    return partial.with_name(partial.name + ".json")


def _resume_state(partial: Path, url: str) -> str | None:
    """The validator saved for ``partial`` if it holds bytes of ``url``; otherwise delete the stale partial."""
    try:
        state = json.loads(sidecar(partial).read_text(encoding="utf-8"))
        if state.get("url") == url and partial.is_file():
            return str(state.get("validator") or "")
    except (OSError, ValueError, AttributeError):  # no sidecar, or not the JSON object we write: start again
        pass
    partial.unlink(missing_ok=True)
    return None


def download(url: str, partial: Path, *, progress: Progress = SILENT, label: str = "", retries: int = 5,
             retry_wait: float = 1.0, timeout: float = 60.0) -> Transfer:
    """Download ``url`` into ``partial``, resuming the bytes already there, until it is complete.

    A cut connection is retried up to ``retries`` times in a row (the count resets whenever bytes arrive),
    ``retry_wait`` seconds apart. The caller verifies the file and renames it.

    Raises:
        RemoteNotFoundError: HTTP 404 or 410.
        HubUnreachableError: the server cannot be reached, or keeps cutting the connection.
        FetchError: another HTTP error, or more bytes than announced.
    """
    partial.parent.mkdir(parents=True, exist_ok=True)
    validator = _resume_state(partial, url)
    resumed_from = partial.stat().st_size if validator is not None else 0
    bar = _Bar(progress, label or url.rsplit("/", 1)[-1])
    received, failures = 0, 0
    try:
        while True:
            have = partial.stat().st_size if partial.is_file() else 0
            attempt = _attempt(url, partial, have, validator, bar, timeout)
            received += attempt.received
            validator = attempt.validator
            if attempt.complete:
                return Transfer(attempt.size, received, resumed_from)
            failures = 0 if attempt.received else failures + 1
            if failures > retries:
                raise HubUnreachableError(f"{url}: the connection keeps breaking ({retries} retries without "
                                          "progress); run the command again to resume where it stopped")
            time.sleep(retry_wait)
    finally:
        bar.close()


def _attempt(url: str, partial: Path, have: int, validator: str | None, bar: _Bar, timeout: float) -> _Attempt:
    """One GET from byte ``have``; a cut connection gives ``complete=False``."""
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if have:
        headers["Range"] = f"bytes={have}-"
        if validator:
            headers["If-Range"] = validator
    try:
        response = urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 416 and have:
            match = _UNSATISFIED.fullmatch((exc.headers.get("Content-Range") or "").strip())
            if match and int(match.group(1)) == have:
                return _Attempt(True, have, 0, validator)
            partial.unlink(missing_ok=True)  # longer than the file now is: start again
            return _Attempt(False, 0, 0, None)
        if exc.code in (404, 410):
            raise RemoteNotFoundError(f"{url}: not found on the mirror (HTTP {exc.code})") from None
        raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, _CUT):
            return _Attempt(False, have, 0, validator)
        raise HubUnreachableError(f"cannot reach {url}: {exc.reason}") from None
    except _CUT:
        return _Attempt(False, have, 0, validator)
    with response:
        offset, total = _offset_and_total(response, have, url)
        validator = response.headers.get("ETag") or response.headers.get("Last-Modified") or ""
        sidecar(partial).write_text(json.dumps({"url": url, "validator": validator}), encoding="utf-8")
        bar.at(total, offset)
        got = 0
        with open(partial, "r+b" if offset else "wb") as f:
            f.seek(offset)
            f.truncate()
            try:
                while chunk := response.read(CHUNK):
                    f.write(chunk)
                    got += len(chunk)
                    bar.add(len(chunk))
            except _CUT:
                return _Attempt(False, offset + got, got, validator)
    size = offset + got
    if total is not None and size > total:
        partial.unlink(missing_ok=True)
        raise FetchError(f"{url}: received {size} bytes, the server announced {total}")
    return _Attempt(total is None or size == total, size, got, validator)


def _offset_and_total(response: http.client.HTTPResponse, have: int, url: str) -> tuple[int, int | None]:
    """Where the body starts in the file and the file's full size (``None`` when the server does not say)."""
    if response.status == 206:
        header = (response.headers.get("Content-Range") or "").strip()
        match = _CONTENT_RANGE.fullmatch(header)
        if not match or int(match.group(1)) != have:
            raise FetchError(f"{url}: unexpected Content-Range {header!r} for a request from byte {have}")
        return have, None if match.group(3) == "*" else int(match.group(3))
    length = response.headers.get("Content-Length")
    return 0, int(length) if length and length.isdigit() else None
