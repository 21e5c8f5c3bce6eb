"""Walking a search past its result cap by splitting the ``created_at`` range.

Some searches refuse any query that matches more than a fixed number of results (subtask
search: 5000, err_code 20094, ``MeegleTooManyResultsError``). ``iter_created_at_windows`` still
returns the whole result set: it asks for the full range and, when the server refuses, halves
the range into two windows that do not overlap and tries each, depth first and in time order,
until every window is under the cap.

Bounds are inclusive 13-digit millisecond timestamps, as the APIs take them: ``[start, end]``
splits into ``[start, mid]`` and ``[mid + 1, end]``, so an item created exactly at ``mid`` is in
the first half only and one at ``mid + 1`` in the second only. A creation time never changes, so
windows that do not overlap never return the same item twice, and their union misses nothing.

The refusal comes with the first page of a query (the server counts the matches before it pages
them), so a window's items are yielded only after its first page has been accepted. Should a
refusal still come on a later page (matches added while the walk runs), items already yielded are
not yielded again when ``key`` is given; without ``key`` the error is raised instead.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Hashable, Mapping
from typing import Any, TypeVar

from .._text import shown
from ..errors import MeegleTooManyResultsError, MeegleValidationError
from .windows import MIN_TIMESTAMP_MS, check_ms

__all__ = [
    "MIN_TIMESTAMP_MS",
    "check_time_range",
    "iter_created_at_windows",
    "now_ms",
]

T = TypeVar("T")

#: The smallest 13-digit millisecond timestamp (2001-09-09T01:46:40Z): the APIs take only
#: 13-digit values, and no Meegle record is older, so a range starting here misses nothing.


def now_ms() -> int:
    """The current time as a 13-digit millisecond timestamp."""
    return int(time.time() * 1000)


def check_time_range(value: Any, *, name: str = "created_at") -> tuple[int, int | None]:
    """A time range input as ``(start, end)``; ``end`` is ``None`` when left out ("until now").

    Accepts ``{"start": ms, "end": ms}`` (``end`` optional), a ``(start, end)`` pair, or any
    object with ``start`` and ``end`` attributes. Both bounds must be 13-digit millisecond
    timestamps with ``start <= end``.

    Raises:
        MeegleValidationError: the range is malformed.
    """
    if isinstance(value, Mapping):
        unknown = set(value) - {"start", "end"}
        if unknown:
            raise MeegleValidationError(
                f"{name} takes only 'start' and 'end', not {sorted(map(str, unknown))}"
            )
        start, end = value.get("start"), value.get("end")
    elif isinstance(value, tuple) and len(value) == 2:
        start, end = value
    elif hasattr(value, "start") and hasattr(value, "end") and not isinstance(value, (str, bytes)):
        start, end = value.start, value.end
    else:
        raise MeegleValidationError(
            f"{name} must be {{'start': ms, 'end': ms}} or a (start, end) pair, not {shown(value)}"
        )
    if start is None:
        raise MeegleValidationError(f"{name} needs a 'start' (13-digit milliseconds)")
    lo = check_ms(start, f"{name}.start")
    if end is None:
        return lo, None
    hi = check_ms(end, f"{name}.end")
    if lo > hi:
        raise MeegleValidationError(f"{name}: start {lo} is after end {hi}")
    return lo, hi


async def iter_created_at_windows(
    fetch_window: Callable[[int, int], AsyncIterator[T]],
    start_ms: int,
    end_ms: int,
    *,
    key: Callable[[T], Hashable] | None = None,
    what: str = "search",
) -> AsyncIterator[T]:
    """Yield every result of ``[start_ms, end_ms]``, splitting the range past the result cap.

    ``fetch_window(lo, hi)`` must return an async iterator over every result of the query
    restricted to ``created_at`` in ``[lo, hi]`` (all its pages), raising
    ``MeegleTooManyResultsError`` when the window matches more than the server pages through.
    Refused windows are halved (``[lo, mid]`` then ``[mid + 1, hi]``) until each is accepted.

    Args:
        fetch_window: walks one window's pages.
        start_ms: first millisecond of the range (inclusive).
        end_ms: last millisecond of the range (inclusive).
        key: an item's identity. With it, no item is yielded twice even when a refusal comes
            after a window's first page (the window is split and its repeats are skipped).
        what: the name used in error messages (an endpoint name).

    Raises:
        MeegleTooManyResultsError: a single millisecond matches more than the cap (it cannot be
            split further: narrow the other filters), or, without ``key``, a window was refused
            after some of its items had been yielded.

    Example::

        async for item in iter_created_at_windows(walk, start, end, key=lambda i: i.id):
            ...
    """
    if end_ms < start_ms:
        raise MeegleValidationError(f"{what}: end {end_ms} is before start {start_ms}")
    seen: set[Hashable] | None = set() if key is not None else None
    pending = [(start_ms, end_ms)]
    while pending:
        lo, hi = pending.pop()
        pages: AsyncIterator[T] | None = None
        yielded = 0
        try:
            pages = fetch_window(lo, hi)
            async for item in pages:
                if seen is not None and key is not None:
                    ident = key(item)
                    if ident in seen:
                        continue
                    seen.add(ident)
                yielded += 1
                yield item
        except MeegleTooManyResultsError as exc:
            if yielded and seen is None:
                raise MeegleTooManyResultsError(
                    f"{what}: the server refused created_at [{lo}, {hi}] as too large after "
                    f"{yielded} of its results had been returned; results were added during the "
                    "walk. Pass key= to split and skip the ones already returned, or retry",
                    code=exc.code,
                    detail=exc.detail,
                    log_id=exc.log_id,
                    http_status=exc.http_status,
                    endpoint=exc.endpoint,
                ) from exc
            if lo >= hi:
                raise MeegleTooManyResultsError(
                    f"{what}: more results than the server pages were created in the single "
                    f"millisecond {lo}; the created_at range cannot be split further, narrow "
                    "the other filters",
                    code=exc.code,
                    detail=exc.detail,
                    log_id=exc.log_id,
                    http_status=exc.http_status,
                    endpoint=exc.endpoint,
                ) from exc
            mid = lo + (hi - lo) // 2
            # Last in, first out: the earlier half is walked first.
            pending.append((mid + 1, hi))
            pending.append((lo, mid))
        finally:
            # Close a window's walk at once (an early stop, a refusal), not at garbage collection.
            aclose = getattr(pages, "aclose", None)
            if aclose is not None:
                await aclose()
