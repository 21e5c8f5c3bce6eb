"""``client.work_hours``: the actual hours registered against a work item.

Records are read a page at a time (``list``) or all at once (``iter``); ``create`` registers
hours on the item, a node or a subtask over a range of days; ``update`` and ``delete`` change
records by id.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

from ..errors import MeegleValidationError
from ..helpers.pagination import NumberedPage, iter_page_numbers
from ..helpers.windows import check_ms
from ..models.base import structure, structure_list
from ..models.common import input_json
from ..models.work_hours import WorkHourEntry, WorkHourPage, WorkHourRecord, WorkHourUpdate
from ._base import EndpointGroup
from ._checks import require_id, require_ids, require_page_number, require_text, shown

__all__ = ["WORK_HOURS_PAGE_SIZE", "WorkHours"]

#: The page size ``iter`` asks for.
WORK_HOURS_PAGE_SIZE = 50


def _hours(value: Any, name: str) -> str:
    """Hours as the request sends them: a positive finite number, written as a string."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MeegleValidationError(f"{name} must be a number of hours, not {shown(value)}")
    if not math.isfinite(value) or value <= 0:
        raise MeegleValidationError(f"{name} must be a positive finite number, not {shown(value)}")
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _entries(records: Iterable[WorkHourEntry | Mapping[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(records, (str, bytes, Mapping)) or not isinstance(records, Iterable):
        raise MeegleValidationError("records must be a list of WorkHourEntry or dicts")
    out = []
    for i, record in enumerate(records):
        entry = input_json(record, WorkHourEntry, name=f"records[{i}]")
        require_text(entry.get("resource_type"), f"records[{i}].resource_type")
        require_text(entry.get("resource_id"), f"records[{i}].resource_id")
        entry["work_time"] = _hours(entry.get("work_time"), f"records[{i}].work_time")
        if entry.get("work_description") is None:
            entry.pop("work_description", None)
        out.append(entry)
    if not out:
        raise MeegleValidationError("records is empty: give at least one entry")
    return out


class WorkHours(EndpointGroup):
    """Work hours: ``client.work_hours.iter("space", "story", 101)``, ``create``, ``update``,
    ``delete``."""

    @staticmethod
    def _path(project_key: str, work_item_type_key: str, work_item_id: int | str) -> dict[str, Any]:
        return {
            "project_key": require_text(project_key, "project_key"),
            "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
            "work_item_id": require_id(work_item_id),
        }

    async def list(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        *,
        page_num: int | None = None,
        page_size: int | None = None,
    ) -> WorkHourPage:
        """One page of the work hour records of a work item.

        POST /open_api/work_item/man_hour/records

        Example::

            page = await client.work_hours.list("space_demo", "story", item_id)
            hours = sum(r.work_time or 0 for r in page.items or [])
        """
        body: dict[str, Any] = self._path(project_key, work_item_type_key, work_item_id)
        if page_num is not None:
            body["page_num"] = require_page_number(page_num, "page_num")
        if page_size is not None:
            body["page_size"] = require_page_number(page_size, "page_size")
        resp = await self._call("get_work_item_man_hour_records", json=body)
        return structure({"items": resp.data or [], "pagination": resp.pagination}, WorkHourPage)

    def iter(
        self, project_key: str, work_item_type_key: str, work_item_id: int | str
    ) -> AsyncIterator[WorkHourRecord]:
        """Every work hour record of a work item, 50 a request.

        Ends on an empty or short page, or at ``pagination.total``; a page that repeats the
        one before raises ``MeeglePaginationError``.
        """

        async def fetch(page_num: int) -> NumberedPage[WorkHourRecord]:
            page = await self.list(
                project_key,
                work_item_type_key,
                work_item_id,
                page_num=page_num,
                page_size=WORK_HOURS_PAGE_SIZE,
            )
            return NumberedPage.of(page.items, page.pagination)

        return iter_page_numbers(
            fetch, page_size=WORK_HOURS_PAGE_SIZE, key=lambda r: r.id, what="work_hours"
        )

    async def create(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        records: Iterable[WorkHourEntry | Mapping[str, Any]],
        *,
        work_begin_date: int,
        work_end_date: int,
        include_holidays: bool | None = None,
        idempotency_key: str | None = None,
    ) -> builtins.list[WorkHourRecord]:
        """Register hours on the item (or its nodes and subtasks) over a range of days.

        POST /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/work_hour_record

        Args:
            records: what to register: ``WorkHourEntry`` objects or dicts of
                ``resource_type``, ``resource_id``, ``work_time`` (hours, > 0) and an optional
                ``work_description``.
            work_begin_date, work_end_date: the days (13-digit ms), inclusive.
            include_holidays: spread the hours over holidays too.

        Returns:
            The records created (one per entry and day).

        Example::

            records = await client.work_hours.create(
                "space_demo", "story", item_id,
                [{"resource_type": "work_item", "resource_id": str(item_id), "work_time": 4}],
                work_begin_date=start_ms, work_end_date=start_ms,
            )
        """
        begin = check_ms(work_begin_date, "work_begin_date")
        end = check_ms(work_end_date, "work_end_date")
        if begin > end:
            raise MeegleValidationError("work_begin_date is after work_end_date")
        body: dict[str, Any] = {
            "work_begin_date": begin,
            "work_end_date": end,
            "working_hour_records": _entries(records),
        }
        if include_holidays is not None:
            if not isinstance(include_holidays, bool):
                raise MeegleValidationError("include_holidays must be True or False")
            body["include_holidays"] = include_holidays
        resp = await self._call(
            "create_working_hour_record",
            path_params=self._path(project_key, work_item_type_key, work_item_id),
            json=body,
            idempotency_key=idempotency_key,
        )
        return structure_list(resp.data or [], WorkHourRecord)

    async def update(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        updates: Iterable[WorkHourUpdate | Mapping[str, Any]],
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """Change the hours or the description of records, by record id.

        PUT /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/work_hour_record

        Example::

            await client.work_hours.update(
                "space_demo", "story", item_id, [{"id": record_id, "work_time": 2.5}]
            )
        """
        if isinstance(updates, (str, bytes, Mapping)) or not isinstance(updates, Iterable):
            raise MeegleValidationError("updates must be a list of WorkHourUpdate or dicts")
        out = []
        for i, update in enumerate(updates):
            entry = input_json(update, WorkHourUpdate, name=f"updates[{i}]")
            entry["id"] = require_id(entry.get("id"), name=f"updates[{i}].id")
            if entry.get("work_time") is None and entry.get("work_description") is None:
                raise MeegleValidationError(
                    f"updates[{i}] changes nothing: give work_time or work_description"
                )
            if entry.get("work_time") is None:
                entry.pop("work_time", None)
            else:
                entry["work_time"] = _hours(entry["work_time"], f"updates[{i}].work_time")
            if entry.get("work_description") is None:
                entry.pop("work_description", None)
            out.append(entry)
        if not out:
            raise MeegleValidationError("updates is empty: give at least one record to change")
        await self._call(
            "update_working_hour_record",
            path_params=self._path(project_key, work_item_type_key, work_item_id),
            json={"working_hour_records": out},
            idempotency_key=idempotency_key,
        )

    async def delete(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        record_ids: Iterable[int | str],
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """Delete records by id.

        DELETE /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/
        work_hour_record

        Example::

            await client.work_hours.delete("space_demo", "story", item_id, [record_id])
        """
        ids = require_ids(record_ids, name="record_ids")
        if not ids:
            raise MeegleValidationError("record_ids is empty: name the records to delete")
        await self._call(
            "delete_working_hour_record",
            path_params=self._path(project_key, work_item_type_key, work_item_id),
            json={"working_hour_record_ids": ids},
            idempotency_key=idempotency_key,
        )
