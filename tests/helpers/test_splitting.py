"""The created_at splitter returns every result once past a result cap, and the range checks."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest

from meegle_async import MeegleTooManyResultsError, MeegleValidationError
from meegle_async.helpers.splitting import (
    MIN_TIMESTAMP_MS,
    check_time_range,
    iter_created_at_windows,
    now_ms,
)

T0 = 1_700_000_000_000


def refusal() -> MeegleTooManyResultsError:
    return MeegleTooManyResultsError(code=20094, endpoint="search", log_id="log-1")


class FakeSearch:
    """A search over ``(created_at, id)`` records that refuses windows over ``cap`` matches."""

    def __init__(self, records: list[tuple[int, int]], cap: int, page: int = 3) -> None:
        self.records = records
        self.cap = cap
        self.page = page
        self.windows: list[tuple[int, int]] = []
        self.closed = 0

    def matches(self, lo: int, hi: int) -> list[tuple[int, int]]:
        return sorted(r for r in self.records if lo <= r[0] <= hi)

    def __call__(self, lo: int, hi: int) -> AsyncIterator[tuple[int, int]]:
        self.windows.append((lo, hi))
        return self._walk(lo, hi)

    async def _walk(self, lo: int, hi: int) -> AsyncIterator[tuple[int, int]]:
        try:
            found = self.matches(lo, hi)
            if len(found) > self.cap:
                raise refusal()
            for i in range(0, len(found), self.page):
                for item in found[i : i + self.page]:
                    yield item
        finally:
            self.closed += 1


async def collect(gen: AsyncIterator[Any]) -> list[Any]:
    return [x async for x in gen]


async def test_a_range_under_the_cap_is_one_window() -> None:
    search = FakeSearch([(T0 + i, i) for i in range(5)], cap=10)
    assert await collect(iter_created_at_windows(search, T0, T0 + 100)) == search.records
    assert search.windows == [(T0, T0 + 100)]


async def test_refused_ranges_are_halved_without_overlap_and_nothing_is_missed() -> None:
    lo, hi = T0, T0 + 1000
    mid = lo + (hi - lo) // 2
    # Records on every edge the halving will use, plus dense clusters that force deep splits.
    stamps = [lo, hi, mid, mid + 1, mid - 1, lo + 1, hi - 1]
    stamps += [T0 + 100 + (i % 7) for i in range(40)]
    stamps += [T0 + 900 + (i % 3) for i in range(25)]
    records = [(t, i) for i, t in enumerate(stamps)]
    search = FakeSearch(records, cap=10)

    got = await collect(iter_created_at_windows(search, lo, hi, what="search"))

    assert sorted(got) == sorted(records)
    assert len(got) == len(set(got))
    assert [t for t, _ in got] == sorted(t for t, _ in got)  # earliest window first
    accepted = [w for w in search.windows if len(search.matches(*w)) <= 10]
    accepted.sort()
    assert accepted[0][0] == lo
    assert accepted[-1][1] == hi
    for (_, a_hi), (b_lo, _) in itertools.pairwise(accepted):
        assert b_lo == a_hi + 1  # adjacent, never overlapping, no gap
    assert search.closed == len(search.windows)


async def test_the_first_halving_splits_at_mid_inclusive() -> None:
    search = FakeSearch([(T0 + i, i) for i in range(4)], cap=3)
    await collect(iter_created_at_windows(search, T0, T0 + 3))
    assert search.windows[:3] == [(T0, T0 + 3), (T0, T0 + 1), (T0 + 2, T0 + 3)]


async def test_one_millisecond_over_the_cap_raises_instead_of_recursing() -> None:
    search = FakeSearch([(T0 + 5, i) for i in range(4)], cap=3)
    with pytest.raises(MeegleTooManyResultsError, match="single millisecond") as info:
        await collect(iter_created_at_windows(search, T0, T0 + 10, what="search"))
    assert info.value.code == 20094
    assert info.value.log_id == "log-1"
    assert (T0 + 5, T0 + 5) in search.windows
    assert len(search.windows) < 20


def late_refusal_search(
    records: list[tuple[int, int]], cap: int, refuse_after_first_page: set[tuple[int, int]]
) -> Any:
    """A search whose given windows are refused on their second page (matches added mid-walk)."""
    windows: list[tuple[int, int]] = []

    async def walk(lo: int, hi: int) -> AsyncIterator[tuple[int, int]]:
        found = sorted(r for r in records if lo <= r[0] <= hi)
        if len(found) > cap:
            raise refusal()
        for i, item in enumerate(found):
            if i == 1 and (lo, hi) in refuse_after_first_page:
                raise refusal()
            yield item

    def fetch(lo: int, hi: int) -> AsyncIterator[tuple[int, int]]:
        windows.append((lo, hi))
        return walk(lo, hi)

    return fetch, windows


async def test_a_late_refusal_with_a_key_splits_and_skips_what_was_returned() -> None:
    records = [(T0 + i, i) for i in range(6)]
    fetch, windows = late_refusal_search(records, cap=10, refuse_after_first_page={(T0, T0 + 5)})
    got = await collect(iter_created_at_windows(fetch, T0, T0 + 5, key=lambda r: r[1]))
    assert got == records
    assert windows == [(T0, T0 + 5), (T0, T0 + 2), (T0 + 3, T0 + 5)]


async def test_a_late_refusal_without_a_key_raises_rather_than_repeat() -> None:
    records = [(T0 + i, i) for i in range(6)]
    fetch, _ = late_refusal_search(records, cap=10, refuse_after_first_page={(T0, T0 + 5)})
    got: list[Any] = []

    async def drain() -> None:
        async for item in iter_created_at_windows(fetch, T0, T0 + 5):
            got.append(item)

    with pytest.raises(MeegleTooManyResultsError, match="after 1 of its results"):
        await drain()
    assert got == records[:1]


async def test_empty_windows_and_bad_bounds() -> None:
    search = FakeSearch([], cap=1)
    assert await collect(iter_created_at_windows(search, T0, T0)) == []
    with pytest.raises(MeegleValidationError):
        await collect(iter_created_at_windows(search, T0 + 1, T0))


async def test_stopping_early_closes_the_window_walk() -> None:
    search = FakeSearch([(T0 + i, i) for i in range(9)], cap=20)
    gen = iter_created_at_windows(search, T0, T0 + 9)
    assert await gen.__anext__() == (T0, 0)
    await gen.aclose()
    assert search.closed == 1


# -- check_time_range -------------------------------------------------------------------------


@attrs.frozen
class Interval:
    start: int | None
    end: int | None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"start": T0, "end": T0 + 1}, (T0, T0 + 1)),
        ({"start": T0}, (T0, None)),
        ((T0, T0), (T0, T0)),
        (Interval(T0, None), (T0, None)),
        (
            {"start": MIN_TIMESTAMP_MS, "end": 9_999_999_999_999},
            (MIN_TIMESTAMP_MS, 9_999_999_999_999),
        ),
    ],
)
def test_time_ranges_accepted(value: Any, expected: tuple[int, int | None]) -> None:
    assert check_time_range(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"end": T0}, "needs a 'start'"),
        ({"start": 1_700_000_000, "end": T0}, "seconds"),
        ({"start": T0, "end": 10**13}, "13-digit"),
        ({"start": T0 + 1, "end": T0}, "after end"),
        ({"start": True}, "13-digit"),
        ({"start": str(T0)}, "an int"),
        ({"start": T0, "stop": T0}, "only 'start' and 'end'"),
        ("yesterday", "must be"),
        ([T0, T0], "must be"),
    ],
)
def test_time_ranges_refused(value: Any, message: str) -> None:
    with pytest.raises(MeegleValidationError, match=message):
        check_time_range(value, name="created_at")


def test_now_is_thirteen_digits() -> None:
    assert len(str(now_ms())) == 13
