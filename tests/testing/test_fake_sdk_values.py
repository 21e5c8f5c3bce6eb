"""What a run of the official Go SDK against the fake found: the empty values its v1 structs
always send count as absent (strings, and numbers such as ``page_num: 0``); and a second token
request returns the same valid token."""

from __future__ import annotations

import aiohttp

from meegle_async import MeegleClient
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


async def test_the_zero_numbers_the_v1_structs_always_send_count_as_absent(
    api: Api, fake: FakeMeegle
) -> None:
    # bodies as the Go SDK's v1 structs marshal them: every unset number is 0, every unset
    # list null; the real server reads 0 as "not given", so page 1 and the default mode
    pk = fake.project_key
    page = await api.ok(
        "POST",
        f"/open_api/{pk}/work_item/filter",
        json={
            "work_item_name": "",
            "user_keys": None,
            "work_item_type_keys": ["story"],
            "created_at": None,
            "page_num": 0,
            "page_size": 5,
            "work_item_status": None,
            "search_id": "",
            "expand": None,
        },
    )
    assert len(page["data"]) == 5
    assert page["pagination"]["page_num"] == 1
    ids = [item["id"] for item in page["data"]]
    found = await api.ok(
        "POST",
        "/open_api/compositive_search",
        json={
            "project_keys": [pk],
            "query_type": "workitem",
            "query": "a",
            "query_sub_type": None,
            "page_size": 5,
            "page_num": 0,
            "simple_names": None,
        },
    )
    assert found["data"]
    assert found["pagination"]["page_num"] == 1
    tasks = await api.ok(
        "POST",
        "/open_api/work_item/subtask/search",
        json={"project_keys": [pk], "page_size": 0, "page_num": 0, "name": "", "user_keys": None},
    )
    assert tasks["data"]
    assert tasks["pagination"]["page_num"] == 1
    views = await api.ok(
        "POST",
        f"/open_api/{pk}/view_conf/list",
        json={"work_item_type_key": "story", "view_ids": None, "page_size": 0, "page_num": 0},
    )
    assert views["pagination"]["page_num"] == 1
    hours = await api.ok(
        "POST",
        "/open_api/work_item/man_hour/records",
        json={
            "project_key": pk,
            "work_item_type_key": "story",
            "work_item_id": ids[0],
            "page_num": 0,
            "page_size": 0,
        },
    )
    assert hours["pagination"]["page_num"] == 1
    view = await api.data(
        "POST",
        f"/open_api/{pk}/story/fix_view",
        json={
            "work_item_id_list": ids[:2],
            "name": "from the v1 SDK",
            "cooperation_mode": 0,
            "cooperation_user_keys": None,
            "cooperation_team_ids": None,
        },
    )
    charts = await api.data(
        "POST",
        "/open_api/measure/charts",
        json={"project_key": pk, "view_id": view["view_id"], "page_num": 0, "page_size": 0},
    )
    assert charts["chart_page"]["page_num"] == 1
    assert charts["chart_list"]
    # a number that is really there is still checked
    assert await api.err("POST", f"/open_api/{pk}/work_item/filter", json={"page_num": -1}) == 20006
    assert (
        await api.err(
            "POST",
            f"/open_api/{pk}/story/fix_view",
            json={"work_item_id_list": ids[:1], "name": "bad", "cooperation_mode": 4},
        )
        == 20006
    )


async def test_user_answers_carry_every_member_of_the_sdk_user_model(
    api: Api, fake: FakeMeegle
) -> None:
    # the Go SDK's UserBasicInfo (and the spec) has a numeric user_id, avatar_url and a
    # localised name map: a user read through it must not come back with those empty
    found = await api.data("POST", "/open_api/user/query", json={"user_keys": [fake.user_key]})
    searched = await api.data(
        "POST", "/open_api/user/search", json={"query": "demo", "project_key": ""}
    )
    for user in (found[0], searched[0]):
        assert user["user_key"] == fake.user_key
        assert isinstance(user["user_id"], int)
        assert not isinstance(user["user_id"], bool)
        assert isinstance(user["avatar_url"], str)
        assert user["avatar_url"]
        assert user["name"] == {"default": "Demo User", "en_us": "Demo User", "zh_cn": "演示用户"}
    async with MeegleClient(
        base_url=fake.base_url,
        plugin_id=fake.plugin_id,
        plugin_secret=fake.plugin_secret,
        user_key=fake.user_key,
    ) as client:
        [me] = await client.users.query(user_keys=[fake.user_key])
    assert me.user_id == found[0]["user_id"]
    assert me.name == found[0]["name"]
    assert me.display_name == "Demo User"


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
