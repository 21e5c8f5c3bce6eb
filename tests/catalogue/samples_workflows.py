"""Samples for workflows and nodes, and the space look-ups (teams, roles, templates, type info)."""

from __future__ import annotations

from meegle_async import MeegleClient
from meegle_async.testing import RecordedRequest
from meegle_async.testing.pytest_plugin import MeegleFakeFixture

from ._sample import Args, Sample, call

P = "space_demo"
T0 = 1_767_225_600_000


async def _new_story(client: MeegleClient) -> int:
    return await client.work_items.create(P, "story", name="catalogue workflow")


async def _get(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, "story", await _new_story(client)), {"expand": {"need_user_detail": True}}


async def _complete(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, "story", await _new_story(client), "started"), {}


async def _change_state(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    wid = await client.work_items.create(P, "component", name="catalogue component")
    return (P, "component", wid, 600001), {}


async def _update_node(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, "story", await _new_story(client), "started"), {"node_owners": [fake.user_key]}


async def _required(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, "story", await _new_story(client), "develop"), {"mode": "unfinished"}


async def _actual_time(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, await _new_story(client), "started"), {"actual_start_time": T0}


def _check_get(hit: RecordedRequest) -> None:
    assert hit.body == {"expand": {"need_user_detail": True}}


def _check_complete(hit: RecordedRequest) -> None:
    assert hit.body == {"action": "confirm"}


def _check_change_state(hit: RecordedRequest) -> None:
    assert hit.body == {"transition_id": 600001}


def _check_required(hit: RecordedRequest) -> None:
    assert hit.body["state_key"] == "develop"
    assert hit.body["mode"] == "unfinished"
    assert hit.body["project_key"] == P
    assert hit.body["work_item_type_key"] == "story"


def _check_actual_time(hit: RecordedRequest) -> None:
    assert hit.body["actual_time_info"] == {"actual_start_time": T0}
    assert hit.body["node_id"] == "started"


def _check_groups(hit: RecordedRequest) -> None:
    assert hit.body == {"user_group_type": "PROJECT_MEMBER"}


SAMPLES = {
    "get_work_flow": Sample(_get, _check_get),
    "update_node_state": Sample(_complete, _check_complete),
    "update_state_flow": Sample(_change_state, _check_change_state),
    "update_workflow_node": Sample(_update_node),
    "get_work_item_trans_required_item": Sample(_required, _check_required),
    "actual_time_update": Sample(_actual_time, _check_actual_time),
    "list_project_team": Sample(call(P)),
    "user_group_members_page": Sample(call(P, user_group_type="PROJECT_MEMBER"), _check_groups),
    "query_businesses": Sample(call(P)),
    "get_work_item_type_info_by_key": Sample(call(P, "story")),
    "update_work_item_type_info": Sample(call(P, "story", description="from the catalogue")),
    "query_role_conf_details": Sample(call(P, "story")),
    "list_template_conf": Sample(call(P, "story")),
    "query_template_detail": Sample(call(P, 400001)),
}
