"""The fake's change log: recorded operations, synthetic logs of any length, filters and
cursor pages (a mixin of ``Store``).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import rules
from .entities import Actor, WorkItem, now_ms
from .rules import JSON, ApiError


@dataclass(frozen=True)
class SyntheticLog:
    """A change log generated on the fly: ``count`` records spread over [start_ms, end_ms]."""

    count: int
    start_ms: int
    end_ms: int

    def time_of(self, i: int) -> int:
        """The (non-decreasing) operation time of record ``i``."""
        if self.count <= 1:
            return self.start_ms
        return self.start_ms + (self.end_ms - self.start_ms) * i // (self.count - 1)

    def index_range(self, start: int | None, end: int | None) -> tuple[int, int]:
        """Indexes of the records whose time lies in the inclusive window."""
        lo, hi = 0, self.count
        if start is not None:
            lo = _first_index(self, lambda t: t >= start)
        if end is not None:
            hi = _first_index(self, lambda t: t > end)
        return lo, max(lo, hi)


def _first_index(log: SyntheticLog, pred: Any) -> int:
    lo, hi = 0, log.count
    while lo < hi:
        mid = (lo + hi) // 2
        if pred(log.time_of(mid)):
            hi = mid
        else:
            lo = mid + 1
    return lo


_SYNTHETIC_OPS = (
    ("modify", "field_mod", "field", "priority"),
    ("modify", "field_mod", "field", "description"),
    ("add", "sub_task_mod", "sub_task", "name"),
    ("complete", "sub_task_mod", "sub_task", "passed"),
    ("modify", "role_and_user_mod", "role", "owners"),
    ("rollback", "node_mod", "node", "status"),
    ("modify", "field_mod", "field", "owner"),
)


@dataclass(frozen=True)
class LogFilter:
    """The change-log filters of one request (hashable: used as a cache key)."""

    operator: frozenset[str] | None = None
    operator_type: frozenset[str] | None = None
    source_type: frozenset[str] | None = None
    source: frozenset[str] | None = None
    operation_type: frozenset[str] | None = None
    module: frozenset[str] | None = None
    start: int | None = None
    end: int | None = None

    @property
    def time_only(self) -> bool:
        """True when only the time window filters (then counts are arithmetic)."""
        return not (
            self.operator
            or self.operator_type
            or self.source_type
            or self.source
            or self.operation_type
            or self.module
        )

    def matches(self, rec: Mapping[str, Any]) -> bool:
        """Whether one op record passes every filter."""
        t = rec["operation_time"]
        if self.start is not None and t < self.start:
            return False
        if self.end is not None and t > self.end:
            return False
        for wanted, key in (
            (self.operator, "operator"),
            (self.operator_type, "operator_type"),
            (self.source_type, "source_type"),
            (self.source, "source"),
            (self.operation_type, "operation_type"),
            (self.module, "op_record_module"),
        ):
            if wanted and rec.get(key) not in wanted:
                return False
        return True


class ChangeLogStore:
    """The change-log half of ``Store``: recording, synthetic logs, filtered cursor pages."""

    items: dict[int, WorkItem]
    deleted: dict[int, WorkItem]
    users: dict[str, JSON]
    op_records: dict[int, list[JSON]]
    synthetic_logs: dict[int, SyntheticLog]
    _count_cache: dict[tuple[int, LogFilter], int]

    def record(
        self,
        item: WorkItem,
        operation_type: str,
        module: str,
        contents: list[JSON],
        actor: Actor,
        at: int | None = None,
    ) -> JSON:
        """Write a change-log record (no id of its own, like the real ones)."""
        rec = {
            "project_key": item.project_key,
            "work_item_type_key": item.type_key,
            "work_item_id": item.id,
            "operation_type": operation_type,
            "operation_time": at if at is not None else now_ms(),
            "operator": actor.operator,
            "operator_type": actor.operator_type,
            "op_record_module": module,
            "source_type": actor.source_type,
            "source": actor.source,
            "record_contents": contents,
        }
        self.op_records.setdefault(item.id, []).append(rec)
        return rec

    def add_synthetic_change_log(
        self, work_item_id: int, count: int, start_ms: int, end_ms: int
    ) -> None:
        """Attach ``count`` generated change-log records to a work item without storing them.

        The records are spread evenly over [start_ms, end_ms] (inclusive), come before the
        item's real records in the change log, and are built page by page, so a benchmark
        can stream hundreds of thousands of them with flat server memory.
        """
        if count < 0 or end_ms < start_ms:
            raise ValueError("count must be >= 0 and end_ms >= start_ms")
        if work_item_id not in self.items and work_item_id not in self.deleted:
            raise KeyError(work_item_id)
        self.synthetic_logs[work_item_id] = SyntheticLog(count, start_ms, end_ms)
        self._count_cache = {k: v for k, v in self._count_cache.items() if k[0] != work_item_id}

    def _synthetic_record(self, wid: int, log: SyntheticLog, i: int) -> JSON:
        item = self.items.get(wid) or self.deleted[wid]
        h = (i * 2654435761 + wid * 40503) & 0xFFFFFFFF
        op, module, obj_type, prop = _SYNTHETIC_OPS[h % len(_SYNTHETIC_OPS)]
        users = self._user_keys()
        operator = users[(h >> 8) % len(users)]
        auto = (h >> 16) % 10 == 0
        return {
            "project_key": item.project_key,
            "work_item_type_key": item.type_key,
            "work_item_id": wid,
            "operation_type": op,
            "operation_time": log.time_of(i),
            "operator": f"auto_{h % 97}" if auto else operator,
            "operator_type": "auto" if auto else "user",
            "op_record_module": module,
            "source_type": "auto" if auto else "",
            "source": f"auto_{h % 97}" if auto else "",
            "record_contents": [
                {
                    "object": {"object_type": obj_type, "object_value": f"{obj_type}_{h % 1000}"},
                    "object_property": prop,
                    "old": [f"v{i}"],
                    "new": [f"v{i + 1}"],
                    "add": [],
                    "delete": [],
                    "status_values": [],
                    "belong_object": [],
                    "extra": {"seq": [str(i)]},
                }
            ],
        }

    def _user_keys(self) -> list[str]:
        keys = getattr(self, "_user_key_list", None)
        if keys is None or len(keys) != len(self.users):
            keys = sorted(self.users) or ["system"]
            self._user_key_list = keys
        return keys

    def _iter_log(self, wid: int, pos: int, filt: LogFilter) -> Iterator[tuple[int, JSON]]:
        log = self.synthetic_logs.get(wid)
        count = log.count if log is not None else 0
        if log is not None and pos < count:
            lo, hi = log.index_range(filt.start, filt.end)
            time_only = filt.time_only
            for i in range(max(pos, lo), hi):
                rec = self._synthetic_record(wid, log, i)
                if time_only or filt.matches(rec):
                    yield i, rec
        real = self.op_records.get(wid, [])
        for j in range(max(pos - count, 0), len(real)):
            if filt.matches(real[j]):
                yield count + j, real[j]

    def _count_log(self, wid: int, filt: LogFilter) -> int:
        total = sum(1 for rec in self.op_records.get(wid, []) if filt.matches(rec))
        log = self.synthetic_logs.get(wid)
        if log is not None:
            lo, hi = log.index_range(filt.start, filt.end)
            if filt.time_only:
                total += hi - lo
            else:
                key = (wid, filt)
                if key not in self._count_cache:
                    if len(self._count_cache) > 256:
                        self._count_cache.clear()
                    self._count_cache[key] = sum(
                        1
                        for i in range(lo, hi)
                        if filt.matches(self._synthetic_record(wid, log, i))
                    )
                total += self._count_cache[key]
        return total

    def change_log_page(
        self,
        project_key: str,
        work_item_ids: Sequence[int],
        filt: LogFilter,
        start_from: str | None,
        page_size: int,
    ) -> JSON:
        """One page of ``get_work_item_change_log``.

        Records come work item by work item in the order the ids were asked, oldest first
        within an item. The cursor is opaque; the last page answers ``start_from: ""``.
        """
        ids = [
            wid
            for wid in dict.fromkeys(work_item_ids)
            if (self.items.get(wid) or self.deleted.get(wid)) is not None
            and (self.items.get(wid) or self.deleted[wid]).project_key == project_key
        ]
        ii0, pos0 = _decode_cursor(start_from) if start_from else (0, 0)
        out: list[JSON] = []
        next_cursor = ""
        for ii in range(ii0, len(ids)):
            for pos, rec in self._iter_log(ids[ii], pos0 if ii == ii0 else 0, filt):
                if len(out) < page_size:
                    out.append(rec)
                else:
                    next_cursor = _encode_cursor(ii, pos)
                    break
            if next_cursor:
                break
        return {
            "has_more": bool(next_cursor),
            "start_from": next_cursor,
            "op_records": out,
            "total": sum(self._count_log(wid, filt) for wid in ids),
        }


def _encode_cursor(item_index: int, pos: int) -> str:
    raw = f"{item_index}:{pos}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[int, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        a, b = raw.split(":")
        return int(a), int(b)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(rules.INVALID_PARAM, "start_from is not a cursor this server gave") from None
