"""What every endpoint group stands on: a way to send a call, and nothing of aiohttp."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from ..catalogue import ENDPOINTS, Endpoint
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

    async def _call(
        self,
        endpoint: str | Endpoint,
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotency_key: str | None = None,
    ) -> RawResponse:
        """Send a call to a catalogue endpoint (by name or entry): its method, path template
        and write flag come from ``meegle_async.catalogue.ENDPOINTS``."""
        entry = ENDPOINTS[endpoint] if isinstance(endpoint, str) else endpoint
        return await self._request(
            entry.name,
            entry.method,
            entry.path,
            path_params=path_params,
            params=params,
            json=json,
            write=entry.write,
            idempotency_key=idempotency_key,
        )
