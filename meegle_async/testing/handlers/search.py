"""Full-text and view-model search endpoints of the fake.

* ``compositive_search``: work items whose name or description contains the query
  (case-insensitive), or views whose name does; the best 200 (by id here), 50 a page by default.
* ``universal_search``: the conditions of ``search/params`` on one space and type; items in id
  order; ``search_after`` is the last id of the page before (``""`` after the last page); the
  items go out as a JSON *string* in ``data``, as the official SDK types it.
* ``integrate_search``: several ``data_sources``; ``query.filter`` is a view-model filter
  (``conjunction``, ``conditions`` of ``field_item.field_key``, ``operator`` and a JSON-encoded
  ``original_value``, nested ``groups``) checked like the search/params conditions; paging as
  ``universal_search``, from ``query.pagination``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .. import rules
from ..context import Ctx, Paged
from ..discovery import DiscoveryHandlers
from ..rules import JSON, fail
from ..store import WorkItem
from . import handles
from .resources import ResourceHandlers
from .views import ViewHandlers, view_state

QUERY_LENGTH_ERROR = 20080
QUERY_TYPE_ERROR = 20081
RESULT_CAP = 200
PAGE_DEFAULT = 50
PAGE_MAX = 200
FIELDS_MAX = 20


class SearchHandlers(ResourceHandlers, ViewHandlers):
    """compositive_search, universal_search, integrate_search."""

    def _search_items(self, project_keys: set[str], type_keys: set[str] | None) -> list[WorkItem]:
        return sorted(
            (
                i
                for i in self.store.items.values()
                if i.project_key in project_keys
                and (type_keys is None or i.type_key in type_keys)
                and not i.deleted
                and not i.is_resource
            ),
            key=lambda i: i.id,
        )

    @handles("compositive_search")
    def h_compositive(self, ctx: Ctx) -> Any:
        body = rules.body_dict(ctx.body)
        query = body.get("query")
        if not isinstance(query, str) or not 0 < len(query) <= 200:
            fail(QUERY_LENGTH_ERROR, "Query length must be larger than 0 and <= 200")
        kind = body.get("query_type")
        if kind not in ("workitem", "view"):
            fail(QUERY_TYPE_ERROR, "query type is not supported")
        keys = [self.store.space(k).project_key for k in body.get("project_keys") or []]
        keys += [self.store.space(k).project_key for k in body.get("simple_names") or []]
        if not keys:
            fail(rules.MISSING_PARAM, "project_keys")
        needle = query.lower()
        hits: list[JSON] = []
        if kind == "workitem":
            sub = body.get("query_sub_type")
            types = set(sub) if isinstance(sub, list) and sub else None
            for item in self._search_items(set(keys), types):
                found = [
                    key
                    for key, text in (
                        ("name", item.name),
                        ("description", str(item.values.get("description") or "")),
                    )
                    if needle in text.lower()
                ]
                if found:
                    hits.append(
                        {
                            "ID": str(item.id),
                            "name": item.name,
                            "WorkItemTypeKey": item.type_key,
                            "ProjectKey": item.project_key,
                            "CreatedBy": item.created_by,
                            "CreatedAt": item.created_at,
                            "SearchHit": found,
                        }
                    )
        else:
            for key in keys:
                self._views(self.store.space(key), ctx.actor.operator)
            for view in view_state(self.store).views.values():
                if view.project_key in keys and needle in view.name.lower():
                    hits.append(
                        {
                            "ID": view.view_id,
                            "name": view.name,
                            "WorkItemTypeKey": view.type_key,
                            "ProjectKey": view.project_key,
                            "CreatedBy": view.created_by,
                            "CreatedAt": view.created_at,
                            "SearchHit": ["name"],
                            "ViewScopeKey": "project",
                        }
                    )
        hits = hits[:RESULT_CAP]
        num = rules.to_int(rules.opt_number(body, "page_num", 1), "page_num")
        size = min(
            rules.to_int(rules.opt_number(body, "page_size", PAGE_DEFAULT), "page_size"), RESULT_CAP
        )
        if num < 1 or size < 1:
            fail(rules.INVALID_PARAM, "page_num and page_size start at 1")
        page = hits[(num - 1) * size : num * size]
        return Paged(page, {"page_num": num, "page_size": size, "total": len(hits)})

    def _cursor_page(self, items: list[WorkItem], paging: Any, selected: list[str]) -> Paged:
        paging = paging if isinstance(paging, dict) else {}
        size = min(rules.to_int(paging.get("page_size", PAGE_DEFAULT), "page_size"), PAGE_MAX)
        if size < 1:
            fail(rules.INVALID_PARAM, "page_size starts at 1")
        after = paging.get("search_after") or ""
        after_id = rules.to_int(after, "search_after") if after else 0
        rest = [i for i in items if i.id > after_id]
        page = rest[:size]
        more = len(rest) > size
        data = json.dumps([self._resource_search_view(i, selected) for i in page])
        return Paged(
            data,
            {
                "page_size": size,
                "total": len(items),
                "search_after": str(page[-1].id) if more and page else "",
            },
        )

    @staticmethod
    def _selected(body: JSON) -> list[str]:
        selected = body.get("field_selected") or []
        if not isinstance(selected, list) or not all(isinstance(k, str) for k in selected):
            fail(rules.INVALID_PARAM, "field_selected must be a list of field keys")
        if len(selected) > FIELDS_MAX:
            fail(rules.INVALID_PARAM, f"at most {FIELDS_MAX} fields")
        return selected

    @handles("universal_search")
    def h_universal(self, ctx: Ctx) -> Any:
        body = rules.body_dict(ctx.body)
        key, type_key = (
            rules.opt_str(body, "project_key"),
            rules.opt_str(body, "work_item_type_key"),
        )
        if not key or not type_key:
            fail(rules.MISSING_PARAM, "project_key and work_item_type_key")
        space = self.store.space(key)
        conf = self.store.type_conf(space, type_key)
        group = body.get("search_group")
        if not isinstance(group, dict):
            fail(rules.MISSING_PARAM, "search_group")
        counter = [0]
        matcher = DiscoveryHandlers(self.store, [])._group(group, counter)
        if counter[0] > 50:
            fail(rules.INVALID_PARAM, "at most 50 conditions")
        items = [i for i in self._search_items({space.project_key}, {conf.key}) if matcher(i)]
        return self._cursor_page(items, body.get("pagination"), self._selected(body))

    def _filter(self, node: Any) -> Callable[[WorkItem], bool]:
        """A view-model filter as a search/params condition tree, then its matcher."""

        def convert(f: Any) -> JSON:
            if not isinstance(f, dict):
                fail(rules.SEARCH_PARAM_VALUE_ERROR, "a filter must be an object")
            params = []
            for c in f.get("conditions") or []:
                item = c.get("field_item") if isinstance(c, dict) else None
                if not isinstance(item, dict):
                    fail(rules.SEARCH_PARAM_VALUE_ERROR, "a condition needs field_item")
                raw = c.get("original_value")
                try:
                    value = json.loads(raw) if isinstance(raw, str) else raw
                except ValueError:
                    value = raw
                params.append(
                    {
                        "param_key": item.get("field_key"),
                        "operator": c.get("operator"),
                        "value": value,
                    }
                )
            return {
                "conjunction": f.get("conjunction") or "AND",
                "search_params": params,
                "search_groups": [convert(g) for g in f.get("groups") or []],
            }

        if node is None:
            return lambda item: True
        return DiscoveryHandlers(self.store, [])._group(convert(node), [0])

    @handles("integrate_search")
    def h_integrate(self, ctx: Ctx) -> Any:
        body = rules.body_dict(ctx.body)
        sources = body.get("data_sources")
        if not isinstance(sources, list) or not sources:
            fail(rules.MISSING_PARAM, "data_sources")
        items: list[WorkItem] = []
        for source in sources:
            if not isinstance(source, dict):
                fail(rules.INVALID_PARAM, "data_sources entries must be objects")
            space = self.store.space(source.get("project_key"))
            conf = self.store.type_conf(space, source.get("work_item_type_keys"))
            items += self._search_items({space.project_key}, {conf.key})
        query = body.get("query")
        if not isinstance(query, dict):
            fail(rules.MISSING_PARAM, "query")
        matcher = self._filter(query.get("filter"))
        matched = sorted((i for i in items if matcher(i)), key=lambda i: i.id)
        return self._cursor_page(matched, query.get("pagination"), self._selected(body))
