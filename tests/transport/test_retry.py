"""Retries: which failures, how many, with the same idempotency key, honouring Retry-After."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aioresponses import aioresponses

from meegle_async import (
    MeegleClient,
    MeegleConnectionError,
    MeegleNotFoundError,
    MeegleRateLimitError,
    MeegleServerError,
    MeegleTimeoutError,
    RetryPolicy,
)
from tests.conftest import Recorded, Stub, fail, ok

BASE = "https://project.larksuite.com"
TOKEN_URL = f"{BASE}/open_api/authen/plugin_token"
WRITE_URL = f"{BASE}/open_api/space/work_item/story/7"


def token_ok(m: aioresponses) -> None:
    m.post(
        TOKEN_URL,
        payload={"error": {"code": 0, "msg": ""}, "data": {"token": "t", "expire_time": 7200}},
        repeat=True,
    )


def fast_client(**kwargs: Any) -> MeegleClient:
    policy = RetryPolicy(max_retries=kwargs.pop("max_retries", 4), backoff_base=0.01)
    return MeegleClient(
        plugin_id="p", plugin_secret="s", user_key="u", retry_policy=policy, **kwargs
    )


async def update(client: MeegleClient, **kwargs: Any) -> Any:
    return await client.request(
        "update_work_item",
        "PUT",
        "/open_api/{project_key}/work_item/{type}/{id}",
        path_params={"project_key": "space", "type": "story", "id": 7},
        json={"update_fields": []},
        **kwargs,
    )


def sent_idem_keys(m: aioresponses) -> list[str]:
    calls = [c for (method, url), cs in m.requests.items() if method == "PUT" for c in cs]
    return [c.kwargs["headers"]["X-Idem-UUID"] for c in calls]


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 429, "payload": {"err_code": 0}},
        {"status": 500, "body": "oops"},
        {"status": 502, "body": "<html><body><h1>502 Bad Gateway</h1></body></html>"},
        {"status": 503, "body": "<html>busy</html>"},
        {"exception": aiohttp.ServerDisconnectedError()},
        {"exception": aiohttp.ClientConnectionError("connection reset by peer")},
        {"exception": asyncio.TimeoutError()},
        {"status": 200, "payload": {"err_code": 20090, "err_msg": "intercepted, retry later"}},
    ],
    ids=["429", "500", "502-html", "503-html", "disconnect", "reset", "timeout", "20090"],
)
async def test_transient_failures_are_retried_with_the_same_idempotency_key(
    failure: dict[str, Any],
) -> None:
    with aioresponses() as m:
        token_ok(m)
        m.put(WRITE_URL, **failure)
        m.put(WRITE_URL, **failure)
        m.put(WRITE_URL, payload={"err_code": 0, "err_msg": "", "data": {"done": 1}})
        async with fast_client() as client:
            assert await update(client) == {"done": 1}
            stats = client.stats().endpoints["update_work_item"]
        keys = sent_idem_keys(m)
    assert len(keys) == 3
    assert len(set(keys)) == 1
    assert stats.requests == 3
    assert stats.retries == 2
    assert stats.errors == 0


async def test_callers_idempotency_key_is_sent_on_every_attempt() -> None:
    with aioresponses() as m:
        token_ok(m)
        m.put(WRITE_URL, status=503, body="busy")
        m.put(WRITE_URL, payload={"err_code": 0, "data": None})
        async with fast_client() as client:
            await update(client, idempotency_key="sync-42")
        assert sent_idem_keys(m) == ["sync-42", "sync-42"]


async def test_each_logical_write_gets_its_own_key() -> None:
    with aioresponses() as m:
        token_ok(m)
        m.put(WRITE_URL, payload={"err_code": 0, "data": None}, repeat=True)
        async with fast_client() as client:
            await update(client)
            await update(client)
        keys = sent_idem_keys(m)
    assert len(keys) == 2
    assert keys[0] != keys[1]


async def test_retries_stop_at_max_retries_with_the_last_error() -> None:
    with aioresponses() as m:
        token_ok(m)
        m.put(WRITE_URL, status=502, body="<html>Bad Gateway</html>", repeat=True)
        async with fast_client(max_retries=2) as client:
            with pytest.raises(MeegleServerError) as info:
                await update(client)
            assert client.stats().endpoints["update_work_item"].errors == 1
        assert len(sent_idem_keys(m)) == 3
    assert info.value.http_status == 502
    assert "Bad Gateway" in str(info.value)


async def test_connection_errors_after_the_last_retry_raise_our_class() -> None:
    with aioresponses() as m:
        token_ok(m)
        m.put(WRITE_URL, exception=aiohttp.ClientConnectionError("reset"), repeat=True)
        async with fast_client(max_retries=1) as client:
            with pytest.raises(MeegleConnectionError) as info:
                await update(client)
    assert info.value.attempts == 2
    assert isinstance(info.value.__cause__, aiohttp.ClientConnectionError)


async def test_timeouts_after_the_last_retry_raise_meegle_timeout() -> None:
    with aioresponses() as m:
        token_ok(m)
        m.put(WRITE_URL, exception=asyncio.TimeoutError(), repeat=True)
        async with fast_client(max_retries=0) as client:
            with pytest.raises(MeegleTimeoutError):
                await update(client)


async def test_errors_that_a_retry_cannot_fix_raise_at_once() -> None:
    with aioresponses() as m:
        token_ok(m)
        m.put(WRITE_URL, payload={"err_code": 30005, "err_msg": "not found"}, repeat=True)
        async with fast_client() as client:
            with pytest.raises(MeegleNotFoundError):
                await update(client)
        assert len(sent_idem_keys(m)) == 1


async def test_retry_after_is_honoured(stub: Stub, client_kwargs: dict[str, Any]) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        if len(stub.requests) == 1:
            return web.json_response({"err_code": 0}, status=429, headers={"Retry-After": "0.6"})
        return ok(None)

    stub.handler = handler
    async with MeegleClient(**client_kwargs) as client:
        await update(client)
        stats = client.stats().endpoints["update_work_item"]
    first, second = stub.requests
    assert second.arrival - first.arrival >= 0.6
    assert stats.throttled == 1
    assert stats.retries == 1


async def test_retry_after_is_capped(stub: Stub, client_kwargs: dict[str, Any]) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        if len(stub.requests) == 1:
            return web.json_response({"err_code": 0}, status=429, headers={"Retry-After": "3600"})
        return ok(None)

    stub.handler = handler
    policy = RetryPolicy(max_retries=2, backoff_base=0.01, max_retry_after=0.3)
    client_kwargs["retry_policy"] = policy
    started = time.monotonic()
    async with MeegleClient(**client_kwargs) as client:
        await update(client)
    assert 0.3 <= time.monotonic() - started < 5


async def test_throttled_every_time_raises_rate_limit_error(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    stub.handler = lambda r, rec: _a(fail(20090, "intercepted", status=429, **{"X-Tt-Logid": "L"}))
    client_kwargs["retry_policy"] = RetryPolicy(max_retries=1, backoff_base=0.01)
    async with MeegleClient(**client_kwargs, adaptive_limits=False) as client:
        with pytest.raises(MeegleRateLimitError) as info:
            await update(client)
    assert info.value.log_id == "L"
    assert info.value.http_status == 429


async def _a(value: Any) -> Any:
    return value
