"""``fields=`` on the writes and ``work_items.build_fields``: what is fetched (creation metadata
once per type, ``field/all`` only to fill missing options), what is sent, what is refused with
nothing written, the cache shared by ``with_options`` copies; and a create with ``fields=`` at
the fake server, read back."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from aiohttp import web

from meegle_async import (
    FieldValuePair,
    MeegleClient,
    MeegleNotFoundError,
    MeegleValidationError,
    PollSchedule,
    to_dict,
)
from meegle_async.helpers.field_builder import FieldMetadata
from meegle_async.testing.pytest_plugin import MeegleFakeFixture
from tests.conftest import Recorded, Stub, fail, ok
from tests.helpers.test_field_builder import META

META_PATH = "/open_api/space_demo/work_item/story/meta"
P1 = {"field_key": "priority", "field_value": {"value": "1"}}


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


class Server:
    """Creation metadata, field/all and every write, answered like Meegle."""

    def __init__(self, stub: Stub) -> None:
        self.meta: list[dict[str, Any]] = copy.deepcopy(META)
        self.simple: list[dict[str, Any]] = []
        self.meta_delay = 0.0
        self.meta_error: int | None = None
        stub.handler = self.handle
        self.stub = stub

    async def handle(self, request: web.Request, rec: Recorded) -> web.StreamResponse:
        path = rec.path
        if path.endswith("/meta"):
            if self.meta_delay:
                await asyncio.sleep(self.meta_delay)
            if self.meta_error is not None:
                return fail(self.meta_error, "Work item type not found")
            return ok(self.meta)
        if path.endswith("/field/all"):
            return ok(self.simple)
        if path.endswith("/work_item/create"):
            return ok(12345)
        if path == "/open_api/work_item/batch_update":
            return ok({"task_id": f"task-{len(self.stub.requests)}"})
        if path == "/open_api/task_result":
            return ok({"task_status": "SUCCESS", "total": 1, "success_total": 1})
        if path == "/open_api/work_item/resource/create_work_item":
            return ok({"work_item_id": 777})
        if "/task" in path and request.method == "POST":
            return ok(555)
        return ok({})

    def sent(self) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.stub.requests]

    def writes(self) -> list[Recorded]:
        return [r for r in self.stub.requests if not r.path.endswith(("/meta", "/field/all"))]


@pytest.fixture
def server(stub: Stub) -> Server:
    return Server(stub)


@pytest.fixture
async def client(client_kwargs: dict[str, Any], server: Server) -> AsyncIterator[MeegleClient]:
    rates = {"batch_update_work_item_field": 1000, "get_batch_update_progress": 1000}
    async with MeegleClient(**client_kwargs, default_qps=1000, rate_limits=rates) as c:
        yield c


# -- build_fields and the cache ------------------------------------------------------------


async def test_build_fields_fetches_metadata_once(client: MeegleClient, server: Server) -> None:
    wi = client.work_items
    pairs = await wi.build_fields(
        "space_demo",
        "story",
        {
            "priority": "P1",
            "description": "...",
            "owner": "user_key",
            "tags": ["Frontend", "Backend"],
            "role_owners": {"rd": ["u1"]},
            "due_date": date(2026, 12, 1),
        },
    )
    assert all(isinstance(p, FieldValuePair) for p in pairs)
    assert to_dict(pairs) == [
        P1,
        {"field_key": "description", "field_value": "..."},
        {"field_key": "owner", "field_value": "user_key"},
        {"field_key": "field_6b2d31", "field_value": [{"value": "k3x9a1"}, {"value": "k3x9a2"}]},
        {"field_key": "role_owners", "field_value": [{"role": "rd", "owners": ["u1"]}]},
        {"field_key": "field_9e5064", "field_value": 1_796_083_200_000},
    ]
    assert server.sent() == [("GET", META_PATH)]
    assert server.stub.requests[0].raw_path == META_PATH
    await wi.build_fields("space_demo", "story", {"Platform": "iOS / iPhone"})
    meta = await wi.get_field_metadata("space_demo", "story")
    assert isinstance(meta, FieldMetadata)
    assert len(server.sent()) == 1
    await wi.build_fields("space_demo", "bug", {})
    assert server.sent()[-1] == ("GET", "/open_api/space_demo/work_item/bug/meta")


async def test_twenty_concurrent_builds_fetch_once(client: MeegleClient, server: Server) -> None:
    server.meta_delay = 0.05
    results = await asyncio.gather(
        *(
            client.work_items.build_fields("space_demo", "story", {"priority": f"P{i % 4}"})
            for i in range(20)
        )
    )
    assert server.sent() == [("GET", META_PATH)]
    assert [r[0].field_value for r in results[:4]] == [
        {"value": "0"},
        {"value": "1"},
        {"value": "2"},
        {"value": "99"},
    ]


async def test_metadata_expires_after_the_ttl(client: MeegleClient, server: Server) -> None:
    clock = Clock()
    cache = client.work_items.field_metadata
    cache.clock = clock
    assert cache.ttl == 600
    await client.work_items.build_fields("space_demo", "story", {"priority": "P1"})
    clock.now += 599
    await client.work_items.build_fields("space_demo", "story", {"priority": "P1"})
    assert len(server.sent()) == 1
    clock.now += 1
    server.meta[3]["options"].append({"label": "P5", "value": "555", "is_disabled": 2})
    pairs = await client.work_items.build_fields("space_demo", "story", {"priority": "P5"})
    assert pairs[0].field_value == {"value": "555"}
    assert server.sent() == [("GET", META_PATH)] * 2


async def test_refresh_field_metadata(client: MeegleClient, server: Server) -> None:
    wi = client.work_items
    with pytest.raises(MeegleValidationError, match="unknown option 'P5'"):
        await wi.build_fields("space_demo", "story", {"priority": "P5"})
    server.meta[3]["options"].append({"label": "P5", "value": "555", "is_disabled": 2})
    with pytest.raises(MeegleValidationError, match="unknown option 'P5'"):
        await wi.build_fields("space_demo", "story", {"priority": "P5"})  # still cached
    meta = await wi.refresh_field_metadata("space_demo", "story")
    assert meta.field("priority").option_value("P5") == "555"
    pairs = await wi.build_fields("space_demo", "story", {"priority": "P5"})
    assert pairs[0].field_value == {"value": "555"}
    assert server.sent() == [("GET", META_PATH)] * 2
    with pytest.raises(MeegleValidationError, match="project_key"):
        await wi.refresh_field_metadata("", "story")


async def test_copies_share_the_cache(client: MeegleClient, server: Server) -> None:
    await client.work_items.build_fields("space_demo", "story", {"priority": "P1"})
    other = client.with_options(user_key="someone-else")
    assert other.work_items.field_metadata is client.work_items.field_metadata
    await other.work_items.build_fields("space_demo", "story", {"priority": "P2"})
    await other.resources.update("space_demo", "story", 9, fields={"tags": ["Infra"]})
    assert [m for m in server.sent() if m[1].endswith("/meta")] == [("GET", META_PATH)]


async def test_separate_clients_have_separate_caches(
    client: MeegleClient, client_kwargs: dict[str, Any], server: Server
) -> None:
    await client.work_items.build_fields("space_demo", "story", {"priority": "P1"})
    async with MeegleClient(**client_kwargs) as second:
        assert second.work_items.field_metadata is not client.work_items.field_metadata
        await second.work_items.build_fields("space_demo", "story", {"priority": "P1"})
    assert server.sent() == [("GET", META_PATH)] * 2


async def test_missing_options_come_from_field_all(client: MeegleClient, server: Server) -> None:
    del server.meta[3]["options"]
    server.simple = [
        {
            "field_key": "priority",
            "field_alias": "priority",
            "field_name": "Priority",
            "field_type_key": "select",
            "options": [{"label": "P1", "value": "1", "is_disabled": 2, "order": 1}],
        }
    ]
    pairs = await client.work_items.build_fields("space_demo", "story", {"priority": "P1"})
    assert to_dict(pairs) == [P1]
    assert server.sent() == [("GET", META_PATH), ("POST", "/open_api/space_demo/field/all")]
    assert server.stub.requests[1].json == {"work_item_type_key": "story"}
    await client.work_items.build_fields("space_demo", "story", {"priority": "P1"})
    assert len(server.sent()) == 2


async def test_a_failed_fetch_is_raised_and_not_kept(client: MeegleClient, server: Server) -> None:
    server.meta_error = 30014
    with pytest.raises(MeegleNotFoundError):
        await client.work_items.build_fields("space_demo", "story", {"priority": "P1"})
    server.meta_error = None
    await client.work_items.build_fields("space_demo", "story", {"priority": "P1"})
    assert server.sent() == [("GET", META_PATH)] * 2


# -- work_items.create / update ------------------------------------------------------------


async def test_create_with_fields(client: MeegleClient, server: Server) -> None:
    new_id = await client.work_items.create(
        "space_demo",
        "story",
        name="Login page",
        template_id=400001,
        fields={
            "Priority": "P1",
            "severity": "Major",
            "platform": ["Web", "Desktop"],
            "test_cases": [{"case_name": "Login", "Result": "Pass"}],
        },
        required_mode=1,
        idempotency_key="idem-1",
    )
    assert new_id == 12345
    assert server.sent() == [("GET", META_PATH), ("POST", "/open_api/space_demo/work_item/create")]
    create = server.stub.requests[1]
    assert create.headers["X-Idem-UUID"] == "idem-1"
    assert create.json == {
        "work_item_type_key": "story",
        "name": "Login page",
        "template_id": 400001,
        "field_value_pairs": [
            P1,
            {"field_key": "field_d294a8", "field_value": {"value": "sev_3"}},
            {
                "field_key": "field_7c3e42",
                "field_value": {"value": "pl_web", "children": {"value": "pl_web_desk"}},
            },
            {
                "field_key": "field_af6175",
                "field_value": [
                    [
                        {"field_key": "field_tc_name", "field_value": "Login"},
                        {"field_key": "field_tc_result", "field_value": {"value": "res_pass"}},
                    ]
                ],
            },
        ],
        "required_mode": 1,
    }


async def test_create_takes_build_fields_output(client: MeegleClient, server: Server) -> None:
    pairs = await client.work_items.build_fields("space_demo", "story", {"priority": "P1"})
    extra = {"field_key": "field_custom", "field_value": "as is"}
    await client.work_items.create("space_demo", "story", field_value_pairs=[*pairs, extra])
    assert server.writes()[0].json == {
        "work_item_type_key": "story",
        "field_value_pairs": [P1, extra],
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"field_value_pairs": [P1], "fields": {"priority": "P1"}}, "not both"),
        ({"fields": {"name": "x"}}, "name="),
        ({"fields": {"template_id": 400001}}, "template_id="),
        ({"fields": {"prioirty": "P1"}}, "did you mean 'priority'"),
        ({"fields": {"priority": "Urgent"}}, "valid: 'P0', 'P1', 'P2', 'P3'"),
        ({"fields": {"priority": "P4"}}, "disabled"),
        ({"fields": {"tags": "Frontend"}}, "a list of option labels or ids"),
        ({"fields": {"role_owners": {"dev": ["u1"]}}}, "unknown role 'dev'"),
        ({"fields": {"priority": "P1"}, "required_mode": 1, "name": "x"}, "'Severity'"),
        ({"fields": {"severity": "Major"}, "required_mode": 1}, "missing required field 'name'"),
        ({"fields": {"due_date": 1_796_083_200}, "name": "x"}, "seconds?"),
    ],
)
async def test_create_refusals_send_no_write(
    client: MeegleClient, server: Server, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(MeegleValidationError, match=message.replace("?", r"\?")):
        await client.work_items.create("space_demo", "story", **kwargs)
    assert server.writes() == []
    assert server.sent() in ([], [("GET", META_PATH)])


async def test_update_with_fields(client: MeegleClient, server: Server) -> None:
    await client.work_items.update(
        "space_demo", "story", 101, fields={"name": "Renamed", "reviewers": ["u1", "u2"]}
    )
    (write,) = server.writes()
    assert (write.method, write.path) == ("PUT", "/open_api/space_demo/work_item/story/101")
    assert write.json == {
        "update_fields": [
            {"field_key": "name", "field_value": "Renamed"},
            {"field_key": "field_8d4f53", "field_value": ["u1", "u2"]},
        ]
    }
    with pytest.raises(MeegleValidationError, match="not both"):
        await client.work_items.update("space_demo", "story", 101, [P1], fields={"blocked": True})
    with pytest.raises(MeegleValidationError, match="update_fields is required"):
        await client.work_items.update("space_demo", "story", 101)
    with pytest.raises(MeegleValidationError, match="update_fields is empty"):
        await client.work_items.update("space_demo", "story", 101, fields={})
    with pytest.raises(MeegleValidationError, match="template_id="):
        await client.work_items.update("space_demo", "story", 101, fields={"template": "x"})
    assert len(server.writes()) == 1


# -- batch updates -------------------------------------------------------------------------


async def test_batch_update_with_fields(client: MeegleClient, server: Server) -> None:
    ids = list(range(1, 61))
    task_ids = await client.work_items.batch_update(
        "space_demo", "story", ids, update_mode="UPDATE", fields={"Priority": "P2"}
    )
    assert len(task_ids) == 2
    bodies = [r.json for r in server.writes()]
    assert [b["work_item_ids"] for b in bodies] == [ids[:50], ids[50:]]
    for body in bodies:
        assert {k: v for k, v in body.items() if k != "work_item_ids"} == {
            "project_key": "space_demo",
            "work_item_type_key": "story",
            "update_mode": "UPDATE",
            "field_key": "priority",
            "after_field_value": {"value": "2"},
        }


async def test_batch_replace_builds_both_values(client: MeegleClient, server: Server) -> None:
    await client.work_items.batch_update(
        "space_demo",
        "story",
        [1],
        update_mode="REPLACE",
        fields={"tags": ["Infra"]},
        before_field_value=["Frontend"],
    )
    body = server.writes()[0].json
    assert body["field_key"] == "field_6b2d31"
    assert body["after_field_value"] == [{"value": "k3x9a3"}]
    assert body["before_field_value"] == [{"value": "k3x9a1"}]


async def test_batch_update_and_wait_with_fields(client: MeegleClient, server: Server) -> None:
    fast = PollSchedule(first_delay=0.01, interval=0.01, backoff=1.5, max_interval=0.03)
    result = await client.work_items.batch_update_and_wait(
        "space_demo",
        "story",
        [1, 2],
        update_mode="APPEND",
        fields={"watchers": ["u9"]},
        poll_schedule=fast,
        timeout=5,
    )
    assert result.ok
    body = server.writes()[0].json
    assert (body["field_key"], body["after_field_value"]) == ("watchers", ["u9"])


@pytest.mark.parametrize(
    ("kwargs", "message", "fetched"),
    [
        ({"field_key": "priority"}, "not both", False),
        ({"after_field_value": {"value": "1"}}, "not both", False),
        ({"fields": {}}, "exactly one field", False),
        ({"fields": {"priority": "P1", "blocked": True}}, "exactly one field", False),
        ({"update_mode": "MERGE"}, "update_mode", False),
        ({"update_mode": "REPLACE"}, "before_field_value", False),
        ({"work_item_ids": []}, "work_item_ids is empty", False),
        ({"fields": {"priority": "P7"}}, "unknown option 'P7'", True),
        ({"fields": {"template_id": "1"}}, "template_id=", True),
    ],
)
async def test_batch_update_refusals(
    client: MeegleClient, server: Server, kwargs: dict[str, Any], message: str, fetched: bool
) -> None:
    call: dict[str, Any] = {
        "work_item_ids": [1],
        "update_mode": "UPDATE",
        "fields": {"priority": "P1"},
        **kwargs,
    }
    ids = call.pop("work_item_ids")
    with pytest.raises(MeegleValidationError, match=message):
        await client.work_items.batch_update("space_demo", "story", ids, **call)
    assert server.writes() == []
    # Inputs checkable without the metadata are refused before it is fetched.
    assert server.sent() == ([("GET", META_PATH)] if fetched else [])


# -- resources and tasks -------------------------------------------------------------------


async def test_resources_with_fields(client: MeegleClient, server: Server) -> None:
    rid = await client.resources.create(
        "space_demo", "story", fields={"name": "Button", "tags": ["Frontend"]}
    )
    assert rid == 777
    await client.resources.update("space_demo", "story", 777, fields={"description": "v2"})
    create, update = server.writes()
    assert create.json == {
        "project_key": "space_demo",
        "work_item_type_key": "story",
        "field_value_pairs": [
            {"field_key": "name", "field_value": "Button"},
            {"field_key": "field_6b2d31", "field_value": [{"value": "k3x9a1"}]},
        ],
    }
    assert update.json == {
        "project_key": "space_demo",
        "work_item_type_key": "story",
        "work_item_id": 777,
        "update_fields": [{"field_key": "description", "field_value": "v2"}],
    }
    with pytest.raises(MeegleValidationError, match="not both"):
        await client.resources.create("space_demo", "story", field_value_pairs=[P1], fields={})
    with pytest.raises(MeegleValidationError, match="template_id="):
        await client.resources.create("space_demo", "story", fields={"template_id": 1})
    assert len(server.writes()) == 2


async def test_task_writes_take_build_fields_output(client: MeegleClient, server: Server) -> None:
    pairs = await client.work_items.build_fields(
        "space_demo", "story", {"reviewers": ["u1"]}, purpose="update"
    )
    await client.tasks.create(
        "space_demo", "story", 101, node_id="develop", name="T", field_value_pairs=pairs
    )
    await client.tasks.update(
        "space_demo", "story", 101, "develop", 555, update_fields=pairs, deliverable=pairs
    )
    create, update = server.writes()
    expected = [{"field_key": "field_8d4f53", "field_value": ["u1"]}]
    assert create.json["field_value_pairs"] == expected
    assert update.json["update_fields"] == expected
    assert update.json["deliverable"] == expected


# -- at the fake server --------------------------------------------------------------------


async def test_create_with_fields_at_the_fake(meegle_fake: MeegleFakeFixture) -> None:
    wi = meegle_fake.client.work_items
    p = meegle_fake.project_key
    reviewers = ["7000000000000000002", "7000000000000000003"]
    new_id = await wi.create(
        p,
        "story",
        name="Built from labels",
        required_mode=1,
        fields={
            "Priority": "P1",
            "description": "Made by the field builder",
            "tags": ["Backend", "UX"],
            "Platform": "Android / Tablet",
            "reviewers": reviewers,
            "due_date": date(2026, 12, 1),
            "story_points": 5,
            "blocked": True,
            "design_link": "https://design.example.com/d/1",
            "role_owners": {"RD": [reviewers[0]], "qa": [reviewers[1]]},
            "Test cases": [
                {"Case name": "Login", "case_result": "Pass", "case_owner": reviewers[0]},
                {"Case name": "Logout", "case_result": "Fail"},
            ],
        },
    )
    (item,) = await wi.get_details(p, "story", [new_id])
    assert item.name == "Built from labels"
    assert item.field("priority") == {"label": "P1", "value": "1"}
    assert item.field("description") == "Made by the field builder"
    assert item.field("field_6b2d31") == [
        {"label": "Backend", "value": "k3x9a2"},
        {"label": "UX", "value": "k3x9a4"},
    ]
    assert item.field("field_7c3e42") == {
        "label": "Android",
        "value": "pl_and",
        "children": {"label": "Tablet", "value": "pl_and_tab"},
    }
    assert item.field("field_8d4f53") == reviewers
    assert item.field("field_9e5064") == 1_796_083_200_000
    assert item.field("field_5a1c20") == 5
    assert item.field("field_c18397") is True
    assert item.field("field_b07286") == "https://design.example.com/d/1"
    assert item.field("role_owners") == [
        {"role": "rd", "owners": [reviewers[0]]},
        {"role": "qa", "owners": [reviewers[1]]},
    ]
    cases = [
        {p["field_key"]: p["field_value"] for p in group} for group in item.field("field_af6175")
    ]
    assert cases == [
        {
            "field_tc_name": "Login",
            "field_tc_result": {"label": "Pass", "value": "res_pass"},
            "field_tc_owner": reviewers[0],
        },
        {"field_tc_name": "Logout", "field_tc_result": {"label": "Fail", "value": "res_fail"}},
    ]

    await wi.update(
        p, "story", new_id, fields={"priority": "P3", "Platform": ["Web", "Mobile web"]}
    )
    (item,) = await wi.get_details(p, "story", [new_id])
    assert item.field("priority") == {"label": "P3", "value": "99"}
    assert item.field("field_7c3e42")["children"]["value"] == "pl_web_mob"

    # The bug type requires a priority: refused here, before the server would say 20038.
    with pytest.raises(MeegleValidationError, match="'Priority'"):
        await wi.create(p, "bug", name="No priority", fields={"severity": "Minor"}, required_mode=1)
    bug = await wi.create(p, "bug", name="Crash", fields={"priority": "P0", "severity": "Blocker"})
    (item,) = await wi.get_details(p, "bug", [bug])
    assert item.field("field_d294a8") == {"label": "Blocker", "value": "sev_1"}
    meta_calls = meegle_fake.server.requests_to("get_work_item_creation_metadata")
    assert len(meta_calls) == 2  # story once, bug once


async def test_resource_create_with_fields_at_the_fake(meegle_fake: MeegleFakeFixture) -> None:
    client = meegle_fake.client
    p = meegle_fake.project_key
    rid = await client.resources.create(
        p, "component", fields={"name": "Date picker", "component_version": "1.2.0"}
    )
    await client.resources.update(p, "component", rid, fields={"Tags": ["UX"]})
    (instance,) = await client.resources.get_details(p, "component", [rid])
    assert instance.field("field_0a1b2c") == "1.2.0"
    assert instance.field("field_6b2d31") == [{"label": "UX", "value": "k3x9a4"}]
