"""How fetch and verify report progress without printing: a small protocol the CLI implements with rich.

Library code calls ``start`` / ``advance`` / ``finish`` (byte counts); :data:`SILENT` ignores them.
:func:`hub_tqdm_class` adapts the protocol to the ``tqdm_class`` hook of ``huggingface_hub`` so the hub
client's own byte counts drive the same bars (and the client draws none of its own).
"""

from __future__ import annotations

from typing import Any, Protocol


class Progress(Protocol):
    """Receiver of progress events. Totals and amounts are bytes; ``total=None`` means unknown."""

    def start(self, label: str, total: int | None) -> int:
        """Begin a task (a download, a hash, an unpack) and return its id."""
        ...

    def advance(self, task: int, amount: int) -> None:
        """``amount`` more bytes done (negative when a transfer restarts from an earlier offset)."""
        ...

    def finish(self, task: int) -> None:
        """The task is over (successfully or not)."""
        ...


class _Silent:
    def start(self, label: str, total: int | None) -> int:
        return 0

    def advance(self, task: int, amount: int) -> None:
        pass

    def finish(self, task: int) -> None:
        pass


SILENT: Progress = _Silent()
"""A :class:`Progress` that ignores everything (library default, ``--quiet``)."""


def hub_tqdm_class(progress: Progress, label: str) -> type:
    """A ``tqdm`` subclass for ``hf_hub_download(tqdm_class=...)`` that forwards byte counts to ``progress``.

    It subclasses the real ``tqdm`` (disabled, so it draws nothing) because the client also calls
    ``set_postfix_str``, reads ``total`` and so on; ``update`` is what carries the bytes.
    """
    from tqdm.std import tqdm

    class _HubBar(tqdm):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)
            self._task = progress.start(label, kwargs.get("total"))
            self._open = True
            if kwargs.get("initial"):
                progress.advance(self._task, int(kwargs["initial"]))

        def update(self, n: float | None = 1) -> bool | None:
            progress.advance(self._task, int(n or 0))
            return None

        def update_transfer(self, n: float | None = 1) -> None:
            """Network bytes of a Xet download; ``update`` already counts the bytes written."""

        def set_transfer_postfix_str(self, *args: Any, **kwargs: Any) -> None:
            """Xet transfer speed text: the rich bar shows its own rate."""

        def close(self) -> None:
            if getattr(self, "_open", False):
                self._open = False
                progress.finish(self._task)
            super().close()

    return _HubBar
