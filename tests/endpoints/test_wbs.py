"""client.wbs: the exact requests against a loopback stub, refusals before sending, error codes,
and the draft life cycle (patch, publish, reset, frozen rows) against the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from meegle_async import (
    MeegleClient,
    MeegleInvalidParamsError,
    MeegleNotFoundError,
    MeegleServerError,
    MeegleValidationError,
    WbsDraft,
    WbsDraftPatchResult,
    WbsOperation,
    WbsRow,
    WbsTemplate,
    WbsView,
    to_dict,
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


VIEW = {
    "template_key": "tk",
    "template_id": "400001",
    "template_name": "Plan",
    "template_version": 3,
    "related_sub_work_items": [
        {
            "node_uuid": "n1",
            "work_item_id": 1001,
            "type": "node",
            "name": "Design",
            "wbs_status": "in_progress",
            "wbs_status_map": {"a": "b"},
            "schedule": {"estimate_start_date": 1_700_000_000_000, "points": 2.5},
            "sub_work_item": [{"node_uuid": "n1.1", "name": "Mockups", "future": 1}],
        }
    ],
    "related_parent_work_item": {"is_top": True, "work_item_id": 1001, "name": "Root"},
    "connections": [{"source_state_key": "a", "target_state_key": "b"}],
    "brand_new": {"kept": True},
}


# -- exact requests ----------------------------------------------------------------------------


async def test_get_view_sends_flags_as_query_and_returns_the_tree(
    stub: Stub, client: MeegleClient
) -> None:
    stub.handler = _answer(VIEW)
    view = await client.wbs.get_view(
        "space", "story", "1001", need_union_deliverable=True, need_schedule_table_agg=False
    )
    (rec,) = stub.requests
    assert rec.method == "GET"
    assert rec.raw_path.split("?")[0] == "/open_api/space/work_item/story/1001/wbs_view"
    assert rec.query == {"need_union_deliverable": "true", "need_schedule_table_agg": "false"}
    assert "X-Idem-UUID" not in rec.headers
    assert isinstance(view, WbsView)
    assert view.template_id == "400001"
    assert [r.node_uuid for r in view.rows()] == ["n1", "n1.1"]
    top = view.rows()[0]
    assert isinstance(top, WbsRow)
    assert top.schedule is not None
    assert top.schedule.points == 2.5
    assert view.related_parent_work_item is not None
    assert view.related_parent_work_item.is_top is True
    assert to_dict(view) == VIEW  # unknown keys kept, nothing added


async def test_query_draft_is_a_read_and_sends_the_body(stub: Stub, client: MeegleClient) -> None:
    stub.handler = _answer({"wbs_draft": {"draft_id": "d1", "work_item_id": 1001}})
    draft = await client.wbs.query_draft(
        project_key="space", work_item_type_key="story", work_item_id=1001, need_init=True
    )
    (rec,) = stub.requests
    assert (rec.method, rec.raw_path) == ("POST", "/open_api/work_item/wbs_view_draft/query")
    assert rec.json == {
        "project_key": "space",
        "work_item_type_key": "story",
        "work_item_id": 1001,
        "need_init": True,
    }
    assert "X-Idem-UUID" not in rec.headers
    assert isinstance(draft, WbsDraft)
    assert draft.draft_id == "d1"


async def test_query_draft_without_a_draft_is_none(stub: Stub, client: MeegleClient) -> None:
    stub.handler = _answer({})
    draft = await client.wbs.query_draft(
        project_key="space", work_item_type_key="story", work_item_id=1001
    )
    assert draft is None
    assert "need_init" not in stub.requests[0].json


async def test_patch_draft_sends_operations_with_one_idempotency_key(
    stub: Stub, client: MeegleClient
) -> None:
    stub.handler = _answer(
        {
            "relation_values": [{"uuid": "n9", "operation_type": "create"}],
            "failed_tasks": {"uuid": "n2", "reason": "frozen"},
        }
    )
    result = await client.wbs.patch_draft(
        project_key="space",
        draft_id="d1",
        operations=[
            WbsOperation(uuid="n1", operation_type="update", value={"name": "X"}),  # type: ignore[arg-type]
            {"operation_type": "create", "value": {"operation_create": {"name": "New"}}},
        ],
        schedule_table_uuid="st1",
        idempotency_key="idem-1",
    )
    (rec,) = stub.requests
    assert rec.raw_path == "/open_api/work_item/wbs_view_draft/patch"
    assert rec.json == {
        "project_key": "space",
        "draft_id": "d1",
        "operations": [
            {"uuid": "n1", "operation_type": "update", "value": {"name": "X"}},
            {"operation_type": "create", "value": {"operation_create": {"name": "New"}}},
        ],
        "schedule_table_uuid": "st1",
    }
    assert rec.headers["X-Idem-UUID"] == "idem-1"
    assert isinstance(result, WbsDraftPatchResult)
    assert result.failed_tasks is not None
    assert result.failed_tasks.uuid == "n2"
    assert [o.uuid for o in result.relation_values or []] == ["n9"]


@pytest.mark.parametrize(
    ("call", "path", "body"),
    [
        (
            lambda c: c.wbs.publish_draft(project_key="space", draft_id="d1"),
            "/open_api/work_item/wbs_view_draft/publish",
            {"project_key": "space", "draft_id": "d1"},
        ),
        (
            lambda c: c.wbs.reset_draft(
                project_key="space", work_item_type_key="story", work_item_id=5
            ),
            "/open_api/work_item/wbs_view_draft/reset",
            {"project_key": "space", "work_item_type_key": "story", "work_item_id": 5},
        ),
        (
            lambda c: c.wbs.complete_create_audit(
                project_key="space", work_item_id=5, draft_id="d1", commit_id="c1"
            ),
            "/open_api/wbs_view_draft/complete-create-audit",
            {"project_key": "space", "work_item_id": 5, "draft_id": "d1", "commit_id": "c1"},
        ),
        (
            lambda c: c.wbs.collaboration_publish("space", work_item_id=5, draft_id="d1"),
            "/open_api/space/wbs_view_draft/publish",
            {"work_item_id": 5, "draft_id": "d1"},
        ),
        (
            lambda c: c.wbs.switch_back_to_draft(
                "space", work_item_id="5", draft_id="d1", commit_id="c2"
            ),
            "/open_api/space/wbs_view_draft/switch",
            {"work_item_id": 5, "draft_id": "d1", "commit_id": "c2"},
        ),
        (
            lambda c: c.wbs.update_frozen_rows(
                "space", work_item_id=5, draft_id="d1", update_type=2
            ),
            "/open_api/space/wbs_view_draft/update/frozen_rows",
            {"work_item_id": 5, "draft_id": "d1", "update_type": 2},
        ),
    ],
)
async def test_draft_writes_send_their_body_and_an_idempotency_key(
    stub: Stub, client: MeegleClient, call: Any, path: str, body: dict[str, Any]
) -> None:
    stub.handler = _answer({"success": True})
    await call(client)
    (rec,) = stub.requests
    assert (rec.method, rec.raw_path) == ("POST", path)
    assert rec.json == body
    assert rec.headers.get("X-Idem-UUID")


async def test_template_and_sub_conf_requests(stub: Stub, client: MeegleClient) -> None:
    stub.handler = _answer({"template_key": "tk", "workflow_conf": {"node_infos": []}})
    template = await client.wbs.get_template("space", template_key="tk")
    assert isinstance(template, WbsTemplate)
    rec = stub.requests[-1]
    assert (rec.raw_path, rec.json) == ("/open_api/space/wbs_template", {"template_key": "tk"})
    assert "X-Idem-UUID" not in rec.headers
    stub.handler = _answer(
        {"draft_view_sub_work_item_confs": [{"work_item_type_key": "bug", "relations": []}]}
    )
    confs = await client.wbs.get_sub_work_item_conf(
        project_key="space", work_item_id=5, draft_id="d1", node_uuid="n1"
    )
    rec = stub.requests[-1]
    assert rec.method == "GET"
    assert rec.query == {
        "project_key": "space",
        "work_item_id": "5",
        "draft_id": "d1",
        "node_uuid": "n1",
    }
    assert [c.work_item_type_key for c in confs] == ["bug"]


# -- refusals and errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.wbs.get_view("", "story", 1),
        lambda c: c.wbs.get_view("space", "story", 0),
        lambda c: c.wbs.get_view("space", "story", 1, need_union_deliverable="yes"),
        lambda c: c.wbs.query_draft(
            project_key="s", work_item_type_key="story", work_item_id=1, need_init=1
        ),
        lambda c: c.wbs.patch_draft(project_key="s", draft_id="d", operations=[]),
        lambda c: c.wbs.patch_draft(project_key="s", draft_id="d", operations={"a": 1}),
        lambda c: c.wbs.patch_draft(project_key="s", draft_id="d", operations=[{"uuid": "n"}]),
        lambda c: c.wbs.patch_draft(
            project_key="s", draft_id="d", operations=[{"operation_type": "x"}] * 501
        ),
        lambda c: c.wbs.publish_draft(project_key="s", draft_id=""),
        lambda c: c.wbs.update_frozen_rows("s", work_item_id=1, draft_id="d", update_type=True),
        lambda c: c.wbs.get_template("s", template_key=" "),
        lambda c: c.wbs.collaboration_publish("s", work_item_id="x", draft_id="d"),
    ],
)
async def test_bad_input_is_refused_before_sending(
    stub: Stub, client: MeegleClient, call: Any
) -> None:
    with pytest.raises(MeegleValidationError):
        await call(client)
    assert stub.requests == []


async def test_not_a_wbs_item_maps_to_invalid_params(stub: Stub, client: MeegleClient) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return fail(20089, "not wbs")

    stub.handler = handler
    with pytest.raises(MeegleInvalidParamsError) as info:
        await client.wbs.get_view("space", "story", 1001)
    assert info.value.code == 20089
    assert info.value.endpoint == "get_wbs_info"


async def test_an_answer_of_the_wrong_shape_is_a_server_error(
    stub: Stub, client: MeegleClient
) -> None:
    stub.handler = _answer(["not", "an", "object"])
    with pytest.raises(MeegleServerError):
        await client.wbs.collaboration_publish("space", work_item_id=5, draft_id="d1")


# -- the draft life cycle against the fake -----------------------------------------------------


async def _draft(client: MeegleClient, wid: int) -> WbsDraft:
    draft = await client.wbs.query_draft(
        project_key=P, work_item_type_key="story", work_item_id=wid, need_init=True
    )
    assert draft is not None
    assert draft.draft_id
    return draft


async def test_patch_changes_the_draft_only_and_publish_applies_it(
    meegle_fake: MeegleFakeFixture,
) -> None:
    client = meegle_fake.client
    wid = meegle_fake.ids("story", limit=1)[0]
    before = await client.wbs.get_view(P, "story", wid)
    names = [r.name for r in before.rows()]
    assert names  # one row per workflow node
    assert (
        await client.wbs.query_draft(project_key=P, work_item_type_key="story", work_item_id=wid)
        is None
    )
    draft = await _draft(client, wid)
    assert draft.draft_id is not None
    first = draft.rows()[0]
    result = await client.wbs.patch_draft(
        project_key=P,
        draft_id=draft.draft_id,
        operations=[
            {"uuid": first.node_uuid, "operation_type": "update", "value": {"name": "Kick-off"}},
            {"operation_type": "create", "value": {"operation_create": {"name": "Launch"}}},
        ],
    )
    assert result.failed_tasks is None
    created = (result.relation_values or [])[1].uuid
    assert created
    # The published view is unchanged; the draft has the edits.
    assert [r.name for r in (await client.wbs.get_view(P, "story", wid)).rows()] == names
    again = await _draft(client, wid)
    assert again.draft_id == draft.draft_id
    assert [r.name for r in again.rows()] == ["Kick-off", *names[1:], "Launch"]
    assert again.rows()[-1].is_draft_create is True
    await client.wbs.publish_draft(project_key=P, draft_id=draft.draft_id)
    after = await client.wbs.get_view(P, "story", wid)
    assert [r.name for r in after.rows()] == ["Kick-off", *names[1:], "Launch"]
    # The published draft is closed: editing it is refused; a new one starts from the view.
    with pytest.raises(MeegleInvalidParamsError):
        await client.wbs.publish_draft(project_key=P, draft_id=draft.draft_id)
    fresh = await _draft(client, wid)
    assert fresh.draft_id != draft.draft_id
    assert [r.name for r in fresh.rows()] == ["Kick-off", *names[1:], "Launch"]


async def test_reset_discards_edits_but_keeps_frozen_rows(meegle_fake: MeegleFakeFixture) -> None:
    client = meegle_fake.client
    wid = meegle_fake.ids("story", limit=2)[1]
    draft = await _draft(client, wid)
    assert draft.draft_id is not None
    rows = draft.rows()
    names = [r.name for r in rows]
    await client.wbs.patch_draft(
        project_key=P,
        draft_id=draft.draft_id,
        operations=[
            {"uuid": rows[0].node_uuid, "operation_type": "update", "value": {"name": "A"}}
        ],
    )
    await client.wbs.update_frozen_rows(P, work_item_id=wid, draft_id=draft.draft_id, update_type=1)
    # A frozen row refuses edits: the server reports it in failed_tasks.
    refused = await client.wbs.patch_draft(
        project_key=P,
        draft_id=draft.draft_id,
        operations=[{"uuid": rows[1].node_uuid, "operation_type": "delete"}],
    )
    assert refused.failed_tasks is not None
    assert refused.failed_tasks.uuid == rows[1].node_uuid
    reset = await client.wbs.reset_draft(
        project_key=P, work_item_type_key="story", work_item_id=wid
    )
    assert reset is not None
    assert [r.name for r in reset.rows()] == ["A", *names[1:]]  # frozen edit kept
    await client.wbs.update_frozen_rows(P, work_item_id=wid, draft_id=draft.draft_id, update_type=2)
    reset = await client.wbs.reset_draft(
        project_key=P, work_item_type_key="story", work_item_id=wid
    )
    assert reset is not None
    assert [r.name for r in reset.rows()] == names  # unfrozen: the edit is discarded
    assert [r.name for r in (await client.wbs.get_view(P, "story", wid)).rows()] == names


async def test_collaboration_publish_switch_audit_and_conf(meegle_fake: MeegleFakeFixture) -> None:
    client = meegle_fake.client
    wid = meegle_fake.ids("story", limit=3)[2]
    draft = await _draft(client, wid)
    assert draft.draft_id is not None
    confs = await client.wbs.get_sub_work_item_conf(
        project_key=P, work_item_id=wid, draft_id=draft.draft_id
    )
    assert "bug" in [c.work_item_type_key for c in confs]
    assert await client.wbs.switch_back_to_draft(P, work_item_id=wid, draft_id=draft.draft_id)
    assert await client.wbs.complete_create_audit(
        project_key=P, work_item_id=wid, draft_id=draft.draft_id
    )
    await client.wbs.patch_draft(
        project_key=P,
        draft_id=draft.draft_id,
        operations=[{"operation_type": "create", "value": {"name": "Extra"}}],
    )
    assert await client.wbs.collaboration_publish(P, work_item_id=wid, draft_id=draft.draft_id)
    view = await client.wbs.get_view(P, "story", wid, need_union_deliverable=True)
    assert view.rows()[-1].name == "Extra"
    assert view.rows()[-1].union_deliverable == {
        "field_deliverables": [],
        "instance_deliverables": [],
    }
    template = await client.wbs.get_template(P, template_key=str(view.template_key))
    assert template.workflow_conf is not None
    assert next(n.state_key for n in template.workflow_conf.node_infos or []) == "started"


async def test_fake_refusals_map_to_typed_errors(meegle_fake: MeegleFakeFixture) -> None:
    client = meegle_fake.client
    component = min(
        i.id
        for i in meegle_fake.server.store.items.values()
        if i.type_key == "component" and i.project_key == P
    )
    with pytest.raises(MeegleNotFoundError) as info:
        await client.wbs.get_view(P, "story", 999_999_999)
    assert info.value.code == 30005
    with pytest.raises(MeegleInvalidParamsError):
        await client.wbs.patch_draft(
            project_key=P, draft_id="no-such-draft", operations=[{"operation_type": "create"}]
        )
    wid = meegle_fake.ids("story", limit=1)[0]
    draft = await _draft(client, wid)
    assert draft.draft_id is not None
    with pytest.raises(MeegleInvalidParamsError):  # an unknown row: nothing applied
        await client.wbs.patch_draft(
            project_key=P,
            draft_id=draft.draft_id,
            operations=[
                {"operation_type": "create", "value": {"name": "Never"}},
                {"uuid": "no-such-row", "operation_type": "delete"},
            ],
        )
    again = await _draft(client, wid)
    assert "Never" not in [r.name for r in again.rows()]
    with pytest.raises(MeegleInvalidParamsError) as info:  # state-flow items have no WBS view
        await client.wbs.get_view(P, "component", component)
    assert info.value.code == 20089


async def test_a_patch_whose_answer_is_lost_creates_its_row_once(
    meegle_fake: MeegleFakeFixture,
) -> None:
    client = meegle_fake.client
    server = meegle_fake.server
    wid = meegle_fake.ids("story", limit=1)[0]
    draft = await _draft(client, wid)
    assert draft.draft_id is not None
    server.faults.inject("patch_wbs_view_draft", "drop_after", "drop_after")
    result = await client.wbs.patch_draft(
        project_key=P,
        draft_id=draft.draft_id,
        operations=[{"operation_type": "create", "value": {"name": "Only once"}}],
    )
    attempts = server.requests_to("patch_wbs_view_draft")
    assert len(attempts) == 3
    assert len({r.headers["X-Idem-UUID"] for r in attempts}) == 1
    again = await _draft(client, wid)
    assert [r.name for r in again.rows()].count("Only once") == 1
    assert (result.relation_values or [])[0].uuid == again.rows()[-1].node_uuid
