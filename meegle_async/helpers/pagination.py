"""Walking paged answers: by cursor (change log, resource search) and by page number.

Each iterator takes a function that fetches one page, so an endpoint group composes it with its
own request. An empty cursor, a missing one or an empty page ends the walk; a cursor or page that
does not move forward raises ``MeeglePaginationError`` instead of looping (both official Lark SDKs
shipped endless loops there).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

import attrs

from ..errors import MeeglePaginationError

__all__ = ["CursorPage", "NumberedPage", "iter_cursor", "iter_page_numbers"]

T = TypeVar("T")


@attrs.frozen
class CursorPage(Generic[T]):
    """One cursor-paged answer: its items, the cursor of the next page, and ``has_more`` when the
    API says it (``None`` when only the cursor tells)."""

    items: Sequence[T]
    next_cursor: str | None
    has_more: bool | None = None


@attrs.frozen
class NumberedPage(Generic[T]):
    """One page-numbered answer: its items, the page number the server says it is (if it says),
    and the total number of results (if it says)."""

    items: Sequence[T]
    page_num: int | None = None
    total: int | None = None


async def iter_cursor(
    fetch: Callable[[str | None], Awaitable[CursorPage[T]]],
    *,
    start: str | None = None,
    what: str = "page",
) -> AsyncIterator[T]:
    """Yield every item, following the cursor from ``start`` until the server says it is done.

    Done means ``has_more`` false, or (when the API gives no ``has_more``) an empty or missing
    cursor or an empty page. A cursor seen before raises ``MeeglePaginationError``.
    """
    cursor = start
    seen: set[str] = set() if start is None else {start}
    while True:
        page = await fetch(cursor)
        for item in page.items:
            yield item
        nxt = page.next_cursor or None
        if page.has_more is False or nxt is None:
            return
        if page.has_more is None and not page.items:
            return
        if nxt in seen:
            raise MeeglePaginationError(
                f"{what}: the server returned cursor {nxt!r} again; stopping instead of looping",
                endpoint=what,
            )
        seen.add(nxt)
        cursor = nxt


async def iter_page_numbers(
    fetch: Callable[[int], Awaitable[NumberedPage[T]]],
    *,
    page_size: int,
    first_page: int = 1,
    key: Callable[[T], Hashable] | None = None,
    what: str = "page",
    infer_page_size: bool = False,
) -> AsyncIterator[T]:
    """Yield every item of pages ``first_page``, ``first_page + 1``, ... until the last one.

    The last page is the one that brings the count to ``total``, a short page, or an empty one.
    A page the server labels with another number than the one asked, or whose items are those of
    the page before (by ``key``), raises ``MeeglePaginationError``.

    With ``infer_page_size``, a first page shorter than both ``page_size`` and ``total`` is taken
    to show the page size the server really serves (it caps ``page_size`` without saying so):
    later pages are short, and the walk ends, only below that size. Without a ``total`` a short
    first page still ends the walk.
    """
    page_num = first_page
    fetched = 0
    previous: list[Hashable] | None = None
    while True:
        page = await fetch(page_num)
        if page.page_num is not None and page.page_num != page_num:
            raise MeeglePaginationError(
                f"{what}: asked for page {page_num}, the server answered page {page.page_num}",
                endpoint=what,
            )
        if not page.items:
            return
        if key is not None:
            keys = [key(item) for item in page.items]
            if keys == previous:
                raise MeeglePaginationError(
                    f"{what}: page {page_num} repeats page {page_num - 1}; stopping",
                    endpoint=what,
                )
            previous = keys
        for item in page.items:
            yield item
        fetched += len(page.items)
        if page.total is not None and fetched >= page.total:
            return
        if infer_page_size and page_num == first_page and page.total is not None:
            page_size = min(page_size, len(page.items))
        if len(page.items) < page_size:
            return
        page_num += 1
