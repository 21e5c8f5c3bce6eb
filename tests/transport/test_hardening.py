"""Transport hardening against hostile servers and hostile input (issues 15, 18).

Every test drives the public API against a real loopback server: a raw asyncio server for
answers no well-behaved HTTP server gives (silence, a stall after the headers, a drip, garbage),
or the aiohttp stub of ``tests/conftest.py``. Guards (``asyncio.wait_for``) only turn a hang into
a failure; they are far above the timeouts under test and assert nothing about speed.
"""

from __future__ import annotations

import asyncio
import gc
import gzip
import json
import math
import warnings
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from meegle_async import (
    MeegleAPIError,
    MeegleAuthenticationError,
    MeegleClient,
    MeegleError,
    MeegleServerError,
    MeegleTimeoutError,
    MeegleValidationError,
    PollSchedule,
    RetryPolicy,
)
from tests.conftest import Recorded, Stub, fail, ok

TYPES = "/open_api/{project_key}/work_item/all-types"
GUARD = 60.0  # seconds: only turns a hang into a failure
SECRET = "plugin-secret-value"
USER_KEY = "user-key-1"


async def get_types(client: MeegleClient, **kw: Any) -> Any:
    return await client.request(
        "get_work_item_types", "GET", TYPES, path_params={"project_key": "space"}, **kw
    )


async def guarded(aw: Awaitable[Any]) -> Any:
    return await asyncio.wait_for(aw, GUARD)


# -- a raw server that misbehaves -------------------------------------------------------------

Behaviour = Callable[[asyncio.StreamWriter], Awaitable[None]]


def _http_ok(body: bytes, extra: str = "") -> bytes:
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n{extra}\r\n"
    )
    return head.encode() + body


TOKEN_ANSWER = json.dumps(
    {"error": {"code": 0, "msg": ""}, "data": {"token": "tok-raw", "expire_time": 7200}}
).encode()


class RawServer:
    """Reads each request; answers token requests normally (unless ``stall_tokens``) and every
    other request with ``behaviour``. Counts the requests it read, per kind."""

    def __init__(self, behaviour: Behaviour, *, stall_tokens: bool = False) -> None:
        self.behaviour = behaviour
        self.stall_tokens = stall_tokens
        self.calls = 0
        self.token_calls = 0
        self.server: asyncio.Server | None = None
        self.base_url = ""
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        for writer in self._writers:
            writer.close()
        if self.server is not None:
            self.server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                length = 0
                for line in lines[1:]:
                    if line.lower().startswith("content-length:"):
                        length = int(line.split(":", 1)[1])
                if length:
                    await reader.readexactly(length)
                if " /open_api/authen/" in lines[0]:
                    self.token_calls += 1
                    if self.stall_tokens:
                        await asyncio.sleep(3600)
                    writer.write(_http_ok(TOKEN_ANSWER))
                    await writer.drain()
                    continue
                self.calls += 1
                await self.behaviour(writer)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


async def never_answers(writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(3600)


async def headers_then_stall(writer: asyncio.StreamWriter) -> None:
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    )
    await writer.drain()
    await asyncio.sleep(3600)


async def drips(writer: asyncio.StreamWriter) -> None:
    body = json.dumps({"err_code": 0, "err_msg": "", "data": "x" * 500}).encode()
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
    )
    for byte in body:
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(0.2)


async def garbage(writer: asyncio.StreamWriter) -> None:
    writer.write(b"HELLO THIS IS NOT HTTP\r\n\r\n")
    await writer.drain()


@pytest.fixture
async def raw_server() -> AsyncIterator[Callable[..., Awaitable[RawServer]]]:
    servers: list[RawServer] = []

    async def make(behaviour: Behaviour, **kw: Any) -> RawServer:
        server = RawServer(behaviour, **kw)
        await server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        await server.close()


def raw_client(server: RawServer, **kw: Any) -> MeegleClient:
    options: dict[str, Any] = {
        "base_url": server.base_url,
        "plugin_id": "plugin-id",
        "plugin_secret": SECRET,
        "user_key": USER_KEY,
        "retry_policy": RetryPolicy(max_retries=1, backoff_base=0.01, backoff_max=0.02),
    }
    options.update(kw)
    return MeegleClient(**options)


# -- 1. the client's own timeout bounds every attempt -------------------------------------------


@pytest.mark.parametrize("behaviour", [never_answers, headers_then_stall, drips])
async def test_the_constructors_timeout_ends_every_stalled_attempt_and_they_are_retried(
    raw_server: Callable[..., Awaitable[RawServer]], behaviour: Behaviour
) -> None:
    server = await raw_server(behaviour)
    async with raw_client(server, timeout=0.5) as client:
        with pytest.raises(MeegleTimeoutError) as info:
            await guarded(get_types(client))
    assert info.value.endpoint == "get_work_item_types"
    assert server.calls == 2  # the first attempt and its one retry, each ended by the timeout


async def test_a_stalled_token_request_ends_within_the_clients_timeout(
    raw_server: Callable[..., Awaitable[RawServer]],
) -> None:
    server = await raw_server(never_answers, stall_tokens=True)
    async with raw_client(server, timeout=0.5, max_retries=0) as client:
        with pytest.raises(MeegleTimeoutError):
            await guarded(get_types(client))
    assert server.token_calls == 1
    assert server.calls == 0


async def test_a_polling_helper_ends_when_its_progress_request_stalls(
    raw_server: Callable[..., Awaitable[RawServer]],
) -> None:
    submitted = json.dumps({"err_code": 0, "err_msg": "", "data": {"task_id": "t1"}}).encode()

    async def submit_then_stall(writer: asyncio.StreamWriter) -> None:
        if server.calls == 1:
            writer.write(_http_ok(submitted))
            await writer.drain()
        else:
            await asyncio.sleep(3600)

    server = await raw_server(submit_then_stall)
    async with raw_client(server, timeout=0.5, max_retries=0) as client:
        with pytest.raises(MeegleTimeoutError):
            await guarded(
                client.work_items.batch_update_and_wait(
                    "space",
                    "story",
                    [1, 2],
                    field_key="priority",
                    update_mode="APPEND",
                    after_field_value=["p1"],
                    poll_schedule=PollSchedule(first_delay=0.0),
                )
            )
    assert server.calls == 2  # the submission, then the progress request that stalled


async def test_a_timeout_of_none_still_gives_up_a_silent_connection() -> None:
    client = MeegleClient(plugin_token="t", user_key="u", timeout=None)
    timeout = client._options.timeout
    assert timeout.total is None
    assert timeout.sock_read is not None
    assert timeout.connect is not None


# -- 2. aclose with calls still queued -----------------------------------------------------------


async def test_aclose_ends_calls_queued_for_the_limiter_and_sends_nothing_more(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    first_arrived = asyncio.Event()

    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        first_arrived.set()
        return ok("done")

    stub.handler = handler
    client = MeegleClient(**client_kwargs, rate_limits={"get_work_item_types": 1})
    await client.__aenter__()
    calls = [asyncio.create_task(get_types(client)) for _ in range(5)]
    await guarded(first_arrived.wait())
    await asyncio.sleep(0.05)
    await guarded(client.aclose())
    results = await guarded(asyncio.gather(*calls, return_exceptions=True))
    sent = len(stub.requests)
    assert results.count("done") == sent == 1
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(errors) == 4
    assert all(type(e) is MeegleError for e in errors)
    assert all("closed" in str(e) and "nothing was sent" in str(e) for e in errors)
    await asyncio.sleep(1.2)  # past the 1 s window the queued calls waited for
    assert len(stub.requests) == 1
    session = client._transport._session
    assert session is not None
    assert session.closed


async def test_aclose_ends_calls_queued_for_the_concurrency_cap(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    release = asyncio.Event()
    arrived = asyncio.Event()

    async def slow(request: web.Request, rec: Recorded) -> web.StreamResponse:
        arrived.set()
        await release.wait()
        return ok("done")

    stub.handler = slow
    client = MeegleClient(**client_kwargs, max_concurrency=1, max_retries=0)
    await client.__aenter__()
    calls = [asyncio.create_task(get_types(client)) for _ in range(4)]
    await guarded(arrived.wait())
    closing = asyncio.create_task(client.aclose())
    results = await guarded(asyncio.gather(*calls, return_exceptions=True))
    release.set()
    await guarded(closing)
    assert len(stub.requests) == 1
    assert all(isinstance(r, MeegleError) for r in results)
    assert sum("in flight" in str(r) for r in results) == 1
    assert sum("nothing was sent" in str(r) for r in results) == 3
    with pytest.raises(MeegleError, match="closed"):
        await get_types(client)
    assert len(stub.requests) == 1


async def test_after_aclose_no_session_is_made_again(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    client = MeegleClient(**client_kwargs)
    async with client:
        await get_types(client)
    session = client._transport._session
    with pytest.raises(MeegleError, match="closed"):
        await get_types(client)
    with pytest.raises(MeegleError, match="closed"):
        client._transport._get_session()
    assert client._transport._session is session
    assert session is not None
    assert session.closed


# -- 4. answers of the wrong shape ---------------------------------------------------------------


@pytest.mark.parametrize("code", ["0", 1.0, 0.0, True, False, {}, [], "20090"])
async def test_an_err_code_that_is_not_an_integer_is_a_server_error(
    stub: Stub, client_kwargs: dict[str, Any], code: Any
) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        body = {"err_code": code, "err_msg": "", "err": {}, "data": {"looks": "fine"}}
        return web.json_response(body, headers={"X-Tt-Logid": "log-shape"})

    stub.handler = handler
    async with MeegleClient(**client_kwargs, max_retries=0) as client:
        with pytest.raises(MeegleServerError) as info:
            await get_types(client)
    assert info.value.log_id == "log-shape"
    assert "not an integer" in str(info.value)


async def test_a_token_answer_with_a_non_integer_code_is_not_a_token(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    async def token(request: web.Request, rec: Recorded) -> web.StreamResponse:
        body = {"error": {"code": "0", "msg": ""}, "data": {"token": "t", "expire_time": 60}}
        return web.json_response(body)

    stub.token_handler = token
    async with MeegleClient(**client_kwargs, max_retries=0) as client:
        with pytest.raises(MeegleAPIError):
            await get_types(client)
    assert stub.requests == []


@pytest.mark.parametrize("status", [301, 302, 304, 307])
async def test_a_redirect_with_a_json_body_is_not_success(
    stub: Stub, client_kwargs: dict[str, Any], status: int
) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        body = b"" if status == 304 else json.dumps({"err_code": 0, "data": "x"}).encode()
        return web.Response(
            status=status,
            body=body,
            content_type="application/json",
            headers={"Location": "https://elsewhere.example/", "X-Tt-Logid": "log-3xx"},
        )

    stub.handler = handler
    async with MeegleClient(**client_kwargs, max_retries=0) as client:
        with pytest.raises(MeegleServerError) as info:
            await get_types(client)
    assert info.value.http_status == status
    assert info.value.log_id == "log-3xx"
    assert len(stub.requests) == 1  # not followed


async def test_json_nested_too_deep_is_a_server_error_not_a_recursion_error(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    deep = b'{"err_code": 0, "data": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"

    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return web.Response(body=deep, content_type="application/json", headers={"X-Tt-Logid": "d"})

    stub.handler = handler
    async with MeegleClient(**client_kwargs, max_retries=0) as client:
        with pytest.raises(MeegleServerError) as info:
            await get_types(client)
    assert info.value.log_id == "d"
    assert "nested too deeply" in str(info.value)


def _gzip_of_zeros(size: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip container
    block = b"0" * (1 << 20)
    parts = [compressor.compress(block) for _ in range(size // len(block))]
    parts.append(compressor.flush())
    return b"".join(parts)


async def test_a_200_mb_gzip_answer_is_refused_past_the_default_cap(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    bomb = _gzip_of_zeros(200 << 20)
    assert len(bomb) < 1 << 20

    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return web.Response(
            body=bomb,
            headers={
                "Content-Encoding": "gzip",
                "Content-Type": "application/json",
                "X-Tt-Logid": "log-big",
            },
        )

    stub.handler = handler
    async with MeegleClient(**client_kwargs, max_retries=0) as client:
        with pytest.raises(MeegleServerError) as info:
            await get_types(client)
    assert "max_response_bytes" in str(info.value)
    assert info.value.log_id == "log-big"


async def test_the_body_cap_is_configurable_and_checked(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    payload = {"err_code": 0, "err_msg": "", "data": "y" * 5000}

    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        body = gzip.compress(json.dumps(payload).encode())
        return web.Response(body=body, headers={"Content-Encoding": "gzip"})

    stub.handler = handler
    async with MeegleClient(**client_kwargs, max_retries=0, max_response_bytes=1000) as client:
        with pytest.raises(MeegleServerError, match="max_response_bytes"):
            await get_types(client)
    async with MeegleClient(**client_kwargs, max_response_bytes=10_000) as client:
        assert await get_types(client) == "y" * 5000
    for bad in (0, -1, 1.5, True, "1"):
        with pytest.raises(MeegleValidationError, match="max_response_bytes"):
            MeegleClient(**client_kwargs, max_response_bytes=bad)


# -- 5. bad input refused before anything is sent -----------------------------------------------

BASE_OPTIONS: dict[str, Any] = {"plugin_token": "tok", "user_key": "user"}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"timeout": math.nan}, "timeout"),
        ({"timeout": math.inf}, "timeout"),
        ({"timeout": "5"}, "timeout"),
        ({"timeout": aiohttp.ClientTimeout(total=math.nan)}, "timeout.total"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": 1.5}, "max_retries"),
        ({"retry_codes": None}, "retry_codes"),
        ({"retry_codes": "20090"}, "retry_codes"),
        ({"retry_codes": {1.5}}, "retry_codes"),
        ({"throttle_codes": None}, "throttle_codes"),
        ({"token_invalid_codes": [True]}, "token_invalid_codes"),
        ({"default_qps": math.inf}, "default_qps"),
        ({"default_qps": math.nan}, "default_qps"),
        ({"default_qps": "15"}, "default_qps"),
        ({"rate_limits": {"x": math.inf}}, "rate_limits"),
        ({"rate_limits": {"x": True}}, "rate_limits"),
        ({"rate_limits": [("x", 1)]}, "rate_limits"),
        ({"user_key": "   "}, "user_key"),
        ({"user_key": ""}, "user_key"),
        ({"user_key": "u\r\nX-Injected: 1"}, "control character"),
        ({"user_key": "u\x00"}, "control character"),
        ({"user_key": True}, "user_key"),
        ({"user_key": 1.5}, "user_key"),
        ({"plugin_token": "tok\nX-Evil: 1"}, "control character"),
        ({"user_agent_suffix": "app/1\r\nX-Evil: 1"}, "control character"),
        ({"user_agent_suffix": 3}, "user_agent_suffix"),
        ({"base_url": "https://project.feishu.cn\\@evil.example"}, "backslash"),
        ({"base_url": "https://project.feishu.cn\r\nX: 1"}, "control"),
        ({"base_url": "https://project.feishu.cn:port"}, "port"),
        ({"base_url": "https://user:pw@project.feishu.cn"}, "password"),
        ({"proxy": "http://proxy:3128\r\n"}, "proxy"),
        ({"adaptive_limits": "yes"}, "adaptive_limits"),
        ({"trust_env": 1}, "trust_env"),
        ({"on_request": "print"}, "on_request"),
        ({"clock": 5}, "clock"),
        ({"retry_policy": {"max_retries": 1}}, "retry_policy"),
        ({"session": "session"}, "session"),
        ({"deadline": 0}, "deadline"),
        ({"deadline": math.nan}, "deadline"),
    ],
)
def test_every_bad_option_is_a_validation_error_at_construction(
    kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(MeegleValidationError, match=match):
        MeegleClient(**{**BASE_OPTIONS, **kwargs})


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"timeout": math.nan}, "timeout"),
        ({"timeout": -1}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": None}, "max_retries"),
        ({"user_key": "  "}, "user_key"),
        ({"user_key": "a\nb"}, "control character"),
        ({"deadline": math.inf}, "deadline"),
        ({"deadline": "1"}, "deadline"),
    ],
)
def test_with_options_checks_like_the_constructor(kwargs: dict[str, Any], match: str) -> None:
    client = MeegleClient(**BASE_OPTIONS)
    with pytest.raises(MeegleValidationError, match=match):
        client.with_options(**kwargs)


def test_retry_policy_refuses_bad_values_as_validation_errors() -> None:
    with pytest.raises(MeegleValidationError, match="max_retries"):
        RetryPolicy(max_retries=-1)
    with pytest.raises(MeegleValidationError, match="backoff_base"):
        RetryPolicy(backoff_base=math.nan)
    with pytest.raises(MeegleValidationError, match="retry_codes"):
        RetryPolicy(retry_codes=None)  # type: ignore[arg-type]


async def test_a_user_key_given_as_an_int_is_sent_as_its_digits(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    key = 7301234567890123456  # 19 digits, as YAML and JSON configs give it
    async with MeegleClient(**{**client_kwargs, "user_key": key}) as client:
        await get_types(client)
        await get_types(client.with_options(user_key=42))
    assert [r.headers["X-User-Key"] for r in stub.requests] == [str(key), "42"]


@pytest.mark.parametrize(
    "bad_id", ["²", "１２", "١٢", 2**63, "9223372036854775808", True, False, 0, -5, 1.0, None]
)
async def test_bad_ids_are_refused_before_sending(
    stub: Stub, client_kwargs: dict[str, Any], bad_id: Any
) -> None:
    async with MeegleClient(**client_kwargs) as client:
        with pytest.raises(MeegleValidationError, match="work_item_id"):
            await client.work_items.get_details("space", "story", [bad_id])
        with pytest.raises(MeegleValidationError, match="work_item_id"):
            await client.work_items.delete("space", "story", bad_id)
    assert stub.requests == []


async def test_the_largest_64_bit_id_is_accepted(stub: Stub, client_kwargs: dict[str, Any]) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return ok([])

    stub.handler = handler
    async with MeegleClient(**client_kwargs) as client:
        await client.work_items.get_details("space", "story", [str(2**63 - 1)])
    assert stub.requests[0].json["work_item_ids"] == [2**63 - 1]


class _Opaque:
    pass


def _cycle() -> Any:
    loop: list[Any] = []
    loop.append(loop)
    return loop


@pytest.mark.parametrize(
    "body",
    [{"a": {1, 2}}, {"a": _Opaque()}, _cycle(), {"x": math.nan}, [math.inf], {"y": -math.inf}],
    ids=["set", "object", "cycle", "nan", "inf", "-inf"],
)
async def test_bodies_that_are_not_json_are_refused_before_sending(
    stub: Stub, client_kwargs: dict[str, Any], body: Any
) -> None:
    async with MeegleClient(**client_kwargs) as client:
        with pytest.raises(MeegleValidationError, match="JSON"):
            await client.request("x", "POST", "/open_api/x", json=body)
    assert stub.requests == []


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"path": 5}, "path"),
        ({"path": b"/open_api/x"}, "path"),
        ({"params": [("a", "b")]}, "params"),
        ({"params": {"a": [1, 2]}}, "params"),
        ({"params": {"a": math.nan}}, "params"),
        ({"params": {1: "a"}}, "params"),
        ({"path_params": ["a"]}, "path_params"),
        ({"idempotency_key": "k\r\nX-Evil: 1"}, "control character"),
        ({"idempotency_key": 5}, "idempotency_key"),
        ({"raw": "yes"}, "raw"),
        ({"deadline": -1}, "deadline"),
    ],
)
async def test_request_refuses_arguments_of_the_wrong_type(
    stub: Stub, client_kwargs: dict[str, Any], kwargs: dict[str, Any], match: str
) -> None:
    call: dict[str, Any] = {"path": "/open_api/x", **kwargs}
    path = call.pop("path")
    async with MeegleClient(**client_kwargs) as client:
        with pytest.raises(MeegleValidationError, match=match):
            await client.request("x", "POST", path, **call)
    assert stub.requests == []


async def test_a_token_with_control_characters_from_the_server_is_never_sent(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    async def token(request: web.Request, rec: Recorded) -> web.StreamResponse:
        body = {"error": {"code": 0}, "data": {"token": "tok\r\nX-Evil: 1", "expire_time": 60}}
        return web.json_response(body)

    stub.token_handler = token
    async with MeegleClient(**client_kwargs) as client:
        with pytest.raises(MeegleValidationError, match="control characters"):
            await get_types(client)
    assert stub.requests == []


# -- 6. secrets kept out of errors and their causes ---------------------------------------------


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [error]
    while todo:
        exc = todo.pop()
        if exc is None or any(exc is s for s in seen):
            continue
        seen.append(exc)
        todo += [exc.__cause__, exc.__context__]
    return seen


def _assert_clean(error: BaseException, *secrets: str) -> None:
    for exc in _chain(error):
        texts = [str(exc), repr(exc), repr(vars(exc)) if hasattr(exc, "__dict__") else ""]
        info = getattr(exc, "request_info", None)
        if info is not None:
            texts.append(repr(dict(info.headers)))
        for secret in secrets:
            for text in texts:
                assert secret not in text, (type(exc).__name__, text)


async def test_a_mapped_aiohttp_error_keeps_no_request_headers_in_its_cause_chain(
    raw_server: Callable[..., Awaitable[RawServer]],
) -> None:
    server = await raw_server(garbage)
    async with raw_client(server, max_retries=0) as client:
        with pytest.raises(MeegleError) as info:
            await guarded(get_types(client))
    assert server.calls == 1
    chain = _chain(info.value)
    assert any(isinstance(e, aiohttp.ClientResponseError) for e in chain)  # kept, but clean
    _assert_clean(info.value, "tok-raw", USER_KEY, SECRET)


async def test_server_text_quoting_the_credentials_is_scrubbed(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    async def echo(request: web.Request, rec: Recorded) -> web.StreamResponse:
        token = request.headers["X-Plugin-Token"]
        if len(stub.requests) == 1:
            return fail(10001, f"user {USER_KEY} with token {token} may not do this")
        page = f"<html><pre>X-Plugin-Token: {token}\nX-User-Key: {USER_KEY}</pre></html>"
        return web.Response(status=400, text=page, content_type="text/html")

    stub.handler = echo
    async with MeegleClient(**client_kwargs, max_retries=0) as client:
        with pytest.raises(MeegleAPIError) as first:
            await get_types(client)
        with pytest.raises(MeegleAPIError) as second:
            await get_types(client)
    assert "***" in first.value.message
    assert "***" in second.value.message
    for error in (first.value, second.value):
        _assert_clean(error, "tok-1", USER_KEY)
        assert "tok-1" not in repr(error.detail)


async def test_a_token_endpoint_echoing_the_secret_is_scrubbed(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    async def token(request: web.Request, rec: Recorded) -> web.StreamResponse:
        sent = await request.json()
        msg = f"invalid plugin_secret {sent['plugin_secret']} for {sent['plugin_id']}"
        return web.json_response({"error": {"code": 10001, "msg": msg}, "data": None})

    stub.token_handler = token
    async with MeegleClient(**client_kwargs) as client:
        with pytest.raises(MeegleAuthenticationError) as info:
            await get_types(client)
    assert info.value.message == "invalid plugin_secret *** for plugin-id"  # the id is no secret
    _assert_clean(info.value, SECRET)


def test_repr_of_a_half_built_client_does_not_raise() -> None:
    blank = MeegleClient.__new__(MeegleClient)
    assert "MeegleClient" in repr(blank)
    half = MeegleClient.__new__(MeegleClient)
    half._options = None  # type: ignore[assignment]
    assert "MeegleClient" in repr(half)
    full = MeegleClient(plugin_token="tok-secret-1", user_key="uk-secret-1")
    assert "tok-secret-1" not in repr(full)
    assert "uk-secret-1" not in repr(full)


# -- issue 18: surprises ------------------------------------------------------------------------


async def test_a_client_never_closed_warns_naming_meegleclient_and_async_with(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    client = MeegleClient(**client_kwargs)
    await get_types(client)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del client
        gc.collect()
    messages = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert len(messages) == 1, messages
    assert "MeegleClient" in messages[0]
    assert "async with" in messages[0]


async def test_a_closed_client_and_a_copy_do_not_warn(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    client = MeegleClient(**client_kwargs)
    async with client:
        copy = client.with_options(user_key="other")
        await get_types(copy)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del client, copy
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("project.feishu.cn", "https://project.feishu.cn"),
        ("project.feishu.cn/", "https://project.feishu.cn"),
        ("  project.larksuite.com  ", "https://project.larksuite.com"),
        ("project.feishu.cn:8443", "https://project.feishu.cn:8443"),
    ],
)
def test_a_bare_host_means_https_on_that_host(given: str, expected: str) -> None:
    assert MeegleClient(base_url=given, **BASE_OPTIONS).base_url == expected


def test_plain_http_to_a_remote_host_is_still_refused() -> None:
    with pytest.raises(MeegleValidationError, match="plain http"):
        MeegleClient(base_url="http://project.feishu.cn", **BASE_OPTIONS)
