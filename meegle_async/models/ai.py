"""AI nodes (the Go SDK's ``QueryAINodeRespData`` and parts). Field values are strings on the
wire (``CommonField.value``)."""

from __future__ import annotations

import attrs

from .base import MeegleModel

__all__ = ["AIInfo", "AINode", "AINodeField", "AINodeSubTask", "AINodeSubWorkItem"]


@attrs.define(frozen=True, kw_only=True, slots=True)
class AIInfo(MeegleModel):
    """The AI application behind a node: its status (and ``app_identity``, ``props``)."""

    status: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class AINodeField(MeegleModel):
    """A field of an AI node (a node field or a conform field): key, type, name, value."""

    field_key: str | None = None
    field_type: str | None = None
    field_name: str | None = None
    value: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class AINodeSubTask(MeegleModel):
    """A subtask of the node and whether it is finished."""

    task_id: int | None = None
    is_finished: bool | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class AINodeSubWorkItem(MeegleModel):
    """Work items the node made, by relation."""

    relation_id: str | None = None
    work_item_type: str | None = None
    workitem_ids: list[str] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class AINode(MeegleModel):
    """An AI node of a work item's workflow."""

    node_state: str | None = None
    ai_info: AIInfo | None = None
    node_fields: list[AINodeField] | None = None
    conform_fields: list[AINodeField] | None = None
    sub_tasks: list[AINodeSubTask] | None = None
    sub_workitems: list[AINodeSubWorkItem] | None = None

    def node_field(self, key: str) -> str | None:
        """The value of a node field by key (``None`` when absent)."""
        return next((f.value for f in self.node_fields or [] if f.field_key == key), None)
