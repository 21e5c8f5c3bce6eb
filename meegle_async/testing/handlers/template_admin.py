"""Process configuration writes of the fake: templates, element templates, flow roles.

Templates and roles live in each type's ``TypeConf.templates`` / ``TypeConf.roles`` (what the
list and detail endpoints read), so a created one is listed and readable and a deleted one is
gone. Element templates live in a dict hung off the store.
"""

from __future__ import annotations

from typing import Any

from .. import rules
from ..context import Ctx
from ..rules import JSON, fail
from ..store import Space, TypeConf
from . import handles
from ._base import HandlerBase

#: "Role in use": a template node names the role.
ROLE_IN_USE = 20093
#: ``action`` of a template node or state conf that removes it (the fake's meaning).
ACTION_DELETE = 3

ROLE_KEYS = (
    "name",
    "is_owner",
    "auto_enter_group",
    "member_assign_mode",
    "members",
    "is_member_multi",
    "role_alias",
    "lock_scope",
)


def apply_template_changes(template: JSON, key: str, confs: list[JSON]) -> list[JSON]:
    """``confs`` (a template's ``workflow_confs`` or ``state_flow_confs`` as seeded) with the
    changes ``update_template_detail`` made: removed, changed, then added by state key."""
    changes: dict[str, JSON | None] = (template.get("changes") or {}).get(key) or {}
    out = []
    for conf in confs:
        if conf["state_key"] not in changes:
            out.append(conf)
        elif changes[conf["state_key"]] is not None:
            out.append({**conf, **(changes[conf["state_key"]] or {})})
    known = {c["state_key"] for c in confs}
    out += [dict(c) for k, c in changes.items() if c is not None and k not in known]
    return out


def _elements(store: Any) -> dict[tuple[str, str, str], list[JSON]]:
    found: dict[tuple[str, str, str], list[JSON]] | None = getattr(store, "_elements", None)
    if found is None:
        found = store._elements = {}
    return found


class TemplateAdminHandlers(HandlerBase):
    """Template, element template and flow role writes of the fake."""

    # ------------------------------------------------------------------ templates
    def _find_template(self, space: Space, template_id: Any) -> tuple[TypeConf, JSON]:
        tid = rules.to_int(template_id, "template_id")
        found = [(c, t) for c in space.types.values() for t in c.templates if t["id"] == tid]
        if not found:
            fail(rules.INVALID_PARAM, f"no template {tid}")
        return found[0]

    @staticmethod
    def _template_options(conf: TypeConf) -> None:
        field = conf.fields.get("template")
        if field is not None:
            field.options = [{"label": t["name"], "value": str(t["id"])} for t in conf.templates]
            field.reindex()

    def _next_template_id(self) -> int:
        ids = [
            int(t["id"])
            for s in self.store.spaces.values()
            for c in s.types.values()
            for t in c.templates
        ]
        return max([400000, *ids]) + 1

    @handles("create_template_detail")
    def h_template_create(self, ctx: Ctx) -> Any:
        """create_template_detail: a new template of the type (a copy with copy_template_id)."""
        body = rules.body_dict(ctx.body)
        space = self.store.space(rules.req_str(body, "project_key"))
        conf = self.store.type_conf(space, rules.req_str(body, "work_item_type_key"))
        name = rules.req_str(body, "template_name")
        if any(t["name"] == name for t in conf.templates):
            fail(rules.INVALID_PARAM, f"template name {name!r} is in use")
        template: JSON = {"id": self._next_template_id(), "name": name, "version": 1}
        if body.get("copy_template_id") is not None:
            source_conf, source = self._find_template(space, body["copy_template_id"])
            if source_conf is not conf:
                fail(rules.INVALID_PARAM, "copy_template_id is of another work item type")
            changes = source.get("changes")
            if changes:
                template["changes"] = {k: dict(v) for k, v in changes.items()}
        conf.templates.append(template)
        self._template_options(conf)
        return template["id"]

    @handles("update_template_detail")
    def h_template_update(self, ctx: Ctx) -> Any:
        """update_template_detail: node or state confs changed or added by state_key (action 3
        removes one), kept as the template's ``changes`` that its detail applies
        (``apply_template_changes``); the template's version goes up."""
        body = rules.body_dict(ctx.body)
        space = self.store.space(rules.req_str(body, "project_key"))
        if body.get("template_id") is None:
            fail(rules.MISSING_PARAM, "template_id")
        _, template = self._find_template(space, body["template_id"])
        updates: dict[str, list[JSON]] = {}
        for key in ("workflow_confs", "state_flow_confs"):
            confs = body.get(key)
            if confs is None:
                continue
            if not isinstance(confs, list) or not all(
                isinstance(c, dict) and isinstance(c.get("state_key"), str) for c in confs
            ):
                fail(rules.INVALID_PARAM, f"{key} must be a list of objects with a state_key")
            updates[key] = confs
        if not updates:
            fail(rules.MISSING_PARAM, "workflow_confs or state_flow_confs")
        changes = template.setdefault("changes", {})
        for key, confs in updates.items():
            current = changes.setdefault(key, {})
            for conf in confs:
                state_key = conf["state_key"]
                if conf.get("action") == ACTION_DELETE:
                    current[state_key] = None
                else:
                    settings = {k: v for k, v in conf.items() if k != "action"}
                    current[state_key] = {**(current.get(state_key) or {}), **settings}
        template["version"] = template.get("version", 1) + 1
        return None

    @handles("delete_template_detail")
    def h_template_delete(self, ctx: Ctx) -> Any:
        """delete_template_detail: the template is gone from its type."""
        space = self.store.space(ctx.match["project_key"])
        conf, template = self._find_template(space, ctx.match["template_id"])
        conf.templates.remove(template)
        self._template_options(conf)
        return None

    # ------------------------------------------------------------------ element templates
    def _element_list(self, body: JSON) -> tuple[str, list[JSON]]:
        space = self.store.space(rules.req_str(body, "project_key"))
        conf = self.store.type_conf(space, rules.req_str(body, "work_item_type_key"))
        kind = rules.req_str(body, "element_type")
        if kind not in ("node", "task"):
            fail(rules.INVALID_PARAM, "element_type must be node or task")
        return kind, _elements(self.store).setdefault((space.project_key, conf.key, kind), [])

    @handles("element_template_create")
    def h_element_create(self, ctx: Ctx) -> Any:
        """element_template_create: a node or task in the type's resource library."""
        body = rules.body_dict(ctx.body)
        kind, elements = self._element_list(body)
        element = body.get(f"{kind}_element")
        if not isinstance(element, dict):
            fail(rules.MISSING_PARAM, f"{kind}_element")
        name = rules.req_str(element, "name")
        key = rules.opt_str(element, "element_key") or self.store.new_uuid(f"{kind}_")
        if any(e["element_key"] == key for e in elements):
            fail(rules.INVALID_PARAM, f"element_key {key!r} is in use")
        elements.append({"element_key": key, "name": name})
        return {"element_key": key}

    @handles("element_template_query")
    def h_element_query(self, ctx: Ctx) -> Any:
        """element_template_query: one page (page_num from 1, page_size default 20)."""
        body = rules.body_dict(ctx.body)
        kind, elements = self._element_list(body)
        page_num = body.get("page_num", 1)
        page_size = body.get("page_size", 20)
        for name, value in (("page_num", page_num), ("page_size", page_size)):
            if not rules.is_int(value) or value < 1:
                fail(rules.INVALID_PARAM, f"{name} must be a positive integer")
        page = elements[(page_num - 1) * page_size : page_num * page_size]
        return {f"{kind}_elements": [dict(e) for e in page], "total": len(elements)}

    # ------------------------------------------------------------------ roles
    def _role(self, conf: TypeConf, body: JSON) -> JSON:
        role_id = rules.opt_str(body, "role_id")
        alias = rules.opt_str(body, "role_alias")
        if not role_id and not alias:
            fail(rules.MISSING_PARAM, "role_id or role_alias")
        found = [
            r
            for r in conf.roles
            if (r["id"] == role_id if role_id else r.get("role_alias") == alias)
        ]
        if not found:
            fail(rules.INVALID_PARAM, f"no role {role_id or alias!r}")
        return found[0]

    @handles("create_flow_role")
    def h_role_create(self, ctx: Ctx) -> Any:
        """create_flow_role: returns the new role's id."""
        _, conf = self._space_type(ctx)
        spec = rules.body_dict(ctx.body).get("role")
        if not isinstance(spec, dict):
            fail(rules.MISSING_PARAM, "role")
        name = rules.req_str(spec, "name")
        role_id = rules.opt_str(spec, "id") or self.store.new_uuid("role_")
        if role_id in conf.role_ids or any(r["name"] == name for r in conf.roles):
            fail(rules.INVALID_PARAM, f"role {role_id!r} or name {name!r} is in use")
        role: JSON = {"id": role_id, "members": []}
        role.update({k: spec[k] for k in ROLE_KEYS if k in spec})
        role.setdefault("deletable", True)
        conf.roles.append(role)
        conf.role_ids.add(role_id)
        return role_id

    @handles("update_flow_role")
    def h_role_update(self, ctx: Ctx) -> Any:
        """update_flow_role: the role named by role_id (else role_alias) takes the settings."""
        _, conf = self._space_type(ctx)
        body = rules.body_dict(ctx.body)
        role = self._role(conf, body)
        spec = body.get("role")
        if not isinstance(spec, dict):
            fail(rules.MISSING_PARAM, "role")
        name = spec.get("name")
        if name is not None and any(r["name"] == name and r is not role for r in conf.roles):
            fail(rules.INVALID_PARAM, f"role name {name!r} is in use")
        role.update({k: spec[k] for k in ROLE_KEYS if k in spec})
        return None

    @handles("delete_flow_role")
    def h_role_delete(self, ctx: Ctx) -> Any:
        """delete_flow_role: refused (20093) while a node of the type names the role."""
        _, conf = self._space_type(ctx)
        role = self._role(conf, rules.body_dict(ctx.body))
        if any(role["id"] in n.get("roles", []) for n in conf.nodes):
            fail(ROLE_IN_USE, f"role {role['id']} is used by template nodes")
        conf.roles.remove(role)
        conf.role_ids.discard(role["id"])
        return None
