"""Id lists: validated, 50 per request, concurrent, in the caller's order, duplicates once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from meegle_async import MeegleValidationError
from meegle_async.helpers.chunking import (
    chunked,
    gather_chunks,
    in_input_order,
    unique_ids,
    validate_ids,
)


def test_ids_are_ints_or_digit_strings() -> None:
    assert validate_ids([1, "2", " 3 "]) == [1, 2, 3]


@pytest.mark.parametrize("bad", [True, 0, -5, "abc", "1.5", 1.5, None, "", [1]])
def test_bad_ids_are_refused_with_their_position(bad: Any) -> None:
    with pytest.raises(MeegleValidationError, match=r"work_item_ids\[1\]"):
        validate_ids([7, bad])


@pytest.mark.parametrize("bad", ["123", b"1", 5, None])
def test_a_non_list_is_refused(bad: Any) -> None:
    with pytest.raises(MeegleValidationError):
        validate_ids(bad)


def test_chunks_of_fifty() -> None:
    assert [len(c) for c in chunked(list(range(120)))] == [50, 50, 20]
    assert chunked([]) == []


async def test_120_ids_with_duplicates_are_fetched_once_and_returned_in_order() -> None:
    ids = [*range(1, 101), *range(1, 21)]  # 120 ids, 20 of them repeated
    requests: list[list[int]] = []
    in_flight = 0
    peak = 0

    async def fetch(chunk: list[int]) -> list[dict[str, int]]:
        nonlocal in_flight, peak
        requests.append(chunk)
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return [{"id": i} for i in reversed(chunk)]  # servers answer in any order

    unique = unique_ids(ids)
    pages = await gather_chunks(unique, fetch)
    items = in_input_order(ids, [x for page in pages for x in page], key=lambda x: x["id"])
    assert [len(r) for r in requests] == [50, 50]
    assert sorted(i for r in requests for i in r) == list(range(1, 101))
    assert [x["id"] for x in items] == ids
    assert peak == 2  # the chunks ran concurrently


async def test_empty_list_makes_no_request() -> None:
    async def fetch(chunk: list[int]) -> list[int]:
        raise AssertionError("no request expected")

    assert await gather_chunks([], fetch) == []


async def test_one_failing_chunk_cancels_the_others_and_raises() -> None:
    cancelled = []

    async def fetch(chunk: list[int]) -> list[int]:
        if chunk[0] == 1:
            raise MeegleValidationError("boom")
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(chunk[0])
            raise
        return chunk

    with pytest.raises(MeegleValidationError, match="boom"):
        await gather_chunks(list(range(1, 151)), fetch)
    assert sorted(cancelled) == [51, 101]


def test_ids_the_server_did_not_return_are_left_out() -> None:
    items = [{"id": 2}]
    assert in_input_order([1, 2, 2], items, key=lambda x: x["id"]) == [{"id": 2}, {"id": 2}]
