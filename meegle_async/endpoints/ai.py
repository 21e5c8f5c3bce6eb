"""``client.ai``: AI nodes of workflows (read, edit, confirm) and AI-filled fields."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import MeegleValidationError
from ..models.ai import AINode
from ..models.base import structure
from ._base import EndpointGroup
from ._checks import bad_answer, require_id, require_text, require_text_list, shown

__all__ = ["AI"]


def _node_body(
    project_key: str, work_item_id: int | str, state_key: str | None, node_uuid: str | None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "project_key": require_text(project_key, "project_key"),
        "work_item_id": require_id(work_item_id),
    }
    if (state_key is None) == (node_uuid is None):
        raise MeegleValidationError("name the node with exactly one of state_key= and node_uuid=")
    if state_key is not None:
        body["state_key"] = require_text(state_key, "state_key")
    else:
        body["node_uuid"] = require_text(node_uuid, "node_uuid")
    return body


def _string_values(values: Mapping[str, Any], name: str, key_name: str) -> list[dict[str, str]]:
    """Field values as the AI endpoints take them: ``[{key_name: key, "value": str}]``."""
    if not isinstance(values, Mapping):
        raise MeegleValidationError(f"{name} must be a mapping of field key -> value")
    out = []
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise MeegleValidationError(f"{name}[{shown(key)}] must be a string or a number")
        out.append({key_name: require_text(key, f"{name} key"), "value": str(value)})
    return out


class AI(EndpointGroup):
    """AI nodes and fields: ``client.ai.get_node("space", 101, state_key="ai_review")``,
    ``edit_node``, ``confirm_node``, ``update_field``, ``delete_field_files``."""

    async def get_node(
        self,
        project_key: str,
        work_item_id: int | str,
        *,
        state_key: str | None = None,
        node_uuid: str | None = None,
    ) -> AINode:
        """An AI node of a work item (by ``state_key`` or ``node_uuid``).

        POST /open_api/ai_node/query

        Example::

            node = await client.ai.get_node("space_demo", item_id, state_key="design")
            print(node.node_state, node.node_field("summary"))
        """
        resp = await self._call(
            "query_ai_node", json=_node_body(project_key, work_item_id, state_key, node_uuid)
        )
        if not isinstance(resp.data, Mapping):
            raise bad_answer(resp, "expected the AI node")
        return structure(resp.data, AINode)

    async def edit_node(
        self,
        project_key: str,
        work_item_id: int | str,
        *,
        state_key: str | None = None,
        node_uuid: str | None = None,
        status: str | None = None,
        node_fields: Mapping[str, Any] | None = None,
        conform_fields: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Change an AI node's status or field values (values are sent as strings, as the SDK
        types them).

        POST /open_api/ai_node/edit
        """
        body = _node_body(project_key, work_item_id, state_key, node_uuid)
        if status is not None:
            body["status"] = require_text(status, "status")
        if node_fields is not None:
            body["node_fields"] = _string_values(node_fields, "node_fields", "node_field_key")
        if conform_fields is not None:
            body["conform_fields"] = _string_values(conform_fields, "conform_fields", "field_key")
        if len(body) == 3:
            raise MeegleValidationError(
                "nothing to change: give status=, node_fields= or conform_fields="
            )
        await self._call("edit_ai_node", json=body, idempotency_key=idempotency_key)

    async def confirm_node(
        self,
        project_key: str,
        work_item_id: int | str,
        *,
        state_key: str | None = None,
        node_uuid: str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Confirm (complete) an AI node.

        POST /open_api/ai_node/confirm
        """
        await self._call(
            "confirm_ai_node",
            json=_node_body(project_key, work_item_id, state_key, node_uuid),
            idempotency_key=idempotency_key,
        )

    async def update_field(
        self, ai_task_id: str, field_value: Any, *, idempotency_key: str | None = None
    ) -> None:
        """Write the value an AI task produced into its work item field.

        PUT /open_api/ai_application_field/update — ``field_value`` in the field's own shape.
        """
        if field_value is None:
            raise MeegleValidationError("field_value is required")
        await self._call(
            "update_work_item_ai_field",
            json={"ai_task_id": require_text(ai_task_id, "ai_task_id"), "field_value": field_value},
            idempotency_key=idempotency_key,
        )

    async def delete_field_files(
        self, ai_task_id: str, uuids: Iterable[str], *, idempotency_key: str | None = None
    ) -> None:
        """Delete files (by uuid) from the value of an AI field.

        DELETE /open_api/ai_application_field/file/delete
        """
        files = require_text_list(uuids, "uuids", one_string_ok=True)
        if not files:
            raise MeegleValidationError("uuids is empty: name the files to delete")
        await self._call(
            "delete_file_for_ai_field",
            json={"ai_task_id": require_text(ai_task_id, "ai_task_id"), "uuids": files},
            idempotency_key=idempotency_key,
        )
