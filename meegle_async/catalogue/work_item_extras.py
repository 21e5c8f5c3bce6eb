"""Smaller work item endpoints: field options, multi-signal fields, the item's group chat."""

from __future__ import annotations

from ._entry import endpoint

ENDPOINTS = (
    endpoint(
        "query_work_item_field_options",
        "POST",
        "/open_api/work_item/field/options",
        "fields.get_options",
        write=False,
        sdk_name="queryWorkItemFieldOptions",
        summary="The options of a select-type field (Java SDK), a level at a time.",
    ),
    endpoint(
        "update_multi_signal",
        "POST",
        "/open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/update/multi_signal",
        "work_items.update_multi_signal",
        sdk_name="UpdateMultiSignal",
        summary="Set the details (status, links) of a multi-signal field.",
    ),
    endpoint(
        "invite_bot_join_chat",
        "POST",
        "/open_api/{project_key}/work_item/{work_item_id}/bot_join_chat",
        "work_items.invite_bots_to_chat",
        sdk_name="InviteBotJoinChat",
        summary="Add Lark/Feishu bots to the group chat bound to a work item.",
        errors={50006: ("invalid_params", "Lark refused (bot not in the group, no permission...)")},
    ),
)
