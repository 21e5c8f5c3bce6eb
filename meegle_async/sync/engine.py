"""The sync engine: copy spaces, types and work items into the database, then keep it current.

One run, per space and work item type (a *target*):

1. **Plan.** With no run in progress, list the ids to copy with ``work_items.iter_filter``:
   every item on the first run and on a reconciliation (every ``reconcile_every`` seconds),
   else only items updated since the watermark less ``overlap``. Ids whose ``updated_at``
   matches the database are skipped; on a reconciliation, ids the database has and the
   listing lacks (deleted, or terminated: the filter leaves those out) are added. The ids go
   into ``sync_pending`` with the run's watermark-to-be, in one transaction.
2. **Copy.** ``sync_pending`` is worked through 50 ids a details request (with the workflow,
   which carries nodes and subtasks), their change log since the old watermark, and the users
   they mention; each chunk's rows, its removal from ``sync_pending`` (and an id the server
   no longer returns: the item's rows deleted) commit in one transaction.
3. **Finish.** When nothing is pending, the watermark moves to the run's, in one transaction.

A run killed at any point leaves the database at a chunk boundary; the next run sees the
pending ids and carries on (step 2), so nothing is lost and nothing is written twice. The
whole run holds :func:`.database.database_lock`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..errors import MeegleAPIError, MeegleNotFoundError, MeegleValidationError
from ..models import Expand, OpRecord, WorkItem, to_dict
from . import schema as s
from .database import DEFAULT_DB_URL, create_engine, database_lock, schema_version, upgrade
from .rows import as_json, change_log_rows, item_rows, user_keys, user_row

if TYPE_CHECKING:
    from ..client import MeegleClient

__all__ = ["SyncReport", "TargetReport", "sync_database"]

CHUNK = 50
#: The largest change-log page: most chunks' records then come in one request.
CHANGE_LOG_PAGE = 200
#: Spaces and types synced side by side.
TARGETS_AT_ONCE = 3
#: Error codes with which a details request says that none of its ids exists.
_NONE_EXIST = frozenset({30005})


class _Bar(Protocol):
    def advance(self, n: int = 1) -> None: ...


class ProgressLike(Protocol):
    """What the engine needs of a progress display (``meegle_async.cli.progress.Progress``)."""

    def bar(
        self, label: str, total: int | None, *, unit: str = ...
    ) -> AbstractAsyncContextManager[Any]: ...


class _NoBar:
    def advance(self, n: int = 1) -> None:
        pass

    async def __aenter__(self) -> _NoBar:
        return self

    async def __aexit__(self, *exc: object) -> None:
        pass


class _NoProgress:
    def bar(self, label: str, total: int | None, *, unit: str = "items") -> _NoBar:
        return _NoBar()


@dataclass
class TargetReport:
    """What one run did for one space and work item type."""

    project_key: str
    work_item_type_key: str
    listed: int = 0
    fetched: int = 0
    upserted: int = 0
    deleted: int = 0
    change_log: int = 0
    comments: int = 0
    first: bool = False
    resumed: bool = False
    reconciled: bool = False
    watermark: int | None = None


@dataclass
class SyncReport:
    """What one run did: per target, and the database's schema version."""

    targets: list[TargetReport] = field(default_factory=list)
    schema_version: str | None = None
    elapsed: float = 0.0

    @property
    def upserted(self) -> int:
        """Work items written (new or changed)."""
        return sum(t.upserted for t in self.targets)

    @property
    def deleted(self) -> int:
        """Work items removed because the server no longer returns them."""
        return sum(t.deleted for t in self.targets)


async def sync_database(
    client: MeegleClient,
    db: str | URL | AsyncEngine = DEFAULT_DB_URL,
    *,
    projects: Sequence[str] | None = None,
    types: Sequence[str] | None = None,
    all_spaces: bool = False,
    change_log: bool = True,
    comments: bool = False,
    reconcile_every: float = 3600.0,
    overlap: float = 300.0,
    concurrency: int = 8,
    progress: ProgressLike | None = None,
    clock: Callable[[], float] = time.time,
) -> SyncReport:
    """Copy Meegle work items into a SQL database, incrementally; one run.

    The first run copies every item of the chosen spaces and types; later runs copy what
    changed since the last (a watermark per space and type, with ``overlap`` seconds of
    margin) and, every ``reconcile_every`` seconds, compare the id sets to drop deleted items
    and pick up terminated ones. The database is created or migrated first; a second run on
    the same database at the same time is refused.

    Args:
        client: the client to read with (its limits, retries and ``shared_state`` apply).
        db: ``sqlite:///file.db`` (default ``sqlite:///meegle.db``), ``postgresql://...``,
            or an ``AsyncEngine`` the caller owns.
        projects: space project_keys (or simple_names) to sync.
        types: work item type keys; default every enabled type of each space.
        all_spaces: every space the plugin sees (``spaces.list``), every enabled type.
        change_log: also copy each changed item's change log (one request per 50 ids).
        comments: also copy comments (one request per changed item, ``comments.iter``).
        reconcile_every: seconds between id-set reconciliations (deletions, terminations).
        overlap: seconds subtracted from the watermark when asking for updated items.
        concurrency: details requests in flight (the rate limits hold either way).
        progress: a progress display (``meegle_async.cli.progress.Progress``); none by default.
        clock: seconds since the epoch (tests pass their own).

    Returns:
        A ``SyncReport``.

    Raises:
        MeegleValidationError: bad arguments or database URL; nothing was sent.
        SyncLockedError: another run holds the database.
        MeegleAPIError: the server refused a request; what was committed stays, and the next
            run carries on from there.

    Example::

        async with MeegleClient.from_env() as client:
            report = await sync_database(client, "sqlite:///meegle.db", projects=["space"])
            print(report.upserted, "items written")
    """
    if not all_spaces and not projects:
        raise MeegleValidationError("sync: name spaces with projects=[...] or pass all_spaces=True")
    if all_spaces and (projects or types):
        raise MeegleValidationError("sync: all_spaces=True goes without projects and types")
    if concurrency < 1:
        raise MeegleValidationError("sync: concurrency must be at least 1")
    if reconcile_every < 0 or overlap < 0:
        raise MeegleValidationError("sync: reconcile_every and overlap must not be negative")
    owned = not isinstance(db, AsyncEngine)
    engine = create_engine(db) if not isinstance(db, AsyncEngine) else db
    started = time.monotonic()
    try:
        async with database_lock(engine):
            await upgrade(engine)
            syncer = _Syncer(
                client,
                engine,
                change_log=change_log,
                comments=comments,
                reconcile_ms=int(reconcile_every * 1000),
                overlap_ms=int(overlap * 1000),
                concurrency=concurrency,
                progress=progress or _NoProgress(),
                clock=clock,
            )
            report = SyncReport(schema_version=await schema_version(engine))
            await syncer.run(report, projects or [], types or [], all_spaces=all_spaces)
    finally:
        if owned:
            await engine.dispose()
    report.elapsed = time.monotonic() - started
    return report


def _insert_ignore(conn: AsyncConnection, table: Any) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` in the connection's dialect."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


@dataclass
class _Fetched:
    ids: list[int]
    items: list[WorkItem]
    records: list[OpRecord]
    users: list[dict[str, Any]]
    comments: dict[int, list[dict[str, Any]]]


class _Syncer:
    def __init__(
        self,
        client: MeegleClient,
        engine: AsyncEngine,
        *,
        change_log: bool,
        comments: bool,
        reconcile_ms: int,
        overlap_ms: int,
        concurrency: int,
        progress: ProgressLike,
        clock: Callable[[], float],
    ) -> None:
        self.client = client
        self.engine = engine
        self.change_log = change_log
        self.comments = comments
        self.reconcile_ms = reconcile_ms
        self.overlap_ms = overlap_ms
        self.concurrency = concurrency
        self.progress = progress
        self.clock = clock
        self.known_users: set[str] = set()
        # Targets run side by side; their write transactions take turns (SQLite has one
        # writer, and a transaction waiting on another's lock could fail instead of waiting).
        self._write_lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def _tx(self) -> AsyncIterator[AsyncConnection]:
        async with self._write_lock, self.engine.begin() as conn:
            yield conn

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    # -- targets and metadata --------------------------------------------------------------

    async def run(
        self,
        report: SyncReport,
        projects: Sequence[str],
        types: Sequence[str],
        *,
        all_spaces: bool,
    ) -> None:
        async with self.engine.connect() as conn:
            result = await conn.execute(select(s.users.c.user_key))
            self.known_users = {row[0] for row in result}
        if all_spaces:
            projects = await self.client.spaces.list()
        targets = await self._targets(projects, types)
        report.targets.extend(TargetReport(p, t) for p, t in targets)
        # Several targets at once: one lists while another's details keep the limiter busy.
        async for _ in _bounded((self._sync_target(t) for t in report.targets), TARGETS_AT_ONCE):
            pass

    async def _targets(
        self, projects: Sequence[str], types: Sequence[str]
    ) -> list[tuple[str, str]]:
        """The (space, type) pairs to sync; space and type rows are refreshed on first sight
        and on reconciliation runs (cheap: one request per space)."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(s.sync_state.c.project_key, s.sync_state.c.work_item_type_key)
            )
            known = {(r[0], r[1]) for r in rows}
        wanted = list(dict.fromkeys(projects))
        if types and all((p, t) in known for p in wanted for t in types):
            # Named spaces and types that were synced before: no metadata request needed.
            return [(p, t) for p in wanted for t in dict.fromkeys(types)]
        details = await self.client.spaces.get_details(project_keys=wanted)
        missing = [k for k in wanted if k not in details]
        if missing:
            # Simple names (from a space's URL) stand for their project key: rows are stored
            # under the key, so that a space named either way is one space.
            try:
                named = await self.client.spaces.get_details(simple_names=missing)
            except MeegleAPIError:
                named = {}
            details.update({s.simple_name: s for s in named.values() if s.simple_name})
        targets: list[tuple[str, str]] = []
        async with self._tx() as conn:
            for key in wanted:
                space = details.get(key)
                project_key = (space.project_key if space else None) or key
                if space is not None:
                    await self._replace(
                        conn,
                        s.spaces,
                        [s.spaces.c.project_key == project_key],
                        [
                            {
                                "project_key": project_key,
                                "name": space.name,
                                "simple_name": space.simple_name,
                                "data": to_dict(space),
                            }
                        ],
                    )
                item_types = await self.client.spaces.get_work_item_types(project_key)
                await self._replace(
                    conn,
                    s.work_item_types,
                    [s.work_item_types.c.project_key == project_key],
                    [
                        {
                            "project_key": project_key,
                            "type_key": t.type_key,
                            "name": t.name,
                            "api_name": t.api_name,
                            "is_disabled": t.is_disabled,
                            "data": to_dict(t),
                        }
                        for t in item_types
                        if t.type_key
                    ],
                )
                available = [t.type_key for t in item_types if t.type_key and not t.is_disabled]
                if types:
                    unknown = [t for t in types if t not in available]
                    if unknown:
                        raise MeegleValidationError(
                            f"sync: space {project_key} has no enabled work item type "
                            f"{', '.join(unknown)} (it has: {', '.join(available) or 'none'})"
                        )
                    chosen = list(dict.fromkeys(types))
                else:
                    chosen = available
                targets.extend((project_key, t) for t in chosen)
        return targets

    async def _refresh_fields(self, project_key: str, type_key: str) -> None:
        found = await self.client.fields.get_all(project_key, work_item_type_key=type_key)
        rows = [
            {
                "project_key": project_key,
                "work_item_type_key": type_key,
                "field_key": f.field_key,
                "field_name": f.field_name,
                "field_alias": f.field_alias or None,
                "field_type_key": f.field_type_key,
                "data": to_dict(f),
            }
            for f in found
            if f.field_key
        ]
        rows = list({r["field_key"]: r for r in rows}.values())
        async with self._tx() as conn:
            await self._replace(
                conn,
                s.fields,
                [s.fields.c.project_key == project_key, s.fields.c.work_item_type_key == type_key],
                rows,
            )

    @staticmethod
    async def _replace(
        conn: AsyncConnection, table: Any, where: Sequence[Any], rows: list[dict[str, Any]]
    ) -> None:
        await conn.execute(delete(table).where(and_(*where)))
        if rows:
            await conn.execute(insert(table), rows)

    # -- one target --------------------------------------------------------------------------

    async def _sync_target(self, target: TargetReport) -> None:
        p, t = target.project_key, target.work_item_type_key
        key = [s.sync_state.c.project_key == p, s.sync_state.c.work_item_type_key == t]
        async with self.engine.connect() as conn:
            state = (await conn.execute(select(s.sync_state).where(*key))).mappings().first()
        if state is not None and state["run_watermark"] is not None:
            target.resumed = True
            target.first = state["watermark"] is None
            target.reconciled = bool(state["run_reconcile"]) and not target.first
            since = state["run_since"]
        else:
            since = await self._plan(target, state)
        await self._copy(target, since)
        async with self._tx() as conn:
            state = (await conn.execute(select(s.sync_state).where(*key))).mappings().first()
            assert state is not None
            left = await conn.scalar(
                select(func.count())
                .select_from(s.sync_pending)
                .where(s.sync_pending.c.project_key == p, s.sync_pending.c.work_item_type_key == t)
            )
            if left:
                return
            values: dict[str, Any] = {
                "watermark": state["run_watermark"],
                "run_watermark": None,
                "run_since": None,
                "run_reconcile": None,
                "runs": state["runs"] + 1,
            }
            if state["run_reconcile"]:
                values["last_reconciled"] = state["run_watermark"]
            await conn.execute(update(s.sync_state).where(*key).values(**values))
            target.watermark = state["run_watermark"]

    async def _plan(self, target: TargetReport, state: Any) -> int | None:
        """List what to copy; store it with the run's watermark-to-be. Returns the change-log
        bound (``None``: the whole history)."""
        p, t = target.project_key, target.work_item_type_key
        now = self.now_ms()
        watermark = state["watermark"] if state is not None else None
        last = state["last_reconciled"] if state is not None else None
        reconcile = watermark is None or last is None or now - last >= self.reconcile_ms
        since = None if watermark is None else max(0, watermark - self.overlap_ms)
        target.reconciled = reconcile and watermark is not None
        target.first = watermark is None
        if reconcile:
            await self._refresh_fields(p, t)
        listed: dict[int, int | None] = {}
        updated = None if reconcile or since is None else {"start": since}
        async with self.progress.bar(f"list {t}", None, unit="ids") as bar:
            async for item in self.client.work_items.iter_filter(
                p, work_item_type_keys=[t], updated_at=updated
            ):
                if item.id is not None:
                    listed[item.id] = item.updated_at
                    bar.advance()
        target.listed = len(listed)
        where = [s.work_items.c.project_key == p, s.work_items.c.work_item_type_key == t]
        async with self._tx() as conn:
            rows = await conn.execute(
                select(s.work_items.c.id, s.work_items.c.updated_at).where(*where)
            )
            have = {r[0]: r[1] for r in rows}
            pending = [i for i, u in listed.items() if u is None or have.get(i) != u]
            if reconcile:
                pending.extend(i for i in have if i not in listed)
            values = {
                "run_watermark": now,
                "run_since": since,
                "run_reconcile": reconcile,
            }
            if state is None:
                await conn.execute(
                    insert(s.sync_state).values(
                        project_key=p,
                        work_item_type_key=t,
                        watermark=None,
                        last_reconciled=None,
                        runs=0,
                        **values,
                    )
                )
            else:
                await conn.execute(
                    update(s.sync_state)
                    .where(s.sync_state.c.project_key == p, s.sync_state.c.work_item_type_key == t)
                    .values(**values)
                )
            if pending:
                await conn.execute(
                    _insert_ignore(conn, s.sync_pending),
                    [
                        {"project_key": p, "work_item_type_key": t, "work_item_id": i}
                        for i in sorted(set(pending))
                    ],
                )
        return since

    async def _copy(self, target: TargetReport, since: int | None) -> None:
        p, t = target.project_key, target.work_item_type_key
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(s.sync_pending.c.work_item_id)
                .where(s.sync_pending.c.project_key == p, s.sync_pending.c.work_item_type_key == t)
                .order_by(s.sync_pending.c.work_item_id)
            )
            ids = [r[0] for r in rows]
        if not ids:
            return
        chunks = [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]
        async with self.progress.bar(f"sync {t}", len(ids), unit="items") as bar:
            async for fetched in _bounded(
                (self._fetch(p, t, chunk, since) for chunk in chunks), self.concurrency
            ):
                await self._write(target, fetched)
                bar.advance(len(fetched.ids))

    async def _fetch(self, p: str, t: str, ids: list[int], since: int | None) -> _Fetched:
        try:
            items = await self.client.work_items.get_details(
                p, t, ids, expand=Expand(need_workflow=True)
            )
        except MeegleAPIError as exc:
            if exc.code not in _NONE_EXIST:
                raise
            items = []
        items = [i for i in items if i.id is not None and i.id in set(ids)]
        found = [i.id for i in items if i.id is not None]
        records: list[OpRecord] = []
        if self.change_log and found:
            records = [
                r
                async for r in self.client.work_items.iter_change_log(
                    p,
                    found,
                    start=since,
                    end=None if since is None else self.now_ms(),
                    page_size=CHANGE_LOG_PAGE,
                )
            ]
        users = await self._users(items, records)
        comment_rows: dict[int, list[dict[str, Any]]] = {}
        if self.comments:
            for work_item_id in found:
                comment_rows[work_item_id] = await self._comments(p, t, work_item_id)
        return _Fetched(ids, items, records, users, comment_rows)

    async def _users(self, items: Iterable[WorkItem], records: Iterable[OpRecord]) -> list[Any]:
        keys: set[str] = set()
        for item in items:
            keys |= user_keys(item)
        keys |= {r.operator for r in records if r.operator}
        unknown = sorted(keys - self.known_users)
        if not unknown:
            return []
        self.known_users.update(unknown)
        try:
            found = await self.client.users.query(user_keys=unknown)
        except MeegleNotFoundError:
            return []
        return [user_row(u) for u in found if u.user_key]

    async def _comments(self, p: str, t: str, work_item_id: int) -> list[dict[str, Any]]:
        rows = []
        comments = self.client.comments
        async for comment in comments.iter(p, t, work_item_id):
            if comment.id is None:
                continue
            rows.append(
                {
                    "id": comment.id,
                    "work_item_id": work_item_id,
                    "content": comment.content,
                    "created_at": comment.created_at,
                    "created_by": comment.operator or None,
                    "data": as_json(comment),
                }
            )
        return rows

    async def _write(self, target: TargetReport, fetched: _Fetched) -> None:
        """One chunk in one transaction: items replaced, gone ones deleted, pending cleared."""
        p, t = target.project_key, target.work_item_type_key
        tables: dict[str, list[dict[str, Any]]] = {
            "work_items": [],
            "field_values": [],
            "workflow_nodes": [],
            "subtasks": [],
        }
        for item in fetched.items:
            for name, rows in item_rows(item).items():
                tables[name].extend(rows)
        ids = fetched.ids
        async with self._tx() as conn:
            gone = await conn.execute(select(s.work_items.c.id).where(s.work_items.c.id.in_(ids)))
            before = {r[0] for r in gone}
            await conn.execute(delete(s.work_items).where(s.work_items.c.id.in_(ids)))
            for table in (s.field_values, s.workflow_nodes, s.subtasks):
                await conn.execute(delete(table).where(table.c.work_item_id.in_(ids)))
            if self.comments:
                await conn.execute(delete(s.comments).where(s.comments.c.work_item_id.in_(ids)))
                rows = [r for lst in fetched.comments.values() for r in lst]
                if rows:
                    await conn.execute(insert(s.comments), rows)
                    target.comments += len(rows)
            for name, rows in tables.items():
                if rows:
                    table = s.metadata.tables[name]
                    if name == "subtasks":
                        # A subtask id is unique: keep its last sighting.
                        rows = list({r["id"]: r for r in rows}.values())
                    await conn.execute(insert(table), rows)
            log = change_log_rows(fetched.records, t)
            if log:
                await conn.execute(_insert_ignore(conn, s.change_log), log)
                target.change_log += len(log)
            if fetched.users:
                keys = [u["user_key"] for u in fetched.users]
                await conn.execute(delete(s.users).where(s.users.c.user_key.in_(keys)))
                await conn.execute(
                    insert(s.users), list({u["user_key"]: u for u in fetched.users}.values())
                )
            await conn.execute(
                delete(s.sync_pending).where(
                    s.sync_pending.c.project_key == p,
                    s.sync_pending.c.work_item_type_key == t,
                    s.sync_pending.c.work_item_id.in_(ids),
                )
            )
        found = {i.id for i in fetched.items}
        target.fetched += len(ids)
        target.upserted += len(found)
        target.deleted += len(before - found)


async def _bounded(jobs: Iterable[Any], limit: int) -> AsyncIterator[Any]:
    """Run the awaitables ``limit`` at a time; yield each result as it completes.

    An error cancels the rest and is raised.
    """
    running: set[asyncio.Future[Any]] = set()
    it = iter(jobs)
    try:
        for job in it:
            running.add(asyncio.ensure_future(job))
            if len(running) >= limit:
                done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for fut in done:
                    yield fut.result()
        while running:
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for fut in done:
                yield fut.result()
    finally:
        for fut in running:
            fut.cancel()
        for job in it:
            with contextlib.suppress(AttributeError):
                job.close()
        await asyncio.gather(*running, return_exceptions=True)
