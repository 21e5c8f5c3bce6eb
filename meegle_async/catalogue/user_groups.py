"""User groups of a space: create, change members (reading members: ``space_config``)."""

from __future__ import annotations

from ._entry import endpoint

ENDPOINTS = (
    endpoint(
        "create_user_group",
        "POST",
        "/open_api/{project_key}/user_group",
        "teams.create_user_group",
        sdk_name="CreateUserGroup",
        summary="Create a custom user group in a space.",
    ),
    endpoint(
        "patch_user_group_members",
        "PATCH",
        "/open_api/{project_key}/user_group/members",
        "teams.update_user_group_members",
        sdk_name="PatchUserGroupMembers",
        summary="Add, remove or replace the members of a user group.",
    ),
)
