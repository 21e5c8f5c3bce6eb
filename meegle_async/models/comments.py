"""Comments: the SDK's work item comment (``comments.list``) and the newer comment API's
comment (``comments.query``), with their pages.

``Comment`` follows the Go SDK's ``CommentForOpenAPI`` (ids are numbers). The newer
``/open_api/comment/*`` API has no official SDK: ``CommentV2`` models the keys its known
clients read (``comment_id`` as a string, ``content``, ``object``) and keeps every other key the
server sends (``extra``, ``to_dict``).
"""

from __future__ import annotations

from typing import Any

import attrs

from .base import MeegleModel
from .common import Pagination

__all__ = ["Comment", "CommentPage", "CommentQueryPage", "CommentV2", "DocRichText"]


@attrs.define(frozen=True, kw_only=True, slots=True)
class DocRichText(MeegleModel):
    """A comment's rich text: the document (``doc``), its plain text, HTML and images."""

    doc: str | None = None
    doc_text: str | None = None
    doc_html: str | None = None
    doc_img: list[str] | None = None
    is_empty: bool | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class Comment(MeegleModel):
    """A comment on a work item (``comments.list``).

    ``operator`` is the author's user key; ``created_at`` is in 13-digit milliseconds.
    """

    id: int | None = None
    work_item_id: int | None = None
    work_item_type_key: str | None = None
    created_at: int | None = None
    operator: str | None = None
    content: str | None = None
    doc_rich_text: DocRichText | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class CommentPage(MeegleModel):
    """One page of ``comments.list``: ``items`` (the envelope's ``data``) and ``pagination``."""

    items: list[Comment] | None = None
    pagination: Pagination | None = None

    @property
    def total(self) -> int | None:
        """How many comments the work item has (``pagination.total``), if the server said."""
        return self.pagination.total if self.pagination is not None else None


@attrs.define(frozen=True, kw_only=True, slots=True)
class CommentV2(MeegleModel):
    """A comment of the newer comment API (``comments.query``).

    ``comment_id`` is a string on this API. ``object`` says what it comments on
    (``{"type": "WORKITEM" | "WORKITEMFIELD" | "CHILDCOMMENT", ...}``); ``content`` holds
    ``{"type": "TEXT" | "RICHTEXT" | "FILE", "text" | "rich_text" | "markdown" | "file_token"}``.
    ``parent_id`` is set on replies.
    """

    comment_id: str | None = None
    object: dict[str, Any] | None = None
    content: dict[str, Any] | None = None
    parent_id: str | None = None
    creator: str | None = None
    created_at: int | None = None
    updated_at: int | None = None

    @property
    def text(self) -> str | None:
        """The plain text of a ``TEXT`` comment (``content.text``), else ``None``."""
        value = (self.content or {}).get("text")
        return value if isinstance(value, str) else None


@attrs.define(frozen=True, kw_only=True, slots=True)
class CommentQueryPage(MeegleModel):
    """One page of ``comments.query``: ``comments`` and the ``next_cursor`` to ask next
    (empty at the end); ``has_more`` when the server says it."""

    comments: list[CommentV2] | None = None
    next_cursor: str | None = None
    has_more: bool | None = None
