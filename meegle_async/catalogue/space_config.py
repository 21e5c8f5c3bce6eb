"""Space look-ups: teams, business lines, user groups, work item type settings, flow roles
and process templates (what makes an export readable)."""

from __future__ import annotations

from ._entry import endpoint

ENDPOINTS = (
    endpoint(
        "list_project_team",
        "GET",
        "/open_api/{project_key}/teams/all",
        "teams.list",
        sdk_name="ListProjectTeam",
        summary="The teams of a space with their members and administrators.",
        errors={30006: ("not_found", "User not found (the X-User-Key user)")},
    ),
    endpoint(
        "user_group_members_page",
        "POST",
        "/open_api/{project_key}/user_groups/members/page",
        "teams.list_group_members",
        write=False,
        sdk_name="UserGroupMembersPage",
        summary="Members of the space's user groups (admins, members, custom groups): one page.",
        errors={
            20002: ("invalid_params", "Page size limit (more than 100 per page)"),
            1000053008: ("invalid_params", "User group type not supported"),
            1000053010: ("not_found", "User group not found in the space"),
            1000053011: ("invalid_params", "More than 50 user groups in one request"),
        },
    ),
    endpoint(
        "query_businesses",
        "GET",
        "/open_api/{project_key}/business/all",
        "teams.list_business_lines",
        sdk_name="QueryBusinesses",
        summary="The business lines of a space, as a tree.",
    ),
    endpoint(
        "get_work_item_type_info_by_key",
        "GET",
        "/open_api/{project_key}/work_item/type/{work_item_type_key}",
        "spaces.get_work_item_type",
        sdk_name="GetWorkItemTypeInfoByKey",
        summary="The settings of one work item type (flow mode, schedule fields, roles).",
    ),
    endpoint(
        "update_work_item_type_info",
        "PUT",
        "/open_api/{project_key}/work_item/type/{work_item_type_key}",
        "spaces.update_work_item_type",
        sdk_name="UpdateWorkItemTypeInfo",
        summary="Change the settings of a work item type.",
        errors={10005: ("permission", "No project admin permission")},
    ),
    endpoint(
        "query_role_conf_details",
        "GET",
        "/open_api/{project_key}/flow_roles/{work_item_type_key}",
        "roles.list",
        sdk_name="QueryRoleConfDetails",
        summary="The flow roles of a work item type.",
    ),
    endpoint(
        "list_template_conf",
        "GET",
        "/open_api/{project_key}/template_list/{work_item_type_key}",
        "templates.list",
        sdk_name="ListTemplateConf",
        summary="The process templates of a work item type.",
    ),
    endpoint(
        "query_template_detail",
        "GET",
        "/open_api/{project_key}/template_detail/{template_id}",
        "templates.get",
        sdk_name="QueryTemplateDetail",
        summary="A process template: its nodes or states and their connections.",
        errors={
            50006: ("not_found", "Template not found (check template_id)"),
            30001: ("not_found", "Data not found (template not in this space)"),
        },
    ),
)
