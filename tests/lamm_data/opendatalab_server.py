"""A loopback stand-in for the OpenXLab / OpenDataLab endpoints that the ``openxlab`` SDK (0.1.3) calls to log
in and download a dataset file, with fault injection for the fetch tests.

The SDK has no setting for its hosts; ``lamm_data.fetch.opendatalab_worker`` points the SDK's host
attributes at ``$LAMM_OPENDATALAB_ENDPOINT`` (this server's ``url``). Routes, as the SDK calls them:

Login service (``https://openapi.openxlab.org.cn/api/v1/sso-be/api/v1/open/`` in the SDK):

- ``POST .../auth`` ``{"ak"}`` -> a nonce and the algorithm ``HmacSHA256``;
- ``POST .../getJwt`` ``{"ak", "d"}`` with ``d = base64(HMAC-SHA256(sk, nonce))`` -> ``jwt``, ``expiration``,
  ``sso_uid``, ``refresh_token``, ``refresh_expiration`` (times ``YYYY-MM-DD HH:MM:SS``, Asia/Shanghai);
- ``POST .../refreshJwt`` ``{"ak", "refresh_token"}`` -> a new token.

Every answer is ``{"msgCode": "10000", "msg", "data": {"msgCode", "msg", "data": {...}}}``; a refused key or
signature has an inner ``msgCode`` other than ``10000``.

Dataset service (``https://openxlab.org.cn`` in the SDK), ``Authorization: <jwt>`` required, else 401:

- ``GET /datasets/api/v2/datasets/{owner},{name}/r/main?prefix=...`` -> ``{"data": {"hasMediaFile",
  "list": [{"path", "size", "sha256", "dataset_id"}], "hasNext"}}`` (an empty list for a missing path);
- ``GET /datasets/api/v2/downloadCheck/{dataset_id}/main/{path}`` -> 200;
- ``GET /datasets/resolve/{dataset_id}/main/{path}`` -> 302 to a signed storage URL (``/oss/...``);
- ``GET /oss/{dataset_id}/{path}?Expires=..&Signature=..`` -> the bytes (``Range`` honoured), no auth;
- ``POST /datasets/api/v2/track/datasets/cli/download/{owner},{name}`` -> 200.

Version service (``POST /gw/openxlab-xlab/api/v1/cli/version``) answers "latest, no auto update"; the tests
assert that fetch never calls it. Faults, keyed by the file's path in the repo (``/raw/GROUP/x.zip``):
``unlisted`` (the listing omits it: 404 to the SDK), ``unresolvable`` (listed, but resolve answers 404),
``cut_once[path] = n`` / ``cut_always[path] = n`` (send n bytes of the body, then drop the connection),
``wrong_sha`` (the listing gives another sha256), ``slow[path] = s`` (pause s seconds halfway through the
body), ``form_first`` (downloadCheck answers 601: the dataset's access form must be filled in on the site
first). A jwt the server did not issue (or issued to an earlier server) is refused with 401, as an
expired or revoked login is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote

from hub_server import LoopbackServer

AUTH = "/api/v1/sso-be/api/v1/open/"
SHANGHAI = timezone(timedelta(hours=8))


def sdk_time(delta: timedelta) -> str:
    """Now + ``delta`` in the SDK's time format (Asia/Shanghai wall clock)."""
    return (datetime.now(SHANGHAI) + delta).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class Seen:
    """One request the server saw (body kept for the credential checks)."""

    method: str
    path: str
    authorization: str | None
    body: bytes


@dataclass
class OpenDataLabServer(LoopbackServer):
    """The server; use as a context manager. ``url`` is the value for ``LAMM_OPENDATALAB_ENDPOINT``."""

    keys: dict[str, str] = field(default_factory=dict)
    repos: dict[str, dict[str, bytes]] = field(default_factory=dict)
    log: list[Seen] = field(default_factory=list)
    unlisted: set[str] = field(default_factory=set)
    unresolvable: set[str] = field(default_factory=set)
    wrong_sha: set[str] = field(default_factory=set)
    cut_once: dict[str, int] = field(default_factory=dict)
    cut_always: dict[str, int] = field(default_factory=dict)
    slow: dict[str, float] = field(default_factory=dict)
    form_first: set[str] = field(default_factory=set)
    tokens: dict[str, str] = field(default_factory=dict)
    """jwt -> ak of every token issued (and not expired)."""

    def __post_init__(self) -> None:
        self._nonces: dict[str, str] = {}
        self._refresh: dict[str, str] = {}
        self._serve(_Handler, "odl")

    def dataset_id(self, repo: str) -> int:
        return 1000 + sorted(self.repos).index(repo)

    def issue(self, ak: str) -> dict[str, str]:
        """A fresh token for ``ak`` in the shape getJwt returns."""
        jwt, refresh = "jwt-" + secrets.token_hex(16), "rt-" + secrets.token_hex(16)
        self.tokens[jwt], self._refresh[refresh] = ak, ak
        return {"jwt": jwt, "expiration": sdk_time(timedelta(hours=1)), "sso_uid": f"uid-{ak[:4]}",
                "refresh_token": refresh, "refresh_expiration": sdk_time(timedelta(days=7))}

    def seen(self, method: str | None = None, contains: str = "") -> list[Seen]:
        return [r for r in self.log if (method is None or r.method == method) and contains in r.path]


def sign(sk: str, nonce: str) -> str:
    """The login signature: base64 of HMAC-SHA256 over the nonce, keyed with the secret key."""
    return base64.b64encode(hmac.new(sk.encode(), nonce.encode(), hashlib.sha256).digest()).decode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: ThreadingHTTPServer

    @property
    def odl(self) -> OpenDataLabServer:
        return self.server.odl  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def _route(self) -> None:
        raw, _, query = self.path.partition("?")
        path = unquote(raw)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.odl.log.append(Seen(self.command, path, self.headers.get("Authorization"), body))
        if path.startswith(AUTH) and self.command == "POST":
            self._login(path[len(AUTH):], json.loads(body or b"{}"))
        elif path == "/gw/openxlab-xlab/api/v1/cli/version":
            self._json({"msgCode": "10000", "msg": "Success", "data": {"is_latest_version": True,
                                                                       "latest_version": "OpenXLab 0.1.3",
                                                                       "auto_update": False}})
        elif path.startswith("/oss/"):
            self._storage(path)
        elif path.startswith("/datasets/"):
            if self.headers.get("Authorization") not in self.odl.tokens:
                self._text(401, "unauthorized: the token is invalid or expired, please login again")
                return
            self._dataset(path, parse_qs(query))
        else:
            self._text(404, "no such route")

    # -- login service -----------------------------------------------------------------------------
    def _login(self, step: str, payload: dict[str, str]) -> None:
        ak = payload.get("ak", "")
        if step == "auth":
            if ak not in self.odl.keys:
                self._inner("20003", "access key does not exist")
                return
            nonce = secrets.token_hex(12)
            self.odl._nonces[ak] = nonce
            self._inner("10000", "", {"nonce": nonce, "algorithm": "HmacSHA256"})
        elif step == "getJwt":
            nonce = self.odl._nonces.pop(ak, None)
            if ak not in self.odl.keys or nonce is None or payload.get("d") != sign(self.odl.keys[ak], nonce):
                self._inner("20004", "signature verification failed")
                return
            self._inner("10000", "", self.odl.issue(ak))
        elif step == "refreshJwt":
            owner = self.odl._refresh.pop(payload.get("refresh_token", ""), None)
            if owner is None or owner != ak:
                self._inner("20005", "refresh token expired")
                return
            self._inner("10000", "", self.odl.issue(ak))
        else:
            self._text(404, "no such route")

    def _inner(self, code: str, msg: str, data: dict[str, str] | None = None) -> None:
        self._json({"msgCode": "10000", "msg": "Success", "data": {"msgCode": code, "msg": msg, "data": data}})

    # -- dataset service ---------------------------------------------------------------------------
    def _dataset(self, path: str, query: dict[str, list[str]]) -> None:
        parts = path.strip("/").split("/")
        if parts[:4] == ["datasets", "api", "v2", "datasets"] and parts[5:] == ["r", "main"]:
            self._listing(parts[4].replace(",", "/"), query.get("prefix", ["/"])[0])
        elif parts[:4] == ["datasets", "api", "v2", "downloadCheck"]:
            if "/" + "/".join(parts[6:]) in self.odl.form_first:
                # the SDK expects a link in this answer (it adds "?from=cli" to the first URL it finds)
                self._text(601, "please fill in the application form first: https://opendatalab.com/LAMM/LAMM")
                return
            self._json({"msgCode": "10000", "data": None})
        elif parts[:2] == ["datasets", "resolve"] and parts[3:4] == ["main"]:
            repo = self._repo_of(int(parts[2]))
            file = "/" + "/".join(parts[4:])
            if repo is None or file not in self.odl.repos[repo] or file in self.odl.unresolvable:
                self._text(404, f"file {file} not found")
                return
            self.send_response(302)
            self.send_header("Location", f"{self.odl.url}/oss/{parts[2]}{file}?Expires=9999999999&Signature=x")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif parts[:6] == ["datasets", "api", "v2", "track", "datasets", "cli"]:
            self._json({"msgCode": "10000", "data": None})
        else:
            self._text(404, "no such route")

    def _repo_of(self, dataset_id: int) -> str | None:
        return next((r for r in self.odl.repos if self.odl.dataset_id(r) == dataset_id), None)

    def _listing(self, repo: str, prefix: str) -> None:
        files = self.odl.repos.get(repo)
        if files is None:
            self._text(404, f"dataset {repo} not found")
            return
        items = []
        for file, data in sorted(files.items()):
            if file.startswith(prefix) and file not in self.odl.unlisted:
                sha = hashlib.sha256(data + (b"x" if file in self.odl.wrong_sha else b"")).hexdigest()
                items.append({"path": file, "size": len(data), "sha256": sha, "dataset_id": self.odl.dataset_id(repo)})
        self._json({"msgCode": "10000", "data": {"hasMediaFile": True, "list": items, "hasNext": False,
                                                 "toast": ""}})

    def _storage(self, path: str) -> None:
        parts = path.strip("/").split("/")
        repo = self._repo_of(int(parts[1]))
        file = "/" + "/".join(parts[2:])
        data = self.odl.repos[repo].get(file) if repo else None
        if data is None:
            self._text(404, "NoSuchKey")
            return
        start = 0
        status = 200
        headers = {"Content-Type": "application/zip", "Accept-Ranges": "bytes"}
        if self.headers.get("Range"):
            first, _, last = self.headers["Range"].removeprefix("bytes=").partition("-")
            start, end = int(first), int(last) if last else len(data) - 1
            data, status = data[start:end + 1], 206
            headers["Content-Range"] = f"bytes {start}-{start + len(data) - 1}/{len(self.odl.repos[repo][file])}"
        limit = self.odl.cut_once.pop(file, None)
        if limit is None:
            limit = self.odl.cut_always.get(file)
        headers["Content-Length"] = str(len(data))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        half = len(data) // 2
        if file in self.odl.slow:
            self.wfile.write(data[:half])
            self.wfile.flush()
            time.sleep(self.odl.slow[file])
            data = data[half:]
        if limit is not None and limit < len(data):
            self.wfile.write(data[:limit])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(data)
        self.wfile.flush()

    # -- responses ---------------------------------------------------------------------------------
    def _json(self, value: object) -> None:
        body = json.dumps(value).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _text(self, status: int, text: str) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
