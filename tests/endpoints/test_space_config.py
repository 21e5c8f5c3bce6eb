"""Space look-ups against the fake: teams, business lines, user groups, type settings, flow
roles, process templates; and the look-up cache they share (single flight, TTL, invalidate)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web

from meegle_async import (
    BusinessLine,
    FlowRole,
    LookupCache,
    MeegleClient,
    MeegleNotFoundError,
    MeeglePermissionError,
    MeegleValidationError,
    ProcessTemplate,
    Team,
    TemplateDetail,
    WorkItemTypeInfo,
    to_dict,
)
from meegle_async.testing.pytest_plugin import MeegleFakeFixture
from tests.conftest import Recorded, Stub, ok

P = "space_demo"


async def test_teams_and_business_lines(meegle_fake: MeegleFakeFixture) -> None:
    teams = await meegle_fake.client.teams.list(P)
    (hit,) = meegle_fake.server.requests_to("list_project_team")
    assert (hit.method, hit.path) == ("GET", f"/open_api/{P}/teams/all")
    assert all(isinstance(t, Team) for t in teams)
    assert [t.team_name for t in teams] == ["Platform", "Mobile", "Web"]
    assert meegle_fake.user_key in (teams[0].administrators or [])

    lines = await meegle_fake.client.teams.list_business_lines("demo")
    (hit,) = meegle_fake.server.requests_to("query_businesses")
    assert hit.path == "/open_api/demo/business/all"
    assert all(isinstance(b, BusinessLine) for b in lines)
    assert [b.name for b in lines[0].walk()] == ["Core", "Payments", "Identity"]
    assert lines[0].walk()[1].parent == "biz_core"
    with pytest.raises(MeegleValidationError):
        await meegle_fake.client.teams.list("")


async def test_cached_lookups_share_one_fetch_and_expire(meegle_fake: MeegleFakeFixture) -> None:
    teams = meegle_fake.client.teams
    results = await asyncio.gather(*(teams.list(P, cached=True) for _ in range(5)))
    assert len(meegle_fake.server.requests_to("list_project_team")) == 1
    assert all(r == results[0] for r in results)
    # the client's groups and its with_options copies share the one cache
    other = meegle_fake.client.with_options(timeout=30)
    assert other.teams.lookups is teams.lookups is meegle_fake.client.roles.lookups
    await other.teams.list(P, cached=True)
    assert len(meegle_fake.server.requests_to("list_project_team")) == 1
    await teams.list(P)  # not cached: always sent
    assert len(meegle_fake.server.requests_to("list_project_team")) == 2

    now = [0.0]
    teams.lookups.clock = lambda: now[0]
    teams.lookups.invalidate()
    await teams.list(P, cached=True)
    now[0] = teams.lookups.ttl - 1  # type: ignore[operator]
    await teams.list(P, cached=True)
    assert len(meegle_fake.server.requests_to("list_project_team")) == 3
    now[0] += 2  # past the TTL
    await teams.list(P, cached=True)
    assert len(meegle_fake.server.requests_to("list_project_team")) == 4
    teams.lookups.invalidate(P)
    await teams.list(P, cached=True)
    assert len(meegle_fake.server.requests_to("list_project_team")) == 5


async def test_a_failed_lookup_is_not_kept() -> None:
    cache = LookupCache(ttl=60)
    calls = 0

    async def failing() -> list[int]:
        nonlocal calls
        calls += 1
        raise MeegleNotFoundError("gone")

    async def working() -> list[int]:
        nonlocal calls
        calls += 1
        return [1]

    with pytest.raises(MeegleNotFoundError):
        await cache.get(("x", "space"), failing)
    assert await cache.get(("x", "space"), working) == [1]
    assert await cache.get(("x", "space"), failing) == [1]
    assert calls == 2
    with pytest.raises(MeegleValidationError):
        LookupCache(ttl=-1)


async def test_user_group_members(meegle_fake: MeegleFakeFixture) -> None:
    teams = meegle_fake.client.teams
    page = await teams.list_group_members(
        P, user_group_type="CUSTOMIZE", user_group_ids=["7564720960423650002"], page_size=10
    )
    (hit,) = meegle_fake.server.requests_to("user_group_members_page")
    assert (hit.method, hit.path) == ("POST", f"/open_api/{P}/user_groups/members/page")
    assert hit.body == {
        "user_group_type": "CUSTOMIZE",
        "user_group_ids": ["7564720960423650002"],
        "page_size": 10,
    }
    assert "X-Idem-UUID" not in hit.headers
    (group,) = page.list or []
    assert (group.name, group.user_count) == ("Release managers", 3)
    assert page.has_more is False

    names = [
        g.name async for g in teams.iter_group_members(P, user_group_type="CUSTOMIZE", page_size=1)
    ]
    assert names == ["QA guild", "Release managers"]
    admins = await teams.list_group_members(P, user_group_type="PROJECT_ADMIN")
    assert (admins.list or [])[0].user_members == [meegle_fake.user_key]

    with pytest.raises(MeegleNotFoundError) as caught:
        await teams.list_group_members(P, user_group_type="CUSTOMIZE", user_group_ids=["nope"])
    assert caught.value.code == 1000053010


@pytest.mark.parametrize(
    "kwargs",
    [
        {"user_group_type": "EVERYONE"},
        {"user_group_type": "CUSTOMIZE", "user_group_ids": [str(i) for i in range(51)]},
        {"user_group_type": "PROJECT_ADMIN", "user_group_ids": ["1"]},
        {"user_group_type": "CUSTOMIZE", "page_size": 101},
        {"user_group_type": "CUSTOMIZE", "page_num": 0},
    ],
)
async def test_user_group_input_is_checked_before_sending(
    meegle_fake: MeegleFakeFixture, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(MeegleValidationError):
        await meegle_fake.client.teams.list_group_members(P, **kwargs)
    assert meegle_fake.server.requests_to("user_group_members_page") == []


async def test_iter_group_members_stops_when_a_page_repeats(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        # a server that ignores page_num and always says there is more
        page = {"list": [{"id": "g1", "name": "G"}], "pagination": {"has_more": True}}
        return ok(page)

    stub.handler = handler
    async with MeegleClient(**client_kwargs) as client:
        groups = [
            g async for g in client.teams.iter_group_members("s", user_group_type="CUSTOMIZE")
        ]
    assert [g.id for g in groups] == ["g1"]
    assert len([r for r in stub.requests if r.path.endswith("/members/page")]) == 2


async def test_work_item_type_settings_read_update_and_refresh_the_cache(
    meegle_fake: MeegleFakeFixture,
) -> None:
    spaces = meegle_fake.client.spaces
    info = await spaces.get_work_item_type(P, "story", cached=True)
    (hit,) = meegle_fake.server.requests_to("get_work_item_type_info_by_key")
    assert (hit.method, hit.path) == ("GET", f"/open_api/{P}/work_item/type/story")
    assert isinstance(info, WorkItemTypeInfo)
    assert (info.flow_mode, info.estimate_point_field_name) == ("workflow", "Story points")
    assert (await spaces.get_work_item_type(P, "component")).flow_mode == "stateflow"

    await spaces.update_work_item_type(
        P, "story", description="User stories", is_pinned=False, belong_role_keys=["rd"]
    )
    (hit,) = meegle_fake.server.requests_to("update_work_item_type_info")
    assert (hit.method, hit.path) == ("PUT", f"/open_api/{P}/work_item/type/story")
    assert hit.body == {
        "description": "User stories",
        "is_pinned": False,
        "belong_role_keys": ["rd"],
    }
    assert "X-Idem-UUID" in hit.headers
    after = await spaces.get_work_item_type(P, "story", cached=True)  # the update forgot it
    assert (after.description, after.is_pinned) == ("User stories", False)
    assert [r.id for r in after.belong_roles or []] == ["rd"]

    with pytest.raises(MeegleValidationError):
        await spaces.update_work_item_type(P, "story")
    with pytest.raises(MeegleValidationError):
        await spaces.update_work_item_type(P, "story", is_pinned=1)  # type: ignore[arg-type]
    with pytest.raises(MeegleNotFoundError) as missing:
        await spaces.get_work_item_type(P, "no_such_type")
    assert missing.value.code == 30014
    visitor = meegle_fake.client.with_options(user_key="7000000000000000002")
    with pytest.raises(MeeglePermissionError) as denied:
        await visitor.spaces.update_work_item_type(P, "story", description="x")
    assert denied.value.code == 10005


async def test_flow_roles_and_process_templates(meegle_fake: MeegleFakeFixture) -> None:
    roles = await meegle_fake.client.roles.list(P, "story")
    (hit,) = meegle_fake.server.requests_to("query_role_conf_details")
    assert hit.path == f"/open_api/{P}/flow_roles/story"
    assert all(isinstance(r, FlowRole) for r in roles)
    assert [r.id for r in roles] == ["pm", "rd", "qa"]

    templates = await meegle_fake.client.templates.list(P, "story", cached=True)
    (hit,) = meegle_fake.server.requests_to("list_template_conf")
    assert hit.path == f"/open_api/{P}/template_list/story"
    (template,) = templates
    assert isinstance(template, ProcessTemplate)
    assert (template.template_id, template.int_id) == ("400001", 400001)

    detail = await meegle_fake.client.templates.get(P, template.template_id or "")
    (hit,) = meegle_fake.server.requests_to("query_template_detail")
    assert hit.path == f"/open_api/{P}/template_detail/400001"
    assert isinstance(detail, TemplateDetail)
    assert [n.state_key for n in detail.workflow_confs or []][:2] == ["started", "design"]
    assert to_dict(detail)["work_item_type_key"] == "story"
    states = await meegle_fake.client.templates.get(P, 400003)
    assert [s.state_key for s in states.state_flow_confs or []] == [
        "draft",
        "in_review",
        "published",
        "archived",
    ]
    assert (states.connections or [])[0].transition_id == 600001
    with pytest.raises(MeegleNotFoundError) as missing:
        await meegle_fake.client.templates.get(P, 999)
    assert missing.value.code == 50006
    with pytest.raises(MeegleValidationError):
        await meegle_fake.client.templates.get(P, "abc")
