"""``client.teams``: a space's teams, business lines and user-group members.

The look-ups an export needs to turn ids into names. ``list`` and ``list_business_lines``
take ``cached=True`` to share answers through ``lookups`` (a ``LookupCache``: single flight,
``ttl`` seconds), the cache a client and its ``with_options`` copies share.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Sequence
from typing import Any, Literal

from ..errors import MeegleValidationError
from ..helpers.lookups import LookupCache
from ..models.base import structure, structure_list
from ..models.space_config import BusinessLine, Team, UserGroup, UserGroupPage
from ._base import Requester
from ._checks import (
    require_flag,
    require_literal,
    require_page_number,
    require_text,
    require_text_list,
)
from .user_groups import UserGroupAdmin

__all__ = ["MAX_GROUPS_PER_REQUEST", "MAX_GROUP_PAGE_SIZE", "USER_GROUP_TYPES", "Teams"]

#: ``list_group_members`` takes at most this many ``user_group_ids``.
MAX_GROUPS_PER_REQUEST = 50
#: ``list_group_members`` serves at most this many groups a page.
MAX_GROUP_PAGE_SIZE = 100
#: The ``user_group_type`` values.
USER_GROUP_TYPES = ("PROJECT_ADMIN", "PROJECT_MEMBER", "CUSTOMIZE")

UserGroupType = Literal["PROJECT_ADMIN", "PROJECT_MEMBER", "CUSTOMIZE"]


class Teams(UserGroupAdmin):
    """Teams, business lines and user groups: ``client.teams.list("space")``, ..."""

    def __init__(self, request: Requester, *, lookups: LookupCache | None = None) -> None:
        super().__init__(request)
        #: The look-up cache ``cached=True`` reads (shared by the client's groups).
        self.lookups = lookups if lookups is not None else LookupCache()

    async def list(self, project_key: str, *, cached: bool = False) -> builtins.list[Team]:
        """The teams of a space with their members and administrators.

        GET /open_api/{project_key}/teams/all

        Args:
            project_key: space project key or simple name.
            cached: reuse an answer younger than ``lookups.ttl`` (one fetch for concurrent
                callers).

        Returns:
            ``Team`` objects (``team_id``, ``team_name``, ``user_keys``, ``administrators``).

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleNotFoundError: the ``X-User-Key`` user was not found (30006).

        Example::

            names = {t.team_id: t.team_name for t in await client.teams.list("space")}
        """
        key = require_text(project_key, "project_key")

        async def load() -> builtins.list[Team]:
            resp = await self._call("list_project_team", path_params={"project_key": key})
            return structure_list(resp.data, Team)

        cached = require_flag(cached, "cached")
        return await self.lookups.get(("teams", key), load) if cached else await load()

    async def list_business_lines(
        self, project_key: str, *, cached: bool = False
    ) -> builtins.list[BusinessLine]:
        """The business lines of a space, as a tree (``children``).

        GET /open_api/{project_key}/business/all

        Args:
            project_key: space project key or simple name.
            cached: reuse an answer younger than ``lookups.ttl``.

        Returns:
            The top ``BusinessLine`` objects; ``walk()`` flattens one with its sub-lines.

        Raises:
            MeegleValidationError: bad input; nothing was sent.

        Example::

            lines = await client.teams.list_business_lines("space")
            names = {b.id: b.name for top in lines for b in top.walk()}
        """
        key = require_text(project_key, "project_key")

        async def load() -> builtins.list[BusinessLine]:
            resp = await self._call("query_businesses", path_params={"project_key": key})
            return structure_list(resp.data, BusinessLine)

        cached = require_flag(cached, "cached")
        return await self.lookups.get(("business_lines", key), load) if cached else await load()

    async def list_group_members(
        self,
        project_key: str,
        *,
        user_group_type: UserGroupType,
        user_group_ids: Sequence[str] | None = None,
        page_num: int | None = None,
        page_size: int | None = None,
    ) -> UserGroupPage:
        """Members of the space's user groups: one page.

        POST /open_api/{project_key}/user_groups/members/page

        The platform serves this to user tokens only (``MeegleClient(user_token=...)``).

        Args:
            project_key: space project key or simple name.
            user_group_type: ``"PROJECT_ADMIN"``, ``"PROJECT_MEMBER"`` or ``"CUSTOMIZE"``.
            user_group_ids: custom groups (at most 50); with ``CUSTOMIZE`` and none, every
                custom group.
            page_num: page, from 1.
            page_size: groups per page (server default 50, at most 100).

        Returns:
            A ``UserGroupPage``: ``list`` of ``UserGroup`` (``user_members``) and
            ``pagination`` (``has_more``).

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleNotFoundError: no such user group (1000053010).

        Example::

            page = await client.teams.list_group_members("space", user_group_type="PROJECT_ADMIN")
            admins = [k for g in page.list or [] for k in g.user_members or []]
        """
        key = require_text(project_key, "project_key")
        body: dict[str, Any] = {
            "user_group_type": require_literal(user_group_type, "user_group_type", USER_GROUP_TYPES)
        }
        if user_group_ids is not None:
            ids = require_text_list(
                user_group_ids, "user_group_ids", maximum=MAX_GROUPS_PER_REQUEST
            )
            if ids and user_group_type != "CUSTOMIZE":
                raise MeegleValidationError("user_group_ids go with user_group_type='CUSTOMIZE'")
            body["user_group_ids"] = ids
        if page_num is not None:
            body["page_num"] = require_page_number(page_num, "page_num")
        if page_size is not None:
            body["page_size"] = require_page_number(
                page_size, "page_size", maximum=MAX_GROUP_PAGE_SIZE
            )
        resp = await self._call(
            "user_group_members_page", path_params={"project_key": key}, json=body
        )
        return structure(resp.data if resp.data is not None else {}, UserGroupPage)

    async def iter_group_members(
        self,
        project_key: str,
        *,
        user_group_type: UserGroupType,
        user_group_ids: Sequence[str] | None = None,
        page_size: int = MAX_GROUP_PAGE_SIZE,
    ) -> AsyncIterator[UserGroup]:
        """Every user group of ``list_group_members``, page after page.

        POST /open_api/{project_key}/user_groups/members/page (as many calls as needed)

        Stops when ``has_more`` is false, on an empty page, or when a page repeats the groups
        of the one before (a server that ignores ``page_num`` must not loop forever).

        Example::

            async for group in client.teams.iter_group_members(
                "space", user_group_type="CUSTOMIZE"
            ):
                print(group.name, group.user_count)
        """
        page_num = 1
        previous: builtins.list[Any] | None = None
        while True:
            page = await self.list_group_members(
                project_key,
                user_group_type=user_group_type,
                user_group_ids=user_group_ids,
                page_num=page_num,
                page_size=page_size,
            )
            groups = page.list or []
            ids = [g.id for g in groups]
            if not groups or ids == previous:
                return
            for group in groups:
                yield group
            if not page.has_more:
                return
            previous = ids
            page_num += 1
