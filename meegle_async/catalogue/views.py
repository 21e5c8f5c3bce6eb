"""Views: saved lists of work items (fixed, conditional, panorama) and their settings."""

from __future__ import annotations

from ._entry import endpoint

_VIEW_NOT_FOUND = (30004, ("not_found", "View not exist"))

ENDPOINTS = (
    endpoint(
        "view_list",
        "POST",
        "/open_api/{project_key}/view_conf/list",
        "views.list",
        write=False,
        sdk_name="ViewList",
        summary="The views of a work item type in a space, with their settings (10 a page).",
        errors=dict(
            [
                _VIEW_NOT_FOUND,
                (30014, ("not_found", "Work item type not found (or no permission)")),
                (50006, ("invalid_params", "Missing params (view id or stage missing)")),
            ]
        ),
    ),
    endpoint(
        "work_item_list",
        "GET",
        "/open_api/{project_key}/fix_view/{view_id}",
        "views.get_items",
        sdk_name="WorkItemList",
        summary="The work item ids of a fixed or conditional view (200 a page).",
        errors=dict(
            [
                _VIEW_NOT_FOUND,
                (20012, ("invalid_params", "The view is not in this space")),
                (30014, ("not_found", "Work item type not found")),
                (
                    50006,
                    (
                        "invalid_params",
                        "Over 200,000 items, or a panorama view (use the panorama call)",
                    ),
                ),
            ]
        ),
    ),
    endpoint(
        "query_work_item_details_by_view_id",
        "POST",
        "/open_api/{project_key}/view/{view_id}",
        "views.get_panorama_items",
        write=False,
        sdk_name="QueryWorkItemDetailsByViewID",
        summary="The work items (full details) of a panorama view (50 a page).",
        errors=dict(
            [
                _VIEW_NOT_FOUND,
                (20003, ("invalid_params", "Wrong work_item_type param")),
            ]
        ),
    ),
    endpoint(
        "create_fix_view",
        "POST",
        "/open_api/{project_key}/{work_item_type_key}/fix_view",
        "views.create_fixed",
        sdk_name="CreateFixView",
        summary="Create a fixed view of up to 200 work items.",
        errors={
            30005: ("not_found", "Work item not found (check work_item_id_list)"),
            1000053645: ("invalid_params", "At most 200 work item ids in a fixed view"),
            50006: ("invalid_params", "Invalid params (work_item_id_list missing)"),
            20010: ("invalid_params", "The work items are not all of this type"),
            30004: ("not_found", "View not found"),
        },
    ),
    endpoint(
        "update_fix_view",
        "POST",
        "/open_api/{project_key}/{work_item_type_key}/fix_view/{view_id}",
        "views.update_fixed",
        sdk_name="UpdateFixView",
        summary="Add work items to, or remove them from, a fixed view (200 at most).",
        errors=dict(
            [
                _VIEW_NOT_FOUND,
                (20005, ("invalid_params", "Unknown work item id, or both add and remove given")),
                (1000053645, ("invalid_params", "At most 200 work item ids in a fixed view")),
                (10001, ("permission", "No permission on this view")),
            ]
        ),
    ),
    endpoint(
        "delete_fix_view",
        "DELETE",
        "/open_api/{project_key}/fix_view/{view_id}",
        "views.delete",
        sdk_name="DeleteFixView",
        summary="Delete a view (fixed, conditional or panorama).",
        errors=dict([_VIEW_NOT_FOUND]),
    ),
    endpoint(
        "create_condition_view",
        "POST",
        "/open_api/view/v1/create_condition_view",
        "views.create_conditional",
        per_minute=450,
        sdk_name="CreateConditionView",
        summary="Create a conditional view from a search group.",
        errors={
            20029: ("invalid_params", "Unsupported field type in the search group"),
            50006: ("invalid_params", "Invalid params (a field was not found)"),
        },
    ),
    endpoint(
        "update_condition_view",
        "POST",
        "/open_api/view/v1/update_condition_view",
        "views.update_conditional",
        per_minute=450,
        sdk_name="UpdateConditionView",
        summary="Change the conditions, name or collaborators of a conditional view.",
        errors=dict(
            [
                _VIEW_NOT_FOUND,
                (20029, ("invalid_params", "Unsupported field type in the search group")),
                (50006, ("invalid_params", "Invalid params")),
            ]
        ),
    ),
    endpoint(
        "query_space_ui_agg_fields",
        "POST",
        "/open_api/view_search/space_agg_fields/query_ui",
        "views.get_aggregate_fields",
        write=False,
        sdk_name="QuerySpaceUIAggFields",
        summary="The fields a space's aggregate (cross-type) views can show.",
    ),
)
