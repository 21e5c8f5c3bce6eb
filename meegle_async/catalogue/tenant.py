"""Tenant administration: accounts, departments, the tenant, users for a tenant plugin."""

from __future__ import annotations

from ._entry import endpoint

ENDPOINTS = (
    endpoint(
        "create_account",
        "POST",
        "/open_api/account/create",
        "tenant.create_account",
        sdk_name="CreateAccount",
        summary="Create an account in the tenant.",
    ),
    endpoint(
        "update_account",
        "POST",
        "/open_api/account/update",
        "tenant.update_account",
        sdk_name="UpdateAccount",
        summary="Change an account's name, avatar or departments.",
    ),
    endpoint(
        "active_account",
        "POST",
        "/open_api/account/active",
        "tenant.activate_account",
        sdk_name="ActiveAccount",
        summary="Enable a stopped account.",
    ),
    endpoint(
        "stop_account",
        "POST",
        "/open_api/account/stop",
        "tenant.stop_account",
        sdk_name="StopAccount",
        summary="Disable an account.",
    ),
    endpoint(
        "create_department",
        "POST",
        "/open_api/department/create",
        "tenant.create_department",
        sdk_name="CreateDepartment",
        summary="Create a department.",
    ),
    endpoint(
        "update_department",
        "POST",
        "/open_api/department/update",
        "tenant.update_department",
        sdk_name="UpdateDepartment",
        summary="Rename or move a department.",
    ),
    endpoint(
        "delete_department",
        "POST",
        "/open_api/department/delete",
        "tenant.delete_department",
        sdk_name="DeleteDepartment",
        summary="Delete a department.",
    ),
    endpoint(
        "query_department",
        "POST",
        "/open_api/department/query",
        "tenant.get_department",
        write=False,
        sdk_name="QueryDepartment",
        summary="A department, with its parent, children and employees as asked.",
    ),
    endpoint(
        "query_tenant",
        "POST",
        "/open_api/tenant/query",
        "tenant.get",
        write=False,
        sdk_name="QueryTenant",
        summary="The tenant, with its departments and accounts as asked.",
    ),
    endpoint(
        "query_users_for_tenant_plugin",
        "POST",
        "/open_api/user/tp/query",
        "tenant.query_users",
        write=False,
        sdk_name="QueryUsersForTenantPlugin",
        summary="Users by key, email or external id, for a tenant plugin.",
    ),
)
