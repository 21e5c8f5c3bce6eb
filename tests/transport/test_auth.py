"""Auth modes, single-flight tokens, renewal before expiry, and recovery from err_code 10211."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web

from meegle_async import MeegleAuthenticationError, MeegleClient, MeegleValidationError
from tests.conftest import Recorded, Stub, fail, ok

PATH = "/open_api/{project_key}/work_item/all-types"


async def call(client: MeegleClient, project: str = "space") -> Any:
    return await client.request("get_types", "GET", PATH, path_params={"project_key": project})


async def test_plugin_credentials_fetch_a_token_and_send_it_with_the_user_key(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    async with MeegleClient(**client_kwargs) as client:
        assert await call(client) == {"ok": True}
    (token_req,) = stub.token_requests
    assert token_req.path == "/open_api/authen/plugin_token"
    assert token_req.json == {
        "plugin_id": "plugin-id",
        "plugin_secret": "plugin-secret-value",
        "type": 0,
    }
    (req,) = stub.requests
    assert req.headers["X-Plugin-Token"] == "tok-1"
    assert req.headers["X-User-Key"] == "user-key-1"
    assert "X-Idem-UUID" not in req.headers  # a GET is not a write


async def test_virtual_token_asks_for_type_1(stub: Stub, client_kwargs: dict[str, Any]) -> None:
    async with MeegleClient(**client_kwargs, virtual_token=True) as client:
        await call(client)
    assert stub.token_requests[0].json["type"] == 1


async def test_a_held_plugin_token_is_sent_as_is(stub: Stub) -> None:
    async with MeegleClient(base_url=stub.base_url, plugin_token="held", user_key="u") as client:
        await call(client)
    assert stub.token_requests == []
    assert stub.requests[0].headers["X-Plugin-Token"] == "held"
    assert stub.requests[0].headers["X-User-Key"] == "u"


async def test_a_user_token_is_sent_without_user_key(stub: Stub) -> None:
    async with MeegleClient(base_url=stub.base_url, user_token="utok", user_key="ignored") as c:
        await call(c)
    assert stub.requests[0].headers["X-Plugin-Token"] == "utok"
    assert "X-User-Key" not in stub.requests[0].headers


async def test_a_plugin_token_without_user_key_is_refused_before_sending(stub: Stub) -> None:
    async with MeegleClient(base_url=stub.base_url, plugin_token="held") as client:
        with pytest.raises(MeegleValidationError, match="user_key"):
            await call(client)
    assert stub.requests == []


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "no credentials"),
        ({"plugin_id": "p"}, "go together"),
        ({"plugin_secret": "s"}, "go together"),
        ({"virtual_token": True, "plugin_token": "t"}, "virtual_token"),
        ({"plugin_token": "t", "refresh_token": "r"}, "refresh_token"),
    ],
)
def test_incomplete_credentials_are_refused(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(MeegleValidationError, match=match):
        MeegleClient(**kwargs)


async def test_one_token_request_for_100_concurrent_calls(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    async def slow_token(request: web.Request, rec: Recorded) -> web.StreamResponse:
        await asyncio.sleep(0.05)  # every caller arrives while the first fetch is in flight
        return web.json_response(
            {"error": {"code": 0, "msg": ""}, "data": {"token": "only", "expire_time": 7200}}
        )

    stub.token_handler = slow_token
    async with MeegleClient(**client_kwargs, default_qps=1000) as client:
        await asyncio.gather(*(call(client, f"p{i}") for i in range(100)))
    assert len(stub.token_requests) == 1
    assert len(stub.requests) == 100
    assert {r.headers["X-Plugin-Token"] for r in stub.requests} == {"only"}


async def test_token_is_renewed_three_minutes_before_expiry(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    now = [1_000_000.0]
    async with MeegleClient(**client_kwargs, clock=lambda: now[0]) as client:
        await call(client)
        now[0] += 7200 - 181  # 181 s before expiry: still good
        await call(client)
        assert len(stub.token_requests) == 1
        now[0] += 2  # 179 s before expiry: renewed
        await call(client)
    assert len(stub.token_requests) == 2
    assert [r.headers["X-Plugin-Token"] for r in stub.requests] == ["tok-1", "tok-1", "tok-2"]


async def test_err_10211_renews_the_token_once_and_replays(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    stub.valid_tokens = set()
    async with MeegleClient(**client_kwargs) as client:
        await call(client)  # tok-1 becomes valid on issue
        stub.valid_tokens.clear()  # the server forgets it: 10211 until a new token is fetched
        key = "idem-10211"
        result = await client.request(
            "update", "PUT", "/open_api/{p}/x", path_params={"p": "s"}, idempotency_key=key
        )
    assert result == {"ok": True}
    assert len(stub.token_requests) == 2
    replayed = stub.requests[-2:]
    assert [r.headers["X-Plugin-Token"] for r in replayed] == ["tok-1", "tok-2"]
    assert [r.headers["X-Idem-UUID"] for r in replayed] == [key, key]


async def test_10211_twice_raises_authentication_error(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    async def always_invalid(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return fail(10211, "Token info invalid", **{"X-Tt-Logid": "log-10211"})

    stub.handler = always_invalid
    async with MeegleClient(**client_kwargs) as client:
        with pytest.raises(MeegleAuthenticationError) as info:
            await call(client)
    assert info.value.code == 10211
    assert info.value.log_id == "log-10211"
    assert len(stub.token_requests) == 2  # one renewal, not a loop
    assert len(stub.requests) == 2


async def test_held_plugin_token_refused_raises_without_retrying(stub: Stub) -> None:
    stub.handler = lambda request, rec: _async(fail(10211, "Token info invalid"))
    async with MeegleClient(base_url=stub.base_url, plugin_token="held", user_key="u") as c:
        with pytest.raises(MeegleAuthenticationError):
            await call(c)
    assert len(stub.requests) == 1


async def test_bad_plugin_credentials_raise_at_once(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    async def refuse(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return web.json_response({"error": {"code": 10012, "msg": "invalid secret"}, "data": None})

    stub.token_handler = refuse
    async with MeegleClient(**client_kwargs) as client:
        with pytest.raises(MeegleAuthenticationError, match="invalid secret") as info:
            await call(client)
    assert info.value.code == 10012
    assert len(stub.token_requests) == 1
    assert stub.requests == []
    assert "plugin-secret-value" not in str(info.value)


async def test_user_token_is_refreshed_on_10211(stub: Stub) -> None:
    async def token(request: web.Request, rec: Recorded) -> web.StreamResponse:
        if request.path.endswith("/plugin_token"):
            data = {"token": "plugin-tok", "expire_time": 7200}
        else:
            assert request.path == "/open_api/authen/refresh_token"
            assert request.headers["X-Plugin-Token"] == "plugin-tok"
            assert rec.json == {"refresh_token": "refresh-1", "type": 1}
            data = {
                "token": "user-tok-2",
                "expire_time": 7200,
                "refresh_token": "refresh-2",
                "refresh_token_expire_time": 1209600,
            }
        return web.json_response({"error": {"code": 0, "msg": ""}, "data": data})

    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        if request.headers["X-Plugin-Token"] == "user-tok-1":
            return fail(10211, "expired")
        return ok({"who": request.headers["X-Plugin-Token"]})

    stub.token_handler = token
    stub.handler = handler
    async with MeegleClient(
        base_url=stub.base_url,
        user_token="user-tok-1",
        refresh_token="refresh-1",
        plugin_id="pid",
        plugin_secret="psecret",
    ) as client:
        assert await call(client) == {"who": "user-tok-2"}
        assert await call(client) == {"who": "user-tok-2"}
    assert [r.path for r in stub.token_requests] == [
        "/open_api/authen/plugin_token",
        "/open_api/authen/refresh_token",
    ]


async def _async(value: Any) -> Any:
    return value
