"""Reads by id: the missing-ids rule of ``get_details`` and the coalescing of single ``get`` calls.

**Missing ids.** ``get_details`` on Meegle leaves unknown ids out of an answer, and answers
``30005`` when *none* of a request's ids exists (the specs also allow "one or more"). Left alone,
the result would depend on how ids fall into 50-id chunks. ``fetch_by_ids`` makes it one rule: the
found items in input order plus the missing ids, whatever the chunking. A chunk answered with
``30005`` is split in halves and each half asked again, until every id is found or known missing
(an id alone answered ``30005`` is missing). Once a partial answer shows the server leaves
unknown ids out (remembered by the endpoint group for later calls), a ``30005`` means the whole
chunk is missing and nothing is split any more.
Extra cost: none while no chunk is refused; at most ``2n - 2`` requests for a refused chunk of
``n`` ids, and about ``2 log2(n)`` per missing id when few are missing.

**Coalescing** (the DataLoader pattern). ``Coalescer.get(group, id)`` collects the ids asked for
in the same loop iteration (or within ``window`` seconds) under one ``group`` (space, type and
options) and fetches them together, up to 50 a request; an id already in a request under way
waits for that one. Each caller gets its own item or its own ``MeegleNotFoundError``. A caller
cancelled while it waits leaves the shared request, and every other caller, alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, Literal, TypeVar

from ..errors import MeegleAPIError, MeegleMissingIdsError, MeegleNotFoundError
from .chunking import MAX_IDS_PER_REQUEST, chunked, unique_ids

__all__ = [
    "ITEM_NOT_FOUND",
    "Coalescer",
    "FoundAndMissing",
    "ServerHabit",
    "fetch_by_ids",
    "raise_missing",
]

T = TypeVar("T")
G = TypeVar("G", bound=Hashable)

#: The err_code of "work item not found".
ITEM_NOT_FOUND = 30005

Missing = Literal["raise", "skip"]


class FoundAndMissing(Generic[T]):
    """What ``fetch_by_ids`` learnt: items by id, the missing ids, and the refusal seen last."""

    __slots__ = ("items", "missing", "refusal")

    def __init__(self) -> None:
        self.items: dict[int, T] = {}
        self.missing: set[int] = set()
        self.refusal: MeegleAPIError | None = None


class ServerHabit:
    """What an endpoint was seen to do with unknown ids, kept across calls by its group."""

    __slots__ = ("drops_unknown",)

    def __init__(self) -> None:
        #: True once an answer left an unknown id out instead of refusing the request.
        self.drops_unknown = False


def _is_not_found(error: BaseException) -> bool:
    return isinstance(error, MeegleAPIError) and error.code == ITEM_NOT_FOUND


async def fetch_by_ids(
    ids: Sequence[int],
    fetch: Callable[[list[int]], Awaitable[Sequence[T]]],
    key: Callable[[T], int],
    *,
    size: int = MAX_IDS_PER_REQUEST,
    habit: ServerHabit | None = None,
) -> FoundAndMissing[T]:
    """Fetch every id (each once), all chunks at once, and sort them into found and missing.

    ``habit`` carries what earlier calls learnt about the endpoint (a fresh one when left out).
    Any error but ``30005`` propagates (the other chunks are cancelled): a partial result
    would be silently incomplete.
    """
    result: FoundAndMissing[T] = FoundAndMissing()
    seen = habit if habit is not None else ServerHabit()

    async def one(chunk: list[int]) -> None:
        try:
            items = await fetch(chunk)
        except MeegleAPIError as error:
            if not _is_not_found(error):
                raise
            result.refusal = error
            if len(chunk) == 1 or seen.drops_unknown:
                result.missing.update(chunk)
                return
            half = len(chunk) // 2
            await _together([one(chunk[:half]), one(chunk[half:])])
            return
        asked = set(chunk)
        for item in items:
            item_id = key(item)
            if item_id in asked:
                result.items.setdefault(item_id, item)
        gone = asked.difference(result.items)
        if gone:
            seen.drops_unknown = True
            result.missing.update(gone)

    await _together([one(part) for part in chunked(unique_ids(ids), size)])
    return result


async def _together(calls: list[Awaitable[None]]) -> None:
    if len(calls) == 1:
        await calls[0]
        return
    tasks = [asyncio.ensure_future(call) for call in calls]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def raise_missing(
    ids: Sequence[int],
    outcome: FoundAndMissing[T],
    *,
    missing: Missing,
    endpoint: str,
    what: str = "work item",
) -> list[T]:
    """The found items in input order; with ``missing="raise"`` and ids missing, raise
    ``MeegleMissingIdsError`` carrying them and the missing ids instead."""
    found = [outcome.items[i] for i in ids if i in outcome.items]
    if missing == "skip" or not outcome.missing:
        return found
    gone = [i for i in unique_ids(ids) if i in outcome.missing]
    shown = ", ".join(str(i) for i in gone[:10]) + (", ..." if len(gone) > 10 else "")
    refusal = outcome.refusal
    raise MeegleMissingIdsError(
        f"{len(gone)} of {len(unique_ids(ids))} {what} ids not found: {shown}",
        code=ITEM_NOT_FOUND,
        detail=refusal.detail if refusal is not None else None,
        log_id=refusal.log_id if refusal is not None else None,
        http_status=refusal.http_status if refusal is not None else None,
        endpoint=endpoint,
        found=found,
        missing_ids=gone,
    )


class _Batch:
    __slots__ = ("handle", "waiters")

    def __init__(self) -> None:
        self.waiters: dict[int, list[asyncio.Future[object]]] = {}
        self.handle: asyncio.TimerHandle | asyncio.Handle | None = None


class Coalescer(Generic[G, T]):
    """Batches concurrent single-id reads of one group into requests of up to ``max_batch`` ids.

    Args:
        fetch: fetches the ids of one group; returns what ``fetch_by_ids`` returns.
        endpoint: the endpoint name errors carry.
        window: seconds to wait for more ids after the first (0: the current loop iteration).
        max_batch: ids per request (50); a full batch is sent at once.
        what: the noun in error messages (``work item``).
    """

    def __init__(
        self,
        fetch: Callable[[G, list[int]], Awaitable[FoundAndMissing[T]]],
        *,
        endpoint: str,
        window: float = 0.0,
        max_batch: int = MAX_IDS_PER_REQUEST,
        what: str = "work item",
    ) -> None:
        self._fetch = fetch
        self._endpoint = endpoint
        self.window = window
        self._max_batch = max_batch
        self._what = what
        self._pending: dict[G, _Batch] = {}
        self._in_flight: dict[G, list[_Batch]] = {}
        self._running: set[asyncio.Task[None]] = set()

    async def get(self, group: G, item_id: int) -> T:
        """The item ``item_id`` of ``group``, fetched together with the ids asked meanwhile.

        Raises:
            MeegleNotFoundError: the id does not exist (30005).
            MeegleError: the shared request failed (every caller in it gets the error).
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[object] = loop.create_future()
        for sent in self._in_flight.get(group, ()):
            if item_id in sent.waiters:  # already asked for: share that request's answer
                sent.waiters[item_id].append(future)
                return await future  # type: ignore[return-value]
        batch = self._pending.get(group)
        if batch is None:
            batch = self._pending[group] = _Batch()
            if self.window > 0:
                batch.handle = loop.call_later(self.window, self._dispatch, group, batch)
            else:
                batch.handle = loop.call_soon(self._dispatch, group, batch)
        batch.waiters.setdefault(item_id, []).append(future)
        if len(batch.waiters) >= self._max_batch:
            if batch.handle is not None:
                batch.handle.cancel()
            self._dispatch(group, batch)
        # Awaiting the future itself: a cancelled caller cancels only its own future.
        return await future  # type: ignore[return-value]

    def _dispatch(self, group: G, batch: _Batch) -> None:
        if self._pending.get(group) is batch:
            del self._pending[group]
        self._in_flight.setdefault(group, []).append(batch)
        task = asyncio.ensure_future(self._run(group, batch))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _run(self, group: G, batch: _Batch) -> None:
        ids = list(batch.waiters)
        try:
            outcome = await self._fetch(group, ids)
        except BaseException as error:
            self._landed(group, batch)  # every caller in the batch gets the shared failure
            for futures in batch.waiters.values():
                for future in futures:
                    if future.done():
                        continue
                    if isinstance(error, Exception):
                        future.set_exception(error)
                    else:
                        future.cancel()
            if not isinstance(error, Exception):
                raise
            return
        self._landed(group, batch)
        refusal = outcome.refusal
        for item_id, futures in batch.waiters.items():
            for future in futures:
                if future.done():  # its caller was cancelled
                    continue
                if item_id in outcome.items:
                    future.set_result(outcome.items[item_id])
                else:
                    future.set_exception(
                        MeegleNotFoundError(
                            f"{self._what} {item_id} not found",
                            code=ITEM_NOT_FOUND,
                            log_id=refusal.log_id if refusal is not None else None,
                            http_status=refusal.http_status if refusal is not None else None,
                            endpoint=self._endpoint,
                        )
                    )

    def _landed(self, group: G, batch: _Batch) -> None:
        sent = self._in_flight.get(group)
        if sent is not None:
            sent.remove(batch)
            if not sent:
                del self._in_flight[group]
