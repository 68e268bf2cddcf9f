"""A loopback HTTP server speaking the part of the Hugging Face hub API that ``huggingface_hub`` uses to
download dataset files, plus a plain archive mirror, with fault injection for the fetch tests.

Hub routes (as huggingface_hub 2.x calls them):

- ``GET /api/datasets/{ns}/{name}[/revision/{rev}]`` -> repo info with ``sha`` (the resolved commit);
- ``GET /api/datasets/{ns}/{name}/tree/{rev}[/{path}]`` -> tree listing: ``type``, ``oid`` (git blob id),
  ``size``, ``path`` and, for LFS files, ``lfs: {oid: sha256, size, pointerSize}``;
- ``HEAD``/``GET /datasets/{ns}/{name}/resolve/{rev}/{path}`` -> the file, with ``X-Repo-Commit``, ``ETag``
  (LFS sha256 or git blob id), ``X-Linked-Etag``/``X-Linked-Size`` for LFS files, and ``Range`` support.

Upload routes (``HfApi.create_repo`` and ``upload_folder`` with the LFS protocol; tests switch the client's
Xet transfer off, as ``HF_HUB_DISABLE_XET=1`` does), requiring ``Authorization: Bearer <token>``:

- ``POST /api/validate-yaml`` -> checks the card's front matter (YAML, hub licence ids);

- ``POST /api/repos/create`` -> creates a dataset repo (``private`` recorded), 409 if it exists;
- ``POST /api/datasets/{ns}/{name}/preupload/{rev}`` -> ``uploadMode`` ``lfs`` for files of at least
  ``LFS_THRESHOLD`` bytes (judged by the ``size`` the client sends), else ``regular``;
- ``POST /datasets/{ns}/{name}.git/info/lfs/objects/batch`` -> an ``upload`` action per object not stored yet,
  pointing at ``PUT /lfs-upload/{oid}`` (pre-signed like the hub's storage URLs: no token; the body must hash
  to ``oid``);
- ``POST /api/datasets/{ns}/{name}/commit/{rev}`` -> the NDJSON commit (``header``, ``file`` with base64
  content, ``lfsFile`` by oid) becomes a new commit on the branch.

Errors carry the hub's ``X-Error-Code`` header (``RepoNotFound``, ``RevisionNotFound``, ``EntryNotFound``)
so the client raises its usual exceptions. Mirror route: ``HEAD``/``GET /mirror/{path}`` serves files of
a folder with ``Range``/``If-Range``/``ETag``.

Faults, keyed by the request path (``server.resolve_path(...)``, ``server.mirror_path(...)``):
``cut_once[path] = n`` sends n bytes of the next GET body then drops the connection; ``cut_at[path] = n``
never sends bytes past absolute offset n (every GET is cut there); ``corrupt`` flips one byte of the body;
``hidden`` answers 404 on resolve although the tree lists the file.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self
from urllib.parse import parse_qs, unquote

from lamm_data import catalog
from lamm_data.sample import sample_source

FAKE_TOKEN = "hf_lammTestTokenNeverShown0123456789"
HUB_LICENSES = frozenset(("apache-2.0", "mit", "cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0", "cc-by-nc-sa-4.0",
                          "cc-by-nc-sa-3.0", "cc-by-nc-nd-4.0", "cc0-1.0", "odc-by", "other", "unknown"))
"""Licence ids the hub accepts (part of its list), for the card check of ``POST /api/validate-yaml``."""
LFS_THRESHOLD = 1024
"""Files at least this large (bytes) are served as LFS files, smaller ones as plain git files."""


def git_blob_id(data: bytes) -> str:
    """The git blob sha1 of ``data``."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def lfs_pointer(data: bytes) -> bytes:
    """The git-lfs pointer file of ``data``."""
    return (f"version https://git-lfs.github.com/spec/v1\noid sha256:{hashlib.sha256(data).hexdigest()}\n"
            f"size {len(data)}\n").encode()


@dataclass
class Repo:
    """A dataset repo: commits (sha -> {path: bytes}) and refs (branch name -> sha)."""

    repo_id: str
    commits: dict[str, dict[str, bytes]] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    private: bool = False
    messages: dict[str, str] = field(default_factory=dict)
    """Commit sha -> its summary (commits made through the upload routes)."""

    def resolve(self, revision: str) -> str | None:
        return self.refs.get(revision) or (revision if revision in self.commits else None)


@dataclass
class Request:
    """One request the server saw."""

    method: str
    path: str
    range: str | None
    authorization: str | None


class LoopbackServer:
    """An HTTP server on a free loopback port, serving in a thread while used as a context manager; its handler
    reaches the owning object as ``self.server.<attribute>``. ``url`` is the server's address."""

    def _serve(self, handler: type[BaseHTTPRequestHandler], attribute: str) -> None:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        setattr(self._httpd, attribute, self)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class HubServer(LoopbackServer):
    """The server; use as a context manager. ``url`` is the value for ``HF_ENDPOINT``."""

    def __init__(self, mirror_dir: Path | None = None) -> None:
        self.repos: dict[str, Repo] = {}
        self.mirror_dir = mirror_dir
        self.log: list[Request] = []
        self.cut_once: dict[str, int] = {}
        self.cut_at: dict[str, int] = {}
        self.corrupt: set[str] = set()
        self.hidden: set[str] = set()
        self.lfs: dict[str, bytes] = {}
        """LFS objects uploaded through ``PUT /lfs-upload/{oid}``, by sha256."""
        self.write_token = FAKE_TOKEN
        """The token the upload routes accept."""
        self._serve(_Handler, "hub")

    # -- content ---------------------------------------------------------------------------------------
    def add_repo(self, repo_id: str, files: dict[str, bytes]) -> str:
        """Create ``repo_id`` with one commit holding ``files`` on ``main``; return the commit sha."""
        self.repos[repo_id] = Repo(repo_id)
        return self.commit(repo_id, files)

    def commit(self, repo_id: str, changes: dict[str, bytes | None], branch: str = "main") -> str:
        """A new commit on ``branch``: add/replace files (``None`` deletes); return its sha."""
        repo = self.repos[repo_id]
        files = dict(repo.commits.get(repo.refs.get(branch, ""), {}))
        for path, data in changes.items():
            if data is None:
                files.pop(path, None)
            else:
                files[path] = data
        digest = hashlib.sha1(repo_id.encode())
        for path in sorted(files):
            digest.update(path.encode() + b"\0" + hashlib.sha256(files[path]).digest())
        digest.update(str(len(repo.commits)).encode())
        sha = digest.hexdigest()
        repo.commits[sha] = files
        repo.refs[branch] = sha
        return sha

    def files(self, repo_id: str, revision: str = "main") -> dict[str, bytes]:
        """The files of a repo at a revision."""
        repo = self.repos[repo_id]
        return repo.commits[repo.resolve(revision) or ""]

    def resolve_path(self, repo_id: str, path: str, revision: str = "main") -> str:
        """The URL path ``hf_hub_download`` requests for a file (a key for the fault tables)."""
        return f"/datasets/{repo_id}/resolve/{revision}/{path}"

    def mirror_path(self, relpath: str) -> str:
        """The URL path of a file of the mirror folder."""
        return f"/mirror/{relpath}"

    def requests(self, method: str | None = None, contains: str = "") -> list[Request]:
        """Logged requests, optionally filtered by method and a substring of the path."""
        return [r for r in self.log if (method is None or r.method == method) and contains in r.path]


def sample_hub_files(repo_id: str) -> dict[str, bytes]:
    """The embedded sample's meta files laid out as ``repo_id`` names them (``catalog.hub_paths``).

    The sample holds every benchmark file but one instruction file per instruct group; the other
    instruction files of the catalog are served as copies of the sample file with the same record type,
    so every catalog file the repo publishes exists.
    """
    src = sample_source()
    by_record = {e.record: src / e.relpath for e in catalog.entries(kind="meta") if (src / e.relpath).is_file()}
    files = {"README.md": b"# LAMM (test copy)\n", ".gitattributes": b"*.json filter=lfs diff=lfs merge=lfs -text\n"}
    for entry in catalog.entries(kind="meta"):
        paths = entry.hub_paths(repo_id)
        if paths:
            own = src / entry.relpath
            files[paths[0]] = (own if own.is_file() else by_record[entry.record]).read_bytes()
    return files


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes: avoid 40 ms delayed-ACK stalls
    server: ThreadingHTTPServer

    @property
    def hub(self) -> HubServer:
        return self.server.hub  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: object) -> None:  # silence
        pass

    def do_HEAD(self) -> None:
        self._route(head=True)

    def do_GET(self) -> None:
        self._route(head=False)

    def do_POST(self) -> None:
        self._write_route()

    def do_PUT(self) -> None:
        self._write_route()

    # -- uploads ---------------------------------------------------------------------------------------
    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _write_route(self) -> None:
        raw_path = self.path.partition("?")[0]
        path = unquote(raw_path)
        self.hub.log.append(Request(self.command, path, None, self.headers.get("Authorization")))
        body = self._read_body()
        # the LFS upload URL is pre-signed, as the hub's storage URLs are: no Authorization header there
        if not raw_path.startswith("/lfs-upload/") and self.headers.get("Authorization") != \
                f"Bearer {self.hub.write_token}":
            self._error(401, None, "Invalid username or password.")
            return
        parts = raw_path.strip("/").split("/")
        if self.command == "POST" and parts == ["api", "validate-yaml"]:
            self._validate_yaml(json.loads(body)["content"])
        elif self.command == "POST" and parts == ["api", "repos", "create"]:
            self._create_repo(json.loads(body))
        elif self.command == "POST" and parts[:2] == ["api", "datasets"] and len(parts) >= 6 and \
                parts[4] in ("preupload", "commit"):
            repo_id = f"{unquote(parts[2])}/{unquote(parts[3])}"
            if repo_id not in self.hub.repos:
                self._error(404, "RepoNotFound", f"Repository {repo_id} not found")
            elif parts[4] == "preupload":
                files = json.loads(body)["files"]
                self._json({"files": [{"path": f["path"], "shouldIgnore": False,
                                       "uploadMode": "lfs" if f["size"] >= LFS_THRESHOLD else "regular"}
                                      for f in files], "commitOid": self.hub.repos[repo_id].refs.get("main")})
            else:
                self._commit(repo_id, unquote("/".join(parts[5:])), body)
        elif self.command == "POST" and parts[0] == "datasets" and len(parts) == 7 and parts[3:] == \
                ["info", "lfs", "objects", "batch"]:
            request = json.loads(body)
            objects = [{"oid": o["oid"], "size": o["size"], "authenticated": True,
                        **({} if o["oid"] in self.hub.lfs else
                           {"actions": {"upload": {"href": f"{self.hub.url}/lfs-upload/{o['oid']}?signed=1"}}})}
                       for o in request["objects"]]
            self._json({"transfer": "basic", "objects": objects, "hash_algo": "sha256"})
        elif self.command == "PUT" and parts[0] == "lfs-upload" and len(parts) == 2:
            if hashlib.sha256(body).hexdigest() != parts[1]:
                self._error(400, None, "sha256 of the upload does not match its oid")
                return
            self.hub.lfs[parts[1]] = body
            self._json({})
        else:
            self._error(404, None, "no such route")

    def _validate_yaml(self, content: str) -> None:
        """The card's front matter must be YAML, and its licences hub licence ids (a subset of the hub's list)."""
        import yaml

        errors = []
        try:
            meta = yaml.safe_load(content.split("---\n")[1]) if content.startswith("---\n") else {}
        except yaml.YAMLError as exc:
            meta, errors = {}, [{"message": f"front matter is not YAML: {exc}"}]
        licenses = meta.get("license", [])
        for value in [licenses] if isinstance(licenses, str) else licenses:
            if value not in HUB_LICENSES:
                errors.append({"message": f'"license" must be one of the hub licence ids, got {value!r}'})
        if errors:
            body = json.dumps({"errors": errors}).encode()
            self._send(400, {"Content-Type": "application/json", "Content-Length": str(len(body))}, body, False)
        else:
            self._json({"errors": [], "warnings": []})

    def _create_repo(self, request: dict) -> None:
        repo_id = f"{request['organization']}/{request['name']}" if request.get("organization") else request["name"]
        if request.get("type") != "dataset":
            self._error(400, None, f"this test hub holds dataset repos only, not {request.get('type')}")
        elif repo_id in self.hub.repos:
            self._error(409, None, "You already created this dataset repo")
        else:
            private = request.get("visibility") == "private" or bool(request.get("private"))  # new or old client
            self.hub.repos[repo_id] = Repo(repo_id, private=private)
            self._json({"url": f"{self.hub.url}/datasets/{repo_id}", "name": repo_id, "id": repo_id})

    def _commit(self, repo_id: str, revision: str, body: bytes) -> None:
        import base64

        changes: dict[str, bytes | None] = {}
        summary = ""
        for line in body.decode().splitlines():
            item = json.loads(line)
            value = item["value"]
            if item["key"] == "header":
                summary = value.get("summary", "")
            elif item["key"] == "file":
                changes[value["path"]] = base64.b64decode(value["content"])
            elif item["key"] == "lfsFile":
                if value["oid"] not in self.hub.lfs:
                    self._error(400, None, f"LFS object {value['oid']} was never uploaded")
                    return
                changes[value["path"]] = self.hub.lfs[value["oid"]]
            elif item["key"] == "deletedFile":
                changes[value["path"]] = None
        sha = self.hub.commit(repo_id, changes, branch=revision)
        self.hub.repos[repo_id].messages[sha] = summary
        self._json({"commitUrl": f"{self.hub.url}/datasets/{repo_id}/commit/{sha}", "commitOid": sha,
                    "pullRequestUrl": None})

    # -- routing ---------------------------------------------------------------------------------------
    def _route(self, head: bool) -> None:
        raw_path, _, query = self.path.partition("?")
        path = unquote(raw_path)
        self.hub.log.append(Request(self.command, path, self.headers.get("Range"), self.headers.get("Authorization")))
        parts = raw_path.strip("/").split("/")
        if parts[:2] == ["api", "datasets"] and len(parts) >= 4:
            self._api(parts, parse_qs(query))
        elif parts[0] == "datasets" and len(parts) >= 6 and parts[3] == "resolve":
            repo_id = f"{unquote(parts[1])}/{unquote(parts[2])}"
            self._resolve(repo_id, unquote(parts[4]), unquote("/".join(parts[5:])), path, head)
        elif parts[0] == "mirror" and self.hub.mirror_dir is not None:
            self._mirror(unquote("/".join(parts[1:])), path, head)
        else:
            self._error(404, None, "no such route")

    def _repo(self, repo_id: str, revision: str) -> tuple[Repo, str] | None:
        repo = self.hub.repos.get(repo_id)
        if repo is None:
            self._error(404, "RepoNotFound", f"Repository {repo_id} not found")
            return None
        sha = repo.resolve(revision)
        if sha is None:
            self._error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
            return None
        return repo, sha

    def _api(self, parts: list[str], query: dict[str, list[str]]) -> None:
        repo_id = f"{unquote(parts[2])}/{unquote(parts[3])}"
        rest = parts[4:]
        if not rest or rest[0] == "revision":
            found = self._repo(repo_id, unquote(rest[1]) if len(rest) > 1 else "main")
            if found:
                repo, sha = found
                self._json({"id": repo_id, "sha": sha, "private": False, "disabled": False,
                            "siblings": [{"rfilename": p} for p in sorted(repo.commits[sha])]})
        elif rest[0] == "tree" and len(rest) >= 2:
            found = self._repo(repo_id, unquote(rest[1]))
            if found:
                repo, sha = found
                recursive = query.get("recursive", ["False"])[0].lower() == "true"
                self._tree(repo.commits[sha], unquote("/".join(rest[2:])).strip("/"), recursive)
        else:
            self._error(404, None, "no such API route")

    def _tree(self, files: dict[str, bytes], folder: str, recursive: bool) -> None:
        prefix = f"{folder}/" if folder else ""
        below = {p: d for p, d in files.items() if p.startswith(prefix)}
        if folder and not below:
            self._error(404, "EntryNotFound", f"{folder} does not exist")
            return
        entries, dirs = [], set()
        for path, data in sorted(below.items()):
            rest = path[len(prefix):]
            if "/" in rest:
                dirs.add(prefix + rest.split("/")[0])
                if not recursive:
                    continue
            entry = {"type": "file", "oid": git_blob_id(data), "size": len(data), "path": path}
            if len(data) >= LFS_THRESHOLD:
                pointer = lfs_pointer(data)
                entry["oid"] = git_blob_id(pointer)
                entry["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data),
                                "pointerSize": len(pointer)}
            entries.append(entry)
        entries += [{"type": "directory", "oid": hashlib.sha1(d.encode()).hexdigest(), "size": 0, "path": d}
                    for d in sorted(dirs)]
        self._json(entries)

    def _resolve(self, repo_id: str, revision: str, file: str, path: str, head: bool) -> None:
        found = self._repo(repo_id, revision)
        if not found:
            return
        repo, sha = found
        data = repo.commits[sha].get(file)
        if data is None or path in self.hub.hidden:
            self._error(404, "EntryNotFound", "Entry not found", commit=sha)
            return
        lfs = len(data) >= LFS_THRESHOLD
        etag = hashlib.sha256(data).hexdigest() if lfs else git_blob_id(data)
        headers = {"X-Repo-Commit": sha, "ETag": f'"{etag}"'}
        if lfs:
            headers |= {"X-Linked-Etag": f'"{etag}"', "X-Linked-Size": str(len(data))}
        self._body(data, headers, path, head)

    def _mirror(self, relpath: str, path: str, head: bool) -> None:
        assert self.hub.mirror_dir is not None
        file = (self.hub.mirror_dir / relpath).resolve()
        if not file.is_file() or self.hub.mirror_dir.resolve() not in file.parents:
            self._error(404, None, "not found")
            return
        data = file.read_bytes()
        etag = f'"{hashlib.sha256(data).hexdigest()[:20]}"'
        if_range = self.headers.get("If-Range")
        self._body(data, {"ETag": etag}, path, head, honour_range=if_range in (None, etag))

    # -- responses -------------------------------------------------------------------------------------
    def _body(self, data: bytes, headers: dict[str, str], path: str, head: bool, honour_range: bool = True) -> None:
        start = 0
        requested = self.headers.get("Range")
        if requested and honour_range:
            start = int(requested.removeprefix("bytes=").split("-")[0])
            if start >= len(data):
                self._send(416, {"Content-Range": f"bytes */{len(data)}", "Content-Length": "0"}, b"", head)
                return
            headers = headers | {"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"}
        body = data[start:]
        if not head and path in self.hub.corrupt and body:
            flipped = bytearray(body)
            flipped[len(flipped) // 2] ^= 0xFF
            body = bytes(flipped)
        limit = None
        if not head and path in self.hub.cut_once:
            limit = self.hub.cut_once.pop(path)
        elif not head and path in self.hub.cut_at:
            limit = max(0, self.hub.cut_at[path] - start)
        headers = headers | {"Accept-Ranges": "bytes", "Content-Length": str(len(body)),
                             "Content-Type": "application/octet-stream"}
        status = 206 if "Content-Range" in headers else 200
        if limit is None or limit >= len(body):
            self._send(status, headers, body, head)
            return
        self._send(status, headers, body[:limit], head=False, complete=False)

    def _send(self, status: int, headers: dict[str, str], body: bytes, head: bool, complete: bool = True) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)
        self.wfile.flush()
        if not complete:  # drop the connection mid-body
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)

    def _json(self, value: object) -> None:
        body = json.dumps(value).encode()
        self._send(200, {"Content-Type": "application/json", "Content-Length": str(len(body))}, body,
                   self.command == "HEAD")

    def _error(self, status: int, code: str | None, message: str, commit: str | None = None) -> None:
        body = json.dumps({"error": message}).encode()
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body)), "X-Error-Message": message}
        if code:
            headers["X-Error-Code"] = code
        if commit:
            headers["X-Repo-Commit"] = commit
        self._send(status, headers, body, self.command == "HEAD")


def closed_port_url() -> str:
    """``http://127.0.0.1:<port>`` for a port nothing listens on (connections are refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@contextmanager
def serving(monkeypatch, home: Path, mirror_dir: Path | None = None) -> Iterator[HubServer]:
    """A running server holding both LAMM repos (sample files), with the hub client pointed at it.

    ``HF_ENDPOINT`` is set in the environment only: ``huggingface_hub.constants.ENDPOINT`` (read once at
    import) is pointed at a closed local port, so a test passes only if fetch reads ``HF_ENDPOINT`` at call
    time, and nothing can reach the internet. Offline mode is switched off in both places; the hub cache,
    token file and agent registry of the client are redirected below ``home``.
    """
    from huggingface_hub import constants

    with HubServer(mirror_dir) as server:
        for repo in (catalog.DEFAULT_REPO, catalog.OLD_REPO):
            server.add_repo(repo, sample_hub_files(repo))
        dead = closed_port_url()
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        monkeypatch.setattr(constants, "ENDPOINT", dead)
        monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", dead + "/{repo_id}/resolve/{revision}/{filename}")
        monkeypatch.setattr(constants, "HF_HUB_CACHE", str(home / "hub-cache"))
        monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(home / "no-token"))
        monkeypatch.setattr(constants, "HF_STORED_TOKENS_PATH", str(home / "no-stored-tokens"))
        monkeypatch.setattr(constants, "AGENT_HARNESSES_PATH", str(home / "agent-harnesses.json"))
        monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)  # uploads take the LFS route this server speaks
        yield server
