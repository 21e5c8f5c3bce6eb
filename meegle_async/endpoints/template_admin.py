"""Process configuration writes: create, update and delete workflow templates; element
templates (the nodes and tasks of a type's resource library).

``TemplateAdmin`` holds the write half of ``client.templates``; the read half (list, detail)
lives with the workflow look-ups, and the client's ``Templates`` group has both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._text import shown
from ..errors import MeegleValidationError
from ..helpers.chunking import validate_id
from ..helpers.lookups import LookupCache
from ..models.base import structure
from ..models.common import input_json_list
from ..models.template_admin import (
    ElementPage,
    ElementType,
    StateFlowConfInfo,
    WorkflowConfInfo,
)
from ..transport.response import RawResponse
from ._base import EndpointGroup
from ._checks import bad_answer, require_page_number, require_text

__all__ = ["MAX_ELEMENT_PAGE_SIZE", "TemplateAdmin"]

#: The largest ``page_size`` ``query_elements`` sends.
MAX_ELEMENT_PAGE_SIZE = 100

_ELEMENT_TYPES = ("node", "task")


def _element_type(value: object) -> str:
    if value not in _ELEMENT_TYPES:
        raise MeegleValidationError(f"element_type must be 'node' or 'task', not {shown(value)}")
    return str(value)


def _new_template_id(resp: RawResponse) -> int:
    data = resp.data
    if isinstance(data, int) and not isinstance(data, bool):
        return data
    if isinstance(data, str) and data.isdigit():
        return int(data)
    raise bad_answer(resp, "expected the new template id")


class TemplateAdmin(EndpointGroup):
    """Workflow template writes: ``create``, ``update``, ``delete``; element templates:
    ``create_element``, ``query_elements``."""

    async def _write(self, name: str, **kwargs: Any) -> RawResponse:
        # A write changes what cached look-ups (``list(..., cached=True)``) answered: forget
        # them, even when the answer was lost (the write may have been applied).
        try:
            return await self._call(name, **kwargs)
        finally:
            lookups = getattr(self, "lookups", None)
            if isinstance(lookups, LookupCache):
                lookups.invalidate()

    async def create(
        self,
        *,
        project_key: str,
        work_item_type_key: str,
        template_name: str,
        copy_template_id: int | str | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Create a workflow template for a work item type, empty or as a copy of another.

        POST /open_api/template/v2/create_template

        Args:
            project_key: space project key or simple name.
            work_item_type_key: the type the template is for.
            template_name: the new template's name.
            copy_template_id: a template of the type to copy.
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Returns:
            The new template's id (an ``int``).

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleNotFoundError: no such work item type (30014).
            MeegleInvalidParamsError: bad name, or no such template to copy (20006).

        Example::

            template_id = await client.templates.create(
                project_key="space", work_item_type_key="story", template_name="Hotfix",
                copy_template_id=400001,
            )
        """
        body: dict[str, Any] = {
            "project_key": require_text(project_key, "project_key"),
            "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
            "template_name": require_text(template_name, "template_name"),
        }
        if copy_template_id is not None:
            body["copy_template_id"] = validate_id(copy_template_id, name="copy_template_id")
        resp = await self._write(
            "create_template_detail", json=body, idempotency_key=idempotency_key
        )
        return _new_template_id(resp)

    async def update(
        self,
        *,
        project_key: str,
        template_id: int | str,
        workflow_confs: Sequence[WorkflowConfInfo | Mapping[str, Any]] | None = None,
        state_flow_confs: Sequence[StateFlowConfInfo | Mapping[str, Any]] | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Change a workflow template: its nodes (node flow) or its states (state flow).

        PUT /open_api/template/v2/update_template

        Args:
            project_key: space project key or simple name.
            template_id: the template.
            workflow_confs: nodes to add, change or delete (``WorkflowConfInfo`` or dicts, each
                with its ``state_key`` and ``action``).
            state_flow_confs: states to add, change or delete (``StateFlowConfInfo`` or dicts).
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Raises:
            MeegleValidationError: bad input (neither list given, a conf without
                ``state_key``); nothing was sent.
            MeegleInvalidParamsError: no such template or node (20006).

        Example::

            await client.templates.update(
                project_key="space", template_id=template_id,
                workflow_confs=[{"state_key": "review", "name": "Review", "action": 1}],
            )
        """
        if workflow_confs is None and state_flow_confs is None:
            raise MeegleValidationError(
                "nothing to update: pass workflow_confs (nodes) or state_flow_confs (states)"
            )
        body: dict[str, Any] = {
            "project_key": require_text(project_key, "project_key"),
            "template_id": validate_id(template_id, name="template_id"),
        }
        for name, confs, cls in (
            ("workflow_confs", workflow_confs, WorkflowConfInfo),
            ("state_flow_confs", state_flow_confs, StateFlowConfInfo),
        ):
            if confs is None:
                continue
            out = input_json_list(confs, cls, name=name)
            for i, conf in enumerate(out):
                require_text(conf.get("state_key"), f"{name}[{i}].state_key")
            body[name] = out
        await self._write("update_template_detail", json=body, idempotency_key=idempotency_key)

    async def delete(
        self, project_key: str, template_id: int | str, *, idempotency_key: str | None = None
    ) -> None:
        """Delete a workflow template.

        DELETE /open_api/template/v2/delete_template/{project_key}/{template_id}

        Args:
            project_key: space project key or simple name.
            template_id: the template.
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleInvalidParamsError: no such template (20006).

        Example::

            await client.templates.delete("space", template_id)
        """
        path = {
            "project_key": require_text(project_key, "project_key"),
            "template_id": validate_id(template_id, name="template_id"),
        }
        await self._write(
            "delete_template_detail", path_params=path, idempotency_key=idempotency_key
        )

    async def create_element(
        self,
        *,
        project_key: str,
        work_item_type_key: str,
        element_type: ElementType,
        name: str,
        element_key: str | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Add a node or a task to the resource library of a work item type.

        POST /open_api/work_item/element_template/create

        Args:
            project_key: space project key or simple name.
            work_item_type_key: the work item type.
            element_type: ``"node"`` or ``"task"`` (sent as ``node_element`` or
                ``task_element``).
            name: the element's name.
            element_key: a key of your choice (the server makes one when left out).
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Returns:
            The element's key.

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleInvalidParamsError: a key already in use (20006).

        Example::

            key = await client.templates.create_element(
                project_key="space", work_item_type_key="story", element_type="node",
                name="Security review",
            )
        """
        kind = _element_type(element_type)
        element: dict[str, Any] = {"name": require_text(name, "name")}
        if element_key is not None:
            element["element_key"] = require_text(element_key, "element_key")
        body: dict[str, Any] = {
            "project_key": require_text(project_key, "project_key"),
            "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
            "element_type": kind,
            f"{kind}_element": element,
        }
        resp = await self._call(
            "element_template_create", json=body, idempotency_key=idempotency_key
        )
        data = resp.data
        key = data.get("element_key") if isinstance(data, Mapping) else None
        if not isinstance(key, str):
            raise bad_answer(resp, "expected an object with 'element_key'")
        return key

    async def query_elements(
        self,
        *,
        project_key: str,
        work_item_type_key: str,
        element_type: ElementType,
        page_num: int | None = None,
        page_size: int | None = None,
    ) -> ElementPage:
        """One page of the nodes or tasks of a work item type's resource library.

        POST /open_api/work_item/element_template/query (reads; no idempotency key)

        Args:
            project_key: space project key or simple name.
            work_item_type_key: the work item type.
            element_type: ``"node"`` or ``"task"``.
            page_num: the page, from 1.
            page_size: elements a page, 1 to ``MAX_ELEMENT_PAGE_SIZE``.

        Returns:
            An ``ElementPage``: ``elements`` (nodes or tasks) and ``total``.

        Raises:
            MeegleValidationError: bad input; nothing was sent.

        Example::

            page = await client.templates.query_elements(
                project_key="space", work_item_type_key="story", element_type="node"
            )
            print(page.total, [e.name for e in page.elements])
        """
        body: dict[str, Any] = {
            "project_key": require_text(project_key, "project_key"),
            "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
            "element_type": _element_type(element_type),
        }
        if page_num is not None:
            body["page_num"] = require_page_number(page_num, "page_num")
        if page_size is not None:
            body["page_size"] = require_page_number(
                page_size, "page_size", maximum=MAX_ELEMENT_PAGE_SIZE
            )
        resp = await self._call("element_template_query", json=body)
        return structure({} if resp.data is None else resp.data, ElementPage)
