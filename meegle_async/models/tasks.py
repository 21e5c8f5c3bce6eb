"""Subtasks: a subtask, a workflow node with its subtasks, subtask search items and pages.

Subtask ids arrive as strings (``sub_task.id`` in search, ``sub_tasks[].id`` in details) and stay
strings here; ``int_id`` gives the number the complete/rollback body needs. Actual begin and
finish times are strings on the wire too (probably milliseconds written as text).
"""

from __future__ import annotations

import attrs

from .._text import is_digits
from .base import MeegleModel
from .common import FieldValuePair, Pagination, RoleOwner, Schedule

__all__ = ["NodeTask", "SubTask", "TaskSearchItem", "TaskSearchPage"]


def _int_or_none(value: str | None) -> int | None:
    if value is None:
        return None
    text = value.strip()
    return int(text) if is_digits(text) else None


@attrs.define(frozen=True, kw_only=True, slots=True)
class SubTask(MeegleModel):
    """A subtask on a workflow node (``sub_task`` in search, ``sub_tasks[]`` in details).

    ``owner_roles`` and ``owner_usage_mode`` come only from task details.
    """

    id: str | None = None
    name: str | None = None
    schedules: list[Schedule] | None = None
    order: float | None = None
    details: str | None = None
    passed: bool | None = None
    owners: list[str] | None = None
    assignee: list[str] | None = None
    role_assignee: list[RoleOwner] | None = None
    note: str | None = None
    deliverable: list[FieldValuePair] | None = None
    fields: list[FieldValuePair] | None = None
    actual_begin_time: str | None = None
    actual_finish_time: str | None = None
    owner_roles: list[str] | None = None
    owner_usage_mode: int | None = None

    @property
    def int_id(self) -> int | None:
        """The subtask id as an ``int`` (``None`` if absent or not digits)."""
        return _int_or_none(self.id)


@attrs.define(frozen=True, kw_only=True, slots=True)
class NodeTask(MeegleModel):
    """A workflow node and its subtasks (one entry of ``tasks.get_details``).

    ``id`` and ``state_key`` name the node; the API uses the state key as ``node_id``.
    """

    id: str | None = None
    state_key: str | None = None
    node_name: str | None = None
    template_id: int | None = None
    version: int | None = None
    sub_tasks: list[SubTask] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class TaskSearchItem(MeegleModel):
    """One subtask search result: the subtask, its node and its parent work item."""

    work_item_id: int | None = None
    work_item_name: str | None = None
    node_id: str | None = None
    sub_task: SubTask | None = None

    @property
    def task_id(self) -> str | None:
        """The subtask's id as sent (a string), or ``None``."""
        return self.sub_task.id if self.sub_task is not None else None


@attrs.define(frozen=True, kw_only=True, slots=True)
class TaskSearchPage(MeegleModel):
    """One page of subtask search: ``items`` (the envelope's ``data``) and ``pagination``."""

    items: list[TaskSearchItem] | None = None
    pagination: Pagination | None = None

    @property
    def total(self) -> int | None:
        """How many subtasks match the query in all (``pagination.total``), if the server said."""
        return self.pagination.total if self.pagination is not None else None
