"""The three exports of ``meegle-async export`` (details, change-log, tasks): how each walks
the API and commits its lines. ``export.py`` runs them (``_dispatch``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .checkpoint import (
    ExportFiles,
    atomic_write_text,
)
from .progress import Progress

if TYPE_CHECKING:
    from ..client import MeegleClient
    from ..models import OpRecord, TaskSearchItem, WorkItem

__all__ = ["run_change_log", "run_details", "run_tasks"]

from .export import (
    CHUNK,
    IdSource,
    Job,
    UsageError,
    _chunks,
    _committing,
    _digest,
    _failed_line,
    _is_item_error,
    _open_files,
    _ordered,
    _Outcome,
    ids_path,
)
from .export_formats import LineEncoder

# -- details ---------------------------------------------------------------------------------


@dataclass
class _ChunkResult:
    ids: list[int]
    items: list[WorkItem]
    failures: list[tuple[int, BaseException | str]]


async def _list_ids(
    job: Job, client: MeegleClient, progress: Progress, saved: Mapping[str, Any] | None
) -> IdSource:
    """``--all``: the ids of every matching item, saved beside the output, or read back when
    an earlier run had finished listing them (``saved``: the checkpoint's ``ids``).

    A run interrupted while listing has a checkpoint without ``ids``: its resume lists again.
    """
    path = ids_path(job.out)
    if saved:
        source = IdSource.from_file(path) if path.exists() else None
        if source is None or source.sha256 != saved.get("sha256"):
            raise UsageError(
                f"{path} (the ids listed by the interrupted --all run) is missing or changed; "
                "start over with --force"
            )
        return source
    iter_filter = getattr(client.work_items, "iter_filter", None)
    if iter_filter is None:
        raise UsageError(
            "--all needs client.work_items.iter_filter (work item filter), which this "
            "meegle-async does not provide yet; pass the ids with --ids-file or --ids"
        )
    updated = None if job.updated_since is None else {"start": job.updated_since}
    ids: list[int] = []
    async with progress.bar("listing", None, unit="ids") as bar:
        async for item in iter_filter(
            job.project, work_item_type_keys=[job.type_key], updated_at=updated
        ):
            if item.id is not None:
                ids.append(item.id)
                bar.advance()
    atomic_write_text(path, "".join(f"{i}\n" for i in ids))
    return IdSource(len(ids), _digest(ids), path=path)


async def _fetch_chunk(job: Job, client: MeegleClient, ids: list[int]) -> _ChunkResult:
    assert job.project is not None
    assert job.type_key is not None
    try:
        items = await client.work_items.get_details(
            job.project, job.type_key, ids, fields=job.fields
        )
    except Exception as exc:
        if not _is_item_error(exc):
            raise
        if len(ids) == 1 or getattr(exc, "code", None) == 30005:
            # 30005 here means none of the ids exists: nothing to narrow down.
            return _ChunkResult(ids, [], [(i, exc) for i in ids])
        half = len(ids) // 2
        first = await _fetch_chunk(job, client, ids[:half])
        second = await _fetch_chunk(job, client, ids[half:])
        return _ChunkResult(ids, first.items + second.items, first.failures + second.failures)
    found = {item.id for item in items}
    missing: list[tuple[int, BaseException | str]] = [
        (i, f"not returned: no {job.type_key} {i} in {job.project}, or no access to it")
        for i in dict.fromkeys(ids)
        if i not in found
    ]
    return _ChunkResult(ids, items, missing)


async def run_details(
    job: Job, client: MeegleClient, progress: Progress, outcome: _Outcome
) -> None:
    encoder = LineEncoder("details", job.fmt, job.csv_fields)
    state: dict[str, Any] = {"position": 0}
    if job.listing:
        state["ids"] = None  # set once listed: a checkpoint exists while listing, too
    try:
        files = _open_files(job, encoder, state, outcome)
    except UsageError as exc:
        outcome.usage = str(exc)
        return
    try:
        await _walk_details(job, client, progress, outcome, files, state, encoder)
    except UsageError as exc:  # the listed ids changed since: the checkpoint stays
        outcome.usage = str(exc)
        return
    if job.listing:
        ids_path(job.out).unlink(missing_ok=True)


async def _walk_details(
    job: Job,
    client: MeegleClient,
    progress: Progress,
    outcome: _Outcome,
    files: ExportFiles,
    state: dict[str, Any],
    encoder: LineEncoder,
) -> None:
    ids = job.ids
    async with _committing(files, state, outcome):
        if job.listing:
            ids = await _list_ids(job, client, progress, state.get("ids"))
            if state.get("ids") is None:
                state["ids"] = {"count": ids.count, "sha256": ids.sha256}
                files.commit(state)
        assert ids is not None
        position = int(state["position"])

        def sources() -> Iterator[Callable[[], AsyncIterator[_ChunkResult]]]:
            for chunk in _chunks(ids.iter_from(position)):

                async def one(chunk: list[int] = chunk) -> AsyncIterator[_ChunkResult]:
                    yield await _fetch_chunk(job, client, chunk)

                yield one

        async with progress.bar("details", ids.count, unit="ids") as bar:
            bar.resume_from(position)
            async for result in _ordered(sources(), ahead=job.concurrency):
                for item in result.items:
                    files.write_line(encoder.line(item))
                for work_item_id, err in result.failures:
                    files.write_failed(_failed_line(work_item_id, err))
                state["position"] = int(state["position"]) + len(result.ids)
                files.commit(state)
                bar.advance(len(result.ids))
                if files.failed:
                    bar.note(f"{files.failed} failed")


# -- change log ------------------------------------------------------------------------------


@dataclass
class _LogPage:
    chunk: int
    window: int
    records: list[OpRecord]
    next_cursor: str | None


@dataclass
class _ChunkEnd:
    chunk: int
    ids: list[int]
    error: BaseException | None = None


_LogEvent = _LogPage | _ChunkEnd


async def run_change_log(
    job: Job, client: MeegleClient, progress: Progress, outcome: _Outcome
) -> None:
    from ..endpoints.work_items import CHANGE_LOG_EARLIEST_MS, CHANGE_LOG_MAX_SPAN_MS
    from ..helpers.pagination import CursorPage, iter_cursor
    from ..helpers.splitting import now_ms
    from ..helpers.windows import fixed_windows

    encoder = LineEncoder("change-log", job.fmt)
    ids = job.ids
    assert ids is not None
    assert job.project is not None
    project = job.project
    span: list[int] | None = None
    if job.since is not None or job.until is not None:
        # Fixed at the first run, so a resumed run walks the same windows.
        span = [
            job.since if job.since is not None else CHANGE_LOG_EARLIEST_MS,
            job.until if job.until is not None else now_ms(),
        ]
    state: dict[str, Any] = {"chunk": 0, "window": 0, "cursor": None, "range": span}
    try:
        files = _open_files(job, encoder, state, outcome)
    except UsageError as exc:
        outcome.usage = str(exc)
        return
    span = state.get("range")
    windows: list[tuple[int, int] | None] = (
        [None] if span is None else list(fixed_windows(span[0], span[1], CHANGE_LOG_MAX_SPAN_MS))
    )
    async with _committing(files, state, outcome):
        first_chunk = int(state["chunk"])
        first_window, first_cursor = int(state["window"]), state.get("cursor")

        async def walk(c: int, chunk: list[int]) -> AsyncIterator[_LogEvent]:
            start_w = first_window if c == first_chunk else 0
            try:
                for w in range(start_w, len(windows)):
                    window = windows[w]
                    cursor0 = first_cursor if (c == first_chunk and w == first_window) else None

                    async def fetch(
                        cursor: str | None, w: int = w, window: tuple[int, int] | None = window
                    ) -> CursorPage[_LogPage]:
                        page = await client.work_items.get_change_log(
                            project,
                            chunk,
                            start_from=cursor,
                            page_size=200,
                            start=None if window is None else window[0],
                            end=None if window is None else window[1],
                        )
                        nxt = page.start_from if page.has_more and page.start_from else None
                        records = list(page.op_records or [])
                        # An empty page is no event (nothing to write; resuming re-asks it), so
                        # iter_cursor sees it empty and bounds a run of them.
                        events = [_LogPage(c, w, records, nxt)] if records else []
                        return CursorPage(events, page.start_from, page.has_more)

                    async for event in iter_cursor(
                        fetch, start=cursor0, what="get_work_item_change_log"
                    ):
                        yield event
            except Exception as exc:
                if not _is_item_error(exc):
                    raise
                yield _ChunkEnd(c, chunk, exc)
                return
            yield _ChunkEnd(c, chunk)

        def sources() -> Iterator[Callable[[], AsyncIterator[_LogEvent]]]:
            for n, chunk in enumerate(_chunks(ids.iter_from(first_chunk * CHUNK))):

                def source(
                    c: int = first_chunk + n, chunk: list[int] = chunk
                ) -> AsyncIterator[_LogEvent]:
                    return walk(c, chunk)

                yield source

        records = files.lines  # every record in the output, an earlier run's included
        async with progress.bar("change log", ids.count, unit="ids") as bar:
            bar.resume_from(min(ids.count, first_chunk * CHUNK))
            async for event in _ordered(sources(), ahead=job.concurrency, buffer=2):
                if isinstance(event, _LogPage):
                    for record in event.records:
                        files.write_line(encoder.line(record))
                    records += len(event.records)
                    if event.next_cursor is not None:
                        state.update(
                            chunk=event.chunk, window=event.window, cursor=event.next_cursor
                        )
                    else:
                        state.update(chunk=event.chunk, window=event.window + 1, cursor=None)
                    bar.note(f"{records:,} records")
                else:
                    if event.error is not None:
                        for work_item_id in event.ids:
                            files.write_failed(_failed_line(work_item_id, event.error))
                    state.update(chunk=event.chunk + 1, window=0, cursor=None)
                    bar.advance(len(event.ids))
                files.commit(state)


# -- tasks -----------------------------------------------------------------------------------


async def run_tasks(job: Job, client: MeegleClient, progress: Progress, outcome: _Outcome) -> None:
    from ..helpers.pagination import NumberedPage, iter_page_numbers
    from ..helpers.splitting import MIN_TIMESTAMP_MS, iter_created_at_windows, now_ms

    encoder = LineEncoder("tasks", job.fmt)
    lo = job.since if job.since is not None else MIN_TIMESTAMP_MS
    hi = job.until if job.until is not None else now_ms()
    if hi < lo:
        outcome.usage = f"--since {lo} is in the future"
        return
    # The walk's position: everything created up to done_until is written; in window
    # [a, b] the first `pages` pages are; window_ids are the subtasks written since done_until
    # (resuming skips them, should pages have shifted).
    state: dict[str, Any] = {
        "range": [lo, hi],
        "done_until": lo - 1,
        "window": None,
        "pages": 0,
        "span_hi": None,
        "window_ids": [],
    }
    try:
        files = _open_files(job, encoder, state, outcome)
    except UsageError as exc:
        outcome.usage = str(exc)
        return
    lo, hi = state["range"]
    page_size = 50
    projects = job.projects or None
    window_ids: set[str] = set(state["window_ids"])

    def sync() -> None:
        state["window_ids"] = sorted(window_ids)

    async with _committing(files, state, outcome, sync):
        resume_window = tuple(state["window"]) if state["window"] else None
        resume_page = int(state["pages"]) + 1
        first_use = [True]

        def fetch_window(a: int, b: int) -> AsyncIterator[tuple[int, int, int, TaskSearchItem]]:
            first = 1
            if first_use[0] and (a, b) == resume_window:
                first = resume_page
            first_use[0] = False

            async def fetch(page_num: int) -> NumberedPage[tuple[int, int, int, TaskSearchItem]]:
                page = await client.tasks.search(
                    project_keys=projects,
                    status=job.status,
                    created_at={"start": a, "end": b},
                    page_num=page_num,
                    page_size=page_size,
                )
                tagged = [(a, b, page_num, item) for item in page.items or []]
                number = page.pagination.page_num if page.pagination is not None else None
                return NumberedPage(tagged, number, page.total)

            return iter_page_numbers(
                fetch,
                page_size=page_size,
                first_page=first,
                key=_tagged_key,
                what="get_task_list_across_space",
                infer_page_size=True,
            )

        if resume_window is not None:
            parts = [(resume_window[0], resume_window[1]), (resume_window[1] + 1, hi)]
        else:
            parts = [(int(state["done_until"]) + 1, hi)]
        last: tuple[int, int, int] | None = None
        async with progress.bar("tasks", None, unit="tasks") as bar:
            # The count is the output's (so it ends where "wrote N lines" does); the rate is
            # this run's alone.
            bar.resume_from(files.lines)
            for a, b in parts:
                if a > b:
                    continue
                async for wa, wb, page_num, item in iter_created_at_windows(
                    fetch_window, a, b, key=_tagged_key, what="get_task_list_across_space"
                ):
                    if last is not None and (wa, wb, page_num) != last:
                        # The previous page is all written.
                        sync()
                        files.commit(state)
                    if state["window"] is None or [wa, wb] != state["window"]:
                        span_hi = state["span_hi"]
                        if span_hi is not None and wa > span_hi:
                            # Past every window begun so far: all before wa is written.
                            state["done_until"] = wa - 1
                            window_ids.clear()
                            state["span_hi"] = None
                        state["window"] = [wa, wb]
                        state["span_hi"] = max(wb, state["span_hi"] or wb)
                    state["pages"] = page_num
                    last = (wa, wb, page_num)
                    ident = item.task_id
                    if ident is not None and ident in window_ids:
                        continue
                    files.write_line(encoder.line(item))
                    if ident is not None:
                        window_ids.add(ident)
                    bar.advance()
            state.update(done_until=hi, window=None, pages=0, span_hi=None, window_ids=[])


def _tagged_key(tagged: tuple[int, int, int, TaskSearchItem]) -> Any:
    ident = tagged[3].task_id
    return ident if ident is not None else object()
