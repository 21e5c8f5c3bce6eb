"""``client.deliverables``: deliverables of work items, and node reviews (opinions and
conclusions)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from ..errors import MeegleValidationError
from ..helpers.chunking import gather_chunks, unique_ids
from ..models.base import structure_list
from ..models.deliverables import Deliverable, NodeConclusionOptions, NodeReview
from ._base import EndpointGroup
from ._checks import bad_answer, require_id, require_ids, require_text, require_text_list, shown

__all__ = ["MAX_REVIEW_NODES", "Deliverables", "ReviewOperation"]

#: The review calls take at most this many node ids.
MAX_REVIEW_NODES = 10
#: ``node``: the node's review (its leader only); ``owner``: the acting owner's own.
ReviewOperation = Literal["node", "owner"]

_UNSET: Any = object()


def _nodes(node_ids: Iterable[str]) -> list[str]:
    nodes = require_text_list(node_ids, "node_ids", maximum=MAX_REVIEW_NODES, one_string_ok=True)
    if not nodes:
        raise MeegleValidationError("node_ids is empty: name the nodes (at most 10)")
    return list(dict.fromkeys(nodes))


class Deliverables(EndpointGroup):
    """Deliverables and reviews: ``client.deliverables.get("space", ids)``, ``get_reviews``,
    ``get_conclusion_options``, ``update_review``."""

    async def get(self, project_key: str, work_item_ids: Iterable[int | str]) -> list[Deliverable]:
        """The deliverable information of work items, any number of ids (50 a request).

        POST /open_api/work_item/deliverable/batch_query

        Example::

            for d in await client.deliverables.get("space_demo", ids):
                print(d.deliverable_uuid, d.deliverable_info and d.deliverable_info.name)
        """
        project = require_text(project_key, "project_key")
        ids = unique_ids(require_ids(work_item_ids))
        if not ids:
            raise MeegleValidationError("work_item_ids is empty")

        async def fetch(chunk: list[int]) -> list[Deliverable]:
            resp = await self._call(
                "batch_query_deliverable", json={"project_key": project, "work_item_ids": chunk}
            )
            return structure_list(resp.data or [], Deliverable)

        return [d for part in await gather_chunks(ids, fetch) for d in part]

    async def get_reviews(
        self, project_key: str, work_item_id: int | str, node_ids: Iterable[str]
    ) -> list[NodeReview]:
        """The review opinion and conclusion of up to 10 nodes of a work item.

        POST /open_api/work_item/finished/batch_query

        Raises:
            MeegleNotFoundError: the work item has no workflow (1000051120).

        Example::

            for review in await client.deliverables.get_reviews("space_demo", item_id, ["review"]):
                print(review.node_id, review.conclusion)
        """
        resp = await self._call(
            "batch_query_finished",
            json={
                "project_key": require_text(project_key, "project_key"),
                "work_item_id": require_id(work_item_id),
                "node_ids": _nodes(node_ids),
            },
        )
        data = resp.data if resp.data is not None else {}
        if not isinstance(data, Mapping):
            raise bad_answer(resp, "expected {finished_infos: [...]}")
        return structure_list(data.get("finished_infos") or [], NodeReview)

    async def get_conclusion_options(
        self, project_key: str, work_item_id: int | str, node_ids: Iterable[str]
    ) -> list[NodeConclusionOptions]:
        """The review conclusions up to 10 nodes of a work item allow.

        POST /open_api/work_item/finished/query_conclusion_option

        Example::

            (options,) = await client.deliverables.get_conclusion_options(
                "space_demo", item_id, ["review"]
            )
            keys = [o.key for o in options.finished_conclusion_option or []]
        """
        resp = await self._call(
            "batch_query_conclusion_option",
            json={
                "project_key": require_text(project_key, "project_key"),
                "work_item_id": require_id(work_item_id),
                "node_ids": _nodes(node_ids),
            },
        )
        return structure_list(resp.data or [], NodeConclusionOptions)

    async def update_review(
        self,
        project_key: str,
        work_item_id: int | str,
        node_id: str,
        *,
        opinion: str | None = _UNSET,
        conclusion_key: str | None = _UNSET,
        operation_type: ReviewOperation | None = None,
        reset: bool = False,
        idempotency_key: str | None = None,
    ) -> None:
        """Set, clear or reset the review opinion and conclusion of a node.

        POST /open_api/work_item/finished/update

        Args:
            opinion: the review opinion; ``None`` clears it; left out: unchanged.
            conclusion_key: a conclusion ``key`` from ``get_conclusion_options``; ``None``
                clears it; left out: unchanged.
            operation_type: ``"node"`` (the node's review: its leader only) or ``"owner"``
                (your own); required unless ``reset``.
            reset: clear the node's review altogether (its transferor only); then nothing
                else may be given.

        Raises:
            MeegleValidationError: nothing to change, or ``reset`` with other changes.
            MeegleNotFoundError: no such node (1000051814) or conclusion (1000053308).
            MeeglePermissionError: only the node's owners may (1000053219).
            MeegleStateConflictError: the work item is terminated (20007).

        Example::

            await client.deliverables.update_review(
                "space_demo", item_id, "review", opinion="Looks good",
                conclusion_key="pass", operation_type="node",
            )
        """
        body: dict[str, Any] = {
            "project_key": require_text(project_key, "project_key"),
            "work_item_id": require_id(work_item_id),
            "node_id": require_text(node_id, "node_id"),
        }
        changes = {
            name: ("" if value is None else require_text(value, name))
            for name, value in (
                ("opinion", opinion),
                ("finished_conclusion_option_key", conclusion_key),
            )
            if value is not _UNSET
        }
        if reset:
            if changes or operation_type is not None:
                raise MeegleValidationError("reset=True clears everything: give nothing else")
            body["reset"] = True
        else:
            if not changes:
                raise MeegleValidationError("nothing to change: give opinion= or conclusion_key=")
            if operation_type not in ("node", "owner"):
                raise MeegleValidationError(
                    f'operation_type must be "node" or "owner", not {shown(operation_type)}'
                )
            body.update(changes)
            body["operation_type"] = operation_type
        await self._call("update_finished", json=body, idempotency_key=idempotency_key)
