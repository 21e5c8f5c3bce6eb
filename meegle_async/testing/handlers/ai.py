"""AI node and AI field endpoints of the fake.

Any node of a work item's workflow can be read as an AI node (``node_uuid`` is
``<work item id>:<state key>``): it starts ``waiting_confirm`` with an empty ``summary`` node
field; editing sets fields and status; confirming marks it ``confirmed`` and completes the node
(the next one starts); a confirmed node can be neither edited nor confirmed again (50006).
An AI task id is ``ai_<work item id>_<field key>``: ``update`` writes the field, ``file/delete``
removes files (``{"uuid": ...}`` entries) from its value.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

from ..._text import is_digits
from .. import rules
from ..context import Ctx
from ..rules import JSON, fail
from ..store import NodeState, Store, WorkItem, now_ms
from . import handles
from ._base import HandlerBase


@dataclass
class AINodeState:
    """What the fake remembers of one AI node."""

    status: str = "waiting_confirm"
    node_fields: dict[str, str] = field(default_factory=lambda: {"summary": ""})
    conform_fields: dict[str, str] = field(default_factory=dict)


_STATES: weakref.WeakKeyDictionary[Store, dict[tuple[int, str], AINodeState]] = (
    weakref.WeakKeyDictionary()
)


def ai_nodes(store: Store) -> dict[tuple[int, str], AINodeState]:
    """The AI node states of ``store``."""
    state = _STATES.get(store)
    if state is None:
        state = _STATES[store] = {}
    return state


class AIHandlers(HandlerBase):
    """query, edit, confirm AI nodes; update AI fields and delete their files."""

    def _ai_node(self, body: JSON) -> tuple[WorkItem, NodeState, AINodeState]:
        key = rules.opt_str(body, "project_key")
        if not key or body.get("work_item_id") is None:
            fail(rules.MISSING_PARAM, "project_key and work_item_id")
        space = self.store.space(key)
        item = self.store.items.get(rules.to_int(body["work_item_id"], "work_item_id"))
        if item is None or item.deleted or item.project_key != space.project_key:
            fail(rules.WORK_ITEM_NOT_FOUND, "work item not found")
        state_key = rules.opt_str(body, "state_key")
        uuid = rules.opt_str(body, "node_uuid")
        if uuid:
            item_part, _, state_key = uuid.partition(":")
            if item_part != str(item.id):
                fail(rules.NODE_NOT_IN_WORKFLOW, uuid)
        node = next((n for n in item.nodes if n.state_key == state_key), None)
        if node is None:
            fail(rules.NODE_NOT_IN_WORKFLOW, str(state_key))
        state = ai_nodes(self.store).setdefault((item.id, node.state_key), AINodeState())
        return item, node, state

    @handles("query_ai_node")
    def h_query_ai_node(self, ctx: Ctx) -> Any:
        _, node, state = self._ai_node(rules.body_dict(ctx.body))

        def fields(values: dict[str, str]) -> list[JSON]:
            return [
                {"field_key": k, "field_type": "text", "field_name": k.title(), "value": v}
                for k, v in values.items()
            ]

        return {
            "node_state": state.status,
            "ai_info": {"status": "ready", "props": []},
            "node_fields": fields(state.node_fields),
            "conform_fields": fields(state.conform_fields),
            "sub_tasks": [
                {"task_id": t, "is_finished": self.store.subtasks[t].passed}
                for t in node.task_ids
                if t in self.store.subtasks
            ],
            "sub_workitems": [],
        }

    @handles("edit_ai_node")
    def h_edit_ai_node(self, ctx: Ctx) -> Any:
        body = rules.body_dict(ctx.body)
        _, _, state = self._ai_node(body)
        if state.status == "confirmed":
            fail(rules.OPERATE_FAILED, "the AI node is confirmed")
        for name, key_name, target in (
            ("node_fields", "node_field_key", state.node_fields),
            ("conform_fields", "field_key", state.conform_fields),
        ):
            for entry in body.get(name) or []:
                if not isinstance(entry, dict) or not isinstance(entry.get(key_name), str):
                    fail(rules.INVALID_PARAM, f"{name} entries need {key_name}")
                if not isinstance(entry.get("value"), str):
                    fail(rules.INVALID_PARAM, f"{name} values are strings")
                target[entry[key_name]] = entry["value"]
        status = rules.opt_str(body, "status")
        if status:
            state.status = status
        return None

    @handles("confirm_ai_node")
    def h_confirm_ai_node(self, ctx: Ctx) -> Any:
        item, node, state = self._ai_node(rules.body_dict(ctx.body))
        if state.status == "confirmed":
            fail(rules.OPERATE_FAILED, "the AI node is already confirmed")
        state.status = "confirmed"
        if node.status != 3:
            node.status = 3
            node.finish = now_ms()
            later = item.nodes[item.nodes.index(node) + 1 :]
            if later and later[0].status == 1:
                later[0].status = 2
                later[0].begin = now_ms()
        return None

    def _ai_task(self, body: JSON) -> tuple[WorkItem, str]:
        task = rules.opt_str(body, "ai_task_id") or ""
        parts = task.split("_", 2)
        if len(parts) != 3 or parts[0] != "ai" or not is_digits(parts[1]):
            fail(rules.DATA_NOT_FOUND, f"AI task {task} does not exist")
        item = self.store.items.get(int(parts[1]))
        if item is None or item.deleted:
            fail(rules.DATA_NOT_FOUND, f"AI task {task} does not exist")
        conf = self.store.spaces[item.project_key].types[item.type_key]
        fconf = conf.field(parts[2])
        if fconf is None:
            fail(rules.FIELD_NOT_FOUND, parts[2])
        return item, fconf.key

    @handles("update_work_item_ai_field")
    def h_update_ai_field(self, ctx: Ctx) -> Any:
        body = rules.body_dict(ctx.body)
        item, key = self._ai_task(body)
        if "field_value" not in body or body["field_value"] is None:
            fail(rules.MISSING_PARAM, "field_value")
        item.values[key] = body["field_value"]
        item.updated_at = now_ms()
        return None

    @handles("delete_file_for_ai_field")
    def h_delete_ai_files(self, ctx: Ctx) -> Any:
        body = rules.body_dict(ctx.body)
        item, key = self._ai_task(body)
        uuids = body.get("uuids")
        if not isinstance(uuids, list) or not uuids:
            fail(rules.MISSING_PARAM, "uuids")
        files = item.values.get(key)
        files = files if isinstance(files, list) else []
        held = {f.get("uuid") for f in files if isinstance(f, dict)}
        missing = [u for u in uuids if u not in held]
        if missing:
            fail(rules.DATA_NOT_FOUND, f"files {missing} are not in the field")
        item.values[key] = [f for f in files if f.get("uuid") not in set(uuids)]
        return None
