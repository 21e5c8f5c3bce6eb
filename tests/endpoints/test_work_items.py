"""client.work_items: what each method sends, what it returns, what it refuses (with nothing
sent), chunking, batch-update polling and the change log walked by id chunk, window and page."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from meegle_async import (
    BatchUpdateProgress,
    BatchUpdateResult,
    ChangeLogPage,
    Expand,
    FieldConfig,
    FieldValuePair,
    MeegleAPIError,
    MeegleBatchUpdateError,
    MeegleClient,
    MeegleInvalidParamsError,
    MeegleMissingIdsError,
    MeegleNotFoundError,
    MeeglePaginationError,
    MeeglePermissionError,
    MeegleRateLimitError,
    MeegleSpaceNotFoundError,
    MeegleStateConflictError,
    MeegleTimeoutError,
    MeegleValidationError,
    OpRecord,
    PollSchedule,
    WorkItem,
    to_dict,
)
from meegle_async.endpoints.work_items import CHANGE_LOG_EARLIEST_MS, CHANGE_LOG_MAX_SPAN_MS
from meegle_async.helpers.windows import DAY_MS
from tests.conftest import Recorded, Stub, fail, ok

FAST = PollSchedule(first_delay=0.01, interval=0.01, backoff=1.5, max_interval=0.03)
T0 = CHANGE_LOG_EARLIEST_MS + 100 * DAY_MS

Answer = Callable[[Recorded], Any]


@pytest.fixture
async def client(client_kwargs: dict[str, Any]) -> AsyncIterator[MeegleClient]:
    rates = {"batch_update_work_item_field": 1000, "get_batch_update_progress": 1000}
    async with MeegleClient(**client_kwargs, default_qps=1000, rate_limits=rates) as c:
        yield c


def answer_with(stub: Stub, answer: Answer) -> None:
    """Answer every call with ``ok(answer(rec))`` (or the web.Response it returns)."""

    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        result = answer(rec)
        return result if isinstance(result, web.StreamResponse) else ok(result)

    stub.handler = handler


def work_item(item_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": item_id,
        "name": f"item {item_id}",
        "work_item_type_key": "story",
        "project_key": "space",
        "template_id": 9,
        "pattern": "Node",
        "current_nodes": [{"id": "dev", "name": "Dev", "owners": ["u1"], "milestone": False}],
        "created_at": 1_700_000_000_000,
        "fields": [
            {"field_key": "priority", "field_alias": "prio", "field_value": {"value": "p1"}},
            {"field_key": "owner", "field_value": "u1", "field_type_key": "user"},
        ],
        "work_item_status": {"state_key": "open", "history": [{"state_key": "new"}]},
        "state_times": [{"state_key": "dev", "start_time": 1, "end_time": 0}],
        **extra,
    }


# -- creation metadata and details -------------------------------------------------------------


async def test_get_creation_metadata(stub: Stub, client: MeegleClient) -> None:
    meta = [
        {
            "field_key": "priority",
            "field_type_key": "select",
            "is_required": 1,
            "options": [
                {"label": "P0", "value": "o0", "children": [{"label": "P0a", "value": "x"}]}
            ],
            "default_value": {"default_appear": 1, "value": "o0"},
            "compound_fields": [{"field_key": "sub"}],
            "new_server_key": [1, 2],
        }
    ]
    answer_with(stub, lambda rec: meta)
    got = await client.work_items.get_creation_metadata("space", "story")
    (rec,) = stub.requests
    assert (rec.method, rec.raw_path, rec.json) == (
        "GET",
        "/open_api/space/work_item/story/meta",
        None,
    )
    assert "X-Idem-UUID" not in rec.headers
    (conf,) = got
    assert isinstance(conf, FieldConfig)
    assert conf.is_required == 1
    assert conf.option_value("P0a") == "x"
    assert conf.option_value("nope") is None
    assert conf.compound_fields == [FieldConfig(field_key="sub")]
    assert conf.extra == {"new_server_key": [1, 2]}
    assert to_dict(got) == meta


async def test_get_details_sends_ids_fields_expand_and_types_the_items(
    stub: Stub, client: MeegleClient
) -> None:
    raw = work_item(
        101,
        brand_new={"kept": True},
        multi_texts=[{"field_key": "d", "field_value": {"doc_text": "hi"}}],
    )
    answer_with(stub, lambda rec: [raw])
    (item,) = await client.work_items.get_details(
        "space", "story", ["101"], fields=["priority", "owner"], expand=Expand(need_workflow=True)
    )
    (rec,) = stub.requests
    assert rec.method == "POST"
    assert rec.raw_path == "/open_api/space/work_item/story/query"
    assert rec.json == {
        "work_item_ids": [101],
        "fields": ["priority", "owner"],
        "expand": {"need_workflow": True},
    }
    assert "X-Idem-UUID" not in rec.headers  # a read sent with POST
    assert isinstance(item, WorkItem)
    assert item.id == 101
    assert item.field("priority") == {"value": "p1"}
    assert item.field("prio") == {"value": "p1"}  # by alias
    assert item.field("missing", "dflt") == "dflt"
    assert item.field_pair("prio") == FieldValuePair(
        field_key="priority", field_alias="prio", field_value={"value": "p1"}
    )
    assert list(item.fields_by_key) == ["priority", "owner"]
    assert item.state_key == "open"
    assert item.current_nodes is not None
    assert item.current_nodes[0].owners == ["u1"]
    assert item.multi_texts is not None
    assert item.multi_texts[0].field_value is not None
    assert item.multi_texts[0].field_value.doc_text == "hi"
    assert item.get("brand_new") == {"kept": True}
    assert to_dict(item) == raw  # every key back, unchanged, nothing added
    await client.work_items.get_details(
        "space", "story", [5], expand={"need_multi_text": True}, missing="skip"
    )
    assert stub.requests[1].json == {"work_item_ids": [5], "expand": {"need_multi_text": True}}


async def test_get_details_with_120_ids_sends_50_a_request_and_keeps_input_order(
    stub: Stub, client: MeegleClient
) -> None:
    ids = [*range(1, 111), *range(1, 11)]  # 120 ids, the first 10 repeated at the end

    # The server answers in its own order (reversed) and skips id 7.
    answer_with(
        stub, lambda rec: [work_item(i) for i in reversed(rec.json["work_item_ids"]) if i != 7]
    )
    items = await client.work_items.get_details("space", "story", ids, missing="skip")
    sizes = sorted(len(r.json["work_item_ids"]) for r in stub.requests)
    assert sizes == [10, 50, 50]
    sent = sorted(i for r in stub.requests for i in r.json["work_item_ids"])
    assert sent == list(range(1, 111))  # each id once
    assert [i.id for i in items] == [i for i in ids if i != 7]
    # Asked to, it reports the missing id, with everything found.
    with pytest.raises(MeegleMissingIdsError) as info:
        await client.work_items.get_details("space", "story", ids, missing="raise")
    assert info.value.missing_ids == [7]
    assert [i.id for i in info.value.found] == [i.id for i in items]


async def test_get_details_with_no_ids_sends_nothing(stub: Stub, client: MeegleClient) -> None:
    assert await client.work_items.get_details("space", "story", []) == []
    assert stub.requests == []


# -- writes -------------------------------------------------------------------------------------


async def test_create_sends_the_body_and_returns_the_id(stub: Stub, client: MeegleClient) -> None:
    answer_with(stub, lambda rec: 9001)
    new_id = await client.work_items.create(
        "space",
        "story",
        name="New",
        template_id=12,
        field_value_pairs=[
            {"field_key": "description", "field_value": "d"},
            FieldValuePair(field_key="role_owners", field_value=[{"role": "rd", "owners": ["u"]}]),
        ],
        required_mode=1,
        idempotency_key="create-1",
    )
    assert new_id == 9001
    (rec,) = stub.requests
    assert (rec.method, rec.raw_path) == ("POST", "/open_api/space/work_item/create")
    assert rec.headers["X-Idem-UUID"] == "create-1"
    assert rec.json == {
        "work_item_type_key": "story",
        "name": "New",
        "template_id": 12,
        "field_value_pairs": [
            {"field_key": "description", "field_value": "d"},
            {"field_key": "role_owners", "field_value": [{"role": "rd", "owners": ["u"]}]},
        ],
        "required_mode": 1,
    }
    await client.work_items.create("space", "story")
    assert stub.requests[1].json == {"work_item_type_key": "story"}
    assert stub.requests[1].headers["X-Idem-UUID"]  # made when not given


async def test_update_delete_abort_resume_freeze(stub: Stub, client: MeegleClient) -> None:
    answer_with(stub, lambda rec: None)
    wi = client.work_items
    assert (
        await wi.update("space", "story", 101, [{"field_key": "name", "field_value": "x"}]) is None
    )
    await wi.delete("space", "story", "101")
    await wi.abort("space", "story", 101, reason_option="other", reason="dup of 7")
    await wi.resume("space", "story", 101, reason_option="restart")
    await wi.freeze("space", 101)
    await wi.unfreeze("space", "101", idempotency_key="uf")
    sent = [(r.method, r.raw_path, r.json) for r in stub.requests]
    item = "/open_api/space/work_item/story/101"
    assert sent == [
        ("PUT", item, {"update_fields": [{"field_key": "name", "field_value": "x"}]}),
        ("DELETE", item, None),
        (
            "PUT",
            item + "/abort",
            {"is_aborted": True, "reason_option": "other", "reason": "dup of 7"},
        ),
        ("PUT", item + "/abort", {"is_aborted": False, "reason_option": "restart"}),
        (
            "PUT",
            "/open_api/work_item/freeze",
            {"project_key": "space", "work_item_id": 101, "is_frozen": True},
        ),
        (
            "PUT",
            "/open_api/work_item/freeze",
            {"project_key": "space", "work_item_id": 101, "is_frozen": False},
        ),
    ]
    assert all(r.headers.get("X-Idem-UUID") for r in stub.requests)
    assert stub.requests[-1].headers["X-Idem-UUID"] == "uf"


async def test_update_compound_field_bodies(stub: Stub, client: MeegleClient) -> None:
    answer_with(stub, lambda rec: {})
    wi = client.work_items
    pair = {"field_key": "step", "field_value": "a"}
    await wi.update_compound_field(
        "space", 101, action="add", field_key="steps", fields=[[pair], [pair]]
    )
    await wi.update_compound_field(
        "space",
        101,
        action="update",
        field_alias="steps_alias",
        group_uuid="g1",
        fields=[FieldValuePair(**pair)],
    )
    await wi.update_compound_field(
        "space", 101, action="delete", field_key="steps", group_uuid="g2"
    )
    bodies = [(r.method, r.raw_path, r.json) for r in stub.requests]
    path = "/open_api/work_item/field_value/update_compound_field"
    base = {"project_key": "space", "work_item_id": 101}
    assert bodies == [
        ("POST", path, {**base, "action": "add", "field_key": "steps", "fields": [[pair], [pair]]}),
        (
            "POST",
            path,
            {
                **base,
                "action": "update",
                "field_alias": "steps_alias",
                "group_uuid": "g1",
                "fields": [[pair]],
            },
        ),
        ("POST", path, {**base, "action": "delete", "field_key": "steps", "group_uuid": "g2"}),
    ]


# -- validation: every rule refuses before anything is sent -------------------------------------

PAIR = {"field_key": "f", "field_value": 1}


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda wi: wi.get_details("space", "story", [1], fields=["a", "-b"]), "one mode"),
        (lambda wi: wi.get_details("space", "story", [1], fields="a"), "list of field keys"),
        (lambda wi: wi.get_details("", "story", [1]), "project_key"),
        (lambda wi: wi.get_details("space", " ", [1]), "work_item_type_key"),
        (lambda wi: wi.get_details("space", "story", [0]), "positive"),
        (lambda wi: wi.get_details("space", "story", [1], expand=3), "Expand"),
        (lambda wi: wi.get_creation_metadata("space", ""), "work_item_type_key"),
        (
            lambda wi: wi.create(
                "space", "story", field_value_pairs=[{"field_key": "name", "field_value": "x"}]
            ),
            "name=",
        ),
        (
            lambda wi: wi.create(
                "space", "story", field_value_pairs=[{"field_key": "template_id", "field_value": 1}]
            ),
            "template_id=",
        ),
        (lambda wi: wi.create("space", "story", field_value_pairs=[PAIR, PAIR]), "once"),
        (
            lambda wi: wi.create("space", "story", field_value_pairs=[{"field_value": 1}]),
            "field_key",
        ),
        (lambda wi: wi.create("space", "story", required_mode=2), "required_mode"),
        (lambda wi: wi.create("space", "story", template_id=True), "template_id"),
        (lambda wi: wi.create("space", "", name="x"), "work_item_type_key"),
        (lambda wi: wi.update("space", "story", 1, []), "empty"),
        (lambda wi: wi.update("space", "story", 1, [PAIR, {"field_alias": "x", **PAIR}]), "once"),
        (lambda wi: wi.update("space", "story", "abc", [PAIR]), "work_item_id"),
        (lambda wi: wi.delete("space", "story", 0), "positive"),
        (
            lambda wi: wi.abort("space", "story", 1, reason_option="restart"),
            "cancel, repeat, test, other",
        ),
        (lambda wi: wi.resume("space", "story", 1, reason_option="cancel"), "restart, rollback"),
        (lambda wi: wi.abort("space", "story", 1, reason_option="other"), "needs a reason"),
        (
            lambda wi: wi.resume("space", "story", 1, reason_option="other", reason=" "),
            "needs a reason",
        ),
        (lambda wi: wi.freeze("", 1), "project_key"),
        (
            lambda wi: wi.update_compound_field(
                "s", 1, action="move", field_key="c", fields=[[PAIR]]
            ),
            "action",
        ),
        (lambda wi: wi.update_compound_field("s", 1, action="add", fields=[[PAIR]]), "exactly one"),
        (
            lambda wi: wi.update_compound_field(
                "s", 1, action="add", field_key="c", field_alias="a", fields=[[PAIR]]
            ),
            "exactly one",
        ),
        (
            lambda wi: wi.update_compound_field(
                "s", 1, action="add", field_key="c", group_uuid="g", fields=[[PAIR]]
            ),
            "group_uuid",
        ),
        (
            lambda wi: wi.update_compound_field(
                "s", 1, action="update", field_key="c", fields=[[PAIR]]
            ),
            "group_uuid",
        ),
        (lambda wi: wi.update_compound_field("s", 1, action="delete", field_key="c"), "group_uuid"),
        (
            lambda wi: wi.update_compound_field("s", 1, action="add", field_key="c"),
            "fields is required",
        ),
        (
            lambda wi: wi.update_compound_field(
                "s", 1, action="update", field_key="c", group_uuid="g"
            ),
            "fields is required",
        ),
        (
            lambda wi: wi.update_compound_field(
                "s", 1, action="update", field_key="c", group_uuid="g", fields=[[PAIR], [PAIR]]
            ),
            "one group",
        ),
        (
            lambda wi: wi.update_compound_field(
                "s", 1, action="add", field_key="c", fields=[[PAIR], PAIR]
            ),
            "mixes",
        ),
        (
            lambda wi: wi.update_compound_field(
                "s", 1, action="add", field_key="c", fields=[[PAIR, PAIR]]
            ),
            "once",
        ),
        (
            lambda wi: wi.batch_update(
                "s", "story", [1], field_key="f", update_mode="SET", after_field_value=1
            ),
            "APPEND, UPDATE, REPLACE",
        ),
        (
            lambda wi: wi.batch_update(
                "s", "story", [1], field_key="f", update_mode="REPLACE", after_field_value=1
            ),
            "before_field_value",
        ),
        (
            lambda wi: wi.batch_update(
                "s",
                "story",
                [1],
                field_key="f",
                update_mode="UPDATE",
                after_field_value=1,
                before_field_value=2,
            ),
            "only used",
        ),
        (
            lambda wi: wi.batch_update(
                "s", "story", [1], field_key="f", update_mode="UPDATE", after_field_value=None
            ),
            "empty value",
        ),
        (
            lambda wi: wi.batch_update(
                "s", "story", [], field_key="f", update_mode="UPDATE", after_field_value=1
            ),
            "empty",
        ),
        (
            lambda wi: wi.batch_update(
                "", "story", [1], field_key="f", update_mode="UPDATE", after_field_value=1
            ),
            "project_key",
        ),
        (
            lambda wi: wi.batch_update(
                "s", "story", [1], field_key="", update_mode="UPDATE", after_field_value=1
            ),
            "field_key",
        ),
        (
            lambda wi: wi.batch_update_and_wait(
                "s",
                "story",
                [1],
                field_key="f",
                update_mode="UPDATE",
                after_field_value=1,
                timeout=0,
            ),
            "timeout",
        ),
        (lambda wi: wi.get_batch_update_progress(""), "task_id"),
    ],
)
async def test_bad_input_is_refused_before_sending(
    stub: Stub, client: MeegleClient, call: Callable[[Any], Awaitable[Any]], match: str
) -> None:
    with pytest.raises(MeegleValidationError, match=match):
        await call(client.work_items)
    assert stub.requests == []


# -- batch update -------------------------------------------------------------------------------


async def test_batch_update_makes_one_task_per_50_ids_with_a_key_each(
    stub: Stub, client: MeegleClient
) -> None:
    answer_with(stub, lambda rec: {"task_id": f"task-{rec.json['work_item_ids'][0]}"})
    ids = [*range(1, 111), *range(1, 11)]  # 120 ids, 10 repeated
    task_ids = await client.work_items.batch_update(
        "space",
        "story",
        ids,
        field_key="priority",
        update_mode="REPLACE",
        before_field_value={"value": "p2"},
        after_field_value={"value": "p1"},
        idempotency_key="bulk",
    )
    assert task_ids == ["task-1", "task-51", "task-101"]  # chunk order
    by_key = {r.headers["X-Idem-UUID"]: r for r in stub.requests}
    assert sorted(by_key) == ["bulk-0", "bulk-1", "bulk-2"]
    assert by_key["bulk-2"].json["work_item_ids"] == list(range(101, 111))
    rec = by_key["bulk-0"]
    assert (rec.method, rec.raw_path) == ("POST", "/open_api/work_item/batch_update")
    assert rec.json == {
        "project_key": "space",
        "work_item_type_key": "story",
        "work_item_ids": list(range(1, 51)),
        "update_mode": "REPLACE",
        "field_key": "priority",
        "before_field_value": {"value": "p2"},
        "after_field_value": {"value": "p1"},
    }
    # Without a key each chunk still gets its own, derived from one made for the call.
    stub.requests.clear()
    await client.work_items.batch_update(
        "space", "story", range(1, 61), field_key="f", update_mode="UPDATE", after_field_value=""
    )
    keys = sorted(r.headers["X-Idem-UUID"] for r in stub.requests)
    assert len(set(keys)) == 2
    assert keys[0][:-2] == keys[1][:-2]
    assert stub.requests[0].json["after_field_value"] == ""


async def test_get_batch_update_progress(stub: Stub, client: MeegleClient) -> None:
    data = {
        "task_id": "t1",
        "task_status": "SUCCESS",
        "total": 3,
        "success_total": 2,
        "error_total": 1,
        "success_sub_task_list": ["1", "2"],
        "fail_sub_task_list": ["3"],
        "error_scenes": ["WorkItemTerminated"],
        "later_key": 1,
    }
    answer_with(stub, lambda rec: data)
    progress = await client.work_items.get_batch_update_progress("t 1")
    (rec,) = stub.requests
    assert (rec.method, rec.path, rec.query) == ("GET", "/open_api/task_result", {"task_id": "t 1"})
    assert isinstance(progress, BatchUpdateProgress)
    assert progress.is_final
    assert progress.success_ids == [1, 2]
    assert progress.failed_ids == [3]
    assert to_dict(progress) == data


class BatchServer:
    """Batch tasks scripted by chunk: each poll of a task pops the next answer of its script."""

    def __init__(self, scripts: list[list[dict[str, Any]]]) -> None:
        self.scripts = scripts
        self.tasks: dict[str, list[dict[str, Any]]] = {}
        self.ids: dict[str, list[int]] = {}
        self.polls: list[str] = []

    def __call__(self, rec: Recorded) -> Any:
        if rec.path == "/open_api/work_item/batch_update":
            n = len(self.tasks)
            task_id = f"task-{n}"
            self.tasks[task_id] = list(self.scripts[n])
            self.ids[task_id] = rec.json["work_item_ids"]
            return {"task_id": task_id}
        task_id = rec.query["task_id"]
        self.polls.append(task_id)
        script = self.tasks[task_id]
        step = script.pop(0) if len(script) > 1 else script[0]
        ids = [str(i) for i in self.ids[task_id]]
        status = step["status"]
        failed = step.get("failed", [])
        done = status in ("SUCCESS", "FAILED")
        return {
            "task_id": task_id,
            "task_status": status,
            "total": len(ids),
            "success_total": len(ids) - len(failed) if done else 0,
            "error_total": len(failed),
            "success_sub_task_list": [i for i in ids if int(i) not in failed] if done else [],
            "fail_sub_task_list": [str(i) for i in failed],
            "error_scenes": step.get("scenes", []),
        }


async def test_batch_update_and_wait_polls_running_to_success_and_sums_up_partial_failures(
    stub: Stub, client: MeegleClient
) -> None:
    server = BatchServer(
        [
            [{"status": "IDLE"}, {"status": "RUNNING"}, {"status": "SUCCESS"}],
            [
                {"status": "RUNNING"},
                {"status": "SUCCESS", "failed": [60, 61], "scenes": ["NoPermissionToModify"]},
            ],
            [
                {
                    "status": "FAILED",
                    "failed": [101],
                    "scenes": ["WorkItemTerminated", "NoPermissionToModify"],
                }
            ],
        ]
    )
    answer_with(stub, server)
    result = await client.work_items.batch_update_and_wait(
        "space",
        "story",
        range(1, 102),
        field_key="priority",
        update_mode="UPDATE",
        after_field_value={"value": "p1"},
        poll_schedule=FAST,
    )
    assert isinstance(result, BatchUpdateResult)
    assert result.task_ids == ["task-0", "task-1", "task-2"]
    assert result.statuses == {"task-0": "SUCCESS", "task-1": "SUCCESS", "task-2": "FAILED"}
    assert result.done
    assert not result.ok
    assert result.failed_ids == [60, 61, 101]
    assert result.success_ids == [i for i in range(1, 101) if i not in (60, 61)]
    assert result.not_updated_ids == [60, 61, 101]
    assert result.error_scenes == ["NoPermissionToModify", "WorkItemTerminated"]
    assert (result.total, result.success_total, result.error_total) == (101, 98, 3)
    assert [t.task_id for t in result.not_ok_tasks] == ["task-1", "task-2"]
    assert server.polls.count("task-0") == 3  # polled until final, then never again
    assert server.polls.count("task-2") == 1
    with pytest.raises(MeegleBatchUpdateError, match="2 of 3 task") as info:
        result.raise_for_failures()
    assert info.value.result is result
    assert "task-2: FAILED" in str(info.value)
    assert to_dict(result)["statuses"] == result.statuses


async def test_batch_update_and_wait_all_success_is_ok(stub: Stub, client: MeegleClient) -> None:
    answer_with(stub, BatchServer([[{"status": "RUNNING"}, {"status": "SUCCESS"}]]))
    result = await client.work_items.batch_update_and_wait(
        "space",
        "story",
        [1, 2],
        field_key="f",
        update_mode="APPEND",
        after_field_value=["u"],
        poll_schedule=FAST,
    )
    assert result.ok
    assert result.raise_for_failures() is result
    assert result.success_ids == [1, 2]
    assert result.not_updated_ids == []


@pytest.mark.parametrize("status", ["CANCELED", "NOT_EXIST"])
async def test_canceled_or_vanished_tasks_are_not_ok(
    stub: Stub, client: MeegleClient, status: str
) -> None:
    answer_with(stub, BatchServer([[{"status": status}]]))
    result = await client.work_items.batch_update_and_wait(
        "space",
        "story",
        [1],
        field_key="f",
        update_mode="UPDATE",
        after_field_value=1,
        poll_schedule=FAST,
    )
    assert result.statuses == {"task-0": status}
    assert not result.ok
    assert result.not_updated_ids == [1]
    with pytest.raises(MeegleBatchUpdateError):
        result.raise_for_failures()


async def test_batch_update_and_wait_timeout_carries_the_progress(
    stub: Stub, client: MeegleClient
) -> None:
    server = BatchServer([[{"status": "SUCCESS"}], [{"status": "RUNNING"}]])
    answer_with(stub, server)
    with pytest.raises(MeegleTimeoutError, match="1 of 2") as info:
        await client.work_items.batch_update_and_wait(
            "space",
            "story",
            range(1, 61),
            field_key="f",
            update_mode="UPDATE",
            after_field_value=1,
            timeout=0.3,
            poll_schedule=FAST,
        )
    progress = info.value.progress
    assert isinstance(progress, BatchUpdateResult)
    assert progress.statuses == {"task-0": "SUCCESS", "task-1": "RUNNING"}
    assert progress.unfinished_task_ids == ["task-1"]
    assert not progress.done
    assert not progress.ok
    assert progress.success_ids == list(range(1, 51))
    assert info.value.endpoint == "get_batch_update_progress"


async def test_a_failed_submission_stops_the_call(stub: Stub, client: MeegleClient) -> None:
    def answer(rec: Recorded) -> Any:
        if rec.path == "/open_api/work_item/batch_update":
            return fail(1000052062, "Project key is wrong")
        return {"task_status": "SUCCESS"}

    answer_with(stub, answer)
    with pytest.raises(MeegleInvalidParamsError) as info:
        await client.work_items.batch_update_and_wait(
            "nope",
            "story",
            [1],
            field_key="f",
            update_mode="UPDATE",
            after_field_value=1,
            poll_schedule=FAST,
        )
    assert info.value.code == 1000052062
    assert all(r.path == "/open_api/work_item/batch_update" for r in stub.requests)


# -- change log ---------------------------------------------------------------------------------


def op_record(work_item_id: int, at: int, n: int = 0) -> dict[str, Any]:
    return {
        "project_key": "space",
        "work_item_type_key": "story",
        "work_item_id": work_item_id,
        "operation_type": "modify",
        "operation_time": at,
        "operator": "u1",
        "operator_type": "user",
        "op_record_module": "field_mod",
        "record_contents": [
            {
                "object": {"object_type": "field", "object_value": "priority"},
                "object_property": "value",
                "old": ["p2"],
                "new": [f"p{n}"],
                "extra": {"why": ["x"]},
                "status_values": [{"object_type": "s", "values": ["a"]}],
            }
        ],
    }


async def test_get_change_log_sends_every_filter_and_returns_a_page(
    stub: Stub, client: MeegleClient
) -> None:
    page = {
        "op_records": [op_record(1, T0)],
        "has_more": True,
        "start_from": "c2",
        "total": 9,
        "new": 1,
    }
    answer_with(stub, lambda rec: page)
    got = await client.work_items.get_change_log(
        "space",
        [1, "2", 1],
        start_from="c1",
        page_size=200,
        operator=["u1"],
        operator_type="user",
        source_type=["auto", "plugin"],
        source=["rule-1"],
        operation_type=["modify", "create"],
        start=T0,
        end=T0 + CHANGE_LOG_MAX_SPAN_MS,
        op_record_module=["field_mod"],
    )
    (rec,) = stub.requests
    assert (rec.method, rec.raw_path) == ("POST", "/open_api/op_record/work_item/list")
    assert "X-Idem-UUID" not in rec.headers
    assert rec.json == {
        "project_key": "space",
        "work_item_ids": [1, 2],
        "start_from": "c1",
        "page_size": 200,
        "operator": ["u1"],
        "operator_type": ["user"],
        "source_type": ["auto", "plugin"],
        "source": ["rule-1"],
        "operation_type": ["modify", "create"],
        "op_record_module": ["field_mod"],
        "start": T0,
        "end": T0 + CHANGE_LOG_MAX_SPAN_MS,
    }
    assert isinstance(got, ChangeLogPage)
    assert got.has_more
    assert got.start_from == "c2"
    assert got.total == 9
    (record,) = got.records
    assert isinstance(record, OpRecord)
    assert record.record_contents is not None
    content = record.record_contents[0]
    assert content.object is not None
    assert content.object.object_value == "priority"
    assert content.extra_info == {"why": ["x"]}
    assert to_dict(got) == page


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"work_item_ids": list(range(1, 52))}, "at most 50"),
        ({"work_item_ids": []}, "empty"),
        ({"page_size": 201}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"start": T0}, "together"),
        ({"end": T0}, "together"),
        ({"start": T0 // 1000, "end": T0 // 1000 + 5}, "13-digit"),
        ({"start": T0, "end": T0 + CHANGE_LOG_MAX_SPAN_MS + 1}, "7 days"),
        ({"start": CHANGE_LOG_EARLIEST_MS - 1, "end": CHANGE_LOG_EARLIEST_MS + 5}, "2024-07-02"),
        ({"start": T0 + 10, "end": T0}, "before start"),
        ({"start": float(T0), "end": T0}, "int timestamp"),
        ({"operator_type": ["robot"]}, "operator_type"),
        ({"source_type": "manual"}, "source_type"),
        ({"operation_type": ["edit"]}, "operation_type"),
        ({"op_record_module": ["x_mod"]}, "op_record_module"),
        ({"operator": [""]}, "operator"),
        ({"start_from": ""}, "start_from"),
        ({"project_key": ""}, "project_key"),
    ],
)
async def test_change_log_rules_refuse_before_sending(
    stub: Stub, client: MeegleClient, kwargs: dict[str, Any], match: str
) -> None:
    args = {"project_key": "space", "work_item_ids": [1], **kwargs}
    with pytest.raises(MeegleValidationError, match=match):
        await client.work_items.get_change_log(
            args.pop("project_key"), args.pop("work_item_ids"), **args
        )
    # iter_change_log checks the same rules (bar the 50-id and 7-day limits) when called.
    if match not in ("at most 50", "7 days", "start_from"):
        it_args = {"project_key": "space", "work_item_ids": [1], **kwargs}
        with pytest.raises(MeegleValidationError, match=match):
            client.work_items.iter_change_log(
                it_args.pop("project_key"), it_args.pop("work_item_ids"), **it_args
            )
    assert stub.requests == []


class ChangeLogServer:
    """Records at known times for known ids; pages of ``page`` records by cursor, start/end
    inclusive; the last page ends with has_more false and an empty cursor."""

    def __init__(self, records: list[dict[str, Any]], page: int = 2) -> None:
        self.records = records
        self.page = page

    def __call__(self, rec: Recorded) -> Any:
        body = rec.json
        assert len(body["work_item_ids"]) <= 50
        if "start" in body:
            assert body["end"] - body["start"] <= CHANGE_LOG_MAX_SPAN_MS
        match = [
            r
            for r in self.records
            if r["work_item_id"] in body["work_item_ids"]
            and ("start" not in body or body["start"] <= r["operation_time"] <= body["end"])
        ]
        offset = int(body.get("start_from") or 0)
        chunk = match[offset : offset + self.page]
        more = offset + self.page < len(match)
        return {
            "op_records": chunk,
            "has_more": more,
            "start_from": str(offset + self.page) if more else "",
            "total": len(match),
        }


async def test_iter_change_log_walks_id_chunks_windows_and_pages_each_record_once(
    stub: Stub, client: MeegleClient
) -> None:
    ids = list(range(1, 61))  # two chunks: 50 + 10
    start, end = T0, T0 + 20 * DAY_MS  # three 7-day windows
    edges = [start, start + CHANGE_LOG_MAX_SPAN_MS, start + CHANGE_LOG_MAX_SPAN_MS + 1, end]
    records = [
        op_record(i, at, n) for n, (i, at) in enumerate((i, at) for i in (1, 2, 55) for at in edges)
    ]
    records.append(op_record(3, start, 99))
    records.append(op_record(3, start, 99))  # identical twins: both are real records
    answer_with(stub, ChangeLogServer(records))
    got = [
        to_dict(r)
        async for r in client.work_items.iter_change_log(
            "space", ids, start=start, end=end, operation_type="modify", page_size=2
        )
    ]

    def canon(values: list[dict[str, Any]]) -> list[str]:
        return sorted(json.dumps(v, sort_keys=True) for v in values)

    assert canon(got) == canon(records)  # each record once, the twins twice
    windows = sorted({(r.json["start"], r.json["end"]) for r in stub.requests})
    assert len(windows) == 3
    for (_, a_end), (b_start, _) in itertools.pairwise(windows):
        assert b_start == a_end + 1  # inclusive bounds that never overlap
    assert windows[0][0] == start
    assert windows[-1][1] == end
    chunks = {tuple(r.json["work_item_ids"]) for r in stub.requests}
    assert chunks == {tuple(range(1, 51)), tuple(range(51, 61))}
    assert any(r.json.get("start_from") for r in stub.requests)  # followed the cursor
    assert all(
        r.json["operation_type"] == ["modify"] and r.json["page_size"] == 2 for r in stub.requests
    )


async def test_iter_change_log_without_a_range_and_a_repeating_cursor(
    stub: Stub, client: MeegleClient
) -> None:
    answer_with(stub, ChangeLogServer([op_record(1, T0, n) for n in range(5)]))
    got = [r async for r in client.work_items.iter_change_log("space", [1])]
    assert len(got) == 5
    assert all("start" not in r.json for r in stub.requests)

    answer_with(
        stub, lambda rec: {"op_records": [op_record(1, T0)], "has_more": True, "start_from": "same"}
    )
    with pytest.raises(MeeglePaginationError):
        async for _ in client.work_items.iter_change_log("space", [1]):
            pass


async def test_iter_change_log_keeps_nothing_it_yielded(stub: Stub, client: MeegleClient) -> None:
    # A long walk: the iterator hands records over page by page instead of collecting them.
    answer_with(stub, ChangeLogServer([op_record(1, T0, n) for n in range(40)], page=4))
    walk = client.work_items.iter_change_log("space", [1])
    first = await walk.__anext__()
    assert first.record_contents is not None
    assert len(stub.requests) == 1  # one page fetched for the first record, not all ten
    rest = [r async for r in walk]
    assert len(rest) == 39
    assert len(stub.requests) == 10


# -- error codes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "code", "cls"),
    [
        (lambda wi: wi.get_creation_metadata("s", "t"), 20044, MeegleStateConflictError),
        (lambda wi: wi.get_creation_metadata("s", "t"), 30014, MeegleNotFoundError),
        (lambda wi: wi.get_details("s", "t", [1], missing="raise"), 30005, MeegleMissingIdsError),
        (lambda wi: wi.get_details("s", "t", [1]), 20028, MeegleInvalidParamsError),
        (lambda wi: wi.create("s", "t"), 50006, MeegleInvalidParamsError),
        (lambda wi: wi.create("s", "t"), 20083, MeegleInvalidParamsError),
        (lambda wi: wi.create("s", "t"), 20038, MeegleInvalidParamsError),
        (lambda wi: wi.update("s", "t", 1, [PAIR]), 20007, MeegleStateConflictError),
        (lambda wi: wi.update("s", "t", 1, [PAIR]), 30009, MeegleNotFoundError),
        (lambda wi: wi.update("s", "t", 1, [PAIR]), 50006, MeeglePermissionError),
        (lambda wi: wi.update("s", "t", 1, [PAIR]), 20090, MeegleInvalidParamsError),
        (lambda wi: wi.update("s", "t", 1, [PAIR]), 20050, MeegleInvalidParamsError),
        (lambda wi: wi.update("s", "t", 1, [PAIR]), 20014, MeegleInvalidParamsError),
        (lambda wi: wi.delete("s", "t", 1), 10001, MeeglePermissionError),
        (lambda wi: wi.delete("s", "t", 1), 20003, MeegleInvalidParamsError),
        (lambda wi: wi.delete("s", "t", 1), 1000051195, MeeglePermissionError),
        (lambda wi: wi.abort("s", "t", 1, reason_option="test"), 20007, MeegleStateConflictError),
        (lambda wi: wi.resume("s", "t", 1, reason_option="test"), 20008, MeegleStateConflictError),
        (
            lambda wi: wi.batch_update(
                "s", "t", [1], field_key="f", update_mode="UPDATE", after_field_value=1
            ),
            50006,
            MeegleInvalidParamsError,
        ),
        (
            lambda wi: wi.batch_update(
                "s", "t", [1], field_key="f", update_mode="UPDATE", after_field_value=1
            ),
            1000052062,
            MeegleSpaceNotFoundError,
        ),
        (lambda wi: wi.freeze("s", 1), 1000052062, MeegleSpaceNotFoundError),
        (
            lambda wi: wi.update_compound_field(
                "s", 1, action="delete", field_key="c", group_uuid="g"
            ),
            1000050244,
            MeegleNotFoundError,
        ),
        (
            lambda wi: wi.update_compound_field(
                "s", 1, action="delete", field_key="c", group_uuid="g"
            ),
            1000050156,
            MeegleInvalidParamsError,
        ),
        (
            lambda wi: wi.update_compound_field(
                "s", 1, action="delete", field_key="c", group_uuid="g"
            ),
            1000050248,
            MeegleNotFoundError,
        ),
        (lambda wi: wi.get_change_log("s", [1]), 20006, MeegleInvalidParamsError),
        (lambda wi: wi.get_change_log("s", [1]), 20005, MeegleInvalidParamsError),
        (lambda wi: wi.get_change_log("s", [1]), 20013, MeegleInvalidParamsError),
    ],
)
async def test_spec_error_codes_map_to_their_exceptions(
    stub: Stub, client: MeegleClient, call: Callable[[Any], Awaitable[Any]], code: int, cls: type
) -> None:
    answer_with(stub, lambda rec: fail(code, "nope"))
    with pytest.raises(MeegleAPIError) as info:
        await call(client.work_items)
    assert type(info.value) is cls
    assert info.value.code == code


async def test_delete_20090_is_retried_then_reported_as_throttled(
    stub: Stub, client: MeegleClient
) -> None:
    answer_with(stub, lambda rec: fail(20090, "intercepted"))
    with pytest.raises(MeegleRateLimitError):
        await client.work_items.delete("s", "t", 1)
    assert len(stub.requests) > 1
    assert len({r.headers["X-Idem-UUID"] for r in stub.requests}) == 1  # one key, every attempt


# -- against the embedded fake server -------------------------------------------------------------


async def test_the_group_against_the_fake_server() -> None:
    from meegle_async.testing import FakeMeegle

    async with FakeMeegle(
        seed_items=80, seed=3, rate_limits=False, batch_task_duration=0.05
    ) as fake:
        ids = [
            i.id
            for i in fake.store.items.values()
            if i.type_key == "story" and i.project_key == fake.project_key and not i.is_resource
        ]
        assert len(ids) > 1
        async with MeegleClient(
            base_url=fake.base_url,
            plugin_id=fake.plugin_id,
            plugin_secret=fake.plugin_secret,
            user_key=fake.user_key,
            default_qps=1000,
            rate_limits={"batch_update_work_item_field": 1000, "get_batch_update_progress": 1000},
        ) as client:
            wi = client.work_items
            items = await wi.get_details(fake.project_key, "story", [*reversed(ids), ids[0]])
            assert [i.id for i in items] == [*reversed(ids), ids[0]]
            meta = await wi.get_creation_metadata(fake.project_key, "story")
            assert any(f.field_key == "description" for f in meta)
            result = await wi.batch_update_and_wait(
                fake.project_key,
                "story",
                ids,
                field_key="description",
                update_mode="UPDATE",
                after_field_value="bulk",
                poll_schedule=FAST,
            )
            assert result.raise_for_failures().ok
            assert sorted(result.success_ids) == sorted(ids)
            after = await wi.get_details(fake.project_key, "story", ids[:3], fields=["description"])
            assert all(i.field("description") == "bulk" for i in after)
            records = [r async for r in wi.iter_change_log(fake.project_key, ids, page_size=7)]
            assert {r.work_item_id for r in records if r.operation_type == "modify"} >= set(ids)
