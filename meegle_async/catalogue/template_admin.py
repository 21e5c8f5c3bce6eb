"""Process configuration writes: workflow templates, element templates and flow roles."""

from __future__ import annotations

from ._entry import endpoint

_ROLE = "/open_api/{project_key}/flow_roles/{work_item_type_key}"
_ROLE_IN_USE = {20093: ("state_conflict", "Role in use (referenced by template nodes)")}

ENDPOINTS = (
    endpoint(
        "create_template_detail",
        "POST",
        "/open_api/template/v2/create_template",
        "templates.create",
        sdk_name="CreateTemplateDetail",
        summary="Create a workflow template (empty, or a copy of another).",
    ),
    endpoint(
        "update_template_detail",
        "PUT",
        "/open_api/template/v2/update_template",
        "templates.update",
        sdk_name="UpdateTemplateDetail",
        summary="Change a workflow template's nodes (workflow_confs) or states (state_flow_confs).",
    ),
    endpoint(
        "delete_template_detail",
        "DELETE",
        "/open_api/template/v2/delete_template/{project_key}/{template_id}",
        "templates.delete",
        sdk_name="DeleteTemplateDetail",
        summary="Delete a workflow template.",
    ),
    endpoint(
        "element_template_create",
        "POST",
        "/open_api/work_item/element_template/create",
        "templates.create_element",
        sdk_name="ElementTemplateCreate",
        summary="Add a node or task to the resource library of a work item type.",
    ),
    endpoint(
        "element_template_query",
        "POST",
        "/open_api/work_item/element_template/query",
        "templates.query_elements",
        write=False,
        sdk_name="ElementTemplateQuery",
        summary="The nodes or tasks of a work item type's resource library: one page.",
    ),
    endpoint(
        "create_flow_role",
        "POST",
        _ROLE + "/create_role",
        "roles.create",
        sdk_name="CreateFlowRole",
        summary="Create a workflow role of a work item type.",
    ),
    endpoint(
        "update_flow_role",
        "POST",
        _ROLE + "/update_role",
        "roles.update",
        sdk_name="UpdateFlowRole",
        summary="Update a workflow role (by id or alias).",
    ),
    endpoint(
        "delete_flow_role",
        "POST",
        _ROLE + "/delete_role",
        "roles.delete",
        sdk_name="DeleteFlowRole",
        summary="Delete a workflow role (by id or alias).",
        errors=_ROLE_IN_USE,
    ),
)
