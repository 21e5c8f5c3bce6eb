"""Process configuration writes: create, update and delete the workflow roles of a type.

``RoleAdmin`` holds the write half of ``client.roles``; the read half (the role list) lives
with the workflow look-ups, and the client's ``Roles`` group has both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import MeegleValidationError
from ..helpers.lookups import LookupCache
from ..models.common import input_json
from ..models.template_admin import FlowRoleConfig
from ..transport.response import RawResponse
from ._base import EndpointGroup
from ._checks import bad_answer, require_text, require_text_list

__all__ = ["RoleAdmin"]


def _path(project_key: str, work_item_type_key: str) -> dict[str, str]:
    return {
        "project_key": require_text(project_key, "project_key"),
        "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
    }


def _which(role_id: str | None, role_alias: str | None) -> dict[str, str]:
    if role_id is None and role_alias is None:
        raise MeegleValidationError("name the role: pass role_id or role_alias")
    body: dict[str, str] = {}
    if role_id is not None:
        body["role_id"] = require_text(role_id, "role_id")
    if role_alias is not None:
        body["role_alias"] = require_text(role_alias, "role_alias")
    return body


def _role_json(role: FlowRoleConfig | Mapping[str, Any]) -> dict[str, Any]:
    body = input_json(role, FlowRoleConfig, name="role")
    for key in ("members", "lock_scope"):
        raw = getattr(role, key) if isinstance(role, FlowRoleConfig) else role.get(key)
        if raw is not None:
            # A lone string would otherwise become a list of its characters.
            body[key] = require_text_list(raw, f"role.{key}")
    return body


class RoleAdmin(EndpointGroup):
    """Workflow role writes: ``create``, ``update``, ``delete``."""

    async def _write(self, name: str, **kwargs: Any) -> RawResponse:
        # A write changes what cached look-ups (``list(..., cached=True)``) answered: forget
        # them, even when the answer was lost (the write may have been applied).
        try:
            return await self._call(name, **kwargs)
        finally:
            lookups = getattr(self, "lookups", None)
            if isinstance(lookups, LookupCache):
                lookups.invalidate()

    async def create(
        self,
        project_key: str,
        work_item_type_key: str,
        role: FlowRoleConfig | Mapping[str, Any],
        *,
        idempotency_key: str | None = None,
    ) -> str:
        """Create a workflow role of a work item type.

        POST /open_api/{project_key}/flow_roles/{work_item_type_key}/create_role

        Args:
            project_key: space project key or simple name.
            work_item_type_key: the work item type.
            role: a ``FlowRoleConfig`` (or dict) with at least ``name``; ``id`` chooses the
                role's key.
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Returns:
            The new role's id.

        Raises:
            MeegleValidationError: bad input (no ``name``); nothing was sent.
            MeegleInvalidParamsError: an id or name already in use (20006).

        Example::

            role_id = await client.roles.create(
                "space", "story", {"id": "reviewer", "name": "Reviewer", "members": ["u1"]}
            )
        """
        path = _path(project_key, work_item_type_key)
        body = _role_json(role)
        require_text(body.get("name"), "role.name")
        resp = await self._write(
            "create_flow_role",
            path_params=path,
            json={"role": body},
            idempotency_key=idempotency_key,
        )
        if not isinstance(resp.data, str) or not resp.data:
            raise bad_answer(resp, "expected the new role id")
        return resp.data

    async def update(
        self,
        project_key: str,
        work_item_type_key: str,
        role: FlowRoleConfig | Mapping[str, Any],
        *,
        role_id: str | None = None,
        role_alias: str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Update a workflow role, named by ``role_id`` or ``role_alias`` (the id wins when
        both are given).

        POST /open_api/{project_key}/flow_roles/{work_item_type_key}/update_role

        Args:
            project_key: space project key or simple name.
            work_item_type_key: the work item type.
            role: the settings to change (``FlowRoleConfig`` or dict; ``id`` is not accepted).
            role_id: the role's id.
            role_alias: the role's alias.
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Raises:
            MeegleValidationError: bad input (no role named, ``role`` with an ``id``);
                nothing was sent.
            MeegleInvalidParamsError: no such role (20006).

        Example::

            await client.roles.update("space", "story", {"name": "Code reviewer"},
                                      role_id="reviewer")
        """
        path = _path(project_key, work_item_type_key)
        body: dict[str, Any] = _which(role_id, role_alias)
        settings = _role_json(role)
        if "id" in settings:
            raise MeegleValidationError(
                "role.id cannot be changed: name the role with role_id= and leave id out"
            )
        body["role"] = settings
        await self._write(
            "update_flow_role", path_params=path, json=body, idempotency_key=idempotency_key
        )

    async def delete(
        self,
        project_key: str,
        work_item_type_key: str,
        *,
        role_id: str | None = None,
        role_alias: str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Delete a workflow role, named by ``role_id`` or ``role_alias``.

        POST /open_api/{project_key}/flow_roles/{work_item_type_key}/delete_role

        Args:
            project_key: space project key or simple name.
            work_item_type_key: the work item type.
            role_id: the role's id.
            role_alias: the role's alias.
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Raises:
            MeegleValidationError: no role named; nothing was sent.
            MeegleInvalidParamsError: no such role (20006).
            MeegleStateConflictError: the role is used by template nodes (20093).

        Example::

            await client.roles.delete("space", "story", role_id="reviewer")
        """
        path = _path(project_key, work_item_type_key)
        body = _which(role_id, role_alias)
        await self._write(
            "delete_flow_role", path_params=path, json=body, idempotency_key=idempotency_key
        )
