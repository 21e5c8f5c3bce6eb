"""Space look-up endpoints of the fake: teams, business lines, user groups, work item type
settings, flow roles and process templates (state in ``meegle_async/testing/workflow_state.py``).
"""

from __future__ import annotations

from typing import Any

from .. import rules
from .. import seed as seeding
from ..context import Ctx
from ..rules import JSON, fail
from ..store import Space, TypeConf
from ..workflow_state import workflow_state
from . import handles
from ._base import HandlerBase
from .template_admin import ROLE_KEYS, apply_template_changes

NO_ADMIN_PERMISSION = 10005
PAGE_SIZE_LIMIT = 20002
USER_GROUP_TYPE_UNSUPPORTED = 1000053008
USER_GROUP_NOT_FOUND = 1000053010
USER_GROUP_LIMIT = 1000053011
rules.MESSAGES.setdefault(NO_ADMIN_PERMISSION, "No project admin permission")
rules.MESSAGES.setdefault(PAGE_SIZE_LIMIT, "Page size limit")
rules.MESSAGES.setdefault(USER_GROUP_TYPE_UNSUPPORTED, "User group type not supported")
rules.MESSAGES.setdefault(USER_GROUP_NOT_FOUND, "User group not found")
rules.MESSAGES.setdefault(USER_GROUP_LIMIT, "User group limit")

_SETTING_FLAGS = ("is_pinned", "enable_schedule", "actual_work_time_switch")
_SETTING_FIELDS = ("schedule_field_key", "estimate_point_field_key", "actual_work_time_field_key")


class SpaceConfigHandlers(HandlerBase):
    """Space look-up endpoints of the fake."""

    def _type(self, ctx: Ctx) -> tuple[Space, TypeConf]:
        return self._space_type(ctx)

    @handles("list_project_team")
    def h_list_project_team(self, ctx: Ctx) -> Any:
        """list_project_team: every team of the space (the fake's teams fit one page)."""
        self.store.space(ctx.match["project_key"])
        return workflow_state(self.store).teams

    @handles("query_businesses")
    def h_query_businesses(self, ctx: Ctx) -> Any:
        """query_businesses: the business-line tree."""
        space = self.store.space(ctx.match["project_key"])
        return workflow_state(self.store).businesses(space.project_key)

    @handles("user_group_members_page")
    def h_user_group_members(self, ctx: Ctx) -> Any:
        """user_group_members_page: admins, all members, or custom groups, paged.

        The platform serves this to user tokens only; the fake serves any valid token, so that
        tests need not set up OAuth to read groups.
        """
        space = self.store.space(ctx.match["project_key"])
        body = rules.body_dict(ctx.body)
        kind = body.get("user_group_type")
        if kind in (None, ""):
            fail(rules.MISSING_PARAM, "user_group_type")
        ids = rules.str_list(body, "user_group_ids") or []
        if len(ids) > 50:
            fail(USER_GROUP_LIMIT, f"{len(ids)} user groups")
        page_num = body.get("page_num") or 1
        page_size = body.get("page_size") or 50
        if not rules.is_int(page_num) or page_num < 1 or not rules.is_int(page_size):
            fail(rules.INVALID_PARAM, "page_num and page_size must be positive integers")
        if page_size > 100:
            fail(PAGE_SIZE_LIMIT, "page_size is at most 100")
        users = sorted(self.store.users)
        if kind == "PROJECT_ADMIN":
            groups = [
                {
                    "id": "admin",
                    "name": f"{space.name} administrators",
                    "user_members": [seeding.DEFAULT_USER_KEY],
                }
            ]
        elif kind == "PROJECT_MEMBER":
            groups = [{"id": "member", "name": f"{space.name} members", "user_members": users}]
        elif kind == "CUSTOMIZE":
            groups = workflow_state(self.store).user_groups
            if ids:
                known = {g["id"] for g in groups}
                unknown = [i for i in ids if i not in known]
                if unknown:
                    fail(USER_GROUP_NOT_FOUND, ", ".join(unknown))
                groups = [g for g in groups if g["id"] in ids]
        else:
            fail(USER_GROUP_TYPE_UNSUPPORTED, str(kind))
        page = groups[(page_num - 1) * page_size : page_num * page_size]
        return {
            "list": [{**g, "user_count": len(g["user_members"])} for g in page],
            "pagination": {
                "page_num": page_num,
                "page_size": page_size,
                "has_more": page_num * page_size < len(groups),
            },
        }

    @handles("get_work_item_type_info_by_key")
    def h_get_type_info(self, ctx: Ctx) -> Any:
        """get_work_item_type_info_by_key: a type's settings."""
        space, conf = self._type(ctx)
        settings = workflow_state(self.store).settings(space.project_key, conf)
        roles = {r["id"]: r for r in conf.roles}

        def name_of(key: str) -> str:
            field = conf.fields.get(key)
            return field.name if field is not None else ""

        return {
            "type_key": conf.key,
            "name": conf.name,
            "flow_mode": conf.flow_mode,
            "api_name": conf.key,
            "description": settings["description"],
            "is_disabled": conf.disabled,
            "is_pinned": settings["is_pinned"],
            "enable_schedule": settings["enable_schedule"],
            **{k: settings[k] for k in _SETTING_FIELDS},
            **{k.replace("_key", "_name"): name_of(settings[k]) for k in _SETTING_FIELDS},
            "belong_roles": [
                {"id": k, "name": roles[k]["name"], "key": k}
                for k in settings["belong_role_keys"]
                if k in roles
            ],
            "actual_work_time_switch": settings["actual_work_time_switch"],
            "enable_model_resource_lib": conf.resource_enabled,
        }

    @handles("update_work_item_type_info")
    def h_update_type_info(self, ctx: Ctx) -> Any:
        """update_work_item_type_info: space administrators only (10005)."""
        space, conf = self._type(ctx)
        if ctx.actor.operator != seeding.DEFAULT_USER_KEY:
            fail(NO_ADMIN_PERMISSION)
        body = rules.body_dict(ctx.body)
        settings = workflow_state(self.store).settings(space.project_key, conf)
        updates: JSON = {}
        description = rules.opt_str(body, "description")
        if description is not None:
            updates["description"] = description
        for name in (*_SETTING_FLAGS, "is_disabled"):
            if body.get(name) is not None:
                if not isinstance(body[name], bool):
                    fail(rules.INVALID_PARAM, f"{name} must be a boolean")
                updates[name] = body[name]
        for name in _SETTING_FIELDS:
            key = rules.opt_str(body, name)
            if key:
                if key not in conf.fields:
                    fail(rules.FIELD_NOT_FOUND, key)
                updates[name] = key
        roles = rules.str_list(body, "belong_role_keys")
        if roles is not None:
            unknown = [r for r in roles if r not in conf.role_ids]
            if unknown:
                fail(rules.INVALID_PARAM, f"unknown roles {unknown}")
            updates["belong_role_keys"] = roles
        if "is_disabled" in updates:
            conf.disabled = updates.pop("is_disabled")
        settings.update(updates)
        return {}

    @handles("query_role_conf_details")
    def h_query_roles(self, ctx: Ctx) -> Any:
        """query_role_conf_details: the type's flow roles."""
        _, conf = self._type(ctx)
        return [
            {
                "id": r["id"],
                "name": r["name"],
                "is_owner": i == 0,
                "role_appear_mode": 1,
                "deletable": i != 0,
                "auto_enter_group": False,
                "member_assign_mode": 2 if r.get("members") else 1,
                "members": list(r.get("members", [])),
                "key": r["id"],
                "allow_delete": i != 0,
                "authorization_role_keys": [],
                "is_member_multi": True,
                "is_required": 2,
                "role_alias": r["id"],
                "lock_scope": [],
                # What create_flow_role / update_flow_role set wins over the defaults above.
                **{k: r[k] for k in ROLE_KEYS if k in r},
            }
            for i, r in enumerate(conf.roles)
        ]

    @handles("list_template_conf")
    def h_list_templates(self, ctx: Ctx) -> Any:
        """list_template_conf: template ids as strings, like the SDK's TemplateConf."""
        _, conf = self._type(ctx)
        return [
            {
                "template_id": str(t["id"]),
                "template_name": t["name"],
                "is_disabled": 0,
                "version": t.get("version", 1),
                "unique_key": f"tpl_{t['id']}",
                "template_key": f"{conf.key}_template_{t['id']}",
            }
            for t in conf.templates
        ]

    @handles("query_template_detail")
    def h_template_detail(self, ctx: Ctx) -> Any:
        """query_template_detail: 50006 for an unknown id, 30001 for another space's."""
        space = self.store.space(ctx.match["project_key"])
        tid = rules.to_int(ctx.match["template_id"], "template_id")
        found = [
            (s, c, t)
            for s in self.store.spaces.values()
            for c in s.types.values()
            for t in c.templates
            if t["id"] == tid
        ]
        if not found:
            fail(rules.OPERATE_FAILED, f"template {tid} not found")
        mine = [f for f in found if f[0] is space]
        if not mine:
            fail(rules.DATA_NOT_FOUND, f"template {tid} is not in {space.project_key}")
        _, conf, template = mine[0]
        state = workflow_state(self.store)
        workflow_confs = [
            {
                "state_key": n["state_key"],
                "name": n["name"],
                "tags": [],
                "owner_usage_mode": n.get("owner_usage_mode", 1),
                "owner_roles": list(n.get("roles", [])),
                "owners": [],
                "need_schedule": True,
                "different_schedule": False,
                "pass_mode": 1,
                "is_limit_node": False,
                "done_operation_role": [],
                "pre_node_state_key": [conf.nodes[i - 1]["state_key"]] if i else [],
                "completion_tips": "",
                "is_milestone": False,
                "fields": [{"field_key": k} for k in state.required(conf, n["state_key"])],
            }
            for i, n in enumerate(conf.nodes)
        ]
        state_flow_confs = (
            [
                {"state_key": k, "name": name, "state_type": kind, "authorized_roles": []}
                for k, name, kind in state.states()
            ]
            if state.is_state_flow(conf)
            else []
        )
        return {
            "workflow_confs": apply_template_changes(template, "workflow_confs", workflow_confs),
            "state_flow_confs": apply_template_changes(
                template, "state_flow_confs", state_flow_confs
            ),
            "connections": state.connections(conf),
            "template_id": tid,
            "template_name": template["name"],
            "version": template.get("version", 1),
            "is_disabled": 0,
            "work_item_type_key": conf.key,
        }
