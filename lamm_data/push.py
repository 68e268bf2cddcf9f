"""Publish a converted split on the Hugging Face hub: ``lamm-data push-to-hub NAME REPO_ID``.

The split is exported as Parquet shards with their dataset card (:func:`lamm_data.parquet.export_parquet`,
by default with the media embedded, since paths of this machine mean nothing elsewhere) into a temporary
folder, then uploaded in one commit with ``huggingface_hub``: ``README.md`` (the card) at the top of the repo and
``data/data-0000i-of-0000N.parquet``, which is what the card's ``configs`` point at. The repo
is created private unless ``private=False``; an existing repo keeps its visibility. ``HF_ENDPOINT`` and
``HF_TOKEN`` are read at call time; the token never appears in a message.

Check the licences in the card before publishing: several source datasets (CelebA, ScanNet, 3RScan ...)
forbid redistribution outside their own agreement.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

from lamm_data.card import CARD_FILE
from lamm_data.catalog import resolve
from lamm_data.errors import LammError
from lamm_data.fetch.hub import hub_settings, redact
from lamm_data.parquet import export_parquet


class PushError(LammError):
    """The hub refused the upload or cannot be reached; the message says why in one line."""


@dataclass(frozen=True)
class PushResult:
    """One published split: where, which commit, what was uploaded."""

    name: str
    repo_id: str
    url: str
    commit: str
    files: tuple[str, ...]
    rows: int
    private: bool | None
    """Visibility the repo was created with; ``None`` when it already existed (left as it was)."""


def push_to_hub(root: str | os.PathLike[str], name: str, repo_id: str, *, private: bool = True,
                embed_media: bool = True, revision: str | None = None, token: str | None = None,
                shard_rows: int = 100_000, arrow_dir: str | os.PathLike[str] | None = None,
                on_stage: Callable[[str], None] | None = None) -> PushResult:
    """Export ``name`` (a catalog name or alias under ``root``) and upload it to the dataset repo ``repo_id``.

    Raises:
        PushError: no token, a token without write access, the hub unreachable or refusing the commit.
        MissingDataError, UnknownNameError, InvalidMetaError: as for :func:`lamm_data.load.load_split`.
    """
    from huggingface_hub import HfApi
    from huggingface_hub import utils as hf

    entry = resolve(name)
    if "/" not in repo_id or repo_id.count("/") != 1 or not all(repo_id.split("/")):
        raise PushError(f"{repo_id!r} is not a repo id; give OWNER/NAME (e.g. me/lamm-{entry.name.lower()})")
    settings = hub_settings()
    api = HfApi(endpoint=settings.endpoint, token=token)
    stage = on_stage or (lambda _: None)
    with tempfile.TemporaryDirectory(prefix="lamm-push-") as scratch:
        stage("exporting")
        [export] = export_parquet(root, [entry.name], scratch, shard_rows=shard_rows, arrow_dir=arrow_dir,
                                  embed_media=embed_media)
        files = tuple(sorted([CARD_FILE, *(p.relative_to(export.path).as_posix() for p in export.shards)]))
        try:
            stage("creating the repo")
            created: bool | None = private
            try:
                url = str(api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=False))
            except hf.HfHubHTTPError as exc:
                if _status(exc) != "409":
                    raise
                created, url = None, f"{settings.endpoint}/datasets/{repo_id}"
            stage("uploading")
            info = api.upload_folder(folder_path=export.path, repo_id=repo_id, repo_type="dataset",
                                     revision=revision, allow_patterns=list(files),
                                     commit_message=f"Add LAMM {entry.name} ({export.rows} rows, lamm-toolkit)")
        except hf.HfHubHTTPError as exc:
            status = _status(exc)
            hint = {"401": "set HF_TOKEN to a token with write access (or run `hf auth login`)",
                    "403": f"the token may not write to {repo_id}",
                    "404": f"{repo_id} or revision {revision or 'main'} does not exist"}.get(status, "")
            raise PushError(f"the hub ({settings.endpoint}) answered HTTP {status} while publishing {entry.name} "
                            f"to {repo_id}" + (f": {hint}" if hint else f": {redact(_first_line(exc))}")) from None
        except ValueError as exc:
            if "Invalid metadata" not in str(exc):
                raise
            raise PushError(f"the hub rejected the dataset card of {entry.name}: "
                            f"{' '.join(str(exc).split())}") from None
        except hf.LocalTokenNotFoundError:
            raise PushError("no hub token: set HF_TOKEN to a token with write access (or run `hf auth login`)")\
                from None
        except OSError as exc:  # connection refused, DNS ... (httpx/requests errors are OSErrors or wrap one)
            raise PushError(f"cannot reach {settings.endpoint} to publish {entry.name}: "
                            f"{redact(_first_line(exc))}; check the connection and HF_ENDPOINT") from None
        except Exception as exc:
            if type(exc).__module__.split(".")[0] in ("httpx", "httpx2", "requests", "urllib3"):
                raise PushError(f"cannot reach {settings.endpoint} to publish {entry.name}: "
                                f"{redact(_first_line(exc))}; check the connection and HF_ENDPOINT") from None
            raise
    return PushResult(entry.name, repo_id, url, info.oid, files, export.rows, created)


def _status(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    return str(getattr(response, "status_code", "?"))


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
