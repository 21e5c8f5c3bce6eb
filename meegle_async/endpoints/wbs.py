"""``client.wbs``: WBS views and plan tables (the published view, drafts, WBS templates).

A WBS work item has a published view (``get_view``) and at most one draft. Edits go to the
draft (``patch_draft``) and change nothing users see until the draft is published
(``publish_draft``, or ``collaboration_publish`` for a collaborative plan table);
``reset_draft`` discards the edits. WBS applies to node-flow work items of the industry edition;
any other work item is refused with 20089 (``MeegleInvalidParamsError``).

The draft endpoints take the space and work item in the body (the path names neither), so
their arguments are all keyword-only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._text import shown
from ..errors import MeegleValidationError
from ..helpers.chunking import validate_id
from ..models.base import structure, structure_list
from ..models.common import input_json
from ..models.wbs import (
    WbsDraft,
    WbsDraftPatchResult,
    WbsOperation,
    WbsSubWorkItemConf,
    WbsTemplate,
    WbsView,
)
from ..transport.response import RawResponse
from ._base import EndpointGroup
from ._checks import bad_answer, item_path, require_flag, require_text

__all__ = ["MAX_WBS_OPERATIONS", "Wbs"]

#: Edits sent in one ``patch_draft`` call at most (a guard against runaway lists; the platform
#: publishes no limit).
MAX_WBS_OPERATIONS = 500


def _commit_body(work_item_id: int | str, draft_id: str, commit_id: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "work_item_id": validate_id(work_item_id),
        "draft_id": require_text(draft_id, "draft_id"),
    }
    if commit_id is not None:
        body["commit_id"] = require_text(commit_id, "commit_id")
    return body


def _success(resp: RawResponse) -> bool:
    data = resp.data
    if data is None:
        return True
    if isinstance(data, Mapping) and isinstance(data.get("success", True), bool):
        return bool(data.get("success", True))
    raise bad_answer(resp, "expected an object with 'success'")


def _draft(resp: RawResponse) -> WbsDraft | None:
    data = resp.data
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise bad_answer(resp, "expected an object with 'wbs_draft'")
    raw = data.get("wbs_draft")
    return None if raw is None else structure(raw, WbsDraft)


class Wbs(EndpointGroup):
    """WBS views and drafts: ``client.wbs.get_view(...)``, ``query_draft``, ``patch_draft``,
    ``publish_draft``, ``reset_draft``, ...

    Example::

        draft = await client.wbs.query_draft(
            project_key="space", work_item_type_key="story", work_item_id=1001, need_init=True
        )
        row = draft.rows()[0]
        await client.wbs.patch_draft(
            project_key="space", draft_id=draft.draft_id,
            operations=[{"uuid": row.node_uuid, "operation_type": "update",
                         "value": {"name": "Design (revised)"}}],
        )
        await client.wbs.publish_draft(project_key="space", draft_id=draft.draft_id)
    """

    async def get_view(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        *,
        need_union_deliverable: bool | None = None,
        need_schedule_table_agg: bool | None = None,
    ) -> WbsView:
        """The published WBS view of a work item: its rows, parent and connections.

        GET /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/wbs_view

        Args:
            project_key: space project key or simple name.
            work_item_type_key: the work item's type.
            work_item_id: a WBS work item or WBS sub-item (node flow).
            need_union_deliverable: also return each row's integrated deliverables.
            need_schedule_table_agg: also return the schedule table's aggregation columns.

        Returns:
            A ``WbsView``; ``rows()`` lists every row depth first.

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleNotFoundError: no such work item (30005).
            MeegleInvalidParamsError: not a WBS work item (20089), or not of this space (20014).

        Example::

            view = await client.wbs.get_view("space", "story", 1001)
            for row in view.rows():
                print(row.node_uuid, row.name, row.wbs_status)
        """
        path = item_path(project_key, work_item_type_key, work_item_id)
        params: dict[str, Any] = {}
        if need_union_deliverable is not None:
            params["need_union_deliverable"] = _query_flag(
                need_union_deliverable, "need_union_deliverable"
            )
        if need_schedule_table_agg is not None:
            params["need_schedule_table_agg"] = _query_flag(
                need_schedule_table_agg, "need_schedule_table_agg"
            )
        resp = await self._call("get_wbs_info", path_params=path, params=params or None)
        return structure(resp.data, WbsView)

    async def get_sub_work_item_conf(
        self,
        *,
        project_key: str,
        work_item_id: int | str,
        draft_id: str,
        node_uuid: str | None = None,
    ) -> list[WbsSubWorkItemConf]:
        """The work item types (and their relations) a draft row can create as sub-work-items.

        GET /open_api/work_item/wbs_view_draft/sub_work_item_conf (every input in the query)

        Args:
            project_key: space project key or simple name.
            work_item_id: the WBS work item.
            draft_id: its draft (``query_draft(...).draft_id``).
            node_uuid: the row to create under (its ``node_uuid``).

        Returns:
            ``WbsSubWorkItemConf`` objects (``draft_view_sub_work_item_confs``).

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleInvalidParamsError: unknown draft or row (20006), not a WBS work item (20089).

        Example::

            for conf in await client.wbs.get_sub_work_item_conf(
                project_key="space", work_item_id=1001, draft_id=draft.draft_id
            ):
                print(conf.work_item_type_key, [r.relation_name for r in conf.relations or []])
        """
        params: dict[str, Any] = {
            "project_key": require_text(project_key, "project_key"),
            "work_item_id": validate_id(work_item_id),
            "draft_id": require_text(draft_id, "draft_id"),
        }
        if node_uuid is not None:
            params["node_uuid"] = require_text(node_uuid, "node_uuid")
        resp = await self._call("get_wbs_view_sub_work_item_conf", params=params)
        data = resp.data
        if data is None:
            return []
        if not isinstance(data, Mapping):
            raise bad_answer(resp, "expected an object with 'draft_view_sub_work_item_confs'")
        return structure_list(data.get("draft_view_sub_work_item_confs"), WbsSubWorkItemConf)

    async def query_draft(
        self,
        *,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        need_init: bool | None = None,
    ) -> WbsDraft | None:
        """The WBS draft of a work item.

        POST /open_api/work_item/wbs_view_draft/query (reads; no idempotency key)

        Args:
            project_key: space project key or simple name.
            work_item_type_key: the work item's type.
            work_item_id: the WBS work item.
            need_init: create the draft from the published view when there is none.

        Returns:
            The ``WbsDraft``, or ``None`` when the work item has no draft (and ``need_init``
            was not set).

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleNotFoundError: no such work item (30005).
            MeegleInvalidParamsError: not a WBS work item (20089).

        Example::

            draft = await client.wbs.query_draft(
                project_key="space", work_item_type_key="story", work_item_id=1001,
                need_init=True,
            )
        """
        body = item_path(project_key, work_item_type_key, work_item_id)
        if need_init is not None:
            body["need_init"] = require_flag(need_init, "need_init")
        return _draft(await self._call("query_wbs_view_draft", json=body))

    async def patch_draft(
        self,
        *,
        project_key: str,
        draft_id: str,
        operations: Sequence[WbsOperation | Mapping[str, Any]],
        schedule_table_uuid: str | None = None,
        idempotency_key: str | None = None,
    ) -> WbsDraftPatchResult:
        """Edit a WBS draft: create, update or delete rows. The published view is unchanged
        until the draft is published.

        POST /open_api/work_item/wbs_view_draft/patch

        Args:
            project_key: space project key or simple name.
            draft_id: the draft (``query_draft(...).draft_id``).
            operations: ``WbsOperation`` objects or dicts, at least one and at most
                ``MAX_WBS_OPERATIONS``; each names its ``operation_type`` and, except to
                create a row, the row's ``uuid`` (its ``node_uuid``). The platform does not
                publish the list of operation types: they pass through as given.
            schedule_table_uuid: the plan table to edit, for a collaborative plan table.
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Returns:
            A ``WbsDraftPatchResult``: the applied operations (``relation_values``) and the
            edit the server refused, if any (``failed_tasks``).

        Raises:
            MeegleValidationError: bad input (no operations, one without ``operation_type``);
                nothing was sent.
            MeegleInvalidParamsError: unknown draft or row (20006).

        Example::

            result = await client.wbs.patch_draft(
                project_key="space", draft_id=draft.draft_id,
                operations=[{"uuid": row_uuid, "operation_type": "update",
                             "value": {"name": "Design (revised)"}}],
            )
        """
        body: dict[str, Any] = {
            "project_key": require_text(project_key, "project_key"),
            "draft_id": require_text(draft_id, "draft_id"),
            "operations": _operations(operations),
        }
        if schedule_table_uuid is not None:
            body["schedule_table_uuid"] = require_text(schedule_table_uuid, "schedule_table_uuid")
        resp = await self._call("patch_wbs_view_draft", json=body, idempotency_key=idempotency_key)
        return structure({} if resp.data is None else resp.data, WbsDraftPatchResult)

    async def reset_draft(
        self,
        *,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        idempotency_key: str | None = None,
    ) -> WbsDraft | None:
        """Discard a WBS draft's edits: the draft becomes the published view again.

        POST /open_api/work_item/wbs_view_draft/reset

        Args:
            project_key: space project key or simple name.
            work_item_type_key: the work item's type.
            work_item_id: the WBS work item.
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Returns:
            The reset ``WbsDraft`` (``None`` if the server sent none).

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleNotFoundError: no such work item (30005).
            MeegleInvalidParamsError: not a WBS work item (20089).

        Example::

            draft = await client.wbs.reset_draft(
                project_key="space", work_item_type_key="story", work_item_id=1001
            )
        """
        body = item_path(project_key, work_item_type_key, work_item_id)
        resp = await self._call("reset_wbs_view_draft", json=body, idempotency_key=idempotency_key)
        return _draft(resp)

    async def publish_draft(
        self, *, project_key: str, draft_id: str, idempotency_key: str | None = None
    ) -> None:
        """Publish a WBS draft: its rows become the published view (``get_view``).

        POST /open_api/work_item/wbs_view_draft/publish

        Args:
            project_key: space project key or simple name.
            draft_id: the draft.
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleInvalidParamsError: unknown draft (20006).

        Example::

            await client.wbs.publish_draft(project_key="space", draft_id=draft.draft_id)
        """
        body = {
            "project_key": require_text(project_key, "project_key"),
            "draft_id": require_text(draft_id, "draft_id"),
        }
        await self._call("publish_wbs_view_draft", json=body, idempotency_key=idempotency_key)

    async def complete_create_audit(
        self,
        *,
        project_key: str,
        work_item_id: int | str,
        draft_id: str,
        commit_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> bool:
        """Mark the creation review of a draft's new rows as complete.

        POST /open_api/wbs_view_draft/complete-create-audit

        Args:
            project_key: space project key or simple name.
            work_item_id: the WBS work item.
            draft_id: the draft.
            commit_id: the draft commit the review covers.
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Returns:
            ``success`` as the server sent it.

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleInvalidParamsError: unknown draft (20006).

        Example::

            await client.wbs.complete_create_audit(
                project_key="space", work_item_id=1001, draft_id=draft.draft_id
            )
        """
        body = {"project_key": require_text(project_key, "project_key")}
        body.update(_commit_body(work_item_id, draft_id, commit_id))
        resp = await self._call(
            "complete_create_audit_draft", json=body, idempotency_key=idempotency_key
        )
        return _success(resp)

    async def get_template(self, project_key: str, *, template_key: str) -> WbsTemplate:
        """A WBS template's configuration: statuses, nodes and connections.

        POST /open_api/{project_key}/wbs_template (reads; no idempotency key)

        Args:
            project_key: space project key or simple name.
            template_key: the template (``WbsView.template_key``).

        Returns:
            A ``WbsTemplate``.

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleInvalidParamsError: unknown template (20006).

        Example::

            template = await client.wbs.get_template("space", template_key=view.template_key)
            print([n.node_name for n in template.workflow_conf.node_infos or []])
        """
        path = {"project_key": require_text(project_key, "project_key")}
        body = {"template_key": require_text(template_key, "template_key")}
        resp = await self._call("query_wbs_template_conf", path_params=path, json=body)
        return structure(resp.data, WbsTemplate)

    async def collaboration_publish(
        self,
        project_key: str,
        *,
        work_item_id: int | str,
        draft_id: str,
        commit_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> bool:
        """Publish the draft of a collaborative WBS view (plan table).

        POST /open_api/{project_key}/wbs_view_draft/publish

        Args:
            project_key: space project key or simple name.
            work_item_id: the WBS work item.
            draft_id: the draft.
            commit_id: the draft commit to publish.
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Returns:
            ``success`` as the server sent it.

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleInvalidParamsError: unknown draft (20006).

        Example::

            await client.wbs.collaboration_publish(
                "space", work_item_id=1001, draft_id=draft.draft_id
            )
        """
        return await self._commit_call(
            "wbs_collaboration_publish",
            project_key,
            work_item_id,
            draft_id,
            commit_id,
            idempotency_key,
        )

    async def switch_back_to_draft(
        self,
        project_key: str,
        *,
        work_item_id: int | str,
        draft_id: str,
        commit_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> bool:
        """Switch a WBS view back to editing its draft.

        POST /open_api/{project_key}/wbs_view_draft/switch

        Args:
            project_key: space project key or simple name.
            work_item_id: the WBS work item.
            draft_id: the draft to return to.
            commit_id: the draft commit to return to.
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Returns:
            ``success`` as the server sent it.

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleInvalidParamsError: unknown draft (20006).

        Example::

            await client.wbs.switch_back_to_draft(
                "space", work_item_id=1001, draft_id=draft.draft_id
            )
        """
        return await self._commit_call(
            "switch_back_to_wbs_view_draft",
            project_key,
            work_item_id,
            draft_id,
            commit_id,
            idempotency_key,
        )

    async def update_frozen_rows(
        self,
        project_key: str,
        *,
        work_item_id: int | str,
        draft_id: str,
        update_type: int,
        commit_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Freeze or unfreeze the rows of a WBS draft.

        POST /open_api/{project_key}/wbs_view_draft/update/frozen_rows

        Args:
            project_key: space project key or simple name.
            work_item_id: the WBS work item.
            draft_id: the draft.
            update_type: the kind of update, an integer (the SDK's ``int32``; the platform
                does not document its values: the fake takes 1 to freeze the draft's rows
                and 2 to unfreeze them).
            commit_id: the draft commit.
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleInvalidParamsError: unknown draft or update type (20006).

        Example::

            await client.wbs.update_frozen_rows(
                "space", work_item_id=1001, draft_id=draft.draft_id, update_type=1
            )
        """
        path = {"project_key": require_text(project_key, "project_key")}
        body = _commit_body(work_item_id, draft_id, commit_id)
        body["update_type"] = _int32(update_type, "update_type")
        await self._call(
            "wbs_update_draft_frozen_rows",
            path_params=path,
            json=body,
            idempotency_key=idempotency_key,
        )

    async def _commit_call(
        self,
        name: str,
        project_key: str,
        work_item_id: int | str,
        draft_id: str,
        commit_id: str | None,
        idempotency_key: str | None,
    ) -> bool:
        path = {"project_key": require_text(project_key, "project_key")}
        body = _commit_body(work_item_id, draft_id, commit_id)
        resp = await self._call(name, path_params=path, json=body, idempotency_key=idempotency_key)
        return _success(resp)


def _query_flag(value: object, name: str) -> str:
    return "true" if require_flag(value, name) else "false"


def _int32(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise MeegleValidationError(f"{name} must be a non-negative integer, not {shown(value)}")
    return value


def _operations(operations: object) -> list[dict[str, Any]]:
    if isinstance(operations, (str, bytes, Mapping)) or not isinstance(operations, Sequence):
        raise _invalid(
            f"operations must be a list of WbsOperation or dicts, not {shown(operations)}"
        )
    if not operations:
        raise _invalid("operations is empty: send at least one edit")
    if len(operations) > MAX_WBS_OPERATIONS:
        raise _invalid(
            f"operations has {len(operations)} edits; send at most {MAX_WBS_OPERATIONS} a call"
        )
    out = []
    for i, op in enumerate(operations):
        body = input_json(op, WbsOperation, name=f"operations[{i}]")
        require_text(body.get("operation_type"), f"operations[{i}].operation_type")
        if body.get("uuid") is not None:
            require_text(body["uuid"], f"operations[{i}].uuid")
        out.append(body)
    return out


def _invalid(message: str) -> Exception:
    return MeegleValidationError(message)
