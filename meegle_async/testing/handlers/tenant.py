"""Tenant administration endpoints of the fake.

The tenant holds an account per seeded user (``user_meego_key`` is the user key; status
``active``) and two departments, ``dep_root`` (everyone) and ``dep_eng`` under it (every other
user). Created accounts become users that ``user/query`` finds; a stopped account reads
``stopped``. A department with children cannot be deleted (50006); unknown accounts answer 30006,
unknown departments 30001.
"""

from __future__ import annotations

import itertools
import weakref
from dataclasses import dataclass, field
from typing import Any

from .. import rules
from ..context import Ctx
from ..rules import JSON, fail
from ..store import Store
from . import handles
from ._base import HandlerBase

TENANT_KEY = "tenant_fake_0001"


@dataclass
class TenantState:
    """Accounts and departments of the fake's tenant."""

    accounts: dict[str, JSON] = field(default_factory=dict)
    departments: dict[str, JSON] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


_STATES: weakref.WeakKeyDictionary[Store, TenantState] = weakref.WeakKeyDictionary()


def tenant_state(store: Store) -> TenantState:
    """The tenant of ``store``, seeded from its users on first use."""
    state = _STATES.get(store)
    if state is None:
        state = _STATES[store] = TenantState()
        keys = sorted(store.users)
        for key in keys:
            user = store.users[key]
            state.accounts[key] = {
                "user_meego_key": key,
                "tenant_meego_key": TENANT_KEY,
                "name": {"default": user.get("name_en") or key},
                "login_platform_type": "lark",
                "status": "active",
                "departments": ["dep_root"] + (["dep_eng"] if keys.index(key) % 2 else []),
            }
        state.departments["dep_root"] = {"name": {"default": "Headquarters"}, "parent": None}
        state.departments["dep_eng"] = {"name": {"default": "Engineering"}, "parent": "dep_root"}
    return state


def _names(body: JSON) -> dict[str, str]:
    name = body.get("name")
    if (
        not isinstance(name, dict)
        or not name
        or not all(isinstance(v, str) and v for v in name.values())
    ):
        fail(rules.MISSING_PARAM, "name must be a non-empty map of language -> name")
    return dict(name)


class TenantHandlers(HandlerBase):
    """Accounts, departments, the tenant, tenant-plugin user look-ups."""

    def _account(self, body: JSON) -> JSON:
        key = rules.opt_str(body, "user_meego_key")
        account = tenant_state(self.store).accounts.get(key or "")
        if account is None:
            fail(rules.LOOKUP_USER_NOT_FOUND, f"account {key} does not exist")
        return account

    def _department_key(self, body: JSON, name: str = "department_meego_key") -> str:
        key = rules.opt_str(body, name)
        if not key or key not in tenant_state(self.store).departments:
            fail(rules.DATA_NOT_FOUND, f"department {key} does not exist")
        return key

    def _account_view(self, account: JSON) -> JSON:
        return {k: v for k, v in account.items() if k != "departments"}

    def _department_view(self, key: str, scopes: set[str]) -> JSON:
        state = tenant_state(self.store)
        dep = state.departments[key]
        out: JSON = {
            "department_meego_key": key,
            "name": dict(dep["name"]),
            "external_ids": {},
            "org_level": str(self._depth(key)),
        }

        def summary(k: str) -> JSON:
            return {"department_meego_key": k, "name": dict(state.departments[k]["name"])}

        if "parent" in scopes and dep["parent"]:
            out["parent"] = summary(dep["parent"])
        children = self._descendants(key)
        if "all_children" in scopes:
            out["all_children"] = [summary(k) for k in children]
        if "direct_employees" in scopes:
            out["direct_employees"] = [
                self._account_view(a) for a in state.accounts.values() if key in a["departments"]
            ]
        if "all_employees" in scopes:
            scope = {key, *children}
            out["all_employees"] = [
                self._account_view(a)
                for a in state.accounts.values()
                if scope & set(a["departments"])
            ]
        return out

    def _depth(self, key: str) -> int:
        deps = tenant_state(self.store).departments
        depth = 1
        while deps[key]["parent"]:
            key = deps[key]["parent"]
            depth += 1
        return depth

    def _descendants(self, key: str) -> list[str]:
        deps = tenant_state(self.store).departments
        out: list[str] = []
        frontier = [key]
        while frontier:
            parent = frontier.pop()
            kids = sorted(k for k, d in deps.items() if d["parent"] == parent)
            out += kids
            frontier += kids
        return out

    @handles("create_account")
    def h_create_account(self, ctx: Ctx) -> Any:
        body = rules.body_dict(ctx.body)
        names = _names(body)
        email = rules.opt_str(body, "email")
        if not (email or rules.opt_str(body, "mobile") or rules.opt_str(body, "out_user_id")):
            fail(rules.MISSING_PARAM, "email, mobile or out_user_id")
        state = tenant_state(self.store)
        departments = body.get("department_meego_keys") or []
        for dep in departments:
            if dep not in state.departments:
                fail(rules.DATA_NOT_FOUND, f"department {dep} does not exist")
        if email and any(u.get("email") == email for u in self.store.users.values()):
            fail(rules.INVALID_PARAM, f"an account with email {email} exists")
        key = f"71000000000000{next(state.ids):05d}"
        self.store.users[key] = {
            "user_key": key,
            "username": (email or key).split("@")[0],
            "email": email or "",
            "name_cn": names.get("zh_cn", names.get("default", "")),
            "name_en": names.get("en_us", names.get("default", "")),
        }
        state.accounts[key] = {
            "user_meego_key": key,
            "tenant_meego_key": TENANT_KEY,
            "name": names,
            "login_platform_type": rules.opt_str(body, "login_platform_type") or "lark",
            "status": "active",
            "avatar_url": rules.opt_str(body, "avatar_url") or "",
            "departments": list(departments),
        }
        return {"user_meego_key": key}

    @handles("update_account")
    def h_update_account(self, ctx: Ctx) -> Any:
        body = rules.body_dict(ctx.body)
        account = self._account(body)
        if body.get("name") is not None:
            account["name"] = _names(body)
        if body.get("avatar_url") is not None:
            account["avatar_url"] = rules.opt_str(body, "avatar_url")
        if body.get("department_meego_keys") is not None:
            deps = body["department_meego_keys"]
            for dep in deps:
                if dep not in tenant_state(self.store).departments:
                    fail(rules.DATA_NOT_FOUND, f"department {dep} does not exist")
            account["departments"] = list(deps)
        return None

    @handles("active_account")
    def h_activate_account(self, ctx: Ctx) -> Any:
        self._account(rules.body_dict(ctx.body))["status"] = "active"
        return None

    @handles("stop_account")
    def h_stop_account(self, ctx: Ctx) -> Any:
        self._account(rules.body_dict(ctx.body))["status"] = "stopped"
        return None

    @handles("create_department")
    def h_create_department(self, ctx: Ctx) -> Any:
        body = rules.body_dict(ctx.body)
        names = _names(body)
        parent = None
        if body.get("parent_department_meego_key") is not None:
            parent = self._department_key(body, "parent_department_meego_key")
        state = tenant_state(self.store)
        key = f"dep_{next(state.ids):04d}"
        state.departments[key] = {"name": names, "parent": parent}
        return {"department_meego_key": key}

    @handles("update_department")
    def h_update_department(self, ctx: Ctx) -> Any:
        body = rules.body_dict(ctx.body)
        key = self._department_key(body)
        dep = tenant_state(self.store).departments[key]
        if body.get("name") is not None:
            dep["name"] = _names(body)
        if body.get("parent_department_meego_key") is not None:
            parent = self._department_key(body, "parent_department_meego_key")
            if parent == key or parent in self._descendants(key):
                fail(rules.INVALID_PARAM, "a department cannot move under itself")
            dep["parent"] = parent
        return None

    @handles("delete_department")
    def h_delete_department(self, ctx: Ctx) -> Any:
        body = rules.body_dict(ctx.body)
        key = self._department_key(body)
        if self._descendants(key):
            fail(rules.OPERATE_FAILED, "the department has sub-departments")
        state = tenant_state(self.store)
        del state.departments[key]
        for account in state.accounts.values():
            if key in account["departments"]:
                account["departments"].remove(key)
        return None

    @handles("query_department")
    def h_query_department(self, ctx: Ctx) -> Any:
        body = rules.body_dict(ctx.body)
        key = self._department_key(body)
        return self._department_view(key, set(body.get("scopes") or []))

    @handles("query_tenant")
    def h_query_tenant(self, ctx: Ctx) -> Any:
        body = rules.body_dict(ctx.body)
        scopes = set(body.get("scopes") or [])
        state = tenant_state(self.store)
        out: JSON = {
            "tenant_meego_key": TENANT_KEY,
            "name": "Fake Tenant",
            "external_ids": {},
            "icon": "",
            "status": "active",
            "platform_type": "lark",
        }
        if "departments" in scopes:
            out["departments"] = [
                self._department_view(k, set()) for k in sorted(state.departments)
            ]
        if "accounts" in scopes:
            out["accounts"] = [self._account_view(a) for a in state.accounts.values()]
        return out

    @handles("query_users_for_tenant_plugin")
    def h_tp_users(self, ctx: Ctx) -> Any:
        body = rules.body_dict(ctx.body)
        keys = set(rules.str_list(body, "user_keys") or [])
        emails = set(rules.str_list(body, "emails") or [])
        outs = {
            str(o.get("out_user_id")) for o in body.get("out_users") or [] if isinstance(o, dict)
        }
        if not (keys or emails or outs):
            fail(rules.MISSING_PARAM, "user_keys, emails or out_users")
        state = tenant_state(self.store)
        found = []
        for key, user in self.store.users.items():
            if key in keys or user.get("email") in emails or f"ou_{key}" in outs:
                account = state.accounts.get(key, {})
                found.append(
                    {
                        **user,
                        "out_id": f"ou_{key}",
                        "status": account.get("status", "active"),
                        "name": account.get("name", {}),
                    }
                )
        return found
