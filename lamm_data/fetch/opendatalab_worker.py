"""Child process that drives the ``openxlab`` SDK for :mod:`lamm_data.fetch.opendatalab` (never imported by it).

Run as ``python -m lamm_data.fetch.opendatalab_worker REQUEST.json``. The SDK prints to stdout, configures
the root logger when imported, calls ``sys.exit`` on HTTP errors, replaces the ``SIGINT`` handler while it
downloads a large file and may ``pip install --upgrade`` itself; in a child process none of that reaches the
fetch that started it, and the child can be killed on Ctrl-C. The request (JSON) holds::

    {"action": "list" | "download", "repo": "owner/name", "paths": [[candidate, ...], ...] (list),
     "path": "/raw/..." (download), "target": folder (download), "config_dir": folder | null,
     "result": file to write the answer to}

Credentials reach the SDK only through the environment (``OPENXLAB_AK``/``OPENXLAB_SK``) or the SDK's stored
login; ``config_dir`` (a private temporary folder) keeps the SDK's token cache out of ``~/.openxlab`` when
the credentials come from the environment. The answer is ``{"ok": true, ...}`` or ``{"ok": false, "error":
kind, "status": HTTP status | null, "detail": text}`` with ``kind`` one of ``login``, ``missing``,
``access``, ``transfer``, ``unreachable``, ``http``, ``sdk``; no SDK text that could hold a credential is
passed on (``detail`` is scrubbed of both keys).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

ENDPOINT_ENV = "LAMM_OPENDATALAB_ENDPOINT"
"""One base URL that replaces the SDK's three hosts (dataset API, login service, version service)."""
_STATUS = re.compile(r"\b([1-9]\d\d):")


class _Failure(Exception):
    def __init__(self, kind: str, status: int | None = None, detail: str = "") -> None:
        super().__init__(kind)
        self.kind, self.status, self.detail = kind, status, detail


def _scrub(text: str) -> str:
    for var in ("OPENXLAB_AK", "OPENXLAB_SK"):
        secret = os.environ.get(var, "").strip()
        if secret:
            text = text.replace(secret, "***")
    text = re.sub(r"payload: \{.*?\}", "payload: {...}", text)  # the login payloads hold the key and signature
    return " ".join(text.split())[:300]


def _configure(config_dir: str | None) -> None:
    """Point the SDK at ``$LAMM_OPENDATALAB_ENDPOINT`` (if set) and ``config_dir``; switch off its self-update."""
    from openxlab.config import const
    from openxlab.dataset import constants
    from openxlab.dataset.commands import utility
    from openxlab.dataset.handler import download_dataset_repository
    from openxlab.xlab.handler import user_token

    if config_dir:
        const.DEFAULT_CONFIG_DIR = config_dir
    base = os.environ.get(ENDPOINT_ENV, "").rstrip("/")
    if base:
        constants.endpoint = utility.endpoint = base
        user_token.AUTH_CLIENT.endpoint = f"{base}/api/v1/sso-be/api/v1/open/"
        user_token.VERSION_CLIENT.endpoint = f"{base}/gw/openxlab-xlab/"
    # The update check may run `pip install --upgrade openxlab` inside the user's environment.
    download_dataset_repository.trigger_update_check = lambda: None


@contextlib.contextmanager
def _sdk_call(step: str):
    """Run SDK code with its stdout captured; turn its ``sys.exit`` and exceptions into :class:`_Failure`."""
    import requests

    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            yield
    except _Failure:
        raise
    except SystemExit:
        text = _scrub(out.getvalue())
        match = _STATUS.search(text)
        status = int(match.group(1)) if match else None
        if status == 401 or ("login" in text.lower() and status is None):
            raise _Failure("login", status, text) from None
        if status == 404 or "Failed to retrieve the dataset list" in text:
            raise _Failure("missing", status, text) from None
        if status in (403, 601, 602):
            raise _Failure("access", status, text) from None
        raise _Failure("http", status, text) from None
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else None
        raise _Failure("login" if step == "login" else "http", status, "") from None
    except ValueError as exc:  # the SDK's login service refused the key or the signature
        raise _Failure("login" if step == "login" else "sdk", None, _scrub(str(exc))) from None
    except requests.RequestException as exc:  # refused, reset, cut mid-body (ChunkedEncodingError), timed out
        kind = "transfer" if step == "download" else "unreachable"
        what = {"ChunkedEncodingError": "the connection broke off mid-file",
                "ReadTimeout": "the server stopped answering",
                "ConnectTimeout": "the connection timed out"}.get(type(exc).__name__, "the connection failed")
        raise _Failure(kind, None, what) from None
    except Exception as exc:
        text = _scrub(f"{type(exc).__name__}: {exc}")
        if step == "login" and "login" in text.lower():
            raise _Failure("login", None, text) from None
        # the SDK's retry decorator gives up on a connection error with a plain Exception "... failed after N retries"
        kind = ("transfer" if step == "download" else "unreachable") if "retries" in text else "sdk"
        raise _Failure(kind, None, text) from None


def _login() -> None:
    from openxlab.xlab.handler.user_token import get_jwt

    with _sdk_call("login"):
        get_jwt(auth=True)


def _list(repo: str, candidates: list[list[str]]) -> list[dict[str, Any] | None]:
    """For each archive, the first candidate path the repo holds: ``{"path", "size", "sha256"}``, else None."""
    from openxlab.dataset.commands.utility import ContextInfoNoLogin

    api = ContextInfoNoLogin().get_client().get_api()
    found: list[dict[str, Any] | None] = []
    for paths in candidates:
        hit = None
        for path in paths:
            try:
                with _sdk_call("list"):
                    data = api.get_dataset_files(dataset_name=repo.replace("/", ","), payload={"prefix": path},
                                                 needContent=True)
            except _Failure as failure:
                if failure.kind == "missing":
                    continue
                raise
            files = [f for f in data.get("list", []) if "/" + str(f.get("path", "")).lstrip("/") == path]
            if files:
                hit = {"path": path, "size": int(files[0]["size"]), "sha256": str(files[0].get("sha256") or "")}
                break
        found.append(hit)
    return found


def _download(repo: str, path: str, target: str) -> str:
    """Download ``path`` of ``repo`` below ``target``; return where the SDK put it."""
    from openxlab.dataset import download

    with _sdk_call("download"):
        download(dataset_repo=repo, source_path=path, target_path=target)
    where = Path(target) / repo.replace("/", "___") / path.lstrip("/")
    if not where.is_file():
        raise _Failure("sdk", None, "the SDK reported success but wrote no file")
    return str(where)


def main(argv: list[str]) -> int:
    request = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    answer: dict[str, Any]
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            _configure(request.get("config_dir"))
        _login()
        if request["action"] == "list":
            answer = {"ok": True, "found": _list(request["repo"], request["paths"])}
        else:
            answer = {"ok": True, "file": _download(request["repo"], request["path"], request["target"])}
    except _Failure as failure:
        answer = {"ok": False, "error": failure.kind, "status": failure.status, "detail": failure.detail}
    except Exception as exc:  # an SDK the wrapper does not know (another version)
        answer = {"ok": False, "error": "sdk", "status": None, "detail": _scrub(f"{type(exc).__name__}: {exc}")}
    result = Path(request["result"])
    tmp = result.with_name(result.name + ".tmp")
    tmp.write_text(json.dumps(answer), encoding="utf-8")
    os.replace(tmp, result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
