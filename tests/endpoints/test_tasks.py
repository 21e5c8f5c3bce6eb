"""client.tasks: what each method sends, what it returns, what it refuses, and iter_search past
the 5000-result cap against a loopback server that answers 20094 like the real one."""

from __future__ import annotations

import bisect
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from meegle_async import (
    MeegleAPIError,
    MeegleClient,
    MeegleInvalidParamsError,
    MeegleNotFoundError,
    MeeglePermissionError,
    MeegleRateLimitError,
    MeegleServerError,
    MeegleStateConflictError,
    MeegleTooManyResultsError,
    MeegleValidationError,
    NodeTask,
    TaskSearchItem,
    TaskSearchPage,
    to_dict,
)
from meegle_async.helpers.splitting import MIN_TIMESTAMP_MS
from meegle_async.models import FieldValuePair, RoleOwner, Schedule
from tests.conftest import Recorded, Stub, fail, ok

T0 = 1_700_000_000_000
ITEM = "/open_api/space/work_item/story/1001"


@pytest.fixture
async def client(client_kwargs: dict[str, Any]) -> AsyncIterator[MeegleClient]:
    async with MeegleClient(**client_kwargs, default_qps=1000) as c:
        yield c


def search_item(task_id: str, created: int = T0) -> dict[str, Any]:
    return {
        "work_item_id": 1001,
        "work_item_name": "Story",
        "node_id": "doing",
        "sub_task": {
            "id": task_id,
            "name": f"task {task_id}",
            "owners": ["u1"],
            "schedules": [{"estimate_start_date": created, "points": 1.5}],
            "passed": False,
            "actual_begin_time": str(created),
            "order": 1.25,
            "brand_new_key": {"kept": True},
        },
        "future_key": 7,
    }


# -- search ------------------------------------------------------------------------------------


async def test_search_sends_the_filters_and_returns_a_typed_page(
    stub: Stub, client: MeegleClient
) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return ok([search_item("7001")], pagination={"page_num": 2, "page_size": 10, "total": 11})

    stub.handler = handler
    page = await client.tasks.search(
        project_keys=["p1"],
        simple_names=["doc"],
        name="tests",
        user_keys=["u1", "u2"],
        status=0,
        created_at={"start": T0, "end": T0 + 1000},
        page_num=2,
        page_size=10,
    )
    (rec,) = stub.requests
    assert rec.method == "POST"
    assert rec.raw_path == "/open_api/work_item/subtask/search"
    assert rec.query == {}
    assert rec.json == {
        "project_keys": ["p1"],
        "simple_names": ["doc"],
        "name": "tests",
        "user_keys": ["u1", "u2"],
        "status": 0,
        "created_at": {"start": T0, "end": T0 + 1000},
        "page_num": 2,
        "page_size": 10,
    }
    assert "X-Idem-UUID" not in rec.headers  # a read sent with POST
    assert isinstance(page, TaskSearchPage)
    assert page.total == 11
    (item,) = page.items or []
    assert isinstance(item, TaskSearchItem)
    assert item.work_item_id == 1001
    assert item.node_id == "doing"
    assert item.task_id == "7001"
    assert item.sub_task is not None
    assert item.sub_task.id == "7001"
    assert item.sub_task.int_id == 7001
    assert item.sub_task.actual_begin_time == str(T0)
    assert item.sub_task.schedules is not None
    assert item.sub_task.schedules[0].points == 1.5
    assert to_dict(item) == search_item("7001")  # unknown keys kept, nothing added


async def test_search_with_no_filters_sends_an_empty_body(stub: Stub, client: MeegleClient) -> None:
    stub.handler = lambda request, rec: _ok_async([])
    page = await client.tasks.search(created_at=(T0, T0))
    assert stub.requests[0].json == {"created_at": {"start": T0, "end": T0}}
    assert page.items == []
    await client.tasks.search(created_at={"start": T0})
    assert stub.requests[1].json == {"created_at": {"start": T0}}  # end left out: "until now"


async def _ok_async(data: Any, **extra: Any) -> web.StreamResponse:
    return ok(data, **extra)


# -- get_details -------------------------------------------------------------------------------


async def test_get_details_sends_node_id_as_query_and_returns_nodes(
    stub: Stub, client: MeegleClient
) -> None:
    nodes = [
        {
            "id": "doing",
            "state_key": "doing",
            "node_name": "Doing",
            "template_id": 3,
            "version": 2,
            "sub_tasks": [
                {
                    "id": "7001",
                    "name": "a",
                    "role_assignee": [{"role": "rd", "owners": ["u1"], "name": "RD"}],
                    "deliverable": [{"field_key": "f", "field_value": "x"}],
                    "owner_usage_mode": 1,
                    "actual_finish_time": "",
                }
            ],
        }
    ]
    stub.handler = lambda request, rec: _ok_async(nodes)
    got = await client.tasks.get_details("space", "story", "1001", node_id="doing")
    await client.tasks.get_details("space", "story", 1001)
    first, second = stub.requests
    assert first.method == "GET"
    assert first.raw_path == ITEM + "/workflow/task?node_id=doing"
    assert first.query == {"node_id": "doing"}
    assert first.json is None
    assert second.raw_path == ITEM + "/workflow/task"
    assert second.query == {}
    (node,) = got
    assert isinstance(node, NodeTask)
    assert node.template_id == 3
    assert node.sub_tasks is not None
    task = node.sub_tasks[0]
    assert task.id == "7001"
    assert task.role_assignee == [RoleOwner(role="rd", owners=["u1"])]
    assert task.role_assignee[0].get("name") == "RD"
    assert task.deliverable == [FieldValuePair(field_key="f", field_value="x")]
    assert task.actual_finish_time == ""
    assert to_dict(got) == nodes


# -- writes ------------------------------------------------------------------------------------


async def test_create_sends_every_input_and_returns_the_new_id(
    stub: Stub, client: MeegleClient
) -> None:
    stub.handler = lambda request, rec: _ok_async(7002)
    new_id = await client.tasks.create(
        "space",
        "story",
        1001,
        node_id="doing",
        name="Write tests",
        alias_key="ext",
        assignee=["u1"],
        schedule=Schedule(estimate_start_date=T0, estimate_end_date=T0 + 1, points=2.0),
        note="n",
        field_value_pairs=[{"field_key": "f1", "field_value": 3}, FieldValuePair(field_key="f2")],
        idempotency_key="idem-1",
    )
    assert new_id == 7002
    (rec,) = stub.requests
    assert rec.method == "POST"
    assert rec.raw_path == ITEM + "/workflow/task"
    assert rec.headers["X-Idem-UUID"] == "idem-1"
    assert rec.json == {
        "node_id": "doing",
        "name": "Write tests",
        "alias_key": "ext",
        "assignee": ["u1"],
        "schedule": {"estimate_start_date": T0, "estimate_end_date": T0 + 1, "points": 2.0},
        "note": "n",
        "field_value_pairs": [{"field_key": "f1", "field_value": 3}, {"field_key": "f2"}],
    }


async def test_create_with_role_assignee_and_minimal_body(stub: Stub, client: MeegleClient) -> None:
    stub.handler = lambda request, rec: _ok_async("7003")
    assert (
        await client.tasks.create(
            "space",
            "story",
            "1001",
            node_id="doing",
            name="x",
            role_assignee=[{"role": "rd", "owners": ["u1"]}],
        )
        == 7003
    )
    await client.tasks.create("space", "story", 1001, node_id="doing", name="y")
    assert stub.requests[0].json == {
        "node_id": "doing",
        "name": "x",
        "role_assignee": [{"role": "rd", "owners": ["u1"]}],
    }
    assert stub.requests[1].json == {"node_id": "doing", "name": "y"}
    assert stub.requests[1].headers["X-Idem-UUID"]  # one made for every write


async def test_create_refuses_an_answer_without_an_id(stub: Stub, client: MeegleClient) -> None:
    stub.handler = lambda request, rec: _ok_async({"weird": 1})
    with pytest.raises(MeegleServerError, match="new subtask id"):
        await client.tasks.create("space", "story", 1001, node_id="doing", name="y")


async def test_update_puts_node_and_task_in_the_path(stub: Stub, client: MeegleClient) -> None:
    result = await client.tasks.update(
        "space",
        "story",
        1001,
        "doing",
        "7001",
        name="renamed",
        assignee=["u2"],
        schedule={"estimate_end_date": T0},
        note="",
        deliverable=[{"field_key": "d", "field_value": "link"}],
        update_fields=[{"field_key": "f", "field_value": ["a"]}],
    )
    assert result is None
    (rec,) = stub.requests
    assert rec.method == "POST"
    assert rec.raw_path == ITEM + "/workflow/doing/task/7001"
    assert rec.headers["X-Idem-UUID"]
    assert rec.json == {
        "name": "renamed",
        "assignee": ["u2"],
        "schedule": {"estimate_end_date": T0},
        "note": "",
        "deliverable": [{"field_key": "d", "field_value": "link"}],
        "update_fields": [{"field_key": "f", "field_value": ["a"]}],
    }


@pytest.mark.parametrize(("method", "action"), [("complete", "confirm"), ("rollback", "rollback")])
async def test_complete_and_rollback_send_task_id_as_a_number(
    stub: Stub, client: MeegleClient, method: str, action: str
) -> None:
    call = getattr(client.tasks, method)
    await call(
        "space",
        "story",
        1001,
        node_id="doing",
        task_id="7001",
        role_assignee=[RoleOwner(role="qa", owners=["u3"])],
        schedules=[{"estimate_start_date": T0}],
        deliverable=[{"field_key": "d", "field_value": "x"}],
        note="done",
    )
    await call("space", "story", 1001, node_id="doing", task_id=7001, assignee=["u1"])
    first, second = stub.requests
    assert first.method == "POST"
    assert first.raw_path == ITEM + "/subtask/modify"
    assert first.json == {
        "node_id": "doing",
        "task_id": 7001,
        "action": action,
        "role_assignee": [{"role": "qa", "owners": ["u3"]}],
        "schedules": [{"estimate_start_date": T0}],
        "deliverable": [{"field_key": "d", "field_value": "x"}],
        "note": "done",
    }
    assert second.json == {
        "node_id": "doing",
        "task_id": 7001,
        "action": action,
        "assignee": ["u1"],
    }


async def test_delete_sends_no_body(stub: Stub, client: MeegleClient) -> None:
    assert await client.tasks.delete("space", "story", 1001, "7001", idempotency_key="k") is None
    (rec,) = stub.requests
    assert rec.method == "DELETE"
    assert rec.raw_path == ITEM + "/task/7001"
    assert rec.json is None
    assert rec.headers["X-Idem-UUID"] == "k"


# -- validation: nothing is sent -----------------------------------------------------------------

Call = Callable[[MeegleClient], Awaitable[Any]]
TASK = ("space", "story", 1001)


async def _drain(client: MeegleClient, **kw: Any) -> None:
    async for _ in client.tasks.iter_search(**kw):
        pass


REFUSED: list[tuple[str, Call, str]] = [
    (
        "eleven spaces",
        lambda c: c.tasks.search(
            project_keys=[f"p{i}" for i in range(6)], simple_names=[f"s{i}" for i in range(5)]
        ),
        "at most 10",
    ),
    (
        "eleven spaces in iter_search",
        lambda c: _drain(c, project_keys=[f"p{i}" for i in range(11)]),
        "at most 10",
    ),
    ("status 2", lambda c: c.tasks.search(status=2), "status must be 0"),
    ("status True", lambda c: c.tasks.search(status=True), "status must be 0"),
    ("seconds", lambda c: c.tasks.search(created_at={"start": 1_700_000_000}), "seconds"),
    (
        "start after end",
        lambda c: c.tasks.search(created_at={"start": T0 + 1, "end": T0}),
        "after end",
    ),
    ("end without start", lambda c: c.tasks.search(created_at={"end": T0}), "needs a 'start'"),
    (
        "iter_search start after end",
        lambda c: _drain(c, created_at={"start": T0 + 1, "end": T0}),
        "after end",
    ),
    ("since and created_at", lambda c: _drain(c, since=T0, created_at={"start": T0}), "since"),
    ("since in seconds", lambda c: _drain(c, since=1_700_000_000), "seconds"),
    ("start in the future", lambda c: _drain(c, created_at={"start": 9 * 10**12}), "future"),
    ("page_size 0", lambda c: c.tasks.search(page_size=0), "page_size"),
    ("page_num 0", lambda c: c.tasks.search(page_num=0), "page_num"),
    ("iter page_size", lambda c: _drain(c, page_size=5001), "at most 5000"),
    ("user_keys a string", lambda c: c.tasks.search(user_keys="u1"), "list of strings"),
    ("empty project key", lambda c: c.tasks.search(project_keys=[""]), "project_keys"),
    ("bad work item id", lambda c: c.tasks.get_details("space", "story", "x"), "work_item_id"),
    ("empty node id", lambda c: c.tasks.get_details(*TASK, node_id=""), "node_id"),
    (
        "assignee with role_assignee on create",
        lambda c: c.tasks.create(
            *TASK, node_id="n", name="x", assignee=["u"], role_assignee=[{"role": "r"}]
        ),
        "assignee and role_assignee",
    ),
    (
        "assignee with role_assignee on update",
        lambda c: c.tasks.update(*TASK, "n", "1", assignee=[], role_assignee=[]),
        "assignee and role_assignee",
    ),
    (
        "assignee with role_assignee on complete",
        lambda c: c.tasks.complete(
            *TASK, node_id="n", task_id="1", assignee=["u"], role_assignee=[{"role": "r"}]
        ),
        "assignee and role_assignee",
    ),
    ("create without node_id", lambda c: c.tasks.create(*TASK, node_id="", name="x"), "node_id"),
    ("create without name", lambda c: c.tasks.create(*TASK, node_id="n", name="  "), "name"),
    ("create name None", lambda c: c.tasks.create(*TASK, node_id="n", name=None), "name"),
    (
        "bad schedule",
        lambda c: c.tasks.create(*TASK, node_id="n", name="x", schedule="tomorrow"),
        "schedule",
    ),
    ("update nothing", lambda c: c.tasks.update(*TASK, "n", "1"), "nothing to update"),
    ("update bad task id", lambda c: c.tasks.update(*TASK, "n", "abc", name="x"), "task_id"),
    (
        "action",
        lambda c: c.tasks.complete_or_rollback(*TASK, node_id="n", task_id=1, action="finish"),
        "'confirm'",
    ),
    (
        "complete task id not digits",
        lambda c: c.tasks.complete(*TASK, node_id="n", task_id="t-1"),
        "task_id",
    ),
    ("complete task id zero", lambda c: c.tasks.rollback(*TASK, node_id="n", task_id=0), "task_id"),
    ("delete bad task id", lambda c: c.tasks.delete(*TASK, ""), "task_id"),
    ("empty project", lambda c: c.tasks.delete("", "story", 1001, "1"), "project_key"),
]


@pytest.mark.parametrize(("case", "call", "match"), REFUSED, ids=[r[0] for r in REFUSED])
async def test_bad_input_is_refused_before_sending(
    stub: Stub, client: MeegleClient, case: str, call: Call, match: str
) -> None:
    with pytest.raises(MeegleValidationError, match=match):
        await call(client)
    assert stub.requests == []


# -- error codes of the spec ---------------------------------------------------------------------

ERRORS: list[tuple[str, Call, int, type[MeegleAPIError]]] = []
_CALLS: dict[str, Call] = {
    "get_task_list_across_space": lambda c: c.tasks.search(),
    "get_task_details": lambda c: c.tasks.get_details(*TASK),
    "create_tasks": lambda c: c.tasks.create(*TASK, node_id="n", name="x"),
    "update_tasks": lambda c: c.tasks.update(*TASK, "n", "1", name="x"),
    "complete_or_rollback_tasks": lambda c: c.tasks.complete(*TASK, node_id="n", task_id="1"),
    "delete_tasks": lambda c: c.tasks.delete(*TASK, "1"),
}
_EXPECTED: dict[str, dict[int, type[MeegleAPIError]]] = {
    "get_task_list_across_space": {
        20094: MeegleTooManyResultsError,
        20013: MeegleInvalidParamsError,
        20057: MeegleInvalidParamsError,
        50006: MeegleServerError,
    },
    "get_task_details": {
        20018: MeegleNotFoundError,
        50006: MeegleInvalidParamsError,
        30005: MeegleNotFoundError,
        10001: MeeglePermissionError,
    },
    "create_tasks": {
        20018: MeegleNotFoundError,
        20007: MeegleStateConflictError,
        20005: MeegleInvalidParamsError,
        30005: MeegleNotFoundError,
        20090: MeegleRateLimitError,
        20047: MeegleInvalidParamsError,
        30015: MeegleNotFoundError,
    },
    "update_tasks": {
        20007: MeegleStateConflictError,
        30005: MeegleNotFoundError,
        20046: MeegleNotFoundError,
        20018: MeegleNotFoundError,
        20090: MeegleRateLimitError,
        20050: MeegleInvalidParamsError,
        50006: MeeglePermissionError,
        20047: MeegleInvalidParamsError,
        30009: MeegleNotFoundError,
    },
    "complete_or_rollback_tasks": {
        50006: MeegleStateConflictError,
        30005: MeegleNotFoundError,
        20090: MeegleRateLimitError,
        20082: MeegleInvalidParamsError,
        20046: MeegleNotFoundError,
        20005: MeegleInvalidParamsError,
        20018: MeegleNotFoundError,
        20007: MeegleStateConflictError,
    },
    "delete_tasks": {
        20007: MeegleStateConflictError,
        20090: MeegleRateLimitError,
        30005: MeegleNotFoundError,
    },
}
for _endpoint, _codes in _EXPECTED.items():
    for _code, _cls in _codes.items():
        ERRORS.append((_endpoint, _CALLS[_endpoint], _code, _cls))


@pytest.mark.parametrize(
    ("endpoint", "call", "code", "cls"), ERRORS, ids=[f"{e[0]}-{e[2]}" for e in ERRORS]
)
async def test_spec_error_codes_map_to_their_exception(
    stub: Stub,
    client: MeegleClient,
    endpoint: str,
    call: Call,
    code: int,
    cls: type[MeegleAPIError],
) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return fail(code, "refused")

    stub.handler = handler
    with pytest.raises(MeegleAPIError) as info:
        await call(client)
    assert type(info.value) is cls
    assert info.value.code == code
    assert info.value.endpoint == endpoint


# -- iter_search past the 5000 cap ---------------------------------------------------------------


class SubtaskSearchServer:
    """Plays subtask search over an in-memory list: filters by created_at, refuses more than 5000
    matches with 20094 on any page, pages by page_num / page_size."""

    CAP = 5000

    def __init__(self, created: list[int], *, clamp: int | None = None) -> None:
        self.clamp = clamp
        self.rows = sorted((t, str(90_000 + i)) for i, t in enumerate(created))
        self.stamps = [t for t, _ in self.rows]
        self.refused = 0
        self.bodies: list[dict[str, Any]] = []

    async def __call__(self, request: web.Request, rec: Recorded) -> web.StreamResponse:
        body = rec.json
        self.bodies.append(body)
        window = body.get("created_at") or {}
        lo = window.get("start", 0)
        hi = window.get("end", int(time.time() * 1000))
        first = bisect.bisect_left(self.stamps, lo)
        last = bisect.bisect_right(self.stamps, hi)
        total = last - first
        if total > self.CAP:
            self.refused += 1
            return fail(20094, "Search result exceeds 5000")
        page_num = body.get("page_num", 1)
        page_size = body.get("page_size", 50)
        if self.clamp is not None:
            page_size = min(page_size, self.clamp)  # a silent server-side maximum
        start = first + (page_num - 1) * page_size
        rows = self.rows[start : min(start + page_size, last)]
        data = [search_item(task_id, created=t) for t, task_id in rows]
        return ok(data, pagination={"page_num": page_num, "page_size": page_size, "total": total})


async def test_iter_search_returns_every_subtask_once_past_the_cap(
    stub: Stub, client: MeegleClient
) -> None:
    dense = [T0 + i // 2 for i in range(6000)]  # two per millisecond: every edge has items
    spread = [T0 + 10_000 + i * 997 for i in range(5500)]
    burst = [T0 + 9_000_000 + (i % 5) for i in range(800)]
    server = SubtaskSearchServer(dense + spread + burst)
    stub.handler = server
    started = time.monotonic()

    got = [
        item
        async for item in client.tasks.iter_search(
            project_keys=["space"],
            status=0,
            created_at={"start": T0, "end": T0 + 100_000_000},
            page_size=200,
        )
    ]

    ids = [item.task_id for item in got]
    assert len(got) == 12_300 > 5000
    assert len(set(ids)) == len(ids)  # never twice
    assert set(ids) == {task_id for _, task_id in server.rows}  # none missed
    created = [int(item.sub_task.actual_begin_time) for item in got]  # type: ignore[union-attr, arg-type]
    assert created == sorted(created)  # windows walked earliest first
    assert server.refused >= 2
    for body in server.bodies:
        assert body["project_keys"] == ["space"]
        assert body["status"] == 0
        assert body["page_size"] == 200
        assert T0 <= body["created_at"]["start"] <= body["created_at"]["end"] <= T0 + 100_000_000
    assert time.monotonic() - started < 10


async def test_iter_search_default_range_runs_from_the_first_13_digit_ms_to_now(
    stub: Stub, client: MeegleClient
) -> None:
    server = SubtaskSearchServer([T0, T0 + 1])
    stub.handler = server
    before = int(time.time() * 1000)
    got = [item async for item in client.tasks.iter_search()]
    after = int(time.time() * 1000)
    assert [i.task_id for i in got] == ["90000", "90001"]
    (body,) = server.bodies
    assert body["created_at"]["start"] == MIN_TIMESTAMP_MS
    assert before <= body["created_at"]["end"] <= after
    assert body["page_num"] == 1
    assert body["page_size"] == 50


async def test_iter_search_start_only_ends_now_and_since_sets_the_start(
    stub: Stub, client: MeegleClient
) -> None:
    server = SubtaskSearchServer([])
    stub.handler = server
    before = int(time.time() * 1000)
    assert [i async for i in client.tasks.iter_search(created_at={"start": T0})] == []
    assert [i async for i in client.tasks.iter_search(since=T0 + 5)] == []
    first, second = server.bodies
    assert first["created_at"]["start"] == T0
    assert first["created_at"]["end"] >= before
    assert second["created_at"]["start"] == T0 + 5
    assert second["created_at"]["end"] >= before


async def test_iter_search_raises_when_one_millisecond_exceeds_the_cap(
    stub: Stub, client: MeegleClient
) -> None:
    server = SubtaskSearchServer([T0 + 3] * 5001)
    stub.handler = server
    with pytest.raises(MeegleTooManyResultsError, match="single millisecond") as info:
        async for _ in client.tasks.iter_search(created_at={"start": T0, "end": T0 + 7}):
            pass
    assert info.value.endpoint == "get_task_list_across_space"
    assert server.refused == 4  # [T0, T0+7], [T0, T0+3], [T0+2, T0+3], [T0+3, T0+3]


async def test_iter_search_follows_a_server_that_serves_smaller_pages_than_asked(
    stub: Stub, client: MeegleClient
) -> None:
    server = SubtaskSearchServer([T0 + i for i in range(5400)], clamp=100)
    stub.handler = server
    got = [
        item.task_id
        async for item in client.tasks.iter_search(
            created_at={"start": T0, "end": T0 + 10_000}, page_size=500
        )
    ]
    assert sorted(got) == sorted(task_id for _, task_id in server.rows)
    assert len(set(got)) == len(got) == 5400
