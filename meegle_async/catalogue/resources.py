"""The work item resource library."""

from __future__ import annotations

from ._entry import endpoint

ENDPOINTS = (
    endpoint(
        "get_work_item_resource_instance_detail",
        "POST",
        "/open_api/work_item/resource/query",
        "resources.get_details",
        write=False,
        sdk_name="GetResourceWorkItemsByIds",
        summary="Resource instances by id, at most 50 a request.",
        errors={
            20005: ("invalid_params", "Invalid work_item_ids parameter"),
            30005: ("not_found", "Work item not found (one or more work items do not exist)"),
        },
    ),
    endpoint(
        "update_work_item_resource_instance",
        "POST",
        "/open_api/work_item/resource/update",
        "resources.update",
        sdk_name="UpdateResourceWorkItem",
        summary="Update fields of a resource instance.",
        errors={
            30014: (
                "not_found",
                "Work item type key not found (incorrect project_key or work item not found)",
            ),
        },
    ),
    endpoint(
        "search_work_item_resource_instances",
        "POST",
        "/open_api/work_item/resource/search/params",
        "resources.search",
        write=False,
        sdk_name="ResourceSearchByParams",
        summary="Resource instances matching a condition group: one page (search_after).",
    ),
    endpoint(
        "create_work_item_resource_repository",
        "POST",
        "/open_api/work_item/resource/create_work_item",
        "resources.create",
        sdk_name="ResourceCreateWorkItem",
        summary="Create a resource instance in the library.",
    ),
    endpoint(
        "create_work_item_through_resources",
        "POST",
        "/open_api/work_item/resource/{project_key}/{work_item_id}/create_instance",
        "resources.create_work_item",
        sdk_name="ResourceCreateInstance",
        summary="Create a work item from a resource instance.",
        errors={
            20006: (
                "invalid_params",
                "Invalid param (field_value_pairs structure does not meet single-select spec)",
            ),
        },
    ),
)
