"""A batch update whose chunk 2 of 4 is refused: the error says what was accepted and what was
not, and a re-run with the key it names applies nothing twice (issue 15 item 8)."""

from __future__ import annotations

import pickle
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from meegle_async import (
    MeegleBatchSubmitError,
    MeegleBatchUpdateError,
    MeegleClient,
    MeegleInvalidParamsError,
    PollSchedule,
)
from tests.conftest import Recorded, Stub, fail, ok

FAST = PollSchedule(first_delay=0.01, interval=0.01, backoff=1.5, max_interval=0.03)
IDS = list(range(1001, 1201))  # 200 ids: 4 chunks of 50
ARGS: dict[str, Any] = {"field_key": "priority", "update_mode": "UPDATE", "after_field_value": 1}


@pytest.fixture
async def client(client_kwargs: dict[str, Any]) -> AsyncIterator[MeegleClient]:
    rates = {"batch_update_work_item_field": 1000, "get_batch_update_progress": 1000}
    async with MeegleClient(**client_kwargs, default_qps=1000, rate_limits=rates) as c:
        yield c


class BatchServer:
    """Plays the batch endpoints: one task per new X-Idem-UUID (the same task for a key seen
    before, as the server does), refusing the chunk whose key ends in ``-{refuse}``."""

    def __init__(self, refuse: int | None) -> None:
        self.refuse = refuse
        self.tasks: dict[str, str] = {}  # key -> task id
        self.applied: list[int] = []  # every work item id a task was started for

    async def __call__(self, request: web.Request, rec: Recorded) -> web.StreamResponse:
        if rec.path == "/open_api/task_result":
            return ok({"task_id": rec.query["task_id"], "task_status": "SUCCESS"})
        key = rec.headers["X-Idem-UUID"]
        if self.refuse is not None and key.endswith(f"-{self.refuse}"):
            return fail(20006, "field value invalid", **{"X-Tt-Logid": "log-chunk-2"})
        if key not in self.tasks:
            self.tasks[key] = f"task-{len(self.tasks)}"
            self.applied.extend(rec.json["work_item_ids"])
        return ok({"task_id": self.tasks[key]})


def _batch_calls(stub: Stub) -> list[Recorded]:
    return [r for r in stub.requests if r.path == "/open_api/work_item/batch_update"]


async def test_chunk_two_of_four_refused_names_what_was_accepted(
    stub: Stub, client: MeegleClient
) -> None:
    server = BatchServer(refuse=1)
    stub.handler = server
    with pytest.raises(MeegleBatchSubmitError) as info:
        await client.work_items.batch_update("space", "story", IDS, **ARGS)
    err = info.value
    assert isinstance(err, MeegleBatchUpdateError)
    assert err.submitted == {0: "task-0"}
    assert err.task_ids == ["task-0"]
    assert err.submitted_ids == IDS[:50]
    assert err.failed_chunk == 1
    assert err.not_submitted_ids == IDS[50:]
    assert (err.code, err.log_id, err.endpoint) == (
        20006,
        "log-chunk-2",
        "batch_update_work_item_field",
    )
    assert isinstance(err.error, MeegleInvalidParamsError)
    assert err.__cause__ is err.error
    assert err.result.task_ids == ["task-0"]
    # The key made for the call is the one every chunk was sent with.
    calls = _batch_calls(stub)
    assert [r.headers["X-Idem-UUID"] for r in calls] == [
        f"{err.idempotency_key}-0",
        f"{err.idempotency_key}-1",
    ]
    assert "chunk 2 of 4" in str(err)
    assert err.idempotency_key in str(err)
    assert "20006" in str(err)
    assert "log-chunk-2" in str(err)
    # Chunks 3 and 4 were never sent.
    assert len(calls) == 2

    # The documented resume: same ids, the key from the error. Nothing is applied twice.
    server.refuse = None
    task_ids = await client.work_items.batch_update(
        "space", "story", IDS, **ARGS, idempotency_key=err.idempotency_key
    )
    assert task_ids == ["task-0", "task-1", "task-2", "task-3"]
    assert server.applied == IDS  # each id once

    copy = pickle.loads(pickle.dumps(err))
    assert (copy.submitted, copy.not_submitted_ids, copy.idempotency_key) == (
        err.submitted,
        err.not_submitted_ids,
        err.idempotency_key,
    )


async def test_a_refused_first_chunk_raises_the_error_as_it_is(
    stub: Stub, client: MeegleClient
) -> None:
    stub.handler = BatchServer(refuse=0)
    with pytest.raises(MeegleInvalidParamsError) as info:
        await client.work_items.batch_update("space", "story", IDS, **ARGS, idempotency_key="k")
    assert not isinstance(info.value, MeegleBatchSubmitError)
    assert len(_batch_calls(stub)) == 1


async def test_batch_update_and_wait_carries_the_accepted_tasks_and_their_progress(
    stub: Stub, client: MeegleClient
) -> None:
    server = BatchServer(refuse=2)
    stub.handler = server
    with pytest.raises(MeegleBatchSubmitError) as info:
        await client.work_items.batch_update_and_wait(
            "space", "story", IDS, **ARGS, idempotency_key="sweep", poll_schedule=FAST
        )
    err = info.value
    assert err.idempotency_key == "sweep"
    assert err.submitted == {0: "task-0", 1: "task-1"}
    assert err.not_submitted_ids == IDS[100:]
    assert [t.task_id for t in err.result.tasks] == ["task-0", "task-1"]
    assert [t.work_item_ids for t in err.result.tasks] == [IDS[:50], IDS[50:100]]

    server.refuse = None
    result = await client.work_items.batch_update_and_wait(
        "space", "story", IDS, **ARGS, idempotency_key="sweep", poll_schedule=FAST
    )
    assert result.task_ids == ["task-0", "task-1", "task-2", "task-3"]
    assert server.applied == IDS
