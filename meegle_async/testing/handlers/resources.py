"""Resource library endpoints of the fake."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import rules
from ..context import Ctx, Paged
from ..rules import JSON, ApiError, fail
from ..store import (
    Space,
    TypeConf,
    WorkItem,
)
from . import handles
from ._base import MAX_FIELD_SELECTED, MAX_PAGE_SIZE, HandlerBase


class ResourceHandlers(HandlerBase):
    """Resource library endpoints of the fake."""

    def _resource_type(self, body: JSON) -> tuple[Space, TypeConf]:
        space = self.store.space(rules.req_str(body, "project_key"))
        conf = self.store.type_conf(space, rules.req_str(body, "work_item_type_key"))
        if not conf.resource_enabled:
            fail(rules.RESOURCE_NOT_ENABLED, conf.key)
        return space, conf

    @handles("get_work_item_resource_instance_detail")
    def h_resource_details(self, ctx: Ctx) -> Any:
        """get_work_item_resource_instance_detail: resource instances only, no null fields."""
        body = rules.body_dict(ctx.body)
        space, conf = self._resource_type(body)
        ids = rules.id_list(body, "work_item_ids", over_code=rules.RESOURCE_IDS_OVER_LIMIT)
        selection = rules.field_filter(body.get("fields"))
        out = []
        for wid in sorted(set(ids)):
            item = self.store.items.get(wid)
            if (
                item is not None
                and item.is_resource
                and item.type_key == conf.key
                and item.project_key == space.project_key
            ):
                out.append(self.store.resource_view(item, selection))
        if not out:
            fail(rules.WORK_ITEM_NOT_FOUND, "none of work_item_ids is a resource instance")
        return out

    @handles("update_work_item_resource_instance")
    def h_resource_update(self, ctx: Ctx) -> Any:
        """update_work_item_resource_instance: resource fields only, full overwrite."""
        body = rules.body_dict(ctx.body)
        try:
            space, conf = self._resource_type(body)
        except ApiError as err:
            if err.code == rules.PROJECT_KEY_WRONG:
                fail(rules.TYPE_NOT_FOUND, "project_key is wrong")
            raise
        wid = rules.to_int(body.get("work_item_id"), "work_item_id")
        item = self.store.items.get(wid)
        if (
            item is None
            or not item.is_resource
            or item.project_key != space.project_key
            or item.type_key != conf.key
        ):
            fail(rules.TYPE_NOT_FOUND, f"resource work item {wid} not found")
        fields = body.get("update_fields")
        if not isinstance(fields, list) or not all(
            isinstance(f, dict) and isinstance(f.get("field_key"), str) and "field_value" in f
            for f in fields
        ):
            fail(rules.RESOURCE_UPDATE_FIELD_INVALID, "update_fields")
        for f in fields:
            fconf = conf.field(f["field_key"])
            if fconf is not None and not fconf.resource:
                fail(rules.RESOURCE_NON_RESOURCE_FIELD, fconf.key)
        values = self._pairs(
            conf, fields, "update_fields", duplicate_code=rules.RESOURCE_DUPLICATE_FIELD
        )
        self._apply_values(item, conf, values, ctx.actor)
        return {}

    _SEARCH_PARAMS = frozenset(
        {"work_item_id", "created_at", "updated_at", "created_by", "updated_by", "project_key"}
    )
    _SEARCH_OPS = frozenset({"=", "!=", ">", ">=", "<", "<=", "HAS ANY OF", "HAS NONE OF"})

    def _search_matcher(self, group: Any) -> Callable[[WorkItem], bool]:
        if not isinstance(group, dict):
            fail(rules.SEARCH_PARAM_VALUE_ERROR, "search_group must be an object")
        conjunction = group.get("conjunction", "AND")
        if conjunction not in ("AND", "OR"):
            fail(rules.SEARCH_CONJUNCTION_ERROR, str(conjunction))
        tests: list[Callable[[WorkItem], bool]] = []
        for param in group.get("search_params") or []:
            if not isinstance(param, dict):
                fail(rules.SEARCH_PARAM_VALUE_ERROR, "a search param must be an object")
            tests.append(self._search_param(param))
        for sub in group.get("search_groups") or []:
            tests.append(self._search_matcher(sub))
        if not tests:
            return lambda item: True
        if conjunction == "AND":
            return lambda item: all(t(item) for t in tests)
        return lambda item: any(t(item) for t in tests)

    def _search_param(self, param: JSON) -> Callable[[WorkItem], bool]:
        key, op, value = param.get("param_key"), param.get("operator"), param.get("value")
        if key not in self._SEARCH_PARAMS:
            fail(rules.SEARCH_PARAM_NOT_SUPPORTED, str(key))
        if op not in self._SEARCH_OPS:
            fail(rules.SEARCH_OPERATOR_ERROR, str(op))
        assert isinstance(key, str)
        numeric = key in ("work_item_id", "created_at", "updated_at")
        listy = op in ("HAS ANY OF", "HAS NONE OF")
        values = value if isinstance(value, list) else [value]
        if listy and not isinstance(value, list):
            fail(rules.SEARCH_PARAM_VALUE_ERROR, f"{key}: {op} takes a list")
        if numeric:
            values = [rules.to_int(v, key, code=rules.SEARCH_PARAM_VALUE_ERROR) for v in values]
        elif not all(isinstance(v, str) for v in values):
            fail(rules.SEARCH_PARAM_VALUE_ERROR, f"{key} takes strings")
        if not values:
            fail(rules.SEARCH_PARAM_VALUE_ERROR, f"{key}: empty value")

        def get(item: WorkItem) -> Any:
            return item.id if key == "work_item_id" else getattr(item, key)

        v0 = values[0]
        compare: dict[str, Callable[[Any], bool]] = {
            "=": lambda x: x == v0,
            "!=": lambda x: x != v0,
            ">": lambda x: x > v0,
            ">=": lambda x: x >= v0,
            "<": lambda x: x < v0,
            "<=": lambda x: x <= v0,
            "HAS ANY OF": lambda x: x in values,
            "HAS NONE OF": lambda x: x not in values,
        }
        fn = compare[str(op)]
        if op in (">", ">=", "<", "<=") and not numeric:
            fail(rules.SEARCH_OPERATOR_ERROR, f"{op} is not supported for {key}")
        return lambda item: bool(fn(get(item)))

    @handles("search_work_item_resource_instances")
    def h_resource_search(self, ctx: Ctx) -> Any:
        """search_work_item_resource_instances: ``search_after`` paging, ``""`` at the end."""
        body = rules.body_dict(ctx.body)
        sources = body.get("data_sources")
        if not sources or not isinstance(sources, list):
            fail(rules.MISSING_PARAM, "data_sources")
        scope: set[tuple[str, str]] = set()
        for src in sources:
            if not isinstance(src, dict):
                fail(rules.INVALID_PARAM, "data_sources entries must be objects")
            space = self.store.spaces.get(src.get("project_key", "")) or self.store.spaces.get(
                self.store.simple_names.get(src.get("project_key", ""), "")
            )
            if space is None:
                fail(rules.TYPE_NOT_FOUND, f"project {src.get('project_key')} not found")
            type_keys = src.get("work_item_type_keys")
            keys = type_keys if isinstance(type_keys, list) else [type_keys]
            for tk in keys:
                conf = self.store.type_conf(space, tk)
                if not conf.resource_enabled:
                    fail(rules.RESOURCE_NOT_ENABLED, conf.key)
                scope.add((space.project_key, conf.key))
        if "search_group" not in body:
            fail(rules.MISSING_PARAM, "search_group")
        matcher = self._search_matcher(body["search_group"])
        selected = body.get("field_selected") or []
        if not isinstance(selected, list) or not all(isinstance(s, str) for s in selected):
            fail(rules.INVALID_PARAM, "field_selected must be a list of strings")
        if len(selected) > MAX_FIELD_SELECTED:
            fail(rules.INVALID_PARAM, f"field_selected allows at most {MAX_FIELD_SELECTED} fields")
        paging = body.get("pagination") or {}
        if not isinstance(paging, dict):
            fail(rules.INVALID_PARAM, "pagination must be an object")
        page_size = paging.get("page_size", 50)
        if not rules.is_int(page_size) or page_size < 1:
            fail(rules.SEARCH_PARAM_VALUE_ERROR, "page_size must be a positive integer")
        page_size = min(page_size, MAX_PAGE_SIZE)
        after = paging.get("search_after") or ""
        after_id = rules.to_int(after, "search_after") if after else 0
        features = body.get("features") or {}
        find_aborted = isinstance(features, dict) and str(features.get("FindAborted")).lower() in (
            "true",
            "1",
        )
        matched = sorted(
            (
                item
                for item in self.store.items.values()
                if item.is_resource
                and (item.project_key, item.type_key) in scope
                and (find_aborted or not item.aborted)
                and matcher(item)
            ),
            key=lambda i: i.id,
        )
        remaining = [i for i in matched if i.id > after_id]
        page = remaining[:page_size]
        more = len(remaining) > page_size
        return Paged(
            [self._resource_search_view(item, selected) for item in page],
            {
                "page_size": page_size,
                "search_after": str(page[-1].id) if more and page else "",
                "total": len(matched),
            },
        )

    def _resource_search_view(self, item: WorkItem, selected: list[str]) -> JSON:
        out: JSON = {"work_item_id": item.id}
        conf = self.store.spaces[item.project_key].types[item.type_key]
        fields = []
        for key in selected:
            if key in ("name", "work_item_type_key", "project_key", "created_at", "updated_at"):
                out[key] = item.name if key == "name" else getattr(item, key)
            elif key == "template_type":
                out[key] = item.type_key
            elif key in ("created_by", "updated_by"):
                out[key] = self.store.user_detail(getattr(item, key))
            elif key == "owner" and item.values.get("owner"):
                out[key] = self.store.user_detail(item.values["owner"])
            elif key == "role_owners":
                out[key] = [
                    {
                        "role": r["role"],
                        "role_key": r["role"],
                        "owners": [self.store.user_detail(u) for u in r["owners"]],
                    }
                    for r in item.values.get("role_owners") or []
                ]
            elif key == "template":
                out[key] = {"id": item.template_id}
            else:
                fconf = conf.field(key)
                if fconf is not None and item.values.get(fconf.key) is not None:
                    fields.append(self.store.field_pair(fconf, item.values[fconf.key]))
        if fields:
            out["fields"] = fields
        return out

    @handles("create_work_item_resource_repository")
    def h_resource_create(self, ctx: Ctx) -> Any:
        """create_work_item_resource_repository."""
        body = rules.body_dict(ctx.body)
        space, conf = self._resource_type(body)
        template_id = self._template(conf, body)
        values = self._pairs(conf, body.get("field_value_pairs"), "field_value_pairs")
        name = values.get("name") if isinstance(values.get("name"), str) else "Untitled"
        item = self._new_item(
            space,
            conf,
            name=str(name),
            actor=ctx.actor,
            template_id=template_id,
            values=values,
            is_resource=True,
        )
        return {"work_item_id": item.id}

    @handles("create_work_item_through_resources")
    def h_resource_instance(self, ctx: Ctx) -> Any:
        """create_work_item_through_resources: resource fields come from the resource."""
        space = self.store.space(ctx.match["project_key"])
        wid = rules.to_int(
            ctx.match["work_item_id"], "work_item_id", code=rules.WORK_ITEM_NOT_FOUND
        )
        source = self.store.items.get(wid)
        if source is None or not source.is_resource or source.project_key != space.project_key:
            fail(rules.WORK_ITEM_NOT_FOUND, f"resource work item {wid} not found")
        body = rules.body_dict(ctx.body)
        type_key = rules.req_str(body, "work_item_type_key")
        conf = self.store.type_conf(space, type_key)
        if conf.key != source.type_key:
            fail(rules.INVALID_PARAM, "work_item_type_key must be the resource's type")
        template_id = self._template(conf, body)
        try:
            values = self._pairs(conf, body.get("field_value_pairs"), "field_value_pairs")
        except ApiError as err:
            if err.code == rules.FIELD_CHECK_FAILED:
                raise ApiError(rules.INVALID_PARAM, err.msg) from None
            raise
        ignored = [k for k in values if conf.fields[k].resource]
        kept = {k: v for k, v in values.items() if k not in ignored}
        name = rules.opt_str(body, "name")
        if conf.fields["name"].resource or not name:
            if name and "name" not in ignored:
                ignored.append("name")
            name = source.name
        for key, value in source.values.items():
            if conf.fields.get(key) is not None and conf.fields[key].resource:
                kept[key] = value
        item = self._new_item(
            space, conf, name=name, actor=ctx.actor, template_id=template_id, values=kept
        )
        item.source_resource_id = source.id
        return {
            "work_item_id": item.id,
            "ignore_create_info": {"field_keys": ignored, "role_ids": []},
        }
