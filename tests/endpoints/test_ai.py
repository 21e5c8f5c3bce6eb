"""client.ai: exact requests, refusals before sending, and AI nodes that behave on the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from meegle_async import (
    MeegleClient,
    MeegleNotFoundError,
    MeegleServerError,
    MeegleValidationError,
)
from meegle_async.testing.pytest_plugin import MeegleFakeFixture
from tests.conftest import Recorded, Stub, ok

P = "space_demo"


@pytest.fixture
async def client(client_kwargs: dict[str, Any]) -> AsyncIterator[MeegleClient]:
    async with MeegleClient(**client_kwargs, default_qps=1000) as c:
        yield c


async def test_requests_on_the_wire(stub: Stub, client: MeegleClient) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.Response:
        if request.path.endswith("ai_node/query"):
            return ok(
                {"node_state": "waiting_confirm", "node_fields": [{"field_key": "s", "value": "v"}]}
            )
        return ok(None)

    stub.handler = handler
    node = await client.ai.get_node("space", 7, state_key="design")
    await client.ai.edit_node(
        "space", 7, node_uuid="u1", status="done", node_fields={"s": 3}, conform_fields={"c": "x"}
    )
    await client.ai.confirm_node("space", "7", state_key="design")
    await client.ai.update_field("ai_7_f", {"label": "x"})
    await client.ai.delete_field_files("ai_7_f", "f1")
    query, edit, confirm, update, delete = stub.requests
    assert query.path == "/open_api/ai_node/query"
    assert query.json == {"project_key": "space", "work_item_id": 7, "state_key": "design"}
    assert "X-Idem-UUID" not in query.headers
    assert edit.json == {
        "project_key": "space",
        "work_item_id": 7,
        "node_uuid": "u1",
        "status": "done",
        "node_fields": [{"node_field_key": "s", "value": "3"}],
        "conform_fields": [{"field_key": "c", "value": "x"}],
    }
    assert confirm.path == "/open_api/ai_node/confirm"
    assert (update.method, update.path) == ("PUT", "/open_api/ai_application_field/update")
    assert update.json == {"ai_task_id": "ai_7_f", "field_value": {"label": "x"}}
    assert (delete.method, delete.json) == ("DELETE", {"ai_task_id": "ai_7_f", "uuids": ["f1"]})
    assert node.node_field("s") == "v"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda a: a.get_node("space", 7), "exactly one"),
        (lambda a: a.get_node("space", 7, state_key="a", node_uuid="b"), "exactly one"),
        (lambda a: a.edit_node("space", 7, state_key="a"), "nothing to change"),
        (lambda a: a.edit_node("space", 7, state_key="a", node_fields={"x": [1]}), "string"),
        (lambda a: a.update_field("t", None), "field_value"),
        (lambda a: a.update_field("", 1), "ai_task_id"),
        (lambda a: a.delete_field_files("t", []), "empty"),
    ],
)
async def test_bad_input_is_refused(
    stub: Stub, client: MeegleClient, call: Any, message: str
) -> None:
    with pytest.raises(MeegleValidationError, match=message):
        await call(client.ai)
    assert stub.requests == []


@pytest.mark.meegle_fake(seed_items=20, seed=1)
async def test_ai_node_lifecycle_on_the_fake(meegle_fake: MeegleFakeFixture) -> None:
    client = meegle_fake.client
    item = next(
        i
        for i in meegle_fake.server.store.items.values()
        if i.project_key == P and i.type_key == "story" and i.nodes and i.nodes[0].status == 2
    )
    first = item.nodes[0].state_key
    node = await client.ai.get_node(P, item.id, state_key=first)
    assert node.node_state == "waiting_confirm"
    await client.ai.edit_node(P, item.id, state_key=first, node_fields={"summary": "Looks right"})
    node = await client.ai.get_node(P, item.id, node_uuid=f"{item.id}:{first}")
    assert node.node_field("summary") == "Looks right"
    await client.ai.confirm_node(P, item.id, state_key=first)
    assert item.nodes[0].status == 3
    assert item.nodes[1].status == 2
    with pytest.raises(MeegleServerError):
        await client.ai.confirm_node(P, item.id, state_key=first)
    with pytest.raises(MeegleNotFoundError):
        await client.ai.get_node(P, item.id, state_key="no_such_node")


@pytest.mark.meegle_fake(seed_items=20, seed=1)
async def test_ai_field_on_the_fake(meegle_fake: MeegleFakeFixture) -> None:
    client = meegle_fake.client
    item = meegle_fake.ids("story", limit=1)[0]
    await client.ai.update_field(f"ai_{item}_description", [{"uuid": "a"}, {"uuid": "b"}])
    await client.ai.delete_field_files(f"ai_{item}_description", ["a"])
    (got,) = await client.work_items.get_details(P, "story", [item])
    assert got.field("description") == [{"uuid": "b"}]
    with pytest.raises(MeegleNotFoundError):
        await client.ai.delete_field_files(f"ai_{item}_description", ["a"])
    with pytest.raises(MeegleNotFoundError):
        await client.ai.update_field("ai_1_description", "x")
