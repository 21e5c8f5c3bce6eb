"""The client surface: lifecycle, copies, raw access, stats, identity, logs, adaptive limits."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
from collections import deque
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from meegle_async import (
    MeegleClient,
    MeegleError,
    MeegleTimeoutError,
    MeegleValidationError,
    RawResponse,
    RequestEvent,
    __version__,
    to_dict,
)
from tests.conftest import Recorded, Stub, fail, ok

TYPES = "/open_api/{project_key}/work_item/all-types"


async def get_types(client: MeegleClient, project: str = "space", **kw: Any) -> Any:
    return await client.request(
        "get_work_item_types", "GET", TYPES, path_params={"project_key": project}, **kw
    )


async def test_with_options_copies_share_token_and_limits_but_send_their_own_user_key(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    async with MeegleClient(**client_kwargs, default_qps=10) as client:
        alice = client.with_options(user_key="alice")
        bob = client.with_options(user_key="bob", max_retries=0)
        assert alice.user_key == "alice"
        assert bob.user_key == "bob"
        await asyncio.gather(
            *(get_types(alice, f"a{i}") for i in range(15)),
            *(get_types(bob, f"b{i}") for i in range(15)),
        )
        await alice.aclose()  # closing a copy closes nothing
        assert not client.closed
        await get_types(client)
        stats = client.stats().endpoints["get_work_item_types"]
        assert stats.requests == 31  # one set of counters for the client and its copies
    users = {r.path.split("/")[2][0]: r.headers["X-User-Key"] for r in stub.requests[:-1]}
    assert users == {"a": "alice", "b": "bob"}
    assert stub.requests[-1].headers["X-User-Key"] == "user-key-1"
    assert len(stub.token_requests) == 1
    assert stub.max_in_window(1.0) <= 10  # one limiter for both copies, not 2x the rate


async def test_copies_have_their_own_endpoint_groups(client_kwargs: dict[str, Any]) -> None:
    client = MeegleClient(**client_kwargs)
    copy = client.with_options(timeout=5)
    for name in ("work_items", "resources", "tasks", "fields", "spaces", "users"):
        if hasattr(type(client), name):
            assert getattr(copy, name) is not getattr(client, name)
            assert getattr(copy, name) is getattr(copy, name)
    await client.aclose()


async def test_use_after_close_is_refused(stub: Stub, client_kwargs: dict[str, Any]) -> None:
    client = MeegleClient(**client_kwargs)
    await get_types(client)
    await client.aclose()
    assert client.closed
    with pytest.raises(MeegleError, match="closed"):
        await get_types(client)


async def test_a_borrowed_session_is_left_open(stub: Stub, client_kwargs: dict[str, Any]) -> None:
    async with aiohttp.ClientSession() as session:
        async with MeegleClient(**client_kwargs, session=session) as client:
            await get_types(client)
        assert not session.closed
    assert stub.requests[0].headers["User-Agent"].startswith("meegle-async/")


async def test_raw_response_carries_status_headers_log_id_attempts_and_data(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        if len(stub.requests) == 1:
            return web.Response(status=503, text="busy")
        return ok([{"type_key": "story"}], headers={"X-Tt-Logid": "log-777"}, pagination={"t": 1})

    stub.handler = handler
    async with MeegleClient(**client_kwargs) as client:
        raw = await get_types(client, raw=True)
    assert isinstance(raw, RawResponse)
    assert raw.status == 200
    assert raw.log_id == "log-777"
    assert raw.headers["x-tt-logid"] == "log-777"  # header names are case-insensitive
    assert raw.attempts == 2
    assert raw.data == [{"type_key": "story"}]
    assert raw.pagination == {"t": 1}


async def test_user_agent_names_the_library_python_and_the_callers_suffix(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    async with MeegleClient(**client_kwargs, user_agent_suffix="acme-sync/2.1") as client:
        await get_types(client)
    py = f"{sys.version_info[0]}.{sys.version_info[1]}"
    expected = f"meegle-async/{__version__} python/{py} acme-sync/2.1"
    assert stub.requests[0].headers["User-Agent"] == expected
    assert stub.token_requests[0].headers["User-Agent"] == expected


async def test_stats_and_hook_count_requests_retries_throttles_and_errors(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    script = deque(["429", "503", "ok", "429", "ok", "404code"])

    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        step = script.popleft()
        if step == "429":
            return web.json_response({"err_code": 0}, status=429, headers={"Retry-After": "0"})
        if step == "503":
            return web.Response(status=503, text="<html>busy</html>")
        if step == "404code":
            return fail(30005, "gone")
        return ok(None)

    events: list[RequestEvent] = []
    stub.handler = handler
    async with MeegleClient(**client_kwargs, on_request=events.append) as client:
        await get_types(client)
        await get_types(client)
        with pytest.raises(MeegleError):
            await get_types(client)
        snapshot = to_dict(client.stats())
    one = snapshot["endpoints"]["get_work_item_types"]
    assert one["requests"] == 6
    assert one["retries"] == 3
    assert one["throttled"] == 2
    assert one["errors"] == 1
    assert one["limiter_wait_seconds"] >= 0
    assert [
        (e.status, e.throttled, e.err_code) for e in events if e.endpoint != "plugin_token"
    ] == [
        (429, True, None),
        (503, False, None),
        (200, False, 0),
        (429, True, None),
        (200, False, 0),
        (200, False, 30005),
    ]
    assert events[0].endpoint == "plugin_token"


def _logger_state(env: dict[str, str]) -> str:
    code = (
        "import logging, meegle_async; "
        "from meegle_async import MeegleClient; "
        "MeegleClient(plugin_token='t', user_key='u'); "
        "lg = logging.getLogger('meegle_async'); "
        "print(lg.level, sum(not isinstance(h, logging.NullHandler) for h in lg.handlers))"
    )
    clean = {k: v for k, v in os.environ.items() if k != "MEEGLE_LOG"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def test_meegle_log_switches_the_logger_on_and_unset_leaves_it_alone() -> None:
    assert _logger_state({}) == "0 0"
    assert _logger_state({"MEEGLE_LOG": "debug"}) == f"{logging.DEBUG} 1"
    assert _logger_state({"MEEGLE_LOG": "info"}) == f"{logging.INFO} 1"


async def test_secrets_never_appear_in_logs_reprs_or_errors(
    stub: Stub, client_kwargs: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        if len(stub.requests) == 1:
            return web.Response(status=502, text="bad gateway")
        return fail(10001, "no permission")

    stub.handler = handler
    caplog.set_level(logging.DEBUG, logger="meegle_async")
    client = MeegleClient(**client_kwargs)
    async with client:
        with pytest.raises(MeegleError) as info:
            await get_types(client)
    texts = [caplog.text, repr(client), str(info.value), repr(info.value)]
    for secret in ("plugin-secret-value", "tok-1", "user-key-1"):
        for text in texts:
            assert secret not in text
    assert "get_work_item_types" in caplog.text  # the debug lines are there, just clean


def test_from_env_reads_meegle_variables_and_keywords_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEEGLE_DOMAIN", "project.feishu.cn")
    monkeypatch.setenv("MEEGLE_PLUGIN_ID", "pid")
    monkeypatch.setenv("MEEGLE_PLUGIN_SECRET", "psecret")
    monkeypatch.setenv("MEEGLE_USER_KEY", "ukey")
    client = MeegleClient.from_env()
    assert client.base_url == "https://project.feishu.cn"
    assert client.user_key == "ukey"
    monkeypatch.setenv("MEEGLE_BASE_URL", "https://project.larksuite.com")
    assert MeegleClient.from_env(user_key="other").user_key == "other"
    assert MeegleClient.from_env().base_url == "https://project.larksuite.com"
    for var in ("MEEGLE_PLUGIN_ID", "MEEGLE_PLUGIN_SECRET"):
        monkeypatch.delenv(var)
    with pytest.raises(MeegleValidationError, match="MEEGLE_PLUGIN_ID"):
        MeegleClient.from_env()


async def test_proxy_receives_the_requests(stub: Stub) -> None:
    # The stub plays the proxy: the target host is never contacted.
    client = MeegleClient(
        base_url="http://127.0.0.1:9", plugin_token="t", user_key="u", proxy=stub.base_url
    )
    async with client:
        assert await get_types(client) == {"ok": True}
    assert stub.requests[0].headers["Host"] == "127.0.0.1:9"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"default_qps": 0}, "positive"),
        ({"rate_limits": {"x": -1}}, "positive"),
        ({"timeout": -1}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"proxy": "localhost:3128"}, "proxy"),
        ({"on_backend_error": "ignore"}, "on_backend_error"),
        ({"shared_state": 42}, "shared_state"),
    ],
)
def test_bad_options_are_refused(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises((MeegleValidationError, ValueError), match=match):
        MeegleClient(plugin_token="t", user_key="u", **kwargs)


@pytest.mark.slow
async def test_adaptive_limits_find_a_budget_shared_with_traffic_we_do_not_see(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    """The server allows 5 QPS on the token; the client starts at 15 (the figure for 300 calls
    is in benchmarks/; this run is shorter with generous bounds)."""
    calls = 100
    window: deque[float] = deque()

    async def limited(request: web.Request, rec: Recorded) -> web.StreamResponse:
        now = rec.arrival
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= 5:
            # Like a sliding-window server: come back when the oldest call leaves the window.
            wait = f"{window[0] + 1.0 - now:.3f}"
            return web.json_response({"err_code": 0}, status=429, headers={"Retry-After": wait})
        window.append(now)
        return ok(None)

    stub.handler = limited
    started = time.monotonic()
    async with MeegleClient(**client_kwargs) as client:
        await asyncio.gather(*(get_types(client, f"p{i}") for i in range(calls)))
        stats = client.stats().endpoints["get_work_item_types"]
        rate_now = client.current_rate("get_work_item_types")
    elapsed = time.monotonic() - started
    assert stats.errors == 0
    assert stats.requests - stats.throttled == calls
    assert stats.throttled / stats.requests < 0.15
    assert elapsed < 1.5 * calls / 5
    assert rate_now < 15


async def test_a_copys_timeout_applies_to_its_calls(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    async def slow(request: web.Request, rec: Recorded) -> web.StreamResponse:
        await asyncio.sleep(0.4)
        return ok("late")

    stub.handler = slow
    async with MeegleClient(**client_kwargs, timeout=5) as client:
        hasty = client.with_options(timeout=0.1, max_retries=0)
        with pytest.raises(MeegleTimeoutError):
            await get_types(hasty)
        assert await get_types(client) == "late"


def test_proxy_settings_are_read_from_the_environment_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from meegle_async.transport.session import env_proxy_for

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert env_proxy_for("https://project.larksuite.com") == "http://proxy.internal:3128"
    monkeypatch.setenv("NO_PROXY", "project.larksuite.com")
    assert env_proxy_for("https://project.larksuite.com") is None
    assert MeegleClient(plugin_token="t", user_key="u", trust_env=False)._transport.proxy is None
