"""Subtask endpoints of the fake."""

from __future__ import annotations

from typing import Any

from .. import rules
from ..context import Ctx, Paged
from ..rules import JSON, ApiError, fail
from ..store import (
    WORKFLOW,
    SubTask,
    TypeConf,
    WorkItem,
    now_ms,
    record_content,
)
from . import handles
from ._base import MAX_PAGE_SIZE, MAX_SUBTASK_RESULTS, HandlerBase


class TaskHandlers(HandlerBase):
    """Subtask endpoints of the fake."""

    @handles("get_task_list_across_space")
    def h_task_search(self, ctx: Ctx) -> Any:
        """get_task_list_across_space: refuses (20094) when more than 5000 match."""
        body = rules.body_dict(ctx.body)
        pks = rules.str_list(body, "project_keys") or []
        names = rules.str_list(body, "simple_names") or []
        if len(set(pks) | set(names)) > 10:
            fail(rules.SUBTASK_SCOPE_OVER_LIMIT)
        scope: set[str] | None = None
        if pks or names:
            scope = {k for k in pks if k in self.store.spaces}
            scope |= {self.store.simple_names[n] for n in names if n in self.store.simple_names}
        page_size = rules.opt_number(body, "page_size", 50)
        page_num = rules.opt_number(body, "page_num", 1)
        if not rules.is_int(page_size) or page_size < 1:
            fail(rules.INVALID_PARAM, "page_size must be a positive integer")
        if not rules.is_int(page_num) or page_num < 1:
            fail(rules.INVALID_PARAM, "page_num must be a positive integer")
        page_size = min(page_size, MAX_PAGE_SIZE)
        name = rules.opt_str(body, "name")
        needle = name.lower() if name else None
        users = set(rules.str_list(body, "user_keys") or [])
        status = body.get("status")
        if status is not None and status not in (0, 1):
            fail(rules.INVALID_PARAM, "status must be 0 or 1")
        start, end = 0, None
        created = body.get("created_at")
        if created is not None:
            if not isinstance(created, dict):
                fail(rules.INVALID_TIME_INTERVAL, "created_at must be {start, end}")
            for key in ("start", "end"):
                v = created.get(key)
                if v is not None and not rules.is_ms_timestamp(v):
                    fail(
                        rules.INVALID_TIME_INTERVAL,
                        f"created_at.{key} must be a 13-digit ms timestamp",
                    )
            start = created.get("start") or 0
            end = created.get("end")
        end = now_ms() if end is None else end
        if start > end:
            fail(rules.INVALID_TIME_INTERVAL, "created_at.start is after created_at.end")
        items = self.store.items
        matched: list[SubTask] = []
        for task in self.store.subtasks_by_creation():
            if task.created_at < start:
                continue
            if task.created_at > end:
                break
            item = items.get(task.work_item_id)
            if item is None or (scope is not None and item.project_key not in scope):
                continue
            if needle is not None and needle not in task.name.lower():
                continue
            if status is not None and task.passed != (status == 1):
                continue
            if users and not (
                users.intersection(task.assignee)
                or any(users.intersection(r.get("owners", [])) for r in task.role_assignee)
            ):
                continue
            matched.append(task)
        if len(matched) > MAX_SUBTASK_RESULTS:
            fail(rules.SUBTASK_SEARCH_OVER_LIMIT, f"{len(matched)} subtasks match")
        page = matched[(page_num - 1) * page_size : page_num * page_size]
        return Paged(
            [
                {
                    "work_item_id": t.work_item_id,
                    "work_item_name": items[t.work_item_id].name,
                    "node_id": t.node_id,
                    "sub_task": self.store.subtask_view(t),
                }
                for t in page
            ],
            {"page_num": page_num, "page_size": page_size, "total": len(matched)},
        )

    def _workflow_item(self, ctx: Ctx) -> tuple[TypeConf, WorkItem]:
        space, conf = self._space_type(ctx)
        item = self.store.item(space, conf.key, ctx.match["work_item_id"])
        if conf.flow_mode != WORKFLOW:
            fail(rules.OPERATE_FAILED, "work item is not workflow mode")
        return conf, item

    def _node(self, item: WorkItem, node_id: Any) -> Any:
        node = item.node(node_id) if isinstance(node_id, str) else None
        if node is None:
            fail(rules.NODE_NOT_IN_WORKFLOW, str(node_id))
        return node

    def _task(self, item: WorkItem, task_id: Any, node_id: str | None = None) -> SubTask:
        try:
            tid = rules.to_int(task_id, "task_id", code=rules.TASK_NOT_FOUND)
        except ApiError:
            fail(rules.TASK_NOT_FOUND, str(task_id))
        task = self.store.subtasks.get(tid)
        if task is None or task.work_item_id != item.id or (node_id and task.node_id != node_id):
            fail(rules.TASK_NOT_FOUND, str(task_id))
        return task

    @staticmethod
    def _assignees(body: JSON) -> tuple[list[str] | None, list[JSON] | None]:
        assignee = rules.str_list(body, "assignee")
        role_assignee = body.get("role_assignee")
        if assignee and role_assignee:
            fail(rules.ASSIGNEE_AND_ROLE_ASSIGNEE)
        if role_assignee is not None and (
            not isinstance(role_assignee, list)
            or not all(
                isinstance(r, dict) and isinstance(r.get("role"), str) for r in role_assignee
            )
        ):
            fail(rules.INVALID_PARAM, "role_assignee must be a list of {role, owners}")
        return assignee, role_assignee

    @handles("get_task_details")
    def h_task_details(self, ctx: Ctx) -> Any:
        """get_task_details: nodes with their subtasks (``?node_id=`` for one node)."""
        conf, item = self._workflow_item(ctx)
        node_id = ctx.query.get("node_id")
        nodes = [self._node(item, node_id)] if node_id else item.nodes
        return [self.store.node_tasks_view(item, conf, n) for n in nodes]

    @handles("create_tasks")
    def h_task_create(self, ctx: Ctx) -> Any:
        """create_tasks: returns the new subtask id (an integer)."""
        conf, item = self._workflow_item(ctx)
        self._live(item)
        body = rules.body_dict(ctx.body)
        node = self._node(item, rules.req_str(body, "node_id"))
        name = rules.req_str(body, "name")
        assignee, role_assignee = self._assignees(body)
        schedule = body.get("schedule")
        if schedule is not None and not isinstance(schedule, dict):
            fail(rules.INVALID_PARAM, "schedule must be an object")
        pairs = rules.check_pairs(body.get("field_value_pairs"), "field_value_pairs")
        node_conf = conf.node_by_key.get(node.state_key, {})
        created = now_ms()
        task = SubTask(
            id=self.store.new_task_id(),
            work_item_id=item.id,
            node_id=node.state_key,
            name=name,
            created_at=created,
            assignee=assignee or [],
            role_assignee=role_assignee or [],
            schedules=[schedule] if schedule else [],
            note=rules.opt_str(body, "note") or "",
            fields=list(pairs),
            order=float(len(node.task_ids) + 1),
            owner_usage_mode=node_conf.get("owner_usage_mode", 1),
            owner_roles=list(node_conf.get("roles", [])),
        )
        self.store.add_subtask(item, node, task)
        self.store.record(
            item,
            "add",
            "sub_task_mod",
            [record_content("sub_task", str(task.id), "name", new=name)],
            ctx.actor,
            at=created,
        )
        return task.id

    @handles("update_tasks")
    def h_task_update(self, ctx: Ctx) -> Any:
        """update_tasks."""
        _, item = self._workflow_item(ctx)
        self._live(item)
        node = self._node(item, ctx.match["node_id"])
        task = self._task(item, ctx.match["task_id"], node.state_key)
        body = rules.body_dict(ctx.body)
        assignee, role_assignee = self._assignees(body)
        changes = []
        name = rules.opt_str(body, "name")
        if name:
            changes.append(
                record_content("sub_task", str(task.id), "name", old=task.name, new=name)
            )
            task.name = name
        if assignee is not None:
            task.assignee, task.role_assignee = assignee, []
        if role_assignee is not None:
            task.role_assignee, task.assignee = role_assignee, []
        if isinstance(body.get("schedule"), dict):
            task.schedules = [body["schedule"]]
        note = rules.opt_str(body, "note")
        if note is not None:
            task.note = note
        if body.get("deliverable") is not None:
            task.deliverable = list(rules.check_pairs(body["deliverable"], "deliverable"))
        if body.get("update_fields") is not None:
            updates = {
                p["field_key"]: p for p in rules.check_pairs(body["update_fields"], "update_fields")
            }
            task.fields = [f for f in task.fields if f.get("field_key") not in updates]
            task.fields.extend(updates.values())
        self.store.record(
            item,
            "modify",
            "sub_task_mod",
            changes or [record_content("sub_task", str(task.id), "detail")],
            ctx.actor,
        )
        return {}

    @handles("complete_or_rollback_tasks")
    def h_task_modify(self, ctx: Ctx) -> Any:
        """complete_or_rollback_tasks: ``task_id`` in the body is an integer."""
        _, item = self._workflow_item(ctx)
        body = rules.body_dict(ctx.body)
        for required in ("node_id", "task_id", "action"):
            if body.get(required) in (None, ""):
                fail(rules.MISSING_PARAM, required)
        action = body["action"]
        if action not in ("confirm", "rollback"):
            fail(rules.ACTION_NOT_SUPPORTED, str(action))
        if not rules.is_int(body["task_id"]):
            fail(rules.INVALID_PARAM, "task_id must be an integer")
        self._live(item)
        node = self._node(item, body["node_id"])
        task = self._task(item, body["task_id"], node.state_key)
        assignee, role_assignee = self._assignees(body)
        if action == "confirm":
            if task.passed:
                fail(rules.OPERATE_FAILED, "subtask already confirmed, refresh and try again")
            task.passed, task.finish = True, now_ms()
            task.begin = task.begin or task.finish
        else:
            if not task.passed:
                fail(rules.OPERATE_FAILED, "subtask is not completed")
            task.passed, task.finish = False, None
        if assignee is not None:
            task.assignee, task.role_assignee = assignee, []
        if role_assignee is not None:
            task.role_assignee, task.assignee = role_assignee, []
        if isinstance(body.get("schedules"), list):
            task.schedules = body["schedules"]
        if body.get("deliverable") is not None:
            task.deliverable = list(rules.check_pairs(body["deliverable"], "deliverable"))
        note = rules.opt_str(body, "note")
        if note is not None:
            task.note = note
        self.store.record(
            item,
            "complete" if action == "confirm" else "rollback",
            "sub_task_mod",
            [
                record_content(
                    "sub_task", str(task.id), "passed", old=not task.passed, new=task.passed
                )
            ],
            ctx.actor,
        )
        return {}

    @handles("delete_tasks")
    def h_task_delete(self, ctx: Ctx) -> Any:
        """delete_tasks."""
        _, item = self._workflow_item(ctx)
        self._live(item)
        task = self._task(item, ctx.match["task_id"])
        self.store.remove_subtask(task)
        self.store.record(
            item,
            "remove",
            "sub_task_mod",
            [record_content("sub_task", str(task.id), "name", old=task.name)],
            ctx.actor,
        )
        return {}
