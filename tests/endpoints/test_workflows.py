"""client.workflows against the fake: what each method sends, what it returns, what it refuses
before sending, how the fake's refusals map to typed errors, and move_to."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from meegle_async import (
    ENDPOINTS,
    FlowNode,
    MeegleClient,
    MeegleInvalidParamsError,
    MeegleNotFoundError,
    MeegleRequirementsMissingError,
    MeegleStateConflictError,
    MeegleValidationError,
    RequiredInfo,
    SubTask,
    Workflow,
    to_dict,
)
from meegle_async.models import FieldValuePair, RoleOwner, Schedule
from meegle_async.testing.pytest_plugin import MeegleFakeFixture
from meegle_async.transport.limits import RateTable
from tests.conftest import Recorded, Stub, ok

P = "space_demo"
T0 = 1_767_225_600_000
POINTS = "field_5a1c20"  # story points: completing "develop" requires it
VERSION = "field_0a1b2c"  # component version: entering "published" requires it


async def new_story(fake: MeegleFakeFixture) -> int:
    return await fake.client.work_items.create(P, "story", name="workflow test")


async def new_component(fake: MeegleFakeFixture) -> int:
    return await fake.client.work_items.create(P, "component", name="state test")


def statuses(flow: Workflow) -> dict[str, int | None]:
    return {str(n.state_key): n.status for n in flow.workflow_nodes or []}


def writes(fake: MeegleFakeFixture) -> list[str]:
    return [
        str(r.endpoint)
        for r in fake.server.requests
        if r.endpoint is not None and ENDPOINTS[r.endpoint].write
    ]


# -- get -----------------------------------------------------------------------------------------


async def test_get_sends_its_options_and_returns_typed_nodes(
    meegle_fake: MeegleFakeFixture,
) -> None:
    wid = await new_story(meegle_fake)
    await meegle_fake.client.tasks.create(P, "story", wid, node_id="started", name="kick-off")
    flow = await meegle_fake.client.workflows.get(
        P, "story", wid, flow_type=0, fields=["-description"], expand={"need_user_detail": True}
    )
    (hit,) = meegle_fake.server.requests_to("get_work_flow")
    assert hit.method == "POST"
    assert hit.path == f"/open_api/{P}/work_item/story/{wid}/workflow/query"
    assert hit.body == {
        "flow_type": 0,
        "fields": ["-description"],
        "expand": {"need_user_detail": True},
    }
    assert isinstance(flow, Workflow)
    assert [n.state_key for n in flow.current_nodes] == ["started"]
    assert statuses(flow) == {"started": 2, "design": 1, "develop": 1, "testing": 1, "done": 1}
    started = flow.node("Start")
    assert isinstance(started, FlowNode)
    assert started is flow.node("started")
    (task,) = started.sub_tasks or []
    assert isinstance(task, SubTask)
    assert task.name == "kick-off"
    pairs = [(c.source_state_key, c.target_state_key) for c in flow.connections or []]
    assert pairs[0] == ("started", "design")
    assert [u.user_key for u in flow.user_details or []] == [meegle_fake.user_key]
    assert to_dict(flow)["template_id"] == 400001


async def test_get_of_a_state_flow_item_gives_states_and_transition_ids(
    meegle_fake: MeegleFakeFixture,
) -> None:
    wid = await new_component(meegle_fake)
    flow = await meegle_fake.client.workflows.get(P, "component", wid, flow_type=1)
    assert flow.workflow_nodes == []
    assert [(s.id, s.status) for s in flow.state_flow_nodes or []][:2] == [
        ("draft", 2),
        ("in_review", 1),
    ]
    (step,) = flow.transitions_from("draft")
    assert (step.target_state_key, step.transition_id) == ("in_review", 600001)
    state = flow.state("In review")
    assert state is not None
    assert state.id == "in_review"


async def test_get_with_the_wrong_flow_type_is_an_invalid_params_error(
    meegle_fake: MeegleFakeFixture,
) -> None:
    wid = await new_story(meegle_fake)
    with pytest.raises(MeegleInvalidParamsError) as caught:
        await meegle_fake.client.workflows.get(P, "story", wid, flow_type=1)
    assert caught.value.code == 20026
    assert caught.value.endpoint == "get_work_flow"
    with pytest.raises(MeegleNotFoundError):
        await meegle_fake.client.workflows.get(P, "story", 999_999)


# -- refused before sending ------------------------------------------------------------------------

Call = Callable[[MeegleClient], Awaitable[Any]]
BAD_CALLS: list[tuple[str, Call]] = [
    ("flow_type 2", lambda c: c.workflows.get(P, "story", 1, flow_type=2)),  # type: ignore[arg-type]
    ("flow_type True", lambda c: c.workflows.get(P, "story", 1, flow_type=True)),  # type: ignore[arg-type]
    ("mixed fields", lambda c: c.workflows.get(P, "story", 1, fields=["a", "-b"])),
    ("id 0", lambda c: c.workflows.get(P, "story", 0)),
    ("empty space", lambda c: c.workflows.complete_node("", "story", 1, "n")),
    ("empty node", lambda c: c.workflows.complete_node(P, "story", 1, "")),
    (
        "schedule in seconds",
        lambda c: c.workflows.complete_node(
            P, "story", 1, "n", node_schedule={"estimate_start_date": 1_767_225_600}
        ),
    ),
    ("owners not a list", lambda c: c.workflows.complete_node(P, "story", 1, "n", node_owners="u")),
    (
        "bad role",
        lambda c: c.workflows.complete_node(P, "story", 1, "n", role_assignee={"role": "rd"}),  # type: ignore[arg-type]
    ),
    ("no reason", lambda c: c.workflows.rollback_node(P, "story", 1, "n", rollback_reason="")),
    ("transition 0", lambda c: c.workflows.change_state(P, "bug", 1, 0)),
    ("transition text", lambda c: c.workflows.change_state(P, "bug", 1, "x")),  # type: ignore[arg-type]
    ("nothing to update", lambda c: c.workflows.update_node(P, "story", 1, "n")),
    ("bad mode", lambda c: c.workflows.get_required_info(P, "story", 1, "n", mode="all")),  # type: ignore[arg-type]
    ("no times", lambda c: c.workflows.update_actual_time(P, 1, "n")),
    (
        "seconds",
        lambda c: c.workflows.update_actual_time(P, 1, "n", actual_start_time=1_767_225_600),
    ),
    (
        "finish before start",
        lambda c: c.workflows.update_actual_time(
            P, 1, "n", actual_start_time=T0, actual_finish_time=T0 - 1
        ),
    ),
    ("move to nothing", lambda c: c.workflows.move_to(P, "story", 1, " ")),
]


@pytest.mark.parametrize(("what", "call"), BAD_CALLS, ids=[b[0] for b in BAD_CALLS])
async def test_bad_input_is_refused_before_anything_is_sent(
    meegle_fake: MeegleFakeFixture, what: str, call: Call
) -> None:
    meegle_fake.server.clear_requests()
    with pytest.raises(MeegleValidationError):
        await call(meegle_fake.client)
    assert [r for r in meegle_fake.server.requests if r.endpoint] == []


# -- nodes ---------------------------------------------------------------------------------------


async def test_complete_node_sends_confirm_with_node_changes_and_moves_the_item_on(
    meegle_fake: MeegleFakeFixture,
) -> None:
    wf = meegle_fake.client.workflows
    wid = await new_story(meegle_fake)
    await wf.complete_node(P, "story", wid, "started", idempotency_key="done-started")
    (hit,) = meegle_fake.server.requests_to("update_node_state")
    assert hit.path == f"/open_api/{P}/workflow/story/{wid}/node/started/operate"
    assert hit.body == {"action": "confirm"}
    assert hit.headers["X-Idem-UUID"] == "done-started"

    await wf.complete_node(
        P,
        "story",
        wid,
        "design",
        node_owners=[meegle_fake.user_key],
        node_schedule=Schedule(estimate_start_date=T0, estimate_end_date=T0 + 86_400_000),
        role_assignee=[RoleOwner(role="rd", owners=[meegle_fake.user_key])],
    )
    assert meegle_fake.server.requests_to("update_node_state")[-1].body == {
        "action": "confirm",
        "node_owners": [meegle_fake.user_key],
        "node_schedule": {"estimate_start_date": T0, "estimate_end_date": T0 + 86_400_000},
        "role_assignee": [{"role": "rd", "owners": [meegle_fake.user_key]}],
    }
    flow = await wf.get(P, "story", wid)
    assert statuses(flow)["design"] == 3
    assert [n.state_key for n in flow.current_nodes] == ["develop"]
    design = flow.node("design")
    assert design is not None
    assert design.node_schedule is not None
    assert design.node_schedule.estimate_start_date == T0
    assert design.actual_finish_time
    (item,) = await meegle_fake.client.work_items.get_details(P, "story", [wid])
    assert item.get("sub_stage") == "develop"

    # develop requires story points: refused (20038) until they are sent with the completion
    with pytest.raises(MeegleInvalidParamsError) as caught:
        await wf.complete_node(P, "story", wid, "develop")
    assert caught.value.code == 20038
    await wf.complete_node(
        P, "story", wid, "develop", fields=[FieldValuePair(field_key=POINTS, field_value=5)]
    )
    assert [n.state_key for n in (await wf.get(P, "story", wid)).current_nodes] == ["testing"]

    # a node that is not in progress cannot be completed; an unknown node is not found
    with pytest.raises(MeegleStateConflictError) as conflict:
        await wf.complete_node(P, "story", wid, "done")
    assert conflict.value.code == 50006
    with pytest.raises(MeegleNotFoundError) as missing:
        await wf.complete_node(P, "story", wid, "nowhere")
    assert missing.value.code == 20018


async def test_rollback_needs_a_reason_and_returns_to_a_completed_node(
    meegle_fake: MeegleFakeFixture,
) -> None:
    wf = meegle_fake.client.workflows
    wid = await new_story(meegle_fake)
    await wf.complete_node(P, "story", wid, "started")
    await wf.complete_node(P, "story", wid, "design")
    with pytest.raises(MeegleStateConflictError):
        await wf.rollback_node(P, "story", wid, "develop", rollback_reason="not completed")
    # without a reason the server refuses too (sent through the escape hatch)
    with pytest.raises(MeegleInvalidParamsError) as caught:
        await meegle_fake.client.request(
            "update_node_state",
            "POST",
            "/open_api/{project_key}/workflow/story/{id}/node/started/operate",
            path_params={"project_key": P, "id": wid},
            json={"action": "rollback"},
        )
    assert caught.value.code == 20005
    await wf.rollback_node(P, "story", wid, "started", rollback_reason="scope changed")
    assert meegle_fake.server.requests_to("update_node_state")[-1].body == {
        "action": "rollback",
        "rollback_reason": "scope changed",
    }
    flow = await wf.get(P, "story", wid)
    assert statuses(flow) == {"started": 2, "design": 1, "develop": 1, "testing": 1, "done": 1}
    log = await meegle_fake.client.work_items.get_change_log(P, [wid])
    assert "rollback" in [r.operation_type for r in log.op_records or []]


async def test_update_node_sends_only_the_changes_and_they_show_in_the_workflow(
    meegle_fake: MeegleFakeFixture,
) -> None:
    wf = meegle_fake.client.workflows
    wid = await new_story(meegle_fake)
    other = "7000000000000000002"
    await wf.update_node(
        P,
        "story",
        wid,
        "design",
        node_owners=[other],
        schedules=[{"owners": [other], "points": 2}, {"owners": [meegle_fake.user_key]}],
    )
    (hit,) = meegle_fake.server.requests_to("update_workflow_node")
    assert hit.method == "PUT"
    assert hit.path == f"/open_api/{P}/workflow/story/{wid}/node/design"
    assert hit.body == {
        "node_owners": [other],
        "schedules": [{"owners": [other], "points": 2}, {"owners": [meegle_fake.user_key]}],
    }
    design = (await wf.get(P, "story", wid)).node("design")
    assert design is not None
    assert design.owners == [other]
    assert design.different_schedule is True
    assert [s.points for s in design.schedules or []] == [2.0, None]
    await wf.update_node(P, "story", wid, "design", node_owners=[])
    assert meegle_fake.server.requests_to("update_workflow_node")[-1].body == {"node_owners": []}


async def test_required_info_and_actual_time(meegle_fake: MeegleFakeFixture) -> None:
    wf = meegle_fake.client.workflows
    wid = await new_story(meegle_fake)
    info = await wf.get_required_info(P, "story", wid, "develop")
    (hit,) = meegle_fake.server.requests_to("get_work_item_trans_required_item")
    assert hit.path == "/open_api/work_item/transition_required_info/get"
    assert hit.body == {
        "project_key": P,
        "work_item_type_key": "story",
        "work_item_id": wid,
        "state_key": "develop",
    }
    assert isinstance(info, RequiredInfo)
    (form_item,) = info.form_items or []
    assert (form_item.kind, form_item.key, form_item.finished) == ("field", POINTS, False)
    assert info.missing() == [f"field {POINTS}"]
    assert to_dict(form_item)["class"] == "field"
    none_missing = await wf.get_required_info(P, "story", wid, "design", mode="unfinished")
    assert none_missing.missing() == []
    with pytest.raises(MeegleNotFoundError):
        await wf.get_required_info(P, "story", wid, "nowhere")

    await wf.update_actual_time(P, wid, "started", actual_start_time=T0)
    (hit,) = meegle_fake.server.requests_to("actual_time_update")
    assert hit.path == "/open_api/work_item/actual_time/update"
    assert hit.body == {
        "project_key": P,
        "work_item_id": wid,
        "node_id": "started",
        "actual_time_info": {"actual_start_time": T0},
    }
    started = (await wf.get(P, "story", wid)).node("started")
    assert started is not None
    assert started.actual_begin_time == str(T0)


def test_actual_time_update_is_limited_to_ten_a_second() -> None:
    assert ENDPOINTS["actual_time_update"].qps == 10
    assert RateTable().qps("actual_time_update") == 10


# -- state flow ----------------------------------------------------------------------------------


async def test_change_state_follows_transitions_from_the_current_state(
    meegle_fake: MeegleFakeFixture,
) -> None:
    wf = meegle_fake.client.workflows
    wid = await new_component(meegle_fake)
    with pytest.raises(MeegleStateConflictError) as illegal:
        await wf.change_state(P, "component", wid, 600003)  # in_review -> published
    assert illegal.value.code == 10002
    await wf.change_state(P, "component", wid, 600001, idempotency_key="to-review")
    (hit, _) = meegle_fake.server.requests_to("update_state_flow")
    assert hit.path == f"/open_api/{P}/workflow/component/{wid}/node/state_change"
    assert meegle_fake.server.requests_to("update_state_flow")[-1].body == {"transition_id": 600001}
    with pytest.raises(MeegleInvalidParamsError) as required:
        await wf.change_state(P, "component", wid, 600003)
    assert required.value.code == 20038
    await wf.change_state(
        P,
        "component",
        wid,
        600003,
        fields=[{"field_key": VERSION, "field_value": "1.0"}],
        role_owners=[{"role": "maintainer", "owners": [meegle_fake.user_key]}],
    )
    assert meegle_fake.server.requests_to("update_state_flow")[-1].body == {
        "transition_id": 600003,
        "fields": [{"field_key": VERSION, "field_value": "1.0"}],
        "role_owners": [{"role": "maintainer", "owners": [meegle_fake.user_key]}],
    }
    flow = await wf.get(P, "component", wid, flow_type=1)
    assert {s.id: s.status for s in flow.state_flow_nodes or []} == {
        "draft": 3,
        "in_review": 3,
        "published": 2,
        "archived": 1,
    }


# -- move_to -------------------------------------------------------------------------------------


async def test_move_to_completes_the_nodes_on_the_way_or_lists_what_is_missing(
    meegle_fake: MeegleFakeFixture,
) -> None:
    wf = meegle_fake.client.workflows
    wid = await new_story(meegle_fake)
    meegle_fake.server.clear_requests()
    with pytest.raises(MeegleRequirementsMissingError) as caught:
        await wf.move_to(P, "story", wid, "Testing")
    assert caught.value.missing == [f"field {POINTS}"]
    assert caught.value.state_key == "develop"
    assert POINTS in str(caught.value)
    assert writes(meegle_fake) == []  # nothing written: the whole route is checked first

    flow = await wf.move_to(
        P,
        "story",
        wid,
        "Testing",
        fields=[{"field_key": POINTS, "field_value": 3}],
        idempotency_key="move-1",
    )
    assert [n.state_key for n in flow.current_nodes] == ["testing"]
    done = meegle_fake.server.requests_to("update_node_state")
    assert [r.path.rsplit("/", 2)[1] for r in done] == ["started", "design", "develop"]
    assert [r.headers["X-Idem-UUID"] for r in done] == ["move-1-0", "move-1-1", "move-1-2"]

    meegle_fake.server.clear_requests()
    assert [n.state_key for n in (await wf.move_to(P, "story", wid, "testing")).current_nodes] == [
        "testing"
    ]
    assert writes(meegle_fake) == []
    with pytest.raises(MeegleValidationError, match="rollback_reason"):
        await wf.move_to(P, "story", wid, "design")
    with pytest.raises(MeegleValidationError, match="no node 'Nowhere'"):
        await wf.move_to(P, "story", wid, "Nowhere")
    assert writes(meegle_fake) == []
    flow = await wf.move_to(P, "story", wid, "Design", rollback_reason="rework")
    assert [n.state_key for n in flow.current_nodes] == ["design"]
    # the type's flow mode was read once and then came from the look-up cache
    assert len(meegle_fake.server.requests_to("get_work_item_type_info_by_key")) == 0


async def test_move_to_in_state_flow_uses_the_transition_to_the_named_state(
    meegle_fake: MeegleFakeFixture,
) -> None:
    wf = meegle_fake.client.workflows
    wid = await new_component(meegle_fake)
    with pytest.raises(MeegleValidationError, match="reachable from here: \\['in_review'\\]"):
        await wf.move_to(P, "component", wid, "Archived")
    flow = await wf.move_to(P, "component", wid, "In review")
    assert [s.id for s in flow.state_flow_nodes or [] if s.status == 2] == ["in_review"]
    assert meegle_fake.server.requests_to("update_state_flow")[-1].body == {"transition_id": 600001}
    with pytest.raises(MeegleRequirementsMissingError) as caught:
        await wf.move_to(P, "component", wid, "published")
    assert caught.value.missing == [f"field {VERSION}"]
    flow = await wf.move_to(
        P, "component", wid, "published", fields=[{"field_key": VERSION, "field_value": "2.0"}]
    )
    assert [s.id for s in flow.state_flow_nodes or [] if s.status == 2] == ["published"]
    assert len(meegle_fake.server.requests_to("get_work_item_type_info_by_key")) == 1


# -- models keep what the server sent -----------------------------------------------------


async def test_workflow_models_keep_unknown_keys(stub: Stub, client_kwargs: dict[str, Any]) -> None:
    answer = {
        "workflow_nodes": [
            {
                "id": "n1",
                "state_key": "n1",
                "status": 2,
                "fields": [{"field_key": "f", "field_value": 1, "brand_new": True}],
                "sub_tasks": [{"id": "77", "name": "t", "future": [1]}],
                "sub_status": [{"owner": "u", "status": 1, "checked_time": T0}],
                "node_schedule": {"points": 1.5, "new_schedule_key": "x"},
                "new_node_key": {"nested": True},
            }
        ],
        "connections": [{"source_state_key": "a", "target_state_key": "b", "transition_id": 9}],
        "state_flow_nodes": [],
        "template_id": 1,
        "version": 3,
        "top_level_future_key": "kept",
    }

    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return ok(answer)

    stub.handler = handler
    async with MeegleClient(**client_kwargs) as client:
        flow = await client.workflows.get("space", "story", 1001)
    assert to_dict(flow) == answer
    (node,) = flow.workflow_nodes or []
    assert node.extra == {"new_node_key": {"nested": True}}
    assert flow.extra == {"top_level_future_key": "kept"}
    assert node.sub_tasks is not None
    assert node.sub_tasks[0].int_id == 77
