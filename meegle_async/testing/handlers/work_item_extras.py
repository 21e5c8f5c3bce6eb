"""Smaller work item endpoints of the fake: field options (50 a page, after
``first_option_key``), multi-signal values (kept on the item), group-chat invitations (app ids
that start with ``cli_`` join; others are reported as failed)."""

from __future__ import annotations

from typing import Any

from .. import rules
from ..context import Ctx
from ..rules import JSON, fail
from . import handles
from ._base import HandlerBase

OPTIONS_PAGE = 50


class WorkItemExtraHandlers(HandlerBase):
    """Field options, multi-signal, bot join chat."""

    @handles("query_work_item_field_options")
    def h_field_options(self, ctx: Ctx) -> Any:
        body = rules.body_dict(ctx.body)
        key, type_key = (
            rules.opt_str(body, "project_key"),
            rules.opt_str(body, "work_item_type_key"),
        )
        field_key = rules.opt_str(body, "field_key")
        if not key or not type_key or not field_key:
            fail(rules.MISSING_PARAM, "project_key, work_item_type_key and field_key")
        space = self.store.space(key)
        conf = self.store.type_conf(space, type_key)
        if body.get("work_item_id") is not None:
            self.store.item(space, conf.key, body["work_item_id"])
        fconf = conf.field(field_key)
        if fconf is None:
            fail(rules.FIELD_NOT_FOUND, field_key)
        options: list[JSON] = list(fconf.options or [])
        start = 0
        after = rules.opt_str(body, "first_option_key")
        if after:
            keys = [str(o.get("value")) for o in options]
            if after not in keys:
                fail(rules.INVALID_PARAM, f"first_option_key {after} is not an option")
            start = keys.index(after) + 1
        page = options[start : start + OPTIONS_PAGE]
        return {
            "field_key": fconf.key,
            "field_name": fconf.name,
            "field_type": fconf.type_key,
            "field_alias": fconf.alias,
            "level_mode": "single",
            "free_add": fconf.free_add == 1,
            "has_more": start + OPTIONS_PAGE < len(options),
            "options": page,
        }

    @handles("update_multi_signal")
    def h_multi_signal(self, ctx: Ctx) -> Any:
        space, conf = self._space_type(ctx)
        item = self.store.item(space, conf.key, ctx.match["work_item_id"])
        body = rules.body_dict(ctx.body)
        key = rules.opt_str(body, "field_key") or rules.opt_str(body, "field_alias")
        if not key:
            fail(rules.MISSING_PARAM, "field_key or field_alias")
        fconf = conf.field(key)
        if fconf is None:
            fail(rules.FIELD_NOT_FOUND, key)
        details = body.get("details")
        if not isinstance(details, list) or not details:
            fail(rules.MISSING_PARAM, "details")
        for i, detail in enumerate(details):
            if not isinstance(detail, dict) or not isinstance(detail.get("id"), str):
                fail(rules.INVALID_PARAM, f"details[{i}] needs an id")
        statuses = {str(d.get("status") or "") for d in details}
        overall = (
            "failed"
            if "failed" in statuses
            else ("passed" if statuses == {"passed"} else "running")
        )
        value = {"status": overall, "detail": [dict(d) for d in details]}
        item.values[fconf.key] = value
        return value

    @handles("invite_bot_join_chat")
    def h_bot_join_chat(self, ctx: Ctx) -> Any:
        space = self.store.space(ctx.match["project_key"])
        body = rules.body_dict(ctx.body)
        type_key = rules.opt_str(body, "work_item_type_key")
        if not type_key:
            fail(rules.MISSING_PARAM, "work_item_type_key")
        item = self.store.item(space, type_key, ctx.match["work_item_id"])
        apps = body.get("app_ids")
        if not isinstance(apps, list) or not apps or not all(isinstance(a, str) for a in apps):
            fail(rules.MISSING_PARAM, "app_ids must be a non-empty list of strings")
        return {
            "chat_id": f"oc_{item.id}",
            "success_members": [a for a in apps if a.startswith("cli_")],
            "failed_members": [a for a in apps if not a.startswith("cli_")],
        }
