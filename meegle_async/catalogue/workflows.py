"""Workflows and nodes: read a work item's workflow, complete or roll back nodes, move a
state-flow item, update a node, the transition's required items, actual times."""

from __future__ import annotations

from ._entry import endpoint

_FLOW = "/open_api/{project_key}/workflow/{work_item_type_key}/{work_item_id}"

ENDPOINTS = (
    endpoint(
        "get_work_flow",
        "POST",
        "/open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/workflow/query",
        "workflows.get",
        write=False,
        sdk_name="GetWorkFlow",
        summary="A work item's workflow: nodes or states, connections, schedules, subtasks.",
        errors={
            20026: ("invalid_params", "FlowType is error (flow_type does not fit the item)"),
            20027: ("invalid_params", "FlowType is error (flow_type does not fit the item)"),
            20015: ("invalid_params", "Field mix with '-' and without '-'"),
            50006: ("server_error", "Fail to read/write db (retry)"),
        },
    ),
    endpoint(
        "update_node_state",
        "POST",
        _FLOW + "/node/{node_id}/operate",
        "workflows.complete_node",
        sdk_name="UpdateNodeState",
        summary="Complete (confirm) or roll back a node of a node-flow work item.",
        errors={
            20005: ("invalid_params", "Missing param (rollback_reason required for rollback)"),
            20038: ("invalid_params", "Required fields of the node are not filled"),
            50006: ("state_conflict", "Operate fail (the node is not in a state to do that)"),
        },
    ),
    endpoint(
        "update_state_flow",
        "POST",
        _FLOW + "/node/state_change",
        "workflows.change_state",
        sdk_name="UpdateStateFlow",
        summary="Move a state-flow work item along a transition.",
        errors={
            10002: ("state_conflict", "Illegal operation (transition not from the current state)"),
            20005: ("invalid_params", "Missing param (transition_id cannot be null or 0)"),
            20038: ("invalid_params", "Param missing (a required status form field is empty)"),
            20090: ("permission", "Request intercepted (the space's plugin interception rules)"),
            30012: ("not_found", "State not found in state flow (template out of date)"),
            50006: ("invalid_params", "Failed to check field (option gone or disabled)"),
        },
    ),
    endpoint(
        "update_workflow_node",
        "PUT",
        _FLOW + "/node/{node_id}",
        "workflows.update_node",
        sdk_name="UpdateWorkflowNode",
        summary="Update a node's owners, schedule(s), form fields or role assignees.",
    ),
    endpoint(
        "get_work_item_trans_required_item",
        "POST",
        "/open_api/work_item/transition_required_info/get",
        "workflows.get_required_info",
        write=False,
        sdk_name="GetWorkItemTransRequiredItem",
        summary="What a node completion or state transition requires, and what is missing.",
        errors={50006: ("not_found", "This node no longer exists (state_key incorrect)")},
    ),
    endpoint(
        "actual_time_update",
        "POST",
        "/open_api/work_item/actual_time/update",
        "workflows.update_actual_time",
        qps=10,
        sdk_name="ActualTimeUpdate",
        summary="Set a node's actual start and finish times.",
    ),
)
