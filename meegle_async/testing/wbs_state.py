"""The fake's WBS state: each workflow work item's published view and its draft.

A work item's published WBS rows are made on first use from its workflow nodes (one row per
node, in order). A draft is a copy of the published rows that edits change; publishing copies
the draft back, resetting copies the published rows over it again, except rows that are
frozen: those keep their draft values through a reset and refuse edits until unfrozen.

Kept apart from ``store.py``; ``wbs_state(store)`` hangs one ``WbsState`` off a store lazily.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field
from typing import Any

from . import rules
from .rules import JSON, fail
from .store import WORKFLOW, Store, TypeConf, WorkItem

__all__ = ["NOT_WBS", "WbsDraftState", "WbsState", "wbs_state"]

#: "The work item is not a WBS work item or WBS sub-item".
NOT_WBS = 20089
#: ``update_type`` of frozen rows: freeze the draft's rows, unfreeze them (the fake's meaning).
FREEZE, UNFREEZE = 1, 2

_STATUS = {1: "not_started", 2: "in_progress", 3: "done"}


@dataclass(eq=False)
class WbsDraftState:
    """One draft: its rows (WBSWorkItem JSON), deleted row uuids, frozen row uuids."""

    draft_id: str
    project_key: str
    work_item_id: int
    type_key: str
    rows: list[JSON]
    deleted: list[str] = field(default_factory=list)
    frozen: set[str] = field(default_factory=set)
    commits: int = 0
    audited: bool = False

    def row(self, uuid: Any) -> JSON | None:
        """A row by its ``node_uuid``."""
        for row in self.rows:
            if row.get("node_uuid") == uuid:
                return row
        return None


class WbsState:
    """Published rows by work item id and drafts by id (one live draft per work item)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.published: dict[int, list[JSON]] = {}
        self.drafts: dict[str, WbsDraftState] = {}
        self.draft_of: dict[int, str] = {}
        self._draft_ids = itertools.count(1)
        self._row_ids = itertools.count(1)

    # ----------------------------------------------------------------- rows
    def check_wbs(self, conf: TypeConf) -> None:
        """Only node-flow (workflow) types have WBS views here."""
        if conf.flow_mode != WORKFLOW:
            fail(NOT_WBS, f"{conf.key} is not a WBS work item type")

    def rows(self, item: WorkItem) -> list[JSON]:
        """The published rows of a work item (made from its nodes on first use)."""
        rows = self.published.get(item.id)
        if rows is None:
            rows = self.published[item.id] = [
                {
                    "node_uuid": f"wbs-{item.id}-{node.state_key}",
                    "work_item_id": item.id,
                    "work_item_type_key": item.type_key,
                    "type": "node",
                    "name": node.name,
                    "state_key": node.state_key,
                    "wbs_status": _STATUS.get(node.status, "not_started"),
                    "wbs_status_map": {},
                    "schedule": {"owners": list(node.owners)},
                    "sub_work_item": [],
                    "is_draft_create": False,
                }
                for node in item.nodes
            ]
        return rows

    def new_row_uuid(self) -> str:
        """A uuid for a row a draft creates."""
        return f"wbs-new-{next(self._row_ids)}"

    # ----------------------------------------------------------------- drafts
    def draft_for(self, item: WorkItem, *, create: bool) -> WbsDraftState | None:
        """The live draft of a work item; with ``create``, one made from the published rows."""
        draft_id = self.draft_of.get(item.id)
        if draft_id is not None:
            return self.drafts[draft_id]
        if not create:
            return None
        draft = WbsDraftState(
            draft_id=f"wbsdraft-{next(self._draft_ids)}",
            project_key=item.project_key,
            work_item_id=item.id,
            type_key=item.type_key,
            rows=copy.deepcopy(self.rows(item)),
        )
        self.drafts[draft.draft_id] = draft
        self.draft_of[item.id] = draft.draft_id
        return draft

    def draft(self, draft_id: Any, project_key: str | None = None) -> WbsDraftState:
        """A live draft by id (unknown, or of another space: 20006)."""
        draft = self.drafts.get(draft_id) if isinstance(draft_id, str) else None
        if draft is None or self.draft_of.get(draft.work_item_id) != draft.draft_id:
            fail(rules.INVALID_PARAM, f"no WBS draft {draft_id!r}")
        if project_key is not None and draft.project_key != project_key:
            fail(rules.INVALID_PARAM, f"WBS draft {draft_id!r} is not of this space")
        return draft

    def reset(self, item: WorkItem) -> WbsDraftState:
        """The draft back to the published rows; frozen rows keep their draft values."""
        draft = self.draft_for(item, create=True)
        assert draft is not None
        kept = {uuid: draft.row(uuid) for uuid in draft.frozen}
        rows = copy.deepcopy(self.rows(item))
        rows = [kept.get(r["node_uuid"]) or r for r in rows]
        known = {r["node_uuid"] for r in rows}
        rows += [r for uuid, r in kept.items() if r is not None and uuid not in known]
        draft.rows = rows
        draft.deleted = []
        draft.commits += 1
        return draft

    def publish(self, draft: WbsDraftState) -> None:
        """The draft's rows become the published view; the draft is closed."""
        rows = copy.deepcopy(draft.rows)
        for row in rows:
            row["is_draft_create"] = False
        self.published[draft.work_item_id] = rows
        self.draft_of.pop(draft.work_item_id, None)

    def patch(self, draft: WbsDraftState, operations: list[Any]) -> JSON:
        """Apply edits (``create``, ``update``, ``delete``) to the draft only.

        Every operation is checked before any is applied (an unknown row or type is 20006);
        an edit of a frozen row is not applied and comes back as ``failed_tasks``.
        """
        for i, op in enumerate(operations):
            if not isinstance(op, dict) or not isinstance(op.get("operation_type"), str):
                fail(rules.INVALID_PARAM, f"operations[{i}] needs an operation_type")
            kind = op["operation_type"]
            if kind not in ("create", "update", "delete"):
                fail(rules.INVALID_PARAM, f"operations[{i}]: unknown operation_type {kind!r}")
            if kind != "create" and draft.row(op.get("uuid")) is None:
                fail(rules.INVALID_PARAM, f"operations[{i}]: no row {op.get('uuid')!r}")
            value = op.get("value")
            if value is not None and not isinstance(value, dict):
                fail(rules.INVALID_PARAM, f"operations[{i}].value must be an object")
        applied: list[JSON] = []
        failed: JSON | None = None
        for op in operations:
            kind, value = op["operation_type"], op.get("value") or {}
            if kind == "create":
                spec = value.get("operation_create") or {}
                row: JSON = {
                    "node_uuid": self.new_row_uuid(),
                    "work_item_id": draft.work_item_id,
                    "work_item_type_key": draft.type_key,
                    "type": "node",
                    "name": spec.get("name") or value.get("name") or "New row",
                    "state_key": spec.get("element_key") or "",
                    "wbs_status": spec.get("wbs_status") or "not_started",
                    "wbs_status_map": {},
                    "sub_work_item": [],
                    "is_draft_create": True,
                }
                draft.rows.append(row)
                applied.append({**op, "uuid": row["node_uuid"]})
                continue
            uuid = op["uuid"]
            if uuid in draft.frozen:
                failed = {"uuid": uuid, "reason": "row is frozen"}
                continue
            if kind == "delete":
                draft.rows = [r for r in draft.rows if r["node_uuid"] != uuid]
                draft.deleted.append(uuid)
            else:
                target = draft.row(uuid)
                assert target is not None
                for key in ("name", "wbs_status", "schedule", "schedules", "role_owners"):
                    if key in value:
                        target[key] = value[key]
            applied.append(op)
        draft.commits += 1
        out: JSON = {"relation_values": applied}
        if failed is not None:
            out["failed_tasks"] = failed
        return out

    def draft_view(self, draft: WbsDraftState, conf: TypeConf) -> JSON:
        """A draft as ``WbsDraft`` JSON."""
        template = conf.templates[0] if conf.templates else {"id": 0}
        return {
            "draft_id": draft.draft_id,
            "work_item_id": draft.work_item_id,
            "work_item_type_key": draft.type_key,
            "template_uuid": str(template["id"]),
            "template_version": 1,
            "related_sub_work_items": copy.deepcopy(draft.rows),
            "connections": _connections(draft.rows),
            "delete_uuids": list(draft.deleted),
            "role_owners": {},
            "user_details": [],
        }

    def view(self, item: WorkItem, conf: TypeConf, *, union: bool, agg: bool) -> JSON:
        """The published view as ``WBSInfo`` JSON."""
        template = next(
            (t for t in conf.templates if t["id"] == item.template_id),
            conf.templates[0] if conf.templates else {"id": 0, "name": ""},
        )
        rows = copy.deepcopy(self.rows(item))
        for row in rows:
            if union:
                row["union_deliverable"] = {"field_deliverables": [], "instance_deliverables": []}
            if agg:
                row["is_schedule_agg_item"] = False
        return {
            "template_key": str(template["id"]),
            "template_id": str(template["id"]),
            "template_name": template.get("name", ""),
            "template_version": 1,
            "related_sub_work_items": rows,
            "related_parent_work_item": {
                "is_top": True,
                "work_item_id": item.id,
                "work_item_type_key": item.type_key,
                "name": item.name,
                "template_id": str(template["id"]),
                "template_key": str(template["id"]),
                "template_name": template.get("name", ""),
                "template_version": 1,
            },
            "user_details": [],
            "connections": _connections(rows),
        }


def _connections(rows: list[JSON]) -> list[JSON]:
    keys = [r.get("state_key") for r in rows if r.get("state_key")]
    return [{"source_state_key": a, "target_state_key": b} for a, b in itertools.pairwise(keys)]


def wbs_state(store: Store) -> WbsState:
    """The store's WBS state, made on first use."""
    state: WbsState | None = getattr(store, "_wbs_state", None)
    if state is None:
        state = WbsState(store)
        store._wbs_state = state  # type: ignore[attr-defined]
    return state
