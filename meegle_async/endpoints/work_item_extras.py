"""Smaller work item calls on ``client.work_items``: multi-signal fields and the work item's
group chat (a mixin of ``WorkItems``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import MeegleValidationError
from ..models.base import structure
from ..models.common import input_json_list
from ..models.work_item_extras import BotJoinChatResult, MultiSignal, MultiSignalDetail
from ._base import EndpointGroup
from ._checks import bad_answer, require_id, require_text, require_text_list

__all__ = ["WorkItemExtras"]


def _one_field(field_key: str | None, field_alias: str | None) -> dict[str, str]:
    if (field_key is None) == (field_alias is None):
        raise MeegleValidationError("give exactly one of field_key= and field_alias=")
    if field_key is not None:
        return {"field_key": require_text(field_key, "field_key")}
    return {"field_alias": require_text(field_alias, "field_alias")}


class WorkItemExtras(EndpointGroup):
    """``update_multi_signal`` and ``invite_bots_to_chat``."""

    async def update_multi_signal(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        details: Iterable[MultiSignalDetail | Mapping[str, Any]],
        *,
        field_key: str | None = None,
        field_alias: str | None = None,
        update_type: str | None = None,
        idempotency_key: str | None = None,
    ) -> MultiSignal | None:
        """Set the entries of a multi-signal field (an external status with links, such as a
        CI pipeline's) on one work item.

        POST /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/
        update/multi_signal

        Args:
            details: the entries: ``id``, ``title``, ``status``, ``view_link`` (and the SDK's
                ``query_link``), as ``MultiSignalDetail`` objects or dicts.
            field_key, field_alias: the field (exactly one).
            update_type: how the entries apply, as the platform names it (sent as given; the
                official SDK leaves its values undocumented).

        Returns:
            The field's value after the change, when the server sends it.

        Example::

            await client.work_items.update_multi_signal(
                "space_demo", "story", item_id,
                [{"id": "ci-1", "title": "CI", "status": "passed"}], field_key="signal",
            )
        """
        body: dict[str, Any] = _one_field(field_key, field_alias)
        entries = input_json_list(details, MultiSignalDetail, name="details")
        if not entries:
            raise MeegleValidationError("details is empty: give at least one entry")
        body["details"] = entries
        if update_type is not None:
            body["update_type"] = require_text(update_type, "update_type")
        resp = await self._call(
            "update_multi_signal",
            path_params={
                "project_key": require_text(project_key, "project_key"),
                "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
                "work_item_id": require_id(work_item_id),
            },
            json=body,
            idempotency_key=idempotency_key,
        )
        return structure(resp.data, MultiSignal) if isinstance(resp.data, Mapping) else None

    async def invite_bots_to_chat(
        self,
        project_key: str,
        work_item_id: int | str,
        *,
        work_item_type_key: str,
        app_ids: Iterable[str],
        idempotency_key: str | None = None,
    ) -> BotJoinChatResult:
        """Add Lark/Feishu bots (by app id) to the group chat bound to a work item.

        POST /open_api/{project_key}/work_item/{work_item_id}/bot_join_chat

        The Meegle bot must already be in that chat. Bots that could not join are listed in
        ``failed_members``; it is not an error.

        Raises:
            MeegleValidationError: no app id; nothing was sent.
            MeegleInvalidParamsError: Lark refused the invitation (50006).

        Example::

            result = await client.work_items.invite_bots_to_chat(
                "space_demo", item_id, work_item_type_key="story", app_ids=["cli_a1b2"]
            )
        """
        ids = require_text_list(app_ids, "app_ids", one_string_ok=True)
        if not ids:
            raise MeegleValidationError("app_ids is empty: name the bots to invite")
        resp = await self._call(
            "invite_bot_join_chat",
            path_params={
                "project_key": require_text(project_key, "project_key"),
                "work_item_id": require_id(work_item_id),
            },
            json={
                "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
                "app_ids": ids,
            },
            idempotency_key=idempotency_key,
        )
        if not isinstance(resp.data, Mapping):
            raise bad_answer(resp, "expected {chat_id, success_members, failed_members}")
        return structure(resp.data, BotJoinChatResult)
