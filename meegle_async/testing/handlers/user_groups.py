"""User-group writes of the fake: custom groups kept with the space's other look-ups
(``workflow_state(store).user_groups``), so the members page reads what was written."""

from __future__ import annotations

import itertools
from typing import Any

from .. import rules
from ..context import Ctx
from ..rules import fail
from ..workflow_state import workflow_state
from . import handles
from ._base import HandlerBase

USER_GROUP_NOT_FOUND = 30001
_IDS = itertools.count(7564720960423660001)


class UserGroupHandlers(HandlerBase):
    """create_user_group, patch_user_group_members."""

    def _known_users(self, users: Any, name: str) -> list[str]:
        if not isinstance(users, list) or not all(isinstance(u, str) for u in users):
            fail(rules.INVALID_PARAM, f"{name} must be a list of user keys")
        unknown = [u for u in users if u not in self.store.users]
        if unknown:
            fail(rules.LOOKUP_USER_NOT_FOUND, f"users {unknown} do not exist")
        return list(users)

    @handles("create_user_group")
    def h_create_user_group(self, ctx: Ctx) -> Any:
        self.store.space(ctx.match["project_key"])
        body = rules.body_dict(ctx.body)
        name = rules.opt_str(body, "name")
        if not name:
            fail(rules.MISSING_PARAM, "name")
        groups = workflow_state(self.store).user_groups
        if any(g["name"] == name for g in groups):
            fail(rules.INVALID_PARAM, f"a user group named {name} exists")
        users = self._known_users(body.get("users") or [], "users")
        group = {"id": str(next(_IDS)), "name": name, "user_members": list(dict.fromkeys(users))}
        groups.append(group)
        return {"id": group["id"]}

    @handles("patch_user_group_members")
    def h_patch_user_group(self, ctx: Ctx) -> Any:
        self.store.space(ctx.match["project_key"])
        body = rules.body_dict(ctx.body)
        if body.get("user_group_type") != "CUSTOMIZE":
            fail(rules.INVALID_PARAM, "only CUSTOMIZE user groups can be changed")
        group_id = rules.opt_str(body, "user_group_id")
        group = next(
            (g for g in workflow_state(self.store).user_groups if g["id"] == group_id), None
        )
        if group is None:
            fail(USER_GROUP_NOT_FOUND, f"user group {group_id} does not exist")
        replace = body.get("replace_users")
        if replace is not None:
            group["user_members"] = list(dict.fromkeys(self._known_users(replace, "replace_users")))
            return None
        add = self._known_users(body.get("add_users") or [], "add_users")
        remove = set(self._known_users(body.get("delete_users") or [], "delete_users"))
        members = [u for u in group["user_members"] if u not in remove]
        group["user_members"] = list(dict.fromkeys(members + [u for u in add if u not in remove]))
        return None
