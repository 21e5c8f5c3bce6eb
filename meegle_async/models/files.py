"""Attachments: a file found on a work item (``attachments.list``) and a finished download.

No Go SDK struct describes the value of a ``multi_file`` field; the platform answers a list of
objects with ``uuid``, ``name`` and (usually) ``size``, ``type`` and ``url``. ``Attachment``
keeps what it finds and the rest in ``extra``.
"""

from __future__ import annotations

from pathlib import Path

import attrs

from .base import MeegleModel

__all__ = ["Attachment", "DownloadedFile", "FileComment", "FileDetail"]


@attrs.define(frozen=True, kw_only=True, slots=True)
class Attachment:
    """One file of a work item, found in a ``multi_file`` field or in a rich-text field.

    Attributes:
        field_key: the field it was found in.
        uuid: what ``attachments.download`` and ``attachments.delete`` take.
        name: the file name, where given.
        size: the size in bytes, where given.
        source: ``"multi_file"`` or ``"multi_text"``.
        field_type_key: the field's type key.
    """

    field_key: str
    uuid: str
    name: str | None = None
    size: int | None = None
    source: str = "multi_file"
    field_type_key: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class DownloadedFile:
    """A download that completed (``attachments.download_file``).

    Attributes:
        path: where it was written (``None`` when kept in memory or written to an open file).
        filename: the name from ``Content-Disposition``, if the server sent one.
        size: bytes received.
        sha256: hex SHA-256 of the content.
        content_type: the answer's ``Content-Type``.
        content: the bytes, when downloaded to memory (``b""`` otherwise).
    """

    path: Path | None
    filename: str | None
    size: int
    sha256: str
    content_type: str | None = None
    content: bytes = attrs.field(default=b"", repr=False)


@attrs.define(frozen=True, kw_only=True, slots=True)
class FileDetail(MeegleModel):
    """The file of a file comment (the Go SDK's ``FileDetail``)."""

    file_token: str | None = None
    file_name: str | None = None
    file_size: int | None = None
    file_type: str | None = None
    file_url: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class FileComment(MeegleModel):
    """A file comment of a work item (the Go SDK's ``FileCommentForOpenAPI``)."""

    id: int | None = None
    work_item_id: int | None = None
    work_item_type_key: str | None = None
    created_at: int | None = None
    operator: str | None = None
    comment_file: FileDetail | None = None
