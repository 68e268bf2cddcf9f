"""A small client for OpenAI-compatible chat-completions servers (vLLM, SGLang, ``transformers serve``).

Standard library only (no torch, no transformers): ``POST {base}/chat/completions`` with the image as
a base64 data URL, greedy (``temperature`` 0). Failures that may pass (HTTP 429 and 5xx, timeouts,
refused or dropped connections, a cut-off or non-JSON body) are retried with exponential backoff
(``backoff`` seconds, doubled each time, at most 60 s, or the server's ``Retry-After``); other HTTP
errors fail at once. The API key is read from an environment variable and only ever put in the
``Authorization`` header: it appears in no message, log or file.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from lamm_data.errors import LammError
from lamm_model.backends.chat import ChatRequest

MAX_BACKOFF = 60.0
_RETRY_STATUS = {408, 409, 425, 429}


class ApiError(LammError, RuntimeError):
    """A request that failed for good (retries used up, or an error retrying cannot fix)."""


@dataclass(frozen=True)
class ApiOptions:
    """Where and how to ask. ``timeout`` and ``backoff`` are seconds; ``retries`` is attempts after the first."""

    base: str
    model: str
    max_new_tokens: int = 400
    key_env: str = "OPENAI_API_KEY"
    timeout: float = 300.0
    retries: int = 6
    backoff: float = 1.0

    @property
    def url(self) -> str:
        """The chat-completions endpoint."""
        return self.base.rstrip("/") + "/chat/completions"


def data_url(req: ChatRequest) -> str:
    """The request's image as a ``data:<mime>;base64,...`` URL (the stored bytes, not re-encoded)."""
    return f"data:{req.image.mime()};base64,{base64.b64encode(req.image.read()).decode('ascii')}"


def openai_messages(req: ChatRequest) -> list[dict[str, Any]]:
    """The request in the chat-completions message format."""
    out: list[dict[str, Any]] = []
    if req.system is not None:
        out.append({"role": "system", "content": req.system})
    out.append({"role": "user", "content": [{"type": "image_url", "image_url": {"url": data_url(req)}},
                                            {"type": "text", "text": req.text}]})
    return out


class _Retry(Exception):
    """A failure worth another attempt (``after``: the server's Retry-After, seconds)."""

    def __init__(self, why: str, after: float | None = None) -> None:
        super().__init__(why)
        self.why, self.after = why, after


class ChatClient:
    """Sends chat requests; thread-safe (each call opens its own connection)."""

    def __init__(self, options: ApiOptions, sleep: Callable[[float], None] = time.sleep) -> None:
        self.options, self._sleep = options, sleep
        self._key = os.environ.get(options.key_env) or None

    def body(self, req: ChatRequest) -> dict[str, Any]:
        """The JSON body of one request (greedy)."""
        return {"model": self.options.model, "messages": openai_messages(req),
                "max_tokens": self.options.max_new_tokens, "temperature": 0, "stream": False}

    def complete(self, req: ChatRequest, where: str = "request") -> str:
        """The answer text of one request, after retries.

        Raises:
            ApiError: the server refused the request, or every attempt failed (the message says why).
        """
        data = json.dumps(self.body(req)).encode("utf-8")
        delay = self.options.backoff
        for attempt in range(self.options.retries + 1):
            try:
                return self._once(data, where)
            except _Retry as failure:
                if attempt == self.options.retries:
                    raise ApiError(f"{where}: {self.options.url}: {failure.why}; gave up after "
                                   f"{attempt + 1} attempts") from None
                self._sleep(min(MAX_BACKOFF, max(delay, failure.after or 0.0)))
                delay *= 2
        raise AssertionError("unreachable")

    def _once(self, data: bytes, where: str) -> str:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        request = urllib.request.Request(self.options.url, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.options.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            detail = _detail(exc)
            if exc.code in _RETRY_STATUS or exc.code >= 500:
                raise _Retry(f"HTTP {exc.code}{detail}", _retry_after(exc.headers.get("Retry-After"))) from None
            raise ApiError(f"{where}: {self.options.url}: HTTP {exc.code}{detail}") from None
        except TimeoutError:
            raise _Retry(f"no answer within --timeout {self.options.timeout:g} s") from None
        except (urllib.error.URLError, ConnectionError, http.client.HTTPException, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise _Retry(f"no answer within --timeout {self.options.timeout:g} s") from None
            raise _Retry(f"connection failed: {reason or type(exc).__name__}") from None
        try:
            payload = json.loads(raw)
            content = payload["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise _Retry(f"the answer is not a chat completion: {raw[:200]!r}") from None
        return content if isinstance(content, str) else ""

    def generate(self, requests: Sequence[ChatRequest], where: str = "request") -> list[str]:
        """One answer per request, asked one after the other (concurrency is across items)."""
        return [self.complete(r, where) for r in requests]


def _detail(exc: urllib.error.HTTPError) -> str:
    try:
        text = exc.read(300).decode("utf-8", "replace").strip()
    except (OSError, http.client.HTTPException):
        return ""
    return f": {text}" if text else ""


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
