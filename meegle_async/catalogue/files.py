"""Attachments and files: upload to an attachment field, rich-text uploads, download, delete."""

from __future__ import annotations

from ._entry import endpoint

_ITEM = "/open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}"

_FILE_RETRY = {1000051686: ("server_error", "File internal error, please retry")}

ENDPOINTS = (
    endpoint(
        "upload_attachment",
        "POST",
        _ITEM + "/file/upload",
        "attachments.upload",
        sdk_name="UploadAttachment",
        summary="Add one file (multipart, up to 100 MiB) to an attachment field of a work item.",
        errors={
            1000050255: ("not_found", "Project not found (project_key incorrect)"),
            1000050174: ("invalid_params", "Uploaded file size limit 100M"),
            1000050190: ("invalid_params", "Request form is null (form parameters invalid)"),
            1000050262: ("server_error", "Upload file fail"),
            **_FILE_RETRY,
        },
    ),
    endpoint(
        "special_upload_attachment",
        "POST",
        "/open_api/{project_key}/file/upload",
        "attachments.upload_file",
        sdk_name="SpecialUploadAttachment",
        summary="Upload a file (rich-text image) and get its resource URL.",
        errors={
            30016: ("not_found", "Project not found (project_key incorrect)"),
            1000050174: ("invalid_params", "Uploaded file size limit 100M"),
            **_FILE_RETRY,
        },
    ),
    endpoint(
        "download_attachment",
        "POST",
        _ITEM + "/file/download",
        "attachments.download",
        write=False,
        sdk_name="DownloadAttachment",
        summary="Download one attachment (a binary answer, up to 100 MiB) by its uuid.",
        errors={
            1000050255: ("not_found", "Project not found (project_key incorrect)"),
            30019: ("not_found", "File not found"),
            **_FILE_RETRY,
        },
    ),
    endpoint(
        "delete_file",
        "POST",
        "/open_api/file/delete",
        "attachments.delete",
        sdk_name="DeleteFile",
        summary="Delete attachments (by uuid) from an attachment field of a work item.",
        errors={30019: ("not_found", "File not found (does not exist or cannot be accessed)")},
    ),
)

#: File comments and the file-stream API (the newer upload/download by file token).
COMMENT_ENDPOINTS = (
    endpoint(
        "list_file_comments",
        "GET",
        _ITEM + "/file_comments",
        "attachments.list_file_comments",
        sdk_name="ListFileComments",
        summary="One page of a work item's file comments.",
    ),
    endpoint(
        "create_file_comment",
        "POST",
        _ITEM + "/file_comment/create",
        "attachments.create_file_comment",
        sdk_name="CreateFileComment",
        summary="Comment on a work item with a file uploaded by the file-stream API.",
        errors={30019: ("not_found", "File not found (unknown file token)")},
    ),
    endpoint(
        "file_stream_upload_form",
        "POST",
        "/open_api/{project_key}/file/stream/resource/{resource_type}/upload_form",
        "attachments.upload_stream",
        summary="Upload a file under 20 MB (multipart) and get a file token to bind to a comment.",
        errors=_FILE_RETRY,
    ),
    endpoint(
        "file_stream_download",
        "GET",
        "/open_api/{project_key}/file/stream/download/{file_token}",
        "attachments.download_stream",
        summary="Download a file by its file token (a binary answer).",
        errors={
            30019: ("not_found", "File not found (or not bound to a comment yet)"),
            **_FILE_RETRY,
        },
    ),
)
