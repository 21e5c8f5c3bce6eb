"""``client.comments``: comments on work items.

Two APIs reach the same comments:

- the official SDKs' endpoints under a work item's path (``create``, ``list``/``iter``,
  ``update``, ``delete``): plain or rich text on the work item, numeric comment ids,
  page-numbered listing (at most 200 a page), oldest first;
- the newer ``POST /open_api/comment/*`` API (``create_v2``, ``reply``, ``query``/``iter_query``,
  ``update_v2``, ``delete_v2``): comments on a work item, on one of its fields, and replies to a
  comment, with cursor paging; comment ids are strings. No official SDK wraps it: the body
  shapes follow the n8n Feishu Project node, and answers keep every key the server sends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, Literal

from .._text import is_digits
from ..errors import MeegleValidationError
from ..helpers.pagination import CursorPage, NumberedPage, iter_cursor, iter_page_numbers
from ..models.base import structure
from ..models.comments import Comment, CommentPage, CommentQueryPage, CommentV2
from ..transport.response import RawResponse
from ._base import EndpointGroup
from ._checks import (
    bad_answer,
    item_path,
    require_id,
    require_literal,
    require_page_number,
    require_text,
    shown,
)

__all__ = ["MAX_COMMENT_PAGE_SIZE", "CommentDirection", "Comments", "RichText"]

#: ``comments.list`` returns at most this many comments a page (20002 above it).
MAX_COMMENT_PAGE_SIZE = 200
#: ``comments.iter_query``'s page size when none is given (what the n8n node asks for).
DEFAULT_QUERY_PAGE_SIZE = 50

#: Paging direction of ``comments.query``: oldest first (``ASC``) or newest first (``DESC``).
CommentDirection = Literal["ASC", "DESC"]
#: Meegle rich text: a list of blocks (or an object), as in the platform's Rich Text Format.
RichText = Sequence[Mapping[str, Any]] | Mapping[str, Any]


def _rich_text(value: object, name: str = "rich_text") -> Any:
    if isinstance(value, Mapping):
        if not value:
            raise MeegleValidationError(f"{name} must not be empty")
        return dict(value)
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        if not value:
            raise MeegleValidationError(f"{name} must not be empty")
        for i, block in enumerate(value):
            if not isinstance(block, Mapping):
                raise MeegleValidationError(f"{name}[{i}] must be an object, not {shown(block)}")
        return [dict(block) for block in value]
    raise MeegleValidationError(
        f"{name} must be rich text (a list of blocks or an object), not {type(value).__name__}"
    )


def _v1_content(content: str | None, rich_text: RichText | None) -> dict[str, Any]:
    """``content`` and/or ``rich_text``: at least one not empty (rich text wins on the server)."""
    body: dict[str, Any] = {}
    if content is not None:
        if not isinstance(content, str):
            raise MeegleValidationError(f"content must be a string, not {shown(content)}")
        body["content"] = content
    if rich_text is not None:
        body["rich_text"] = _rich_text(rich_text)
    if not (body.get("content") or "").strip() and "rich_text" not in body:
        raise MeegleValidationError("a comment needs content (plain text) or rich_text")
    return body


def _comment_id(value: object) -> int:
    return require_id(value, name="comment_id")


def _v2_comment_id(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(require_id(value, name="comment_id"))
    return require_text(value, "comment_id").strip()


def _v2_content(
    *,
    text: str | None,
    rich_text: RichText | None,
    markdown: str | None,
    file_token: str | None,
) -> dict[str, Any]:
    """The ``content`` object: exactly one of text, rich text, Markdown, an attachment."""
    given = [
        name
        for name, value in (
            ("text", text),
            ("rich_text", rich_text),
            ("markdown", markdown),
            ("file_token", file_token),
        )
        if value is not None
    ]
    if len(given) != 1:
        raise MeegleValidationError(
            "pass exactly one of text, rich_text, markdown or file_token"
            + (f" (got {', '.join(given)})" if given else "")
        )
    if text is not None:
        return {"type": "TEXT", "text": require_text(text, "text").strip()}
    if rich_text is not None:
        return {"type": "RICHTEXT", "rich_text": _rich_text(rich_text)}
    if markdown is not None:
        return {"type": "RICHTEXT", "markdown": require_text(markdown, "markdown").strip()}
    return {"type": "FILE", "file_token": require_text(file_token, "file_token").strip()}


def _v2_object(
    *,
    work_item_type_key: str | None,
    work_item_id: int | str | None,
    field_key: str | None,
    parent_id: int | str | None,
) -> dict[str, Any]:
    """What is commented on: a work item, one of its fields, or a comment (a reply)."""
    if parent_id is not None:
        if work_item_type_key is not None or work_item_id is not None or field_key is not None:
            raise MeegleValidationError(
                "a reply names only parent_id: leave out work_item_type_key, work_item_id and "
                "field_key"
            )
        return {"type": "CHILDCOMMENT", "parent_id": _v2_comment_id(parent_id)}
    if work_item_type_key is None or work_item_id is None:
        raise MeegleValidationError(
            "name the work item (work_item_type_key and work_item_id), or parent_id for a reply"
        )
    obj: dict[str, Any] = {
        "type": "WORKITEM",
        "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
        "work_item_id": str(require_id(work_item_id)),
    }
    if field_key is not None:
        obj["type"] = "WORKITEMFIELD"
        obj["field_key"] = require_text(field_key, "field_key")
    return obj


def _direction(value: object) -> str:
    return str(require_literal(value, "direction", ("ASC", "DESC")))


def _new_comment_id(resp: RawResponse) -> str:
    data = resp.data
    if isinstance(data, Mapping):
        data = data.get("comment_id")
    if isinstance(data, int) and not isinstance(data, bool):
        return str(data)
    if isinstance(data, str) and data.strip():
        return data.strip()
    raise bad_answer(resp, "the new comment's id")


class Comments(EndpointGroup):
    """Comments on work items: ``client.comments.create(...)``, ``list``, ``iter``, ``update``,
    ``delete``; and the newer comment API: ``create_v2``, ``reply``, ``query``, ``iter_query``,
    ``update_v2``, ``delete_v2``."""

    # -- the SDK's comment endpoints -------------------------------------------------------------

    async def create(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        content: str | None,
        *,
        rich_text: RichText | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Add a comment to a work item (shown as added by the plugin).

        POST /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/comment/create

        Args:
            project_key: space project key or simple name.
            work_item_type_key: the work item's type.
            work_item_id: the work item.
            content: the comment as plain text (may be ``None`` or empty with ``rich_text``).
            rich_text: the comment in Meegle's Rich Text Format (not Markdown); the server
                shows it instead of ``content`` when both are given.
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Returns:
            The new comment's id (an ``int``).

        Raises:
            MeegleValidationError: no content and no rich text, or bad ids; nothing was sent.
            MeeglePermissionError: the user may not comment (50001).
            MeegleInvalidParamsError: the rich text is malformed (1000051280).
            MeegleNotFoundError: no such space (30001).

        Example::

            comment_id = await client.comments.create("space", "story", 1001, "Looks good")
        """
        path = item_path(project_key, work_item_type_key, work_item_id)
        resp = await self._call(
            "create_comment",
            path_params=path,
            json=_v1_content(content, rich_text),
            idempotency_key=idempotency_key,
        )
        data = resp.data
        if isinstance(data, int) and not isinstance(data, bool):
            return data
        if isinstance(data, str) and is_digits(data.strip()):
            return int(data)
        raise bad_answer(resp, "the new comment's id")

    async def list(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        *,
        page_num: int | None = None,
        page_size: int | None = None,
    ) -> CommentPage:
        """One page of a work item's comments, oldest first.

        GET /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/comments

        Args:
            project_key: space project key or simple name.
            work_item_type_key: the work item's type.
            work_item_id: the work item.
            page_num: page, from 1 (server default 1).
            page_size: comments per page, at most 200.

        Returns:
            A ``CommentPage``: ``items`` (``Comment``) and ``pagination`` (``total``).

        Raises:
            MeegleValidationError: bad ids, or ``page_size`` over 200; nothing was sent.
            MeegleNotFoundError: no such work item (1000051135).
            MeeglePermissionError: the user may not read its comments (1000051256).

        Example::

            page = await client.comments.list("space", "story", 1001, page_size=200)
            for comment in page.items or []:
                print(comment.id, comment.operator, comment.content)
        """
        path = item_path(project_key, work_item_type_key, work_item_id)
        params: dict[str, Any] = {}
        if page_num is not None:
            params["page_num"] = require_page_number(page_num, "page_num")
        if page_size is not None:
            params["page_size"] = require_page_number(
                page_size, "page_size", maximum=MAX_COMMENT_PAGE_SIZE
            )
        return await self._list_page(path, params)

    async def _list_page(self, path: Mapping[str, Any], params: Mapping[str, Any]) -> CommentPage:
        resp = await self._call("list_comments", path_params=path, params=dict(params) or None)
        if resp.data is not None and not isinstance(resp.data, Sequence):
            raise bad_answer(resp, "a list of comments")
        return structure({"items": resp.data or [], "pagination": resp.pagination}, CommentPage)

    async def iter(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        *,
        page_size: int = MAX_COMMENT_PAGE_SIZE,
    ) -> AsyncIterator[Comment]:
        """Every comment of a work item, oldest first, page after page.

        GET /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/comments
        (as many calls as needed)

        The walk stops on an empty page, a short page, or once ``pagination.total`` comments
        came; a page the server labels with another number, or that repeats the page before,
        raises ``MeeglePaginationError`` instead of looping.

        Args:
            project_key, work_item_type_key, work_item_id: the work item.
            page_size: comments per request (default and maximum 200).

        Yields:
            ``Comment`` objects, in the server's order (ascending creation time).

        Raises:
            MeegleValidationError: bad input; nothing was sent.

        Example::

            async for comment in client.comments.iter("space", "story", 1001):
                print(comment.created_at, comment.content)
        """
        path = item_path(project_key, work_item_type_key, work_item_id)
        size = require_page_number(page_size, "page_size", maximum=MAX_COMMENT_PAGE_SIZE)

        async def fetch(page_num: int) -> NumberedPage[Comment]:
            page = await self._list_page(path, {"page_num": page_num, "page_size": size})
            pagination = page.pagination
            return NumberedPage(
                page.items or [],
                pagination.page_num if pagination is not None else None,
                page.total,
            )

        async for comment in iter_page_numbers(
            fetch, page_size=size, key=lambda c: c.id, what="list_comments"
        ):
            yield comment

    async def update(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        comment_id: int | str,
        *,
        content: str | None = None,
        rich_text: RichText | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Replace a comment's content (only the comment's creator may).

        PUT /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/comment/{comment_id}

        Args:
            project_key, work_item_type_key, work_item_id: the work item.
            comment_id: the comment (from ``list`` or ``create``).
            content: the new plain text.
            rich_text: the new rich text (wins over ``content`` on the server).
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Raises:
            MeegleValidationError: neither ``content`` nor ``rich_text``, or bad ids; nothing
                was sent.
            MeegleInvalidParamsError: malformed rich text (1000051280).
            MeeglePermissionError: the user did not create the comment (10001).

        Example::

            await client.comments.update("space", "story", 1001, comment_id, content="Fixed")
        """  # noqa: E501 (the endpoint path is longer than a line)
        path = item_path(project_key, work_item_type_key, work_item_id)
        path["comment_id"] = _comment_id(comment_id)
        await self._call(
            "update_comment",
            path_params=path,
            json=_v1_content(content, rich_text),
            idempotency_key=idempotency_key,
        )

    async def delete(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        comment_id: int | str,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """Delete a comment (only its creator may; the Meegle UI cannot).

        DELETE /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/comment/{comment_id}

        Raises:
            MeegleValidationError: bad ids; nothing was sent.
            MeegleNotFoundError: no such comment (1000050052).
            MeeglePermissionError: the user did not create the comment (10001).
            MeegleInvalidParamsError: the work item is not in that space (20014).

        Example::

            await client.comments.delete("space", "story", 1001, comment_id)
        """  # noqa: E501 (the endpoint path is longer than a line)
        path = item_path(project_key, work_item_type_key, work_item_id)
        path["comment_id"] = _comment_id(comment_id)
        await self._call("delete_comment", path_params=path, idempotency_key=idempotency_key)

    # -- the newer comment API ---------------------------------------------------------------

    async def create_v2(
        self,
        project_key: str,
        *,
        work_item_type_key: str | None = None,
        work_item_id: int | str | None = None,
        field_key: str | None = None,
        parent_id: int | str | None = None,
        text: str | None = None,
        rich_text: RichText | None = None,
        markdown: str | None = None,
        file_token: str | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Comment on a work item, on one of its fields, or reply to a comment.

        POST /open_api/comment/create

        The target is a work item (``work_item_type_key`` and ``work_item_id``), a field of it
        (also ``field_key``), or a top-level comment (``parent_id`` alone; replies to replies
        are not possible). The content is exactly one of ``text``, ``rich_text``, ``markdown``
        or ``file_token`` (an attachment uploaded first).

        Returns:
            The new comment's id (a string on this API).

        Raises:
            MeegleValidationError: no target or two, no content or two, empty text; nothing
                was sent.

        Example::

            cid = await client.comments.create_v2(
                "space", work_item_type_key="story", work_item_id=1001, text="Ready?"
            )
            await client.comments.reply("space", cid, text="Yes")
        """
        body = {
            "project_key": require_text(project_key, "project_key"),
            "object": _v2_object(
                work_item_type_key=work_item_type_key,
                work_item_id=work_item_id,
                field_key=field_key,
                parent_id=parent_id,
            ),
            "content": _v2_content(
                text=text, rich_text=rich_text, markdown=markdown, file_token=file_token
            ),
        }
        resp = await self._call("create_comment_v2", json=body, idempotency_key=idempotency_key)
        return _new_comment_id(resp)

    async def reply(
        self,
        project_key: str,
        parent_id: int | str,
        *,
        text: str | None = None,
        rich_text: RichText | None = None,
        markdown: str | None = None,
        file_token: str | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Reply to a top-level comment: ``create_v2`` with ``parent_id``.

        POST /open_api/comment/create

        Returns:
            The reply's comment id (a string).

        Raises:
            MeegleValidationError: no content or two; nothing was sent.

        Example::

            reply_id = await client.comments.reply("space", comment_id, text="Done")
        """
        return await self.create_v2(
            project_key,
            parent_id=parent_id,
            text=text,
            rich_text=rich_text,
            markdown=markdown,
            file_token=file_token,
            idempotency_key=idempotency_key,
        )

    async def query(
        self,
        project_key: str,
        *,
        work_item_type_key: str | None = None,
        work_item_id: int | str | None = None,
        field_key: str | None = None,
        parent_id: int | str | None = None,
        cursor: str | None = None,
        direction: CommentDirection | None = None,
        page_size: int | None = None,
        need_rich_text_mark_down: bool | None = None,
    ) -> CommentQueryPage:
        """One page of comments on a work item or a field, or of replies to a comment.

        POST /open_api/comment/query

        Args:
            project_key: space project key or simple name.
            work_item_type_key, work_item_id: the work item (with ``field_key``: that field's
                comments).
            parent_id: a top-level comment: its replies (alone, without the work item).
            cursor: ``next_cursor`` of the page before (``None`` or empty: the first page).
            direction: ``"ASC"`` (oldest first) or ``"DESC"`` (the server's default).
            page_size: comments per page.
            need_rich_text_mark_down: also return rich text as Markdown.

        Returns:
            A ``CommentQueryPage``: ``comments`` and ``next_cursor`` (empty at the end).

        Raises:
            MeegleValidationError: no target or two, bad direction or page size; nothing was
                sent.

        Example::

            page = await client.comments.query(
                "space", work_item_type_key="story", work_item_id=1001, direction="ASC"
            )
        """
        body = self._query_body(
            project_key,
            work_item_type_key=work_item_type_key,
            work_item_id=work_item_id,
            field_key=field_key,
            parent_id=parent_id,
            need_rich_text_mark_down=need_rich_text_mark_down,
        )
        paginator: dict[str, Any] = {"cursor": ""}
        if cursor is not None:
            if not isinstance(cursor, str):
                raise MeegleValidationError(f"cursor must be a string, not {shown(cursor)}")
            paginator["cursor"] = cursor
        if direction is not None:
            paginator["direction"] = _direction(direction)
        if page_size is not None:
            paginator["page_size"] = require_page_number(page_size, "page_size")
        return await self._query_page({**body, "paginator": paginator})

    def _query_body(
        self,
        project_key: str,
        *,
        work_item_type_key: str | None,
        work_item_id: int | str | None,
        field_key: str | None,
        parent_id: int | str | None,
        need_rich_text_mark_down: bool | None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "project_key": require_text(project_key, "project_key"),
            "object": _v2_object(
                work_item_type_key=work_item_type_key,
                work_item_id=work_item_id,
                field_key=field_key,
                parent_id=parent_id,
            ),
        }
        if need_rich_text_mark_down is not None:
            if not isinstance(need_rich_text_mark_down, bool):
                raise MeegleValidationError("need_rich_text_mark_down must be True or False")
            body["need_rich_text_mark_down"] = need_rich_text_mark_down
        return body

    async def _query_page(self, body: Mapping[str, Any]) -> CommentQueryPage:
        resp = await self._call("query_comments_v2", json=dict(body))
        data = resp.data if resp.data is not None else {}
        if not isinstance(data, Mapping):
            raise bad_answer(resp, "an object with comments and next_cursor")
        return structure(data, CommentQueryPage)

    async def iter_query(
        self,
        project_key: str,
        *,
        work_item_type_key: str | None = None,
        work_item_id: int | str | None = None,
        field_key: str | None = None,
        parent_id: int | str | None = None,
        direction: CommentDirection = "ASC",
        page_size: int = DEFAULT_QUERY_PAGE_SIZE,
        need_rich_text_mark_down: bool | None = None,
    ) -> AsyncIterator[CommentV2]:
        """Every comment on a work item or field, or every reply to a comment, following the
        cursor; oldest first by default (``direction="ASC"``).

        POST /open_api/comment/query (as many calls as needed)

        The walk ends when the server says there is no more (``has_more`` false), on an empty
        or missing ``next_cursor``, or on an empty page; a cursor the server gave before raises
        ``MeeglePaginationError`` instead of looping.

        Yields:
            ``CommentV2`` objects, in the server's order.

        Raises:
            MeegleValidationError: bad input; nothing was sent.

        Example::

            async for c in client.comments.iter_query(
                "space", work_item_type_key="story", work_item_id=1001
            ):
                print(c.comment_id, c.text)
        """
        body = self._query_body(
            project_key,
            work_item_type_key=work_item_type_key,
            work_item_id=work_item_id,
            field_key=field_key,
            parent_id=parent_id,
            need_rich_text_mark_down=need_rich_text_mark_down,
        )
        paginator = {
            "direction": _direction(direction),
            "page_size": require_page_number(page_size, "page_size"),
        }

        async def fetch(cursor: str | None) -> CursorPage[CommentV2]:
            page = await self._query_page(
                {**body, "paginator": {"cursor": cursor or "", **paginator}}
            )
            return CursorPage(page.comments or [], page.next_cursor, page.has_more)

        async for comment in iter_cursor(fetch, what="query_comments_v2"):
            yield comment

    async def update_v2(
        self,
        project_key: str,
        comment_id: int | str,
        *,
        text: str | None = None,
        rich_text: RichText | None = None,
        markdown: str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Replace a comment's content (only its creator may; attachments cannot be edited).

        POST /open_api/comment/update

        Raises:
            MeegleValidationError: no content or two, empty text; nothing was sent.

        Example::

            await client.comments.update_v2("space", comment_id, text="Edited")
        """
        body = {
            "project_key": require_text(project_key, "project_key"),
            "comment_id": _v2_comment_id(comment_id),
            "content": _v2_content(
                text=text, rich_text=rich_text, markdown=markdown, file_token=None
            ),
        }
        await self._call("update_comment_v2", json=body, idempotency_key=idempotency_key)

    async def delete_v2(
        self,
        project_key: str,
        comment_id: int | str,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """Delete a comment by id (only its creator may).

        POST /open_api/comment/delete

        Raises:
            MeegleValidationError: an empty comment id; nothing was sent.

        Example::

            await client.comments.delete_v2("space", comment_id)
        """
        body = {
            "project_key": require_text(project_key, "project_key"),
            "comment_id": _v2_comment_id(comment_id),
        }
        await self._call("delete_comment_v2", json=body, idempotency_key=idempotency_key)
