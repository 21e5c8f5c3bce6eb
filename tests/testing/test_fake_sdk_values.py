"""What a run of the official Go SDK against the fake found: the empty values its v1 structs
always send count as absent; and a second token request returns the same valid token."""

from __future__ import annotations

import aiohttp

from meegle_async.testing import FakeMeegle

from .conftest import Api

TOKEN = "/open_api/authen/plugin_token"


async def test_empty_values_the_sdk_always_sends_count_as_absent(
    api: Api, fake: FakeMeegle
) -> None:
    pk = fake.project_key
    page = await api.ok(
        "POST", f"/open_api/{pk}/work_item/filter", json={"search_id": "", "page_size": 5}
    )
    assert len(page["data"]) == 5
    users = await api.data(
        "POST", "/open_api/user/search", json={"query": "demo", "project_key": ""}
    )
    assert [u["user_key"] for u in users] == [fake.user_key]
    new_id = await api.data(
        "POST",
        f"/open_api/{pk}/work_item/create",
        json={"work_item_type_key": "story", "name": "from the SDK", "template_id": 0},
    )
    assert fake.store.items[new_id].template_id == 400001
    await api.data(
        "PUT",
        f"/open_api/{pk}/work_item/story/{new_id}/abort",
        json={"is_aborted": True, "reason_option": "", "reason": "sdk"},
    )
    assert fake.store.items[new_id].aborted
    # a value that is really there is still checked
    assert (
        await api.err("POST", f"/open_api/{pk}/work_item/filter", json={"search_id": "saved-1"})
        == 20005
    )
    assert (
        await api.err(
            "POST", "/open_api/user/search", json={"query": "demo", "project_key": "nope"}
        )
        == 1000052063
    )


async def test_a_second_token_request_returns_the_same_valid_token(
    api: Api, fake: FakeMeegle, http: aiohttp.ClientSession
) -> None:
    async def grant(kind: int = 0) -> dict[str, object]:
        body = {"plugin_id": fake.plugin_id, "plugin_secret": fake.plugin_secret, "type": kind}
        async with http.post(fake.base_url + TOKEN, json=body) as resp:
            data: dict[str, object] = (await resp.json())["data"]
        return data

    first, second = await grant(), await grant()
    assert second["token"] == first["token"]
    assert isinstance(second["expire_time"], int)
    assert 0 < second["expire_time"] <= 7200
    virtual = await grant(1)
    assert virtual["token"] != first["token"]
    assert (await grant(1))["token"] == virtual["token"]
    fake.expire_tokens()
    renewed = await grant()
    assert renewed["token"] != first["token"]
    assert renewed["expire_time"] == 7200
    await api.data(
        "GET", f"/open_api/{fake.project_key}/work_item/all-types", token=renewed["token"]
    )  # type: ignore[arg-type]


async def test_a_token_near_its_end_is_not_handed_out_again() -> None:
    async with FakeMeegle(token_ttl=300) as fake, aiohttp.ClientSession() as http:
        body = {"plugin_id": fake.plugin_id, "plugin_secret": fake.plugin_secret, "type": 0}
        tokens = []
        for _ in range(2):
            async with http.post(fake.base_url + TOKEN, json=body) as resp:
                tokens.append((await resp.json())["data"]["token"])
    # 300 s of life is under the 10-minute reuse floor: a client renewing 3 minutes early
    # must get a fresh token, never the one it is replacing
    assert tokens[0] != tokens[1]
