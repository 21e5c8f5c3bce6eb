"""What every handler group of the fake shares: the store and the common checks."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from .. import rules
from .. import seed as seeding
from ..context import Ctx
from ..rules import JSON, fail
from ..store import (
    Actor,
    Space,
    Store,
    TypeConf,
    WorkItem,
    now_ms,
    record_content,
)

MAX_SUBTASK_RESULTS = 5000
MAX_PAGE_SIZE = 200
MAX_FIELD_SELECTED = 20


class HandlerBase:
    """Base of the fake's handler groups (mixed into ``FakeMeegle``): the store, the RNG,
    and the checks several groups share."""

    store: Store
    _rng: random.Random

    def _space_type(self, ctx: Ctx, code: int = rules.TYPE_NOT_FOUND) -> tuple[Space, TypeConf]:
        space = self.store.space(ctx.match["project_key"])
        return space, self.store.type_conf(space, ctx.match["work_item_type_key"], code)

    def _pairs(
        self,
        conf: TypeConf,
        pairs: Any,
        name: str,
        *,
        allow_name: bool = True,
        duplicate_code: int = rules.DUPLICATE_FIELDS,
    ) -> dict[str, Any]:
        """Validate a FieldValuePair list completely before anything is applied."""
        checked = rules.check_pairs(pairs, name, duplicate_code=duplicate_code)
        values: dict[str, Any] = {}
        for pair in checked:
            key = str(pair.get("field_key") or pair.get("field_alias"))
            fconf = conf.field(key)
            if fconf is None:
                fail(rules.FIELD_NOT_FOUND, key)
            if fconf.key in values:
                fail(duplicate_code, fconf.key)
            if fconf.key == "template":
                fail(rules.INVALID_PARAM, "template_id must not appear in field_value_pairs")
            if fconf.key == "name" and not allow_name:
                fail(rules.DUPLICATE_FIELDS, "name is sent both as name and in field_value_pairs")
            if fconf.readonly:
                fail(rules.REQUEST_INTERCEPTED, f"{fconf.key} cannot be updated")
            value = self.store.normalize(fconf, pair.get("field_value"))
            if fconf.type_key == "role_owners" and value:
                self.store.check_roles(conf, value)
            values[fconf.key] = value
        return values

    def _apply_values(
        self, item: WorkItem, conf: TypeConf, values: Mapping[str, Any], actor: Actor
    ) -> None:
        contents = []
        module = "field_mod"
        for key, new in values.items():
            old = item.values.get(key)
            item.values[key] = new
            if key == "name":
                item.name = new if isinstance(new, str) else ""
            if key == "role_owners":
                module = "role_and_user_mod"
            contents.append(record_content("field", key, "field_value", old=old, new=new))
        item.updated_at = now_ms()
        item.updated_by = actor.operator
        if contents:
            self.store.record(item, "modify", module, contents, actor)

    def _template(self, conf: TypeConf, body: JSON) -> int | None:
        template_id = body.get("template_id")
        # The official SDK's v1 structs always send "template_id": 0: zero means absent.
        if template_id in (None, 0, "", "0") and not isinstance(template_id, bool):
            return None
        tid = rules.to_int(template_id, "template_id")
        if not any(t["id"] == tid for t in conf.templates):
            fail(rules.OPERATE_FAILED, f"template {tid} is invalid")
        return tid

    def _new_item(
        self,
        space: Space,
        conf: TypeConf,
        *,
        name: str,
        actor: Actor,
        template_id: int | None,
        values: Mapping[str, Any],
        is_resource: bool = False,
    ) -> WorkItem:
        item = seeding.new_work_item(
            self.store,
            space,
            conf,
            name=name,
            actor=actor.operator,
            created_at=now_ms(),
            template_id=template_id,
            is_resource=is_resource,
        )
        item.values.update(values)
        item.values["name"] = name
        if "owner" in conf.fields:
            item.values.setdefault("owner", actor.operator)
        self.store.record(
            item,
            "create",
            "work_item_mod",
            [record_content("work_item", str(item.id), "name", new=name)],
            actor,
            at=item.created_at,
        )
        return item

    @staticmethod
    def _live(item: WorkItem) -> None:
        if item.aborted:
            fail(rules.WORK_ITEM_TERMINATED, f"work item {item.id} is terminated")
