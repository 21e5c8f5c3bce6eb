"""WBS (work breakdown structure) views and plan tables: the published view, drafts, templates."""

from __future__ import annotations

from ._entry import endpoint

_NOT_WBS = {20089: ("invalid_params", "The work item is not a WBS work item or WBS sub-item")}
_DRAFT = "/open_api/work_item/wbs_view_draft"

ENDPOINTS = (
    endpoint(
        "get_wbs_info",
        "GET",
        "/open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/wbs_view",
        "wbs.get_view",
        sdk_name="GetWBSInfo",
        summary="The published WBS view of a work item: rows, parent, connections.",
        errors=_NOT_WBS,
    ),
    endpoint(
        "get_wbs_view_sub_work_item_conf",
        "GET",
        _DRAFT + "/sub_work_item_conf",
        "wbs.get_sub_work_item_conf",
        sdk_name="GetWBSViewSubWorkItemConf",
        summary="Which sub-work-item types (and relations) a draft row can create.",
        errors=_NOT_WBS,
    ),
    endpoint(
        "query_wbs_view_draft",
        "POST",
        _DRAFT + "/query",
        "wbs.query_draft",
        write=False,
        sdk_name="QueryWBSViewDraft",
        summary="The WBS draft of a work item (created from the published view with need_init).",
        errors=_NOT_WBS,
    ),
    endpoint(
        "patch_wbs_view_draft",
        "POST",
        _DRAFT + "/patch",
        "wbs.patch_draft",
        sdk_name="PatchWBSViewDraft",
        summary="Edit a WBS draft: create, update, delete rows (the published view is unchanged).",
    ),
    endpoint(
        "reset_wbs_view_draft",
        "POST",
        _DRAFT + "/reset",
        "wbs.reset_draft",
        sdk_name="ResetWBSViewDraft",
        summary="Discard a WBS draft's edits: the draft becomes the published view again.",
        errors=_NOT_WBS,
    ),
    endpoint(
        "publish_wbs_view_draft",
        "POST",
        _DRAFT + "/publish",
        "wbs.publish_draft",
        sdk_name="PublishWBSViewDraft",
        summary="Publish a WBS draft: its rows become the published view.",
    ),
    endpoint(
        "complete_create_audit_draft",
        "POST",
        "/open_api/wbs_view_draft/complete-create-audit",
        "wbs.complete_create_audit",
        sdk_name="CompleteCreateAuditDraft",
        summary="Mark the creation review of a draft's new rows as complete.",
    ),
    endpoint(
        "query_wbs_template_conf",
        "POST",
        "/open_api/{project_key}/wbs_template",
        "wbs.get_template",
        write=False,
        sdk_name="QueryWbsTemplateConf",
        summary="A WBS template's configuration: statuses, nodes, connections.",
    ),
    endpoint(
        "wbs_collaboration_publish",
        "POST",
        "/open_api/{project_key}/wbs_view_draft/publish",
        "wbs.collaboration_publish",
        sdk_name="WbsCollaborationPublish",
        summary="Publish a draft of a collaborative (plan table) WBS view.",
    ),
    endpoint(
        "switch_back_to_wbs_view_draft",
        "POST",
        "/open_api/{project_key}/wbs_view_draft/switch",
        "wbs.switch_back_to_draft",
        sdk_name="SwitchBackToWbsViewDraft",
        summary="Switch a WBS view back to editing its draft.",
    ),
    endpoint(
        "wbs_update_draft_frozen_rows",
        "POST",
        "/open_api/{project_key}/wbs_view_draft/update/frozen_rows",
        "wbs.update_frozen_rows",
        sdk_name="WBSUpdateDraftFrozenRows",
        summary="Freeze or unfreeze the rows of a WBS draft.",
    ),
)
