"""Relations: work item relation definitions, space association rules and instances, story
relations. Key names and types follow the Go SDK's ``workitem`` models."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from .base import MeegleModel

__all__ = [
    "ProjectRelationRules",
    "RelationBindInstance",
    "RelationInstance",
    "RelationRule",
    "StoryRelation",
    "StoryRelations",
    "WorkItemRelation",
    "WorkItemRelationDetail",
]


@attrs.define(frozen=True, kw_only=True, slots=True)
class WorkItemRelationDetail(MeegleModel):
    """One target of a work item relation: a space and a work item type.

    Example::

        WorkItemRelationDetail(project_key="space_ops", work_item_type_key="bug")
    """

    project_key: str | None = None
    project_name: str | None = None
    work_item_type_key: str | None = None
    work_item_type_name: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class WorkItemRelation(MeegleModel):
    """A work item relation (``relations.list``): ``id`` is the relation id (a UUID string)
    that relation fields name as ``work_item_relation_uuid``."""

    id: str | None = None
    name: str | None = None
    disabled: bool | None = None
    work_item_type_key: str | None = None
    work_item_type_name: str | None = None
    relation_details: list[WorkItemRelationDetail] | None = None
    relation_type: int | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class RelationRule(MeegleModel):
    """A space association rule: which work item type here links to which type there.

    ``disabled`` is a number on the wire (0 or 1), as in the Go SDK.
    """

    id: str | None = None
    name: str | None = None
    disabled: int | None = None
    work_item_relation_id: str | None = None
    work_item_relation_name: str | None = None
    current_work_item_type_key: str | None = None
    current_work_item_type_name: str | None = None
    remote_work_item_type_key: str | None = None
    remote_work_item_type_name: str | None = None
    chat_group_merge: int | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class ProjectRelationRules(MeegleModel):
    """The association rules between a space and one remote space (``relations.get_rules``)."""

    remote_project_key: str | None = None
    remote_project_name: str | None = None
    rules: list[RelationRule] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class RelationInstance(MeegleModel):
    """A work item bound to another by space association (``relations.list_instances``)."""

    relation_work_item_id: int | None = None
    relation_work_item_name: str | None = None
    relation_work_item_type_name: str | None = None
    relation_work_item_type_key: str | None = None
    project_relation_rule_id: str | None = None
    project_relation_rule_name: str | None = None
    relation_project_key: str | None = None
    relation_project_name: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class RelationBindInstance(MeegleModel):
    """A work item to bind (``relations.bind``'s ``instances``).

    Example::

        RelationBindInstance(project_key="space_ops", work_item_type_key="bug",
                             work_item_id=6100000042)
    """

    project_key: str | None = None
    work_item_type_key: str | None = None
    work_item_id: int | None = None
    chat_group_merge: int | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class StoryRelation(MeegleModel):
    """A link to make (``relations.create_story_relations``): the local work item, the remote
    one, and the work item relation that links them."""

    local_work_item_id: int | None = None
    remote_work_item_id: int | None = None
    relation_id: str | None = None
    merge_group: bool | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class StoryRelations(MeegleModel):
    """``relations.query_story_relations``: per work item id (a string key, as JSON has it),
    the ids linked to it (``value``) and, per id, its space (``work_item_project_map``)."""

    work_item_project_map: dict[str, str] | None = None
    value: dict[str, list[int]] | None = None

    def linked(self, work_item_id: int | str) -> list[int]:
        """The ids linked to ``work_item_id`` (empty when none)."""
        return list((self.value or {}).get(str(work_item_id), []))

    def project_of(self, work_item_id: int | str) -> str | None:
        """The project key of a work item the answer names, if it says."""
        mapping: Mapping[str, str] = self.work_item_project_map or {}
        return mapping.get(str(work_item_id))
