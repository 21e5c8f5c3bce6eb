"""How the work item searches walk: page after page, and creation-time windows past the cap.

``WorkItemSearch``'s ``iter_*`` helpers compose these: ``_walk_pages`` follows page numbers to
the end of one query; ``_created_windows`` and ``_within_created_at`` restrict a query to a
creation window (as a ``created_at`` filter or as two search conditions); ``_split_walk`` sends
the query as given and halves its creation range only when the server refuses it as larger than
5000 results (20094).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Mapping
from typing import Any

from ..errors import MeegleValidationError
from ..helpers.pagination import NumberedPage, iter_page_numbers
from ..helpers.splitting import MIN_TIMESTAMP_MS, check_time_range, iter_created_at_windows, now_ms
from ..models.search import WorkItemPage
from ..models.work_items import WorkItem

__all__: list[str] = []


def _item_key(item: WorkItem) -> Hashable:
    # Without an id (a ``fields`` selection can leave it out) an item equals nothing else.
    return item.id if item.id is not None else object()


def _window_range(created_at: Any) -> tuple[int, int, tuple[int, int | None] | None]:
    """The closed creation range a split walk covers, and the range as the caller gave it."""
    if created_at is None:
        return MIN_TIMESTAMP_MS, now_ms(), None
    lo, end = check_time_range(created_at, name="created_at")
    hi = now_ms() if end is None else end
    if hi < lo:
        raise MeegleValidationError(f"created_at: start {lo} is in the future")
    return lo, hi, (lo, end)


def _split_walk(
    walk: Callable[[tuple[int, int | None] | None], AsyncIterator[WorkItem]],
    created_at: Any,
    what: str,
) -> AsyncIterator[WorkItem]:
    """Walk the query as the caller gave it; split its creation range if the server refuses it.

    The first walk sends the caller's ``created_at`` unchanged (or none); only when the server
    answers 20094 is the range ``[start or MIN_TIMESTAMP_MS, end or now]`` halved into windows
    that do not overlap, each sent as an explicit range, so a query under the cap costs nothing
    extra and a refused one still returns every item once.
    """
    lo, hi, given = _window_range(created_at)
    first = True

    def fetch_window(start: int, end: int) -> AsyncIterator[WorkItem]:
        nonlocal first
        if first:
            first = False
            return walk(given)
        return walk((start, end))

    return iter_created_at_windows(fetch_window, lo, hi, key=_item_key, what=what)


def _within_created_at(group: dict[str, Any], start: int, end: int | None) -> dict[str, Any]:
    """``group`` AND ``start <= created_at <= end``, as one condition tree."""
    params: list[dict[str, Any]] = [{"param_key": "created_at", "operator": ">=", "value": start}]
    if end is not None:
        params.append({"param_key": "created_at", "operator": "<=", "value": end})
    return {"conjunction": "AND", "search_params": params, "search_groups": [group]}


def _walk_pages(
    send: Callable[[Mapping[str, Any]], Awaitable[WorkItemPage]],
    body: Mapping[str, Any],
    size: int,
    what: str,
) -> AsyncIterator[WorkItem]:
    """Every page of one query, from page 1, following a server that caps ``page_size``."""

    async def fetch(page_num: int) -> NumberedPage[WorkItem]:
        page = await send({**body, "page_num": page_num, "page_size": size})
        pagination = page.pagination
        return NumberedPage(
            page.items or [], pagination.page_num if pagination is not None else None, page.total
        )

    return iter_page_numbers(fetch, page_size=size, key=_item_key, what=what, infer_page_size=True)


def _created_windows(
    send: Callable[[Mapping[str, Any]], Awaitable[WorkItemPage]],
    body: Mapping[str, Any],
    size: int,
    what: str,
) -> Callable[[tuple[int, int | None] | None], AsyncIterator[WorkItem]]:
    """A walk of ``body`` restricted to a creation window, sent as its ``created_at`` field."""

    def walk(window: tuple[int, int | None] | None) -> AsyncIterator[WorkItem]:
        if window is None:
            return _walk_pages(send, body, size, what)
        start, end = window
        interval = {"start": start} if end is None else {"start": start, "end": end}
        return _walk_pages(send, {**body, "created_at": interval}, size, what)

    return walk
