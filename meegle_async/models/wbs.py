"""WBS views and plan tables: rows, the published view, drafts, edit operations, templates.

Key names and types follow the official Go SDK's ``WBSInfo``, ``WBSWorkItem``, ``WbsDraft``,
``Operation`` and ``WbsTemplate`` JSON tags. Nested structures the library does not model yet
(union deliverables, sequencing, dependencies) stay plain JSON and are kept as sent.
"""

from __future__ import annotations

from typing import Any

import attrs

from .base import MeegleModel
from .common import FieldValuePair, RoleOwner, Schedule
from .work_items import UserDetail

__all__ = [
    "WbsConnection",
    "WbsDraft",
    "WbsDraftPatchResult",
    "WbsFailedTask",
    "WbsOperation",
    "WbsOperationValue",
    "WbsParentWorkItem",
    "WbsRow",
    "WbsSubWorkItemConf",
    "WbsSubWorkItemRelation",
    "WbsTemplate",
    "WbsTemplateNode",
    "WbsTemplateStatus",
    "WbsTemplateWorkflow",
    "WbsView",
]


@attrs.define(frozen=True, kw_only=True, slots=True)
class WbsConnection(MeegleModel):
    """A transition between two nodes or states (``source_state_key`` -> ``target_state_key``)."""

    source_state_key: str | None = None
    target_state_key: str | None = None
    transition_id: int | None = None
    fields: list[dict[str, Any]] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class WbsRow(MeegleModel):
    """One row of a WBS view or draft (the SDK's ``WBSWorkItem``): a node, a task or a
    sub-work-item, with its children in ``sub_work_item``.

    ``node_uuid`` identifies the row in draft edits (``WbsOperation.uuid``).
    """

    node_uuid: str | None = None
    work_item_id: int | None = None
    work_item_type_key: str | None = None
    type: str | None = None
    name: str | None = None
    state_key: str | None = None
    wbs_status: str | None = None
    wbs_status_map: dict[str, str] | None = None
    sub_work_item: list[WbsRow] | None = None
    deliverable: list[FieldValuePair] | None = None
    schedule: Schedule | None = None
    schedules: list[Schedule] | None = None
    points: float | None = None
    role_owners: list[RoleOwner] | None = None
    milestone: bool | None = None
    start_time: int | None = None
    finish_time: int | None = None
    is_draft_create: bool | None = None
    task_type: int | None = None
    uuid_in_conf: str | None = None
    union_deliverable: dict[str, Any] | None = None
    status: int | None = None
    is_schedule_agg_item: bool | None = None
    field_values: list[FieldValuePair] | None = None

    def walk(self) -> list[WbsRow]:
        """This row and every row below it, depth first."""
        out = [self]
        for child in self.sub_work_item or []:
            out.extend(child.walk())
        return out


@attrs.define(frozen=True, kw_only=True, slots=True)
class WbsParentWorkItem(MeegleModel):
    """The WBS work item a view belongs to (``related_parent_work_item``)."""

    is_top: bool | None = None
    work_item_id: int | None = None
    work_item_type_key: str | None = None
    name: str | None = None
    template_id: str | None = None
    template_key: str | None = None
    template_name: str | None = None
    template_version: int | None = None
    relation_node_id: str | None = None
    relation_node_name: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class WbsView(MeegleModel):
    """The published WBS view of a work item (the SDK's ``WBSInfo``).

    ``template_id`` is a string here, as in the SDK.
    """

    template_key: str | None = None
    template_id: str | None = None
    template_name: str | None = None
    template_version: int | None = None
    related_sub_work_items: list[WbsRow] | None = None
    related_parent_work_item: WbsParentWorkItem | None = None
    user_details: list[UserDetail] | None = None
    connections: list[WbsConnection] | None = None
    relation_chain_path: dict[str, Any] | None = None
    relation_chain_entity: dict[str, Any] | None = None

    def rows(self) -> list[WbsRow]:
        """Every row of the view, depth first."""
        return [r for top in self.related_sub_work_items or [] for r in top.walk()]


@attrs.define(frozen=True, kw_only=True, slots=True)
class WbsDraft(MeegleModel):
    """A WBS draft (the SDK's ``WbsDraft``): its id, its rows and the rows it deletes.

    ``role_owners`` maps a work item id (a string key in JSON) to its role owners.
    """

    draft_id: str | None = None
    work_item_id: int | None = None
    work_item_type_key: str | None = None
    template_uuid: str | None = None
    template_version: int | None = None
    related_sub_work_items: list[WbsRow] | None = None
    connections: list[WbsConnection] | None = None
    delete_uuids: list[str] | None = None
    role_owners: dict[str, list[RoleOwner]] | None = None
    user_details: list[UserDetail] | None = None

    def rows(self) -> list[WbsRow]:
        """Every row of the draft, depth first."""
        return [r for top in self.related_sub_work_items or [] for r in top.walk()]


@attrs.define(frozen=True, kw_only=True, slots=True)
class WbsOperationValue(MeegleModel):
    """What a draft edit changes (the SDK's ``OperationValue``): the keys that apply to the
    operation's type (``name``, ``schedule``, ``wbs_status``, ``operation_create`` for a new
    row, ``deleted_uuids`` for a deletion, ...)."""

    name: str | None = None
    role_owners: list[RoleOwner] | None = None
    operation_create: dict[str, Any] | None = None
    child_orders: list[dict[str, Any]] | None = None
    deleted_uuids: list[str] | None = None
    delete_linkage_uuids: bool | None = None
    reason: str | None = None
    schedule: Schedule | None = None
    schedules: list[Schedule] | None = None
    wbs_work_item: WbsRow | None = None
    restore_uuids: list[str] | None = None
    wbs_status: str | None = None
    sub_instance_create: dict[str, Any] | None = None
    dismantle_mode: int | None = None
    is_schedule_agg_item: bool | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class WbsOperation(MeegleModel):
    """One edit of a WBS draft (the SDK's ``Operation``): ``operation_type`` on the row
    ``uuid`` (its ``node_uuid``), with ``value``. The answer's ``relation_values`` use the same
    shape (a created row's new ``uuid`` among them)."""

    uuid: str | None = None
    operation_type: str | None = None
    operation_target: str | None = None
    value: WbsOperationValue | None = None
    work_item_id: int | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class WbsFailedTask(MeegleModel):
    """An edit the server did not apply: the row's ``uuid`` and the ``reason``."""

    uuid: str | None = None
    reason: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class WbsDraftPatchResult(MeegleModel):
    """What a draft edit gave: ``relation_values`` (the applied operations) and
    ``failed_tasks`` (one object in the SDK, not a list)."""

    relation_values: list[WbsOperation] | None = None
    failed_tasks: WbsFailedTask | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class WbsSubWorkItemRelation(MeegleModel):
    """A relation a sub-work-item row can be created under."""

    relation_key: str | None = None
    relation_name: str | None = None
    relation_conf_uuid: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class WbsSubWorkItemConf(MeegleModel):
    """A work item type a draft row can create as a sub-work-item, with its relations."""

    work_item_type_key: str | None = None
    work_item_type_name: str | None = None
    relations: list[WbsSubWorkItemRelation] | None = None
    enable_model_resource_lib: bool | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class WbsTemplateStatus(MeegleModel):
    """A status of a WBS template."""

    status_key: str | None = None
    status_name: str | None = None
    status_order_index: int | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class WbsTemplateNode(MeegleModel):
    """A node of a WBS template (the SDK's ``NodeConf``); ``is_visibility`` is an int flag."""

    state_key: str | None = None
    node_name: str | None = None
    node_tags: list[str] | None = None
    node_type: str | None = None
    is_visibility: int | None = None
    need_schedule: bool | None = None
    owner: dict[str, Any] | None = None
    wbs_status_map: dict[str, Any] | None = None
    node_sub_process: dict[str, Any] | None = None
    wbs_node_map: dict[str, Any] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class WbsTemplateWorkflow(MeegleModel):
    """A WBS template's statuses, nodes and connections."""

    status_infos: list[WbsTemplateStatus] | None = None
    node_infos: list[WbsTemplateNode] | None = None
    connections: list[WbsConnection] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class WbsTemplate(MeegleModel):
    """A WBS template's configuration (the SDK's ``WbsTemplate``); ``template_id`` is a string."""

    template_key: str | None = None
    template_name: str | None = None
    template_id: str | None = None
    is_disabled: bool | None = None
    version: int | None = None
    workflow_conf: WbsTemplateWorkflow | None = None
