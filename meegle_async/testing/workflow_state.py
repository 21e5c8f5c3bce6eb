"""Workflow and space-configuration state of the fake, hung off the ``Store`` lazily.

What the workflow endpoints need beyond ``store.py``: each node's schedule, per-owner schedules
and role assignees; the states and transitions of state-flow types (with fixed transition ids);
the item fields a node completion or a state transition requires; and the space look-ups
(teams, business lines, user groups, type settings). ``workflow_state(store)`` makes it on first
use, so a store that never serves these endpoints carries none of it.

Rules the handlers enforce with it:

* node flow: only a node in progress can be completed; completing it starts the next node and
  moves the item there; a rollback needs a reason and returns to a completed node (the nodes
  after it start over); a completion whose required fields are empty is refused (20038);
* state flow: a transition must leave the current state (10002) and its target's required
  fields must be filled, by the item or by the call's ``fields`` (20038).
"""

from __future__ import annotations

import itertools
import weakref
from dataclasses import dataclass, field
from typing import Any

from .rules import JSON
from .store import STATEFLOW, Store, TypeConf, WorkItem

__all__ = ["NodeExtra", "WorkflowState", "workflow_state"]

#: States of every state-flow type: (state_key, name, state_type 1 start / 2 middle / 3 end).
STATE_FLOW_STATES: list[tuple[str, str, int]] = [
    ("draft", "Draft", 1),
    ("in_review", "In review", 2),
    ("published", "Published", 2),
    ("archived", "Archived", 3),
]
#: Transitions of every state-flow type: (transition_id, source, target).
STATE_FLOW_TRANSITIONS: list[tuple[int, str, str]] = [
    (600001, "draft", "in_review"),
    (600002, "in_review", "draft"),
    (600003, "in_review", "published"),
    (600004, "published", "archived"),
    (600005, "published", "in_review"),
]
#: Item fields a node completion (node flow) or entering a state (state flow) requires, by
#: (type key, node or state key). Keys are field keys of the seeded types.
REQUIRED_FIELDS: dict[tuple[str, str], list[str]] = {
    ("story", "develop"): ["field_5a1c20"],  # story points before development is done
    ("bug", "fixing"): ["field_d294a8"],  # severity before the fix is done
    ("component", "published"): ["field_0a1b2c"],  # a version before publishing
}


@dataclass
class NodeExtra:
    """What a node carries beyond ``NodeState``: schedules and role assignees."""

    node_schedule: JSON | None = None
    schedules: list[JSON] = field(default_factory=list)
    role_assignee: list[JSON] = field(default_factory=list)


class WorkflowState:
    """The fake's workflow and space-configuration state (see the module docstring)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.nodes: dict[tuple[int, str], NodeExtra] = {}
        self.type_settings: dict[tuple[str, str], JSON] = {}
        users = sorted(store.users)
        self.teams: list[JSON] = [
            {
                "team_id": 7_100_000_001 + i,
                "team_name": name,
                "user_keys": users[i * 6 : i * 6 + 6],
                "administrators": users[i * 6 : i * 6 + 1],
                "members": users[i * 6 : i * 6 + 6],
            }
            for i, name in enumerate(["Platform", "Mobile", "Web"])
        ]
        self.user_groups: list[JSON] = [
            {"id": "7564720960423650001", "name": "QA guild", "user_members": users[2:8]},
            {"id": "7564720960423650002", "name": "Release managers", "user_members": users[:3]},
        ]

    # ------------------------------------------------------------------ node flow
    def node_extra(self, item: WorkItem, state_key: str) -> NodeExtra:
        """The extras of one node of one item (made empty on first use)."""
        key = (item.id, state_key)
        extra = self.nodes.get(key)
        if extra is None:
            extra = self.nodes[key] = NodeExtra()
        return extra

    @staticmethod
    def required(conf: TypeConf, state_key: str) -> list[str]:
        """The field keys completing node (or entering state) ``state_key`` requires."""
        return [k for k in REQUIRED_FIELDS.get((conf.key, state_key), []) if k in conf.fields]

    @staticmethod
    def missing(item: WorkItem, conf: TypeConf, state_key: str, given: set[str]) -> list[str]:
        """The required fields of ``state_key`` that neither the item nor ``given`` fill."""
        return [
            k
            for k in WorkflowState.required(conf, state_key)
            if k not in given and item.values.get(k) in (None, "", [], {})
        ]

    # ----------------------------------------------------------------- state flow
    @staticmethod
    def is_state_flow(conf: TypeConf) -> bool:
        """Whether the type moves by states (and transitions) rather than nodes."""
        return conf.flow_mode == STATEFLOW

    @staticmethod
    def states() -> list[tuple[str, str, int]]:
        """The states of a state-flow type."""
        return STATE_FLOW_STATES

    @staticmethod
    def transition(transition_id: int) -> tuple[int, str, str] | None:
        """A transition by id."""
        for t in STATE_FLOW_TRANSITIONS:
            if t[0] == transition_id:
                return t
        return None

    @staticmethod
    def connections(conf: TypeConf) -> list[JSON]:
        """The connections of a type's workflow (transition ids in state flow)."""
        if conf.flow_mode == STATEFLOW:
            return [
                {"source_state_key": a, "target_state_key": b, "transition_id": tid}
                for tid, a, b in STATE_FLOW_TRANSITIONS
            ]
        keys = [n["state_key"] for n in conf.nodes]
        return [{"source_state_key": a, "target_state_key": b} for a, b in itertools.pairwise(keys)]

    # ------------------------------------------------------------------ look-ups
    def settings(self, project_key: str, conf: TypeConf) -> JSON:
        """A type's settings as ``work_item/type/{key}`` answers them (editable by PUT)."""
        key = (project_key, conf.key)
        settings = self.type_settings.get(key)
        if settings is None:
            settings = self.type_settings[key] = {
                "description": f"{conf.name} work items",
                "is_pinned": conf.key == "story",
                "enable_schedule": True,
                "schedule_field_key": "",
                "estimate_point_field_key": "field_5a1c20" if "field_5a1c20" in conf.fields else "",
                "actual_work_time_field_key": "",
                "belong_role_keys": [r["id"] for r in conf.roles[:1]],
                "actual_work_time_switch": False,
            }
        return settings

    def businesses(self, project_key: str) -> list[JSON]:
        """The business-line tree of a space."""

        def line(ident: str, name: str, parent: str, order: float, level: int) -> JSON:
            return {
                "id": ident,
                "name": name,
                "project": project_key,
                "labels": [],
                "role_owners": {},
                "watchers": [],
                "order": order,
                "super_masters": [],
                "parent": parent,
                "disabled": False,
                "level_id": level,
                "children": [],
            }

        core = line("biz_core", "Core", "", 1.0, 1)
        core["children"] = [
            line("biz_core_pay", "Payments", "biz_core", 1.0, 2),
            line("biz_core_id", "Identity", "biz_core", 2.0, 2),
        ]
        return [core, line("biz_growth", "Growth", "", 2.0, 1)]


_STATES: weakref.WeakKeyDictionary[Store, WorkflowState] = weakref.WeakKeyDictionary()


def workflow_state(store: Store) -> WorkflowState:
    """The ``WorkflowState`` of ``store``, made on first use."""
    state = _STATES.get(store)
    if state is None:
        state = _STATES[store] = WorkflowState(store)
    return state


def clear_node_extras(state: WorkflowState, item: WorkItem, keys: list[str]) -> None:
    """Forget the extras of the given nodes of an item (used by rollbacks)."""
    for key in keys:
        state.nodes.pop((item.id, key), None)


def as_json_list(value: Any) -> list[JSON]:
    """``value`` if it is a list of objects, else an empty list."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
