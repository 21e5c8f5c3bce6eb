"""fields.get_options / iter_options, work_items.update_multi_signal and invite_bots_to_chat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from meegle_async import (
    MeegleClient,
    MeegleInvalidParamsError,
    MeegleNotFoundError,
    MeeglePaginationError,
    MeegleValidationError,
)
from meegle_async.testing.pytest_plugin import MeegleFakeFixture
from tests.conftest import Recorded, Stub, fail, ok

P = "space_demo"


@pytest.fixture
async def client(client_kwargs: dict[str, Any]) -> AsyncIterator[MeegleClient]:
    async with MeegleClient(**client_kwargs, default_qps=1000) as c:
        yield c


async def test_options_pages_follow_the_last_value(stub: Stub, client: MeegleClient) -> None:
    pages = {
        None: {
            "options": [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}],
            "has_more": True,
        },
        "b": {"options": [{"label": "C", "value": "c"}], "has_more": False},
    }

    async def handler(request: web.Request, rec: Recorded) -> web.Response:
        return ok(pages[rec.json.get("first_option_key")])

    stub.handler = handler
    labels = [
        o.label async for o in client.fields.iter_options("space", "story", "f", work_item_id=9)
    ]
    assert labels == ["A", "B", "C"]
    first, second = stub.requests
    assert first.path == "/open_api/work_item/field/options"
    assert first.json == {
        "project_key": "space",
        "work_item_type_key": "story",
        "field_key": "f",
        "work_item_id": 9,
    }
    assert second.json["first_option_key"] == "b"


async def test_options_that_do_not_advance_stop(stub: Stub, client: MeegleClient) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.Response:
        return ok({"options": [{"label": "A", "value": "a"}], "has_more": True})

    stub.handler = handler
    with pytest.raises(MeeglePaginationError):
        _ = [o async for o in client.fields.iter_options("space", "story", "f")]
    assert len(stub.requests) == 2


async def test_multi_signal_and_chat_requests(stub: Stub, client: MeegleClient) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.Response:
        if request.path.endswith("multi_signal"):
            return ok({"status": "passed", "detail": rec.json["details"]})
        return ok({"chat_id": "oc_1", "success_members": ["cli_a"], "failed_members": []})

    stub.handler = handler
    signal = await client.work_items.update_multi_signal(
        "space",
        "story",
        5,
        [{"id": "ci", "title": "CI", "status": "passed"}],
        field_alias="ci_status",
        update_type="cover",
    )
    chat = await client.work_items.invite_bots_to_chat(
        "space", 5, work_item_type_key="story", app_ids="cli_a"
    )
    sig, inv = stub.requests
    assert sig.path == "/open_api/space/work_item/story/5/update/multi_signal"
    assert sig.json == {
        "field_alias": "ci_status",
        "details": [{"id": "ci", "title": "CI", "status": "passed"}],
        "update_type": "cover",
    }
    assert inv.path == "/open_api/space/work_item/5/bot_join_chat"
    assert inv.json == {"work_item_type_key": "story", "app_ids": ["cli_a"]}
    assert signal is not None
    assert signal.status == "passed"
    assert chat.chat_id == "oc_1"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.fields.get_options("space", "story", ""), "field_key"),
        (lambda c: c.fields.get_options("space", "story", "f", work_item_id=-1), "work_item_id"),
        (lambda c: c.work_items.update_multi_signal("s", "story", 1, [], field_key="f"), "empty"),
        (lambda c: c.work_items.update_multi_signal("s", "story", 1, [{"id": "x"}]), "exactly one"),
        (
            lambda c: c.work_items.update_multi_signal(
                "s", "story", 1, [{"id": "x"}], field_key="f", field_alias="g"
            ),
            "exactly one",
        ),
        (
            lambda c: c.work_items.invite_bots_to_chat(
                "s", 1, work_item_type_key="story", app_ids=[]
            ),
            "empty",
        ),
    ],
)
async def test_bad_input_is_refused(
    stub: Stub, client: MeegleClient, call: Any, message: str
) -> None:
    with pytest.raises(MeegleValidationError, match=message):
        await call(client)
    assert stub.requests == []


async def test_chat_refusal_is_typed(stub: Stub, client: MeegleClient) -> None:
    async def refuse(request: web.Request, rec: Recorded) -> web.Response:
        return fail(50006, "robot not in group")

    stub.handler = refuse
    with pytest.raises(MeegleInvalidParamsError):
        await client.work_items.invite_bots_to_chat(
            "s", 1, work_item_type_key="story", app_ids=["x"]
        )


@pytest.mark.meegle_fake(seed_items=20, seed=1)
async def test_against_the_fake(meegle_fake: MeegleFakeFixture) -> None:
    client = meegle_fake.client
    options = [o async for o in client.fields.iter_options(P, "story", "priority")]
    assert {o.label for o in options} >= {"P0", "P1"}
    item = meegle_fake.ids("story", limit=1)[0]
    signal = await client.work_items.update_multi_signal(
        P,
        "story",
        item,
        [{"id": "a", "status": "passed"}, {"id": "b", "status": "failed"}],
        field_key="description",
    )
    assert signal is not None
    assert signal.status == "failed"
    result = await client.work_items.invite_bots_to_chat(
        P, item, work_item_type_key="story", app_ids=["cli_ok", "bad"]
    )
    assert (result.success_members, result.failed_members) == (["cli_ok"], ["bad"])
    with pytest.raises(MeegleNotFoundError):
        await client.fields.get_options(P, "story", "no_such_field")
