"""Every public iterator ends on an empty page (or raises after a small bound): issue 15 item 3.

A server that answers empty pages while saying more is coming (``has_more: true`` with a new
cursor, or a ``pagination.total`` never reached) must not be asked without end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web

from meegle_async import MeegleClient, MeeglePaginationError
from meegle_async.helpers.pagination import MAX_EMPTY_PAGES
from tests.conftest import Recorded, Stub, ok


@pytest.fixture
async def client(client_kwargs: dict[str, Any]) -> AsyncIterator[MeegleClient]:
    async with MeegleClient(**client_kwargs, default_qps=1000) as c:
        yield c


def serve(stub: Stub, answer: Callable[[Recorded], web.StreamResponse]) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return answer(rec)

    stub.handler = handler


async def test_change_log_of_endless_empty_pages_raises_after_the_bound(
    stub: Stub, client: MeegleClient
) -> None:
    # Endless in spirit; 200 pages in fact, so a walk that ignores the bound ends (and fails).
    serve(
        stub,
        lambda rec: ok(
            {
                "op_records": [],
                "has_more": len(stub.requests) < 200,
                "start_from": f"cur-{len(stub.requests)}",
            }
        ),
    )
    with pytest.raises(MeeglePaginationError, match="empty pages") as info:
        async for _ in client.work_items.iter_change_log("space", [1, 2]):
            pass
    assert info.value.endpoint == "get_work_item_change_log"
    assert len(stub.requests) == MAX_EMPTY_PAGES + 1
    assert [r.json.get("start_from") for r in stub.requests] == [
        None,
        *[f"cur-{n}" for n in range(1, MAX_EMPTY_PAGES + 1)],
    ]


async def test_resource_search_ends_on_an_empty_page_with_a_cursor(
    stub: Stub, client: MeegleClient
) -> None:
    serve(stub, lambda rec: ok([], pagination={"search_after": f"c{len(stub.requests)}"}))
    sources = [{"project_key": "space", "work_item_type_keys": "component"}]
    group = {"conjunction": "AND", "search_params": []}
    assert [i async for i in client.resources.iter_search(sources, group)] == []
    assert len(stub.requests) == 1


def _numbered_empty(rec: Recorded) -> web.StreamResponse:
    page = (rec.json or {}).get("page_num", 1)
    return ok([], pagination={"total": 100_000, "page_num": page, "page_size": 50})


@pytest.mark.parametrize(
    "walk",
    [
        lambda c: c.work_items.iter_filter("space", work_item_type_keys=["story"]),
        lambda c: c.work_items.iter_search_by_params(
            "space", "story", {"conjunction": "AND", "search_params": []}
        ),
        lambda c: c.work_items.iter_filter_across_projects(work_item_type_key="story"),
        lambda c: c.tasks.iter_search(project_keys=["space"]),
    ],
    ids=["iter_filter", "iter_search_by_params", "iter_filter_across_projects", "tasks"],
)
async def test_page_number_iterators_end_on_an_empty_page_below_total(
    stub: Stub, client: MeegleClient, walk: Callable[[MeegleClient], AsyncIterator[Any]]
) -> None:
    serve(stub, _numbered_empty)
    assert [i async for i in walk(client)] == []
    assert len(stub.requests) == 1
