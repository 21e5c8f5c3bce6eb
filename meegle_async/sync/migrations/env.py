"""Alembic's environment for the sync database: migrations run on the caller's connection.

:func:`meegle_async.sync.database.upgrade` passes a synchronous connection (an async engine's,
through ``run_sync``) in ``config.attributes["connection"]``; nothing here opens its own.
"""

from __future__ import annotations

from alembic import context

from meegle_async.sync.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite alters tables by copying them: batch mode does that for later migrations.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
