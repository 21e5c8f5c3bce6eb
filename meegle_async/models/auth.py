"""Token grants. The tokens themselves never show in a repr (they are credentials)."""

from __future__ import annotations

import attrs

from .base import MeegleModel

__all__ = ["PluginTokenGrant", "UserTokenGrant"]


@attrs.define(frozen=True, kw_only=True, slots=True)
class PluginTokenGrant(MeegleModel):
    """A plugin token and its lifetime in seconds (``expire_time``)."""

    token: str = attrs.field(repr=False)
    expire_time: int | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class UserTokenGrant(MeegleModel):
    """A user token, its refresh token, their lifetimes (seconds) and, from a code exchange,
    the user (``user_key``) and tenant (``saas_tenant_key``)."""

    token: str = attrs.field(repr=False)
    expire_time: int | None = None
    refresh_token: str | None = attrs.field(default=None, repr=False)
    refresh_token_expire_time: int | None = None
    user_key: str | None = None
    saas_tenant_key: str | None = None
