"""Field settings endpoints of the fake."""

from __future__ import annotations

from typing import Any

from .. import rules
from ..context import Ctx
from ..rules import JSON, fail
from ..store import (
    OPTION_TYPES,
    SUPPORTED_CUSTOM_TYPES,
    FieldConf,
    TypeConf,
)
from . import handles
from ._base import HandlerBase


class FieldHandlers(HandlerBase):
    """Field settings endpoints of the fake."""

    @handles("get_field_information")
    def h_fields(self, ctx: Ctx) -> Any:
        """get_field_information: a type's fields, or the space's with their scopes."""
        space = self.store.space(ctx.match["project_key"])
        body = rules.body_dict(ctx.body)
        type_key = rules.opt_str(body, "work_item_type_key")
        if type_key:
            conf = space.types.get(type_key)
            if conf is None:
                fail(rules.DATA_NOT_FOUND, f"no work item type {type_key} in this space")
            return [self.store.simple_field_view(f, [conf.key]) for f in conf.fields.values()]
        merged: dict[str, tuple[FieldConf, list[str]]] = {}
        for conf in space.types.values():
            for f in conf.fields.values():
                merged.setdefault(f.key, (f, []))[1].append(conf.key)
        return [self.store.simple_field_view(f, scopes) for f, scopes in merged.values()]

    def _check_names(
        self, conf: TypeConf, body: JSON, current: FieldConf | None
    ) -> tuple[str | None, str | None]:
        name = rules.opt_str(body, "field_name")
        alias = rules.opt_str(body, "field_alias")
        if name is not None and len(name) > rules.MAX_NAME_LENGTH:
            fail(rules.FIELD_NAME_TOO_LONG)
        help_text = rules.opt_str(body, "help_description")
        if help_text is not None and len(help_text) > rules.MAX_NAME_LENGTH:
            fail(rules.FIELD_DESCRIPTION_TOO_LONG)
        for other in conf.fields.values():
            if other is current:
                continue
            if name and other.name == name:
                fail(rules.FIELD_NAME_USED, name)
            if alias and other.alias == alias:
                fail(rules.FIELD_ALIAS_REPEATED, alias)
        if body.get("field_value") is not None and body.get("team_option") is not None:
            fail(rules.INVALID_PARAM, "field_value and team_option are mutually exclusive")
        return name, alias

    def _new_options(self, raw: Any) -> list[JSON]:
        if isinstance(raw, dict):
            raw = raw.get("options")
        if not isinstance(raw, list):
            fail(rules.INVALID_PARAM, "field_value must list the options")
        out = []
        for opt in raw:
            if not isinstance(opt, dict) or not isinstance(opt.get("label"), str):
                fail(rules.INVALID_PARAM, "an option needs a label")
            option: JSON = {
                "label": opt["label"],
                "value": opt.get("value") or self.store.new_uuid("opt_"),
            }
            if opt.get("children"):
                option["children"] = self._new_options(opt["children"])
            out.append(option)
        return out

    @handles("create_custom_field")
    def h_field_create(self, ctx: Ctx) -> Any:
        """create_custom_field: returns the new field_key."""
        space, conf = self._space_type(ctx)
        body = rules.body_dict(ctx.body)
        rules.req_str(body, "field_name")
        type_key = rules.req_str(body, "field_type_key")
        if type_key not in SUPPORTED_CUSTOM_TYPES:
            fail(rules.FIELD_TYPE_NOT_SUPPORTED, type_key)
        name, alias = self._check_names(conf, body, None)
        options: list[JSON] = []
        if body.get("value_type") == 1:
            ref_type = self.store.type_conf(
                space, rules.req_str(body, "reference_work_item_type_key")
            )
            ref = ref_type.field(rules.req_str(body, "reference_field_key"))
            if ref is None:
                fail(rules.FIELD_NOT_FOUND, str(body["reference_field_key"]))
            options = ref.options
        elif body.get("field_value") is not None and type_key in OPTION_TYPES:
            options = self._new_options(body["field_value"])
        if len(options) > rules.MAX_OPTIONS:
            fail(rules.OPTION_COUNT_EXCEEDED, str(rules.MAX_OPTIONS))
        key = f"field_{self._rng.getrandbits(24):06x}"
        while any(key in t.fields for t in space.types.values()):
            key = f"field_{self._rng.getrandbits(24):06x}"
        conf.add_field(
            FieldConf(
                key,
                name or key,
                type_key,
                alias=alias or "",
                custom=True,
                help=rules.opt_str(body, "help_description") or "",
                free_add=1 if body.get("free_add") == 1 else 2,
                authorized_roles=rules.str_list(body, "authorized_roles") or [],
                options=options,
                default=body.get("default_value"),
            )
        )
        return key

    @handles("update_custom_field")
    def h_field_update(self, ctx: Ctx) -> Any:
        """update_custom_field: names, help, default, options (action 0 add, 1 modify, 2 delete)."""
        _, conf = self._space_type(ctx)
        body = rules.body_dict(ctx.body)
        key = rules.req_str(body, "field_key")
        target = conf.fields.get(key)
        parent = None
        if target is None:
            for f in conf.fields.values():
                if key in f.sub_by_key:
                    parent, target = f, f.sub_by_key[key]
        if target is None:
            fail(rules.FIELD_NOT_FOUND, key)
        if not target.custom:
            fail(rules.FIELD_TYPE_NOT_SUPPORTED, f"{key} is a system field")
        if target.compound:
            extra = set(body) - {"field_key", "field_name", "field_alias", "help_description"}
            if extra:
                fail(
                    rules.INVALID_PARAM,
                    f"a compound parent allows only name, alias, help: {sorted(extra)}",
                )
        name, alias = self._check_names(conf, body, target)
        if body.get("field_value") is not None:
            if target.type_key not in OPTION_TYPES:
                fail(rules.FIELD_TYPE_NOT_SUPPORTED, f"{key} has no options")
            options = [dict(o) for o in target.options]
            self._edit_options(target, options, body["field_value"])
            target.options = options
        if name:
            target.name = name
        if alias:
            if target.alias in conf.aliases and parent is None:
                del conf.aliases[target.alias]
            target.alias = alias
            if parent is None:
                conf.aliases[alias] = target.key
        help_text = rules.opt_str(body, "help_description")
        if help_text is not None:
            target.help = help_text
        if "default_value" in body:
            target.default = body["default_value"]
        if body.get("free_add") in (1, 2):
            target.free_add = body["free_add"]
        target.reindex()
        if parent is not None:
            parent.reindex()
        return {}

    def _edit_options(self, target: FieldConf, options: list[JSON], edits: Any) -> None:
        if not isinstance(edits, list):
            fail(rules.INVALID_PARAM, "field_value must be a list of option edits")

        def find(level: list[JSON], value: Any) -> tuple[list[JSON], int] | None:
            for i, o in enumerate(level):
                if o["value"] == value:
                    return level, i
                if o.get("children"):
                    o["children"] = [dict(c) for c in o["children"]]
                    hit = find(o["children"], value)
                    if hit:
                        return hit
            return None

        for edit in edits:
            if not isinstance(edit, dict) or edit.get("action") not in (0, 1, 2):
                fail(rules.INVALID_PARAM, "each option edit needs action 0, 1 or 2")
            action = edit["action"]
            if action == 0:
                if not isinstance(edit.get("label"), str):
                    fail(rules.INVALID_PARAM, "a new option needs a label")
                level = options
                if edit.get("parent_value"):
                    hit = find(options, edit["parent_value"])
                    if hit is None:
                        fail(rules.INVALID_PARAM, f"parent_value {edit['parent_value']} not found")
                    parent = hit[0][hit[1]]
                    parent["children"] = list(parent.get("children") or [])
                    level = parent["children"]
                level.append(
                    {
                        "label": edit["label"],
                        "value": edit.get("value") or self.store.new_uuid("opt_"),
                    }
                )
            else:
                hit = find(options, edit.get("value"))
                if hit is None:
                    fail(rules.INVALID_PARAM, f"option {edit.get('value')} not found")
                level, index = hit
                if action == 1:
                    level[index] = {
                        **level[index],
                        "label": edit.get("label", level[index]["label"]),
                    }
                else:
                    del level[index]
        count = 0
        stack = list(options)
        while stack:
            o = stack.pop()
            count += 1
            stack.extend(o.get("children") or [])
        if count > rules.MAX_OPTIONS:
            fail(rules.OPTION_COUNT_EXCEEDED, str(rules.MAX_OPTIONS))
