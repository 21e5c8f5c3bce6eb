"""Work item endpoints of the fake: read, write, abort, freeze, compound fields, batch
updates, the change log."""

from __future__ import annotations

from typing import Any

from .. import rules
from ..context import Ctx
from ..rules import JSON, fail
from ..store import (
    MULTI_TYPES,
    OPTION_TYPES,
    LogFilter,
    now_ms,
    record_content,
)
from . import handles
from ._base import MAX_PAGE_SIZE, HandlerBase


class WorkItemHandlers(HandlerBase):
    """Work item endpoints: read, write, abort, freeze, compound fields, batch updates, log."""

    @handles("get_work_item_creation_metadata")
    def h_meta(self, ctx: Ctx) -> Any:
        """get_work_item_creation_metadata."""
        _, conf = self._space_type(ctx)
        if conf.disabled:
            fail(rules.TYPE_DISABLED, conf.key)
        return [self.store.field_conf_view(f, conf) for f in conf.fields.values()]

    @handles("get_work_item_details")
    def h_details(self, ctx: Ctx) -> Any:
        """get_work_item_details: unknown or deleted ids are left out; none found → 30005."""
        space, conf = self._space_type(ctx)
        body = rules.body_dict(ctx.body)
        ids = rules.id_list(body, "work_item_ids", over_code=rules.DETAILS_OVER_LIMIT)
        selection = rules.field_filter(body.get("fields"))
        expand = body.get("expand") if isinstance(body.get("expand"), dict) else None
        found = []
        for wid in sorted(set(ids)):
            item = self.store.items.get(wid)
            if (
                item is not None
                and item.type_key == conf.key
                and item.project_key == space.project_key
            ):
                found.append(self.store.work_item_view(item, selection, expand))
        if not found:
            fail(rules.WORK_ITEM_NOT_FOUND, "none of work_item_ids exists")
        return found

    @handles("create_work_item")
    def h_create(self, ctx: Ctx) -> Any:
        """create_work_item: returns the new id."""
        space = self.store.space(ctx.match["project_key"])
        body = rules.body_dict(ctx.body)
        conf = self.store.type_conf(space, rules.req_str(body, "work_item_type_key"))
        if conf.disabled:
            fail(rules.TYPE_NOT_FOUND, f"{conf.key} is disabled")
        name = rules.opt_str(body, "name")
        template_id = self._template(conf, body)
        mode = body.get("required_mode", 0)
        if mode not in (0, 1):
            fail(rules.INVALID_PARAM, "required_mode must be 0 or 1")
        values = self._pairs(
            conf, body.get("field_value_pairs"), "field_value_pairs", allow_name=not name
        )
        if not name and isinstance(values.get("name"), str):
            name = values["name"]
        if mode == 1:
            missing = [
                f.key
                for f in conf.fields.values()
                if f.required
                and values.get(f.key) in (None, "", [])
                and not (f.key == "name" and name)
            ]
            if missing:
                fail(rules.REQUIRED_FIELDS_MISSING, ", ".join(missing))
        item = self._new_item(
            space,
            conf,
            name=name or "Untitled",
            actor=ctx.actor,
            template_id=template_id,
            values=values,
        )
        return item.id

    @handles("update_work_item")
    def h_update(self, ctx: Ctx) -> Any:
        """update_work_item."""
        space, conf = self._space_type(ctx)
        item = self.store.item(space, conf.key, ctx.match["work_item_id"])
        self._live(item)
        body = rules.body_dict(ctx.body)
        if not body.get("update_fields"):
            fail(rules.MISSING_PARAM, "update_fields")
        values = self._pairs(conf, body["update_fields"], "update_fields")
        self._apply_values(item, conf, values, ctx.actor)
        return {}

    @handles("delete_work_item")
    def h_delete(self, ctx: Ctx) -> Any:
        """delete_work_item (an unknown type here is 20003, as the spec says)."""
        space, conf = self._space_type(ctx, rules.WRONG_WORK_ITEM_TYPE_PARAM)
        item = self.store.item(space, conf.key, ctx.match["work_item_id"])
        self.store.record(
            item,
            "delete",
            "work_item_mod",
            [record_content("work_item", str(item.id), "deleted")],
            ctx.actor,
        )
        self.store.delete_item(item)
        return {}

    @handles("abort_or_resume_work_item")
    def h_abort(self, ctx: Ctx) -> Any:
        """abort_or_resume_work_item."""
        space, conf = self._space_type(ctx)
        item = self.store.item(space, conf.key, ctx.match["work_item_id"])
        body = rules.body_dict(ctx.body)
        is_aborted = body.get("is_aborted")
        if not isinstance(is_aborted, bool):
            fail(rules.MISSING_PARAM, "is_aborted")
        # The official SDK's v1 structs always send "reason_option": "": empty means absent.
        option = rules.opt_str(body, "reason_option") or None
        reason = rules.opt_str(body, "reason") or ""
        if is_aborted:
            if item.aborted:
                fail(rules.WORK_ITEM_TERMINATED, f"work item {item.id} is already aborted")
            allowed = ("cancel", "repeat", "test", "other")
        else:
            if not item.aborted:
                fail(rules.WORK_ITEM_ALREADY_RESTORED, f"work item {item.id} is not aborted")
            allowed = ("restart", "rollback", "test", "other")
        if option is not None and option not in allowed:
            fail(rules.INVALID_PARAM, f"reason_option must be one of {', '.join(allowed)}")
        if option == "other" and not reason:
            fail(rules.MISSING_PARAM, "reason is required when reason_option is other")
        item.aborted = is_aborted
        item.abort_reason = reason or (option or "")
        item.updated_at = now_ms()
        item.updated_by = ctx.actor.operator
        self.store.record(
            item,
            "terminate" if is_aborted else "restore",
            "work_item_mod",
            [record_content("work_item", str(item.id), "status", new=option or reason or "")],
            ctx.actor,
        )
        return {}

    @handles("batch_update_work_item_field")
    def h_batch_update(self, ctx: Ctx) -> Any:
        """batch_update_work_item_field: queues a task, applied ``batch_task_duration`` later."""
        body = rules.body_dict(ctx.body)
        space = self.store.space(rules.req_str(body, "project_key"))
        conf = self.store.type_conf(space, rules.req_str(body, "work_item_type_key"))
        ids = rules.id_list(body, "work_item_ids", over_code=rules.OPERATE_FAILED)
        mode = rules.req_str(body, "update_mode")
        if mode not in ("APPEND", "UPDATE", "REPLACE"):
            fail(rules.INVALID_PARAM, "update_mode must be APPEND, UPDATE or REPLACE")
        fconf = conf.field(rules.req_str(body, "field_key"))
        if fconf is None:
            fail(rules.FIELD_NOT_FOUND, str(body["field_key"]))
        if fconf.readonly:
            fail(rules.REQUEST_INTERCEPTED, f"{fconf.key} cannot be updated")
        if "after_field_value" not in body:
            fail(rules.MISSING_PARAM, "after_field_value")
        multi = fconf.type_key in MULTI_TYPES
        if mode == "APPEND" and not multi:
            fail(rules.INVALID_PARAM, f"APPEND does not support {fconf.type_key} fields")
        if mode == "REPLACE":
            if fconf.type_key not in OPTION_TYPES | MULTI_TYPES | {"user", "role_owners"}:
                fail(rules.INVALID_PARAM, f"REPLACE does not support {fconf.type_key} fields")
            if body.get("before_field_value") is None:
                fail(rules.MISSING_PARAM, "before_field_value is required for REPLACE")

        def norm(value: Any) -> Any:
            if value is None or value == "" or value == []:
                return None if not multi else []
            if multi and not isinstance(value, list):
                value = [value]
            return self.store.normalize(fconf, value)

        after = norm(body["after_field_value"])
        before = norm(body.get("before_field_value"))
        if fconf.type_key == "role_owners" and after:
            self.store.check_roles(conf, after)
        for wid in ids:
            item = self.store.items.get(wid)
            if item is None or item.project_key != space.project_key or item.type_key != conf.key:
                fail(rules.WORK_ITEM_NOT_FOUND, str(wid))
        task = self.store.new_batch_task(
            project_key=space.project_key,
            type_key=conf.key,
            ids=list(dict.fromkeys(ids)),
            field_key=fconf.key,
            mode=mode,
            before=before,
            after=after,
            actor=ctx.actor,
        )
        return {"task_id": task.task_id}

    @handles("get_batch_update_progress")
    def h_progress(self, ctx: Ctx) -> Any:
        """get_batch_update_progress (``?task_id=``)."""
        task_id = ctx.query.get("task_id")
        if not task_id:
            fail(rules.MISSING_PARAM, "task_id")
        return self.store.batch_progress(task_id)

    @handles("freeze_or_unfreeze_work_item")
    def h_freeze(self, ctx: Ctx) -> Any:
        """freeze_or_unfreeze_work_item."""
        body = rules.body_dict(ctx.body)
        space = self.store.space(rules.req_str(body, "project_key"))
        if "work_item_id" not in body:
            fail(rules.MISSING_PARAM, "work_item_id")
        item = self.store.item(space, None, body["work_item_id"])
        frozen = body.get("is_frozen")
        if not isinstance(frozen, bool):
            fail(rules.MISSING_PARAM, "is_frozen")
        old, item.frozen = item.frozen, frozen
        item.updated_at = now_ms()
        self.store.record(
            item,
            "modify",
            "work_item_mod",
            [record_content("work_item", str(item.id), "is_frozen", old=old, new=frozen)],
            ctx.actor,
        )
        return {}

    @handles("update_compound_field")
    def h_compound(self, ctx: Ctx) -> Any:
        """update_compound_field: add / update / delete a group of a compound field."""
        body = rules.body_dict(ctx.body)
        space = self.store.space(rules.req_str(body, "project_key"))
        if body.get("work_item_id") is None:
            fail(rules.MISSING_PARAM, "work_item_id")
        wid = rules.to_int(body["work_item_id"], "work_item_id")
        item = self.store.items.get(wid)
        if item is None:
            fail(rules.COMPOUND_WORK_ITEM_NOT_FOUND, str(wid))
        if item.project_key != space.project_key:
            fail(rules.COMPOUND_PROJECT_MISMATCH, str(wid))
        conf = space.types[item.type_key]
        key = rules.opt_str(body, "field_key")
        alias = rules.opt_str(body, "field_alias")
        if not key and not alias:
            fail(rules.MISSING_PARAM, "field_key or field_alias")
        fconf = conf.fields.get(key) if key else conf.field(alias or "")
        if fconf is None:
            fail(rules.COMPOUND_FIELD_NOT_FOUND, key or alias or "")
        if fconf.type_key != "compound_field":
            fail(rules.COMPOUND_PROJECT_MISMATCH, f"{fconf.key} is not a compound_field")
        action = body.get("action")
        if action not in ("add", "update", "delete"):
            fail(rules.INVALID_PARAM, "action must be add, update or delete")
        self._live(item)
        group_uuid = rules.opt_str(body, "group_uuid")
        groups: list[JSON] = list(item.values.get(fconf.key) or [])
        fields = body.get("fields")
        old = self.store.field_pair(fconf, groups)["field_value"]
        if action == "add":
            if group_uuid:
                fail(rules.INVALID_PARAM, "group_uuid must not be given for add")
            if not fields or not isinstance(fields, list):
                fail(rules.MISSING_PARAM, "fields")
            if all(isinstance(f, dict) for f in fields):
                fields = [fields]
            groups.extend(self.store.compound_group(fconf, g) for g in fields)
        else:
            if not group_uuid:
                fail(rules.MISSING_PARAM, "group_uuid is required for update and delete")
            index = next((i for i, g in enumerate(groups) if g["group_uuid"] == group_uuid), None)
            if index is None:
                fail(rules.INVALID_PARAM, f"group_uuid {group_uuid} not found")
            if action == "delete":
                del groups[index]
            else:
                if not fields or not isinstance(fields, list):
                    fail(rules.MISSING_PARAM, "fields")
                group = fields[0] if isinstance(fields[0], list) else fields
                new = self.store.compound_group(fconf, group, group_uuid)
                groups[index] = {
                    "group_uuid": group_uuid,
                    "values": {**groups[index]["values"], **new["values"]},
                }
        item.values[fconf.key] = groups
        item.updated_at = now_ms()
        item.updated_by = ctx.actor.operator
        self.store.record(
            item,
            "modify",
            "field_mod",
            [
                record_content(
                    "field",
                    fconf.key,
                    "field_value",
                    old=old,
                    new=self.store.field_pair(fconf, groups)["field_value"],
                )
            ],
            ctx.actor,
        )
        return {}

    @handles("get_work_item_change_log")
    def h_change_log(self, ctx: Ctx) -> Any:
        """get_work_item_change_log: one page, cursor ``start_from`` while ``has_more``."""
        body = rules.body_dict(ctx.body)
        space = self.store.space(rules.req_str(body, "project_key"))
        ids = rules.id_list(body, "work_item_ids", over_code=rules.INVALID_PARAM)
        start, end = body.get("start"), body.get("end")
        if (start is None) != (end is None):
            fail(rules.MISSING_PARAM, "start and end must be given together")
        if start is not None:
            if not rules.is_int(start) or not rules.is_int(end):
                fail(rules.INVALID_TIME_INTERVAL, "start and end must be ms timestamps")
            if end < start or end - start > rules.SEVEN_DAYS_MS:
                fail(rules.INVALID_TIME_INTERVAL, "the range must be at most 7 days")
        page_size = body.get("page_size", 50)
        if not rules.is_int(page_size) or not 1 <= page_size <= MAX_PAGE_SIZE:
            fail(rules.INVALID_PARAM, f"page_size must be within 1..{MAX_PAGE_SIZE}")

        def opt_set(name: str) -> frozenset[str] | None:
            values = rules.str_list(body, name)
            return frozenset(values) if values else None

        filt = LogFilter(
            operator=opt_set("operator"),
            operator_type=opt_set("operator_type"),
            source_type=opt_set("source_type"),
            source=opt_set("source"),
            operation_type=opt_set("operation_type"),
            module=opt_set("op_record_module"),
            start=start,
            end=end,
        )
        return self.store.change_log_page(
            space.project_key, ids, filt, rules.opt_str(body, "start_from"), page_size
        )
