"""Deliverable and node-review endpoints of the fake.

Every node allows the conclusions ``pass`` and ``reject`` (for the node, each owner and
overall). A node's review holds the node's opinion and conclusion (``operation_type: node``,
only a node owner may set them) and each owner's own (``owner``); ``reset`` clears the node's
review. A deliverable of a work item id is that item itself, described as the SDK describes a
deliverable instance; ids that do not exist are left out.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

from .. import rules
from ..context import Ctx
from ..rules import JSON, fail
from ..store import NodeState, Store, WorkItem
from . import handles
from ._base import HandlerBase

WORKFLOW_NOT_FOUND = 1000051120
PARAMS_INVALID = 1000051280
NODE_NOT_FOUND = 1000051814
CONCLUSION_NOT_FOUND = 1000053308
NOT_NODE_OWNER = 1000053219
MAX_NODES = 10
CONCLUSIONS = {"pass": "Pass", "reject": "Reject"}


@dataclass
class Review:
    """The review of one node of one item."""

    opinion: str = ""
    conclusion: str = ""
    owners_opinion: dict[str, str] = field(default_factory=dict)
    owners_conclusion: dict[str, str] = field(default_factory=dict)


_STATES: weakref.WeakKeyDictionary[Store, dict[tuple[int, str], Review]] = (
    weakref.WeakKeyDictionary()
)


def reviews(store: Store) -> dict[tuple[int, str], Review]:
    """The node reviews of ``store`` by (work item id, node id)."""
    state = _STATES.get(store)
    if state is None:
        state = _STATES[store] = {}
    return state


def _option(key: str) -> JSON:
    return {"key": key, "label": CONCLUSIONS[key], "origin_label": CONCLUSIONS[key]}


class DeliverableHandlers(HandlerBase):
    """Deliverables; review opinions, conclusions and their options."""

    def _review_item(self, body: JSON) -> WorkItem:
        key = rules.opt_str(body, "project_key")
        if not key or body.get("work_item_id") is None:
            fail(PARAMS_INVALID, "project_key and work_item_id are required")
        space = self.store.space(key)
        item = self.store.items.get(rules.to_int(body["work_item_id"], "work_item_id"))
        if item is None or item.deleted or item.project_key != space.project_key or not item.nodes:
            fail(WORKFLOW_NOT_FOUND, "workflow not found")
        return item

    def _review_nodes(self, item: WorkItem, body: JSON) -> list[NodeState]:
        ids = body.get("node_ids")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            fail(PARAMS_INVALID, "node_ids must be a non-empty list of node ids")
        if len(ids) > MAX_NODES:
            fail(PARAMS_INVALID, f"{len(ids)} node ids, at most {MAX_NODES}")
        nodes = {n.state_key: n for n in item.nodes}
        missing = [i for i in ids if i not in nodes]
        if missing:
            fail(NODE_NOT_FOUND, f"nodes {missing} do not exist")
        return [nodes[i] for i in ids]

    @handles("batch_query_deliverable")
    def h_deliverables(self, ctx: Ctx) -> Any:
        body = rules.body_dict(ctx.body)
        key = rules.opt_str(body, "project_key")
        if not key:
            fail(rules.MISSING_PARAM, "project_key")
        space = self.store.space(key)
        ids = rules.id_list(body, "work_item_ids", over_code=rules.DETAILS_OVER_LIMIT)
        out = []
        for wid in dict.fromkeys(ids):
            item = self.store.items.get(wid)
            if item is None or item.project_key != space.project_key:
                continue
            out.append(
                {
                    "deliverable_uuid": f"dlv-{item.id}",
                    "deliverable_type": "instance",
                    "deliverable_info": {
                        "work_item_id": item.id,
                        "name": item.name,
                        "template_type": item.type_key,
                        "template_resources": item.is_resource,
                        "deleted": item.deleted,
                        "delivery_related_info": {
                            "root_work_item": {"work_item_id": item.id},
                            "source_work_item": {"work_item_id": item.source_resource_id or 0},
                        },
                    },
                }
            )
        return out

    @handles("batch_query_finished")
    def h_reviews(self, ctx: Ctx) -> Any:
        body = rules.body_dict(ctx.body)
        item = self._review_item(body)
        state = reviews(self.store)
        infos = []
        for node in self._review_nodes(item, body):
            review = state.get((item.id, node.state_key), Review())
            infos.append(
                {
                    "node_id": node.state_key,
                    "summary_mode": "independence",
                    "opinion": {
                        "finished_opinion_result": review.opinion,
                        "owners_finished_opinion_result": [
                            {"owner": o, "finished_opinion_result": v}
                            for o, v in review.owners_opinion.items()
                        ],
                    },
                    "conclusion": {
                        "finished_conclusion_result": (
                            _option(review.conclusion) if review.conclusion else {}
                        ),
                        "owners_finished_conclusion_result": [
                            {"owner": o, "owners_finished_conclusion_result": _option(v)}
                            for o, v in review.owners_conclusion.items()
                        ],
                    },
                }
            )
        return {
            "project_key": item.project_key,
            "work_item_id": item.id,
            "finished_infos": infos,
        }

    @handles("batch_query_conclusion_option")
    def h_conclusion_options(self, ctx: Ctx) -> Any:
        body = rules.body_dict(ctx.body)
        item = self._review_item(body)
        options = [_option(k) for k in CONCLUSIONS]
        return [
            {
                "node_id": node.state_key,
                "finished_conclusion_option": options,
                "finished_owners_conclusion_option": options,
                "finished_overall_conclusion_option": options,
            }
            for node in self._review_nodes(item, body)
        ]

    @handles("update_finished")
    def h_update_review(self, ctx: Ctx) -> Any:
        body = rules.body_dict(ctx.body)
        item = self._review_item(body)
        if item.aborted:
            fail(rules.WORK_ITEM_TERMINATED, "the work item is terminated")
        node_id = rules.opt_str(body, "node_id")
        node = next((n for n in item.nodes if n.state_key == node_id), None)
        if node is None:
            fail(NODE_NOT_FOUND, f"node {node_id} does not exist")
        state = reviews(self.store)
        review = state.setdefault((item.id, node.state_key), Review())
        actor = ctx.actor.operator
        if body.get("reset") is True:
            state[(item.id, node.state_key)] = Review()
            return {}
        kind = body.get("operation_type")
        if kind not in ("node", "owner"):
            fail(PARAMS_INVALID, "operation_type must be node or owner")
        conclusion = body.get("finished_conclusion_option_key")
        if conclusion not in (None, "") and conclusion not in CONCLUSIONS:
            fail(CONCLUSION_NOT_FOUND, f"conclusion {conclusion} does not exist")
        opinion = body.get("opinion")
        if opinion is not None and not isinstance(opinion, str):
            fail(PARAMS_INVALID, "opinion must be a string")
        if kind == "node":
            if node.owners and actor not in node.owners:
                fail(NOT_NODE_OWNER, "only the node's owners can review the node")
            if opinion is not None:
                review.opinion = opinion
            if conclusion is not None:
                review.conclusion = conclusion
        else:
            if opinion is not None:
                review.owners_opinion[actor] = opinion
                if not opinion:
                    del review.owners_opinion[actor]
            if conclusion is not None:
                review.owners_conclusion[actor] = conclusion
                if not conclusion:
                    del review.owners_conclusion[actor]
        return {}
