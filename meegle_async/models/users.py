"""Users as ``users.query`` and ``users.search`` return them (the SDK's ``UserBasicInfo``).

``user_key`` is the id every other call takes; ``user_id`` is a different, numeric id.
"""

from __future__ import annotations

import attrs

from .base import MeegleModel

__all__ = ["OutUser", "User", "UserChannel", "UserDepartment"]


@attrs.define(frozen=True, kw_only=True, slots=True)
class OutUser(MeegleModel):
    """The user's account on the Lark/Feishu side."""

    out_user_id: str | None = None
    login_platform_type: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class UserDepartment(MeegleModel):
    """A department the user belongs to (``memberCount`` is camelCase on the wire)."""

    department_meego_key: str | None = None
    name: dict[str, str] | None = None
    external_ids: dict[str, str] | None = None
    memberCount: int | None = None
    org_level: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class UserChannel(MeegleModel):
    """A tenant the user is reachable in (older API versions)."""

    tenant_name: str | None = None
    tenant_group_id: int | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class User(MeegleModel):
    """A Meegle user: keys, names, email and, where the server sends them, departments.

    ``name`` holds localised names (``{"default": ..., "en_us": ..., "zh_cn": ...}``).
    ``user_key`` is always sent (an answer without it is a ``MeegleServerError``).

    Example::

        [me] = await client.users.query(user_keys=["7000000000000000001"])
        print(me.user_key, me.display_name, me.email)
    """

    user_id: int | None = None
    user_key: str
    username: str | None = None
    email: str | None = None
    name_cn: str | None = None
    name_en: str | None = None
    avatar_url: str | None = None
    out_id: str | None = None
    status: str | None = None
    name: dict[str, str] | None = None
    out_user: OutUser | None = None
    departments: list[UserDepartment] | None = None
    channels: list[UserChannel] | None = None

    @property
    def display_name(self) -> str | None:
        """The first name the server gave: ``name["default"]``, ``name_en``, ``name_cn``,
        ``username``."""
        default = (self.name or {}).get("default")
        return default or self.name_en or self.name_cn or self.username
