"""client.relations: the exact requests (loopback stub), refusals with nothing sent, documented
error codes as typed errors, search_by_relation's 5000 cap, and the relation flows against the
fake (bind and unbind both ways, story links, search by a relation field, an end-to-end flow)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from meegle_async import (
    ENDPOINTS,
    MeegleClient,
    MeegleInvalidParamsError,
    MeegleNotFoundError,
    MeeglePermissionError,
    MeegleStateConflictError,
    MeegleTooManyResultsError,
    MeegleValidationError,
    ProjectRelationRules,
    RelationInstance,
    StoryRelations,
    WorkItemRelation,
    to_dict,
)
from meegle_async.testing import FakeMeegle
from meegle_async.transport.limits import RateTable
from tests.conftest import Recorded, Stub, fail, ok

ITEM = "/open_api/space/relation/story/1001"
DETAILS = [{"project_key": "space", "work_item_type_key": "bug"}]


@pytest.fixture
async def client(client_kwargs: dict[str, Any]) -> AsyncIterator[MeegleClient]:
    async with MeegleClient(**client_kwargs, default_qps=1000, max_retries=0) as c:
        yield c


def answer(data: Any = None, **extra: Any) -> Any:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return ok(data, **extra)

    return handler


def refuse(code: int, msg: str = "refused") -> Any:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return fail(code, msg)

    return handler


def work_item(wid: int) -> dict[str, Any]:
    return {"id": wid, "name": f"item {wid}", "work_item_type_key": "bug", "fields": []}


# -- relation definitions ----------------------------------------------------------------------


async def test_list_gets_the_space_relations(stub: Stub, client: MeegleClient) -> None:
    relation = {
        "id": "r1",
        "name": "Blocks",
        "disabled": False,
        "work_item_type_key": "story",
        "relation_details": [{"project_key": "space", "work_item_type_key": "bug", "x": 1}],
        "relation_type": 0,
    }
    stub.handler = answer([relation])
    (got,) = await client.relations.list("space")
    (rec,) = stub.requests
    assert (rec.method, rec.raw_path) == ("GET", "/open_api/space/work_item/relation")
    assert isinstance(got, WorkItemRelation)
    assert got.relation_details is not None
    assert got.relation_details[0].work_item_type_key == "bug"
    assert to_dict(got) == relation


async def test_create_update_delete_send_the_documented_bodies(
    stub: Stub, client: MeegleClient
) -> None:
    stub.handler = answer({"relation_id": "uuid-1"})
    rid = await client.relations.create("space", "story", name="Blocks", relation_details=DETAILS)
    assert rid == "uuid-1"
    await client.relations.update(
        "space", rid, work_item_type_key="story", name="Blocks 2", relation_details=DETAILS
    )
    await client.relations.delete("space", rid)
    create, update, delete = stub.requests
    assert (create.method, create.raw_path) == ("POST", "/open_api/work_item/relation/create")
    assert create.json == {
        "project_key": "space",
        "work_item_type_key": "story",
        "name": "Blocks",
        "relation_details": DETAILS,
    }
    assert update.raw_path == "/open_api/work_item/relation/update"
    assert update.json == {
        "project_key": "space",
        "relation_id": "uuid-1",
        "work_item_type_key": "story",
        "name": "Blocks 2",
        "relation_details": DETAILS,
    }
    assert (delete.method, delete.raw_path) == ("DELETE", "/open_api/work_item/relation/delete")
    assert delete.json == {"project_key": "space", "relation_id": "uuid-1"}
    assert all(r.headers["X-Idem-UUID"] for r in stub.requests)


@pytest.mark.parametrize(
    "details",
    [None, [], [{"project_key": "space"}], [{"work_item_type_key": "bug"}], "space", [5]],
)
async def test_create_refuses_bad_targets_before_sending(
    stub: Stub, client: MeegleClient, details: Any
) -> None:
    with pytest.raises(MeegleValidationError):
        await client.relations.create("space", "story", name="x", relation_details=details)
    with pytest.raises(MeegleValidationError):
        await client.relations.create("space", "story", name=" ", relation_details=DETAILS)
    assert stub.requests == []


@pytest.mark.parametrize(
    ("code", "error"),
    [(50006, MeegleInvalidParamsError), (10001, MeeglePermissionError)],
)
async def test_create_codes_are_typed(
    stub: Stub, client: MeegleClient, code: int, error: type[Exception]
) -> None:
    stub.handler = refuse(code)
    with pytest.raises(error):
        await client.relations.create("space", "story", name="x", relation_details=DETAILS)


async def test_delete_of_a_missing_relation_is_not_found(stub: Stub, client: MeegleClient) -> None:
    stub.handler = refuse(50006, "RPC call error")
    with pytest.raises(MeegleNotFoundError):
        await client.relations.delete("space", "gone")


# -- space association -------------------------------------------------------------------------


async def test_rules_instances_bind_unbind_requests(stub: Stub, client: MeegleClient) -> None:
    rules = [{"remote_project_key": "ops", "rules": [{"id": "r1", "disabled": 0}]}]
    stub.handler = answer(rules)
    (group,) = await client.relations.get_rules("space", remote_projects=["ops"])
    assert isinstance(group, ProjectRelationRules)
    assert group.rules is not None
    assert group.rules[0].disabled == 0
    stub.handler = answer([{"relation_work_item_id": 2002, "relation_project_key": "ops"}])
    (bound,) = await client.relations.list_instances(
        "space",
        "story",
        1001,
        relation_rule_id="r1",
        relation_work_item_id="2002",
        relation_work_item_type_key="story",
        relation_project_key="ops",
    )
    assert isinstance(bound, RelationInstance)
    assert bound.relation_work_item_id == 2002
    stub.handler = answer({})
    await client.relations.bind(
        "space",
        "story",
        1001,
        [{"project_key": "ops", "work_item_type_key": "story", "work_item_id": "2002"}],
        relation_rule_id="r1",
    )
    await client.relations.unbind("space", "story", 1001, relation_work_item_id=2002)
    rule_rec, list_rec, bind_rec, unbind_rec = stub.requests
    assert (rule_rec.raw_path, rule_rec.json) == (
        "/open_api/space/relation/rules",
        {"remote_projects": ["ops"]},
    )
    assert "X-Idem-UUID" not in rule_rec.headers
    assert (list_rec.raw_path, list_rec.json) == (
        ITEM + "/work_item_list",
        {
            "relation_rule_id": "r1",
            "relation_work_item_id": 2002,
            "relation_work_item_type_key": "story",
            "relation_project_key": "ops",
        },
    )
    assert "X-Idem-UUID" not in list_rec.headers
    assert (bind_rec.raw_path, bind_rec.json) == (
        ITEM + "/batch_bind",
        {
            "instances": [
                {"project_key": "ops", "work_item_type_key": "story", "work_item_id": 2002}
            ],
            "relation_rule_id": "r1",
        },
    )
    assert bind_rec.headers["X-Idem-UUID"]
    assert (unbind_rec.method, unbind_rec.raw_path, unbind_rec.json) == (
        "DELETE",
        ITEM,
        {"relation_work_item_id": 2002},
    )


@pytest.mark.parametrize(
    "instances",
    [[], [{}], [{"work_item_id": "x"}], [{"work_item_id": 0}], "2002", [{"work_item_id": True}]],
)
async def test_bind_refuses_bad_instances_before_sending(
    stub: Stub, client: MeegleClient, instances: Any
) -> None:
    with pytest.raises(MeegleValidationError):
        await client.relations.bind("space", "story", 1001, instances)
    assert stub.requests == []


@pytest.mark.parametrize(
    ("code", "error"),
    [(1000051617, MeegleStateConflictError), (30015, MeegleNotFoundError)],
)
async def test_bind_codes_are_typed(
    stub: Stub, client: MeegleClient, code: int, error: type[Exception]
) -> None:
    stub.handler = refuse(code)
    with pytest.raises(error) as info:
        await client.relations.bind("space", "story", 1001, [{"work_item_id": 2}])
    assert info.value.code == code  # type: ignore[attr-defined]


async def test_list_instances_too_many_records_is_typed(stub: Stub, client: MeegleClient) -> None:
    stub.handler = refuse(50006, "Too many records")
    with pytest.raises(MeegleTooManyResultsError):
        await client.relations.list_instances("space", "story", 1001)


# -- story relations ---------------------------------------------------------------------------


async def test_story_relations_requests(stub: Stub, client: MeegleClient) -> None:
    stub.handler = answer({"1001": 1002})
    made = await client.relations.create_story_relations(
        "space", [{"local_work_item_id": "1001", "remote_work_item_id": 1002, "relation_id": "r"}]
    )
    assert made == {"1001": 1002}
    stub.handler = answer(
        {"work_item_project_map": {"1001": "space", "1002": "ops"}, "value": {"1001": [1002]}}
    )
    links = await client.relations.query_story_relations("space", [1001])
    assert isinstance(links, StoryRelations)
    assert links.linked(1001) == [1002]
    assert links.linked("7") == []
    assert links.project_of(1002) == "ops"
    create, query = stub.requests
    assert (create.raw_path, create.json) == (
        "/open_api/space/story_relations/create",
        {
            "story_relations": [
                {"local_work_item_id": 1001, "remote_work_item_id": 1002, "relation_id": "r"}
            ]
        },
    )
    assert (query.raw_path, query.json) == (
        "/open_api/space/story_relations/query",
        {"work_item_ids": [1001]},
    )
    with pytest.raises(MeegleValidationError):
        await client.relations.create_story_relations("space", [{"local_work_item_id": 1}])
    with pytest.raises(MeegleValidationError):
        await client.relations.query_story_relations("space", [])
    assert len(stub.requests) == 2


# -- search by relation ------------------------------------------------------------------------


SEARCH = "/open_api/space/work_item/story/1001/search_by_relation"


def test_search_by_relation_is_limited_to_10_per_second() -> None:
    assert ENDPOINTS["search_work_items_relation"].qps == 10
    assert RateTable().qps("search_work_items_relation") == 10


async def test_search_sends_the_body_and_returns_work_items(
    stub: Stub, client: MeegleClient
) -> None:
    stub.handler = answer([work_item(5)], pagination={"page_num": 1, "page_size": 50, "total": 1})
    page = await client.relations.search(
        "space",
        "story",
        1001,
        relation_work_item_type_key="bug",
        relation_key="field_x",
        relation_type=0,
        expand={"need_workflow": True},
        page_num=1,
        page_size=50,
    )
    (rec,) = stub.requests
    assert (rec.method, rec.raw_path) == ("POST", SEARCH)
    assert rec.json == {
        "relation_work_item_type_key": "bug",
        "relation_key": "field_x",
        "relation_type": 0,
        "expand": {"need_workflow": True},
        "page_num": 1,
        "page_size": 50,
    }
    assert "X-Idem-UUID" not in rec.headers
    assert page.total == 1
    assert [w.id for w in page.items or []] == [5]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"page_size": 51},
        {"relation_type": 2},
        {"relation_type": True},
        {"relation_key": ""},
        {"relation_work_item_type_key": None},
    ],
)
async def test_search_refuses_bad_input_before_sending(
    stub: Stub, client: MeegleClient, kwargs: dict[str, Any]
) -> None:
    args: dict[str, Any] = {"relation_work_item_type_key": "bug", "relation_key": "k", **kwargs}
    with pytest.raises(MeegleValidationError):
        await client.relations.search("space", "story", 1001, **args)
    assert stub.requests == []


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (20055, MeegleTooManyResultsError),
        (30018, MeegleNotFoundError),
        (20060, MeegleInvalidParamsError),
    ],
)
async def test_search_codes_are_typed(
    stub: Stub, client: MeegleClient, code: int, error: type[Exception]
) -> None:
    stub.handler = refuse(code)
    with pytest.raises(error):
        await client.relations.search(
            "space", "story", 1001, relation_work_item_type_key="bug", relation_key="k"
        )


async def test_iter_search_walks_pages(stub: Stub, client: MeegleClient) -> None:
    items = [work_item(i) for i in range(1, 8)]

    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        num, size = rec.json["page_num"], rec.json["page_size"]
        chunk = items[(num - 1) * size : num * size]
        return ok(chunk, pagination={"page_num": num, "page_size": size, "total": 7})

    stub.handler = handler
    got = [
        w.id
        async for w in client.relations.iter_search(
            "space", "story", 1001, relation_work_item_type_key="bug", relation_key="k", page_size=3
        )
    ]
    assert got == [1, 2, 3, 4, 5, 6, 7]
    assert [r.json["page_num"] for r in stub.requests] == [1, 2, 3]


async def test_iter_search_past_5000_raises_a_clear_error_before_yielding(
    stub: Stub, client: MeegleClient
) -> None:
    stub.handler = answer(
        [work_item(i) for i in range(50)],
        pagination={"page_num": 1, "page_size": 50, "total": 5001},
    )
    yielded: list[Any] = []

    async def walk() -> None:
        async for w in client.relations.iter_search(
            "space", "story", 1001, relation_work_item_type_key="bug", relation_key="k"
        ):
            yielded.append(w)

    with pytest.raises(MeegleTooManyResultsError, match="5000") as info:
        await walk()
    assert yielded == []
    assert "5001" in str(info.value)
    assert len(stub.requests) == 1


async def test_iter_search_refused_by_the_server_explains_the_cap(
    stub: Stub, client: MeegleClient
) -> None:
    stub.handler = refuse(20055, "Search result exceeds 5000")
    with pytest.raises(MeegleTooManyResultsError, match="cannot be narrowed") as info:
        async for _ in client.relations.iter_search(
            "space", "story", 1001, relation_work_item_type_key="bug", relation_key="k"
        ):
            pass
    assert info.value.code == 20055
    assert len(stub.requests) == 1


# -- against the fake --------------------------------------------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeMeegle]:
    async with FakeMeegle(seed_items=60, seed=5, rate_limits=False) as server:
        yield server


@pytest.fixture
async def fclient(fake: FakeMeegle) -> AsyncIterator[MeegleClient]:
    async with MeegleClient(
        base_url=fake.base_url,
        plugin_id=fake.plugin_id,
        plugin_secret=fake.plugin_secret,
        user_key=fake.user_key,
    ) as c:
        yield c


def stories(fake: FakeMeegle, project_key: str) -> list[int]:
    return sorted(
        i.id
        for i in fake.store.items.values()
        if i.type_key == "story" and i.project_key == project_key and not i.is_resource
    )


async def test_fake_bind_is_seen_from_both_sides_and_unbind_removes_both(
    fake: FakeMeegle, fclient: MeegleClient
) -> None:
    here, there = stories(fake, "space_demo")[0], stories(fake, "space_ops")[0]
    (group,) = await fclient.relations.get_rules("space_demo", remote_projects=["space_ops"])
    rule = next(r for r in group.rules or [] if r.current_work_item_type_key == "story")
    assert rule.id is not None
    instance = {"project_key": "space_ops", "work_item_type_key": "story", "work_item_id": there}
    await fclient.relations.bind("space_demo", "story", here, [instance], relation_rule_id=rule.id)
    (mine,) = await fclient.relations.list_instances("space_demo", "story", here)
    (theirs,) = await fclient.relations.list_instances("space_ops", "story", there)
    assert (mine.relation_work_item_id, mine.relation_project_key) == (there, "space_ops")
    assert mine.project_relation_rule_id == rule.id
    assert (theirs.relation_work_item_id, theirs.relation_project_key) == (here, "space_demo")
    with pytest.raises(MeegleStateConflictError):
        await fclient.relations.bind("space_demo", "story", here, [instance])
    await fclient.relations.unbind("space_ops", "story", there, relation_work_item_id=here)
    assert await fclient.relations.list_instances("space_demo", "story", here) == []
    assert await fclient.relations.list_instances("space_ops", "story", there) == []
    with pytest.raises(MeegleInvalidParamsError):
        await fclient.relations.unbind("space_demo", "story", here, relation_work_item_id=there)
    with pytest.raises(MeegleNotFoundError):
        await fclient.relations.bind("space_demo", "story", here, [{"work_item_id": 999}])


async def test_fake_relation_definitions_behave(fake: FakeMeegle, fclient: MeegleClient) -> None:
    rid = await fclient.relations.create(
        "space_demo",
        "story",
        name="Blocks",
        relation_details=[{**DETAILS[0], "project_key": "space_ops"}],
    )
    with pytest.raises(MeegleInvalidParamsError) as info:
        await fclient.relations.create(
            "space_demo",
            "bug",
            name="Blocks",
            relation_details=[{**DETAILS[0], "project_key": "space_demo"}],
        )
    assert info.value.code == 50006
    await fclient.relations.update(
        "space_demo",
        rid,
        work_item_type_key="story",
        name="Blocked by",
        relation_details=[{"project_key": "space_demo", "work_item_type_key": "story"}],
    )
    (rel,) = await fclient.relations.list("space_demo")
    assert (rel.id, rel.name) == (rid, "Blocked by")
    assert [(d.project_key, d.work_item_type_key) for d in rel.relation_details or []] == [
        ("space_demo", "story")
    ]
    assert await fclient.relations.list("space_ops") == []
    await fclient.relations.delete("space_demo", rid)
    assert await fclient.relations.list("space_demo") == []
    with pytest.raises(MeegleNotFoundError):
        await fclient.relations.delete("space_demo", rid)


async def test_end_to_end_item_comment_reply_relate_read_back(
    fake: FakeMeegle, fclient: MeegleClient
) -> None:
    other = stories(fake, "space_demo")[0]
    new = await fclient.work_items.create("space_demo", "story", name="End to end")
    cid = await fclient.comments.create_v2(
        "space_demo", work_item_type_key="story", work_item_id=new, text="Please review"
    )
    await fclient.comments.reply("space_demo", cid, text="Reviewed")
    rid = await fclient.relations.create(
        "space_demo",
        "story",
        name="Depends on",
        relation_details=[{"project_key": "space_demo", "work_item_type_key": "story"}],
    )
    await fclient.relations.create_story_relations(
        "space_demo",
        [{"local_work_item_id": new, "remote_work_item_id": other, "relation_id": rid}],
    )
    field_key = await fclient.fields.create(
        "space_demo",
        "story",
        field_name="Depends on",
        field_type_key="work_item_related_multi_select",
        work_item_relation_uuid=rid,
    )
    await fclient.work_items.update(
        "space_demo", "story", new, [{"field_key": field_key, "field_value": [other]}]
    )

    (comment,) = [c async for c in fclient.comments.iter("space_demo", "story", new)]
    assert comment.content == "Please review"
    (reply,) = [c async for c in fclient.comments.iter_query("space_demo", parent_id=cid)]
    assert reply.text == "Reviewed"
    links = await fclient.relations.query_story_relations("space_demo", [new])
    assert links.linked(new) == [other]
    assert links.project_of(other) == "space_demo"
    related = [
        w.id
        async for w in fclient.relations.iter_search(
            "space_demo", "story", new, relation_work_item_type_key="story", relation_key=field_key
        )
    ]
    assert related == [other]
    with pytest.raises(MeegleNotFoundError) as info:
        await fclient.relations.search(
            "space_demo", "story", new, relation_work_item_type_key="story", relation_key="name"
        )
    assert info.value.code == 30018


async def test_fake_a_lost_bind_answer_is_retried_without_a_duplicate_error(
    fake: FakeMeegle, fclient: MeegleClient
) -> None:
    here, there = stories(fake, "space_demo")[0], stories(fake, "space_ops")[0]
    fake.faults.inject("create_project_relation_instances", "drop_after")
    await fclient.relations.bind(
        "space_demo",
        "story",
        here,
        [{"project_key": "space_ops", "work_item_type_key": "story", "work_item_id": there}],
    )
    sent = fake.requests_to("create_project_relation_instances")
    assert len(sent) == 2
    assert sent[0].headers["X-Idem-UUID"] == sent[1].headers["X-Idem-UUID"]
    (bound,) = await fclient.relations.list_instances("space_demo", "story", here)
    assert bound.relation_work_item_id == there
