"""User-group writes on ``client.teams``: create a custom group, change its members (a mixin of
``Teams``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from ..errors import MeegleValidationError
from ._base import EndpointGroup
from ._checks import bad_answer, require_text, require_text_list

__all__ = ["UserGroupAdmin"]


class UserGroupAdmin(EndpointGroup):
    """``create_user_group`` and ``update_user_group_members``."""

    async def create_user_group(
        self,
        project_key: str,
        *,
        name: str,
        user_keys: Iterable[str] | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Create a custom user group; returns its id.

        POST /open_api/{project_key}/user_group

        Example::

            group_id = await client.teams.create_user_group(
                "space_demo", name="On call", user_keys=["7000000000000000002"]
            )
        """
        body = {
            "name": require_text(name, "name"),
            "users": [] if user_keys is None else require_text_list(user_keys, "user_keys"),
        }
        resp = await self._call(
            "create_user_group",
            path_params={"project_key": require_text(project_key, "project_key")},
            json=body,
            idempotency_key=idempotency_key,
        )
        group_id = resp.data.get("id") if isinstance(resp.data, Mapping) else None
        if not isinstance(group_id, str) or not group_id:
            raise bad_answer(resp, "expected {id}")
        return group_id

    async def update_user_group_members(
        self,
        project_key: str,
        user_group_id: str,
        *,
        add: Iterable[str] | None = None,
        remove: Iterable[str] | None = None,
        replace: Iterable[str] | None = None,
        user_group_type: Literal["CUSTOMIZE"] = "CUSTOMIZE",
        idempotency_key: str | None = None,
    ) -> None:
        """Add and remove members of a custom user group, or replace them all.

        PATCH /open_api/{project_key}/user_group/members — ``replace`` goes alone; ``add``
        and ``remove`` may go together.

        Example::

            await client.teams.update_user_group_members("space_demo", group_id, add=[key])
        """
        if user_group_type != "CUSTOMIZE":
            raise MeegleValidationError('only custom groups change: user_group_type="CUSTOMIZE"')
        body: dict[str, object] = {
            "user_group_type": user_group_type,
            "user_group_id": require_text(user_group_id, "user_group_id"),
        }
        if replace is not None:
            if add is not None or remove is not None:
                raise MeegleValidationError("replace= goes alone, without add= or remove=")
            body["replace_users"] = require_text_list(replace, "replace")
        else:
            if add is not None:
                body["add_users"] = require_text_list(add, "add")
            if remove is not None:
                body["delete_users"] = require_text_list(remove, "remove")
            if not body.get("add_users") and not body.get("delete_users"):
                raise MeegleValidationError("nothing to change: give add=, remove= or replace=")
        await self._call(
            "patch_user_group_members",
            path_params={"project_key": require_text(project_key, "project_key")},
            json=body,
            idempotency_key=idempotency_key,
        )
