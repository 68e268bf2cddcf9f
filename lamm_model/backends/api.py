"""The chat-completions backend: :class:`~lamm_model.backends.openai_api.ChatClient` as a runner backend."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lamm_model.backends.chat import ChatRequest
from lamm_model.backends.openai_api import ApiOptions, ChatClient


class ApiBackend:
    """An OpenAI-compatible server answering chat requests (torch-free)."""

    kind = "api"

    def __init__(self, options: ApiOptions) -> None:
        self.options = options
        self.client = ChatClient(options)

    def fingerprint(self) -> dict[str, Any]:
        """The backend part of the fingerprint: the server's model name (the URL is not part of it)."""
        return {"kind": self.kind, "model": self.options.model, "api_model": self.options.model}

    def decoding(self) -> dict[str, Any]:
        """The decoding settings (greedy: temperature 0)."""
        return {"max_new_tokens": self.options.max_new_tokens, "do_sample": False}

    def generate(self, requests: Sequence[ChatRequest], where: str = "request") -> list[str]:
        """One answer per request, asked in order."""
        return self.client.generate(requests, where)
