"""``client.tenant``: tenant administration — accounts, departments, the tenant itself, and
user look-ups for tenant plugins. These calls need a plugin with tenant-administration rights.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import MeegleValidationError
from ..models.base import structure, structure_list
from ..models.tenant import Department, Tenant
from ..models.users import User
from ._base import EndpointGroup
from ._checks import bad_answer, require_text, require_text_list, shown

__all__ = ["TenantAdmin"]

_UNSET: Any = object()


def _names(value: Mapping[str, str] | str, name: str = "name") -> dict[str, str]:
    """A localised name: ``{"default": ..., "en_us": ..., "zh_cn": ...}`` (a plain string is
    taken as ``{"default": string}``)."""
    if isinstance(value, str):
        return {"default": require_text(value, name)}
    if not isinstance(value, Mapping) or not value:
        raise MeegleValidationError(f"{name} must be a non-empty mapping of language -> name")
    return {
        require_text(k, f"{name} key"): require_text(v, f"{name}[{shown(k)}]")
        for k, v in value.items()
    }


def _key_data(resp: Any, key: str) -> str:
    value = resp.data.get(key) if isinstance(resp.data, Mapping) else None
    if not isinstance(value, str) or not value:
        raise bad_answer(resp, f"expected {{{key}}}")
    return value


class TenantAdmin(EndpointGroup):
    """Tenant administration: ``client.tenant.get()``, accounts, departments, ``query_users``."""

    # -- accounts ------------------------------------------------------------------------------

    async def create_account(
        self,
        *,
        name: Mapping[str, str] | str,
        email: str | None = None,
        mobile: str | None = None,
        out_user_id: str | None = None,
        login_platform_type: str | None = None,
        avatar_url: str | None = None,
        department_keys: Iterable[str] | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Create an account; returns its ``user_meego_key``.

        POST /open_api/account/create

        Example::

            key = await client.tenant.create_account(
                name={"default": "Ada Li", "en_us": "Ada Li"}, email="ada@example.com"
            )
        """
        body: dict[str, Any] = {"name": _names(name)}
        for field, value in (
            ("email", email),
            ("mobile", mobile),
            ("out_user_id", out_user_id),
            ("login_platform_type", login_platform_type),
            ("avatar_url", avatar_url),
        ):
            if value is not None:
                body[field] = require_text(value, field)
        if email is None and mobile is None and out_user_id is None:
            raise MeegleValidationError("give at least one of email=, mobile=, out_user_id=")
        if department_keys is not None:
            body["department_meego_keys"] = require_text_list(department_keys, "department_keys")
        resp = await self._call("create_account", json=body, idempotency_key=idempotency_key)
        return _key_data(resp, "user_meego_key")

    async def update_account(
        self,
        user_meego_key: str,
        *,
        name: Mapping[str, str] | str | None = None,
        avatar_url: str | None = None,
        department_keys: Iterable[str] | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Change an account's name, avatar or departments.

        POST /open_api/account/update
        """
        body: dict[str, Any] = {"user_meego_key": require_text(user_meego_key, "user_meego_key")}
        if name is not None:
            body["name"] = _names(name)
        if avatar_url is not None:
            body["avatar_url"] = require_text(avatar_url, "avatar_url")
        if department_keys is not None:
            body["department_meego_keys"] = require_text_list(department_keys, "department_keys")
        if len(body) == 1:
            raise MeegleValidationError(
                "nothing to change: give name=, avatar_url= or department_keys="
            )
        await self._call("update_account", json=body, idempotency_key=idempotency_key)

    async def activate_account(
        self, user_meego_key: str, *, idempotency_key: str | None = None
    ) -> None:
        """Enable a stopped account.

        POST /open_api/account/active
        """
        await self._call(
            "active_account",
            json={"user_meego_key": require_text(user_meego_key, "user_meego_key")},
            idempotency_key=idempotency_key,
        )

    async def stop_account(
        self, user_meego_key: str, *, idempotency_key: str | None = None
    ) -> None:
        """Disable an account.

        POST /open_api/account/stop
        """
        await self._call(
            "stop_account",
            json={"user_meego_key": require_text(user_meego_key, "user_meego_key")},
            idempotency_key=idempotency_key,
        )

    # -- departments ---------------------------------------------------------------------------

    async def create_department(
        self,
        *,
        name: Mapping[str, str] | str,
        parent_key: str | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Create a department (under ``parent_key``, else at the top); returns its key.

        POST /open_api/department/create
        """
        body: dict[str, Any] = {"name": _names(name)}
        if parent_key is not None:
            body["parent_department_meego_key"] = require_text(parent_key, "parent_key")
        resp = await self._call("create_department", json=body, idempotency_key=idempotency_key)
        return _key_data(resp, "department_meego_key")

    async def update_department(
        self,
        department_key: str,
        *,
        name: Mapping[str, str] | str | None = None,
        parent_key: str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Rename a department or move it under another parent.

        POST /open_api/department/update
        """
        body: dict[str, Any] = {
            "department_meego_key": require_text(department_key, "department_key")
        }
        if name is not None:
            body["name"] = _names(name)
        if parent_key is not None:
            body["parent_department_meego_key"] = require_text(parent_key, "parent_key")
        if len(body) == 1:
            raise MeegleValidationError("nothing to change: give name= or parent_key=")
        await self._call("update_department", json=body, idempotency_key=idempotency_key)

    async def delete_department(
        self, department_key: str, *, idempotency_key: str | None = None
    ) -> None:
        """Delete a department.

        POST /open_api/department/delete
        """
        await self._call(
            "delete_department",
            json={"department_meego_key": require_text(department_key, "department_key")},
            idempotency_key=idempotency_key,
        )

    async def get_department(
        self, department_key: str, *, scopes: Iterable[str] | None = None
    ) -> Department:
        """A department, with what ``scopes`` asks for: ``parent``, ``all_children``,
        ``direct_employees``, ``all_employees`` (the response's field names).

        POST /open_api/department/query

        Example::

            dep = await client.tenant.get_department(key, scopes=["direct_employees"])
        """
        body: dict[str, Any] = {
            "department_meego_key": require_text(department_key, "department_key")
        }
        if scopes is not None:
            body["scopes"] = require_text_list(scopes, "scopes")
        resp = await self._call("query_department", json=body)
        if not isinstance(resp.data, Mapping):
            raise bad_answer(resp, "expected a department")
        return structure(resp.data, Department)

    # -- the tenant and its users --------------------------------------------------------------

    async def get(self, *, scopes: Iterable[str] | None = None) -> Tenant:
        """The tenant, with what ``scopes`` asks for: ``departments``, ``accounts``.

        POST /open_api/tenant/query

        Example::

            tenant = await client.tenant.get(scopes=["departments"])
        """
        body: dict[str, Any] = {}
        if scopes is not None:
            body["scopes"] = require_text_list(scopes, "scopes")
        resp = await self._call("query_tenant", json=body)
        if not isinstance(resp.data, Mapping):
            raise bad_answer(resp, "expected the tenant")
        return structure(resp.data, Tenant)

    async def query_users(
        self,
        *,
        user_keys: Iterable[str] | None = None,
        emails: Iterable[str] | None = None,
        out_users: Iterable[Mapping[str, str]] | None = None,
    ) -> list[User]:
        """Users by user key, email or external account (``{"out_user_id",
        "login_platform_type"}``), for a tenant plugin.

        POST /open_api/user/tp/query
        """
        body: dict[str, Any] = {}
        if user_keys is not None:
            body["user_keys"] = require_text_list(user_keys, "user_keys")
        if emails is not None:
            body["emails"] = require_text_list(emails, "emails")
        if out_users is not None:
            outs = []
            if isinstance(out_users, (str, bytes, Mapping)) or not isinstance(out_users, Iterable):
                raise MeegleValidationError(
                    f"out_users must be a list of mappings, not {shown(out_users)}"
                )
            for i, out in enumerate(out_users):
                if not isinstance(out, Mapping):
                    raise MeegleValidationError(f"out_users[{i}] must be a mapping")
                entry = {
                    "out_user_id": require_text(
                        out.get("out_user_id"), f"out_users[{i}].out_user_id"
                    )
                }
                if out.get("login_platform_type") is not None:
                    entry["login_platform_type"] = require_text(
                        out.get("login_platform_type"), f"out_users[{i}].login_platform_type"
                    )
                outs.append(entry)
            body["out_users"] = outs
        if not any(body.values()):
            raise MeegleValidationError("name at least one user: user_keys=, emails= or out_users=")
        resp = await self._call("query_users_for_tenant_plugin", json=body)
        return structure_list(resp.data or [], User)
