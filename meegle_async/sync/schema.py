"""The relational schema ``meegle-async sync`` writes: one SQLAlchemy ``MetaData``.

Every table keeps the server's own JSON beside the columns (``data``), so nothing the server
sent is lost, and the columns are what people filter and group by. Times are the API's
13-digit milliseconds. The tables (documented with example SQL in ``docs/guide/sync.md``):

``spaces``, ``work_item_types``, ``fields``
    what the synced spaces contain (names, type keys, field keys and names).
``work_items``
    one row per work item: id, space, type, name, state, template, created/updated times and
    users, every field as one JSON object (``field_key -> value``), the whole item (``data``).
``field_values``
    one row per item and field: key, type, value as JSON and a readable ``label`` (an option's
    label, a user key, a date in ms, ...), so "items per priority" is one ``GROUP BY``.
``users``, ``subtasks``, ``workflow_nodes``, ``comments``, ``change_log``
    the people the items mention, node subtasks, workflow nodes, comments, change-log records.
``sync_state``, ``sync_pending``
    a watermark per space and type, the run in progress and the ids it has left to copy.

The schema version is Alembic's (``alembic_version``); changes go through a migration in
``migrations/versions`` and :func:`meegle_async.sync.upgrade_database` applies them in place.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

__all__ = [
    "JSONType",
    "change_log",
    "comments",
    "field_values",
    "fields",
    "metadata",
    "spaces",
    "subtasks",
    "sync_pending",
    "sync_state",
    "users",
    "work_item_types",
    "work_items",
    "workflow_nodes",
]

#: JSON everywhere; ``JSONB`` on PostgreSQL (indexable, ``->>`` works the same).
JSONType = JSON().with_variant(JSONB(), "postgresql")

metadata = MetaData()

spaces = Table(
    "spaces",
    metadata,
    Column("project_key", String(64), primary_key=True),
    Column("name", Text),
    Column("simple_name", String(255)),
    Column("data", JSONType, nullable=False),
)

work_item_types = Table(
    "work_item_types",
    metadata,
    Column("project_key", String(64), primary_key=True),
    Column("type_key", String(128), primary_key=True),
    Column("name", Text),
    Column("api_name", String(255)),
    Column("is_disabled", Boolean),
    Column("data", JSONType, nullable=False),
)

fields = Table(
    "fields",
    metadata,
    Column("project_key", String(64), primary_key=True),
    Column("work_item_type_key", String(128), primary_key=True),
    Column("field_key", String(255), primary_key=True),
    Column("field_name", Text),
    Column("field_alias", String(255)),
    Column("field_type_key", String(64)),
    Column("data", JSONType, nullable=False),
)

work_items = Table(
    "work_items",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("project_key", String(64), nullable=False),
    Column("work_item_type_key", String(128), nullable=False),
    Column("name", Text),
    Column("state_key", String(255)),
    Column("sub_stage", String(255)),
    Column("template_id", BigInteger),
    Column("created_at", BigInteger),
    Column("created_by", String(64)),
    Column("updated_at", BigInteger),
    Column("updated_by", String(64)),
    Column("fields", JSONType, nullable=False),
    Column("data", JSONType, nullable=False),
    Index("ix_work_items_space_type", "project_key", "work_item_type_key"),
    Index("ix_work_items_updated_at", "updated_at"),
)

field_values = Table(
    "field_values",
    metadata,
    Column("work_item_id", BigInteger, primary_key=True, autoincrement=False),
    Column("field_key", String(255), primary_key=True),
    Column("project_key", String(64), nullable=False),
    Column("work_item_type_key", String(128), nullable=False),
    Column("field_type_key", String(64)),
    Column("field_alias", String(255)),
    Column("value", JSONType),
    Column("label", Text),
    Index("ix_field_values_key_label", "project_key", "work_item_type_key", "field_key", "label"),
)

users = Table(
    "users",
    metadata,
    Column("user_key", String(64), primary_key=True),
    Column("name", Text),
    Column("email", String(255)),
    Column("data", JSONType, nullable=False),
)

subtasks = Table(
    "subtasks",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("work_item_id", BigInteger, nullable=False),
    Column("node_id", String(255)),
    Column("name", Text),
    Column("passed", Boolean),
    Column("owners", JSONType),
    Column("data", JSONType, nullable=False),
    Index("ix_subtasks_work_item", "work_item_id"),
)

workflow_nodes = Table(
    "workflow_nodes",
    metadata,
    Column("work_item_id", BigInteger, primary_key=True, autoincrement=False),
    Column("node_id", String(255), primary_key=True),
    Column("state_key", String(255)),
    Column("name", Text),
    Column("status", Integer),
    Column("owners", JSONType),
    Column("data", JSONType, nullable=False),
)

comments = Table(
    "comments",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("work_item_id", BigInteger, nullable=False),
    Column("content", Text),
    Column("created_at", BigInteger),
    Column("created_by", String(64)),
    Column("data", JSONType, nullable=False),
    Index("ix_comments_work_item", "work_item_id"),
)

change_log = Table(
    "change_log",
    metadata,
    Column("work_item_id", BigInteger, primary_key=True, autoincrement=False),
    # Records have no id of their own: a digest of the record's JSON stands in for one, so a
    # record fetched twice (the watermark's overlap) is stored once.
    Column("record_hash", String(64), primary_key=True),
    Column("project_key", String(64)),
    Column("work_item_type_key", String(128)),
    Column("operation_type", String(128)),
    Column("operation_time", BigInteger),
    Column("operator", String(64)),
    Column("data", JSONType, nullable=False),
    Index("ix_change_log_time", "operation_time"),
)

sync_state = Table(
    "sync_state",
    metadata,
    Column("project_key", String(64), primary_key=True),
    Column("work_item_type_key", String(128), primary_key=True),
    # Every item updated before this (ms, the syncing machine's clock) is in the database.
    Column("watermark", BigInteger),
    # The run in progress: its watermark-to-be, the updated-since bound it listed with, and
    # whether it is a reconciliation (the whole id set listed).
    Column("run_watermark", BigInteger),
    Column("run_since", BigInteger),
    Column("run_reconcile", Boolean),
    Column("last_reconciled", BigInteger),
    Column("runs", Integer, nullable=False, default=0),
)

sync_pending = Table(
    "sync_pending",
    metadata,
    Column("project_key", String(64), primary_key=True),
    Column("work_item_type_key", String(128), primary_key=True),
    Column("work_item_id", BigInteger, primary_key=True, autoincrement=False),
)
