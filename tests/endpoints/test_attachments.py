"""client.attachments against the fake (and a raw loopback server for hostile answers): the
multipart request, downloads to memory / a path / an open file, cut-off downloads, refusals
with nothing sent, typed errors, and the retry rules for replayable and unreplayable bodies."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from meegle_async import (
    Attachment,
    MeegleClient,
    MeegleConnectionError,
    MeegleInvalidParamsError,
    MeegleNotFoundError,
    MeegleServerError,
    MeegleValidationError,
)
from meegle_async.endpoints.attachments import find_attachments
from meegle_async.testing import FakeMeegle
from meegle_async.testing.files_state import FormFile, parse_multipart
from meegle_async.transport.files import filename_from_disposition
from meegle_async.transport.retry import RetryPolicy


@pytest.fixture
async def fake() -> AsyncIterator[FakeMeegle]:
    async with FakeMeegle(seed_items=20, seed=3, rate_limits=False) as f:
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


def form_of(fake: FakeMeegle, endpoint: str = "upload_attachment") -> dict[str, Any]:
    rec = fake.requests_to(endpoint)[-1]
    form = parse_multipart(rec.raw_body, rec.headers["Content-Type"])
    assert form is not None
    return form


async def test_upload_sends_one_multipart_file_and_download_returns_it(
    fake: FakeMeegle, client: MeegleClient
) -> None:
    wid = story(fake)
    await client.attachments.upload(
        fake.project_key,
        "story",
        wid,
        b"%PDF-1.4 body",
        field_alias="attachments",
        filename="report.pdf",
    )
    (rec,) = fake.requests_to("upload_attachment")
    assert rec.method == "POST"
    assert rec.path == f"/open_api/{fake.project_key}/work_item/story/{wid}/file/upload"
    assert rec.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert rec.headers.get("X-Idem-UUID")
    form = form_of(fake)
    assert form["field_alias"] == "attachments"
    assert "field_key" not in form
    assert "index" not in form
    assert form["file"] == FormFile("report.pdf", "application/pdf", b"%PDF-1.4 body")

    (found,) = await client.attachments.list(fake.project_key, "story", wid)
    assert isinstance(found, Attachment)
    assert (found.field_key, found.name, found.size) == ("field_a77f01", "report.pdf", 13)
    data = await client.attachments.download(fake.project_key, "story", wid, found.uuid)
    assert data == b"%PDF-1.4 body"
    (down,) = fake.requests_to("download_attachment")
    assert down.body == {"uuid": found.uuid}
    assert "X-Idem-UUID" not in down.headers  # a POST that only reads


async def test_upload_from_a_path_and_a_seekable_file(
    fake: FakeMeegle, client: MeegleClient, tmp_path: Path
) -> None:
    wid = story(fake)
    path = tmp_path / "shot.png"
    path.write_bytes(b"\x89PNG data")
    await client.attachments.upload(fake.project_key, "story", wid, path, field_key="field_a77f01")
    assert form_of(fake)["file"] == FormFile("shot.png", "image/png", b"\x89PNG data")
    assert form_of(fake)["field_key"] == "field_a77f01"

    stream = io.BytesIO(b"skip:payload")
    stream.seek(5)  # uploads from where the file stands
    await client.attachments.upload(
        fake.project_key,
        "story",
        wid,
        stream,
        field_alias="attachments",
        index=2,
        content_type="text/x-custom",
    )
    form = form_of(fake)
    assert form["file"] == FormFile("file", "text/x-custom", b"payload")
    assert form["index"] == "2"
    assert not stream.closed  # the caller's file stays open
    names = [a.name for a in await client.attachments.list(fake.project_key, "story", wid)]
    assert names == ["shot.png", "file"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"file": b"", "field_alias": "attachments"}, "empty"),
        ({"file": b"x"}, "exactly one of field_key or field_alias"),
        ({"file": b"x", "field_key": "a", "field_alias": "b"}, "exactly one"),
        ({"file": b"x", "field_alias": "attachments", "index": -1}, "index"),
        ({"file": io.StringIO("text"), "field_alias": "attachments"}, "binary mode"),
        ({"file": 42, "field_alias": "attachments"}, "bytes, a path or a binary file"),
        ({"file": "/nonexistent/x.bin", "field_alias": "attachments"}, "not a readable file"),
        ({"file": b"x", "field_alias": "attachments", "content_type": "pdf"}, "MIME type"),
    ],
)
async def test_upload_refusals_send_nothing(
    fake: FakeMeegle, client: MeegleClient, kwargs: dict[str, Any], message: str
) -> None:
    file = kwargs.pop("file")
    with pytest.raises(MeegleValidationError, match=message):
        await client.attachments.upload(fake.project_key, "story", story(fake), file, **kwargs)
    assert fake.requests_to("upload_attachment") == []


async def test_upload_over_100_mib_is_refused_before_sending(
    fake: FakeMeegle, client: MeegleClient, tmp_path: Path
) -> None:
    big = tmp_path / "big.bin"
    with big.open("wb") as f:
        f.truncate(100 * 1024 * 1024 + 1)  # sparse: no 100 MiB written
    with pytest.raises(MeegleValidationError, match=r"over the limit \(100 MiB\)"):
        await client.attachments.upload(
            fake.project_key, "story", story(fake), big, field_alias="attachments"
        )
    with pytest.raises(MeegleValidationError, match=r"over the limit \(100 MiB\)"):
        await client.attachments.upload_file(fake.project_key, big)
    assert fake.requests == [] or all(r.endpoint is None for r in fake.requests)


async def test_a_field_holds_at_most_50_files(fake: FakeMeegle, client: MeegleClient) -> None:
    wid = story(fake)
    await asyncio.gather(
        *(
            client.attachments.upload(
                fake.project_key,
                "story",
                wid,
                f"{n}".encode(),
                field_alias="attachments",
                filename=f"{n}.txt",
            )
            for n in range(50)
        )
    )
    with pytest.raises(MeegleInvalidParamsError) as info:
        await client.attachments.upload(
            fake.project_key, "story", wid, b"51", field_alias="attachments"
        )
    assert info.value.code == 20006
    assert info.value.log_id
    assert len(await client.attachments.list(fake.project_key, "story", wid)) == 50


async def test_download_to_a_directory_survives_a_cut_off_and_leaves_no_partial_file(
    fake: FakeMeegle, client: MeegleClient, tmp_path: Path
) -> None:
    wid = story(fake)
    content = os.urandom(3 * 1024 * 1024 + 17)
    await client.attachments.upload(
        fake.project_key, "story", wid, content, field_alias="attachments", filename="Été 1.bin"
    )
    (found,) = await client.attachments.list(fake.project_key, "story", wid)
    fake.files.cut_next_downloads(1, at=0.4)
    seen: list[tuple[int, int | None]] = []
    path = await client.attachments.download(
        fake.project_key,
        "story",
        wid,
        found.uuid,
        to=tmp_path,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert path == tmp_path / "Été 1.bin"
    assert path.read_bytes() == content
    assert sorted(os.listdir(tmp_path)) == ["Été 1.bin"]
    assert [r.fault for r in fake.requests_to("download_attachment")] == ["cut_off", None]
    assert seen[-1] == (len(content), len(content))


async def test_download_cut_off_every_time_raises_and_writes_nothing(
    fake: FakeMeegle, client: MeegleClient, tmp_path: Path
) -> None:
    wid = story(fake)
    await client.attachments.upload(
        fake.project_key, "story", wid, b"x" * 100_000, field_alias="attachments"
    )
    (found,) = await client.attachments.list(fake.project_key, "story", wid)
    fake.files.cut_next_downloads(10)
    target = tmp_path / "out.bin"
    with pytest.raises(MeegleConnectionError):
        await client.with_options(max_retries=2).attachments.download(
            fake.project_key, "story", wid, found.uuid, to=target
        )
    assert os.listdir(tmp_path) == []
    assert len(fake.requests_to("download_attachment")) == 3


async def test_download_into_an_open_file_is_rewound_on_retry(
    fake: FakeMeegle, client: MeegleClient
) -> None:
    wid = story(fake)
    content = os.urandom(500_000)
    await client.attachments.upload(
        fake.project_key, "story", wid, content, field_alias="attachments"
    )
    (found,) = await client.attachments.list(fake.project_key, "story", wid)
    fake.files.cut_next_downloads(1)
    out = io.BytesIO(b"head:")
    out.seek(5)
    result = await client.attachments.download(fake.project_key, "story", wid, found.uuid, to=out)
    assert result is None
    assert out.getvalue() == b"head:" + content
    info = await client.attachments.download_file(fake.project_key, "story", wid, found.uuid)
    assert info.size == len(content)
    assert info.content == content
    assert info.path is None
    assert info.sha256 == hashlib.sha256(content).hexdigest()


async def test_download_errors_are_typed(fake: FakeMeegle, client: MeegleClient) -> None:
    with pytest.raises(MeegleNotFoundError) as info:
        await client.attachments.download(fake.project_key, "story", story(fake), "nope")
    assert info.value.code == 30019
    assert info.value.log_id
    with pytest.raises(MeegleValidationError):
        await client.attachments.download(fake.project_key, "story", story(fake), "")
    with pytest.raises(MeegleValidationError):
        await client.attachments.download(fake.project_key, "story", 0, "u")


async def test_delete_sends_the_documented_body(fake: FakeMeegle, client: MeegleClient) -> None:
    wid = story(fake)
    for n in range(3):
        await client.attachments.upload(
            fake.project_key, "story", wid, b"d", field_alias="attachments", filename=f"{n}"
        )
    first, second, third = await client.attachments.list(fake.project_key, "story", wid)
    await client.attachments.delete(
        fake.project_key,
        wid,
        [first.uuid, third.uuid],
        field_alias="attachments",
        idempotency_key="del-1",
    )
    (rec,) = fake.requests_to("delete_file")
    assert rec.path == "/open_api/file/delete"
    assert rec.body == {
        "project_key": fake.project_key,
        "work_item_id": wid,
        "field_alias": "attachments",
        "uuids": [first.uuid, third.uuid],
    }
    assert rec.headers["X-Idem-UUID"] == "del-1"
    assert [a.uuid for a in await client.attachments.list(fake.project_key, "story", wid)] == [
        second.uuid
    ]
    with pytest.raises(MeegleNotFoundError):
        await client.attachments.delete(
            fake.project_key, wid, [first.uuid], field_key="field_a77f01"
        )
    for bad in (
        {"uuids": []},
        {"uuids": ["u"], "field_key": "a"},
        {"uuids": ["u"], "field_alias": None},
    ):
        kwargs: dict[str, Any] = {"field_alias": "attachments", **bad}
        uuids = kwargs.pop("uuids")
        with pytest.raises(MeegleValidationError):
            await client.attachments.delete(fake.project_key, wid, uuids, **kwargs)
    assert len(fake.requests_to("delete_file")) == 2


async def test_upload_file_returns_the_resource_url(fake: FakeMeegle, client: MeegleClient) -> None:
    url = await client.attachments.upload_file(fake.project_key, b"\x89PNG", filename="a.png")
    assert url.startswith("https://")
    form = form_of(fake, "special_upload_attachment")
    assert set(form) == {"file"}
    assert form["file"].content_type == "image/png"


async def test_upload_after_token_expiry_is_replayed_whole(
    fake: FakeMeegle, client: MeegleClient, tmp_path: Path
) -> None:
    wid = story(fake)
    await client.attachments.upload(fake.project_key, "story", wid, b"1", field_alias="attachments")
    fake.expire_tokens()
    path = tmp_path / "again.txt"
    path.write_bytes(b"replayed body")
    await client.attachments.upload(fake.project_key, "story", wid, path, field_alias="attachments")
    recs = fake.requests_to("upload_attachment")
    assert [r.err_code for r in recs] == [0, 10211, 0]
    second, third = (parse_multipart(r.raw_body, r.headers["Content-Type"]) for r in recs[1:])
    assert second == third
    assert third is not None
    assert third["file"].data == b"replayed body"
    assert recs[1].headers["X-Idem-UUID"] == recs[2].headers["X-Idem-UUID"]


# -- hostile answers from a raw loopback server ----------------------------------------------


class Raw:
    """Answers uploads from a script: each entry is (status, JSON body)."""

    def __init__(self, script: list[tuple[int, dict[str, Any]]]) -> None:
        self.script = script
        self.bodies: list[bytes] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.path.startswith("/open_api/authen/"):
            return web.json_response(
                {"error": {"code": 0}, "data": {"token": "t", "expire_time": 7200}}
            )
        self.bodies.append(await request.read())
        status, body = self.script.pop(0) if self.script else (200, {"err_code": 0, "data": None})
        return web.json_response(body, status=status, headers={"X-Tt-Logid": "LOG1"})


@pytest.fixture
async def raw_server() -> AsyncIterator[tuple[Raw, str]]:
    raw = Raw([])
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", raw.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield raw, f"http://127.0.0.1:{port}"
    await runner.cleanup()


def raw_client(base_url: str) -> MeegleClient:
    return MeegleClient(
        base_url=base_url,
        plugin_id="p",
        plugin_secret="s",
        user_key="u",
        retry_policy=RetryPolicy(backoff_base=0.0),
        default_qps=1000,
    )


FILE_INTERNAL = {"err_code": 1000051686, "err_msg": "file internal error, please retry", "err": {}}


async def test_file_internal_error_is_retried_with_the_whole_body(
    raw_server: tuple[Raw, str],
) -> None:
    raw, base = raw_server
    raw.script = [(500, FILE_INTERNAL), (500, FILE_INTERNAL)]
    async with raw_client(base) as client:
        await client.attachments.upload("space", "story", 7, b"payload", field_alias="a")
    assert len(raw.bodies) == 3
    assert all(b"payload" in body for body in raw.bodies)


async def test_an_unseekable_stream_is_sent_once(raw_server: tuple[Raw, str]) -> None:
    raw, base = raw_server
    raw.script = [(500, FILE_INTERNAL)]
    read_end, write_end = os.pipe()
    os.write(write_end, b"from a pipe")
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        async with raw_client(base) as client:
            with pytest.raises(MeegleServerError) as info:
                await client.attachments.upload("space", "story", 7, pipe, field_alias="a")
    assert info.value.code == 1000051686
    assert info.value.log_id == "LOG1"
    assert len(raw.bodies) == 1
    assert b"from a pipe" in raw.bodies[0]


# -- pure helpers ----------------------------------------------------------------------------


def test_find_attachments_reads_multi_file_and_rich_text() -> None:
    item = {
        "fields": [
            {
                "field_key": "f1",
                "field_type_key": "multi_file",
                "field_value": [{"uuid": "a", "name": "a.txt", "size": "12"}, {"uuid": "b"}],
            },
            {"field_key": "f2", "field_type_key": "text", "field_value": {"uuid": "ignored"}},
        ],
        "multi_texts": [
            {
                "field_key": "description",
                "field_value": {
                    "doc": '[{"type":"image","attrs":{"uuid":"c","name":"c.png"}},{"uuid":"a"}]',
                    "doc_text": "x",
                },
            },
        ],
    }
    found = find_attachments(item)
    assert [(a.field_key, a.uuid, a.name, a.size, a.source) for a in found] == [
        ("f1", "a", "a.txt", 12, "multi_file"),
        ("f1", "b", None, None, "multi_file"),
        ("description", "c", "c.png", None, "multi_text"),
    ]


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ('attachment; filename="a b.pdf"', "a b.pdf"),
        ("attachment; filename*=UTF-8''%C3%89t%C3%A9.txt", "Été.txt"),
        ("attachment; filename=\"x.txt\"; filename*=UTF-8''y.txt", "y.txt"),
        ('attachment; filename="../../etc/passwd"', "passwd"),
        ('attachment; filename=".."', None),
        ("inline", None),
        (None, None),
    ],
)
def test_filename_from_disposition(header: str | None, name: str | None) -> None:
    assert filename_from_disposition(header) == name


async def test_a_json_file_downloads_as_a_file_not_as_an_envelope(
    fake: FakeMeegle, client: MeegleClient, tmp_path: Path
) -> None:
    wid = story(fake)
    content = b'{"data": [1, 2], "note": "a JSON attachment"}'
    await client.attachments.upload(
        fake.project_key, "story", wid, content, field_alias="attachments", filename="d.json"
    )
    (found,) = await client.attachments.list(fake.project_key, "story", wid)
    assert await client.attachments.download(fake.project_key, "story", wid, found.uuid) == content
    path = await client.attachments.download(
        fake.project_key, "story", wid, found.uuid, to=tmp_path / "copy.json"
    )
    assert path.read_bytes() == content


def test_an_upload_repr_shows_no_content() -> None:
    from meegle_async.transport.files import Upload

    upload = Upload.of(b"secret-ish content", filename="a.txt")
    assert "secret-ish" not in repr(upload)
    assert "a.txt" in repr(upload)
