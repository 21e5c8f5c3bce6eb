"""Id lists: checked, split into groups of at most 50, fetched concurrently, put back in order.

Every endpoint that takes a list of work item ids goes through here, so the 50-id limit of the
API lives in one place (``MAX_IDS_PER_REQUEST``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from typing import TypeVar

from .._text import shown
from ..errors import MeegleValidationError

__all__ = [
    "MAX_IDS_PER_REQUEST",
    "chunked",
    "gather_chunks",
    "in_input_order",
    "unique_ids",
    "validate_id",
    "validate_ids",
]

#: The API takes at most this many ids per request (details, batch update, change log, resources).
MAX_IDS_PER_REQUEST = 50

T = TypeVar("T")
R = TypeVar("R")
K = TypeVar("K", bound=Hashable)


#: Ids are signed 64-bit integers on the server: anything larger cannot name a work item.
MAX_ID = 2**63 - 1


def validate_id(value: object, *, name: str = "work_item_id") -> int:
    """A work item id as an ``int``: ints or strings of ASCII digits, from 1 to 2**63 - 1.

    Bools are refused, and so are strings that ``str.isdigit`` accepts but ``int`` does not
    ("²") or reads differently (other scripts' digits).
    """
    if isinstance(value, bool):
        raise MeegleValidationError(f"{name}: {value} is a bool, not a work item id")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise MeegleValidationError(
            f"{name}: {shown(value)} is not a work item id (an int or a string of digits)"
        )
    if number <= 0:
        raise MeegleValidationError(f"{name}: {shown(value)} is not a positive work item id")
    if number > MAX_ID:
        raise MeegleValidationError(
            f"{name}: {number} is out of range (work item ids are at most 2**63 - 1)"[:300]
        )
    return number


def validate_ids(values: Iterable[object], *, name: str = "work_item_ids") -> list[int]:
    """Check every id of ``values`` (see ``validate_id``) and return them as ints, in order."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise MeegleValidationError(f"{name} must be a list of work item ids, not {shown(values)}")
    return [validate_id(v, name=f"{name}[{i}]") for i, v in enumerate(values)]


def unique_ids(ids: Iterable[K]) -> list[K]:
    """``ids`` without repeats, first occurrence first."""
    return list(dict.fromkeys(ids))


def chunked(items: Sequence[T], size: int = MAX_IDS_PER_REQUEST) -> list[list[T]]:
    """``items`` in consecutive lists of at most ``size``."""
    if size < 1:
        raise ValueError("size must be >= 1")
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


async def gather_chunks(
    items: Sequence[T],
    fetch: Callable[[list[T]], Awaitable[R]],
    *,
    size: int = MAX_IDS_PER_REQUEST,
) -> list[R]:
    """Call ``fetch`` once per chunk of ``items``, all chunks at once; results in chunk order.

    The limiter paces the requests, so starting them together costs nothing and lets the
    whole batch run at the endpoint's rate. If one chunk fails, the others are cancelled and the
    first error is raised: a partial result would be silently incomplete.
    """
    parts = chunked(items, size)
    if not parts:
        return []
    if len(parts) == 1:
        return [await fetch(parts[0])]
    tasks = [asyncio.ensure_future(fetch(part)) for part in parts]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def in_input_order(ids: Sequence[K], items: Iterable[T], key: Callable[[T], K]) -> list[T]:
    """``items`` arranged like ``ids``: an id asked twice is returned at each of its positions.

    Ids the server did not return are left out (the specs let some endpoints skip ids, e.g.
    non-resource items); callers that must know compare the lengths.
    """
    by_key: dict[K, T] = {}
    for item in items:
        by_key.setdefault(key(item), item)
    return [by_key[i] for i in ids if i in by_key]
