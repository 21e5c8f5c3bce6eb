"""Walking paged answers: by cursor (change log, resource search) and by page number.

Each iterator takes a function that fetches one page, so an endpoint group composes it with its
own request. An empty cursor, a missing one or an empty page ends the walk; a cursor or page that
does not move forward raises ``MeeglePaginationError`` instead of looping (both official Lark SDKs
shipped endless loops there). A cursor walk whose server keeps answering empty pages with
``has_more`` true and a fresh cursor each time is followed for at most ``MAX_EMPTY_PAGES`` pages in
a row, then raises ``MeeglePaginationError``: no walk sends requests without end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from typing import Generic, Protocol, TypeVar

import attrs

from ..errors import MeeglePaginationError

__all__ = ["MAX_EMPTY_PAGES", "CursorPage", "NumberedPage", "iter_cursor", "iter_page_numbers"]

#: Empty pages in a row a cursor walk follows while the server says ``has_more``; one more raises.
MAX_EMPTY_PAGES = 3

T = TypeVar("T")


@attrs.frozen
class CursorPage(Generic[T]):
    """One cursor-paged answer: its items, the cursor of the next page, and ``has_more`` when the
    API says it (``None`` when only the cursor tells)."""

    items: Sequence[T]
    next_cursor: str | None
    has_more: bool | None = None


class PageFacts(Protocol):
    """What a page-numbered answer's ``pagination`` tells (``models.common.Pagination``)."""

    @property
    def page_num(self) -> int | None: ...
    @property
    def total(self) -> int | None: ...


@attrs.frozen
class NumberedPage(Generic[T]):
    """One page-numbered answer: its items, the page number the server says it is (if it says),
    and the total number of results (if it says)."""

    items: Sequence[T]
    page_num: int | None = None
    total: int | None = None

    @classmethod
    def of(cls, items: Sequence[T] | None, pagination: PageFacts | None) -> NumberedPage[T]:
        """A page from its items and the answer's ``pagination`` (``page_num``, ``total``)."""
        if pagination is None:
            return cls(items or [])
        return cls(items or [], pagination.page_num, pagination.total)


async def iter_cursor(
    fetch: Callable[[str | None], Awaitable[CursorPage[T]]],
    *,
    start: str | None = None,
    what: str = "page",
    max_empty_pages: int = MAX_EMPTY_PAGES,
) -> AsyncIterator[T]:
    """Yield every item, following the cursor from ``start`` until the server says it is done.

    Done means ``has_more`` false, an empty or missing cursor, or (when the API gives no
    ``has_more``) an empty page. An empty page that says ``has_more`` true is followed, but
    only ``max_empty_pages`` of them in a row: the next one raises ``MeeglePaginationError``
    (a server that answers ``[]``, ``has_more: true`` and a new cursor forever would otherwise
    be asked forever). A cursor seen before raises ``MeeglePaginationError`` too. Items yielded
    before an error stay yielded.
    """
    cursor = start
    seen: set[str] = set() if start is None else {start}
    empty_run = 0
    while True:
        page = await fetch(cursor)
        for item in page.items:
            yield item
        nxt = page.next_cursor or None
        if page.has_more is False or nxt is None:
            return
        if not page.items:
            if page.has_more is None:
                return
            empty_run += 1
            if empty_run > max_empty_pages:
                raise MeeglePaginationError(
                    f"{what}: {empty_run} empty pages in a row, each saying has_more with a new "
                    "cursor; stopping instead of asking without end",
                    endpoint=what,
                )
        else:
            empty_run = 0
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

    The last page is the one that brings the count to ``total``, a short page, or an empty one
    (an empty page always ends the walk, even when ``total`` says more should come).
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
