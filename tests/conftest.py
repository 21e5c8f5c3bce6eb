"""Shared test support: a loopback stub of Meegle for transport tests, and an aioresponses shim.

The stub is deliberately small and scriptable (one handler per test); the full fake server lives
in ``meegle_async.testing`` and has its own tests.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import aioresponses.core
import pytest
from aiohttp import web

# aiohttp 3.14 added a required ``stream_writer`` argument to ClientResponse, which aioresponses
# (0.7.9, the latest) does not pass (pnuckowski/aioresponses#289). For an answer whose request was
# already sent aiohttp only reads ``stream_writer.output_size``, so a stand-in with that is enough.
if "stream_writer" in inspect.signature(aiohttp.ClientResponse.__init__).parameters:

    class _SentStreamWriter:
        output_size = 0

    class _CompatClientResponse(aiohttp.ClientResponse):
        def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
            kwargs.setdefault("stream_writer", _SentStreamWriter())
            super().__init__(method, url, **kwargs)

    aioresponses.core.ClientResponse = _CompatClientResponse  # type: ignore[misc]


class Recorded:
    """One request the stub received."""

    def __init__(self, request: web.Request, body: bytes, arrival: float) -> None:
        self.method = request.method
        self.raw_path = request.raw_path
        self.path = request.path
        self.query = dict(request.query)
        self.headers = request.headers.copy()
        self.raw_body = body
        self.json: Any = json.loads(body) if body else None
        self.arrival = arrival
        self.done = arrival

    def __repr__(self) -> str:
        return f"<Recorded {self.method} {self.raw_path}>"


Handler = Callable[[web.Request, Recorded], Awaitable[web.StreamResponse]]


def envelope(data: Any = None, *, err_code: int = 0, err_msg: str = "", **extra: Any) -> Any:
    """An OpenAPI answer body."""
    body = {"err_code": err_code, "err_msg": err_msg, "err": {}, "data": data}
    body.update(extra)
    return body


def ok(data: Any = None, *, headers: dict[str, str] | None = None, **extra: Any) -> web.Response:
    """HTTP 200 with a success envelope."""
    return web.json_response(envelope(data, **extra), headers=headers)


def fail(code: int, msg: str = "", *, status: int = 200, **headers: str) -> web.Response:
    """An error envelope."""
    body = {"err_code": code, "err_msg": msg, "err": {"code": code, "msg": msg}, "data": None}
    return web.json_response(body, status=status, headers=headers or None)


class Stub:
    """A loopback HTTP server that plays Meegle for one test.

    ``stub.handler`` answers OpenAPI calls (default: ``{"ok": true}``); token calls are answered
    by ``token_handler`` (default: a new token ``tok-N`` per request, ``expire_time`` 7200).
    """

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.token_requests: list[Recorded] = []
        self.handler: Handler = self._default
        self.token_handler: Handler = self._default_token
        self.token_ttl = 7200
        self._tokens = itertools.count(1)
        self.valid_tokens: set[str] | None = None
        self.in_flight = 0
        self.max_in_flight = 0
        self.runner: web.AppRunner | None = None
        self.base_url = ""

    async def _default(self, request: web.Request, rec: Recorded) -> web.StreamResponse:
        return ok({"ok": True})

    async def _default_token(self, request: web.Request, rec: Recorded) -> web.StreamResponse:
        token = f"tok-{next(self._tokens)}"
        if self.valid_tokens is not None:
            self.valid_tokens.add(token)
        return web.json_response(
            {
                "error": {"code": 0, "msg": ""},
                "data": {"token": token, "expire_time": self.token_ttl},
            }
        )

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        arrival = time.monotonic()
        body = await request.read()
        rec = Recorded(request, body, arrival)
        if request.path.startswith("/open_api/authen/"):
            self.token_requests.append(rec)
            return await self.token_handler(request, rec)
        self.requests.append(rec)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            token = request.headers.get("X-Plugin-Token")
            if self.valid_tokens is not None and token not in self.valid_tokens:
                return fail(10211, "Token info invalid")
            return await self.handler(request, rec)
        finally:
            self.in_flight -= 1
            rec.done = time.monotonic()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    def max_in_window(self, window: float = 1.0, records: list[Recorded] | None = None) -> int:
        """The most arrivals in any ``window`` seconds (a strict sliding window)."""
        times = sorted(r.arrival for r in (self.requests if records is None else records))
        best = 0
        start = 0
        for end, t in enumerate(times):
            while t - times[start] >= window:
                start += 1
            best = max(best, end - start + 1)
        return best


@pytest.fixture
async def stub() -> AsyncIterator[Stub]:
    server = Stub()
    await server.start()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
def client_kwargs(stub: Stub) -> dict[str, Any]:
    """Keyword arguments for a MeegleClient pointed at the stub with fast retries."""
    from meegle_async import RetryPolicy

    return {
        "base_url": stub.base_url,
        "plugin_id": "plugin-id",
        "plugin_secret": "plugin-secret-value",
        "user_key": "user-key-1",
        "retry_policy": RetryPolicy(max_retries=4, backoff_base=0.01, backoff_max=0.05),
    }


async def gather(*aws: Awaitable[Any]) -> list[Any]:
    """``asyncio.gather`` with results typed as a list."""
    return list(await asyncio.gather(*aws))
