"""Meta files from the Hugging Face hub, through the real ``huggingface_hub`` client.

One fetch pins the revision to a commit (``HfApi.dataset_info``), reads the sizes and LFS sha256 of the
wanted files from the tree listing (``HfApi.list_repo_tree``), and downloads each file with
``hf_hub_download(local_dir=...)`` into a staging folder on the root's disk; the caller verifies it and
renames it to its canonical name. ``local_dir`` mode keeps no blob in the hub cache, so no second copy
of a large file is left behind. The client resumes a transfer cut mid-file with an HTTP Range request.

``HF_ENDPOINT``, ``HF_HUB_OFFLINE`` (and ``TRANSFORMERS_OFFLINE``) are read from the environment at call
time, falling back to ``huggingface_hub.constants`` (which reads them only once, at import); ``HF_TOKEN``
is read by the client itself. No token ever appears in a message.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lamm_data.catalog import DEFAULT_REPO, HUB_REPOS, CatalogEntry
from lamm_data.fetch.errors import (
    ChecksumError,
    FetchError,
    HubUnreachableError,
    OfflineError,
    RemoteNotFoundError,
)
from lamm_data.fetch.progress import SILENT, Progress, hub_tqdm_class
from lamm_data.hashing import Digest, hash_file

_TRUE = {"1", "on", "yes", "true"}


@dataclass(frozen=True)
class HubSettings:
    """Where the hub is and whether the network may be used, as seen at call time."""

    endpoint: str
    offline: bool


def hub_settings() -> HubSettings:
    """``HF_ENDPOINT`` and ``HF_HUB_OFFLINE`` from the environment now, else the client's import-time values."""
    from huggingface_hub import constants

    endpoint = (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")
    flag = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE")
    offline = flag.strip().lower() in _TRUE if flag is not None else bool(constants.is_offline_mode())
    return HubSettings(endpoint, offline)


@dataclass(frozen=True)
class RemoteFile:
    """One catalog file as the hub lists it: path in the repo, size (bytes), LFS sha256 or ``None`` for a
    file stored directly in git, and its git blob id (for an LFS file, the pointer's)."""

    name: str
    path: str
    size: int
    sha256: str | None
    git_oid: str


@dataclass(frozen=True)
class HubSnapshot:
    """The wanted files of one repo at one commit (``revision`` as asked, ``commit`` as resolved)."""

    endpoint: str
    repo: str
    revision: str
    commit: str
    files: dict[str, RemoteFile]

    def source(self, remote: RemoteFile) -> dict[str, Any]:
        """Manifest ``source`` of a file from this snapshot."""
        return {"type": "hub", "endpoint": self.endpoint, "repo": self.repo, "revision": self.revision,
                "commit": self.commit, "path": remote.path}


def candidate_paths(entry: CatalogEntry, repo: str) -> tuple[str, ...]:
    """Paths ``entry`` may have in ``repo``: the catalog's for a known repo, else every known spelling."""
    return entry.hub_paths(repo) or tuple(dict.fromkeys(h.path for h in entry.hub))


def in_repo(entry: CatalogEntry, repo: str) -> bool:
    """False only when ``repo`` is a known LAMM repo that the catalog says lacks ``entry``."""
    return repo not in HUB_REPOS or bool(entry.hub_paths(repo))


def snapshot(entries: Sequence[CatalogEntry], repo: str, revision: str | None, settings: HubSettings) -> HubSnapshot:
    """Resolve ``revision`` to a commit and find each entry's file, size and hashes in the tree listing.

    Raises:
        RemoteNotFoundError: the repo, the revision or some file does not exist (all missing files named).
        HubUnreachableError: the hub cannot be reached.
    """
    from huggingface_hub import HfApi

    api = HfApi(endpoint=settings.endpoint)
    rev = revision or "main"
    with hub_errors(settings, repo, rev):
        commit = api.dataset_info(repo, revision=rev).sha
        if not commit:
            raise FetchError(f"{settings.endpoint} gave no commit for {repo}@{rev}; is HF_ENDPOINT a hub?")
        listing: dict[str, RemoteFile] = {}
        for folder in sorted({p.rpartition("/")[0] for e in entries for p in candidate_paths(e, repo)}):
            listing.update(_list_folder(api, repo, folder, commit))
    found: dict[str, RemoteFile] = {}
    missing: list[CatalogEntry] = []
    for entry in entries:
        path = next((p for p in candidate_paths(entry, repo) if p in listing), None)
        if path is None:
            missing.append(entry)
        else:
            r = listing[path]
            found[entry.name] = RemoteFile(entry.name, r.path, r.size, r.sha256, r.git_oid)
    if missing:
        raise RemoteNotFoundError(missing_message(missing, repo, rev, commit))
    return HubSnapshot(settings.endpoint, repo, rev, commit, found)


def _list_folder(api: Any, repo: str, folder: str, commit: str) -> dict[str, RemoteFile]:
    from huggingface_hub.hf_api import RepoFile
    from huggingface_hub.utils import EntryNotFoundError

    try:
        items = list(api.list_repo_tree(repo, path_in_repo=folder, revision=commit, repo_type="dataset"))
    except EntryNotFoundError:
        return {}
    return {i.path: RemoteFile("", i.path, int(i.size), i.lfs.sha256 if i.lfs else None, i.blob_id)
            for i in items if isinstance(i, RepoFile)}


def missing_message(missing: Sequence[CatalogEntry], repo: str, revision: str, commit: str | None = None) -> str:
    """One line naming every file ``repo`` lacks and where else to look."""
    at = f"revision {revision}" + (f" (commit {commit[:8]})" if commit and commit != revision else "")
    paths = ", ".join(candidate_paths(e, repo)[0] for e in missing)
    others = [r for r in HUB_REPOS if r != repo and all(e.hub_paths(r) for e in missing)]
    hint = (f"try --repo {others[0]} (it publishes {'them' if len(missing) > 1 else 'it'})" if others
            else f"try --repo {DEFAULT_REPO}" if repo != DEFAULT_REPO else "")
    hint = "; ".join(h for h in (hint, "or pass --revision with a branch, tag or commit that has "
                                 + ("them" if len(missing) > 1 else "it")) if h)
    return f"{repo} at {at} has no file {paths}; {hint}"


def _supports_tqdm_class() -> bool:
    from huggingface_hub import hf_hub_download

    return "tqdm_class" in inspect.signature(hf_hub_download).parameters


def download(snap: HubSnapshot, remote: RemoteFile, staging: Path, settings: HubSettings,
             progress: Progress = SILENT) -> Path:
    """Download one file of ``snap`` into the folder ``staging`` with ``hf_hub_download``; return its path.

    Raises:
        RemoteNotFoundError, HubUnreachableError, OfflineError, FetchError: see :func:`hub_errors`.
    """
    from huggingface_hub import hf_hub_download

    extra: dict[str, Any] = {}
    if _supports_tqdm_class():
        extra["tqdm_class"] = hub_tqdm_class(progress, remote.path.rpartition("/")[2])
    with hub_errors(settings, snap.repo, snap.revision, remote.path):
        return Path(hf_hub_download(snap.repo, remote.path, repo_type="dataset", revision=snap.commit,
                                    local_dir=staging, endpoint=settings.endpoint, **extra))


def verify_download(path: Path, remote: RemoteFile, snap: HubSnapshot) -> Digest:
    """Check size and LFS sha256 (or git blob id) of a downloaded file; delete it and raise if they differ.

    Raises:
        ChecksumError: the content is not the one the hub lists; the file was removed.
    """
    digest = hash_file(path, git=remote.sha256 is None)
    problem = ""
    if digest.size != remote.size:
        problem = f"size {digest.size} bytes, the hub lists {remote.size}"
    elif remote.sha256 is not None and digest.sha256 != remote.sha256:
        problem = f"sha256 {digest.sha256[:16]}…, the hub lists {remote.sha256[:16]}…"
    elif remote.sha256 is None and digest.git_sha1 != remote.git_oid:
        problem = f"git blob id {digest.git_sha1}, the hub lists {remote.git_oid}"
    if problem:
        path.unlink(missing_ok=True)
        raise ChecksumError(f"{remote.path} from {snap.repo}@{snap.commit[:8]} failed verification ({problem}); "
                            "the download was discarded. Run the command again; if it fails again, the copy "
                            "served by the hub is damaged")
    return digest


def redact(text: str) -> str:
    """``text`` with the value of ``HF_TOKEN`` (if any) replaced by ``***``."""
    for var in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        token = os.environ.get(var)
        if token and len(token) >= 4:
            text = text.replace(token, "***")
    return text


def _transport_errors() -> tuple[type[BaseException], ...]:
    """Connection-level exception types of whatever HTTP library the installed client uses."""
    found: list[type[BaseException]] = []
    for module, names in (("httpx2", ("TransportError",)), ("httpx", ("TransportError",)),
                          ("requests", ("ConnectionError", "Timeout"))):
        try:
            mod = __import__(module)
        except ImportError:
            continue
        found.extend(getattr(mod, n) for n in names if isinstance(getattr(mod, n, None), type))
    return tuple(found)


@contextmanager
def hub_errors(settings: HubSettings, repo: str, revision: str, path: str | None = None) -> Iterator[None]:
    """Turn the client's exceptions into one-line :class:`FetchError` messages (token redacted)."""
    from huggingface_hub import utils as hf  # re-exports the error classes in every version since 0.23

    what = f"{path} in {repo}" if path else repo
    try:
        yield
    except hf.GatedRepoError:
        raise FetchError(f"{repo} is gated on {settings.endpoint}: accept its terms on the hub and set HF_TOKEN")\
            from None
    except hf.RepositoryNotFoundError as exc:
        raise RemoteNotFoundError(
            f"dataset repo {repo} not found on {settings.endpoint} (HTTP {_status(exc)}); LAMM's repos are "
            f"{' and '.join(HUB_REPOS)}; for a private repo set HF_TOKEN") from None
    except hf.RevisionNotFoundError as exc:
        raise RemoteNotFoundError(
            f"{repo} has no revision {revision!r} (HTTP {_status(exc)}); pass an existing branch, tag or commit "
            "to --revision, or leave it out for main") from None
    except hf.LocalEntryNotFoundError as exc:
        cause = exc.__cause__ or exc
        if isinstance(cause, hf.OfflineModeIsEnabled):
            raise OfflineError(f"cannot download {what}: the hub client is in offline mode (HF_HUB_OFFLINE was set "
                               "when huggingface_hub was imported); unset HF_HUB_OFFLINE and run again") from None
        raise HubUnreachableError(f"cannot reach {settings.endpoint} to download {what}: "
                                  f"{redact(_first_line(cause))}; check the connection and HF_ENDPOINT") from None
    except hf.EntryNotFoundError:
        raise RemoteNotFoundError(f"{what} at revision {revision} not found (HTTP 404 on the hub); try the other "
                                  f"repo ({' or '.join(r for r in HUB_REPOS if r != repo)}) or another --revision")\
            from None
    except hf.OfflineModeIsEnabled:
        raise OfflineError(f"cannot download {what}: the hub client is in offline mode (HF_HUB_OFFLINE was set "
                           "when huggingface_hub was imported); unset HF_HUB_OFFLINE and run the command again")\
            from None
    except hf.HfHubHTTPError as exc:
        raise FetchError(f"the hub ({settings.endpoint}) answered HTTP {_status(exc)} for {what}: "
                         f"{redact(_first_line(exc))}") from None
    except _transport_errors() as exc:
        raise HubUnreachableError(f"cannot reach {settings.endpoint} for {what}: {redact(_first_line(exc))}; "
                                  "check the connection and HF_ENDPOINT (HF_HUB_OFFLINE=1 uses only files "
                                  "already under the root)") from None


def _status(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    return str(getattr(response, "status_code", "?"))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(line.strip() for line in text.splitlines() if line.strip())[:300]
