"""Relation endpoints of the fake: relation definitions, space association, story relations and
the search by relation field."""

from __future__ import annotations

from typing import Any

from .. import rules
from ..context import Ctx, Paged
from ..relations_state import relation_state
from ..rules import JSON, fail
from ..store import Space, WorkItem
from . import handles
from ._base import HandlerBase

#: Codes of the relation spec pages.
RELATION_NAME_TAKEN = 50006
BIND_DUPLICATE = 1000051617
BOUND_ITEM_NOT_FOUND = 30015
RELATION_KEY_NOT_FOUND = 30018
RELATION_SEARCH_OVER_LIMIT = 20055
RELATION_SEARCH_CAP = 5000
RELATION_PAGE_SIZE = 50
_RELATED_TYPES = ("work_item_related_select", "work_item_related_multi_select")


class RelationHandlers(HandlerBase):
    """Relations: definitions (list, create, update, delete), association rules, bind and
    unbind (symmetric), story relations, search_by_relation over relation field values."""

    # -- definitions -----------------------------------------------------------------------------

    def _details(self, body: JSON) -> list[JSON]:
        details = body.get("relation_details")
        if not isinstance(details, list) or not details:
            fail(rules.MISSING_PARAM, "relation_details")
        out = []
        for d in details:
            if not isinstance(d, dict):
                fail(rules.INVALID_PARAM, "relation_details entries must be objects")
            space = self.store.space(d.get("project_key"))
            conf = self.store.type_conf(space, d.get("work_item_type_key"))
            out.append(
                {
                    "project_key": space.project_key,
                    "project_name": space.name,
                    "work_item_type_key": conf.key,
                    "work_item_type_name": conf.name,
                }
            )
        return out

    def _check_name(self, space: Space, name: str, relation_id: str | None = None) -> None:
        for rel in relation_state(self.store).relations.values():
            same = rel["_project_key"] == space.project_key and rel["name"] == name
            if same and rel["id"] != relation_id:
                fail(RELATION_NAME_TAKEN, f"relationship name {name!r} cannot be repeated")

    @staticmethod
    def _public(record: JSON) -> JSON:
        return {k: v for k, v in record.items() if not k.startswith("_")}

    @handles("query_work_item_relation")
    def h_relation_list(self, ctx: Ctx) -> Any:
        """query_work_item_relation: the space's relation definitions."""
        space = self.store.space(ctx.match["project_key"])
        return [
            self._public(r)
            for r in relation_state(self.store).relations.values()
            if r["_project_key"] == space.project_key
        ]

    @handles("create_work_item_relation")
    def h_relation_create(self, ctx: Ctx) -> Any:
        """create_work_item_relation: ``{"relation_id": uuid}``; names unique (50006)."""
        body = rules.body_dict(ctx.body)
        space = self.store.space(rules.req_str(body, "project_key"))
        conf = self.store.type_conf(space, rules.req_str(body, "work_item_type_key"))
        name = rules.req_str(body, "name")
        details = self._details(body)
        self._check_name(space, name)
        rid = self.store.new_uuid("rel_")
        relation_state(self.store).relations[rid] = {
            "id": rid,
            "name": name,
            "disabled": False,
            "work_item_type_key": conf.key,
            "work_item_type_name": conf.name,
            "relation_details": details,
            "relation_type": 0,
            "_project_key": space.project_key,
        }
        return {"relation_id": rid}

    def _relation(self, body: JSON, space: Space, missing: int) -> JSON:
        rid = rules.req_str(body, "relation_id")
        rel = relation_state(self.store).relations.get(rid)
        if rel is None or rel["_project_key"] != space.project_key:
            fail(missing, f"relation {rid} does not exist")
        return rel

    @handles("update_work_item_relation")
    def h_relation_update(self, ctx: Ctx) -> Any:
        """update_work_item_relation: overwrites name and details."""
        body = rules.body_dict(ctx.body)
        space = self.store.space(rules.req_str(body, "project_key"))
        rel = self._relation(body, space, rules.INVALID_PARAM)
        conf = self.store.type_conf(space, rules.req_str(body, "work_item_type_key"))
        name = rules.req_str(body, "name")
        details = self._details(body)
        self._check_name(space, name, rel["id"])
        rel.update(
            name=name,
            work_item_type_key=conf.key,
            work_item_type_name=conf.name,
            relation_details=details,
        )
        return {}

    @handles("delete_work_item_relation")
    def h_relation_delete(self, ctx: Ctx) -> Any:
        """delete_work_item_relation: 50006 when it is gone already."""
        body = rules.body_dict(ctx.body)
        space = self.store.space(rules.req_str(body, "project_key"))
        rel = self._relation(body, space, RELATION_NAME_TAKEN)
        del relation_state(self.store).relations[rel["id"]]
        return rel["id"]

    # -- space association -----------------------------------------------------------------------

    @handles("query_project_relation")
    def h_relation_rules(self, ctx: Ctx) -> Any:
        """query_project_relation: rules grouped by remote space (``remote_projects`` filter)."""
        space = self.store.space(ctx.match["project_key"])
        body = rules.body_dict(ctx.body) if ctx.body is not None else {}
        remotes = rules.str_list(body, "remote_projects")
        wanted = None if remotes is None else {self.store.space(r).project_key for r in remotes}
        groups: dict[str, JSON] = {}
        for rule in relation_state(self.store).rules.values():
            remote = rule["_remote_project_key"]
            if rule["_project_key"] != space.project_key or (
                wanted is not None and remote not in wanted
            ):
                continue
            group = groups.setdefault(
                remote,
                {
                    "remote_project_key": remote,
                    "remote_project_name": self.store.spaces[remote].name,
                    "rules": [],
                },
            )
            group["rules"].append(self._public(rule))
        return list(groups.values())

    def _bound_source(self, ctx: Ctx) -> WorkItem:
        space, conf = self._space_type(ctx)
        return self.store.item(space, conf.key, ctx.match["work_item_id"])

    def _instance_view(self, rule_id: str, to: int) -> JSON | None:
        state = relation_state(self.store)
        rule, item = state.rules.get(rule_id), self.store.items.get(to)
        if rule is None or item is None:
            return None
        space = self.store.spaces[item.project_key]
        return {
            "relation_work_item_id": item.id,
            "relation_work_item_name": item.name,
            "relation_work_item_type_key": item.type_key,
            "relation_work_item_type_name": space.types[item.type_key].name,
            "project_relation_rule_id": rule_id,
            "project_relation_rule_name": rule["name"],
            "relation_project_key": space.project_key,
            "relation_project_name": space.name,
        }

    @handles("query_project_relation_instance")
    def h_relation_instances(self, ctx: Ctx) -> Any:
        """query_project_relation_instance: bound work items, filtered by the body."""
        item = self._bound_source(ctx)
        body = rules.body_dict(ctx.body) if ctx.body is not None else {}
        rule_id = rules.opt_str(body, "relation_rule_id")
        other = body.get("relation_work_item_id")
        other_id = None if other is None else rules.to_int(other, "relation_work_item_id")
        type_key = rules.opt_str(body, "relation_work_item_type_key")
        remote = rules.opt_str(body, "relation_project_key")
        out = []
        for b in relation_state(self.store).bindings:
            if b.frm != item.id or (rule_id and b.rule_id != rule_id):
                continue
            if other_id is not None and b.to != other_id:
                continue
            view = self._instance_view(b.rule_id, b.to)
            if view is None:
                continue
            if type_key and view["relation_work_item_type_key"] != type_key:
                continue
            if remote and view["relation_project_key"] != remote:
                continue
            out.append(view)
        return out

    @handles("create_project_relation_instances")
    def h_relation_bind(self, ctx: Ctx) -> Any:
        """create_project_relation_instances: every instance checked before any is bound."""
        item = self._bound_source(ctx)
        body = rules.body_dict(ctx.body)
        state = relation_state(self.store)
        rule_id = rules.opt_str(body, "relation_rule_id")
        if rule_id is not None:
            rule = state.rules.get(rule_id)
            if (
                rule is None
                or rule["_project_key"] != item.project_key
                or rule["current_work_item_type_key"] != item.type_key
            ):
                fail(rules.INVALID_PARAM, f"relation rule {rule_id} does not apply here")
        instances = body.get("instances")
        if not isinstance(instances, list) or not instances:
            fail(rules.MISSING_PARAM, "instances")
        planned: list[tuple[str, int]] = []
        for inst in instances:
            if not isinstance(inst, dict):
                fail(rules.INVALID_PARAM, "instances entries must be objects")
            try:
                wid = rules.to_int(inst.get("work_item_id"), "work_item_id")
            except rules.ApiError:
                fail(BOUND_ITEM_NOT_FOUND, str(inst.get("work_item_id")))
            other = self.store.items.get(wid)
            if other is None or (
                inst.get("project_key")
                and self.store.space(inst["project_key"]).project_key != other.project_key
            ):
                fail(BOUND_ITEM_NOT_FOUND, str(wid))
            rid = rule_id or f"{item.project_key}:{other.project_key}:{item.type_key}"
            rule = state.rules.get(rid)
            if (
                rule is None
                or rule["_remote_project_key"] != other.project_key
                or rule["remote_work_item_type_key"] != other.type_key
            ):
                fail(rules.INVALID_PARAM, f"no association rule binds work item {wid} here")
            if any(b.rule_id == rid and b.frm == item.id and b.to == wid for b in state.bindings):
                fail(BIND_DUPLICATE, f"work item {wid} is bound already")
            if (rid, wid) in planned:
                fail(BIND_DUPLICATE, f"work item {wid} is listed twice")
            planned.append((rid, wid))
        for rid, wid in planned:
            state.bind(rid, item.id, wid)
        return {}

    @handles("delete_project_relation_instance")
    def h_relation_unbind(self, ctx: Ctx) -> Any:
        """delete_project_relation_instance: 20006 when nothing matches."""
        item = self._bound_source(ctx)
        body = rules.body_dict(ctx.body) if ctx.body is not None else {}
        state = relation_state(self.store)
        rule_id = rules.opt_str(body, "relation_rule_id")
        if rule_id is not None and rule_id not in state.rules:
            fail(rules.INVALID_PARAM, f"relation_rule_id {rule_id} not found")
        other = body.get("relation_work_item_id")
        other_id = None if other is None else rules.to_int(other, "relation_work_item_id")
        matched = [
            b
            for b in state.bindings
            if b.frm == item.id
            and (rule_id is None or b.rule_id == rule_id)
            and (other_id is None or b.to == other_id)
        ]
        if not matched:
            fail(rules.INVALID_PARAM, "no such binding")
        for b in matched:
            state.unbind(b)
        return {}

    # -- story relations -------------------------------------------------------------------------

    @handles("create_story_relations")
    def h_story_relations_create(self, ctx: Ctx) -> Any:
        """create_story_relations: answers ``{"<local id>": <remote id>}`` per link made (the
        fake's choice: the SDK only says ``map[string]int64``)."""
        space = self.store.space(ctx.match["project_key"])
        body = rules.body_dict(ctx.body)
        links = body.get("story_relations")
        if not isinstance(links, list) or not links:
            fail(rules.MISSING_PARAM, "story_relations")
        state = relation_state(self.store)
        planned: list[tuple[int, int]] = []
        for link in links:
            if not isinstance(link, dict):
                fail(rules.INVALID_PARAM, "story_relations entries must be objects")
            local = self.store.item(space, None, link.get("local_work_item_id"))
            remote_id = rules.to_int(
                link.get("remote_work_item_id"), "remote_work_item_id", code=30005
            )
            if remote_id not in self.store.items:
                fail(rules.WORK_ITEM_NOT_FOUND, str(remote_id))
            rid = link.get("relation_id")
            if rid is not None and rid not in state.relations:
                fail(rules.INVALID_PARAM, f"relation {rid} does not exist")
            planned.append((local.id, remote_id))
        out: JSON = {}
        for local_id, remote_id in planned:
            linked = state.story_links.setdefault(local_id, [])
            if remote_id not in linked:
                linked.append(remote_id)
            out[str(local_id)] = remote_id
        return out

    @handles("query_story_relations")
    def h_story_relations_query(self, ctx: Ctx) -> Any:
        """query_story_relations: linked ids per id, and each id's space."""
        self.store.space(ctx.match["project_key"])
        body = rules.body_dict(ctx.body)
        ids = rules.id_list(body, "work_item_ids", over_code=rules.IDS_OVER_LIMIT)
        state = relation_state(self.store)
        value: JSON = {}
        projects: JSON = {}
        for wid in ids:
            linked = [i for i in state.story_links.get(wid, []) if i in self.store.items]
            value[str(wid)] = linked
            for i in [wid, *linked]:
                item = self.store.items.get(i)
                if item is not None:
                    projects[str(i)] = item.project_key
        return {"work_item_project_map": projects, "value": value}

    # -- search by relation ----------------------------------------------------------------------

    @handles("search_work_items_relation")
    def h_relation_search(self, ctx: Ctx) -> Any:
        """search_work_items_relation: the items a relation field of the source holds
        (``relation_type`` 0: field key, 1: alias); 20055 past 5000; page size at most 50."""
        space, conf = self._space_type(ctx)
        item = self.store.item(space, conf.key, ctx.match["work_item_id"])
        body = rules.body_dict(ctx.body)
        type_key = rules.req_str(body, "relation_work_item_type_key")
        key = rules.req_str(body, "relation_key")
        relation_type = body.get("relation_type", 0)
        if relation_type not in (0, 1):
            fail(rules.INVALID_PARAM, "relation_type must be 0 or 1")
        page_num = body.get("page_num", 1)
        page_size = body.get("page_size", RELATION_PAGE_SIZE)
        if not rules.is_int(page_num) or page_num < 1:
            fail(rules.INVALID_PARAM, "page_num must be a positive integer")
        if not rules.is_int(page_size) or not 1 <= page_size <= RELATION_PAGE_SIZE:
            fail(rules.INVALID_PARAM, f"page_size must be 1..{RELATION_PAGE_SIZE}")
        if relation_type == 0:
            fconf = conf.fields.get(key)
        else:
            fconf = next((f for f in conf.fields.values() if f.alias == key), None)
        if fconf is None or fconf.type_key not in _RELATED_TYPES:
            fail(RELATION_KEY_NOT_FOUND, f"relation key {key} not found in configuration")
        raw = item.values.get(fconf.key)
        ids = raw if isinstance(raw, list) else ([] if raw is None else [raw])
        matched = [
            self.store.items[i]
            for i in ids
            if i in self.store.items and self.store.items[i].type_key == type_key
        ]
        if len(matched) > RELATION_SEARCH_CAP:
            fail(RELATION_SEARCH_OVER_LIMIT, f"{len(matched)} work items match")
        expand = body.get("expand") if isinstance(body.get("expand"), dict) else None
        page = matched[(page_num - 1) * page_size : page_num * page_size]
        return Paged(
            [self.store.work_item_view(w, None, expand) for w in page],
            {"page_num": page_num, "page_size": page_size, "total": len(matched)},
        )
