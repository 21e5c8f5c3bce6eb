"""client.attachments' file-stream API and file comments against the fake: upload a file for a
comment, bind it with a file comment, list the comments page by page, download it by token."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from meegle_async import (
    FileComment,
    MeegleClient,
    MeegleInvalidParamsError,
    MeegleNotFoundError,
    MeegleValidationError,
)
from meegle_async.testing import FakeMeegle
from meegle_async.testing.files_state import parse_multipart
from meegle_async.transport.retry import RetryPolicy


@pytest.fixture
async def fake() -> AsyncIterator[FakeMeegle]:
    async with FakeMeegle(seed_items=10, seed=4, rate_limits=False) as f:
        yield f


@pytest.fixture
async def client(fake: FakeMeegle) -> AsyncIterator[MeegleClient]:
    async with MeegleClient(
        base_url=fake.base_url,
        plugin_id=fake.plugin_id,
        plugin_secret=fake.plugin_secret,
        user_key=fake.user_key,
        default_qps=1000,
        retry_policy=RetryPolicy(backoff_base=0.0),
    ) as c:
        yield c


def story(fake: FakeMeegle) -> int:
    return next(
        i.id
        for i in fake.store.items.values()
        if i.type_key == "story" and i.project_key == fake.project_key
    )


async def test_upload_bind_list_download(
    fake: FakeMeegle, client: MeegleClient, tmp_path: Path
) -> None:
    wid = story(fake)
    files = client.attachments
    token = await files.upload_stream(
        fake.project_key, "CommentAttachment", "story", wid, b"log line\n", filename="run.log"
    )
    (rec,) = fake.requests_to("file_stream_upload_form")
    assert rec.path == (
        f"/open_api/{fake.project_key}/file/stream/resource/CommentAttachment/upload_form"
    )
    form = parse_multipart(rec.raw_body, rec.headers["Content-Type"])
    assert form is not None
    assert json.loads(form["field_map"]) == {
        "comment_biz_type": "WORKITEM",
        "work_item_type_key": "story",
        "work_item_id": str(wid),
    }
    assert form["file"].filename == "run.log"

    with pytest.raises(MeegleNotFoundError):  # not bound to a comment yet
        await files.download_stream(fake.project_key, token)

    comment_id = await files.create_file_comment(fake.project_key, "story", wid, token)
    (create,) = fake.requests_to("create_file_comment")
    assert create.body == {"file_token": token}
    assert create.headers.get("X-Idem-UUID")

    page = await files.list_file_comments(fake.project_key, "story", wid, page_size=10)
    (comment,) = page.items
    assert isinstance(comment, FileComment)
    assert comment.id == comment_id
    assert comment.comment_file is not None
    assert (comment.comment_file.file_token, comment.comment_file.file_size) == (token, 9)
    assert page.total == 1
    assert fake.requests_to("list_file_comments")[0].query == {"page_num": "1", "page_size": "10"}

    got = await files.download_stream(fake.project_key, token, to=tmp_path)
    assert got.path == tmp_path / "run.log"
    assert got.path.read_bytes() == b"log line\n"
    assert fake.requests_to("file_stream_download")[-1].method == "GET"


async def test_iter_file_comments_walks_every_page(fake: FakeMeegle, client: MeegleClient) -> None:
    wid = story(fake)
    for n in range(5):
        token = await client.attachments.upload_stream(
            fake.project_key, "CommentMultiTextImg", "story", wid, b"png", filename=f"{n}.png"
        )
        await client.attachments.create_file_comment(fake.project_key, "story", wid, token)
    names = [
        c.comment_file.file_name
        async for c in client.attachments.iter_file_comments(
            fake.project_key, "story", wid, page_size=2
        )
        if c.comment_file is not None
    ]
    assert names == [f"{n}.png" for n in range(5)]
    assert len(fake.requests_to("list_file_comments")) == 3


async def test_stream_refusals(fake: FakeMeegle, client: MeegleClient) -> None:
    wid = story(fake)
    with pytest.raises(MeegleValidationError, match=r"over the limit \(under 20 MB\)"):
        await client.attachments.upload_stream(
            fake.project_key, "CommentAttachment", "story", wid, b"x" * (20 * 1024 * 1024)
        )
    with pytest.raises(MeegleValidationError, match="resource_type"):
        await client.attachments.upload_stream(
            fake.project_key,
            "Other",  # type: ignore[arg-type]
            "story",
            wid,
            b"x",
        )
    with pytest.raises(MeegleValidationError):
        await client.attachments.create_file_comment(fake.project_key, "story", wid, "")
    with pytest.raises(MeegleValidationError):
        await client.attachments.list_file_comments(fake.project_key, "story", wid, page_num=0)
    assert [r for r in fake.requests if r.endpoint is not None and "token" not in r.endpoint] == []
    with pytest.raises(MeegleNotFoundError) as info:
        await client.attachments.create_file_comment(fake.project_key, "story", wid, "ftk_nope")
    assert info.value.code == 30019
    token = await client.attachments.upload_stream(
        fake.project_key, "CommentAttachment", "story", wid, b"once"
    )
    await client.attachments.create_file_comment(fake.project_key, "story", wid, token)
    with pytest.raises(MeegleInvalidParamsError):
        await client.attachments.create_file_comment(fake.project_key, "story", wid, token)
