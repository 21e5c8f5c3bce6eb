"""Space look-ups: teams, business lines, user groups, work item type settings, flow roles and
process templates.

Key names and types follow the official Go SDK's JSON tags (``Team``, ``Business``,
``UserGroupDetail``, ``WorkItemTypeInfo``, ``RoleConfDetail``, ``TemplateConf``,
``TemplateDetail``). Where the SDK's types are surprising they are kept: a template id is a
string in ``TemplateConf`` and an integer in ``TemplateDetail``; ``is_disabled`` is an integer in
both.
"""

from __future__ import annotations

import builtins

import attrs

from .._text import is_digits
from .base import MeegleModel
from .common import Pagination, RoleOwner
from .work_items import WorkflowConnection

__all__ = [
    "BusinessLine",
    "FlowRole",
    "NodeConf",
    "ProcessTemplate",
    "StateConf",
    "Team",
    "TemplateDetail",
    "TypeRole",
    "UserGroup",
    "UserGroupPage",
    "WorkItemTypeInfo",
]


@attrs.define(frozen=True, kw_only=True, slots=True)
class Team(MeegleModel):
    """A team of a space: its id, name, members and administrators (user keys)."""

    team_id: int | None = None
    team_name: str | None = None
    user_keys: list[str] | None = None
    administrators: list[str] | None = None
    members: list[str] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class BusinessLine(MeegleModel):
    """A business line of a space; ``children`` are its sub-lines.

    ``role_owners`` maps a role key to its ``RoleOwner``.
    """

    id: str | None = None
    name: str | None = None
    project: str | None = None
    labels: list[str] | None = None
    role_owners: dict[str, RoleOwner] | None = None
    watchers: list[str] | None = None
    order: float | None = None
    super_masters: list[str] | None = None
    parent: str | None = None
    disabled: bool | None = None
    level_id: int | None = None
    children: list[BusinessLine] | None = None
    template_type: str | None = None

    def walk(self) -> list[BusinessLine]:
        """This line and every line below it, depth first."""
        out = [self]
        for child in self.children or []:
            out += child.walk()
        return out


@attrs.define(frozen=True, kw_only=True, slots=True)
class UserGroup(MeegleModel):
    """A user group and its members (user keys)."""

    id: str | None = None
    name: str | None = None
    user_count: int | None = None
    user_members: list[str] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class UserGroupPage(MeegleModel):
    """One page of ``teams.list_group_members``: ``list`` and ``pagination`` (``has_more``)."""

    list: builtins.list[UserGroup] | None = None
    pagination: Pagination | None = None

    @property
    def has_more(self) -> bool:
        """Whether another page follows (``pagination.has_more``)."""
        return bool(self.pagination is not None and self.pagination.get("has_more"))


@attrs.define(frozen=True, kw_only=True, slots=True)
class TypeRole(MeegleModel):
    """A role a work item type's schedule and estimates belong to (``belong_roles``)."""

    id: str | None = None
    name: str | None = None
    key: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class WorkItemTypeInfo(MeegleModel):
    """The settings of a work item type (``spaces.get_work_item_type``).

    ``flow_mode`` is ``"workflow"`` (node flow) or ``"stateflow"`` (state flow).
    """

    type_key: str | None = None
    name: str | None = None
    flow_mode: str | None = None
    api_name: str | None = None
    description: str | None = None
    is_disabled: bool | None = None
    is_pinned: bool | None = None
    enable_schedule: bool | None = None
    schedule_field_key: str | None = None
    schedule_field_name: str | None = None
    estimate_point_field_key: str | None = None
    estimate_point_field_name: str | None = None
    actual_work_time_field_key: str | None = None
    actual_work_time_field_name: str | None = None
    belong_roles: list[TypeRole] | None = None
    actual_work_time_switch: bool | None = None
    enable_model_resource_lib: bool | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class FlowRole(MeegleModel):
    """A flow role of a work item type (``roles.list``): ``id`` is what ``role_owners`` take."""

    id: str | None = None
    name: str | None = None
    is_owner: bool | None = None
    role_appear_mode: int | None = None
    deletable: bool | None = None
    auto_enter_group: bool | None = None
    member_assign_mode: int | None = None
    members: list[str] | None = None
    key: str | None = None
    allow_delete: bool | None = None
    authorization_role_keys: list[str] | None = None
    is_member_multi: bool | None = None
    is_required: int | None = None
    role_alias: str | None = None
    lock_app_id: str | None = None
    lock_scope: list[str] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class ProcessTemplate(MeegleModel):
    """A process template of a work item type (``templates.list``).

    ``template_id`` is a string here (the SDK's ``TemplateConf``); ``int_id`` converts it for
    ``templates.get`` and ``work_items.create``. ``is_disabled`` is 1 for disabled.
    """

    template_id: str | None = None
    template_name: str | None = None
    is_disabled: int | None = None
    version: int | None = None
    unique_key: str | None = None
    template_key: str | None = None

    @property
    def int_id(self) -> int | None:
        """The template id as an ``int`` (``None`` if absent or not digits)."""
        text = (self.template_id or "").strip()
        return int(text) if is_digits(text) else None


@attrs.define(frozen=True, kw_only=True, slots=True)
class NodeConf(MeegleModel):
    """A node of a process template (node flow), as configured."""

    state_key: str | None = None
    name: str | None = None
    tags: list[str] | None = None
    owner_usage_mode: int | None = None
    owner_roles: list[str] | None = None
    owners: list[str] | None = None
    need_schedule: bool | None = None
    different_schedule: bool | None = None
    pass_mode: int | None = None
    is_limit_node: bool | None = None
    done_operation_role: list[str] | None = None
    pre_node_state_key: list[str] | None = None
    completion_tips: str | None = None
    belong_status: str | None = None
    is_milestone: bool | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class StateConf(MeegleModel):
    """A state of a process template (state flow); ``state_type`` 1 start, 2 middle, 3 end."""

    state_key: str | None = None
    name: str | None = None
    state_type: int | None = None
    authorized_roles: list[str] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class TemplateDetail(MeegleModel):
    """A process template in full (``templates.get``): nodes or states and connections."""

    workflow_confs: list[NodeConf] | None = None
    state_flow_confs: list[StateConf] | None = None
    connections: list[WorkflowConnection] | None = None
    template_id: int | None = None
    template_name: str | None = None
    version: int | None = None
    is_disabled: int | None = None
    work_item_type_key: str | None = None
