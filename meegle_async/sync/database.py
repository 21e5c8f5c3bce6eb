"""The sync database: URLs, the async engine, migrations and the one-run-at-a-time lock.

``sqlite:///path`` runs on aiosqlite (a file beside the caller, nothing to install);
``postgresql://user@host/db`` on asyncpg. A URL that names its driver is used as given.
Passwords never leave this module in text: :func:`safe_url` is what messages show.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO, Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from ..errors import MeegleError, MeegleValidationError

__all__ = [
    "DEFAULT_DB_URL",
    "SyncLockedError",
    "create_engine",
    "database_lock",
    "normalize_url",
    "safe_url",
    "schema_version",
    "upgrade",
]

DEFAULT_DB_URL = "sqlite:///meegle.db"

_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg", "postgres": None}


class SyncLockedError(MeegleError):
    """Another sync run holds this database; this run did nothing."""


def normalize_url(url: str | URL) -> URL:
    """The SQLAlchemy URL with its async driver (``sqlite`` → aiosqlite, ``postgresql`` → asyncpg).

    Raises:
        MeegleValidationError: not a URL, or a database other than SQLite and PostgreSQL.
    """
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except ArgumentError:
        raise MeegleValidationError(
            "db URL: expected sqlite:///path/to/file.db or postgresql://user@host/db"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "postgres":
        backend = "postgresql"
    if backend not in ("sqlite", "postgresql"):
        raise MeegleValidationError(
            f"db URL: {backend!r} is not supported; use sqlite:/// or postgresql://"
        )
    if "+" not in parsed.drivername:
        parsed = parsed.set(drivername=_DRIVERS[backend] or "postgresql+asyncpg")
    elif parsed.drivername not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
        raise MeegleValidationError(
            f"db URL: driver {parsed.drivername!r} is not async; use sqlite+aiosqlite:// or "
            "postgresql+asyncpg:// (or no driver)"
        )
    return parsed


def safe_url(url: str | URL) -> str:
    """The URL with its password masked, for messages and logs."""
    try:
        return normalize_url(url).render_as_string(hide_password=True)
    except MeegleValidationError:
        return "<invalid URL>"


def create_engine(url: str | URL) -> AsyncEngine:
    """An async engine for ``url``; SQLite files get WAL and a busy timeout."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_async_engine(parsed, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _: Any) -> None:
            # The driver's own transaction handling leaves DDL outside transactions; with it
            # off and BEGIN emitted below, a migration commits whole or not at all.
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            # WAL: readers do not block the writer; a commit survives the process being killed.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN")

        return engine
    return create_async_engine(parsed, pool_pre_ping=True)


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "meegle_async.sync:migrations")
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    from alembic import command

    command.upgrade(_alembic_config(connection), "head")


def _current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


async def upgrade(engine: AsyncEngine) -> None:
    """Create the schema, or migrate an existing database to the newest one, in place."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)


async def schema_version(engine: AsyncEngine) -> str | None:
    """The database's Alembic revision (``None`` before the first sync)."""
    async with engine.connect() as conn:
        return await conn.run_sync(_current)


def _lock_key(name: str) -> int:
    digest = hashlib.sha256(f"meegle-async sync {name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextlib.asynccontextmanager
async def database_lock(engine: AsyncEngine) -> AsyncIterator[None]:
    """Hold the database for one run; raise :class:`SyncLockedError` if another run holds it.

    PostgreSQL: a session advisory lock on a connection kept open for the run. SQLite: an
    exclusive ``flock`` on ``<file>.lock``. Both die with the process, so a run killed with
    SIGKILL never leaves a stale lock behind.
    """
    url = engine.url
    if url.get_backend_name() == "postgresql":
        async with engine.connect() as conn:
            await _pg_lock(conn, url)
            try:
                yield
            finally:
                with contextlib.suppress(Exception):
                    await conn.exec_driver_sql("SELECT pg_advisory_unlock_all()")
        return
    database = url.database or ""
    if not database or database == ":memory:":
        yield
        return
    with _file_lock(Path(database).with_name(Path(database).name + ".lock")):
        yield


async def _pg_lock(conn: AsyncConnection, url: URL) -> None:
    key = _lock_key(url.database or "")
    result = await conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({key})")
    got = result.scalar()
    await conn.commit()
    if not got:
        raise SyncLockedError(
            f"another meegle-async sync is running on {safe_url(url)}; this run did nothing"
        )


@contextlib.contextmanager
def _file_lock(path: Path) -> Any:
    import fcntl

    handle: IO[str] = open(path, "a")  # noqa: SIM115 (held for the whole run)
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SyncLockedError(
                f"another meegle-async sync is running on {path.with_suffix('')} "
                f"(it holds {path}); this run did nothing"
            ) from None
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()
