"""The file-stream API and file comments, on ``client.attachments``.

The file-stream API uploads a file (under 20 MB) that belongs to nothing yet and answers a
file token; ``create_file_comment`` binds it to a work item as a comment (an unbound file cannot
be downloaded, and is deleted after 7 days). ``download_stream`` reads a bound file by token.
These live on ``client.attachments`` rather than ``client.comments`` so that every file call
goes through the one file transport (``meegle_async.transport.files``).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO, Any, Literal

from ..catalogue import ENDPOINTS
from ..errors import MeegleValidationError
from ..helpers.pagination import NumberedPage, iter_page_numbers
from ..models.base import structure_list
from ..models.files import DownloadedFile, FileComment
from ..transport.files import (
    MAX_UPLOAD_BYTES,
    DownloadSink,
    FileInput,
    Progress,
    Upload,
    send_file_call,
)
from ..transport.response import RawResponse, record_raw_response
from ..transport.session import CallOptions, Transport
from ._base import EndpointGroup, Requester
from ._checks import (
    bad_answer,
    check_request,
    require_header_text,
    require_id,
    require_page_number,
    require_text,
    shown,
)

__all__ = ["MAX_STREAM_UPLOAD_BYTES", "FileGroupBase", "FileStreams", "StreamResource"]

#: The file-stream upload takes files under 20 MB.
MAX_STREAM_UPLOAD_BYTES = 20 * 1024 * 1024
#: What a stream upload is for: a comment's attachment or an image in a comment's rich text.
StreamResource = Literal["CommentAttachment", "CommentMultiTextImg"]


def _item_path(
    project_key: str, work_item_type_key: str, work_item_id: int | str
) -> dict[str, Any]:
    return {
        "project_key": require_text(project_key, "project_key"),
        "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
        "work_item_id": require_id(work_item_id),
    }


def upload_of(
    file: FileInput,
    *,
    filename: object,
    content_type: object,
    max_bytes: int = MAX_UPLOAD_BYTES,
    limit_name: str = "100 MiB",
) -> Upload:
    """``Upload.of`` with the inputs checked first: a path the system cannot even look up (too
    long, a NUL byte), and a file name or content type that cannot go in a multipart header
    (control characters, lone surrogates), are ``MeegleValidationError``."""
    if isinstance(file, (str, os.PathLike)):
        try:
            Path(file).is_file()
        except (OSError, ValueError):
            raise MeegleValidationError(f"file: {shown(file)} is not a readable file") from None
    for name, value in (("filename", filename), ("content_type", content_type)):
        if value is not None:
            require_header_text(value, name)
    return Upload.of(
        file,
        filename=filename,  # type: ignore[arg-type]
        content_type=content_type,  # type: ignore[arg-type]
        max_bytes=max_bytes,
        limit_name=limit_name,
    )


class FileGroupBase(EndpointGroup):
    """An endpoint group that also sends file calls (multipart bodies, binary answers)."""

    def __init__(self, request: Requester, *, transport: Transport, options: CallOptions):
        super().__init__(request)
        self._transport = transport
        self._options = options

    async def _file_call(self, name: str, **kwargs: Any) -> RawResponse:
        entry = ENDPOINTS[name]
        check_request(
            kwargs.get("path_params"),
            kwargs.get("params"),
            kwargs.get("json"),
            kwargs.get("idempotency_key"),
        )
        response = await send_file_call(
            self._transport,
            self._options,
            endpoint=entry.name,
            method=entry.method,
            path=entry.path,
            write=entry.write,
            **kwargs,
        )
        record_raw_response(response)  # to with_raw_response / capture_raw_responses, if active
        return response


class FileStreams(FileGroupBase):
    """File comments and the file-stream upload and download."""

    async def upload_stream(
        self,
        project_key: str,
        resource_type: StreamResource,
        work_item_type_key: str,
        work_item_id: int | str,
        file: FileInput,
        *,
        filename: str | None = None,
        content_type: str | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Upload a file under 20 MB for a comment of a work item; returns its file token.

        ``POST /open_api/{project_key}/file/stream/resource/{resource_type}/upload_form``
        (multipart: ``file`` and ``field_map``, a JSON object with ``comment_biz_type``
        ``"WORKITEM"``, ``work_item_type_key`` and ``work_item_id``). Bind the token with
        ``create_file_comment``; until then the file cannot be downloaded. ``file``,
        ``filename`` and ``content_type`` as in ``upload`` (an unseekable stream is not
        retried).

        Raises:
            MeegleValidationError: an empty file or one of 20 MB or more, a bad
                ``resource_type``: nothing is sent.

        Example::

            token = await client.attachments.upload_stream(
                "space_demo", "CommentAttachment", "story", 6100000001, "log.txt"
            )
            await client.attachments.create_file_comment("space_demo", "story", 6100000001, token)
        """
        if resource_type not in ("CommentAttachment", "CommentMultiTextImg"):
            raise MeegleValidationError(
                "resource_type must be 'CommentAttachment' or 'CommentMultiTextImg', "
                f"not {shown(resource_type)}"
            )
        item = _item_path(project_key, work_item_type_key, work_item_id)
        upload = upload_of(
            file,
            filename=filename,
            content_type=content_type,
            max_bytes=MAX_STREAM_UPLOAD_BYTES - 1,
            limit_name="under 20 MB",
        )
        field_map = {
            "comment_biz_type": "WORKITEM",
            "work_item_type_key": item["work_item_type_key"],
            "work_item_id": str(item["work_item_id"]),
        }
        resp = await self._file_call(
            "file_stream_upload_form",
            path_params={"project_key": item["project_key"], "resource_type": resource_type},
            upload=upload,
            fields={"field_map": json.dumps(field_map, separators=(",", ":"))},
            idempotency_key=idempotency_key,
        )
        data = resp.data
        if isinstance(data, dict):
            data = data.get("file_token") or data.get("token")
        if isinstance(data, str) and data:
            return data
        raise bad_answer(resp, "a file token")

    async def download_stream(
        self,
        project_key: str,
        file_token: str,
        *,
        to: str | os.PathLike[str] | IO[bytes] | None = None,
        progress: Progress | None = None,
    ) -> DownloadedFile:
        """Download a file by its file token (one bound to a comment).

        ``GET /open_api/{project_key}/file/stream/download/{file_token}``; ``to`` and
        ``progress`` as in ``download`` (streamed, a temporary name renamed when complete,
        retried when cut off).

        Returns:
            A ``DownloadedFile`` (``content`` holds the bytes when ``to`` is ``None``).

        Example::

            got = await client.attachments.download_stream("space_demo", token)
        """
        path_params = {
            "project_key": require_text(project_key, "project_key"),
            "file_token": require_text(file_token, "file_token"),
        }
        sink = DownloadSink(to, progress)
        await self._file_call("file_stream_download", path_params=path_params, sink=sink)
        return DownloadedFile(
            path=sink.result_path,
            filename=sink.filename,
            size=sink.size,
            sha256=sink.sha256,
            content_type=sink.content_type,
            content=sink.content,
        )

    async def create_file_comment(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        file_token: str,
        *,
        idempotency_key: str | None = None,
    ) -> int:
        """Comment on a work item with a file uploaded by ``upload_stream``; returns the id.

        ``POST /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}``
        ``/file_comment/create`` with ``{"file_token": ...}``.

        Example::

            comment_id = await client.attachments.create_file_comment(
                "space_demo", "story", 6100000001, token
            )
        """
        path_params = _item_path(project_key, work_item_type_key, work_item_id)
        body = {"file_token": require_text(file_token, "file_token")}
        resp = await self._call(
            "create_file_comment",
            path_params=path_params,
            json=body,
            idempotency_key=idempotency_key,
        )
        if isinstance(resp.data, int) and not isinstance(resp.data, bool):
            return resp.data
        raise bad_answer(resp, "a comment id")

    async def list_file_comments(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        *,
        page_num: int = 1,
        page_size: int = 50,
    ) -> NumberedPage[FileComment]:
        """One page of a work item's file comments.

        ``GET /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/file_comments``
        with ``page_num`` and ``page_size`` in the query; ``iter_file_comments`` walks them all.

        Example::

            page = await client.attachments.list_file_comments("space_demo", "story", 6100000001)
        """
        path_params = _item_path(project_key, work_item_type_key, work_item_id)
        query = {
            "page_num": require_page_number(page_num, "page_num"),
            "page_size": require_page_number(page_size, "page_size"),
        }
        resp = await self._call("list_file_comments", path_params=path_params, params=query)
        items = structure_list(resp.data or [], FileComment)
        pagination = resp.pagination or {}
        total = pagination.get("total")
        number = pagination.get("page_num")
        return NumberedPage(
            items,
            page_num=number if isinstance(number, int) else None,
            total=total if isinstance(total, int) else None,
        )

    def iter_file_comments(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        *,
        page_size: int = 50,
    ) -> AsyncIterator[FileComment]:
        """Every file comment of a work item, page by page; stops on an empty or short page or
        at ``total``, and raises ``MeeglePaginationError`` on a page that repeats the last.

        Example::

            async for comment in client.attachments.iter_file_comments("space_demo", "story", 1):
                print(comment.comment_file.file_name)
        """
        _item_path(project_key, work_item_type_key, work_item_id)
        require_page_number(page_size, "page_size")

        async def fetch(page: int) -> NumberedPage[FileComment]:
            return await self.list_file_comments(
                project_key, work_item_type_key, work_item_id, page_num=page, page_size=page_size
            )

        return iter_page_numbers(
            fetch, page_size=page_size, key=lambda c: c.id, what="list_file_comments"
        )
