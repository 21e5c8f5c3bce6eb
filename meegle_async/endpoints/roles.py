"""``client.roles``: the flow roles of a work item type (who can own what).

The writes (create, update, delete) are ``RoleAdmin``'s.
"""

from __future__ import annotations

import builtins

from ..helpers.lookups import LookupCache
from ..models.base import structure_list
from ..models.space_config import FlowRole
from ._base import Requester
from ._checks import require_flag, require_text
from .role_admin import RoleAdmin

__all__ = ["Roles"]


class Roles(RoleAdmin):
    """Flow roles: ``client.roles.list("space", "story")``; ``create``, ``update`` and
    ``delete`` come from ``RoleAdmin``."""

    def __init__(self, request: Requester, *, lookups: LookupCache | None = None) -> None:
        super().__init__(request)
        #: The look-up cache ``cached=True`` reads (shared by the client's groups).
        self.lookups = lookups if lookups is not None else LookupCache()

    async def list(
        self, project_key: str, work_item_type_key: str, *, cached: bool = False
    ) -> builtins.list[FlowRole]:
        """The flow roles of a work item type.

        GET /open_api/{project_key}/flow_roles/{work_item_type_key}

        Args:
            project_key: space project key or simple name.
            work_item_type_key: the type.
            cached: reuse an answer younger than ``lookups.ttl`` (one fetch for concurrent
                callers).

        Returns:
            ``FlowRole`` objects; ``id`` is what ``role_owners`` and ``role_assignee`` take.

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleInvalidParamsError: the project key is wrong (1000052062).

        Example::

            names = {r.id: r.name for r in await client.roles.list("space", "story")}
        """
        path = {
            "project_key": require_text(project_key, "project_key"),
            "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
        }

        async def load() -> builtins.list[FlowRole]:
            resp = await self._call("query_role_conf_details", path_params=path)
            return structure_list(resp.data, FlowRole)

        if not require_flag(cached, "cached"):
            return await load()
        return await self.lookups.get(
            ("roles", path["project_key"], path["work_item_type_key"]), load
        )
