"""Work hour records (the Go SDK's ``ManHourRecord``) and the entries that create or change them.

On the wire ``work_time`` is a number in answers and a *string* in requests (the official SDK's
types); the entries here take a number and send it as the SDK does.
"""

from __future__ import annotations

import attrs

from .base import MeegleModel
from .common import Pagination

__all__ = ["WorkHourEntry", "WorkHourPage", "WorkHourRecord", "WorkHourUpdate"]


@attrs.define(frozen=True, kw_only=True, slots=True)
class WorkHourRecord(MeegleModel):
    """One registered stretch of work: who (``work_user_key``), when (``work_date``, ms), how
    long (``work_time``, hours) and on what (``resource_type`` and ``resource_id``)."""

    id: int
    related_work_item_id: int | None = None
    related_work_item_type_key: str | None = None
    related_work_item_name: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    resource_name: str | None = None
    work_description: str | None = None
    work_time: float | None = None
    work_user_key: str | None = None
    work_date: int | None = None
    created_at: int | None = None
    updated_at: int | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class WorkHourPage(MeegleModel):
    """One page of ``work_hours.list``: ``items`` and ``pagination``."""

    items: list[WorkHourRecord] | None = None
    pagination: Pagination | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class WorkHourEntry(MeegleModel):
    """Hours to register on a resource of the item: ``resource_type`` (``"work_item"``,
    ``"node"`` or ``"sub_task"`` on the fake; the SDK leaves the values undocumented) and its
    ``resource_id`` (the item id, a node id or a subtask id)."""

    resource_type: str
    resource_id: str
    work_time: float
    work_description: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class WorkHourUpdate(MeegleModel):
    """A change to one record: its ``id`` and new ``work_time`` and/or ``work_description``."""

    id: int
    work_time: float | None = None
    work_description: str | None = None
