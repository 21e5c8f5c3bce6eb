"""In-memory state of the fake Meegle server.

Plain dataclasses and dicts, indexed for O(1) lookups (work items and subtasks by id,
spaces by ``project_key`` and by ``simple_name``). Answers are built per request from
this state; nothing is deep-copied, so callers must treat the dicts they get as
read-only.

Inspect or prepare state directly in tests::

    item = fake.store.items[work_item_id]
    fake.store.add_synthetic_change_log(work_item_id, 200_000, start_ms, end_ms)
    fake.store.finish_batch_tasks()
"""

from __future__ import annotations

import bisect
import itertools
import time
from typing import Any

from . import rules
from .changelog import ChangeLogStore, LogFilter, SyntheticLog
from .entities import (
    MULTI_TYPES,
    OPTION_TYPES,
    READONLY_TYPES,
    STATEFLOW,
    SUPPORTED_CUSTOM_TYPES,
    WORKFLOW,
    Actor,
    BatchTask,
    FieldConf,
    NodeState,
    Space,
    SubTask,
    TokenInfo,
    TypeConf,
    WorkItem,
    now_ms,
    record_content,
)
from .rendering import StoreViews
from .rules import JSON, ApiError, fail

__all__ = [
    "MULTI_TYPES",
    "OPTION_TYPES",
    "READONLY_TYPES",
    "STATEFLOW",
    "SUPPORTED_CUSTOM_TYPES",
    "WORKFLOW",
    "Actor",
    "BatchTask",
    "FieldConf",
    "LogFilter",
    "NodeState",
    "Space",
    "Store",
    "SubTask",
    "SyntheticLog",
    "TokenInfo",
    "TypeConf",
    "WorkItem",
    "now_ms",
    "record_content",
]


class Store(StoreViews, ChangeLogStore):
    """Everything the fake knows: spaces, users, work items, subtasks, logs, tasks, tokens."""

    def __init__(self) -> None:
        self.users: dict[str, JSON] = {}
        self.spaces: dict[str, Space] = {}
        self.simple_names: dict[str, str] = {}
        self.items: dict[int, WorkItem] = {}
        self.deleted: dict[int, WorkItem] = {}
        self.subtasks: dict[int, SubTask] = {}
        self.op_records: dict[int, list[JSON]] = {}
        self.synthetic_logs: dict[int, SyntheticLog] = {}
        self.batch_tasks: dict[str, BatchTask] = {}
        self.tokens: dict[str, TokenInfo] = {}
        self.refresh_tokens: dict[str, tuple[str, float]] = {}
        self.auth_codes: dict[str, str] = {}
        self.batch_task_duration = 2.0
        self._pending: list[BatchTask] = []
        self._item_ids = itertools.count(6_100_000_001)
        self._task_ids = itertools.count(8_200_000_001)
        self._batch_ids = itertools.count(7_300_000_000_000_000_001)
        self._uuids = itertools.count(1)
        self._subtask_order: list[SubTask] | None = None
        self._count_cache: dict[tuple[int, LogFilter], int] = {}

    # ----------------------------------------------------------------- lookups
    def space(self, key: Any) -> Space:
        """A space by ``project_key`` or ``simple_name`` (unknown → 1000052062)."""
        if isinstance(key, str):
            space = self.spaces.get(key)
            if space is None and key in self.simple_names:
                space = self.spaces[self.simple_names[key]]
            if space is not None:
                return space
        raise ApiError(rules.PROJECT_KEY_WRONG, str(key))

    def type_conf(self, space: Space, type_key: Any, code: int = rules.TYPE_NOT_FOUND) -> TypeConf:
        """A work item type of a space (unknown → ``code``, 30014 by default)."""
        conf = space.types.get(type_key) if isinstance(type_key, str) else None
        if conf is None:
            fail(code, str(type_key))
        return conf

    def item(self, space: Space, type_key: str | None, work_item_id: Any) -> WorkItem:
        """A live work item of the space (and of the type, when given) or 30005."""
        wid = rules.to_int(work_item_id, "work_item_id", code=rules.WORK_ITEM_NOT_FOUND)
        item = self.items.get(wid)
        if item is None or (type_key is not None and item.type_key != type_key):
            fail(rules.WORK_ITEM_NOT_FOUND, str(wid))
        if item.project_key != space.project_key:
            fail(rules.PROJECT_WORK_ITEM_MISMATCH, str(wid))
        return item

    def new_item_id(self) -> int:
        """The next work item id."""
        return next(self._item_ids)

    def new_task_id(self) -> int:
        """The next subtask id."""
        return next(self._task_ids)

    def new_uuid(self, prefix: str = "") -> str:
        """A short unique id (compound groups, fields)."""
        return f"{prefix}{next(self._uuids):08x}"

    # ----------------------------------------------------------------- values
    def normalize(self, conf: FieldConf, value: Any) -> Any:
        """Check a field value against its type and give the stored (answer) form.

        Option fields take option ids: a label where an id is expected is 20050.
        """
        t = conf.type_key
        if value is None:
            return None
        if t in ("select", "radio"):
            return self._option(conf, value)
        if t == "multi_select":
            if not isinstance(value, list):
                fail(rules.FIELD_CHECK_FAILED, f"{conf.key} expects a list of options")
            return [self._option(conf, v) for v in value]
        if t == "tree_select":
            return self._tree_option(conf, value, conf.options)
        if t == "tree_multi_select":
            if not isinstance(value, list):
                fail(rules.FIELD_CHECK_FAILED, f"{conf.key} expects a list of options")
            return [self._tree_option(conf, v, conf.options) for v in value]
        if t == "user":
            if not isinstance(value, str):
                fail(rules.FIELD_CHECK_FAILED, f"{conf.key} expects a user_key")
            return value
        if t == "multi_user":
            return rules.check_string_list(value, conf.key)
        if t in ("date",):
            if not rules.is_ms_timestamp(value):
                fail(rules.FIELD_CHECK_FAILED, f"{conf.key} expects a 13-digit ms timestamp")
            return value
        if t == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                fail(rules.FIELD_CHECK_FAILED, f"{conf.key} expects a number")
            return value
        if t in ("bool", "signal"):
            if not isinstance(value, bool):
                fail(rules.FIELD_CHECK_FAILED, f"{conf.key} expects a boolean")
            return value
        if t in ("text", "multi_text", "link"):
            if not isinstance(value, str):
                fail(rules.FIELD_CHECK_FAILED, f"{conf.key} expects a string")
            return value
        if t == "work_item_related_select":
            return rules.to_int(value, conf.key, code=rules.FIELD_CHECK_FAILED)
        if t == "work_item_related_multi_select":
            if not isinstance(value, list):
                fail(rules.FIELD_CHECK_FAILED, f"{conf.key} expects a list of ids")
            return [rules.to_int(v, conf.key, code=rules.FIELD_CHECK_FAILED) for v in value]
        if t == "role_owners":
            return self._role_owners(value)
        if t == "compound_field":
            if not isinstance(value, list):
                fail(rules.FIELD_CHECK_FAILED, f"{conf.key} expects a list of groups")
            return [self.compound_group(conf, g) for g in value]
        return value

    def _option(self, conf: FieldConf, value: Any) -> JSON:
        option_id = value.get("value") if isinstance(value, dict) else value
        if isinstance(option_id, str) and option_id in conf.option_by_value:
            option = conf.option_by_value[option_id]
            return {"label": option["label"], "value": option["value"]}
        if isinstance(option_id, str) and option_id in conf.option_labels:
            fail(rules.FIELD_CHECK_FAILED, f"{conf.key}: {option_id!r} is a label, send the id")
        raise ApiError(rules.FIELD_CHECK_FAILED, f"{conf.key}: unknown option {option_id!r}")

    def _tree_option(self, conf: FieldConf, value: Any, level: list[JSON]) -> JSON:
        if not isinstance(value, dict) or not isinstance(value.get("value"), str):
            if isinstance(value, str) and value in conf.option_labels:
                fail(rules.FIELD_CHECK_FAILED, f"{conf.key}: {value!r} is a label, send the id")
            fail(rules.FIELD_CHECK_FAILED, f"{conf.key} expects {{value, children}}")
        match = next((o for o in level if o["value"] == value["value"]), None)
        if match is None:
            what = "label" if value["value"] in conf.option_labels else "option"
            fail(
                rules.FIELD_CHECK_FAILED,
                f"{conf.key}: {value['value']!r} is not a valid {what} at this level",
            )
        out: JSON = {"label": match["label"], "value": match["value"]}
        child = value.get("children")
        if child:
            if isinstance(child, list):
                if len(child) != 1:
                    fail(rules.FIELD_CHECK_FAILED, f"{conf.key}: one child per level")
                child = child[0]
            out["children"] = self._tree_option(conf, child, match.get("children") or [])
        elif match.get("children"):
            fail(rules.FIELD_CHECK_FAILED, f"{conf.key}: cascading value must reach a leaf")
        return out

    def _role_owners(self, value: Any) -> list[JSON]:
        if not isinstance(value, list):
            fail(rules.OPERATE_FAILED, "role_owners parse failed: expects a list")
        out = []
        for entry in value:
            if (
                not isinstance(entry, dict)
                or not isinstance(entry.get("role"), str)
                or not isinstance(entry.get("owners", []), list)
                or not all(isinstance(o, str) for o in entry.get("owners", []))
            ):
                fail(rules.OPERATE_FAILED, "role_owners parse failed: expects {role, owners}")
            out.append({"role": entry["role"], "owners": list(entry.get("owners", []))})
        return out

    def check_roles(self, conf: TypeConf, role_owners: list[JSON]) -> None:
        """Roles must exist in the type's process role configuration (else 50006)."""
        for entry in role_owners:
            if entry["role"] not in conf.role_ids:
                fail(
                    rules.OPERATE_FAILED, f"role_owners parse failed: unknown role {entry['role']}"
                )

    def compound_group(self, conf: FieldConf, group: Any, group_uuid: str | None = None) -> JSON:
        """A compound field group (a FieldValuePair list) in stored form."""
        if isinstance(group, dict) and "fields" in group:
            group = group["fields"]
        if not isinstance(group, list) or not all(isinstance(p, dict) for p in group):
            fail(rules.FIELD_CHECK_FAILED, f"{conf.key}: a group is a list of field pairs")
        values: dict[str, Any] = {}
        for pair in group:
            key = pair.get("field_key") or pair.get("field_alias")
            sub = conf.sub_by_key.get(str(key)) or conf.sub_by_alias.get(str(key))
            if sub is None:
                fail(rules.FIELD_NOT_FOUND, f"{conf.key}.{key}")
            values[sub.key] = self.normalize(sub, pair.get("field_value"))
        return {"group_uuid": group_uuid or self.new_uuid("grp_"), "values": values}

    # ------------------------------------------------------------------ views
    # ------------------------------------------------------------------ tasks
    def subtasks_by_creation(self) -> list[SubTask]:
        """All live subtasks, oldest first (cached until the subtask set changes)."""
        if self._subtask_order is None:
            self._subtask_order = sorted(self.subtasks.values(), key=lambda t: (t.created_at, t.id))
        return self._subtask_order

    def add_subtask(self, item: WorkItem, node: NodeState, task: SubTask) -> None:
        """Attach a subtask to a node and index it."""
        self.subtasks[task.id] = task
        node.task_ids.append(task.id)
        if self._subtask_order is not None:
            if not self._subtask_order or (
                (task.created_at, task.id)
                >= (self._subtask_order[-1].created_at, self._subtask_order[-1].id)
            ):
                self._subtask_order.append(task)
            else:
                keys = [(t.created_at, t.id) for t in self._subtask_order]
                self._subtask_order.insert(bisect.bisect(keys, (task.created_at, task.id)), task)

    def remove_subtask(self, task: SubTask) -> None:
        """Detach and forget a subtask."""
        self.subtasks.pop(task.id, None)
        item = self.items.get(task.work_item_id)
        node = item.node(task.node_id) if item is not None else None
        if node is not None and task.id in node.task_ids:
            node.task_ids.remove(task.id)
        self._subtask_order = None

    def delete_item(self, item: WorkItem) -> None:
        """Delete a work item; its change log stays readable."""
        item.deleted = True
        del self.items[item.id]
        self.deleted[item.id] = item
        for node in item.nodes:
            for tid in node.task_ids:
                self.subtasks.pop(tid, None)
        self._subtask_order = None

    # ------------------------------------------------------------ batch tasks
    def new_batch_task(self, **kwargs: Any) -> BatchTask:
        """Queue a batch update; it is applied ``batch_task_duration`` seconds later."""
        created = time.monotonic()
        task = BatchTask(
            task_id=str(next(self._batch_ids)),
            created=created,
            due=created + self.batch_task_duration,
            **kwargs,
        )
        self.batch_tasks[task.task_id] = task
        self._pending.append(task)
        return task

    def settle(self, now: float | None = None) -> None:
        """Apply every batch task whose time has come (called on each request)."""
        if not self._pending:
            return
        now = time.monotonic() if now is None else now
        due = [t for t in self._pending if t.due <= now]
        if due:
            self._pending = [t for t in self._pending if t.due > now]
            for task in due:
                self._apply_batch(task)

    def finish_batch_tasks(self) -> None:
        """Apply every pending batch task now, whatever its due time."""
        self.settle(float("inf"))

    def batch_progress(self, task_id: str) -> JSON:
        """``get_batch_update_progress`` data for a task id (unknown → NOT_EXIST)."""
        task = self.batch_tasks.get(task_id)
        if task is None:
            return {
                "task_id": task_id,
                "task_status": "NOT_EXIST",
                "total": 0,
                "success_total": 0,
                "error_total": 0,
                "success_sub_task_list": [],
                "fail_sub_task_list": [],
                "error_scenes": [],
            }
        if task.done:
            status = "FAILED" if task.ids and not task.success else "SUCCESS"
        else:
            elapsed = time.monotonic() - task.created
            status = "IDLE" if elapsed < (task.due - task.created) / 4 else "RUNNING"
        return {
            "task_id": task.task_id,
            "task_status": status,
            "total": len(task.ids),
            "success_total": len(task.success),
            "error_total": len(task.failed),
            "success_sub_task_list": task.success,
            "fail_sub_task_list": task.failed,
            "error_scenes": task.scenes,
        }

    def _apply_batch(self, task: BatchTask) -> None:
        space = self.spaces[task.project_key]
        conf = space.types[task.type_key]
        fconf = conf.fields[task.field_key]
        scenes: set[str] = set()
        for wid in task.ids:
            item = self.items.get(wid)
            if item is None:
                task.failed.append(str(wid))
                scenes.add("WorkItemNotExist")
                continue
            if item.aborted:
                task.failed.append(str(wid))
                scenes.add("WorkItemTerminated")
                continue
            old = item.values.get(fconf.key)
            new = _batch_value(fconf, task.mode, old, task.before, task.after)
            if fconf.key == "name":
                item.name = new if isinstance(new, str) else item.name
            item.values[fconf.key] = new
            item.updated_at = now_ms()
            item.updated_by = task.actor.operator
            self.record(
                item,
                "modify",
                "role_and_user_mod" if fconf.key == "role_owners" else "field_mod",
                [record_content("field", fconf.key, "field_value", old=old, new=new)],
                task.actor,
            )
            task.success.append(str(wid))
        task.scenes = sorted(scenes)
        task.done = True

    # ----------------------------------------------------------------- tokens
    def token(self, token: str | None) -> TokenInfo | None:
        """A token that is known and not expired."""
        if not token:
            return None
        info = self.tokens.get(token)
        if info is None or info.expires_at <= time.monotonic():
            return None
        return info

    def expire_tokens(self) -> None:
        """Make every token issued so far invalid (the next call answers 10211)."""
        for info in self.tokens.values():
            info.expires_at = 0.0


def _batch_value(conf: FieldConf, mode: str, old: Any, before: Any, after: Any) -> Any:
    if mode == "UPDATE":
        return after
    if mode == "APPEND":
        current = list(old or [])
        for v in after or []:
            if v not in current:
                current.append(v)
        return current
    # REPLACE: swap ``before`` for ``after`` wherever it appears
    if isinstance(old, list):
        befores = before if isinstance(before, list) else [before]
        afters = after if isinstance(after, list) else [after]
        kept = [v for v in old if v not in befores]
        if len(kept) == len(old):
            return old
        return kept + [v for v in afters if v not in kept]
    return after if old == before else old
