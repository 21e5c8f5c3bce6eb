"""Process-configuration writes: templates, element templates and flow roles (exact requests,
refusals before sending, error codes, and fake state that behaves)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from meegle_async import (
    ElementPage,
    FlowRoleConfig,
    MeegleClient,
    MeegleInvalidParamsError,
    MeegleNotFoundError,
    MeegleServerError,
    MeegleStateConflictError,
    MeegleValidationError,
    WorkflowConfInfo,
)
from meegle_async.testing.pytest_plugin import MeegleFakeFixture
from tests.conftest import Recorded, Stub, fail, ok

P = "space_demo"


@pytest.fixture
async def client(client_kwargs: dict[str, Any]) -> AsyncIterator[MeegleClient]:
    async with MeegleClient(**client_kwargs, default_qps=1000) as c:
        yield c


def _answer(data: Any) -> Any:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return ok(data)

    return handler


# -- exact requests ----------------------------------------------------------------------------


async def test_template_create_update_delete_requests(stub: Stub, client: MeegleClient) -> None:
    stub.handler = _answer(400123)
    new_id = await client.templates.create(
        project_key="space",
        work_item_type_key="story",
        template_name="Hotfix",
        copy_template_id="400001",
        idempotency_key="k1",
    )
    assert new_id == 400123
    rec = stub.requests[-1]
    assert (rec.method, rec.raw_path) == ("POST", "/open_api/template/v2/create_template")
    assert rec.json == {
        "project_key": "space",
        "work_item_type_key": "story",
        "template_name": "Hotfix",
        "copy_template_id": 400001,
    }
    assert rec.headers["X-Idem-UUID"] == "k1"

    stub.handler = _answer(None)
    await client.templates.update(
        project_key="space",
        template_id=400123,
        workflow_confs=[
            WorkflowConfInfo(state_key="review", name="Review", action=1, need_schedule=True),
            {"state_key": "old", "action": 3},
        ],
    )
    rec = stub.requests[-1]
    assert (rec.method, rec.raw_path) == ("PUT", "/open_api/template/v2/update_template")
    assert rec.json == {
        "project_key": "space",
        "template_id": 400123,
        "workflow_confs": [
            {"state_key": "review", "name": "Review", "action": 1, "need_schedule": True},
            {"state_key": "old", "action": 3},
        ],
    }
    assert rec.headers.get("X-Idem-UUID")

    await client.templates.delete("space", 400123)
    rec = stub.requests[-1]
    assert (rec.method, rec.raw_path) == (
        "DELETE",
        "/open_api/template/v2/delete_template/space/400123",
    )
    assert rec.headers.get("X-Idem-UUID")


async def test_element_requests(stub: Stub, client: MeegleClient) -> None:
    stub.handler = _answer({"element_key": "node_review"})
    key = await client.templates.create_element(
        project_key="space",
        work_item_type_key="story",
        element_type="node",
        name="Review",
        element_key="node_review",
    )
    assert key == "node_review"
    rec = stub.requests[-1]
    assert rec.raw_path == "/open_api/work_item/element_template/create"
    assert rec.json == {
        "project_key": "space",
        "work_item_type_key": "story",
        "element_type": "node",
        "node_element": {"name": "Review", "element_key": "node_review"},
    }
    stub.handler = _answer({"task_elements": [{"element_key": "t1", "name": "T"}], "total": 7})
    page = await client.templates.query_elements(
        project_key="space",
        work_item_type_key="story",
        element_type="task",
        page_num=2,
        page_size=5,
    )
    rec = stub.requests[-1]
    assert rec.raw_path == "/open_api/work_item/element_template/query"
    assert rec.json == {
        "project_key": "space",
        "work_item_type_key": "story",
        "element_type": "task",
        "page_num": 2,
        "page_size": 5,
    }
    assert "X-Idem-UUID" not in rec.headers  # a read sent with POST
    assert isinstance(page, ElementPage)
    assert (page.total, [e.element_key for e in page.elements]) == (7, ["t1"])


async def test_role_requests(stub: Stub, client: MeegleClient) -> None:
    stub.handler = _answer("reviewer")
    role_id = await client.roles.create(
        "space", "story", FlowRoleConfig(id="reviewer", name="Reviewer", members=["u1"])
    )
    assert role_id == "reviewer"
    rec = stub.requests[-1]
    assert (rec.method, rec.raw_path) == (
        "POST",
        "/open_api/space/flow_roles/story/create_role",
    )
    assert rec.json == {"role": {"id": "reviewer", "name": "Reviewer", "members": ["u1"]}}
    stub.handler = _answer(None)
    await client.roles.update("space", "story", {"is_member_multi": True}, role_alias="rev")
    rec = stub.requests[-1]
    assert rec.raw_path == "/open_api/space/flow_roles/story/update_role"
    assert rec.json == {"role_alias": "rev", "role": {"is_member_multi": True}}
    await client.roles.delete("space", "story", role_id="reviewer")
    rec = stub.requests[-1]
    assert rec.raw_path == "/open_api/space/flow_roles/story/delete_role"
    assert rec.json == {"role_id": "reviewer"}
    assert rec.headers.get("X-Idem-UUID")


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.templates.create(project_key="s", work_item_type_key="story", template_name=""),
        lambda c: c.templates.create(
            project_key="s", work_item_type_key="story", template_name="x", copy_template_id=-1
        ),
        lambda c: c.templates.update(project_key="s", template_id=1),
        lambda c: c.templates.update(project_key="s", template_id=1, workflow_confs=[{"a": 1}]),
        lambda c: c.templates.update(project_key="s", template_id=1, state_flow_confs="abc"),
        lambda c: c.templates.delete("s", "abc"),
        lambda c: c.templates.create_element(
            project_key="s", work_item_type_key="t", element_type="field", name="x"
        ),
        lambda c: c.templates.query_elements(
            project_key="s", work_item_type_key="t", element_type="node", page_size=101
        ),
        lambda c: c.roles.create("s", "story", {"id": "x"}),
        lambda c: c.roles.create("s", "story", {"name": "x", "members": "u1"}),
        lambda c: c.roles.update("s", "story", {"name": "x"}),
        lambda c: c.roles.update("s", "story", {"id": "new", "name": "x"}, role_id="old"),
        lambda c: c.roles.delete("s", "story"),
        lambda c: c.roles.delete("", "story", role_id="r"),
    ],
)
async def test_bad_input_is_refused_before_sending(
    stub: Stub, client: MeegleClient, call: Any
) -> None:
    with pytest.raises(MeegleValidationError):
        await call(client)
    assert stub.requests == []


async def test_role_in_use_is_a_state_conflict(stub: Stub, client: MeegleClient) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return fail(20093, "role in use")

    stub.handler = handler
    with pytest.raises(MeegleStateConflictError) as info:
        await client.roles.delete("space", "story", role_id="qa")
    assert (info.value.code, info.value.endpoint) == (20093, "delete_flow_role")


async def test_a_create_answer_without_an_id_is_a_server_error(
    stub: Stub, client: MeegleClient
) -> None:
    stub.handler = _answer({"unexpected": True})
    with pytest.raises(MeegleServerError):
        await client.templates.create(
            project_key="space", work_item_type_key="story", template_name="x"
        )
    with pytest.raises(MeegleServerError):
        await client.roles.create("space", "story", {"name": "x"})


# -- fake state --------------------------------------------------------------------------------


async def test_templates_created_updated_deleted_in_the_fake(
    meegle_fake: MeegleFakeFixture,
) -> None:
    client = meegle_fake.client
    before = await client.templates.list(P, "story", cached=True)
    new_id = await client.templates.create(
        project_key="demo",
        work_item_type_key="story",
        template_name="Hotfix",
        copy_template_id=400001,
    )
    # Listed (the write forgot the cached list) and readable.
    listed = await client.templates.list(P, "story", cached=True)
    assert [t.int_id for t in listed] == [*(t.int_id for t in before), new_id]
    detail = await client.templates.get(P, new_id)
    nodes = [n.state_key for n in detail.workflow_confs or []]
    assert nodes == [
        n.state_key for n in (await client.templates.get(P, 400001)).workflow_confs or []
    ]
    # The new template is a process users can create work items with.
    item_id = await client.work_items.create(P, "story", name="On hotfix", template_id=new_id)
    assert meegle_fake.server.store.items[item_id].template_id == new_id
    await client.templates.update(
        project_key=P,
        template_id=new_id,
        workflow_confs=[
            {"state_key": "review", "name": "Review", "action": 1},
            {"state_key": "design", "name": "Design v2", "action": 2},
            {"state_key": "testing", "action": 3},
        ],
    )
    detail = await client.templates.get(P, new_id)
    by_key = {n.state_key: n.name for n in detail.workflow_confs or []}
    assert "testing" not in by_key
    assert (by_key["design"], by_key["review"]) == ("Design v2", "Review")
    assert detail.version == 2
    # The template it was copied from is unchanged.
    original = await client.templates.get(P, 400001)
    assert "testing" in [n.state_key for n in original.workflow_confs or []]
    with pytest.raises(MeegleInvalidParamsError):  # the name is taken
        await client.templates.create(
            project_key=P, work_item_type_key="story", template_name="Hotfix"
        )
    await client.templates.delete(P, new_id)
    assert new_id not in [t.int_id for t in await client.templates.list(P, "story", cached=True)]
    with pytest.raises(MeegleInvalidParamsError):  # gone
        await client.templates.delete(P, new_id)
    with pytest.raises(MeegleNotFoundError):
        await client.templates.create(project_key=P, work_item_type_key="epic", template_name="x")


async def test_elements_are_listed_in_pages(meegle_fake: MeegleFakeFixture) -> None:
    client = meegle_fake.client
    keys = [
        await client.templates.create_element(
            project_key=P, work_item_type_key="story", element_type="node", name=f"Node {i}"
        )
        for i in range(3)
    ]
    assert len(set(keys)) == 3
    with pytest.raises(MeegleInvalidParamsError):
        await client.templates.create_element(
            project_key=P,
            work_item_type_key="story",
            element_type="node",
            name="x",
            element_key=keys[0],
        )
    page = await client.templates.query_elements(
        project_key=P, work_item_type_key="story", element_type="node", page_num=2, page_size=2
    )
    assert page.total == 3
    assert [e.element_key for e in page.elements] == keys[2:]
    tasks = await client.templates.query_elements(
        project_key=P, work_item_type_key="story", element_type="task"
    )
    assert (tasks.total, tasks.elements) == (0, [])


async def test_roles_created_updated_deleted_in_the_fake(meegle_fake: MeegleFakeFixture) -> None:
    client = meegle_fake.client
    assert "reviewer" not in [r.id for r in await client.roles.list(P, "story", cached=True)]
    role_id = await client.roles.create(
        P, "story", {"id": "reviewer", "name": "Reviewer", "role_alias": "rev"}
    )
    assert role_id == "reviewer"
    roles = {r.id: r for r in await client.roles.list(P, "story", cached=True)}
    assert (roles["reviewer"].name, roles["reviewer"].role_alias) == ("Reviewer", "rev")
    # The new role can hold people on a work item.
    wid = meegle_fake.ids("story", limit=1)[0]
    await client.work_items.update(
        P,
        "story",
        wid,
        [{"field_key": "role_owners", "field_value": [{"role": "reviewer", "owners": ["u"]}]}],
    )
    await client.roles.update(P, "story", {"name": "Code reviewer"}, role_alias="rev")
    roles = {r.id: r for r in await client.roles.list(P, "story", cached=True)}
    assert roles["reviewer"].name == "Code reviewer"
    with pytest.raises(MeegleInvalidParamsError):  # the id is taken
        await client.roles.create(P, "story", {"id": "reviewer", "name": "Other"})
    with pytest.raises(MeegleStateConflictError):  # the Testing node names QA
        await client.roles.delete(P, "story", role_id="qa")
    await client.roles.delete(P, "story", role_id="reviewer")
    assert "reviewer" not in [r.id for r in await client.roles.list(P, "story", cached=True)]
    with pytest.raises(MeegleInvalidParamsError):
        await client.roles.update(P, "story", {"name": "x"}, role_id="reviewer")


async def test_a_create_whose_answer_is_lost_makes_one_template(
    meegle_fake: MeegleFakeFixture,
) -> None:
    client = meegle_fake.client
    server = meegle_fake.server
    server.faults.inject("create_template_detail", "drop_after", "503")
    new_id = await client.templates.create(
        project_key=P, work_item_type_key="bug", template_name="Triage"
    )
    attempts = server.requests_to("create_template_detail")
    assert len(attempts) == 3
    assert len({r.headers["X-Idem-UUID"] for r in attempts}) == 1
    names = [t.template_name for t in await client.templates.list(P, "bug")]
    assert names.count("Triage") == 1
    assert new_id in [t.int_id for t in await client.templates.list(P, "bug")]
