"""The fake's entities: spaces, work item types and fields, work items, nodes, subtasks,
batch tasks, tokens, and the change-log record builder.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .rules import JSON

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
