"""Errors of ``lamm-data fetch`` and ``lamm-data verify``; each message is one line saying what to do.

Every class derives from :class:`~lamm_data.errors.LammError` (so the CLI turns it into ``error: ...``
and exit code 1) and from the closest builtin, so ``except OSError`` still catches a failed download.
"""

from __future__ import annotations

from lamm_data.errors import LammError


class FetchError(LammError, OSError):
    """A file could not be fetched or placed under the LAMM root."""

    def __str__(self) -> str:  # OSError would format several args as a tuple
        return str(self.args[0]) if self.args else ""


class RemoteNotFoundError(FetchError, FileNotFoundError):
    """The hub repo, revision or file (or the mirror's archive) does not exist (HTTP 404)."""


class HubUnreachableError(FetchError, ConnectionError):
    """The hub or the mirror cannot be reached (connection refused, DNS failure, timeout)."""


class OfflineError(FetchError, ConnectionError):
    """``HF_HUB_OFFLINE`` is set and some requested files are not under the root yet."""


class ChecksumError(FetchError):
    """A file's size or hash differs from the one published; the file was removed."""


class LoginError(FetchError, PermissionError):
    """OpenDataLab refused the credentials (wrong, revoked or expired access key pair or stored login)."""


class ArchiveSourceError(FetchError):
    """Archives were requested but no usable ``--archives-from`` was given."""


class UnsafeArchiveError(LammError, ValueError):
    """A zip that is truncated, corrupt, or has entries that would escape the target folder or are links."""


class DiskFullError(FetchError):
    """The disk holding the root has no room left (``ENOSPC``) or too little for the next file."""


class RootPermissionError(FetchError, PermissionError):
    """The root (or a file in it) cannot be written or read."""


class RootBusyError(FetchError):
    """Another ``lamm-data fetch`` holds the root's lock."""


class ManifestError(LammError, ValueError):
    """``ROOT/.lamm/manifest.json`` is absent where required, or unreadable."""


class SelectionError(LammError, ValueError):
    """The names given to fetch do not fit the group or the options."""
