"""Samples for the attachment, file-comment and file-stream endpoints (catalogue/files.py)."""

from __future__ import annotations

import json

from meegle_async import MeegleClient
from meegle_async.testing import RecordedRequest
from meegle_async.testing.files_state import parse_multipart
from meegle_async.testing.pytest_plugin import MeegleFakeFixture

from ._sample import Args, Sample

P = "space_demo"


def _story(fake: MeegleFakeFixture) -> int:
    return fake.ids("story", limit=1)[0]


async def _uploaded(client: MeegleClient, fake: MeegleFakeFixture) -> str:
    await client.attachments.upload(
        P, "story", _story(fake), b"sample", field_alias="attachments", filename="s.txt"
    )
    return (await client.attachments.list(P, "story", _story(fake)))[-1].uuid


async def _token(client: MeegleClient, fake: MeegleFakeFixture) -> str:
    return await client.attachments.upload_stream(
        P, "CommentAttachment", "story", _story(fake), b"log", filename="l.log"
    )


async def _upload(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, "story", _story(fake), b"hello"), {"field_alias": "attachments", "filename": "h.txt"}


def _check_upload(rec: RecordedRequest) -> None:
    form = parse_multipart(rec.raw_body, rec.headers["Content-Type"])
    assert form is not None
    assert form["field_alias"] == "attachments"
    assert form["file"].data == b"hello"
    assert form["file"].content_type == "text/plain"


async def _upload_file(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, b"\x89PNG"), {"filename": "i.png"}


async def _download(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, "story", _story(fake), await _uploaded(client, fake)), {}


async def _delete(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, _story(fake), [await _uploaded(client, fake)]), {"field_alias": "attachments"}


async def _item(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, "story", _story(fake)), {}


async def _comment(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, "story", _story(fake), await _token(client, fake)), {}


async def _stream_upload(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, "CommentAttachment", "story", _story(fake), b"x"), {"filename": "x.bin"}


def _check_stream_upload(rec: RecordedRequest) -> None:
    form = parse_multipart(rec.raw_body, rec.headers["Content-Type"])
    assert form is not None
    assert json.loads(form["field_map"])["comment_biz_type"] == "WORKITEM"


async def _stream_download(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    token = await _token(client, fake)
    await client.attachments.create_file_comment(P, "story", _story(fake), token)
    return (P, token), {}


SAMPLES: dict[str, Sample] = {
    "upload_attachment": Sample(_upload, _check_upload),
    "special_upload_attachment": Sample(_upload_file),
    "download_attachment": Sample(_download),
    "delete_file": Sample(_delete),
    "list_file_comments": Sample(_item),
    "create_file_comment": Sample(_comment),
    "file_stream_upload_form": Sample(_stream_upload, _check_stream_upload),
    "file_stream_download": Sample(_stream_download),
}
