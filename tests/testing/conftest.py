"""Fixtures for the fake server's own tests: a small seeded fake and a plain aiohttp caller."""

from __future__ import annotations

import json as json_module
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from meegle_async.testing import FakeMeegle


class Api:
    """Calls the fake over HTTP with a plugin token and the default X-User-Key."""

    def __init__(self, fake: FakeMeegle, http: aiohttp.ClientSession) -> None:
        self.fake = fake
        self.http = http
        self._token: str | None = None

    async def plugin_token(self, type_: int = 0) -> str:
        async with self.http.post(
            f"{self.fake.base_url}/open_api/authen/plugin_token",
            json={
                "plugin_id": self.fake.plugin_id,
                "plugin_secret": self.fake.plugin_secret,
                "type": type_,
            },
        ) as resp:
            body = await resp.json()
        assert body["error"]["code"] == 0, body
        token: str = body["data"]["token"]
        return token

    async def token(self) -> str:
        if self._token is None:
            self._token = await self.plugin_token()
        return self._token

    async def raw(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        token: str | None = None,
        user_key: str | None = "default",
    ) -> tuple[int, Any, Any]:
        sent = {"X-Plugin-Token": token or await self.token()}
        if user_key == "default":
            sent["X-User-Key"] = self.fake.user_key
        elif user_key is not None:
            sent["X-User-Key"] = user_key
        sent.update(headers or {})
        async with self.http.request(
            method, self.fake.base_url + path, json=json, params=params, headers=sent
        ) as resp:
            raw = await resp.read()
            body = json_module.loads(raw) if resp.content_type == "application/json" else raw
            return resp.status, body, resp.headers

    async def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        status, body, _ = await self.raw(method, path, **kwargs)
        assert status == 200, body
        assert body["err_code"] == 0, body
        return body

    async def data(self, method: str, path: str, **kwargs: Any) -> Any:
        return (await self.ok(method, path, **kwargs))["data"]

    async def err(self, method: str, path: str, **kwargs: Any) -> int:
        status, body, headers = await self.raw(method, path, **kwargs)
        assert status == 200, (status, body)
        assert body["err_code"] != 0, body
        assert body["err"]["code"] == body["err_code"]
        assert body["err"]["log_id"] == headers["X-Tt-Logid"]
        assert body["data"] is None
        code: int = body["err_code"]
        return code


@pytest.fixture
async def fake() -> AsyncIterator[FakeMeegle]:
    async with FakeMeegle(
        seed_items=60, seed=1234, rate_limits=False, batch_task_duration=0.2
    ) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def api(fake: FakeMeegle, http: aiohttp.ClientSession) -> Api:
    return Api(fake, http)
