"""What every endpoint group stands on: a way to send a call, and nothing of aiohttp."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from ..transport.response import RawResponse

__all__ = ["EndpointGroup", "Requester"]


class Requester(Protocol):
    """Sends one logical call through the client's transport (auth, limits, retries, errors)."""

    async def __call__(
        self,
        endpoint: str,
        method: str,
        path: str,
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        write: bool | None = None,
        idempotency_key: str | None = None,
    ) -> RawResponse:
        """Send the call; return the decoded answer or raise a ``MeegleError``."""
        ...


class EndpointGroup:
    """Base of ``client.work_items``, ``client.tasks``, ...: holds the client's requester."""

    def __init__(self, request: Requester) -> None:
        self._request = request
