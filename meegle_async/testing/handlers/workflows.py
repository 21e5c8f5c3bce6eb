"""Workflow and node endpoints of the fake: read the workflow, complete or roll back nodes,
change state, update nodes, required information, actual times (rules in
``meegle_async/testing/workflow_state.py``)."""

from __future__ import annotations

from typing import Any

from .. import rules
from ..context import Ctx
from ..rules import JSON, fail
from ..store import WORKFLOW, NodeState, TypeConf, WorkItem, now_ms, record_content
from ..workflow_state import as_json_list, clear_node_extras, workflow_state
from . import handles
from ._base import HandlerBase

ILLEGAL_OPERATION = 10002
FIELDS_MIXED = 20015
FLOW_TYPE_ERROR = 20026
STATE_NOT_FOUND = 30012
rules.MESSAGES.setdefault(ILLEGAL_OPERATION, "Illegal operation")
rules.MESSAGES.setdefault(FIELDS_MIXED, "Field mix with '-' and without '-'")
rules.MESSAGES.setdefault(FLOW_TYPE_ERROR, "FlowType is error")
rules.MESSAGES.setdefault(STATE_NOT_FOUND, "State not found in state flow")

_EMPTY: tuple[Any, ...] = (None, "", [], {})


class WorkflowHandlers(HandlerBase):
    """Workflow and node endpoints of the fake."""

    # ---------------------------------------------------------------- helpers
    def _flow_item(self, ctx: Ctx) -> tuple[TypeConf, WorkItem]:
        space, conf = self._space_type(ctx)
        return conf, self.store.item(space, conf.key, ctx.match["work_item_id"])

    def _flow_node(self, item: WorkItem, node_id: Any) -> NodeState:
        node = item.node(node_id) if isinstance(node_id, str) else None
        if node is None:
            fail(rules.NODE_NOT_IN_WORKFLOW, str(node_id))
        return node

    def _node_changes(self, conf: TypeConf, item: WorkItem, node: NodeState, body: JSON) -> Any:
        """Check and return a function applying the node changes of an operate or PUT body
        (owners, schedules, fields, role assignees): everything is checked first."""
        owners = rules.str_list(body, "node_owners")
        schedule = body.get("node_schedule")
        if schedule is not None and not isinstance(schedule, dict):
            fail(rules.INVALID_PARAM, "node_schedule must be an object")
        schedules = body.get("schedules")
        if schedules is not None and not (
            isinstance(schedules, list) and all(isinstance(s, dict) for s in schedules)
        ):
            fail(rules.INVALID_PARAM, "schedules must be a list of objects")
        for s in [schedule or {}, *(schedules or [])]:
            for key in ("estimate_start_date", "estimate_end_date"):
                if s.get(key) not in (None, 0) and not rules.is_ms_timestamp(s[key]):
                    fail(rules.INVALID_PARAM, f"{key} must be a 13-digit ms timestamp")
        roles = body.get("role_assignee")
        if roles is not None:
            if not isinstance(roles, list) or not all(
                isinstance(r, dict) and isinstance(r.get("role"), str) for r in roles
            ):
                fail(rules.INVALID_PARAM, "role_assignee must be a list of {role, owners}")
            unknown = [r["role"] for r in roles if r["role"] not in conf.role_ids]
            if unknown:
                fail(rules.INVALID_PARAM, f"unknown roles {unknown}")
        values = self._pairs(conf, body.get("fields"), "fields") if body.get("fields") else {}
        extra = workflow_state(self.store).node_extra(item, node.state_key)

        def apply(actor: Any) -> None:
            if owners is not None:
                node.owners = list(owners)
            if schedule is not None:
                extra.node_schedule = schedule
            if schedules is not None:
                extra.schedules = list(schedules)
            if roles is not None:
                extra.role_assignee = list(roles)
            if values:
                self._apply_values(item, conf, values, actor)

        return apply, values

    def _node_view(self, item: WorkItem, conf: TypeConf, node: NodeState, sel: Any) -> JSON:
        state = workflow_state(self.store)
        extra = state.node_extra(item, node.state_key)
        node_conf = conf.node_by_key.get(node.state_key, {})
        fields = []
        for key in state.required(conf, node.state_key):
            if sel is not None and (key in sel[1]) == sel[0]:
                continue
            value = item.values.get(key)
            if value is not None:
                fields.append(self.store.field_pair(conf.fields[key], value))
        return {
            "id": node.state_key,
            "state_key": node.state_key,
            "name": node.name,
            "status": node.status,
            "fields": fields,
            "owners": node.owners,
            "node_schedule": extra.node_schedule or {},
            "schedules": extra.schedules,
            "sub_tasks": [self.store.subtask_view(self.store.subtasks[t]) for t in node.task_ids],
            "actual_begin_time": str(node.begin) if node.begin else "",
            "actual_finish_time": str(node.finish) if node.finish else "",
            "role_assignee": extra.role_assignee,
            "different_schedule": len(extra.schedules) > 1,
            "sub_status": [],
            "milestone": False,
            "participants": [],
            "owner_roles": list(node_conf.get("roles", [])),
            "owner_usage_mode": node_conf.get("owner_usage_mode", 1),
        }

    def _state_view(self, item: WorkItem) -> list[JSON]:
        times: dict[str, JSON] = {}
        for t in item.state_times:
            times[t["state_key"]] = t
        out = []
        for key, name, _ in workflow_state(self.store).states():
            seen = times.get(key)
            status = 2 if key == item.state_key else (3 if seen else 1)
            out.append(
                {
                    "id": key,
                    "name": name,
                    "role_owners": [],
                    "status": status,
                    "actual_begin_time": str(seen["start_time"]) if seen else "",
                    "actual_finish_time": str(seen["end_time"])
                    if seen and seen["end_time"]
                    else "",
                    "fields": [],
                }
            )
        return out

    def _move_to_node(self, item: WorkItem, node: NodeState, at: int) -> None:
        item.state_key = node.state_key
        item.state_times.append(
            {"state_key": node.state_key, "start_time": at, "end_time": 0, "name": node.name}
        )

    # ------------------------------------------------------------- endpoints
    @handles("get_work_flow")
    def h_get_work_flow(self, ctx: Ctx) -> Any:
        """get_work_flow: nodes (flow_type 0) or states with transitions (flow_type 1)."""
        conf, item = self._flow_item(ctx)
        body = rules.body_dict(ctx.body)
        flow_type = body.get("flow_type", 0)
        if flow_type not in (0, 1) or isinstance(flow_type, bool):
            fail(rules.INVALID_PARAM, "flow_type must be 0 or 1")
        state_flow = workflow_state(self.store).is_state_flow(conf)
        if (flow_type == 1) != state_flow:
            fail(FLOW_TYPE_ERROR, "flow_type does not match the work item type's flow mode")
        fields = body.get("fields")
        if isinstance(fields, list) and all(isinstance(f, str) for f in fields):
            marked = [f.startswith("-") for f in fields]
            if any(marked) and not all(marked):
                fail(FIELDS_MIXED)
        selection = rules.field_filter(fields)
        expand = body.get("expand") or {}
        if not isinstance(expand, dict):
            fail(rules.INVALID_PARAM, "expand must be an object")
        data: JSON = {
            "workflow_nodes": []
            if state_flow
            else [self._node_view(item, conf, n, selection) for n in item.nodes],
            "connections": workflow_state(self.store).connections(conf),
            "state_flow_nodes": self._state_view(item) if state_flow else [],
            "template_id": item.template_id,
            "version": 1,
        }
        if expand.get("need_user_detail"):
            keys = {o for n in item.nodes for o in n.owners} | {item.created_by}
            data["user_details"] = [self.store.user_detail(k) for k in sorted(keys)]
        return data

    @handles("update_node_state")
    def h_update_node_state(self, ctx: Ctx) -> Any:
        """update_node_state: ``confirm`` completes the node in progress and starts the next;
        ``rollback`` (with a reason) returns to a completed node."""
        conf, item = self._flow_item(ctx)
        if conf.flow_mode != WORKFLOW:
            fail(rules.OPERATE_FAILED, "work item is not node-flow mode")
        body = rules.body_dict(ctx.body)
        action = body.get("action")
        if action in (None, ""):
            fail(rules.MISSING_PARAM, "action")
        if action not in ("confirm", "rollback"):
            fail(rules.ACTION_NOT_SUPPORTED, str(action))
        self._live(item)
        node = self._flow_node(item, ctx.match["node_id"])
        at = now_ms()
        if action == "rollback":
            reason = rules.opt_str(body, "rollback_reason")
            if not reason:
                fail(rules.MISSING_PARAM, "rollback_reason is required for rollback")
            if node.status != 3:
                fail(rules.OPERATE_FAILED, f"node {node.state_key} is not completed")
            index = item.nodes.index(node)
            later = item.nodes[index + 1 :]
            for n in later:
                n.status, n.begin, n.finish = 1, None, None
            clear_node_extras(workflow_state(self.store), item, [n.state_key for n in later])
            node.status, node.finish = 2, None
            self._move_to_node(item, node, at)
            contents = [
                record_content("node", node.state_key, "rollback_reason", new=reason),
            ]
        else:
            if node.status != 2:
                fail(rules.OPERATE_FAILED, f"node {node.state_key} is not in progress")
            apply, values = self._node_changes(conf, item, node, body)
            missing = workflow_state(self.store).missing(item, conf, node.state_key, set(values))
            if missing:
                fail(rules.REQUIRED_FIELDS_MISSING, ", ".join(missing))
            apply(ctx.actor)
            node.status, node.finish = 3, at
            index = item.nodes.index(node)
            for t in item.state_times:
                if t["state_key"] == node.state_key and not t["end_time"]:
                    t["end_time"] = at
            if index + 1 < len(item.nodes):
                following = item.nodes[index + 1]
                if following.status == 1:
                    following.status, following.begin = 2, at
                    self._move_to_node(item, following, at)
            contents = [record_content("node", node.state_key, "status", old=2, new=3)]
        item.updated_at, item.updated_by = at, ctx.actor.operator
        item.status_history.append(
            {"state_key": item.state_key, "updated_at": at, "updated_by": ctx.actor.operator}
        )
        self.store.record(item, str(action), "node_mod", contents, ctx.actor, at=at)
        return {}

    @handles("update_state_flow")
    def h_update_state_flow(self, ctx: Ctx) -> Any:
        """update_state_flow: follows a transition from the current state."""
        conf, item = self._flow_item(ctx)
        state = workflow_state(self.store)
        if not state.is_state_flow(conf):
            fail(rules.OPERATE_FAILED, "work item is not state-flow mode")
        body = rules.body_dict(ctx.body)
        tid = body.get("transition_id")
        if tid in (None, 0):
            fail(rules.MISSING_PARAM, "transition_id cannot be null or 0")
        if not rules.is_int(tid):
            fail(rules.INVALID_PARAM, "transition_id must be an integer")
        self._live(item)
        transition = state.transition(tid)
        if transition is None:
            fail(STATE_NOT_FOUND, f"transition {tid}")
        _, source, target = transition
        if source != item.state_key:
            fail(ILLEGAL_OPERATION, f"transition {tid} does not leave state {item.state_key}")
        values = self._pairs(conf, body.get("fields"), "fields") if body.get("fields") else {}
        roles = as_json_list(body.get("role_owners"))
        if body.get("role_owners") is not None:
            self.store.check_roles(conf, roles)
        missing = state.missing(item, conf, target, set(values))
        if missing:
            fail(rules.REQUIRED_FIELDS_MISSING, ", ".join(missing))
        at = now_ms()
        if values:
            self._apply_values(item, conf, values, ctx.actor)
        if roles:
            self._apply_values(item, conf, {"role_owners": roles}, ctx.actor)
        for t in item.state_times:
            if t["state_key"] == source and not t["end_time"]:
                t["end_time"] = at
        name = next(n for k, n, _ in state.states() if k == target)
        item.state_times.append(
            {"state_key": target, "start_time": at, "end_time": 0, "name": name}
        )
        item.state_key = target
        item.updated_at, item.updated_by = at, ctx.actor.operator
        item.status_history.append(
            {"state_key": target, "updated_at": at, "updated_by": ctx.actor.operator}
        )
        self.store.record(
            item,
            "modify",
            "state_mod",
            [record_content("state", str(item.id), "state_key", old=source, new=target)],
            ctx.actor,
            at=at,
        )
        return {}

    @handles("update_workflow_node")
    def h_update_workflow_node(self, ctx: Ctx) -> Any:
        """update_workflow_node: owners, schedules, fields, role assignees of a node."""
        conf, item = self._flow_item(ctx)
        if conf.flow_mode != WORKFLOW:
            fail(rules.OPERATE_FAILED, "work item is not node-flow mode")
        self._live(item)
        node = self._flow_node(item, ctx.match["node_id"])
        apply, _ = self._node_changes(conf, item, node, rules.body_dict(ctx.body))
        apply(ctx.actor)
        item.updated_at, item.updated_by = now_ms(), ctx.actor.operator
        return {}

    @handles("get_work_item_trans_required_item")
    def h_required_info(self, ctx: Ctx) -> Any:
        """get_work_item_trans_required_item: required fields of a node or target state."""
        body = rules.body_dict(ctx.body)
        space = self.store.space(rules.req_str(body, "project_key"))
        type_key = rules.opt_str(body, "work_item_type_key") or None
        item = self.store.item(space, type_key, body.get("work_item_id"))
        conf = space.types[item.type_key]
        state_key = rules.req_str(body, "state_key")
        mode = rules.opt_str(body, "mode") or ""
        if mode not in ("", "unfinished"):
            fail(rules.INVALID_PARAM, "mode must be unfinished or empty")
        state = workflow_state(self.store)
        known = (
            {k for k, _, _ in state.states()}
            if state.is_state_flow(conf)
            else {n.state_key for n in item.nodes}
        )
        if state_key not in known:
            fail(rules.OPERATE_FAILED, f"this node no longer exists: {state_key}")
        items = [
            {
                "class": "field",
                "key": key,
                "field_type_key": conf.fields[key].type_key,
                "finished": item.values.get(key) not in _EMPTY,
            }
            for key in state.required(conf, state_key)
        ]
        if mode == "unfinished":
            items = [i for i in items if not i["finished"]]
        return {"form_items": items, "tasks": [], "deliverables": [], "node_fields": []}

    @handles("actual_time_update")
    def h_actual_time_update(self, ctx: Ctx) -> Any:
        """actual_time_update: a node's actual start and finish (13-digit ms)."""
        body = rules.body_dict(ctx.body)
        space = self.store.space(rules.req_str(body, "project_key"))
        item = self.store.item(space, None, body.get("work_item_id"))
        node = self._flow_node(item, rules.req_str(body, "node_id"))
        info = body.get("actual_time_info")
        if not isinstance(info, dict) or not info:
            fail(rules.MISSING_PARAM, "actual_time_info")
        start, finish = info.get("actual_start_time"), info.get("actual_finish_time")
        for name, value in (("actual_start_time", start), ("actual_finish_time", finish)):
            if value is not None and not rules.is_ms_timestamp(value):
                fail(rules.INVALID_PARAM, f"{name} must be a 13-digit ms timestamp")
        begin = start if start is not None else node.begin
        end = finish if finish is not None else node.finish
        if begin is not None and end is not None and end < begin:
            fail(rules.INVALID_PARAM, "actual_finish_time is before actual_start_time")
        self._live(item)
        node.begin, node.finish = begin, end
        return {}
