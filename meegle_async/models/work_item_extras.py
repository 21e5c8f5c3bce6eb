"""Models of the smaller work item endpoints: field options pages, multi-signal fields,
group-chat invitations (key names from the official SDKs)."""

from __future__ import annotations

import attrs

from .base import MeegleModel
from .fields import FieldOption

__all__ = ["BotJoinChatResult", "FieldOptionsPage", "MultiSignal", "MultiSignalDetail"]


@attrs.define(frozen=True, kw_only=True, slots=True)
class FieldOptionsPage(MeegleModel):
    """One level (or page) of a field's options; ``has_more`` when more follow."""

    field_key: str | None = None
    field_name: str | None = None
    field_type: str | None = None
    field_alias: str | None = None
    level_mode: str | None = None
    level_class: str | None = None
    free_add: bool | None = None
    has_more: bool | None = None
    options: list[FieldOption] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class MultiSignalDetail(MeegleModel):
    """One entry of a multi-signal field: an id, a title, a status and a link."""

    id: str | None = None
    title: str | None = None
    status: str | None = None
    view_link: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class MultiSignal(MeegleModel):
    """A multi-signal field's value: the overall ``status`` and its ``detail`` entries."""

    status: str | None = None
    detail: list[MultiSignalDetail] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class BotJoinChatResult(MeegleModel):
    """Which bots joined the work item's group chat (``chat_id``) and which did not."""

    chat_id: str | None = None
    success_members: list[str] | None = None
    failed_members: list[str] | None = None
