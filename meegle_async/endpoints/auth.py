"""``client.auth``: the token endpoints as calls of their own — a fresh plugin token, a user
token from an OAuth authorization code, a user token from a refresh token.

The client fetches and renews its own tokens without these; they are for a plugin's OAuth flow
(``exchange_code``, then ``MeegleClient.for_user``) and for tools that hand tokens on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

from ..errors import MeegleAuthenticationError, MeegleValidationError
from ..models.auth import PluginTokenGrant, UserTokenGrant
from ..models.base import structure
from ._checks import require_text

__all__ = ["Auth", "TokenAccess"]

G = TypeVar("G", PluginTokenGrant, UserTokenGrant)


class TokenAccess(Protocol):
    """What ``Auth`` needs of the client: the token fetcher and the plugin's credentials."""

    async def fetch(
        self, path: str, body: Mapping[str, Any], headers: Mapping[str, str]
    ) -> Mapping[str, Any]:
        """POST to a token endpoint; its ``data``, or a ``MeegleAuthenticationError``."""
        ...

    def plugin_credentials(self) -> tuple[str, str] | None:
        """``(plugin_id, plugin_secret)``, or ``None`` when the client has none."""
        ...

    async def plugin_token(self) -> str:
        """A valid plugin token (for the user-token calls' ``X-Plugin-Token``)."""
        ...


class Auth:
    """Token calls: ``get_plugin_token``, ``exchange_code``, ``refresh_user_token``."""

    def __init__(self, access: TokenAccess) -> None:
        self._access = access

    def _path(self, name: str) -> str:
        from ..catalogue import ENDPOINTS

        return ENDPOINTS[name].path

    async def get_plugin_token(self, *, virtual: bool = False) -> PluginTokenGrant:
        """A new plugin token from the client's ``plugin_id`` and ``plugin_secret``.

        POST /open_api/authen/plugin_token (``type`` 1 for a virtual token)

        Raises:
            MeegleValidationError: the client has no plugin credentials.
            MeegleAuthenticationError: the platform refused them.
        """
        credentials = self._access.plugin_credentials()
        if credentials is None:
            raise MeegleValidationError(
                "get_plugin_token needs a client with plugin_id and plugin_secret"
            )
        if not isinstance(virtual, bool):
            raise MeegleValidationError("virtual must be True or False")
        plugin_id, secret = credentials
        data = await self._access.fetch(
            self._path("plugin_token"),
            {"plugin_id": plugin_id, "plugin_secret": secret, "type": 1 if virtual else 0},
            {},
        )
        return self._grant(data, PluginTokenGrant, "plugin_token")

    async def exchange_code(self, code: str) -> UserTokenGrant:
        """A user token for an OAuth authorization ``code`` (the user who authorised the
        plugin), with its refresh token, ``user_key`` and tenant.

        POST /open_api/authen/user_plugin_token (``grant_type: authorization_code``), sent with
        the client's plugin token.

        Example::

            grant = await client.auth.exchange_code(code)
            async with client.for_user(grant) as as_user:
                print(await as_user.spaces.list())
        """
        body = {"code": require_text(code, "code"), "grant_type": "authorization_code"}
        data = await self._access.fetch(
            self._path("user_plugin_token"),
            body,
            {"X-Plugin-Token": await self._access.plugin_token()},
        )
        return self._grant(data, UserTokenGrant, "user_plugin_token")

    async def refresh_user_token(self, refresh_token: str) -> UserTokenGrant:
        """A new user token (and refresh token) for a ``refresh_token``.

        POST /open_api/authen/refresh_token (``type: 1``), sent with the client's plugin token.
        """
        body = {"refresh_token": require_text(refresh_token, "refresh_token"), "type": 1}
        data = await self._access.fetch(
            self._path("refresh_token"),
            body,
            {"X-Plugin-Token": await self._access.plugin_token()},
        )
        return self._grant(data, UserTokenGrant, "refresh_token")

    @staticmethod
    def _grant(data: Mapping[str, Any], cls: type[G], endpoint: str) -> G:
        token = data.get("token")
        if not isinstance(token, str) or not token:
            raise MeegleAuthenticationError(
                "the token endpoint answered without a token", endpoint=endpoint
            )
        return structure(dict(data), cls)
