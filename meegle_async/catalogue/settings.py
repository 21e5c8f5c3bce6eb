"""Field settings, spaces and users: what a space holds and who works in it."""

from __future__ import annotations

from ._entry import endpoint

ENDPOINTS = (
    endpoint(
        "get_field_information",
        "POST",
        "/open_api/{project_key}/field/all",
        "fields.get_all",
        write=False,
        sdk_name="QueryProjectFields",
        summary="The fields of a space (or of one work item type).",
        errors={30001: ("not_found", "Data not found (no such work item type in this space)")},
    ),
    endpoint(
        "create_custom_field",
        "POST",
        "/open_api/{project_key}/field/{work_item_type_key}/create",
        "fields.create",
        sdk_name="CreateField",
        summary="Create a custom field.",
    ),
    endpoint(
        "update_custom_field",
        "PUT",
        "/open_api/{project_key}/field/{work_item_type_key}",
        "fields.update",
        sdk_name="UpdateField",
        summary="Update a custom field.",
    ),
    endpoint(
        "list_project",
        "POST",
        "/open_api/projects",
        "spaces.list",
        write=False,
        sdk_name="QueryProjects",
        summary="The project keys of the spaces a user sees.",
        errors={
            30006: ("not_found", "User not found (wrong user_key, or no space)"),
            10302: ("permission", "The user has left the company"),
        },
    ),
    endpoint(
        "get_project_detail",
        "POST",
        "/open_api/projects/detail",
        "spaces.get_details",
        write=False,
        sdk_name="BatchQueryProjectInfo",
        summary="Names, simple names and administrators of spaces.",
    ),
    endpoint(
        "query_work_item_types",
        "GET",
        "/open_api/{project_key}/work_item/all-types",
        "spaces.get_work_item_types",
        sdk_name="QueryAWorkItemTypes",
        summary="The work item types of a space.",
        errors={10023: ("authentication", "User does not exist (bad X-User-Key)")},
    ),
    endpoint(
        "query_user_detail",
        "POST",
        "/open_api/user/query",
        "users.query",
        write=False,
        sdk_name="QueryUserDetail",
        summary="Users by user key, email or Lark id.",
        errors={
            30006: ("not_found", "User not found (nothing matched)"),
            20004: ("invalid_params", "More than 100 ids in user_keys, emails, out_ids"),
        },
    ),
    endpoint(
        "search_user",
        "POST",
        "/open_api/user/search",
        "users.search",
        write=False,
        sdk_name="SearchUserByWord",
        summary="Users whose name or email contains a word.",
        errors={
            30006: ("not_found", "User in X-User-Key not found"),
            1000052063: ("space_not_found", "Project does not exist"),
        },
    ),
)
