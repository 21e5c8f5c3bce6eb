"""Subtasks (tasks on workflow nodes)."""

from __future__ import annotations

from ._entry import endpoint

_ITEM = "/open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}"

ENDPOINTS = (
    endpoint(
        "get_task_list_across_space",
        "POST",
        "/open_api/work_item/subtask/search",
        "tasks.search",
        write=False,
        per_minute=450,
        sdk_name="SearchSubtask",
        summary="Subtasks across spaces by name, people, status, creation time: one page.",
        errors={
            20013: ("invalid_params", "Invalid time interval (not millisecond timestamps)"),
            50006: ("server_error", "Operate fail (contact platform)"),
        },
    ),
    endpoint(
        "get_task_details",
        "GET",
        _ITEM + "/workflow/task",
        "tasks.get_details",
        sdk_name="QueryWorkItemSubTask",
        summary="The nodes of a work item with their subtasks.",
        errors={50006: ("invalid_params", "Work item is not workflow mode")},
    ),
    endpoint(
        "create_tasks",
        "POST",
        _ITEM + "/workflow/task",
        "tasks.create",
        sdk_name="CreateWorkItemSubTask",
        summary="Create a subtask on a node.",
        errors={20005: ("invalid_params", "Missing param (name required, or node_id required)")},
    ),
    endpoint(
        "update_tasks",
        "POST",
        _ITEM + "/workflow/{node_id}/task/{task_id}",
        "tasks.update",
        sdk_name="UpdateWorkItemSubTask",
        summary="Update a subtask.",
        errors={
            50006: ("permission", "No right to edit (no permission to edit this subtask)"),
            20050: ("invalid_params", "Field option value wrong (config updated)"),
        },
    ),
    endpoint(
        "complete_or_rollback_tasks",
        "POST",
        _ITEM + "/subtask/modify",
        "tasks.complete",
        sdk_name="SubTaskModify",
        summary="Complete or roll back a subtask.",
        errors={
            50006: (
                "state_conflict",
                "Subtask already confirmed, or a required deliverable is missing",
            ),
            20005: ("invalid_params", "Missing param (node_id, task_id, or action required)"),
        },
    ),
    endpoint(
        "delete_tasks",
        "DELETE",
        _ITEM + "/task/{task_id}",
        "tasks.delete",
        sdk_name="DeleteWorkItemSubTask",
        summary="Delete a subtask.",
    ),
)
