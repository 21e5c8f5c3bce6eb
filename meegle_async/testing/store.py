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

import base64
import bisect
import itertools
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import rules
from .rules import JSON, ApiError, fail

WORKFLOW = "workflow"
STATEFLOW = "stateflow"

# Field types whose values the fake treats as read-only (calculated or system-owned).
READONLY_TYPES = frozenset({"work_item_status", "template", "vote", "formula", "aggregate"})
MULTI_TYPES = frozenset(
    {"multi_select", "multi_user", "tree_multi_select", "work_item_related_multi_select"}
)
SUPPORTED_CUSTOM_TYPES = frozenset(
    {
        "text",
        "multi_text",
        "select",
        "multi_select",
        "tree_select",
        "tree_multi_select",
        "radio",
        "user",
        "multi_user",
        "date",
        "schedule",
        "link",
        "number",
        "multi_file",
        "bool",
        "signal",
        "work_item_related_select",
        "work_item_related_multi_select",
    }
)
OPTION_TYPES = frozenset({"select", "multi_select", "radio", "tree_select", "tree_multi_select"})


def now_ms() -> int:
    """Wall-clock time in milliseconds, the unit of every Meegle timestamp."""
    return int(time.time() * 1000)


@dataclass(eq=False)
class FieldConf:
    """One field of a work item type: its metadata and its option tree."""

    key: str
    name: str
    type_key: str
    alias: str = ""
    required: bool = False
    custom: bool = False
    readonly: bool = False
    resource: bool = False
    help: str = ""
    free_add: int = 2
    authorized_roles: list[str] = field(default_factory=list)
    options: list[JSON] = field(default_factory=list)
    compound: list[FieldConf] = field(default_factory=list)
    default: Any = None
    uuid: str = ""

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        """Rebuild the option lookups after the option list changed."""
        self.option_by_value: dict[str, JSON] = {}
        self.option_labels: set[str] = set()
        stack = [(o, 0) for o in self.options]
        while stack:
            option, depth = stack.pop()
            if depth == 0:
                self.option_by_value[option["value"]] = option
            self.option_labels.add(option["label"])
            stack.extend((c, depth + 1) for c in option.get("children") or [])
        self.sub_by_key = {c.key: c for c in self.compound}
        self.sub_by_alias = {c.alias: c for c in self.compound if c.alias}

    def find_option(self, value: str) -> JSON | None:
        """An option at any depth by its value (id)."""
        stack = list(self.options)
        while stack:
            option = stack.pop()
            if option["value"] == value:
                return option
            stack.extend(option.get("children") or [])
        return None


@dataclass(eq=False)
class TypeConf:
    """A work item type of a space: fields, roles, workflow nodes or states."""

    key: str
    name: str
    flow_mode: str = WORKFLOW
    resource_enabled: bool = False
    disabled: bool = False
    fields: dict[str, FieldConf] = field(default_factory=dict)
    roles: list[JSON] = field(default_factory=list)
    nodes: list[JSON] = field(default_factory=list)
    templates: list[JSON] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.aliases = {f.alias: f.key for f in self.fields.values() if f.alias}
        self.node_by_key = {n["state_key"]: n for n in self.nodes}
        self.role_ids = {r["id"] for r in self.roles}

    def add_field(self, conf: FieldConf) -> None:
        """Register a new field (custom field creation)."""
        self.fields[conf.key] = conf
        if conf.alias:
            self.aliases[conf.alias] = conf.key

    def field(self, key_or_alias: str) -> FieldConf | None:
        """A field by key, or by alias (the API accepts either in value pairs)."""
        conf = self.fields.get(key_or_alias)
        if conf is None and key_or_alias in self.aliases:
            conf = self.fields.get(self.aliases[key_or_alias])
        return conf


@dataclass(eq=False)
class Space:
    """A Meegle space (project): reachable by ``project_key`` and by ``simple_name``."""

    project_key: str
    simple_name: str
    name: str
    types: dict[str, TypeConf] = field(default_factory=dict)


@dataclass(eq=False)
class NodeState:
    """A workflow node of one work item."""

    state_key: str
    name: str
    status: int = 1  # 1 not started, 2 in progress, 3 done
    owners: list[str] = field(default_factory=list)
    begin: int | None = None
    finish: int | None = None
    task_ids: list[int] = field(default_factory=list)


@dataclass(eq=False)
class WorkItem:
    """One work item (or resource library instance when ``is_resource``)."""

    id: int
    project_key: str
    type_key: str
    name: str
    template_id: int
    created_by: str
    created_at: int
    updated_by: str
    updated_at: int
    values: dict[str, Any] = field(default_factory=dict)
    nodes: list[NodeState] = field(default_factory=list)
    state_key: str = ""
    state_times: list[JSON] = field(default_factory=list)
    status_history: list[JSON] = field(default_factory=list)
    aborted: bool = False
    abort_reason: str = ""
    frozen: bool = False
    deleted: bool = False
    is_resource: bool = False
    source_resource_id: int | None = None

    def node(self, state_key: str) -> NodeState | None:
        """A workflow node by state key."""
        for node in self.nodes:
            if node.state_key == state_key:
                return node
        return None


@dataclass(eq=False)
class SubTask:
    """A subtask on a workflow node. The id is an int here, a string in answers."""

    id: int
    work_item_id: int
    node_id: str
    name: str
    created_at: int
    assignee: list[str] = field(default_factory=list)
    role_assignee: list[JSON] = field(default_factory=list)
    schedules: list[JSON] = field(default_factory=list)
    note: str = ""
    passed: bool = False
    begin: int | None = None
    finish: int | None = None
    deliverable: list[JSON] = field(default_factory=list)
    fields: list[JSON] = field(default_factory=list)
    order: float = 0.0
    owner_usage_mode: int = 1
    owner_roles: list[str] = field(default_factory=list)


@dataclass(eq=False)
class BatchTask:
    """A batch field update: applied when ``batch_task_duration`` has passed."""

    task_id: str
    created: float
    due: float
    project_key: str
    type_key: str
    ids: list[int]
    field_key: str
    mode: str
    before: Any
    after: Any
    actor: Actor
    done: bool = False
    success: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    scenes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Actor:
    """Who made a change, as the change log reports it."""

    operator: str
    operator_type: str = "user"
    source_type: str = "plugin"
    source: str = ""


@dataclass
class TokenInfo:
    """An issued token. ``expires_at`` is ``time.monotonic`` based."""

    token: str
    kind: str  # "plugin", "virtual" or "user"
    expires_at: float
    user_key: str | None = None


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


def record_content(
    object_type: str,
    object_value: str,
    prop: str,
    *,
    old: Any = None,
    new: Any = None,
    add: Sequence[str] = (),
    delete: Sequence[str] = (),
) -> JSON:
    """One ``record_contents`` entry; values become lists of strings as the API sends them."""
    return {
        "object": {"object_type": object_type, "object_value": object_value},
        "object_property": prop,
        "old": _as_strings(old),
        "new": _as_strings(new),
        "add": list(add),
        "delete": list(delete),
        "status_values": [],
        "belong_object": [],
        "extra": {},
    }


def _as_strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in value]
    if isinstance(value, str):
        return [value]
    return [json.dumps(value, ensure_ascii=False)]


class Store:
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

    def user_detail(self, user_key: str) -> JSON:
        """The UserDetail of a user key (unknown users get a placeholder)."""
        user = self.users.get(user_key)
        if user is not None:
            return user
        return {
            "user_key": user_key,
            "username": user_key,
            "email": "",
            "name_cn": "",
            "name_en": "",
        }

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
    def field_pair(self, conf: FieldConf, value: Any, *, group_uuid: bool = False) -> JSON:
        """One entry of a work item's ``fields`` list."""
        if conf.type_key == "compound_field":
            groups = []
            for group in value:
                pairs = []
                for sub in conf.compound:
                    if sub.key in group["values"]:
                        pair = self.field_pair(sub, group["values"][sub.key])
                        if group_uuid:
                            pair["group_uuid"] = group["group_uuid"]
                        pairs.append(pair)
                groups.append(pairs)
            value = groups
        return {
            "field_key": conf.key,
            "field_value": value,
            "field_type_key": conf.type_key,
            "field_alias": conf.alias,
        }

    def work_item_view(
        self,
        item: WorkItem,
        selection: tuple[bool, set[str]] | None = None,
        expand: Mapping[str, Any] | None = None,
    ) -> JSON:
        """A work item as ``get_work_item_details`` answers it."""
        space = self.spaces[item.project_key]
        conf = space.types[item.type_key]
        expand = expand or {}
        group_uuid = bool(expand.get("need_group_uuid_for_compound"))
        fields = []
        for key, value in item.values.items():
            if value is None or key == "name":
                continue
            if selection is not None:
                exclude, keys = selection
                if (key in keys) == exclude:
                    continue
            fconf = conf.fields.get(key)
            if fconf is not None:
                fields.append(self.field_pair(fconf, value, group_uuid=group_uuid))
        current = [n for n in item.nodes if n.status == 2]
        view: JSON = {
            "id": item.id,
            "name": item.name,
            "work_item_type_key": item.type_key,
            "project_key": item.project_key,
            "simple_name": space.simple_name,
            "template_type": item.type_key,
            "template_id": item.template_id,
            "pattern": "Node" if conf.flow_mode == WORKFLOW else "State",
            "sub_stage": "aborted" if item.aborted else item.state_key,
            "current_nodes": [
                {"id": n.state_key, "name": n.name, "owners": n.owners, "milestone": False}
                for n in current
            ],
            "created_by": item.created_by,
            "updated_by": item.updated_by,
            "created_at": item.created_at,
            "updated_at": item.updated_at,
            "deleted_by": "",
            "deleted_at": 0,
            "fields": fields,
            "work_item_status": {
                "state_key": item.state_key,
                "is_archived_state": item.state_key in ("done", "closed", "published"),
                "is_init_state": bool(conf.nodes) and item.state_key == conf.nodes[0]["state_key"],
                "updated_at": item.updated_at,
                "updated_by": item.updated_by,
                "history": item.status_history,
            },
            "state_times": item.state_times,
        }
        if expand.get("need_workflow") and conf.flow_mode == WORKFLOW:
            view["workflow_infos"] = {
                "workflow_nodes": [self._node_view(item, n) for n in item.nodes],
                "connections": [
                    {"source_state_key": a.state_key, "target_state_key": b.state_key}
                    for a, b in itertools.pairwise(item.nodes)
                ],
                "state_flow_nodes": [],
                "user_details": [],
            }
        if expand.get("need_multi_text"):
            view["multi_texts"] = [
                {
                    "field_key": key,
                    "field_value": {"doc": "", "doc_text": value, "is_empty": not value},
                }
                for key, value in item.values.items()
                if key in conf.fields and conf.fields[key].type_key == "multi_text"
            ]
        if expand.get("need_user_detail"):
            keys = {item.created_by, item.updated_by}
            for key, value in item.values.items():
                fconf = conf.fields.get(key)
                if fconf is not None and fconf.type_key in ("user", "multi_user"):
                    keys.update([value] if isinstance(value, str) else value)
            view["user_details"] = [self.user_detail(k) for k in sorted(keys)]
        return view

    def _node_view(self, item: WorkItem, node: NodeState) -> JSON:
        return {
            "id": node.state_key,
            "state_key": node.state_key,
            "name": node.name,
            "status": node.status,
            "owners": node.owners,
            "fields": [],
            "actual_begin_time": str(node.begin) if node.begin else "",
            "actual_finish_time": str(node.finish) if node.finish else "",
            "sub_tasks": [self.subtask_view(self.subtasks[t]) for t in node.task_ids],
        }

    def subtask_view(self, task: SubTask) -> JSON:
        """A subtask as task details and subtask search answer it (id as a string)."""
        owners = task.assignee or [o for r in task.role_assignee for o in r.get("owners", [])]
        return {
            "id": str(task.id),
            "name": task.name,
            "schedules": task.schedules,
            "order": task.order,
            "details": "",
            "passed": task.passed,
            "owners": owners,
            "note": task.note,
            "actual_begin_time": str(task.begin) if task.begin else "",
            "actual_finish_time": str(task.finish) if task.finish else "",
            "assignee": task.assignee,
            "role_assignee": task.role_assignee,
            "deliverable": task.deliverable,
            "owner_roles": task.owner_roles,
            "owner_usage_mode": task.owner_usage_mode,
            "fields": task.fields,
        }

    def node_tasks_view(self, item: WorkItem, conf: TypeConf, node: NodeState) -> JSON:
        """One entry of ``get_task_details``: a node with its subtasks."""
        return {
            "id": node.state_key,
            "state_key": node.state_key,
            "node_name": node.name,
            "template_id": item.template_id,
            "version": 1,
            "sub_tasks": [self.subtask_view(self.subtasks[t]) for t in node.task_ids],
        }

    def resource_view(self, item: WorkItem, selection: tuple[bool, set[str]] | None) -> JSON:
        """A resource instance as ``get_work_item_resource_instance_detail`` answers it."""
        view = self.work_item_view(item, selection)
        keep = [
            "id",
            "name",
            "work_item_type_key",
            "project_key",
            "template_type",
            "created_by",
            "updated_by",
            "created_at",
            "updated_at",
            "fields",
            "simple_name",
            "template_id",
        ]
        return {k: view[k] for k in keep}

    def field_conf_view(self, conf: FieldConf, type_conf: TypeConf) -> JSON:
        """A FieldConf entry of the creation metadata."""
        view: JSON = {
            "field_key": conf.key,
            "field_alias": conf.alias,
            "field_name": conf.name,
            "field_type_key": conf.type_key,
            "is_required": 1 if conf.required else 2,
            "is_visibility": 1,
            "is_validity": 1,
            "label": conf.name,
            "field_uuid": conf.uuid or conf.key,
            "free_add": conf.free_add == 1,
            "field_tips": conf.help,
        }
        if conf.default is not None:
            view["default_value"] = {"default_appear": 1, "value": conf.default}
        if conf.options:
            view["options"] = [_option_conf(o) for o in conf.options]
        if conf.compound:
            view["compound_fields"] = [self.field_conf_view(c, type_conf) for c in conf.compound]
        if conf.type_key == "role_owners":
            view["role_assign"] = [
                {
                    "role": r["id"],
                    "name": r["name"],
                    "default_appear": 1,
                    "deletable": 2,
                    "member_assign": 1,
                    "members": r.get("members", []),
                }
                for r in type_conf.roles
            ]
        return view

    def simple_field_view(self, conf: FieldConf, scopes: list[str]) -> JSON:
        """A SimpleField entry of ``get_field_information``."""
        view: JSON = {
            "field_key": conf.key,
            "field_type_key": conf.type_key,
            "field_alias": conf.alias,
            "field_name": conf.name,
            "is_custom_field": conf.custom,
            "is_obsoleted": False,
            "work_item_scopes": scopes,
            "value_generate_mode": "Calculate" if conf.readonly else "Default",
            "relation_id": "",
        }
        if conf.options:
            view["options"] = [
                _simple_option(o, i, scopes[0] if scopes else "")
                for i, o in enumerate(conf.options)
            ]
        if conf.compound:
            view["compound_fields"] = [self.simple_field_view(c, scopes) for c in conf.compound]
        return view

    # ------------------------------------------------------------- op records
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


def _option_conf(option: JSON) -> JSON:
    out: JSON = {
        "label": option["label"],
        "value": option["value"],
        "is_disabled": 2,
        "is_visibility": 1,
    }
    if option.get("children"):
        out["children"] = [_option_conf(c) for c in option["children"]]
    return out


def _simple_option(option: JSON, order: int, type_key: str) -> JSON:
    out: JSON = {
        "label": option["label"],
        "value": option["value"],
        "order": order,
        "color": option.get("color", ""),
        "is_visibility": 1,
        "is_disabled": 2,
        "work_item_type_key": type_key,
    }
    if option.get("children"):
        out["children"] = [_simple_option(c, i, type_key) for i, c in enumerate(option["children"])]
    return out


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
