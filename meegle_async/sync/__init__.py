"""``meegle-async sync``: Meegle's work items in a SQL database, kept current incrementally.

Install the extra: ``pip install "meegle-async[sync]"`` (SQLAlchemy 2 with aiosqlite and
asyncpg, Alembic). From the command line::

    meegle-async sync --db sqlite:///meegle.db --project space --type story

From a job of your own, with the client you hold::

    from meegle_async.sync import sync_database

    async with MeegleClient.from_env() as client:
        report = await sync_database(client, "postgresql://me@db/meegle", projects=["space"])

The schema is :mod:`meegle_async.sync.schema` (and ``docs/guide/sync.md``, with example SQL).
"""

from __future__ import annotations

from .database import DEFAULT_DB_URL, SyncLockedError, create_engine, safe_url, upgrade
from .engine import SyncReport, TargetReport, sync_database

__all__ = [
    "DEFAULT_DB_URL",
    "SyncLockedError",
    "SyncReport",
    "TargetReport",
    "create_engine",
    "safe_url",
    "sync_database",
    "upgrade",
]
