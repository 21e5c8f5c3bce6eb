"""From API models to table rows: pure functions, no network and no database.

Each ``*_rows`` function takes what the client returned and gives plain dicts keyed by the
columns of :mod:`.schema`; ``label`` makes a field's value readable for ``GROUP BY``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..models import OpRecord, User, WorkItem, to_dict

__all__ = [
    "as_json",
    "change_log_rows",
    "item_rows",
    "label",
    "record_digest",
    "user_keys",
    "user_row",
]

Row = dict[str, Any]

#: Field types whose values are user keys (or lists of them).
USER_FIELD_TYPES = frozenset({"user", "multi_user"})


def label(value: Any) -> str | None:
    """A readable text for a field value: an option's label, names joined by ``, ``, ...

    ``{"label": "P1", "value": "opt_p1"}`` → ``P1``; a list → its labels joined by ``", "``;
    ``true``/``false`` for booleans; numbers and strings as text; role owners as
    ``role: user, user``; anything else as compact JSON. ``None`` (and empty lists) → ``None``.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    if isinstance(value, Mapping):
        if "label" in value and value["label"] is not None:
            text = str(value["label"])
            child = value.get("children")
            if isinstance(child, Mapping):
                sub = label(child)
                return f"{text} / {sub}" if sub else text
            return text
        if "role" in value and "owners" in value:
            owners = value.get("owners") or []
            return f"{value['role']}: " + ", ".join(str(o) for o in owners)
        for key in ("name", "doc_text", "value"):
            inner = value.get(key)
            if isinstance(inner, (str, int, float)) and not isinstance(inner, bool):
                return str(inner)
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, (list, tuple)):
        parts = [p for p in (label(v) for v in value) if p is not None]
        return ", ".join(parts) if parts else None
    return str(value)


def as_json(model: Any) -> Any:
    """The model's JSON as the server sent it (every key kept), as ``to_dict`` gives it.

    Models keep the object they were built from; reading it back is a large part cheaper than
    ``to_dict`` rebuilding it, which matters at thousands of items a run.
    """
    source = getattr(model, "_source", None)
    return source if isinstance(source, Mapping) else to_dict(model)


def _field_entries(item: WorkItem) -> Iterator[Mapping[str, Any]]:
    for entry in item.fields or ():
        if isinstance(entry, Mapping) and isinstance(entry.get("field_key"), str):
            yield entry


def item_rows(item: WorkItem) -> dict[str, list[Row]]:
    """Rows for ``work_items``, ``field_values``, ``workflow_nodes`` and ``subtasks``."""
    assert item.id is not None
    data = as_json(item)
    project_key = item.project_key or ""
    type_key = item.work_item_type_key or ""
    values: dict[str, Any] = {}
    field_rows: list[Row] = []
    for entry in _field_entries(item):
        key = str(entry["field_key"])
        value = entry.get("field_value")
        values[key] = value
        field_rows.append(
            {
                "work_item_id": item.id,
                "field_key": key,
                "project_key": project_key,
                "work_item_type_key": type_key,
                "field_type_key": entry.get("field_type_key"),
                "field_alias": entry.get("field_alias") or None,
                "value": value,
                "label": label(value),
            }
        )
    node_rows: list[Row] = []
    task_rows: list[Row] = []
    # The nodes' JSON from the item's own (to_dict once per item: it is the costly part).
    workflow = data.get("workflow_infos")
    nodes = workflow.get("workflow_nodes") if isinstance(workflow, Mapping) else None
    for node in nodes or ():
        if not isinstance(node, Mapping):
            continue
        node_id = node.get("id") or node.get("state_key")
        if node_id is None:
            continue
        node_rows.append(
            {
                "work_item_id": item.id,
                "node_id": node_id,
                "state_key": node.get("state_key"),
                "name": node.get("name"),
                "status": node.get("status"),
                "owners": node.get("owners"),
                "data": node,
            }
        )
        for task in node.get("sub_tasks") or ():
            if not isinstance(task, Mapping) or task.get("id") in (None, ""):
                continue
            task_rows.append(
                {
                    "id": str(task["id"]),
                    "work_item_id": item.id,
                    "node_id": node_id,
                    "name": task.get("name"),
                    "passed": task.get("passed"),
                    "owners": task.get("owners") or task.get("assignee"),
                    "data": dict(task),
                }
            )
    item_row: Row = {
        "id": item.id,
        "project_key": project_key,
        "work_item_type_key": type_key,
        "name": item.name,
        "state_key": item.state_key,
        "sub_stage": item.sub_stage,
        "template_id": item.template_id,
        "created_at": item.created_at,
        "created_by": item.created_by or None,
        "updated_at": item.updated_at,
        "updated_by": item.updated_by or None,
        "fields": values,
        "data": data,
    }
    return {
        "work_items": [item_row],
        "field_values": field_rows,
        "workflow_nodes": node_rows,
        "subtasks": task_rows,
    }


def user_keys(item: WorkItem) -> set[str]:
    """Every user key an item mentions: creator, updater, owners, user fields, subtasks."""
    keys: set[str] = {k for k in (item.created_by, item.updated_by) if k}
    for node in item.current_nodes or ():
        keys.update(node.owners or ())
    workflow = item.workflow_infos
    for wnode in (workflow.workflow_nodes if workflow else None) or ():
        keys.update(wnode.owners or ())
    for entry in _field_entries(item):
        if entry.get("field_type_key") in USER_FIELD_TYPES:
            value = entry.get("field_value")
            keys.update([value] if isinstance(value, str) else value or ())
    return {k for k in keys if isinstance(k, str) and k}


def user_row(user: User) -> Row:
    """A ``users`` row."""
    return {
        "user_key": user.user_key,
        "name": user.display_name,
        "email": user.email or None,
        "data": as_json(user),
    }


def record_digest(record: Mapping[str, Any]) -> str:
    """A stable digest of a change-log record's JSON (records have no id of their own)."""
    text = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:48]


def change_log_rows(records: Iterable[OpRecord], type_key: str) -> list[Row]:
    """``change_log`` rows; identical records of one item are told apart by their order."""
    seen: dict[tuple[int, str], int] = {}
    rows: list[Row] = []
    for record in records:
        if record.work_item_id is None:
            continue
        data = as_json(record)
        digest = record_digest(data)
        n = seen.get((record.work_item_id, digest), 0)
        seen[(record.work_item_id, digest)] = n + 1
        rows.append(
            {
                "work_item_id": record.work_item_id,
                "record_hash": f"{digest}-{n}",
                "project_key": record.project_key,
                "work_item_type_key": record.work_item_type_key or type_key,
                "operation_type": record.operation_type,
                "operation_time": record.operation_time,
                "operator": record.operator,
                "data": data,
            }
        )
    return rows
