"""Comment endpoints of the fake: the SDK's work item comments and the newer comment API."""

from __future__ import annotations

from typing import Any

from ..._text import is_digits
from .. import rules
from ..comments_state import StoredComment, comment_state
from ..context import Ctx, Paged
from ..rules import JSON, fail
from ..store import WorkItem, now_ms
from . import handles
from ._base import MAX_PAGE_SIZE, HandlerBase

#: Codes of the comment spec pages.
COMMENT_PARAMS_INVALID = 1000051280
COMMENT_WORK_ITEM_NOT_FOUND = 1000051135
COMMENT_NOT_FOUND = 1000050052
COMMENT_PAGE_SIZE_LIMIT = 20002
_V2_OBJECT_TYPES = ("WORKITEM", "WORKITEMFIELD", "CHILDCOMMENT")


class CommentHandlers(HandlerBase):
    """Comments: create, list (page-numbered), update and delete on a work item's path; and
    ``comment/create|query|update|delete`` with fields, replies and cursor paging."""

    # -- helpers ---------------------------------------------------------------------------------

    def _comment_item(self, ctx: Ctx, code: int = rules.WORK_ITEM_NOT_FOUND) -> WorkItem:
        space, conf = self._space_type(ctx)
        try:
            return self.store.item(space, conf.key, ctx.match["work_item_id"])
        except rules.ApiError as err:
            if err.code == rules.WORK_ITEM_NOT_FOUND:
                fail(code, str(ctx.match["work_item_id"]))
            raise

    def _own_comment(self, ctx: Ctx, raw_id: Any, item: WorkItem | None = None) -> StoredComment:
        try:
            cid = rules.to_int(raw_id, "comment_id", code=COMMENT_NOT_FOUND)
        except rules.ApiError:
            fail(COMMENT_NOT_FOUND, str(raw_id))
        comment = comment_state(self.store).comments.get(cid)
        if comment is None or (item is not None and comment.work_item_id != item.id):
            fail(COMMENT_NOT_FOUND, str(raw_id))
        if comment.creator != ctx.actor.operator:
            fail(rules.NO_PERMISSION, "only the creator of a comment may change it")
        return comment

    @staticmethod
    def _v1_content(body: JSON) -> JSON:
        content = body.get("content")
        rich = body.get("rich_text")
        if content is not None and not isinstance(content, str):
            fail(COMMENT_PARAMS_INVALID, "content must be a string")
        if rich is not None and (not isinstance(rich, (list, dict)) or not rich):
            fail(COMMENT_PARAMS_INVALID, "rich text format incorrect")
        if rich:
            return {"type": "RICHTEXT", "rich_text": rich, "text": content or ""}
        if not content or not content.strip():
            fail(COMMENT_PARAMS_INVALID, "either content or rich_text is required")
        return {"type": "TEXT", "text": content}

    @staticmethod
    def _v2_content(body: JSON, *, allow_file: bool = True) -> JSON:
        content = body.get("content")
        if not isinstance(content, dict):
            fail(rules.INVALID_PARAM, "content must be an object")
        kind = content.get("type")
        if kind == "TEXT":
            text = content.get("text")
            if not isinstance(text, str) or not text.strip():
                fail(rules.INVALID_PARAM, "content.text is required")
            return {"type": "TEXT", "text": text}
        if kind == "RICHTEXT":
            rich, markdown = content.get("rich_text"), content.get("markdown")
            if rich:
                if not isinstance(rich, (list, dict)):
                    fail(COMMENT_PARAMS_INVALID, "rich text format incorrect")
                return {"type": "RICHTEXT", "rich_text": rich}
            if isinstance(markdown, str) and markdown.strip():
                return {"type": "RICHTEXT", "markdown": markdown}
            fail(rules.INVALID_PARAM, "content.rich_text or content.markdown is required")
        if kind == "FILE" and allow_file:
            token = content.get("file_token")
            if not isinstance(token, str) or not token.strip():
                fail(rules.INVALID_PARAM, "content.file_token is required")
            return {"type": "FILE", "file_token": token}
        return fail(rules.INVALID_PARAM, f"content.type {kind!r} is not supported here")

    def _v2_target(self, body: JSON) -> tuple[WorkItem | None, str | None, StoredComment | None]:
        """The object of a v2 call: (work item, field key, parent comment)."""
        space = self.store.space(rules.req_str(body, "project_key"))
        obj = body.get("object")
        if not isinstance(obj, dict) or obj.get("type") not in _V2_OBJECT_TYPES:
            fail(rules.INVALID_PARAM, f"object.type must be one of {', '.join(_V2_OBJECT_TYPES)}")
        if obj["type"] == "CHILDCOMMENT":
            raw = obj.get("parent_id")
            try:
                pid = rules.to_int(raw, "parent_id")
            except rules.ApiError:
                fail(rules.INVALID_PARAM, f"parent_id {raw!r} is not a comment id")
            parent = comment_state(self.store).comments.get(pid)
            if parent is None or parent.project_key != space.project_key:
                fail(COMMENT_NOT_FOUND, str(raw))
            if parent.parent_id is not None:
                fail(rules.INVALID_PARAM, "parent_id must be a top-level comment, not a reply")
            return None, None, parent
        conf = self.store.type_conf(space, obj.get("work_item_type_key"))
        item = self.store.item(space, conf.key, obj.get("work_item_id"))
        field_key = None
        if obj["type"] == "WORKITEMFIELD":
            field_key = rules.req_str(obj, "field_key")
            fconf = conf.field(field_key)
            if fconf is None:
                fail(rules.FIELD_NOT_FOUND, field_key)
            field_key = fconf.key
        return item, field_key, None

    # -- the SDK's endpoints ---------------------------------------------------------------------

    @handles("create_comment")
    def h_comment_create(self, ctx: Ctx) -> Any:
        """create_comment: the new comment id (a number)."""
        item = self._comment_item(ctx)
        content = self._v1_content(rules.body_dict(ctx.body))
        state = comment_state(self.store)
        created = now_ms()
        comment = state.add(
            StoredComment(
                id=state.new_id(),
                project_key=item.project_key,
                work_item_id=item.id,
                type_key=item.type_key,
                creator=ctx.actor.operator,
                created_at=created,
                content=content,
            )
        )
        return comment.id

    @handles("list_comments")
    def h_comment_list(self, ctx: Ctx) -> Any:
        """list_comments: page-numbered (``page_size`` at most 200, 20002 above), oldest first."""
        item = self._comment_item(ctx, COMMENT_WORK_ITEM_NOT_FOUND)
        try:
            page_num = rules.to_int(ctx.query.get("page_num", 1), "page_num")
            page_size = rules.to_int(ctx.query.get("page_size", 50), "page_size")
        except rules.ApiError:
            fail(COMMENT_PARAMS_INVALID, "page_num and page_size must be integers")
        if page_num < 1 or page_size < 1:
            fail(COMMENT_PARAMS_INVALID, "page_num and page_size must be positive")
        if page_size > MAX_PAGE_SIZE:
            fail(COMMENT_PAGE_SIZE_LIMIT, f"page_size {page_size} exceeds {MAX_PAGE_SIZE}")
        comments = comment_state(self.store).thread(work_item_id=item.id)
        page = comments[(page_num - 1) * page_size : page_num * page_size]
        return Paged(
            [c.v1_view() for c in page],
            {"page_num": page_num, "page_size": page_size, "total": len(comments)},
        )

    @handles("update_comment")
    def h_comment_update(self, ctx: Ctx) -> Any:
        """update_comment: only the creator (10001)."""
        item = self._comment_item(ctx)
        comment = self._own_comment(ctx, ctx.match["comment_id"], item)
        comment.content = self._v1_content(rules.body_dict(ctx.body))
        comment.updated_at = now_ms()
        return {}

    @handles("delete_comment")
    def h_comment_delete(self, ctx: Ctx) -> Any:
        """delete_comment: only the creator (10001); replies go with it."""
        item = self._comment_item(ctx)
        comment = self._own_comment(ctx, ctx.match["comment_id"], item)
        comment_state(self.store).remove(comment)
        return {}

    # -- the newer comment API -------------------------------------------------------------------

    @handles("create_comment_v2")
    def h_comment_v2_create(self, ctx: Ctx) -> Any:
        """comment/create: ``{"comment_id": "<id>"}``."""
        body = rules.body_dict(ctx.body)
        item, field_key, parent = self._v2_target(body)
        content = self._v2_content(body)
        state = comment_state(self.store)
        if parent is not None:
            project_key, wid, type_key = parent.project_key, parent.work_item_id, parent.type_key
        else:
            assert item is not None
            project_key, wid, type_key = item.project_key, item.id, item.type_key
        comment = state.add(
            StoredComment(
                id=state.new_id(),
                project_key=project_key,
                work_item_id=wid,
                type_key=type_key,
                creator=ctx.actor.operator,
                created_at=now_ms(),
                content=content,
                field_key=field_key,
                parent_id=parent.id if parent is not None else None,
            )
        )
        return {"comment_id": str(comment.id)}

    @handles("query_comments_v2")
    def h_comment_v2_query(self, ctx: Ctx) -> Any:
        """comment/query: cursor paging (the cursor is the last comment's id), ``direction``
        ASC or DESC (the default), ``page_size`` 1..200 (default 50)."""
        body = rules.body_dict(ctx.body)
        item, field_key, parent = self._v2_target(body)
        paginator = body.get("paginator") or {}
        if not isinstance(paginator, dict):
            fail(rules.INVALID_PARAM, "paginator must be an object")
        direction = paginator.get("direction", "DESC")
        if direction not in ("ASC", "DESC"):
            fail(rules.INVALID_PARAM, "paginator.direction must be ASC or DESC")
        size = paginator.get("page_size", 50)
        if not rules.is_int(size) or not 1 <= size <= MAX_PAGE_SIZE:
            fail(rules.INVALID_PARAM, f"paginator.page_size must be 1..{MAX_PAGE_SIZE}")
        cursor = paginator.get("cursor") or ""
        state = comment_state(self.store)
        if parent is not None:
            found = state.thread(parent_id=parent.id)
        else:
            assert item is not None
            found = state.thread(work_item_id=item.id, field_key=field_key)
        if direction == "DESC":
            found.reverse()
        if cursor:
            if not isinstance(cursor, str) or not is_digits(cursor):
                fail(rules.INVALID_PARAM, f"cursor {cursor!r} is not valid")
            after = int(cursor)
            found = [c for c in found if (c.id > after if direction == "ASC" else c.id < after)]
        page = found[:size]
        more = len(found) > size
        return {
            "comments": [c.v2_view() for c in page],
            "next_cursor": str(page[-1].id) if more else "",
            "has_more": more,
        }

    @handles("update_comment_v2")
    def h_comment_v2_update(self, ctx: Ctx) -> Any:
        """comment/update: only the creator (10001); attachments cannot be edited."""
        body = rules.body_dict(ctx.body)
        space = self.store.space(rules.req_str(body, "project_key"))
        comment = self._own_comment(ctx, body.get("comment_id"))
        if comment.project_key != space.project_key:
            fail(COMMENT_NOT_FOUND, str(body.get("comment_id")))
        if comment.content.get("type") == "FILE":
            fail(rules.INVALID_PARAM, "attachment comments cannot be updated")
        comment.content = self._v2_content(body, allow_file=False)
        comment.updated_at = now_ms()
        return {"comment_id": str(comment.id)}

    @handles("delete_comment_v2")
    def h_comment_v2_delete(self, ctx: Ctx) -> Any:
        """comment/delete: only the creator (10001); replies go with it."""
        body = rules.body_dict(ctx.body)
        space = self.store.space(rules.req_str(body, "project_key"))
        comment = self._own_comment(ctx, body.get("comment_id"))
        if comment.project_key != space.project_key:
            fail(COMMENT_NOT_FOUND, str(body.get("comment_id")))
        comment_state(self.store).remove(comment)
        return {"comment_id": str(comment.id)}
