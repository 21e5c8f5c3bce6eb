"""Process configuration: workflow template settings, element templates and flow roles.

Key names and types follow the official Go SDK's JSON tags (``WorkflowConfInfo``,
``StateFlowConfInfo``, ``NodeElement``, ``RoleConfCreate``/``RoleConfUpdate``). Integer flags
stay integers as the SDK types them (``owner_usage_mode``, ``pass_mode``, ``action``).
"""

from __future__ import annotations

from typing import Any, Literal

import attrs

from .base import MeegleModel

__all__ = [
    "ElementPage",
    "ElementTemplate",
    "ElementType",
    "FlowRoleConfig",
    "StateFlowConfInfo",
    "WorkflowConfInfo",
]

#: What an element template is: a node or a task of the resource library.
ElementType = Literal["node", "task"]


@attrs.define(frozen=True, kw_only=True, slots=True)
class WorkflowConfInfo(MeegleModel):
    """A node of a workflow template, as ``templates.update`` sends it (``workflow_confs``).

    ``action`` says what to do with the node (the SDK's integer: add, modify, delete);
    ``state_key`` names it. Every other key is optional and left out when ``None``.
    """

    state_key: str | None = None
    name: str | None = None
    action: int | None = None
    tags: list[str] | None = None
    owner_usage_mode: int | None = None
    owner_roles: list[str] | None = None
    owners: list[str] | None = None
    need_schedule: bool | None = None
    different_schedule: bool | None = None
    visibility_usage_mode: int | None = None
    deletable: bool | None = None
    deletable_operation_role: list[str] | None = None
    pass_mode: int | None = None
    is_limit_node: bool | None = None
    done_operation_role: list[str] | None = None
    done_schedule: bool | None = None
    done_allocate_owner: bool | None = None
    pre_node_state_key: list[str] | None = None
    completion_tips: str | None = None
    task_confs: list[dict[str, Any]] | None = None
    belong_status: str | None = None
    done_actual_point: bool | None = None
    is_milestone: bool | None = None
    done_finish_time: bool | None = None
    fields: list[dict[str, Any]] | None = None
    sub_work_items: list[dict[str, Any]] | None = None
    sub_tasks: list[dict[str, Any]] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class StateFlowConfInfo(MeegleModel):
    """A state of a state-flow template, as ``templates.update`` sends it (``state_flow_confs``)."""

    state_key: str | None = None
    name: str | None = None
    action: int | None = None
    state_type: int | None = None
    authorized_roles: list[str] | None = None
    confirm_form_list: list[dict[str, Any]] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class ElementTemplate(MeegleModel):
    """A node or task of a work item type's resource library (``NodeElement``/``TaskElement``)."""

    element_key: str | None = None
    name: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class ElementPage(MeegleModel):
    """One page of element templates: ``node_elements`` or ``task_elements``, and ``total``."""

    node_elements: list[ElementTemplate] | None = None
    task_elements: list[ElementTemplate] | None = None
    total: int | None = None

    @property
    def elements(self) -> list[ElementTemplate]:
        """The page's elements, nodes or tasks."""
        return [*(self.node_elements or []), *(self.task_elements or [])]


@attrs.define(frozen=True, kw_only=True, slots=True)
class FlowRoleConfig(MeegleModel):
    """A workflow role's settings as ``roles.create`` and ``roles.update`` send them.

    ``id`` is only for creation (a key of your choice; the server makes one when left out).
    ``member_assign_mode`` is the SDK's integer; ``members`` are user keys.
    """

    id: str | None = None
    name: str | None = None
    role_alias: str | None = None
    is_owner: bool | None = None
    auto_enter_group: bool | None = None
    member_assign_mode: int | None = None
    members: list[str] | None = None
    is_member_multi: bool | None = None
    lock_scope: list[str] | None = None
