"""``client.users``: look users up by key, email or Lark id, or search them by name."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import MeegleNotFoundError, MeegleValidationError
from ..helpers.chunking import gather_chunks, unique_ids
from ..models.base import structure_list
from ..models.users import User
from ._base import EndpointGroup
from ._checks import require_text, require_text_list

__all__ = ["MAX_USER_IDS_PER_REQUEST", "Users"]

#: ``user/query`` takes at most this many ids per request, counted over its three lists.
MAX_USER_IDS_PER_REQUEST = 100

_QUERY = "query_user_detail"
_SEARCH = "search_user"
# user/query answers "user not found" when nothing matched: an empty result, not a failure.
_NOTHING_FOUND = 30006


class Users(EndpointGroup):
    """Users: ``client.users.query(user_keys=[...])`` and ``client.users.search("name")``."""

    async def query(
        self,
        *,
        user_keys: Iterable[str] | None = None,
        emails: Iterable[str] | None = None,
        out_ids: Iterable[str] | None = None,
        tenant_key: str | None = None,
    ) -> list[User]:
        """Users by user key, email or Lark/Feishu UnionId (``out_id``).

        POST /open_api/user/query

        Any number of ids: they are sent 100 a request (the API counts the three lists
        together), all requests at once. Ids that match nobody are left out; a user matched by
        two ids comes once. The order is the server's, not the input's.

        Args:
            user_keys: Meegle user keys.
            emails: emails (bound in Lark/Feishu).
            out_ids: Lark/Feishu UnionIds.
            tenant_key: another tenant's ``saas_tenant_key``, for emails outside the plugin's
                tenant.

        Returns:
            ``User`` objects (an empty list when nobody matched).

        Raises:
            MeegleValidationError: no id given, or bad input; nothing was sent.

        Example::

            users = await client.users.query(user_keys=item_owner_keys)
            names = {u.user_key: u.display_name for u in users}
        """
        wanted: list[tuple[str, str]] = []
        for kind, values in (("user_keys", user_keys), ("emails", emails), ("out_ids", out_ids)):
            if values is not None:
                wanted += [(kind, v) for v in require_text_list(values, kind, one_string_ok=True)]
        if not wanted:
            raise MeegleValidationError("name at least one user: pass user_keys, emails or out_ids")
        tenant = None if tenant_key is None else require_text(tenant_key, "tenant_key")

        async def fetch(chunk: list[tuple[str, str]]) -> list[User]:
            body: dict[str, Any] = {}
            for kind, value in chunk:
                body.setdefault(kind, []).append(value)
            if tenant is not None:
                body["tenant_key"] = tenant
            try:
                resp = await self._call(_QUERY, json=body)
            except MeegleNotFoundError as exc:
                if exc.code == _NOTHING_FOUND:
                    return []
                raise
            return structure_list(resp.data or [], User)

        found: dict[object, User] = {}
        for part in await gather_chunks(unique_ids(wanted), fetch, size=MAX_USER_IDS_PER_REQUEST):
            for user in part:
                found.setdefault(user.user_key if user.user_key else object(), user)
        return list(found.values())

    async def search(self, query: str, *, project_key: str | None = None) -> list[User]:
        """Users whose name matches a keyword (fuzzy: ``"ada"`` finds ``"ada.li"``).

        POST /open_api/user/search

        Args:
            query: the keyword (non-empty).
            project_key: the space whose tenant to search; required for marketplace plugins,
                and for enterprise plugins when the user's main tenant is not the plugin's.

        Returns:
            ``User`` objects.

        Raises:
            MeegleValidationError: an empty keyword; nothing was sent.
            MeegleNotFoundError: the ``X-User-Key`` user (30006) or the space does not exist.

        Example::

            for user in await client.users.search("ada", project_key="space"):
                print(user.user_key, user.display_name)
        """
        body: dict[str, Any] = {"query": require_text(query, "query")}
        if project_key is not None:
            body["project_key"] = require_text(project_key, "project_key")
        resp = await self._call(_SEARCH, json=body)
        return structure_list(resp.data or [], User)
