"""The generic page walkers end on every end signal and refuse to loop."""

from __future__ import annotations

import itertools

import pytest

from meegle_async import MeeglePaginationError
from meegle_async.helpers.pagination import (
    MAX_EMPTY_PAGES,
    CursorPage,
    NumberedPage,
    iter_cursor,
    iter_page_numbers,
)
from meegle_async.helpers.windows import fixed_windows


async def collect(gen) -> list:  # type: ignore[no-untyped-def]
    return [x async for x in gen]


async def test_cursor_walk_follows_has_more_and_ends_on_empty_cursor() -> None:
    pages = {
        None: CursorPage([1, 2], "c1", True),
        "c1": CursorPage([3], "c2", True),
        "c2": CursorPage([4], "", True),  # real servers end with an empty cursor
    }
    asked: list[str | None] = []

    async def fetch(cursor: str | None) -> CursorPage[int]:
        asked.append(cursor)
        return pages[cursor]

    assert await collect(iter_cursor(fetch)) == [1, 2, 3, 4]
    assert asked == [None, "c1", "c2"]


async def test_cursor_walk_stops_on_has_more_false_even_with_a_cursor() -> None:
    async def fetch(cursor: str | None) -> CursorPage[int]:
        return CursorPage([1], "next", False)

    assert await collect(iter_cursor(fetch)) == [1]


async def test_repeated_cursor_raises_instead_of_looping() -> None:
    async def fetch(cursor: str | None) -> CursorPage[int]:
        return CursorPage([1], "same", True)

    with pytest.raises(MeeglePaginationError, match="again"):
        await collect(iter_cursor(fetch, what="get_work_item_change_log"))


async def test_cursor_without_has_more_ends_on_empty_page() -> None:
    calls = []

    async def fetch(cursor: str | None) -> CursorPage[int]:
        calls.append(cursor)
        return CursorPage([] if cursor else [1], "x" if not cursor else "y")

    assert await collect(iter_cursor(fetch)) == [1]
    assert calls == [None, "x"]


@pytest.mark.parametrize(
    ("pages", "expected_calls"),
    [
        (
            {1: NumberedPage([1, 2], 1, 5), 2: NumberedPage([3, 4], 2, 5), 3: NumberedPage([5], 3)},
            3,
        ),
        ({1: NumberedPage([1, 2], 1, 4), 2: NumberedPage([3, 4], 2, 4)}, 2),  # total reached
        ({1: NumberedPage([1, 2]), 2: NumberedPage([])}, 2),  # empty page
    ],
)
async def test_page_walk_ends_on_total_short_or_empty_page(
    pages: dict[int, NumberedPage[int]], expected_calls: int
) -> None:
    calls = []

    async def fetch(num: int) -> NumberedPage[int]:
        calls.append(num)
        return pages[num]

    items = await collect(iter_page_numbers(fetch, page_size=2))
    assert items == [x for p in pages.values() for x in p.items]
    assert len(calls) == expected_calls


async def test_page_that_does_not_advance_raises() -> None:
    async def fetch(num: int) -> NumberedPage[int]:
        return NumberedPage([1, 2], 1)

    with pytest.raises(MeeglePaginationError, match="asked for page 2"):
        await collect(iter_page_numbers(fetch, page_size=2))

    async def same_items(num: int) -> NumberedPage[int]:
        return NumberedPage([1, 2])

    with pytest.raises(MeeglePaginationError, match="repeats"):
        await collect(iter_page_numbers(same_items, page_size=2, key=lambda x: x))


async def test_inferred_page_size_follows_a_server_that_caps_page_size() -> None:
    data = list(range(7))
    calls = []

    async def fetch(num: int) -> NumberedPage[int]:
        calls.append(num)
        # Asked for 5 a page, the server serves 3 and says nothing.
        return NumberedPage(data[(num - 1) * 3 : num * 3], num, len(data))

    assert await collect(iter_page_numbers(fetch, page_size=5)) == [0, 1, 2]
    calls.clear()
    assert await collect(iter_page_numbers(fetch, page_size=5, infer_page_size=True)) == data
    assert calls == [1, 2, 3]


async def test_inferred_page_size_without_a_total_ends_on_the_short_first_page() -> None:
    async def fetch(num: int) -> NumberedPage[int]:
        return NumberedPage([1, 2], num)

    assert await collect(iter_page_numbers(fetch, page_size=5, infer_page_size=True)) == [1, 2]


def test_fixed_windows_do_not_overlap_and_cover_the_range() -> None:
    assert fixed_windows(0, 10, 4) == [(0, 4), (5, 9), (10, 10)]
    start = 1_720_000_000_000
    end = start + 20 * 86_400_000
    windows = fixed_windows(start, end, 604_800_000)
    assert windows[0][0] == start
    assert windows[-1][1] == end
    for (a, b), (c, _) in itertools.pairwise(windows):
        assert b - a <= 604_800_000
        assert c == b + 1


async def test_endless_empty_pages_with_new_cursors_raise_after_a_small_bound() -> None:
    # The issue-15 answer: op_records [], has_more true and a fresh cursor, forever.
    asked: list[str | None] = []

    async def fetch(cursor: str | None) -> CursorPage[int]:
        asked.append(cursor)
        # Endless in spirit; 200 pages in fact, so a walk that ignores the bound ends (and fails).
        return CursorPage([], f"c{len(asked)}", len(asked) < 200)

    with pytest.raises(MeeglePaginationError, match="empty pages in a row"):
        await collect(iter_cursor(fetch, what="get_work_item_change_log"))
    assert len(asked) == MAX_EMPTY_PAGES + 1


async def test_a_few_empty_pages_between_full_ones_are_followed() -> None:
    script = [
        CursorPage([1], "a", True),
        CursorPage([], "b", True),
        CursorPage([], "c", True),
        CursorPage([], "d", True),  # MAX_EMPTY_PAGES empty pages in a row: still followed
        CursorPage([2], "e", True),
        CursorPage([], "f", True),
        CursorPage([3], "", False),
    ]
    pages = iter(script)

    async def fetch(cursor: str | None) -> CursorPage[int]:
        return next(pages)

    assert MAX_EMPTY_PAGES == 3
    assert await collect(iter_cursor(fetch)) == [1, 2, 3]


async def test_max_empty_pages_zero_raises_on_the_first_empty_page_that_says_more() -> None:
    calls = []

    async def fetch(cursor: str | None) -> CursorPage[int]:
        calls.append(cursor)
        return CursorPage([1] if cursor is None else [], f"n{len(calls)}", True)

    with pytest.raises(MeeglePaginationError):
        await collect(iter_cursor(fetch, max_empty_pages=0))
    assert calls == [None, "n1"]


async def test_an_empty_numbered_page_ends_the_walk_even_below_total() -> None:
    calls = []

    async def fetch(num: int) -> NumberedPage[int]:
        calls.append(num)
        return NumberedPage([1, 2] if num == 1 else [], num, 10_000)

    assert await collect(iter_page_numbers(fetch, page_size=2)) == [1, 2]
    assert calls == [1, 2]
