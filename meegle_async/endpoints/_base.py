"""What every endpoint group stands on: a way to send a call, and nothing of aiohttp."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from ..catalogue import ENDPOINTS, Endpoint
from ..transport.response import RawResponse
from ._checks import check_request

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


class _Checked:
    """A requester that checks every part of a call (``check_request``) before sending it."""

    def __init__(self, inner: Requester) -> None:
        self.inner = inner

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
        check_request(path_params, params, json, idempotency_key)
        return await self.inner(
            endpoint,
            method,
            path,
            path_params=path_params,
            params=params,
            json=json,
            write=write,
            idempotency_key=idempotency_key,
        )


class EndpointGroup:
    """Base of ``client.work_items``, ``client.tasks``, ...: holds the client's requester."""

    def __init__(self, request: Requester) -> None:
        # Every call of every group passes the same last check: a value that cannot be sent
        # as it is ends in MeegleValidationError with nothing sent.
        self._request: Requester = request if isinstance(request, _Checked) else _Checked(request)

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
