"""``client.attachments``: files on work items (upload, download, delete, find them).

Uploads are multipart and downloads are binary answers; both go through the client's transport
like every JSON call (limiter, retries, token renewal, idempotency key, typed errors), see
``meegle_async.transport.files``. The platform's limit is 100 MiB a file and 50 files an
attachment field.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, overload

from .._text import is_digits
from ..errors import MeegleValidationError
from ..models.files import Attachment, DownloadedFile
from ..transport.files import (
    MAX_UPLOAD_BYTES,
    DownloadSink,
    FileInput,
    Progress,
)
from ._checks import bad_answer, require_id, require_text, require_text_list, shown
from .file_streams import FileStreams, upload_of

__all__ = ["MAX_FILES_PER_FIELD", "MAX_UPLOAD_BYTES", "Attachments", "find_attachments"]

#: An attachment field holds at most this many files (the 51st upload is refused).
MAX_FILES_PER_FIELD = 50

_UPLOAD = "upload_attachment"
_UPLOAD_FILE = "special_upload_attachment"
_DOWNLOAD = "download_attachment"
_DELETE = "delete_file"
_DETAILS = "get_work_item_details"


def _item_path(
    project_key: str, work_item_type_key: str, work_item_id: int | str
) -> dict[str, Any]:
    return {
        "project_key": require_text(project_key, "project_key"),
        "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
        "work_item_id": require_id(work_item_id),
    }


def _field_target(field_key: str | None, field_alias: str | None) -> dict[str, str]:
    """Exactly one of ``field_key`` / ``field_alias``, as the body or form field it becomes."""
    if (field_key is None) == (field_alias is None):
        raise MeegleValidationError(
            "pass exactly one of field_key or field_alias (the attachment field)"
        )
    if field_key is not None:
        return {"field_key": require_text(field_key, "field_key")}
    return {"field_alias": require_text(field_alias, "field_alias")}


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and is_digits(value.strip()):
        return int(value.strip())
    return None


def _files_in(value: Any) -> Iterator[Mapping[str, Any]]:
    """The file objects (mappings with a ``uuid``) anywhere in a field value."""
    if isinstance(value, Mapping):
        if isinstance(value.get("uuid"), str) and value["uuid"]:
            yield value
            return
        for inner in value.values():
            yield from _files_in(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _files_in(inner)


def find_attachments(item: Mapping[str, Any]) -> list[Attachment]:
    """The attachments of a work item as the details endpoint answers it (a JSON object):
    every file of its ``multi_file`` fields, then the files of its rich-text fields
    (``multi_texts``), each uuid once, in order. Knows no field type beyond those two.
    """
    out: list[Attachment] = []
    seen: set[str] = set()

    def add(field_key: str, found: Mapping[str, Any], source: str, type_key: str | None) -> None:
        uuid = str(found["uuid"])
        if uuid in seen:
            return
        seen.add(uuid)
        name = found.get("name") or found.get("file_name")
        out.append(
            Attachment(
                field_key=field_key,
                uuid=uuid,
                name=str(name) if name else None,
                size=_int_or_none(found.get("size")),
                source=source,
                field_type_key=type_key,
            )
        )

    for pair in item.get("fields") or []:
        if isinstance(pair, Mapping) and pair.get("field_type_key") == "multi_file":
            for found in _files_in(pair.get("field_value")):
                add(str(pair.get("field_key")), found, "multi_file", "multi_file")
    for text in item.get("multi_texts") or []:
        if isinstance(text, Mapping):
            value = text.get("field_value")
            doc = value.get("doc") if isinstance(value, Mapping) else None
            found_in: Any = value
            if isinstance(doc, str):
                try:
                    found_in = [value, json.loads(doc)]
                except ValueError:
                    found_in = value
            for found in _files_in(found_in):
                add(str(text.get("field_key")), found, "multi_text", "multi_text")
    return out


class Attachments(FileStreams):
    """Upload, download, list and delete the files of work items; file comments and the
    file-stream API (``upload_stream``, ``download_stream``) are here too (``FileStreams``).

    Limits: one file a request, at most 100 MiB (``MAX_UPLOAD_BYTES``, refused before sending)
    and at most 50 files an attachment field (``MAX_FILES_PER_FIELD``).
    """

    async def upload(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        file: FileInput,
        *,
        field_key: str | None = None,
        field_alias: str | None = None,
        index: int | None = None,
        filename: str | None = None,
        content_type: str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Add one file to an attachment field of a work item.

        ``POST /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/file/upload``
        (multipart: the file as part ``file``, with ``field_key`` or ``field_alias`` and
        ``index``).

        Args:
            project_key: the space's project_key or simple_name.
            work_item_type_key: the item's type.
            work_item_id: the item's id.
            file: bytes, a path, or a binary file object. Bytes, a path and a seekable file are
                re-read on every attempt, so a failed upload is retried; an unseekable stream
                (a pipe, a socket) is sent once and never retried.
            field_key: the attachment field's key; or
            field_alias: its alias (exactly one of the two).
            index: the group's position in a compound field.
            filename: the name shown in Meegle (default: the path's or file's name, else
                ``"file"``).
            content_type: the MIME type (default: guessed from the name, so that browsers
                preview it; ``application/octet-stream`` otherwise).
            idempotency_key: the ``X-Idem-UUID`` of every attempt (default: a new one).

        Raises:
            MeegleValidationError: an empty file, one over 100 MiB, neither or both of
                ``field_key``/``field_alias``, a bad ``index``: nothing is sent.
            MeegleAPIError: 1000050174 (too large), 1000050190 (bad form), 1000050262 (upload
                failed); 1000051686 (file internal error) is retried.

        Example::

            await client.attachments.upload(
                "space_demo", "story", 6100000001, "report.pdf", field_alias="attachments"
            )
        """
        path_params = _item_path(project_key, work_item_type_key, work_item_id)
        fields = _field_target(field_key, field_alias)
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, int) or index < 0:
                raise MeegleValidationError(f"index must be an integer >= 0, not {shown(index)}")
            fields["index"] = str(index)
        upload = upload_of(file, filename=filename, content_type=content_type)
        await self._file_call(
            _UPLOAD,
            path_params=path_params,
            upload=upload,
            fields=fields,
            idempotency_key=idempotency_key,
        )

    async def upload_file(
        self,
        project_key: str,
        file: FileInput,
        *,
        filename: str | None = None,
        content_type: str | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Upload a file that belongs to no field (an image for rich text) and get its URL.

        ``POST /open_api/{project_key}/file/upload`` (multipart, up to 100 MiB). ``file``,
        ``filename`` and ``content_type`` as in ``upload``.

        Returns:
            The resource URL to put into rich text.

        Raises:
            MeegleValidationError: an empty file or one over 100 MiB.
            MeegleNotFoundError: the space does not exist (30016).

        Example::

            url = await client.attachments.upload_file("space_demo", b"...", filename="a.png")
        """
        path_params = {"project_key": require_text(project_key, "project_key")}
        upload = upload_of(file, filename=filename, content_type=content_type)
        resp = await self._file_call(
            _UPLOAD_FILE, path_params=path_params, upload=upload, idempotency_key=idempotency_key
        )
        data = resp.data
        if isinstance(data, list) and data and isinstance(data[0], str):
            return data[0]  # the Go SDK reads a list of strings
        if isinstance(data, str):
            return data
        raise bad_answer(resp, "a resource URL")

    @overload
    async def download(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        uuid: str,
        *,
        to: None = None,
        progress: Progress | None = None,
    ) -> bytes: ...
    @overload
    async def download(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        uuid: str,
        *,
        to: str | os.PathLike[str],
        progress: Progress | None = None,
    ) -> Path: ...
    @overload
    async def download(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        uuid: str,
        *,
        to: IO[bytes],
        progress: Progress | None = None,
    ) -> None: ...
    async def download(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        uuid: str,
        *,
        to: str | os.PathLike[str] | IO[bytes] | None = None,
        progress: Progress | None = None,
    ) -> bytes | Path | None:
        """Download one attachment: to memory, or streamed to a path or an open file.

        ``POST /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/file/download``
        with ``{"uuid": ...}``; the answer is the file's bytes (an error is the usual JSON
        envelope and raises the usual typed error).

        Args:
            uuid: the attachment's uuid (``attachments.list`` finds them).
            to: ``None`` for bytes; a path to stream to (a directory: the file keeps the name
                from ``Content-Disposition``), written under a temporary name and renamed when
                complete, so a cut-off download leaves no partial file and is retried; or a
                binary file open for writing (rewound and rewritten on a retry when seekable,
                not retried otherwise). Memory stays bounded whatever the size.
            progress: called as ``progress(bytes_so_far, total_or_None)`` as data arrives.

        Returns:
            The bytes; the path written; ``None`` for an open file.

        Raises:
            MeegleNotFoundError: the file does not exist (30019) or the space (1000050255).
            MeegleConnectionError: cut off on every attempt.

        Example::

            path = await client.attachments.download(
                "space_demo", "story", 6100000001, uuid, to="downloads/"
            )
        """
        result = await self.download_file(
            project_key, work_item_type_key, work_item_id, uuid, to=to, progress=progress
        )
        if to is None:
            return result.content
        return result.path

    async def download_file(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        uuid: str,
        *,
        to: str | os.PathLike[str] | IO[bytes] | None = None,
        progress: Progress | None = None,
    ) -> DownloadedFile:
        """``download``, returning a ``DownloadedFile`` (path, file name from the server, size,
        SHA-256) instead of just the bytes or the path. Same arguments and errors.
        """
        path_params = _item_path(project_key, work_item_type_key, work_item_id)
        body = {"uuid": require_text(uuid, "uuid")}
        sink = DownloadSink(to, progress)
        await self._file_call(_DOWNLOAD, path_params=path_params, json=body, sink=sink)
        return DownloadedFile(
            path=sink.result_path,
            filename=sink.filename,
            size=sink.size,
            sha256=sink.sha256,
            content_type=sink.content_type,
            content=sink.content,
        )

    async def delete(
        self,
        project_key: str,
        work_item_id: int | str,
        uuids: Sequence[str],
        *,
        field_key: str | None = None,
        field_alias: str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Delete attachments from an attachment field of a work item.

        ``POST /open_api/file/delete`` with ``project_key``, ``work_item_id``, ``uuids`` and
        exactly one of ``field_key``/``field_alias``.

        Raises:
            MeegleValidationError: no uuids, neither or both field identifiers.
            MeegleNotFoundError: a file does not exist (30019).

        Example::

            await client.attachments.delete("space_demo", 6100000001, [uuid],
                                            field_alias="attachments")
        """
        body: dict[str, Any] = {
            "project_key": require_text(project_key, "project_key"),
            "work_item_id": require_id(work_item_id),
            **_field_target(field_key, field_alias),
            "uuids": require_text_list(uuids, "uuids", one_string_ok=True),
        }
        if not body["uuids"]:
            raise MeegleValidationError("uuids must name at least one attachment")
        await self._call(_DELETE, json=body, idempotency_key=idempotency_key)

    async def list(
        self, project_key: str, work_item_type_key: str, work_item_id: int | str
    ) -> list[Attachment]:
        """The files of a work item: its ``multi_file`` fields and its rich-text fields.

        Reads the item with ``POST .../work_item/{work_item_type_key}/query`` (asking for
        rich text) and returns each file once (uuid, name, size where given), so that a backup
        needs no knowledge of field types.

        Raises:
            MeegleNotFoundError: the item does not exist.

        Example::

            for found in await client.attachments.list("space_demo", "story", 6100000001):
                print(found.field_key, found.name, found.size)
        """
        path_params = _item_path(project_key, work_item_type_key, work_item_id)
        resp = await self._call(
            _DETAILS,
            path_params={k: path_params[k] for k in ("project_key", "work_item_type_key")},
            json={
                "work_item_ids": [path_params["work_item_id"]],
                "expand": {"need_multi_text": True},
            },
        )
        items = resp.data if isinstance(resp.data, list) else []
        out: list[Attachment] = []
        for item in items:
            if isinstance(item, Mapping):
                out.extend(find_attachments(item))
        return out
