"""Work hour endpoints of the fake: records that add up.

``create`` spreads each entry's hours evenly over the days of ``work_begin_date`` ..
``work_end_date`` (weekends left out unless ``include_holidays``), one record per entry and day,
the rounding remainder on the last day, so the records of an entry always sum to its hours.
A resource is ``work_item`` (the item's id), ``node`` (a node id of its workflow) or
``sub_task`` (one of its subtasks). ``records`` pages by ``page_num``/``page_size``
(default 50, at most 200), newest work date first.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import weakref
from dataclasses import dataclass, field
from typing import Any

from .. import rules
from ..context import Ctx, Paged
from ..rules import JSON, fail
from ..store import Store, WorkItem, now_ms
from . import handles
from ._base import HandlerBase

DAY_MS = 24 * 3600 * 1000
MAX_DAYS = 366
RECORDS_PAGE_MAX = 200
RESOURCE_TYPES = ("work_item", "node", "sub_task")


@dataclass
class WorkHourState:
    """Records by id, and the next id."""

    records: dict[int, JSON] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(9_100_000_001))


_STATES: weakref.WeakKeyDictionary[Store, WorkHourState] = weakref.WeakKeyDictionary()


def work_hour_state(store: Store) -> WorkHourState:
    """The work hour records of ``store`` (created on first use)."""
    state = _STATES.get(store)
    if state is None:
        state = _STATES[store] = WorkHourState()
    return state


def _hours(value: Any, name: str) -> float:
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            fail(rules.INVALID_PARAM, f"{name} must be a number of hours")
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        fail(rules.INVALID_PARAM, f"{name} must be a number of hours")
    if not math.isfinite(number) or number <= 0:
        fail(rules.INVALID_PARAM, f"{name} must be positive")
    return number


class WorkHourHandlers(HandlerBase):
    """Work hours: records list, create, update, delete."""

    def _hour_item(self, ctx: Ctx) -> WorkItem:
        space, conf = self._space_type(ctx)
        return self.store.item(space, conf.key, ctx.match["work_item_id"])

    def _resource_name(self, item: WorkItem, kind: Any, rid: Any) -> str:
        if kind not in RESOURCE_TYPES:
            fail(rules.INVALID_PARAM, f"resource_type must be one of {', '.join(RESOURCE_TYPES)}")
        if not isinstance(rid, str) or not rid:
            fail(rules.MISSING_PARAM, "resource_id")
        if kind == "work_item":
            if rid != str(item.id):
                fail(rules.INVALID_PARAM, "resource_id must be the work item's id")
            return item.name
        if kind == "node":
            node = next((n for n in item.nodes if n.state_key == rid), None)
            if node is None:
                fail(rules.NODE_NOT_IN_WORKFLOW, rid)
            return node.name
        task = self.store.subtasks.get(rules.to_int(rid, "resource_id"))
        if task is None or task.work_item_id != item.id:
            fail(rules.TASK_NOT_FOUND, rid)
        return task.name

    @handles("get_work_item_man_hour_records")
    def h_hour_records(self, ctx: Ctx) -> Any:
        body = rules.body_dict(ctx.body)
        key = rules.opt_str(body, "project_key")
        type_key = rules.opt_str(body, "work_item_type_key")
        if not key or not type_key or body.get("work_item_id") is None:
            fail(rules.MISSING_PARAM, "project_key, work_item_type_key and work_item_id")
        space = self.store.space(key)
        conf = self.store.type_conf(space, type_key)
        item = self.store.item(space, conf.key, body["work_item_id"])
        num = rules.to_int(rules.opt_number(body, "page_num", 1), "page_num")
        size = min(
            rules.to_int(rules.opt_number(body, "page_size", 50), "page_size"), RECORDS_PAGE_MAX
        )
        if num < 1 or size < 1:
            fail(rules.INVALID_PARAM, "page_num and page_size start at 1")
        records = sorted(
            (
                r
                for r in work_hour_state(self.store).records.values()
                if r["related_work_item_id"] == item.id
            ),
            key=lambda r: (-r["work_date"], r["id"]),
        )
        page = records[(num - 1) * size : num * size]
        return Paged(
            [dict(r) for r in page], {"page_num": num, "page_size": size, "total": len(records)}
        )

    @handles("create_working_hour_record")
    def h_hour_create(self, ctx: Ctx) -> Any:
        item = self._hour_item(ctx)
        body = rules.body_dict(ctx.body)
        begin: Any = body.get("work_begin_date")
        end: Any = body.get("work_end_date")
        if not rules.is_ms_timestamp(begin) or not rules.is_ms_timestamp(end) or begin > end:
            fail(
                rules.INVALID_TIME_INTERVAL, "work_begin_date and work_end_date (ms, begin <= end)"
            )
        holidays = body.get("include_holidays", False) is True
        days: list[dt.date] = []
        day = dt.datetime.fromtimestamp(begin / 1000, dt.timezone.utc).date()
        last = dt.datetime.fromtimestamp(end / 1000, dt.timezone.utc).date()
        while day <= last and len(days) <= MAX_DAYS:
            if holidays or day.weekday() < 5:
                days.append(day)
            day += dt.timedelta(days=1)
        if not days:
            fail(rules.INVALID_TIME_INTERVAL, "no working day in the range")
        entries = body.get("working_hour_records")
        if not isinstance(entries, list) or not entries:
            fail(rules.MISSING_PARAM, "working_hour_records")
        checked = []
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict):
                fail(rules.INVALID_PARAM, f"working_hour_records[{i}] must be an object")
            name = self._resource_name(item, entry.get("resource_type"), entry.get("resource_id"))
            hours = _hours(entry.get("work_time"), f"working_hour_records[{i}].work_time")
            checked.append((entry, name, hours))
        state = work_hour_state(self.store)
        created = []
        now = now_ms()
        for entry, name, hours in checked:
            share = round(hours / len(days), 2)
            for n, day in enumerate(days):
                amount = share if n < len(days) - 1 else round(hours - share * (len(days) - 1), 2)
                stamp = int(
                    dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp()
                    * 1000
                )
                record = {
                    "id": next(state.ids),
                    "related_work_item_id": item.id,
                    "related_work_item_type_key": item.type_key,
                    "related_work_item_name": item.name,
                    "resource_type": entry["resource_type"],
                    "resource_id": entry["resource_id"],
                    "resource_name": name,
                    "work_description": entry.get("work_description") or "",
                    "work_time": amount,
                    "work_user_key": ctx.actor.operator,
                    "work_date": stamp,
                    "created_at": now,
                    "updated_at": now,
                }
                state.records[record["id"]] = record
                created.append(dict(record))
        return created

    def _own_record(self, item: WorkItem, raw: Any, name: str) -> JSON:
        record = work_hour_state(self.store).records.get(rules.to_int(raw, name))
        if record is None or record["related_work_item_id"] != item.id:
            fail(rules.DATA_NOT_FOUND, f"work hour record {raw} does not exist on this item")
        return record

    @handles("update_working_hour_record")
    def h_hour_update(self, ctx: Ctx) -> Any:
        item = self._hour_item(ctx)
        changes = rules.body_dict(ctx.body).get("working_hour_records")
        if not isinstance(changes, list) or not changes:
            fail(rules.MISSING_PARAM, "working_hour_records")
        planned = []
        for i, change in enumerate(changes):
            if not isinstance(change, dict):
                fail(rules.INVALID_PARAM, f"working_hour_records[{i}] must be an object")
            record = self._own_record(item, change.get("id"), f"working_hour_records[{i}].id")
            hours = (
                None
                if change.get("work_time") is None
                else _hours(change["work_time"], f"working_hour_records[{i}].work_time")
            )
            planned.append((record, hours, change.get("work_description")))
        now = now_ms()
        for record, hours, description in planned:
            if hours is not None:
                record["work_time"] = hours
            if isinstance(description, str):
                record["work_description"] = description
            record["updated_at"] = now
        return None

    @handles("delete_working_hour_record")
    def h_hour_delete(self, ctx: Ctx) -> Any:
        item = self._hour_item(ctx)
        ids = rules.id_list(
            rules.body_dict(ctx.body),
            "working_hour_record_ids",
            over_code=rules.INVALID_PARAM,
            max_items=200,
        )
        doomed = [self._own_record(item, i, "working_hour_record_ids") for i in ids]
        records = work_hour_state(self.store).records
        for record in doomed:
            records.pop(record["id"], None)
        return None
