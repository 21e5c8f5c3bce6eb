"""Keys the server always sends are plain attributes, not ``Optional``; an answer without one
is a ``MeegleServerError`` at once (not a poll that never ends or a change log cut short)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from meegle_async import (
    BatchUpdateProgress,
    ChangeLogPage,
    MeegleClient,
    MeegleServerError,
    PollSchedule,
    User,
    to_dict,
)
from meegle_async.models.base import structure

from .conftest import Recorded, Stub, ok


@pytest.fixture
async def client(client_kwargs: dict[str, Any]) -> AsyncIterator[MeegleClient]:
    rates = {"batch_update_work_item_field": 1000, "get_batch_update_progress": 1000}
    async with MeegleClient(**client_kwargs, default_qps=1000, rate_limits=rates) as c:
        yield c


def answer(stub: Stub, data: Any, **extra: Any) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return ok(data, **extra)

    stub.handler = handler


async def test_progress_without_task_status_fails_instead_of_polling_forever(
    stub: Stub, client: MeegleClient
) -> None:
    answer(stub, {"task_id": "t1", "total": 1})
    with pytest.raises(MeegleServerError, match=r"BatchUpdateProgress.*task_status"):
        await client.work_items.get_batch_update_progress("t1")

    async def submit_then_progress(request: web.Request, rec: Recorded) -> web.StreamResponse:
        if rec.path == "/open_api/work_item/batch_update":
            return ok({"task_id": "t1"})
        return ok({"task_id": "t1", "total": 1})

    stub.handler = submit_then_progress
    with pytest.raises(MeegleServerError, match="task_status"):
        await client.work_items.batch_update_and_wait(
            "s",
            "t",
            [1],
            field_key="f",
            update_mode="UPDATE",
            after_field_value=1,
            timeout=120,
            poll_schedule=PollSchedule(first_delay=0.01, interval=0.01, max_interval=0.03),
        )


async def test_a_change_log_page_without_has_more_is_refused(
    stub: Stub, client: MeegleClient
) -> None:
    answer(stub, {"op_records": [], "start_from": "c2"})
    with pytest.raises(MeegleServerError, match=r"ChangeLogPage.*has_more"):
        await client.work_items.get_change_log("s", [1])
    answer(stub, {"op_records": [], "start_from": "", "has_more": False})
    page = await client.work_items.get_change_log("s", [1])
    assert page.has_more is False


async def test_a_user_without_user_key_is_refused(stub: Stub, client: MeegleClient) -> None:
    answer(stub, [{"username": "ann"}])
    with pytest.raises(MeegleServerError, match="user_key"):
        await client.users.query(user_keys=["u1"])


def test_typed_as_present_and_kept_as_sent() -> None:
    progress = structure({"task_status": "SUCCESS", "new_key": 1}, BatchUpdateProgress)
    status: str = progress.task_status  # no Optional to narrow
    assert status == "SUCCESS"
    assert to_dict(progress) == {"task_status": "SUCCESS", "new_key": 1}
    page = structure({"has_more": True, "start_from": "c"}, ChangeLogPage)
    more: bool = page.has_more
    assert more is True
    user = structure({"user_key": "u1"}, User)
    key: str = user.user_key
    assert key == "u1"
