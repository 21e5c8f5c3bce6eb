"""AI nodes of workflows and AI-filled fields."""

from __future__ import annotations

from ._entry import endpoint

ENDPOINTS = (
    endpoint(
        "query_ai_node",
        "POST",
        "/open_api/ai_node/query",
        "ai.get_node",
        write=False,
        sdk_name="QueryAINode",
        summary="An AI node of a work item: its state, fields, subtasks and sub-items.",
    ),
    endpoint(
        "edit_ai_node",
        "POST",
        "/open_api/ai_node/edit",
        "ai.edit_node",
        sdk_name="EditAINode",
        summary="Change an AI node's status or field values.",
    ),
    endpoint(
        "confirm_ai_node",
        "POST",
        "/open_api/ai_node/confirm",
        "ai.confirm_node",
        sdk_name="ConfirmAINode",
        summary="Confirm (complete) an AI node.",
    ),
    endpoint(
        "update_work_item_ai_field",
        "PUT",
        "/open_api/ai_application_field/update",
        "ai.update_field",
        sdk_name="OAPIUpdateWorkItemAIField",
        summary="Write the value an AI task produced into its work item field.",
    ),
    endpoint(
        "delete_file_for_ai_field",
        "DELETE",
        "/open_api/ai_application_field/file/delete",
        "ai.delete_field_files",
        sdk_name="OAPIDeleteFileForAIField",
        summary="Delete files from the value of an AI field.",
    ),
)
