"""Platform behaviour of the fake: tokens, auth, limits, idempotency, faults, paging at scale."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from meegle_async.testing import FakeMeegle, Faults, serve

from .conftest import Api

TOKEN = "/open_api/authen/plugin_token"


def create_body(name: str = "idem") -> dict[str, object]:
    return {"work_item_type_key": "story", "name": name}


async def test_token_flow(api: Api, fake: FakeMeegle, http: aiohttp.ClientSession) -> None:
    async with http.post(
        fake.base_url + TOKEN,
        json={"plugin_id": fake.plugin_id, "plugin_secret": "wrong", "type": 0},
    ) as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body["error"]["code"] == 10012
    assert body["data"] is None

    plugin = await api.plugin_token()
    virtual = await api.plugin_token(type_=1)
    async with http.post(fake.base_url + TOKEN, json={"plugin_id": fake.plugin_id}) as resp:
        assert (await resp.json())["error"]["code"] == 10012

    code = fake.issue_auth_code()
    path = fake.base_url + "/open_api/authen/user_plugin_token"
    grant_body = {"code": code, "grant_type": "authorization_code"}
    async with http.post(path, json=grant_body) as resp:
        assert (await resp.json())["error"]["code"] == 10211
    async with http.post(path, json=grant_body, headers={"X-Plugin-Token": plugin}) as resp:
        grant = await resp.json()
    assert grant["error"] == {"code": 0, "msg": ""}
    data = grant["data"]
    assert data["user_key"] == fake.user_key
    assert data["expire_time"] == 7200
    assert set(data) == {
        "token",
        "expire_time",
        "refresh_token",
        "refresh_token_expire_time",
        "user_key",
        "saas_tenant_key",
    }
    async with http.post(path, json=grant_body, headers={"X-Plugin-Token": plugin}) as resp:
        assert (await resp.json())["error"]["code"] == 10015  # codes are single use

    # A user token acts without X-User-Key; the change log names that user.
    pk = fake.project_key
    new_id = await api.data(
        "POST",
        f"/open_api/{pk}/work_item/create",
        json=create_body(),
        token=data["token"],
        user_key=None,
    )
    assert fake.store.op_records[new_id][0]["operator"] == fake.user_key
    await api.data("GET", f"/open_api/{pk}/work_item/story/meta", token=virtual)

    refresh = fake.base_url + "/open_api/authen/refresh_token"
    body = {"refresh_token": data["refresh_token"], "type": 1}
    async with http.post(refresh, json=body, headers={"X-Plugin-Token": plugin}) as resp:
        renewed = (await resp.json())["data"]
    assert set(renewed) == {"token", "expire_time", "refresh_token", "refresh_token_expire_time"}
    assert renewed["refresh_token"] != data["refresh_token"]
    async with http.post(refresh, json=body, headers={"X-Plugin-Token": plugin}) as resp:
        assert (await resp.json())["error"]["code"] == 10016
    assert fake.token_requests == 9
    assert len(fake.requests_to("plugin_token")) == 4


async def test_auth_errors(api: Api, fake: FakeMeegle) -> None:
    meta = f"/open_api/{fake.project_key}/work_item/story/meta"
    assert await api.err("GET", meta, token="not-a-token") == 10211
    assert await api.err("GET", meta, user_key=None) == 1000051743
    assert await api.err("GET", meta, user_key="nobody") == 1000051743
    token = await api.token()
    status, body, headers = await api.raw(
        "GET", meta, headers={"x-plugin-token": token, "x-user-key": fake.user_key}, user_key=None
    )
    assert status == 200
    assert body["err_code"] == 0
    assert headers["X-Tt-Logid"]
    fake.expire_tokens()
    assert await api.err("GET", meta) == 10211
    fresh = await api.plugin_token()
    await api.data("GET", meta, token=fresh)
    rec = fake.requests[-1]
    assert rec.endpoint == "get_work_item_creation_metadata"
    assert rec.token == fresh
    assert rec.headers["x-user-key"] == fake.user_key
    assert rec.status == 200
    assert rec.raw_path == meta
    assert rec.body is None


async def test_request_log_records_the_call(api: Api, fake: FakeMeegle) -> None:
    fake.clear_requests()
    await api.data("GET", "/open_api/task_result", params={"task_id": "7"})
    (rec,) = [r for r in fake.requests if r.endpoint == "get_batch_update_progress"]
    assert rec.raw_path == "/open_api/task_result?task_id=7"
    assert rec.path == "/open_api/task_result"
    assert rec.query == {"task_id": "7"}
    assert rec.method == "GET"
    assert rec.err_code == 0
    assert rec.arrival <= time.monotonic()
    status, body, _ = await api.raw("GET", "/open_api/nothing/here")
    assert status == 404
    assert body["err_code"] == 30001


async def test_rate_limit_sliding_window(http: aiohttp.ClientSession) -> None:
    async with FakeMeegle(
        rate_limits={"get_work_item_creation_metadata": 3}, retry_after="float"
    ) as fake:
        api = Api(fake, http)
        meta = f"/open_api/{fake.project_key}/work_item/story/meta"
        await api.token()
        results = await asyncio.gather(*(api.raw("GET", meta) for _ in range(5)))
        statuses = sorted(r[0] for r in results)
        assert statuses == [200, 200, 200, 429, 429]
        throttled = next(r for r in results if r[0] == 429)
        assert throttled[1]["err_code"] == 429
        assert throttled[1]["data"] is None
        wait = float(throttled[2]["Retry-After"])
        assert 0 < wait <= 1.0
        assert fake.throttled == {"get_work_item_creation_metadata": 2}
        # Another token has its own window (minted directly: a second token request would
        # hand out the same valid token again).
        other = fake.issue_token()
        assert (await api.raw("GET", meta, token=other))[0] == 200
        await asyncio.sleep(wait + 0.02)
        assert (await api.raw("GET", meta))[0] == 200
        accepted = [
            r.arrival
            for r in fake.requests
            if r.endpoint == "get_work_item_creation_metadata"
            and r.status == 200
            and r.token != other
        ]
        for i, t in enumerate(accepted):
            assert sum(1 for u in accepted[i:] if u - t < 1.0) <= 3


async def test_real_limits_and_integer_retry_after(http: aiohttp.ClientSession) -> None:
    async with FakeMeegle() as fake:
        api = Api(fake, http)
        meta = f"/open_api/{fake.project_key}/work_item/story/meta"
        await api.token()
        results = await asyncio.gather(*(api.raw("GET", meta) for _ in range(17)))
        assert sorted(r[0] for r in results).count(200) == 15
        assert {r[2].get("Retry-After") for r in results if r[0] == 429} == {"1"}
        progress = [
            await api.raw("GET", "/open_api/task_result", params={"task_id": "1"}) for _ in range(2)
        ]
        assert [p[0] for p in progress] == [200, 429]


async def test_idempotent_replay(api: Api, fake: FakeMeegle, http: aiohttp.ClientSession) -> None:
    path = f"/open_api/{fake.project_key}/work_item/create"
    before = len(fake.store.items)
    headers = {"X-Idem-UUID": "key-1"}
    raw = []
    for _ in range(2):
        async with http.post(
            fake.base_url + path,
            json=create_body(),
            headers={"X-Plugin-Token": await api.token(), "X-User-Key": fake.user_key, **headers},
        ) as resp:
            raw.append((await resp.read(), resp.headers["X-Tt-Logid"]))
    assert raw[0] == raw[1]
    assert len(fake.store.items) == before + 1
    assert fake.requests[-1].replayed
    # The same key with another token, or another key, is a new call.
    other = fake.issue_token()
    await api.data("POST", path, json=create_body(), token=other, headers=headers)
    await api.data("POST", path, json=create_body(), headers={"X-Idem-Uuid": "key-2"})
    assert len(fake.store.items) == before + 3


async def test_faults_html_5xx_and_drops(
    api: Api, fake: FakeMeegle, http: aiohttp.ClientSession
) -> None:
    path = f"/open_api/{fake.project_key}/work_item/create"
    token = await api.token()
    headers = {"X-Plugin-Token": token, "X-User-Key": fake.user_key}
    before = len(fake.store.items)

    fake.faults.inject("create_work_item", "502")
    async with http.post(fake.base_url + path, json=create_body(), headers=headers) as resp:
        assert resp.status == 502
        assert resp.content_type == "text/html"
        assert "502 Bad Gateway" in await resp.text()
        assert resp.headers["X-Tt-Logid"]
    assert len(fake.store.items) == before

    fake.faults.inject("create_work_item", "drop_before")
    with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
        async with http.post(fake.base_url + path, json=create_body(), headers=headers) as resp:
            await resp.read()
    assert len(fake.store.items) == before

    fake.faults.inject("create_work_item", "drop_after")
    idem = {**headers, "X-Idem-UUID": "lost-answer"}
    with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
        async with http.post(fake.base_url + path, json=create_body(), headers=idem) as resp:
            await resp.read()
    assert len(fake.store.items) == before + 1
    async with http.post(fake.base_url + path, json=create_body(), headers=idem) as resp:
        body = await resp.json()
    assert body["err_code"] == 0
    assert body["data"] == max(fake.store.items)
    assert len(fake.store.items) == before + 1
    assert fake.faults.injected == {"502": 1, "drop_before": 1, "drop_after": 1}

    fake.faults.inject("create_work_item", "429")
    status, body, headers_ = await api.raw("POST", path, json=create_body())
    assert status == 429
    assert body["err_code"] == 429
    assert headers_["Retry-After"] == "1"


async def test_random_faults_are_seeded_and_scoped(http: aiohttp.ClientSession) -> None:
    faults = Faults(p_5xx=1.0, endpoints={"create_work_item"})
    async with FakeMeegle(faults=faults, rate_limits=False) as fake:
        api = Api(fake, http)
        await api.data("GET", f"/open_api/{fake.project_key}/work_item/story/meta")
        status, _, _ = await api.raw(
            "POST", f"/open_api/{fake.project_key}/work_item/create", json=create_body()
        )
        assert status in (500, 502, 503)

    async def outcomes(seed: int) -> list[int]:
        async with FakeMeegle(faults=Faults(p_5xx=0.5), seed=seed, rate_limits=False) as fake:
            api = Api(fake, http)
            meta = f"/open_api/{fake.project_key}/work_item/story/meta"
            return [(await api.raw("GET", meta))[0] for _ in range(12)]

    first = await outcomes(3)
    assert first == await outcomes(3)
    assert 200 in first
    assert any(s >= 500 for s in first)


async def test_subtask_search_refuses_over_5000_and_pages(http: aiohttp.ClientSession) -> None:
    async with FakeMeegle(seed_items=200, seed_subtasks=6000, seed=5, rate_limits=False) as fake:
        api = Api(fake, http)
        search = "/open_api/work_item/subtask/search"
        assert await api.err("POST", search, json={}) == 20094
        tasks = fake.store.subtasks_by_creation()
        start, end = tasks[0].created_at, tasks[2999].created_at
        window = {"created_at": {"start": start, "end": end}}
        pages: list[str] = []
        for page_num in (1, 2):
            body = await api.ok(
                "POST", search, json={**window, "page_num": page_num, "page_size": 200}
            )
            assert body["pagination"]["total"] == 3000
            pages += [d["sub_task"]["id"] for d in body["data"]]
        assert len(pages) == len(set(pages)) == 400
        assert all(isinstance(p, str) for p in pages)
        last = await api.ok("POST", search, json={**window, "page_num": 16, "page_size": 200})
        assert last["data"] == []
        done = await api.ok("POST", search, json={**window, "status": 1, "page_size": 1})
        assert 0 < done["pagination"]["total"] < 3000


async def test_change_log_streams_a_synthetic_log(api: Api, fake: FakeMeegle) -> None:
    item = next(iter(fake.store.items.values()))
    real = len(fake.store.op_records[item.id])
    start = 1_760_000_000_000
    fake.store.add_synthetic_change_log(item.id, 1000, start, start + 6 * 86_400_000)
    path = "/open_api/op_record/work_item/list"
    base = {"project_key": item.project_key, "work_item_ids": [item.id], "page_size": 200}
    seen = 0
    cursor = None
    times: list[int] = []
    for _ in range(10):
        body = {**base, **({"start_from": cursor} if cursor else {})}
        page = await api.data("POST", path, json=body)
        assert page["total"] == 1000 + real
        seen += len(page["op_records"])
        times += [r["operation_time"] for r in page["op_records"][: 1000 - len(times)]]
        cursor = page["start_from"]
        if not page["has_more"]:
            break
    assert seen == 1000 + real
    assert cursor == ""
    assert times == sorted(times)
    assert times[0] == start

    window = {**base, "start": start, "end": start + 86_400_000}
    page = await api.data("POST", path, json=window)
    assert 0 < page["total"] < 1000
    assert all(start <= r["operation_time"] <= start + 86_400_000 for r in page["op_records"])
    filtered = await api.data("POST", path, json={**base, "operation_type": ["complete"]})
    assert filtered["total"] > 0
    assert {r["operation_type"] for r in filtered["op_records"]} == {"complete"}


async def test_serve_prints_and_runs_until_cancelled() -> None:
    lines: list[str] = []
    task = asyncio.create_task(serve(seed_items=5, out=lines.append))
    for _ in range(100):
        if lines:
            break
        await asyncio.sleep(0.01)
    url = lines[0].rsplit(" ", 1)[-1]
    async with aiohttp.ClientSession() as http, http.post(url + TOKEN, json={}) as resp:
        assert (await resp.json())["error"]["code"] == 10012
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert any("plugin_secret" in line for line in lines)


def test_refuses_non_loopback_hosts() -> None:
    with pytest.raises(ValueError, match="loopback"):
        FakeMeegle(host="0.0.0.0")
