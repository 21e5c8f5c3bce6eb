"""WBS view and draft endpoints of the fake (state in ``testing/wbs_state.py``).

Every workflow (node-flow) work item has a WBS view here; state-flow items are refused with
20089. A draft changes only itself: ``patch`` edits it, ``publish`` applies it to the view,
``reset`` discards its edits (frozen rows keep theirs).
"""

from __future__ import annotations

import itertools
from typing import Any

from .. import rules
from ..context import Ctx
from ..rules import JSON, fail
from ..store import WORKFLOW, Space, TypeConf, WorkItem
from ..wbs_state import FREEZE, UNFREEZE, WbsState, wbs_state
from . import handles
from ._base import HandlerBase


def _flag(value: str | None, name: str) -> bool:
    if value is None:
        return False
    if value not in ("true", "false"):
        fail(rules.INVALID_PARAM, f"{name} must be true or false")
    return value == "true"


class WbsHandlers(HandlerBase):
    """WBS view and draft endpoints of the fake."""

    @property
    def _wbs(self) -> WbsState:
        return wbs_state(self.store)

    def _wbs_item(
        self, project_key: Any, type_key: Any, work_item_id: Any
    ) -> tuple[Space, TypeConf, WorkItem]:
        space = self.store.space(project_key)
        item = self.store.item(space, None, work_item_id)
        if type_key is not None and item.type_key != type_key:
            fail(rules.WORK_ITEM_NOT_FOUND, str(item.id))
        conf = space.types[item.type_key]
        self._wbs.check_wbs(conf)
        return space, conf, item

    def _body_item(self, body: JSON, *, typed: bool) -> tuple[Space, TypeConf, WorkItem]:
        type_key = rules.req_str(body, "work_item_type_key") if typed else None
        if body.get("work_item_id") is None:
            fail(rules.MISSING_PARAM, "work_item_id")
        return self._wbs_item(rules.req_str(body, "project_key"), type_key, body["work_item_id"])

    @handles("get_wbs_info")
    def h_wbs_view(self, ctx: Ctx) -> Any:
        """get_wbs_info: the published view (``?need_union_deliverable``,
        ``?need_schedule_table_agg``)."""
        _, conf, item = self._wbs_item(
            ctx.match["project_key"], ctx.match["work_item_type_key"], ctx.match["work_item_id"]
        )
        union = _flag(ctx.query.get("need_union_deliverable"), "need_union_deliverable")
        agg = _flag(ctx.query.get("need_schedule_table_agg"), "need_schedule_table_agg")
        return self._wbs.view(item, conf, union=union, agg=agg)

    @handles("get_wbs_view_sub_work_item_conf")
    def h_wbs_sub_conf(self, ctx: Ctx) -> Any:
        """get_wbs_view_sub_work_item_conf: the space's other workflow types."""
        q = ctx.query
        for name in ("project_key", "work_item_id", "draft_id"):
            if not q.get(name):
                fail(rules.MISSING_PARAM, name)
        space, conf, item = self._wbs_item(q["project_key"], None, q["work_item_id"])
        draft = self._wbs.draft(q["draft_id"], space.project_key)
        if draft.work_item_id != item.id:
            fail(rules.INVALID_PARAM, "draft_id is not this work item's draft")
        if q.get("node_uuid") and draft.row(q["node_uuid"]) is None:
            fail(rules.INVALID_PARAM, f"no row {q['node_uuid']!r}")
        return {
            "draft_view_sub_work_item_confs": [
                {
                    "work_item_type_key": t.key,
                    "work_item_type_name": t.name,
                    "relations": [
                        {
                            "relation_key": f"wbs_{t.key}",
                            "relation_name": f"WBS {t.name}",
                            "relation_conf_uuid": f"rel-{conf.key}-{t.key}",
                        }
                    ],
                    "enable_model_resource_lib": t.resource_enabled,
                }
                for t in space.types.values()
                if t.key != conf.key and not t.disabled
            ]
        }

    @handles("query_wbs_view_draft")
    def h_wbs_query_draft(self, ctx: Ctx) -> Any:
        """query_wbs_view_draft: the live draft (made with ``need_init``) or no ``wbs_draft``."""
        body = rules.body_dict(ctx.body)
        _, conf, item = self._body_item(body, typed=True)
        need_init = body.get("need_init", False)
        if not isinstance(need_init, bool):
            fail(rules.INVALID_PARAM, "need_init must be a boolean")
        draft = self._wbs.draft_for(item, create=need_init)
        return {} if draft is None else {"wbs_draft": self._wbs.draft_view(draft, conf)}

    @handles("patch_wbs_view_draft")
    def h_wbs_patch(self, ctx: Ctx) -> Any:
        """patch_wbs_view_draft: edits the draft only (create, update, delete rows)."""
        body = rules.body_dict(ctx.body)
        space = self.store.space(rules.req_str(body, "project_key"))
        draft = self._wbs.draft(rules.req_str(body, "draft_id"), space.project_key)
        operations = body.get("operations")
        if not isinstance(operations, list) or not operations:
            fail(rules.MISSING_PARAM, "operations")
        return self._wbs.patch(draft, operations)

    @handles("reset_wbs_view_draft")
    def h_wbs_reset(self, ctx: Ctx) -> Any:
        """reset_wbs_view_draft: the draft back to the published view (frozen rows kept)."""
        body = rules.body_dict(ctx.body)
        _, conf, item = self._body_item(body, typed=True)
        return {"wbs_draft": self._wbs.draft_view(self._wbs.reset(item), conf)}

    @handles("publish_wbs_view_draft")
    def h_wbs_publish(self, ctx: Ctx) -> Any:
        """publish_wbs_view_draft: the draft's rows become the published view."""
        body = rules.body_dict(ctx.body)
        space = self.store.space(rules.req_str(body, "project_key"))
        self._wbs.publish(self._wbs.draft(rules.req_str(body, "draft_id"), space.project_key))
        return None

    def _commit_draft(self, project_key: Any, body: JSON) -> Any:
        space = self.store.space(project_key)
        draft = self._wbs.draft(rules.req_str(body, "draft_id"), space.project_key)
        wid = rules.to_int(body.get("work_item_id"), "work_item_id")
        if wid != draft.work_item_id:
            fail(rules.INVALID_PARAM, "draft_id is not this work item's draft")
        rules.opt_str(body, "commit_id")
        return draft

    @handles("complete_create_audit_draft")
    def h_wbs_audit(self, ctx: Ctx) -> Any:
        """complete_create_audit_draft: the draft's created rows pass review."""
        body = rules.body_dict(ctx.body)
        draft = self._commit_draft(rules.req_str(body, "project_key"), body)
        draft.audited = True
        return {"success": True}

    @handles("query_wbs_template_conf")
    def h_wbs_template(self, ctx: Ctx) -> Any:
        """query_wbs_template_conf: a workflow type's template by key (its id as text)."""
        space = self.store.space(ctx.match["project_key"])
        key = rules.req_str(rules.body_dict(ctx.body), "template_key")
        found = [
            (conf, t)
            for conf in space.types.values()
            for t in conf.templates
            if str(t["id"]) == key and conf.flow_mode == WORKFLOW
        ]
        if not found:
            fail(rules.INVALID_PARAM, f"no WBS template {key!r}")
        conf, template = found[0]
        nodes = conf.nodes
        return {
            "template_key": key,
            "template_name": template.get("name", ""),
            "template_id": key,
            "is_disabled": False,
            "version": template.get("version", 1),
            "workflow_conf": {
                "status_infos": [],
                "node_infos": [
                    {
                        "state_key": n["state_key"],
                        "node_name": n["name"],
                        "node_tags": [],
                        "node_type": "node",
                        "is_visibility": 1,
                        "need_schedule": True,
                    }
                    for n in nodes
                ],
                "connections": [
                    {"source_state_key": a["state_key"], "target_state_key": b["state_key"]}
                    for a, b in itertools.pairwise(nodes)
                ],
            },
        }

    @handles("wbs_collaboration_publish")
    def h_wbs_collab_publish(self, ctx: Ctx) -> Any:
        """wbs_collaboration_publish: as publish, named by work item and draft."""
        body = rules.body_dict(ctx.body)
        draft = self._commit_draft(ctx.match["project_key"], body)
        self._wbs.publish(draft)
        return {"success": True}

    @handles("switch_back_to_wbs_view_draft")
    def h_wbs_switch(self, ctx: Ctx) -> Any:
        """switch_back_to_wbs_view_draft: the draft stays the one being edited."""
        body = rules.body_dict(ctx.body)
        self._commit_draft(ctx.match["project_key"], body)
        return {"success": True}

    @handles("wbs_update_draft_frozen_rows")
    def h_wbs_frozen(self, ctx: Ctx) -> Any:
        """wbs_update_draft_frozen_rows: ``update_type`` 1 freezes the draft's rows, 2
        unfreezes them (the fake's meaning; the platform does not document the values)."""
        body = rules.body_dict(ctx.body)
        draft = self._commit_draft(ctx.match["project_key"], body)
        kind = body.get("update_type")
        if kind == FREEZE:
            draft.frozen = {r["node_uuid"] for r in draft.rows}
        elif kind == UNFREEZE:
            draft.frozen = set()
        else:
            fail(rules.INVALID_PARAM, f"update_type must be {FREEZE} or {UNFREEZE}")
        return None
