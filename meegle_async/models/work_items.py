"""Work items: the items themselves, their field configurations, batch updates, change logs.

Key names follow the official Meegle SDK's JSON (see ``docs/models-reference.md``). A work item's
``fields`` stay the JSON objects the server sent: a detail answer of 50 items with 200 fields each
would otherwise build 10,000 objects nobody asked for. ``field()``, ``field_pair()``,
``fields_by_key`` and ``field_value_pairs`` give typed access, built once per item on first use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

import attrs

from .._text import is_digits
from ..errors import MeegleBatchUpdateError
from .base import MeegleModel, structure_list
from .common import FieldValuePair, RoleOwner, Schedule

__all__ = [
    "BATCH_FINAL_STATUSES",
    "BatchUpdateProgress",
    "BatchUpdateResult",
    "BatchUpdateTask",
    "ChangeLogPage",
    "DefaultValue",
    "Expand",
    "FieldConfig",
    "FieldsView",
    "MultiText",
    "MultiTextDetail",
    "NodeBasicInfo",
    "OpRecord",
    "OpRecordObject",
    "OptionConfig",
    "ParentWorkItem",
    "RecordContent",
    "RelationDetail",
    "RelationFieldDetail",
    "RoleAssign",
    "StateFlowNode",
    "StateTime",
    "StatusValue",
    "SubTaskParentInfo",
    "UserDetail",
    "WorkItem",
    "WorkItemStatus",
    "WorkflowConnection",
    "WorkflowInfo",
    "WorkflowNode",
]

#: ``task_status`` values after which a batch-update task changes no more.
BATCH_FINAL_STATUSES = frozenset({"SUCCESS", "FAILED", "CANCELED", "NOT_EXIST"})


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and is_digits(value.strip()):
        return int(value.strip())
    return None


def _ints(values: Sequence[Any] | None) -> list[int]:
    # Ids the server sent as something other than digits stay in the raw list only.
    out = []
    for value in values or ():
        number = _as_int(value)
        if number is not None:
            out.append(number)
    return out


# -- field configurations (get_work_item_creation_metadata) --------------------------------


@attrs.define(frozen=True, kw_only=True, slots=True)
class OptionConfig(MeegleModel):
    """An option of a select-type field; send ``value`` (the option id), not ``label``."""

    label: str | None = None
    value: str | None = None
    is_disabled: int | None = None
    is_visibility: int | None = None
    children: list[OptionConfig] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class RoleAssign(MeegleModel):
    """A role of the ``role_owners`` field: its key, name, default members and flags (ints)."""

    role: str | None = None
    name: str | None = None
    default_appear: int | None = None
    deletable: int | None = None
    member_assign: int | None = None
    members: list[str] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class DefaultValue(MeegleModel):
    """A field's default value and whether it appears by default (an int flag)."""

    default_appear: int | None = None
    value: Any = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class FieldConfig(MeegleModel):
    """One field of a work item type as creation metadata describes it.

    ``is_required``, ``is_visibility`` and ``is_validity`` are int flags on the wire (not bools).
    ``options`` give the option ids to send for select fields; ``compound_fields`` the
    sub-fields of a compound field.

    Example::

        meta = await client.work_items.get_creation_metadata("space", "story")
        required = [f.field_key for f in meta if f.is_required == 1]
    """

    field_key: str | None = None
    field_alias: str | None = None
    field_name: str | None = None
    field_type_key: str | None = None
    is_required: int | None = None
    is_visibility: int | None = None
    is_validity: int | None = None
    role_assign: list[RoleAssign] | None = None
    options: list[OptionConfig] | None = None
    compound_fields: list[FieldConfig] | None = None
    default_value: DefaultValue | None = None
    label: str | None = None
    work_item_relation: Any = None
    field_uuid: str | None = None
    free_add: bool | None = None
    field_tips: str | None = None
    sub_type_level_mode: str | None = None
    sub_type_level_class: int | None = None
    editable_personnel_scope: Any = None

    def option_value(self, label: str) -> str | None:
        """The option id (``value``) of the option labelled ``label``, searched depth-first."""
        stack = list(self.options or ())
        while stack:
            option = stack.pop(0)
            if option.label == label:
                return option.value
            stack[:0] = option.children or ()
        return None


# -- work items ----------------------------------------------------------------------------


@attrs.define(frozen=True, kw_only=True, slots=True)
class Expand(MeegleModel):
    """Switches that ask a detail query for more data (every key is a bool).

    Example::

        Expand(need_workflow=True, need_group_uuid_for_compound=True)
    """

    need_workflow: bool | None = None
    relation_fields_detail: bool | None = None
    need_multi_text: bool | None = None
    need_user_detail: bool | None = None
    need_sub_task_parent: bool | None = None
    need_union_deliverable: bool | None = None
    need_wbs_relation_chain_entity: bool | None = None
    need_wbs_relation_chain_path: bool | None = None
    need_group_uuid_for_compound: bool | None = None
    need_parent_workitem: bool | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class NodeBasicInfo(MeegleModel):
    """A node a node-flow work item is currently at (``current_nodes``)."""

    id: str | None = None
    name: str | None = None
    owners: list[str] | None = None
    milestone: bool | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class WorkItemStatus(MeegleModel):
    """A state-flow work item's status, with the states it went through (``history``)."""

    state_key: str | None = None
    is_archived_state: bool | None = None
    is_init_state: bool | None = None
    updated_at: int | None = None
    updated_by: str | None = None
    history: list[WorkItemStatus] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class StateTime(MeegleModel):
    """Time a work item spent in a state or node (milliseconds)."""

    state_key: str | None = None
    name: str | None = None
    start_time: int | None = None
    end_time: int | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class UserDetail(MeegleModel):
    """A person as detail answers describe them."""

    user_key: str | None = None
    username: str | None = None
    email: str | None = None
    name_cn: str | None = None
    name_en: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class MultiTextDetail(MeegleModel):
    """A rich-text value: the document, its plain text and its HTML."""

    doc: str | None = None
    doc_text: str | None = None
    doc_html: str | None = None
    is_empty: bool | None = None
    notify_user_list: list[str] | None = None
    notify_user_type: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class MultiText(MeegleModel):
    """A rich-text field's value (``multi_texts``, with ``Expand(need_multi_text=True)``)."""

    field_key: str | None = None
    field_value: MultiTextDetail | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class RelationDetail(MeegleModel):
    """A work item a relation field points at (``story_id`` is its id)."""

    story_id: int | None = None
    work_item_type_key: str | None = None
    project_key: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class RelationFieldDetail(MeegleModel):
    """The linked work items of one relation field."""

    field_key: str | None = None
    detail: list[RelationDetail] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class SubTaskParentInfo(MeegleModel):
    """For subtask-type items: the work item and node the subtask belongs to."""

    work_item_id: int | None = None
    work_item_name: str | None = None
    work_item_type_key: str | None = None
    node_id: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class ParentWorkItem(MeegleModel):
    """A parent of the work item (``Expand(need_parent_workitem=True)``)."""

    relation_uuid: str | None = None
    parent_work_item_id: int | None = None
    parent_node_key: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class WorkflowNode(MeegleModel):
    """A node of a work item's workflow graph; ``fields`` and ``sub_tasks`` stay JSON objects."""

    id: str | None = None
    state_key: str | None = None
    name: str | None = None
    status: int | None = None
    fields: list[Any] | None = None
    owners: list[str] | None = None
    node_schedule: Schedule | None = None
    schedules: list[Schedule] | None = None
    sub_tasks: list[Any] | None = None
    actual_begin_time: str | None = None
    actual_finish_time: str | None = None
    role_assignee: list[RoleOwner] | None = None
    different_schedule: bool | None = None
    milestone: bool | None = None
    participants: list[str] | None = None
    owner_roles: list[str] | None = None
    owner_usage_mode: int | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class WorkflowConnection(MeegleModel):
    """An edge of the workflow graph: from one state to another through a transition."""

    source_state_key: str | None = None
    target_state_key: str | None = None
    transition_id: int | None = None
    fields: list[Any] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class StateFlowNode(MeegleModel):
    """A state of a state-flow work item's graph."""

    id: str | None = None
    name: str | None = None
    role_owners: list[RoleOwner] | None = None
    status: int | None = None
    actual_begin_time: str | None = None
    actual_finish_time: str | None = None
    fields: list[Any] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class WorkflowInfo(MeegleModel):
    """The workflow graph of a work item (``Expand(need_workflow=True)``)."""

    workflow_nodes: list[WorkflowNode] | None = None
    connections: list[WorkflowConnection] | None = None
    state_flow_nodes: list[StateFlowNode] | None = None
    user_details: list[UserDetail] | None = None
    template_id: int | None = None
    version: int | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class FieldsView(MeegleModel):
    """Base of models that carry ``fields``: the JSON objects as sent, and typed access to them."""

    fields: list[Any] | None = None

    @cached_property
    def _field_index(self) -> dict[str, Mapping[str, Any]]:
        index: dict[str, Mapping[str, Any]] = {}
        for entry in self.fields or ():
            if not isinstance(entry, Mapping):
                continue
            for name in ("field_alias", "field_key"):
                key = entry.get(name)
                # A field_key wins over another field's identical alias.
                if isinstance(key, str) and key and (name == "field_key" or key not in index):
                    index[key] = entry
        return index

    def field(self, key: str, default: Any = None) -> Any:
        """The value of the field whose ``field_key`` or ``field_alias`` is ``key``.

        ``default`` when the item has no such field (the server leaves out empty fields).

        Example::

            priority = item.field("priority")  # {"label": "P1", "value": "opt_p1"}
        """
        entry = self._field_index.get(key)
        if entry is None:
            return default
        return entry.get("field_value", default)

    def field_pair(self, key: str) -> FieldValuePair | None:
        """The whole field (``field_key``, ``field_value``, type, alias) by key or alias."""
        entry = self._field_index.get(key)
        if entry is None:
            return None
        return self.fields_by_key.get(str(entry.get("field_key")))

    @cached_property
    def field_value_pairs(self) -> list[FieldValuePair]:
        """``fields`` as ``FieldValuePair`` instances (built on first use)."""
        return structure_list(
            [e for e in self.fields or () if isinstance(e, Mapping)], FieldValuePair
        )

    @cached_property
    def fields_by_key(self) -> dict[str, FieldValuePair]:
        """``fields`` as ``FieldValuePair`` instances by ``field_key``."""
        return {p.field_key: p for p in self.field_value_pairs if p.field_key is not None}


@attrs.define(frozen=True, kw_only=True, slots=True)
class WorkItem(FieldsView):
    """A work item as get_details (and filter/search) return it.

    Base attributes are attributes (``id``, ``name``, ``created_at`` in ms, ...); every other
    field is in ``fields``, read with ``field("key_or_alias")``. Node-flow items report
    ``current_nodes``, state-flow items ``work_item_status``; the expand switches fill
    ``workflow_infos``, ``multi_texts``, ``relation_fields_detail`` and the others.

    Example::

        [item] = await client.work_items.get_details("space", "story", [101])
        print(item.name, item.state_key, item.field("priority"))
    """

    id: int | None = None
    name: str | None = None
    work_item_type_key: str | None = None
    project_key: str | None = None
    simple_name: str | None = None
    template_id: int | None = None
    template_type: str | None = None
    pattern: str | None = None
    sub_stage: str | None = None
    current_nodes: list[NodeBasicInfo] | None = None
    created_by: str | None = None
    updated_by: str | None = None
    deleted_by: str | None = None
    created_at: int | None = None
    updated_at: int | None = None
    deleted_at: int | None = None
    work_item_status: WorkItemStatus | None = None
    state_times: list[StateTime] | None = None
    multi_texts: list[MultiText] | None = None
    relation_fields_detail: list[RelationFieldDetail] | None = None
    user_details: list[UserDetail] | None = None
    sub_task_parent_info: SubTaskParentInfo | None = None
    workflow_infos: WorkflowInfo | None = None
    compound_field_extra: list[Any] | None = None
    parent_work_item: list[ParentWorkItem] | None = None

    @property
    def state_key(self) -> str | None:
        """The current state key of a state-flow item (``work_item_status.state_key``)."""
        return self.work_item_status.state_key if self.work_item_status else None


# -- batch update --------------------------------------------------------------------------


@attrs.define(frozen=True, kw_only=True, slots=True)
class BatchUpdateProgress(MeegleModel):
    """One batch-update task as get_batch_update_progress reports it.

    ``task_status`` is ``IDLE`` or ``RUNNING`` while it works, then ``SUCCESS``, ``FAILED``,
    ``CANCELED`` or ``NOT_EXIST``. The id lists are strings on the wire; ``success_ids`` and
    ``failed_ids`` give them as ints.
    """

    task_id: str | None = None
    task_status: str
    total: int | None = None
    success_total: int | None = None
    error_total: int | None = None
    success_sub_task_list: list[str] | None = None
    fail_sub_task_list: list[str] | None = None
    error_scenes: list[str] | None = None

    @property
    def is_final(self) -> bool:
        """Whether the task has stopped (``SUCCESS``, ``FAILED``, ``CANCELED``, ``NOT_EXIST``)."""
        return self.task_status in BATCH_FINAL_STATUSES

    @property
    def success_ids(self) -> list[int]:
        """The work items updated, as ints."""
        return _ints(self.success_sub_task_list)

    @property
    def failed_ids(self) -> list[int]:
        """The work items that failed, as ints."""
        return _ints(self.fail_sub_task_list)


@attrs.frozen(kw_only=True)
class BatchUpdateTask:
    """One submitted chunk of a batch update: its task id, its ids and the last progress seen.

    ``progress`` is ``None`` when the task was never polled (a timeout came first).
    """

    task_id: str
    work_item_ids: list[int]
    progress: BatchUpdateProgress | None = None

    @property
    def status(self) -> str | None:
        """The last ``task_status`` seen, ``None`` if never polled."""
        return self.progress.task_status if self.progress else None

    @property
    def is_final(self) -> bool:
        """Whether the task reached a final status."""
        return self.progress is not None and self.progress.is_final

    @property
    def ok(self) -> bool:
        """Whether the task ended in ``SUCCESS`` with no failed work item."""
        p = self.progress
        return (
            p is not None
            and p.task_status == "SUCCESS"
            and not p.error_total
            and not p.fail_sub_task_list
        )


@attrs.frozen(kw_only=True)
class BatchUpdateResult:
    """Every task of a ``batch_update_and_wait`` call, summed up.

    Attributes:
        tasks: one ``BatchUpdateTask`` per 50-id chunk, in chunk order.
        task_ids: the task ids, in chunk order.
        statuses: task id -> last ``task_status`` (``None`` if never polled).
        success_ids: work items updated (ints, task by task).
        failed_ids: work items the tasks reported as failed.
        error_scenes: the failure kinds reported, each once (``NoPermissionToModify``, ...).
        total, success_total, error_total: the tasks' counters, summed.

    A task that did not end in full success cannot go unnoticed: ``ok`` is false and
    ``raise_for_failures()`` raises ``MeegleBatchUpdateError``.

    Example::

        result = await client.work_items.batch_update_and_wait(...)
        if not result.ok:
            print(result.failed_ids, result.error_scenes, result.not_updated_ids)
    """

    tasks: list[BatchUpdateTask]
    task_ids: list[str]
    statuses: dict[str, str | None]
    success_ids: list[int]
    failed_ids: list[int]
    error_scenes: list[str]
    total: int
    success_total: int
    error_total: int

    @classmethod
    def from_tasks(cls, tasks: Sequence[BatchUpdateTask]) -> BatchUpdateResult:
        """Sum up ``tasks`` (in chunk order)."""
        scenes: dict[str, None] = {}
        success: list[int] = []
        failed: list[int] = []
        total = success_total = error_total = 0
        for task in tasks:
            p = task.progress
            if p is None:
                continue
            success.extend(p.success_ids)
            failed.extend(p.failed_ids)
            scenes.update(dict.fromkeys(p.error_scenes or ()))
            total += p.total or 0
            success_total += p.success_total or 0
            error_total += p.error_total or 0
        return cls(
            tasks=list(tasks),
            task_ids=[t.task_id for t in tasks],
            statuses={t.task_id: t.status for t in tasks},
            success_ids=success,
            failed_ids=failed,
            error_scenes=list(scenes),
            total=total,
            success_total=success_total,
            error_total=error_total,
        )

    @property
    def ok(self) -> bool:
        """True only if every task ended in ``SUCCESS`` with no failed work item."""
        return all(t.ok for t in self.tasks)

    @property
    def done(self) -> bool:
        """Whether every task reached a final status (false in a timeout's partial result)."""
        return all(t.is_final for t in self.tasks)

    @property
    def unfinished_task_ids(self) -> list[str]:
        """Tasks still running (or never polled) when the result was taken."""
        return [t.task_id for t in self.tasks if not t.is_final]

    @property
    def not_ok_tasks(self) -> list[BatchUpdateTask]:
        """Tasks that did not end in full success."""
        return [t for t in self.tasks if not t.ok]

    @property
    def not_updated_ids(self) -> list[int]:
        """Submitted work items no task reported as updated: the ones to look at or retry."""
        updated = set(self.success_ids)
        return [i for t in self.tasks for i in t.work_item_ids if i not in updated]

    def raise_for_failures(self) -> BatchUpdateResult:
        """Raise ``MeegleBatchUpdateError`` unless every task fully succeeded; else ``self``.

        Raises:
            MeegleBatchUpdateError: with ``result`` set to this result.
        """
        if self.ok:
            return self
        bad = self.not_ok_tasks
        described = "; ".join(
            f"{t.task_id}: {t.status or 'not polled'}"
            + (f" with {len(t.progress.fail_sub_task_list or ())} failed" if t.progress else "")
            for t in bad[:5]
        )
        more = f" (+{len(bad) - 5} more)" if len(bad) > 5 else ""
        ids = self.failed_ids[:10]
        message = (
            f"batch update: {len(bad)} of {len(self.tasks)} task(s) did not fully succeed "
            f"[{described}{more}]; failed ids {ids}{'...' if len(self.failed_ids) > 10 else ''}"
            f"; error scenes {self.error_scenes}"
        )
        raise MeegleBatchUpdateError(message, result=self)


# -- change log ----------------------------------------------------------------------------


@attrs.define(frozen=True, kw_only=True, slots=True)
class OpRecordObject(MeegleModel):
    """What a change touched: its type and its value (an id or key)."""

    object_type: str | None = None
    object_value: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class StatusValue(MeegleModel):
    """Status values a change reports for an object property."""

    object_type: str | None = None
    object_property: str | None = None
    values: list[str] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class RecordContent(MeegleModel):
    """One change inside an op record: the object, the property and its values as strings."""

    object: OpRecordObject | None = None
    object_property: str | None = None
    old: list[str] | None = None
    new: list[str] | None = None
    add: list[str] | None = None
    delete: list[str] | None = None
    status_values: list[StatusValue] | None = None
    belong_object: list[OpRecordObject] | None = None

    @property
    def extra_info(self) -> Mapping[str, Any]:
        """The record's own ``extra`` key (an object of string lists), ``{}`` when absent.

        The key clashes with ``MeegleModel.extra`` (the unknown keys), so it is read from there.
        """
        value = self.get("extra")
        return value if isinstance(value, Mapping) else {}


@attrs.define(frozen=True, kw_only=True, slots=True)
class OpRecord(MeegleModel):
    """One operation on a work item (a change-log entry). Records carry no id of their own."""

    project_key: str | None = None
    work_item_type_key: str | None = None
    work_item_id: int | None = None
    operation_type: str | None = None
    operation_time: int | None = None
    operator: str | None = None
    operator_type: str | None = None
    op_record_module: str | None = None
    source_type: str | None = None
    source: str | None = None
    record_contents: list[RecordContent] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class ChangeLogPage(MeegleModel):
    """One page of the change log: records, ``has_more`` and the next ``start_from`` cursor.

    ``has_more`` is always sent: a page without it is a ``MeegleServerError`` rather than
    the silent end of a walk.
    """

    op_records: list[OpRecord] | None = None
    has_more: bool
    start_from: str | None = None
    total: int | None = None

    @property
    def records(self) -> list[OpRecord]:
        """``op_records``, or an empty list when the server sent none."""
        return list(self.op_records or ())
