"""Comments on work items: the SDK's comment endpoints and the newer ``/open_api/comment/*`` API.

The file-comment endpoints (``file_comments``, ``file_comment/create``) belong to the
attachments area.
"""

from __future__ import annotations

from ._entry import endpoint

_ITEM = "/open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}"

# The newer API has no spec page of its own: its entries take the codes the work item comment
# endpoints document for the same conditions (an unknown comment id, another user's comment).
_V2_ERRORS = {
    1000050052: ("not_found", "Db record not found (comment_id or parent_id incorrect)"),
    10001: ("permission", "No permission (only the creator may change a comment)"),
}

ENDPOINTS = (
    endpoint(
        "create_comment",
        "POST",
        _ITEM + "/comment/create",
        "comments.create",
        sdk_name="CreateComment",
        summary="Add a plain-text or rich-text comment to a work item.",
        errors={
            50001: ("permission", "Create fail (no permission to comment)"),
            1000051280: ("invalid_params", "Params invalid (rich text format incorrect)"),
        },
    ),
    endpoint(
        "list_comments",
        "GET",
        _ITEM + "/comments",
        "comments.list",
        sdk_name="ListComments",
        summary="A work item's comments, oldest first: one page of at most 200.",
        errors={
            1000051135: ("not_found", "Work item not found (work item does not exist)"),
            1000051280: (
                "invalid_params",
                "Params invalid (user_key, work_item_id, or work_item_type_key is empty)",
            ),
            1000051256: ("permission", "No permission (no permission to query comments)"),
            20002: ("invalid_params", "Page size limit (page size exceeds 200)"),
        },
    ),
    endpoint(
        "update_comment",
        "PUT",
        _ITEM + "/comment/{comment_id}",
        "comments.update",
        sdk_name="UpdateComment",
        summary="Replace a comment's content (only its creator may).",
        errors={
            1000051280: ("invalid_params", "Params invalid (rich text format error)"),
            10001: ("permission", "No permission (only the creator can update)"),
        },
    ),
    endpoint(
        "delete_comment",
        "DELETE",
        _ITEM + "/comment/{comment_id}",
        "comments.delete",
        sdk_name="DeleteComment",
        summary="Delete a comment (only its creator may).",
        errors={
            1000050052: ("not_found", "Db record not found (comment_id incorrect)"),
            10001: ("permission", "No permission (only the creator can delete)"),
        },
    ),
    endpoint(
        "create_comment_v2",
        "POST",
        "/open_api/comment/create",
        "comments.create_v2",
        summary="Comment on a work item, on one of its fields, or reply to a comment.",
        errors=_V2_ERRORS,
    ),
    endpoint(
        "query_comments_v2",
        "POST",
        "/open_api/comment/query",
        "comments.query",
        write=False,
        summary="Comments on a work item or field, or replies to a comment: one cursor page.",
        errors={1000050052: _V2_ERRORS[1000050052]},
    ),
    endpoint(
        "update_comment_v2",
        "POST",
        "/open_api/comment/update",
        "comments.update_v2",
        summary="Replace a comment's content by comment id (only its creator may).",
        errors=_V2_ERRORS,
    ),
    endpoint(
        "delete_comment_v2",
        "POST",
        "/open_api/comment/delete",
        "comments.delete_v2",
        summary="Delete a comment by comment id (only its creator may).",
        errors=_V2_ERRORS,
    ),
)
