"""View endpoints of the fake: fixed, conditional and panorama views, with state that behaves.

Each space gets three views the first time its views are read: a fixed view of its first 20
stories, a conditional view of every story ("All stories") and a panorama view of the stories
of every space. A fixed view lists the ids it holds (in the order they were added), a
conditional view what its search group matches now (the conditions of ``search/params``), a
panorama view its items across spaces; the fixed-view call refuses a panorama view (50006), as
the platform does. ``view_list`` pages at most 10 views (a larger ``page_size`` is capped),
``fix_view`` 200 ids, the panorama call 50 items.
"""

from __future__ import annotations

import itertools
import weakref
from dataclasses import dataclass, field
from typing import Any

from .. import rules
from ..context import Ctx, Paged
from ..discovery import DiscoveryHandlers
from ..rules import JSON, fail
from ..store import Space, Store, WorkItem, now_ms
from . import handles
from ._base import HandlerBase

VIEW_NOT_FOUND = 30004
VIEW_NOT_IN_PROJECT = 20012
WRONG_TYPE_IN_VIEW = 20010
FIX_VIEW_IDS_OVER_LIMIT = 1000053645
FIX_VIEW_MAX_IDS = 200
VIEW_LIST_MAX = 10
FIX_VIEW_PAGE_MAX = 200
PANORAMA_PAGE_MAX = 50
MAX_VIEW_RESULTS = 200_000
SEEDED_FIXED_SIZE = 20

# view_type as the platform numbers it: 1 conditional, 2 fixed, 3 panorama.
CONDITIONAL, FIXED, PANORAMA = 1, 2, 3


@dataclass
class FakeView:
    """One view: its kind, where it lives, and what it holds."""

    view_id: str
    kind: int
    project_key: str
    type_key: str
    name: str
    created_by: str
    created_at: int
    modified_by: str
    ids: list[int] = field(default_factory=list)
    search_group: JSON = field(default_factory=dict)
    cooperation_mode: int = 1
    collaborators: list[str] = field(default_factory=list)


@dataclass
class ViewState:
    """The views of one store, by id; spaces whose default views were made."""

    views: dict[str, FakeView] = field(default_factory=dict)
    seeded: set[str] = field(default_factory=set)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


_STATES: weakref.WeakKeyDictionary[Store, ViewState] = weakref.WeakKeyDictionary()


def view_state(store: Store) -> ViewState:
    """The views of ``store`` (created on first use)."""
    state = _STATES.get(store)
    if state is None:
        state = _STATES[store] = ViewState()
    return state


class ViewHandlers(HandlerBase):
    """Views: list, items of fixed/conditional and panorama views, create, update, delete."""

    # ------------------------------------------------------------------ state
    def _views(self, space: Space, actor_key: str) -> ViewState:
        state = view_state(self.store)
        if space.project_key not in state.seeded:
            state.seeded.add(space.project_key)
            stories = [i.id for i in self._items_of(space.project_key, "story")]
            now = now_ms()
            for kind, name, ids, group in (
                (FIXED, "Seeded fixed view", stories[:SEEDED_FIXED_SIZE], {}),
                (CONDITIONAL, "All stories", [], {"conjunction": "AND", "search_params": []}),
                (PANORAMA, "Stories of every space", [], {}),
            ):
                self._new_view(
                    state, space, "story", kind, name, actor_key, now, ids=ids, group=group
                )
        return state

    def _new_view(
        self,
        state: ViewState,
        space: Space,
        type_key: str,
        kind: int,
        name: str,
        actor_key: str,
        now: int,
        *,
        ids: list[int],
        group: JSON,
    ) -> FakeView:
        view = FakeView(
            view_id=f"view{next(state.ids):05d}{kind}",
            kind=kind,
            project_key=space.project_key,
            type_key=type_key,
            name=name,
            created_by=actor_key,
            created_at=now,
            modified_by=actor_key,
            ids=list(ids),
            search_group=group,
        )
        state.views[view.view_id] = view
        return view

    def _items_of(self, project_key: str | None, type_key: str) -> list[WorkItem]:
        return sorted(
            (
                i
                for i in self.store.items.values()
                if i.type_key == type_key
                and (project_key is None or i.project_key == project_key)
                and not i.deleted
                and not i.is_resource
            ),
            key=lambda i: i.id,
        )

    def _view(self, ctx: Ctx) -> tuple[Space, FakeView]:
        space = self.store.space(ctx.match["project_key"])
        view = self._views(space, ctx.actor.operator).views.get(ctx.match["view_id"])
        if view is None:
            fail(VIEW_NOT_FOUND, f"view {ctx.match['view_id']} does not exist")
        if view.project_key != space.project_key:
            fail(VIEW_NOT_IN_PROJECT, "the view is not in this space")
        return space, view

    def _contents(self, view: FakeView) -> list[WorkItem]:
        if view.kind == FIXED:
            return [
                self.store.items[i]
                for i in view.ids
                if i in self.store.items and not self.store.items[i].deleted
            ]
        if view.kind == PANORAMA:
            return self._items_of(None, view.type_key)
        matcher = DiscoveryHandlers(self.store, [])._group(view.search_group, [0])
        return [i for i in self._items_of(view.project_key, view.type_key) if matcher(i)]

    def _check_ids(self, space: Space, type_key: str, raw: Any, name: str) -> list[int]:
        if not isinstance(raw, list) or not raw:
            fail(rules.MISSING_PARAM, f"{name} must be a non-empty list")
        if len(raw) > FIX_VIEW_MAX_IDS:
            fail(FIX_VIEW_IDS_OVER_LIMIT, f"{len(raw)} ids, at most {FIX_VIEW_MAX_IDS}")
        ids = [rules.to_int(v, name) for v in raw]
        for wid in ids:
            item = self.store.items.get(wid)
            if item is None or item.deleted or item.project_key != space.project_key:
                fail(rules.WORK_ITEM_NOT_FOUND, f"work item {wid} does not exist")
            if item.type_key != type_key:
                fail(WRONG_TYPE_IN_VIEW, f"work item {wid} is not a {type_key}")
        return ids

    @staticmethod
    def _cooperation(view: FakeView, body: JSON) -> None:
        mode = rules.opt_number(body, "cooperation_mode")
        if mode is not None:
            if mode not in (1, 2, 3) or isinstance(mode, bool):
                fail(rules.INVALID_PARAM, "cooperation_mode must be 1, 2 or 3")
            view.cooperation_mode = mode
        users = body.get("cooperation_user_keys")
        if users is not None:
            if not isinstance(users, list) or not all(isinstance(u, str) for u in users):
                fail(rules.INVALID_PARAM, "cooperation_user_keys must be a list of strings")
            view.collaborators = list(users)

    @staticmethod
    def _page(body_or_query: Any, default: int, maximum: int) -> tuple[int, int]:
        num = rules.to_int(rules.opt_number(body_or_query, "page_num", 1), "page_num")
        size = rules.to_int(rules.opt_number(body_or_query, "page_size", default), "page_size")
        if num < 1 or size < 1:
            fail(rules.INVALID_PARAM, "page_num and page_size start at 1")
        return num, min(size, maximum)

    @staticmethod
    def _fix_view_json(view: FakeView, ids: list[int]) -> JSON:
        return {
            "view_id": view.view_id,
            "name": view.name,
            "created_by": view.created_by,
            "created_at": view.created_at,
            "modified_by": view.modified_by,
            "work_item_id_list": ids,
            "editable": view.kind != PANORAMA,
        }

    # --------------------------------------------------------------- handlers
    @handles("view_list")
    def h_view_list(self, ctx: Ctx) -> Any:
        space = self.store.space(ctx.match["project_key"])
        body = rules.body_dict(ctx.body)
        type_key = rules.opt_str(body, "work_item_type_key")
        if not type_key:
            fail(rules.MISSING_PARAM, "work_item_type_key")
        self.store.type_conf(space, type_key)
        views = [
            v
            for v in self._views(space, ctx.actor.operator).views.values()
            if v.project_key == space.project_key and v.type_key == type_key
        ]
        wanted = body.get("view_ids")
        name = rules.opt_str(body, "view_name")
        if wanted:
            views = [v for v in views if v.view_id in set(wanted)]
        elif name:
            views = [v for v in views if name.lower() in v.name.lower()]
        creator = rules.opt_str(body, "created_by")
        if creator:
            views = [v for v in views if v.created_by == creator]
        created = body.get("created_at")
        if isinstance(created, dict):
            start = rules.to_int(created.get("start", 0), "created_at.start")
            end = rules.to_int(created.get("end", 10**13), "created_at.end")
            views = [v for v in views if start <= v.created_at <= end]
        num, size = self._page(body, VIEW_LIST_MAX, VIEW_LIST_MAX)
        page = views[(num - 1) * size : num * size]
        quick = body.get("is_query_quick_filter") is True
        data = [
            {
                "view_id": v.view_id,
                "name": v.name,
                "view_url": f"https://project.example/{space.simple_name}/view/{v.view_id}",
                "view_type": v.kind,
                "auth": 1,
                "system_view": 2,
                "collaborators": list(v.collaborators),
                "created_at": v.created_at,
                "created_by": v.created_by,
                **({"quick_filters": []} if quick else {}),
            }
            for v in page
        ]
        return Paged(data, {"page_num": num, "page_size": size, "total": len(views)})

    @handles("work_item_list")
    def h_work_item_list(self, ctx: Ctx) -> Any:
        _, view = self._view(ctx)
        if view.kind == PANORAMA:
            fail(rules.OPERATE_FAILED, "Can not handle multiProjectView")
        items = self._contents(view)
        if len(items) > MAX_VIEW_RESULTS:
            fail(rules.OPERATE_FAILED, "Es searching too many docs")
        num, size = self._page(ctx.query, FIX_VIEW_PAGE_MAX, FIX_VIEW_PAGE_MAX)
        ids = [i.id for i in items[(num - 1) * size : num * size]]
        return Paged(
            self._fix_view_json(view, ids),
            {"page_num": num, "page_size": size, "total": len(items)},
        )

    @handles("query_work_item_details_by_view_id")
    def h_panorama_items(self, ctx: Ctx) -> Any:
        _, view = self._view(ctx)
        body = rules.body_dict(ctx.body)
        num, size = self._page(body, PANORAMA_PAGE_MAX, PANORAMA_PAGE_MAX)
        items = self._contents(view)
        expand = body.get("expand") if isinstance(body.get("expand"), dict) else None
        data = [
            self.store.work_item_view(i, None, expand) for i in items[(num - 1) * size : num * size]
        ]
        return Paged(data, {"page_num": num, "page_size": size, "total": len(items)})

    @handles("create_fix_view")
    def h_create_fix_view(self, ctx: Ctx) -> Any:
        space, conf = self._space_type(ctx)
        body = rules.body_dict(ctx.body)
        name = rules.opt_str(body, "name")
        if not name:
            fail(rules.MISSING_PARAM, "name")
        if "work_item_id_list" not in body:
            fail(rules.OPERATE_FAILED, "work_item_id_list is missing")
        ids = self._check_ids(space, conf.key, body["work_item_id_list"], "work_item_id_list")
        state = self._views(space, ctx.actor.operator)
        view = self._new_view(
            state,
            space,
            conf.key,
            FIXED,
            name,
            ctx.actor.operator,
            now_ms(),
            ids=list(dict.fromkeys(ids)),
            group={},
        )
        self._cooperation(view, body)
        return Paged(
            self._fix_view_json(view, view.ids),
            {"page_num": 1, "page_size": len(view.ids), "total": len(view.ids)},
        )

    @handles("update_fix_view")
    def h_update_fix_view(self, ctx: Ctx) -> Any:
        space, conf = self._space_type(ctx)
        _, view = self._view(ctx)
        if view.kind != FIXED:
            fail(rules.OPERATE_FAILED, "only a fixed view holds a list of work items")
        body = rules.body_dict(ctx.body)
        add, remove = body.get("add_work_item_ids"), body.get("remove_work_item_ids")
        if bool(add) == bool(remove):
            fail(rules.MISSING_PARAM, "can't both add and remove workitems (or neither)")
        if add:
            for wid in self._check_ids(space, conf.key, add, "add_work_item_ids"):
                if wid not in view.ids:
                    view.ids.append(wid)
        else:
            if not isinstance(remove, list):
                fail(rules.INVALID_PARAM, "remove_work_item_ids must be a list")
            if len(remove) > FIX_VIEW_MAX_IDS:
                fail(FIX_VIEW_IDS_OVER_LIMIT, f"{len(remove)} ids, at most {FIX_VIEW_MAX_IDS}")
            gone = {rules.to_int(v, "remove_work_item_ids") for v in remove}
            view.ids = [i for i in view.ids if i not in gone]
        self._cooperation(view, body)
        view.modified_by = ctx.actor.operator
        return Paged(
            self._fix_view_json(view, view.ids[:FIX_VIEW_PAGE_MAX]),
            {"page_num": 1, "page_size": FIX_VIEW_PAGE_MAX, "total": len(view.ids)},
        )

    @handles("delete_fix_view")
    def h_delete_view(self, ctx: Ctx) -> Any:
        _, view = self._view(ctx)
        del view_state(self.store).views[view.view_id]
        return None

    def _condition(self, ctx: Ctx) -> tuple[Space, str, JSON, JSON]:
        body = rules.body_dict(ctx.body)
        key = rules.opt_str(body, "project_key")
        if not key:
            fail(rules.MISSING_PARAM, "project_key")
        space = self.store.space(key)
        if key != space.project_key:
            fail(rules.OPERATE_FAILED, "project_key must be the space's key, not its simple name")
        type_key = rules.opt_str(body, "work_item_type_key")
        if not type_key:
            fail(rules.MISSING_PARAM, "work_item_type_key")
        self.store.type_conf(space, type_key)
        group = body.get("search_group")
        if not isinstance(group, dict):
            fail(rules.MISSING_PARAM, "search_group")
        # Checks the conditions now (unsupported keys and operators are refused).
        DiscoveryHandlers(self.store, [])._group(group, [0])
        return space, type_key, group, body

    @handles("create_condition_view")
    def h_create_condition_view(self, ctx: Ctx) -> Any:
        space, type_key, group, body = self._condition(ctx)
        name = rules.opt_str(body, "name")
        if not name:
            fail(rules.MISSING_PARAM, "name")
        state = self._views(space, ctx.actor.operator)
        view = self._new_view(
            state,
            space,
            type_key,
            CONDITIONAL,
            name,
            ctx.actor.operator,
            now_ms(),
            ids=[],
            group=group,
        )
        self._cooperation(view, body)
        return {"view_id": view.view_id}

    @handles("update_condition_view")
    def h_update_condition_view(self, ctx: Ctx) -> Any:
        space, type_key, group, body = self._condition(ctx)
        view_id = rules.opt_str(body, "view_id")
        view = self._views(space, ctx.actor.operator).views.get(view_id or "")
        if view is None or view.kind != CONDITIONAL or view.project_key != space.project_key:
            fail(VIEW_NOT_FOUND, f"conditional view {view_id} does not exist")
        view.search_group = group
        view.type_key = type_key
        name = rules.opt_str(body, "name")
        if name:
            view.name = name
        self._cooperation(view, body)
        view.modified_by = ctx.actor.operator
        return None

    @handles("query_space_ui_agg_fields")
    def h_agg_fields(self, ctx: Ctx) -> Any:
        body = rules.body_dict(ctx.body)
        key = rules.opt_str(body, "project_key")
        if not key:
            fail(rules.MISSING_PARAM, "project_key")
        space = self.store.space(key)
        seen: dict[str, JSON] = {}
        for conf in space.types.values():
            for f in conf.fields.values():
                seen.setdefault(
                    f.key,
                    {"key": f.key, "label": f.name, "type": f.type_key, "class": "field"},
                )
        return {"agg_resource_items": list(seen.values())}
