"""Attachment endpoints of the fake: upload (multipart), rich-text upload, download, delete."""

from __future__ import annotations

import json
from typing import Any

from ..._text import is_digits
from .. import rules
from ..context import Ctx, Paged
from ..files_state import (
    MAX_FILE_BYTES,
    MAX_FILES_PER_FIELD,
    FileState,
    FormFile,
    StoredFile,
    files_of,
)
from ..rules import fail
from ..store import FieldConf, TypeConf, WorkItem, now_ms, record_content
from . import handles
from ._base import HandlerBase

FORM_INVALID = 1000050190
FILE_TOO_LARGE = 1000050174
FILE_NOT_FOUND = 30019
MAX_STREAM_BYTES = 20 * 1024 * 1024
STREAM_RESOURCES = ("CommentAttachment", "CommentMultiTextImg")


def _form(ctx: Ctx) -> dict[str, Any]:
    if not isinstance(ctx.body, dict):
        fail(FORM_INVALID, "request form is null (send multipart/form-data)")
    return ctx.body


def _form_file(form: dict[str, Any]) -> FormFile:
    part = form.get("file")
    if not isinstance(part, FormFile):
        fail(FORM_INVALID, "the form has no file part")
    if not part.data:
        fail(FORM_INVALID, "the file is empty")
    if len(part.data) > MAX_FILE_BYTES:
        fail(FILE_TOO_LARGE, "uploaded file size limit 100M")
    return part


class FileHandlers(HandlerBase):
    """Attachment endpoints of the fake; the files live in ``files_state.FileState``."""

    @property
    def files(self) -> FileState:
        """The stored files (``fake.files.cut_next_downloads(1)`` cuts off the next download)."""
        return files_of(self.store)

    def _file_field(self, conf: TypeConf, source: dict[str, Any]) -> FieldConf:
        key, alias = source.get("field_key"), source.get("field_alias")
        if bool(key) == bool(alias):
            fail(rules.INVALID_PARAM, "pass exactly one of field_key or field_alias")
        fconf = conf.field(str(key or alias))
        if fconf is None:
            fail(rules.FIELD_NOT_FOUND, str(key or alias))
        if fconf.type_key != "multi_file":
            fail(rules.INVALID_PARAM, f"{fconf.key} is not an attachment field")
        return fconf

    def _record(self, item: WorkItem, key: str, old: Any, new: Any, ctx: Ctx) -> None:
        item.updated_at = now_ms()
        item.updated_by = ctx.actor.operator
        content = record_content("field", key, "field_value", old=old, new=new)
        self.store.record(item, "modify", "field_mod", [content], ctx.actor)

    @handles("upload_attachment")
    def h_upload_attachment(self, ctx: Ctx) -> Any:
        """upload_attachment: one file into a multi_file field, at most 50 a field."""
        form = _form(ctx)
        space, conf = self._space_type(ctx)
        item = self.store.item(space, conf.key, ctx.match["work_item_id"])
        fconf = self._file_field(conf, form)
        part = _form_file(form)
        index = form.get("index")
        if index is not None and not is_digits(str(index)):
            fail(rules.INVALID_PARAM, "index must be a non-negative integer")
        old = list(item.values.get(fconf.key) or [])
        if len(old) >= MAX_FILES_PER_FIELD:
            fail(rules.INVALID_PARAM, f"{fconf.key} holds at most {MAX_FILES_PER_FIELD} files")
        stored = StoredFile(
            uuid=self.files.new_uuid(),
            name=part.filename or "file",
            content_type=part.content_type,
            data=part.data,
            project_key=space.project_key,
            work_item_id=item.id,
            field_key=fconf.key,
            index=int(index) if index is not None else None,
        )
        self.files.files[stored.uuid] = stored
        item.values[fconf.key] = [*old, stored.meta()]
        self._record(item, fconf.key, old, item.values[fconf.key], ctx)
        return None

    @handles("special_upload_attachment")
    def h_special_upload(self, ctx: Ctx) -> Any:
        """special_upload_attachment: stores the file, answers its URL (a list of one, as the
        Go SDK reads it)."""
        form = _form(ctx)
        space = self.store.space(ctx.match["project_key"])
        part = _form_file(form)
        stored = StoredFile(
            uuid=self.files.new_uuid(),
            name=part.filename or "file",
            content_type=part.content_type,
            data=part.data,
            project_key=space.project_key,
        )
        self.files.files[stored.uuid] = stored
        return [stored.meta()["url"]]

    @handles("download_attachment")
    def h_download_attachment(self, ctx: Ctx) -> Any:
        """download_attachment: the file's bytes, or 30019 when the item has no such file."""
        space, conf = self._space_type(ctx)
        item = self.store.item(space, conf.key, ctx.match["work_item_id"])
        body = rules.body_dict(ctx.body)
        uuid = body.get("uuid")
        if not isinstance(uuid, str) or not uuid:
            fail(rules.MISSING_PARAM, "uuid is required")
        stored = self.files.files.get(uuid)
        if stored is None or stored.project_key != space.project_key:
            fail(FILE_NOT_FOUND, uuid)
        if stored.work_item_id not in (0, item.id):
            fail(FILE_NOT_FOUND, uuid)
        return self.files.answer(stored)

    @handles("delete_file")
    def h_delete_file(self, ctx: Ctx) -> Any:
        """delete_file: removes uuids from an attachment field (all or none)."""
        body = rules.body_dict(ctx.body)
        space = self.store.space(body.get("project_key"))
        item = self.store.item(space, None, body.get("work_item_id"))
        conf = self.store.type_conf(space, item.type_key)
        fconf = self._file_field(conf, body)
        uuids = rules.str_list(body, "uuids")
        if not uuids:
            fail(rules.MISSING_PARAM, "uuids is required")
        old = list(item.values.get(fconf.key) or [])
        present = {f.get("uuid") for f in old}
        for uuid in uuids:
            if uuid not in present:
                fail(FILE_NOT_FOUND, uuid)
        item.values[fconf.key] = [f for f in old if f.get("uuid") not in set(uuids)]
        for uuid in uuids:
            self.files.files.pop(uuid, None)
        self._record(item, fconf.key, old, item.values[fconf.key], ctx)
        return {}

    # -- the file-stream API and file comments --------------------------------------------

    @handles("file_stream_upload_form")
    def h_stream_upload(self, ctx: Ctx) -> Any:
        """file_stream_upload_form: a file under 20 MB for a comment of the item named in
        ``field_map``; answers its file token (downloadable once a comment binds it)."""
        form = _form(ctx)
        space = self.store.space(ctx.match["project_key"])
        if ctx.match["resource_type"] not in STREAM_RESOURCES:
            fail(rules.INVALID_PARAM, f"resource_type must be one of {STREAM_RESOURCES}")
        part = _form_file(form)
        if len(part.data) >= MAX_STREAM_BYTES:
            fail(FILE_TOO_LARGE, "the file-stream upload takes files under 20 MB")
        try:
            field_map = json.loads(form.get("field_map") or "")
        except ValueError:
            field_map = None
        if not isinstance(field_map, dict) or field_map.get("comment_biz_type") != "WORKITEM":
            fail(FORM_INVALID, "field_map must be a JSON object with comment_biz_type WORKITEM")
        item = self.store.item(
            space, field_map.get("work_item_type_key"), field_map.get("work_item_id")
        )
        token = self.files.new_uuid().replace("file_", "ftk_")
        self.files.streams[token] = StoredFile(
            uuid=token,
            name=part.filename or "file",
            content_type=part.content_type,
            data=part.data,
            project_key=space.project_key,
            work_item_id=item.id,
            field_key=f"stream:{ctx.match['resource_type']}",
        )
        return token

    @handles("file_stream_download")
    def h_stream_download(self, ctx: Ctx) -> Any:
        """file_stream_download: a bound file's bytes; an unbound or unknown token is 30019."""
        space = self.store.space(ctx.match["project_key"])
        token = ctx.match["file_token"]
        stored = self.files.streams.get(token)
        if stored is None or stored.project_key != space.project_key:
            fail(FILE_NOT_FOUND, token)
        if token not in self.files.bound:
            fail(FILE_NOT_FOUND, f"{token} is not bound to a comment yet")
        return self.files.answer(stored)

    @handles("create_file_comment")
    def h_create_file_comment(self, ctx: Ctx) -> Any:
        """create_file_comment: binds an uploaded file token to the item as a comment."""
        space, conf = self._space_type(ctx)
        item = self.store.item(space, conf.key, ctx.match["work_item_id"])
        token = rules.body_dict(ctx.body).get("file_token")
        if not isinstance(token, str) or not token:
            fail(rules.MISSING_PARAM, "file_token is required")
        stored = self.files.streams.get(token)
        if stored is None or stored.work_item_id != item.id:
            fail(FILE_NOT_FOUND, token)
        if token in self.files.bound:
            fail(rules.INVALID_PARAM, f"{token} is already bound to a comment")
        self.files.bound.add(token)
        comment_id = self.files.new_comment_id()
        self.files.comments.setdefault(item.id, []).append(
            {
                "id": comment_id,
                "work_item_id": item.id,
                "work_item_type_key": item.type_key,
                "created_at": now_ms(),
                "operator": ctx.actor.operator,
                "comment_file": {
                    "file_token": token,
                    "file_name": stored.name,
                    "file_size": len(stored.data),
                    "file_type": stored.content_type,
                    "file_url": f"https://fake.meegle.local/stream/{token}",
                },
            }
        )
        return comment_id

    @handles("list_file_comments")
    def h_list_file_comments(self, ctx: Ctx) -> Any:
        """list_file_comments: a page of the item's file comments, oldest first."""
        space, conf = self._space_type(ctx)
        item = self.store.item(space, conf.key, ctx.match["work_item_id"])
        page_num = rules.to_int(ctx.query.get("page_num", "1"), "page_num")
        page_size = rules.to_int(ctx.query.get("page_size", "50"), "page_size")
        if page_num < 1 or not 1 <= page_size <= 200:
            fail(rules.INVALID_PARAM, "page_num >= 1, page_size in 1..200")
        comments = self.files.comments.get(item.id, [])
        start = (page_num - 1) * page_size
        return Paged(
            comments[start : start + page_size],
            {"page_num": page_num, "page_size": page_size, "total": len(comments)},
        )
