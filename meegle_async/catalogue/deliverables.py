"""Deliverables and node reviews (review opinions and conclusions)."""

from __future__ import annotations

from ._entry import endpoint

_NO_WORKFLOW = (1000051120, ("not_found", "Workflow not found (the work item does not exist)"))
_BAD_PARAMS = (1000051280, ("invalid_params", "Parameters invalid (required ones missing)"))

ENDPOINTS = (
    endpoint(
        "batch_query_deliverable",
        "POST",
        "/open_api/work_item/deliverable/batch_query",
        "deliverables.get",
        write=False,
        sdk_name="BatchQueryDeliverable",
        summary="Deliverable information of work items (50 ids a request).",
    ),
    endpoint(
        "batch_query_finished",
        "POST",
        "/open_api/work_item/finished/batch_query",
        "deliverables.get_reviews",
        write=False,
        sdk_name="BatchQueryFinished",
        summary="Review opinions and conclusions of up to 10 nodes of a work item.",
        errors=dict([_NO_WORKFLOW, _BAD_PARAMS]),
    ),
    endpoint(
        "batch_query_conclusion_option",
        "POST",
        "/open_api/work_item/finished/query_conclusion_option",
        "deliverables.get_conclusion_options",
        write=False,
        sdk_name="BatchQueryConclusionOption",
        summary="The review conclusions up to 10 nodes of a work item allow.",
        errors=dict([_NO_WORKFLOW]),
    ),
    endpoint(
        "update_finished",
        "POST",
        "/open_api/work_item/finished/update",
        "deliverables.update_review",
        sdk_name="UpdateFinished",
        summary="Set, clear or reset the review opinion and conclusion of a node.",
        errors=dict(
            [
                _NO_WORKFLOW,
                _BAD_PARAMS,
                (1000051814, ("not_found", "The node does not exist")),
                (1000053308, ("not_found", "The review conclusion does not exist")),
                (1000053219, ("permission", "Only the node's owners can do this")),
                (20007, ("state_conflict", "Work item is already aborted")),
            ]
        ),
    ),
)
