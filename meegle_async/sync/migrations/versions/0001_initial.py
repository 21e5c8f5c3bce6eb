"""The first schema: spaces, types, fields, work items, field values, users, subtasks,
workflow nodes, comments, change log, sync state.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "spaces",
        sa.Column("project_key", sa.String(64), primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("simple_name", sa.String(255)),
        sa.Column("data", JSON, nullable=False),
    )
    op.create_table(
        "work_item_types",
        sa.Column("project_key", sa.String(64), primary_key=True),
        sa.Column("type_key", sa.String(128), primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("api_name", sa.String(255)),
        sa.Column("is_disabled", sa.Boolean),
        sa.Column("data", JSON, nullable=False),
    )
    op.create_table(
        "fields",
        sa.Column("project_key", sa.String(64), primary_key=True),
        sa.Column("work_item_type_key", sa.String(128), primary_key=True),
        sa.Column("field_key", sa.String(255), primary_key=True),
        sa.Column("field_name", sa.Text),
        sa.Column("field_alias", sa.String(255)),
        sa.Column("field_type_key", sa.String(64)),
        sa.Column("data", JSON, nullable=False),
    )
    op.create_table(
        "work_items",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("project_key", sa.String(64), nullable=False),
        sa.Column("work_item_type_key", sa.String(128), nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("state_key", sa.String(255)),
        sa.Column("sub_stage", sa.String(255)),
        sa.Column("template_id", sa.BigInteger),
        sa.Column("created_at", sa.BigInteger),
        sa.Column("created_by", sa.String(64)),
        sa.Column("updated_at", sa.BigInteger),
        sa.Column("updated_by", sa.String(64)),
        sa.Column("fields", JSON, nullable=False),
        sa.Column("data", JSON, nullable=False),
    )
    op.create_index("ix_work_items_space_type", "work_items", ["project_key", "work_item_type_key"])
    op.create_index("ix_work_items_updated_at", "work_items", ["updated_at"])
    op.create_table(
        "field_values",
        sa.Column("work_item_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("field_key", sa.String(255), primary_key=True),
        sa.Column("project_key", sa.String(64), nullable=False),
        sa.Column("work_item_type_key", sa.String(128), nullable=False),
        sa.Column("field_type_key", sa.String(64)),
        sa.Column("field_alias", sa.String(255)),
        sa.Column("value", JSON),
        sa.Column("label", sa.Text),
    )
    op.create_index(
        "ix_field_values_key_label",
        "field_values",
        ["project_key", "work_item_type_key", "field_key", "label"],
    )
    op.create_table(
        "users",
        sa.Column("user_key", sa.String(64), primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("email", sa.String(255)),
        sa.Column("data", JSON, nullable=False),
    )
    op.create_table(
        "subtasks",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("work_item_id", sa.BigInteger, nullable=False),
        sa.Column("node_id", sa.String(255)),
        sa.Column("name", sa.Text),
        sa.Column("passed", sa.Boolean),
        sa.Column("owners", JSON),
        sa.Column("data", JSON, nullable=False),
    )
    op.create_index("ix_subtasks_work_item", "subtasks", ["work_item_id"])
    op.create_table(
        "workflow_nodes",
        sa.Column("work_item_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("node_id", sa.String(255), primary_key=True),
        sa.Column("state_key", sa.String(255)),
        sa.Column("name", sa.Text),
        sa.Column("status", sa.Integer),
        sa.Column("owners", JSON),
        sa.Column("data", JSON, nullable=False),
    )
    op.create_table(
        "comments",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("work_item_id", sa.BigInteger, nullable=False),
        sa.Column("content", sa.Text),
        sa.Column("created_at", sa.BigInteger),
        sa.Column("created_by", sa.String(64)),
        sa.Column("data", JSON, nullable=False),
    )
    op.create_index("ix_comments_work_item", "comments", ["work_item_id"])
    op.create_table(
        "change_log",
        sa.Column("work_item_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("record_hash", sa.String(64), primary_key=True),
        sa.Column("project_key", sa.String(64)),
        sa.Column("work_item_type_key", sa.String(128)),
        sa.Column("operation_type", sa.String(128)),
        sa.Column("operation_time", sa.BigInteger),
        sa.Column("operator", sa.String(64)),
        sa.Column("data", JSON, nullable=False),
    )
    op.create_index("ix_change_log_time", "change_log", ["operation_time"])
    op.create_table(
        "sync_state",
        sa.Column("project_key", sa.String(64), primary_key=True),
        sa.Column("work_item_type_key", sa.String(128), primary_key=True),
        sa.Column("watermark", sa.BigInteger),
        sa.Column("run_watermark", sa.BigInteger),
        sa.Column("run_since", sa.BigInteger),
        sa.Column("run_reconcile", sa.Boolean),
        sa.Column("last_reconciled", sa.BigInteger),
        sa.Column("runs", sa.Integer, nullable=False),
    )
    op.create_table(
        "sync_pending",
        sa.Column("project_key", sa.String(64), primary_key=True),
        sa.Column("work_item_type_key", sa.String(128), primary_key=True),
        sa.Column("work_item_id", sa.BigInteger, primary_key=True, autoincrement=False),
    )


def downgrade() -> None:
    for table in (
        "sync_pending",
        "sync_state",
        "change_log",
        "comments",
        "workflow_nodes",
        "subtasks",
        "users",
        "field_values",
        "work_items",
        "fields",
        "work_item_types",
        "spaces",
    ):
        op.drop_table(table)
