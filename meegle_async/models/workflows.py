"""Workflows: a work item's nodes (node flow) or states (state flow), the connections between
them, and what a node completion or state transition requires.

Key names and types follow the official Go SDK's JSON tags (``NodesConnections``,
``WorkflowNode``, ``StateFlowNode``, ``Connection``, ``NodeRequiredItemRes``). Where the spec
pages and the SDK disagree the SDK's wire format wins: actual begin and finish times are
strings (milliseconds written as text), ``transition_id`` is an integer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from .base import MeegleModel
from .common import FieldValuePair, RoleOwner, Schedule
from .tasks import SubTask
from .work_items import StateFlowNode, UserDetail, WorkflowConnection

__all__ = [
    "FlowNode",
    "FlowState",
    "NodeChecker",
    "NodeField",
    "RequiredDeliverable",
    "RequiredField",
    "RequiredFormItem",
    "RequiredInfo",
    "RequiredStateInfo",
    "RequiredTask",
    "Workflow",
    "WorkflowConnection",
]

#: ``FlowNode.status`` values: the node has not started, is in progress, is done.
NODE_NOT_STARTED, NODE_IN_PROGRESS, NODE_DONE = 1, 2, 3


@attrs.define(frozen=True, kw_only=True, slots=True)
class NodeChecker(MeegleModel):
    """One owner's completion of a node (``sub_status``): who, when, and their status."""

    checked_time: int | None = None
    owner: str | None = None
    status: int | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class NodeField(MeegleModel):
    """A node-level field value (``node_fields``)."""

    field_key: str | None = None
    field_value: Any = None
    field_alias: str | None = None
    field_type_key: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class FlowNode(MeegleModel):
    """A node of a node-flow work item: state, owners, schedules, form fields, subtasks.

    ``id`` and ``state_key`` name the node; the API takes the state key as ``node_id``.
    ``status`` is 1 (not started), 2 (in progress) or 3 (done).
    """

    id: str | None = None
    state_key: str | None = None
    name: str | None = None
    status: int | None = None
    fields: list[FieldValuePair] | None = None
    owners: list[str] | None = None
    node_schedule: Schedule | None = None
    schedules: list[Schedule] | None = None
    sub_tasks: list[SubTask] | None = None
    actual_begin_time: str | None = None
    actual_finish_time: str | None = None
    role_assignee: list[RoleOwner] | None = None
    different_schedule: bool | None = None
    sub_status: list[NodeChecker] | None = None
    milestone: bool | None = None
    participants: list[str] | None = None
    owner_roles: list[str] | None = None
    owner_usage_mode: int | None = None
    node_fields: list[NodeField] | None = None
    finished_infos: Any = None

    @property
    def is_done(self) -> bool:
        """Whether the node is completed (``status == 3``)."""
        return self.status == NODE_DONE

    @property
    def is_current(self) -> bool:
        """Whether the node is in progress (``status == 2``)."""
        return self.status == NODE_IN_PROGRESS


@attrs.define(frozen=True, kw_only=True, slots=True)
class FlowState(StateFlowNode):
    """A state of a state-flow work item (``state_flow_nodes``); ``id`` is its state key.

    The ``StateFlowNode`` of work item details, with its ``fields`` read as field value pairs.
    """

    fields: list[FieldValuePair] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class Workflow(MeegleModel):
    """A work item's workflow (``workflows.get``).

    Node flow: ``workflow_nodes`` and the ``connections`` between their state keys. State flow:
    ``state_flow_nodes`` and ``connections`` carrying the ``transition_id`` that
    ``workflows.change_state`` takes.

    Example::

        flow = await client.workflows.get("space", "story", 1001)
        print([n.name for n in flow.current_nodes])
    """

    workflow_nodes: list[FlowNode] | None = None
    connections: list[WorkflowConnection] | None = None
    state_flow_nodes: list[FlowState] | None = None
    user_details: list[UserDetail] | None = None
    template_id: int | None = None
    version: int | None = None

    @property
    def current_nodes(self) -> list[FlowNode]:
        """The nodes in progress (node flow)."""
        return [n for n in self.workflow_nodes or [] if n.is_current]

    def node(self, key_or_name: str) -> FlowNode | None:
        """A node by state key, id or name (``None`` if there is none)."""
        nodes = self.workflow_nodes or []
        for n in nodes:
            if key_or_name in (n.state_key, n.id):
                return n
        for n in nodes:
            if n.name == key_or_name:
                return n
        return None

    def state(self, key_or_name: str) -> FlowState | None:
        """A state by key or name (state flow; ``None`` if there is none)."""
        states = self.state_flow_nodes or []
        for s in states:
            if s.id == key_or_name:
                return s
        for s in states:
            if s.name == key_or_name:
                return s
        return None

    def transitions_from(self, state_key: str) -> list[WorkflowConnection]:
        """The connections leaving ``state_key``."""
        return [c for c in self.connections or [] if c.source_state_key == state_key]


@attrs.define(frozen=True, kw_only=True, slots=True)
class RequiredField(MeegleModel):
    """A required field of a transition and whether it is filled (``not_finished_owner``:
    the owners who still have to fill a per-owner field)."""

    field_key: str | None = None
    field_type_key: str | None = None
    finished: bool | None = None
    not_finished_owner: list[str] | None = None
    sub_field: list[RequiredField] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class RequiredStateInfo(MeegleModel):
    """The node-information component of a form: a node and its required fields."""

    state_key: str | None = None
    node_fields: list[RequiredField] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class RequiredFormItem(MeegleModel):
    """A required form item: a field (``kind == "field"``, by ``key``) or a ``"control"``.

    The wire key ``class`` is a Python keyword: ``kind`` reads it (``to_dict`` keeps it).
    """

    key: str | None = None
    finished: bool | None = None
    field_type_key: str | None = None
    not_finished_owner: list[str] | None = None
    sub_field: list[RequiredField] | None = None
    state_info: RequiredStateInfo | None = None

    @property
    def kind(self) -> str | None:
        """The item's ``class``: ``"field"`` or ``"control"``."""
        value = self.get("class")
        return value if isinstance(value, str) else None


@attrs.define(frozen=True, kw_only=True, slots=True)
class RequiredTask(MeegleModel):
    """A required subtask and whether it is done."""

    task_id: int | None = None
    finished: bool | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class RequiredDeliverable(MeegleModel):
    """A required deliverable and whether it is provided."""

    deliverable_id: int | None = None
    finished: bool | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class RequiredInfo(MeegleModel):
    """What a node completion or state transition requires (``workflows.get_required_info``).

    ``missing()`` lists what is not finished, as readable strings.
    """

    form_items: list[RequiredFormItem] | None = None
    tasks: list[RequiredTask] | None = None
    deliverables: list[RequiredDeliverable] | None = None
    node_fields: list[RequiredField] | None = None

    def missing(self, filled: Iterable[str] = ()) -> list[str]:
        """Every unfinished requirement: ``"field priority"``, ``"subtask 42"``, ...

        Args:
            filled: field keys the caller is about to send (not counted as missing).
        """
        given = set(filled)
        out: list[str] = []

        def fields_of(items: list[RequiredField] | None, label: str) -> None:
            for f in items or []:
                if f.finished is False and f.field_key not in given:
                    out.append(f"{label} {f.field_key}")

        for item in self.form_items or []:
            if item.finished is False and item.key not in given:
                out.append(f"{'field' if item.kind in (None, 'field') else item.kind} {item.key}")
            if item.state_info is not None:
                fields_of(item.state_info.node_fields, "node field")
        fields_of(self.node_fields, "node field")
        out += [f"subtask {t.task_id}" for t in self.tasks or [] if t.finished is False]
        out += [
            f"deliverable {d.deliverable_id}"
            for d in self.deliverables or []
            if d.finished is False
        ]
        return out
