"""How ``meegle-async export`` writes a record: a JSON line, or the flat CSV columns of each
export kind (:data:`CSV_COLUMNS`)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass


__all__ = ["CSV_COLUMNS", "LineEncoder"]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    if isinstance(value, Mapping) and "label" in value and set(value) <= {"label", "value"}:
        return str(value["label"])
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
            return "|".join(str(v) for v in value)
        if all(isinstance(v, Mapping) and "label" in v for v in value):
            return "|".join(str(v["label"]) for v in value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _json(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


Row = Callable[[Any], Any]


def _details_columns(d: Mapping[str, Any]) -> dict[str, Any]:
    status = d.get("work_item_status") or {}
    fields = {
        f.get("field_key"): f.get("field_value")
        for f in d.get("fields") or ()
        if isinstance(f, Mapping)
    }
    return {
        "id": d.get("id"),
        "name": d.get("name"),
        "project_key": d.get("project_key"),
        "simple_name": d.get("simple_name"),
        "work_item_type_key": d.get("work_item_type_key"),
        "template_id": d.get("template_id"),
        "template_type": d.get("template_type"),
        "pattern": d.get("pattern"),
        "sub_stage": d.get("sub_stage"),
        "state_key": status.get("state_key") if isinstance(status, Mapping) else None,
        "current_nodes": [n.get("id") for n in d.get("current_nodes") or () if n.get("id")],
        "created_by": d.get("created_by"),
        "created_at": d.get("created_at"),
        "updated_by": d.get("updated_by"),
        "updated_at": d.get("updated_at"),
        "deleted_by": d.get("deleted_by"),
        "deleted_at": d.get("deleted_at"),
        "fields_json": _json(fields) if fields else "",
    }


def _change_log_columns(d: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "work_item_id": d.get("work_item_id"),
        "project_key": d.get("project_key"),
        "work_item_type_key": d.get("work_item_type_key"),
        "operation_time": d.get("operation_time"),
        "operation_type": d.get("operation_type"),
        "operator": d.get("operator"),
        "operator_type": d.get("operator_type"),
        "op_record_module": d.get("op_record_module"),
        "source_type": d.get("source_type"),
        "source": d.get("source"),
        "record_contents": _json(d.get("record_contents")),
    }


def _tasks_columns(d: Mapping[str, Any]) -> dict[str, Any]:
    task = d.get("sub_task") or {}
    schedules = task.get("schedules") or [{}]
    first = schedules[0] if isinstance(schedules[0], Mapping) else {}
    return {
        "task_id": task.get("id"),
        "task_name": task.get("name"),
        "work_item_id": d.get("work_item_id"),
        "work_item_name": d.get("work_item_name"),
        "node_id": d.get("node_id"),
        "passed": task.get("passed"),
        "owners": task.get("owners"),
        "assignee": task.get("assignee"),
        "estimate_start_date": first.get("estimate_start_date"),
        "estimate_end_date": first.get("estimate_end_date"),
        "actual_begin_time": task.get("actual_begin_time"),
        "actual_finish_time": task.get("actual_finish_time"),
        "note": task.get("note"),
    }


_COLUMN_FUNCS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "details": _details_columns,
    "change-log": _change_log_columns,
    "tasks": _tasks_columns,
}
#: The CSV columns of each export kind, in order (``details`` adds one per ``--csv-field``).
CSV_COLUMNS: dict[str, list[str]] = {
    kind: list(func({}).keys()) for kind, func in _COLUMN_FUNCS.items()
}


class LineEncoder:
    """Turns a model into one output line (bytes, ending with ``\\n``)."""

    def __init__(self, kind: str, fmt: str, csv_fields: Sequence[str] = ()) -> None:
        self.kind = kind
        self.fmt = fmt
        self.csv_fields = list(csv_fields)

    def header(self) -> bytes:
        """The CSV header line (nothing for JSON Lines)."""
        if self.fmt != "csv":
            return b""
        return self._csv_row(CSV_COLUMNS[self.kind] + self.csv_fields)

    def line(self, model: Any) -> bytes:
        """One record's line."""
        from .. import to_dict

        data = to_dict(model)
        if self.fmt != "csv":
            text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            return text.encode("utf-8") + b"\n"
        cells = [_cell(v) for v in _COLUMN_FUNCS[self.kind](data).values()]
        cells += [_cell(model.field(key)) for key in self.csv_fields]
        return self._csv_row(cells)

    @staticmethod
    def _csv_row(cells: Sequence[str]) -> bytes:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(cells)
        return buf.getvalue().encode("utf-8")
