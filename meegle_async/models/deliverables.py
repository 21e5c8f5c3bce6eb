"""Deliverables and node reviews (the Go SDK's ``OAPIBatchQueryDeliverable``,
``OAPIFinishedInfoItem`` and ``OAPIBatchQueryConclusionOptionItem``)."""

from __future__ import annotations

import attrs

from .base import MeegleModel

__all__ = [
    "ConclusionOption",
    "Deliverable",
    "DeliverableInfo",
    "NodeConclusionOptions",
    "NodeReview",
    "OwnerConclusion",
    "OwnerOpinion",
    "ReviewConclusion",
    "ReviewOpinion",
]


@attrs.define(frozen=True, kw_only=True, slots=True)
class DeliverableInfo(MeegleModel):
    """The work item a deliverable is, and where it came from (``delivery_related_info``)."""

    work_item_id: int | None = None
    name: str | None = None
    template_type: str | None = None
    template_resources: bool | None = None
    deleted: bool | None = None
    instance_linked_virtual_resource_workitem: int | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class Deliverable(MeegleModel):
    """One deliverable: its uuid, type and information."""

    deliverable_uuid: str | None = None
    deliverable_type: str | None = None
    deliverable_info: DeliverableInfo | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class ConclusionOption(MeegleModel):
    """A review conclusion: ``key`` (what ``update_review`` takes), ``label``, ``origin_label``."""

    key: str | None = None
    label: str | None = None
    origin_label: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class OwnerOpinion(MeegleModel):
    """One owner's review opinion."""

    owner: str | None = None
    finished_opinion_result: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class ReviewOpinion(MeegleModel):
    """A node's review opinion: the node's, and each owner's."""

    finished_opinion_result: str | None = None
    owners_finished_opinion_result: list[OwnerOpinion] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class OwnerConclusion(MeegleModel):
    """One owner's review conclusion."""

    owner: str | None = None
    owners_finished_conclusion_result: ConclusionOption | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class ReviewConclusion(MeegleModel):
    """A node's review conclusion: the node's, and each owner's."""

    finished_conclusion_result: ConclusionOption | None = None
    owners_finished_conclusion_result: list[OwnerConclusion] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class NodeReview(MeegleModel):
    """The review of one node: ``summary_mode`` (``calculation`` or ``independence``), the
    opinion and the conclusion."""

    node_id: str
    summary_mode: str | None = None
    opinion: ReviewOpinion | None = None
    conclusion: ReviewConclusion | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class NodeConclusionOptions(MeegleModel):
    """The conclusions a node allows: for the node, for each owner, overall."""

    node_id: str
    finished_conclusion_option: list[ConclusionOption] | None = None
    finished_owners_conclusion_option: list[ConclusionOption] | None = None
    finished_overall_conclusion_option: list[ConclusionOption] | None = None
