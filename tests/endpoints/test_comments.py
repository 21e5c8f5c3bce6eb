"""client.comments: the exact requests (loopback stub), refusals with nothing sent, documented
error codes as typed errors, both iterators, and the comment flows against the fake."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from meegle_async import (
    Comment,
    CommentPage,
    CommentQueryPage,
    CommentV2,
    MeegleClient,
    MeegleInvalidParamsError,
    MeegleNotFoundError,
    MeeglePaginationError,
    MeeglePermissionError,
    MeegleServerError,
    MeegleValidationError,
    to_dict,
)
from meegle_async.testing import FakeMeegle
from tests.conftest import Recorded, Stub, fail, ok

ITEM = "/open_api/space/work_item/story/1001"
T0 = 1_700_000_000_000


@pytest.fixture
async def client(client_kwargs: dict[str, Any]) -> AsyncIterator[MeegleClient]:
    async with MeegleClient(**client_kwargs, default_qps=1000, max_retries=0) as c:
        yield c


def answer(data: Any = None, **extra: Any) -> Any:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return ok(data, **extra)

    return handler


def refuse(code: int, msg: str = "refused") -> Any:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return fail(code, msg)

    return handler


def comment(cid: int, text: str = "hi") -> dict[str, Any]:
    return {
        "id": cid,
        "work_item_id": 1001,
        "work_item_type_key": "story",
        "created_at": T0 + cid,
        "operator": "u1",
        "content": text,
        "doc_rich_text": {"doc_text": text, "is_empty": False},
        "new_key": [1],
    }


# -- the SDK's endpoints: exact requests -------------------------------------------------------


async def test_create_posts_content_with_an_idempotency_key_and_returns_the_id(
    stub: Stub, client: MeegleClient
) -> None:
    stub.handler = answer(77)
    assert await client.comments.create("space", "story", "1001", "Looks good") == 77
    (rec,) = stub.requests
    assert (rec.method, rec.raw_path) == ("POST", ITEM + "/comment/create")
    assert rec.json == {"content": "Looks good"}
    assert rec.headers["X-Idem-UUID"]

    rich = [{"type": "paragraph", "elements": [{"text": "bold"}]}]
    await client.comments.create("space", "story", 1001, None, rich_text=rich, idempotency_key="k1")
    assert stub.requests[1].json == {"rich_text": rich}
    assert stub.requests[1].headers["X-Idem-UUID"] == "k1"


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (("space", "story", 1001, ""), {}),
        (("space", "story", 1001, "   "), {}),
        (("space", "story", 1001, None), {}),
        (("space", "story", 1001, None), {"rich_text": []}),
        (("space", "story", 1001, None), {"rich_text": "not rich"}),
        (("space", "story", 1001, 5), {}),
        (("space", "story", 0, "x"), {}),
        (("", "story", 1001, "x"), {}),
        (("space", "", 1001, "x"), {}),
    ],
)
async def test_create_refuses_bad_input_before_sending(
    stub: Stub, client: MeegleClient, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    with pytest.raises(MeegleValidationError):
        await client.comments.create(*args, **kwargs)
    assert stub.requests == []


async def test_create_answer_of_the_wrong_shape_is_a_server_error(
    stub: Stub, client: MeegleClient
) -> None:
    stub.handler = answer({"id": 1})
    with pytest.raises(MeegleServerError):
        await client.comments.create("space", "story", 1001, "x")


async def test_list_sends_paging_as_query_and_keeps_unknown_keys(
    stub: Stub, client: MeegleClient
) -> None:
    stub.handler = answer(
        [comment(1), comment(2)], pagination={"page_num": 2, "page_size": 2, "total": 5}
    )
    page = await client.comments.list("space", "story", 1001, page_num=2, page_size=2)
    (rec,) = stub.requests
    assert (rec.method, rec.raw_path.split("?")[0]) == ("GET", ITEM + "/comments")
    assert rec.query == {"page_num": "2", "page_size": "2"}
    assert "X-Idem-UUID" not in rec.headers
    assert isinstance(page, CommentPage)
    assert page.total == 5
    first = (page.items or [])[0]
    assert isinstance(first, Comment)
    assert (first.id, first.operator, first.content) == (1, "u1", "hi")
    assert first.doc_rich_text is not None
    assert first.doc_rich_text.doc_text == "hi"
    assert to_dict(first) == comment(1)


async def test_list_refuses_a_page_size_over_200(stub: Stub, client: MeegleClient) -> None:
    with pytest.raises(MeegleValidationError, match="200"):
        await client.comments.list("space", "story", 1001, page_size=201)
    with pytest.raises(MeegleValidationError):
        await client.comments.list("space", "story", 1001, page_num=0)
    assert stub.requests == []


async def test_update_puts_and_delete_deletes_the_comment_path(
    stub: Stub, client: MeegleClient
) -> None:
    stub.handler = answer({})
    await client.comments.update("space", "story", 1001, "42", content="new")
    await client.comments.delete("space", "story", 1001, 42)
    upd, dele = stub.requests
    assert (upd.method, upd.raw_path, upd.json) == ("PUT", ITEM + "/comment/42", {"content": "new"})
    assert (dele.method, dele.raw_path) == ("DELETE", ITEM + "/comment/42")
    assert upd.headers["X-Idem-UUID"]
    assert dele.headers["X-Idem-UUID"]
    with pytest.raises(MeegleValidationError):
        await client.comments.update("space", "story", 1001, 42)
    with pytest.raises(MeegleValidationError):
        await client.comments.delete("space", "story", 1001, "abc")
    assert len(stub.requests) == 2


@pytest.mark.parametrize(
    ("method", "code", "error"),
    [
        ("create", 50001, MeeglePermissionError),
        ("create", 1000051280, MeegleInvalidParamsError),
        ("list", 1000051135, MeegleNotFoundError),
        ("list", 1000051256, MeeglePermissionError),
        ("list", 20002, MeegleInvalidParamsError),
        ("update", 1000051280, MeegleInvalidParamsError),
        ("delete", 1000050052, MeegleNotFoundError),
        ("delete", 10001, MeeglePermissionError),
        ("delete", 20014, MeegleInvalidParamsError),
    ],
)
async def test_documented_codes_are_typed_errors(
    stub: Stub, client: MeegleClient, method: str, code: int, error: type[Exception]
) -> None:
    stub.handler = refuse(code, "spec says no")
    calls = {
        "create": lambda: client.comments.create("space", "story", 1001, "x"),
        "list": lambda: client.comments.list("space", "story", 1001),
        "update": lambda: client.comments.update("space", "story", 1001, 5, content="x"),
        "delete": lambda: client.comments.delete("space", "story", 1001, 5),
    }
    with pytest.raises(error) as info:
        await calls[method]()
    assert info.value.code == code  # type: ignore[attr-defined]
    assert info.value.message == "spec says no"  # type: ignore[attr-defined]


async def test_iter_walks_every_page_in_order(stub: Stub, client: MeegleClient) -> None:
    comments = [comment(i) for i in range(1, 6)]

    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        num, size = int(rec.query["page_num"]), int(rec.query["page_size"])
        chunk = comments[(num - 1) * size : num * size]
        return ok(chunk, pagination={"page_num": num, "page_size": size, "total": 5})

    stub.handler = handler
    got = [c.id async for c in client.comments.iter("space", "story", 1001, page_size=2)]
    assert got == [1, 2, 3, 4, 5]
    assert [r.query["page_num"] for r in stub.requests] == ["1", "2", "3"]


async def test_iter_stops_instead_of_looping_on_a_repeated_page(
    stub: Stub, client: MeegleClient
) -> None:
    stub.handler = answer([comment(1), comment(2)], pagination={"page_size": 2, "total": 10})
    with pytest.raises(MeeglePaginationError):
        async for _ in client.comments.iter("space", "story", 1001, page_size=2):
            pass
    assert len(stub.requests) == 2


# -- the newer comment API: exact requests -----------------------------------------------------


async def test_create_v2_bodies_for_work_item_field_and_reply(
    stub: Stub, client: MeegleClient
) -> None:
    stub.handler = answer({"comment_id": "c-9"})
    cid = await client.comments.create_v2(
        "space", work_item_type_key="story", work_item_id=1001, text=" hello "
    )
    assert cid == "c-9"
    await client.comments.create_v2(
        "space", work_item_type_key="story", work_item_id="1001", field_key="desc", markdown="**b**"
    )
    await client.comments.reply("space", "c-9", file_token="ft")
    a, b, c = (r.json for r in stub.requests)
    assert a == {
        "project_key": "space",
        "object": {"type": "WORKITEM", "work_item_type_key": "story", "work_item_id": "1001"},
        "content": {"type": "TEXT", "text": "hello"},
    }
    assert b["object"] == {
        "type": "WORKITEMFIELD",
        "work_item_type_key": "story",
        "work_item_id": "1001",
        "field_key": "desc",
    }
    assert b["content"] == {"type": "RICHTEXT", "markdown": "**b**"}
    assert c["object"] == {"type": "CHILDCOMMENT", "parent_id": "c-9"}
    assert c["content"] == {"type": "FILE", "file_token": "ft"}
    assert all(r.raw_path == "/open_api/comment/create" for r in stub.requests)
    assert all(r.headers["X-Idem-UUID"] for r in stub.requests)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"work_item_type_key": "story", "work_item_id": 1001},  # no content
        {"work_item_type_key": "story", "work_item_id": 1001, "text": "a", "markdown": "b"},
        {"work_item_type_key": "story", "work_item_id": 1001, "text": " "},
        {"text": "no target"},
        {"work_item_type_key": "story", "text": "no id"},
        {"parent_id": "c1", "work_item_id": 1001, "text": "reply with a work item"},
        {"parent_id": "", "text": "empty parent"},
        {"work_item_type_key": "story", "work_item_id": 1001, "rich_text": {}},
    ],
)
async def test_create_v2_refuses_bad_input_before_sending(
    stub: Stub, client: MeegleClient, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(MeegleValidationError):
        await client.comments.create_v2("space", **kwargs)
    assert stub.requests == []


async def test_query_sends_the_paginator_and_returns_a_page(
    stub: Stub, client: MeegleClient
) -> None:
    stub.handler = answer(
        {
            "comments": [{"comment_id": "1", "content": {"type": "TEXT", "text": "a"}}],
            "next_cursor": "1",
        }
    )
    page = await client.comments.query(
        "space",
        work_item_type_key="story",
        work_item_id=1001,
        cursor="0",
        direction="ASC",
        page_size=10,
        need_rich_text_mark_down=True,
    )
    (rec,) = stub.requests
    assert rec.raw_path == "/open_api/comment/query"
    assert "X-Idem-UUID" not in rec.headers  # a read sent with POST
    assert rec.json["paginator"] == {"cursor": "0", "direction": "ASC", "page_size": 10}
    assert rec.json["need_rich_text_mark_down"] is True
    assert isinstance(page, CommentQueryPage)
    (first,) = page.comments or []
    assert isinstance(first, CommentV2)
    assert (first.comment_id, first.text, page.next_cursor) == ("1", "a", "1")
    with pytest.raises(MeegleValidationError):
        await client.comments.query("space", parent_id="1", direction="UP")  # type: ignore[arg-type]
    assert len(stub.requests) == 1


async def test_iter_query_follows_the_cursor_and_refuses_a_repeated_one(
    stub: Stub, client: MeegleClient
) -> None:
    pages = {
        "": {"comments": [{"comment_id": "1"}, {"comment_id": "2"}], "next_cursor": "2"},
        "2": {"comments": [{"comment_id": "3"}], "next_cursor": ""},
    }

    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return ok(pages[rec.json["paginator"]["cursor"]])

    stub.handler = handler
    got = [c.comment_id async for c in client.comments.iter_query("space", parent_id="9")]
    assert got == ["1", "2", "3"]
    assert [r.json["paginator"]["direction"] for r in stub.requests] == ["ASC", "ASC"]

    stub.requests.clear()
    stub.handler = answer({"comments": [{"comment_id": "1"}], "next_cursor": "same"})
    with pytest.raises(MeeglePaginationError):
        async for _ in client.comments.iter_query("space", parent_id="9"):
            pass
    assert len(stub.requests) == 2


async def test_update_v2_and_delete_v2_bodies(stub: Stub, client: MeegleClient) -> None:
    stub.handler = answer({"comment_id": "5"})
    await client.comments.update_v2("space", 5, text="new")
    await client.comments.delete_v2("space", "5")
    upd, dele = stub.requests
    assert (upd.raw_path, upd.json) == (
        "/open_api/comment/update",
        {"project_key": "space", "comment_id": "5", "content": {"type": "TEXT", "text": "new"}},
    )
    assert (dele.raw_path, dele.json) == (
        "/open_api/comment/delete",
        {"project_key": "space", "comment_id": "5"},
    )
    with pytest.raises(MeegleValidationError):
        await client.comments.update_v2("space", 5)
    assert len(stub.requests) == 2


# -- against the fake --------------------------------------------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeMeegle]:
    async with FakeMeegle(seed_items=40, seed=3, rate_limits=False) as server:
        yield server


@pytest.fixture
async def fclient(fake: FakeMeegle) -> AsyncIterator[MeegleClient]:
    async with MeegleClient(
        base_url=fake.base_url,
        plugin_id=fake.plugin_id,
        plugin_secret=fake.plugin_secret,
        user_key=fake.user_key,
    ) as c:
        yield c


def a_story(fake: FakeMeegle) -> int:
    return min(
        i.id
        for i in fake.store.items.values()
        if i.type_key == "story" and i.project_key == fake.project_key and not i.is_resource
    )


async def test_fake_both_apis_see_the_same_comments_in_creation_order(
    fake: FakeMeegle, fclient: MeegleClient
) -> None:
    wid = a_story(fake)
    first = await fclient.comments.create("space_demo", "story", wid, "first")
    second = await fclient.comments.create_v2(
        "space_demo", work_item_type_key="story", work_item_id=wid, text="second"
    )
    await fclient.comments.reply("space_demo", second, text="a reply")
    await fclient.comments.create_v2(
        "space_demo",
        work_item_type_key="story",
        work_item_id=wid,
        field_key="description",
        text="on the field",
    )
    listed = [c async for c in fclient.comments.iter("space_demo", "story", wid)]
    assert [c.content for c in listed] == ["first", "second"]  # no replies, no field comments
    assert listed[0].id == first
    assert str(listed[1].id) == second
    queried = [
        c.text
        async for c in fclient.comments.iter_query(
            "space_demo", work_item_type_key="story", work_item_id=wid
        )
    ]
    assert queried == ["first", "second"]
    newest = await fclient.comments.query(
        "space_demo", work_item_type_key="story", work_item_id=wid, direction="DESC", page_size=1
    )
    assert [c.text for c in newest.comments or []] == ["second"]
    assert newest.next_cursor
    replies = [c async for c in fclient.comments.iter_query("space_demo", parent_id=second)]
    assert [(r.text, r.parent_id) for r in replies] == [("a reply", second)]
    on_field = [
        c.text
        async for c in fclient.comments.iter_query(
            "space_demo", work_item_type_key="story", work_item_id=wid, field_key="description"
        )
    ]
    assert on_field == ["on the field"]


async def test_fake_iter_pages_past_200(fake: FakeMeegle, fclient: MeegleClient) -> None:
    wid = a_story(fake)
    for i in range(205):
        await fclient.comments.create("space_demo", "story", wid, f"c{i}")
    got = [c.content async for c in fclient.comments.iter("space_demo", "story", wid)]
    assert got == [f"c{i}" for i in range(205)]
    assert len(fake.requests_to("list_comments")) == 2
    v2 = [
        c.text
        async for c in fclient.comments.iter_query(
            "space_demo", work_item_type_key="story", work_item_id=wid, page_size=100
        )
    ]
    assert v2 == got
    assert len(fake.requests_to("query_comments_v2")) == 3


async def test_fake_only_the_creator_may_change_a_comment(
    fake: FakeMeegle, fclient: MeegleClient
) -> None:
    wid = a_story(fake)
    cid = await fclient.comments.create("space_demo", "story", wid, "mine")
    other = fclient.with_options(user_key=sorted(fake.store.users)[1])
    with pytest.raises(MeeglePermissionError):
        await other.comments.update("space_demo", "story", wid, cid, content="theirs")
    with pytest.raises(MeeglePermissionError):
        await other.comments.delete_v2("space_demo", cid)
    await fclient.comments.update_v2("space_demo", cid, text="edited")
    page = await fclient.comments.list("space_demo", "story", wid)
    assert [c.content for c in page.items or []] == ["edited"]
    await fclient.comments.delete("space_demo", "story", wid, cid)
    assert (await fclient.comments.list("space_demo", "story", wid)).total == 0
    with pytest.raises(MeegleNotFoundError) as info:
        await fclient.comments.delete("space_demo", "story", wid, cid)
    assert info.value.code == 1000050052


async def test_fake_refusals_are_typed(fake: FakeMeegle, fclient: MeegleClient) -> None:
    with pytest.raises(MeegleNotFoundError) as info:
        await fclient.comments.list("space_demo", "story", 999)
    assert info.value.code == 1000051135
    body = json.dumps({"content": ""})  # an empty comment sent past the client's checks
    with pytest.raises(MeegleInvalidParamsError) as bad:
        await fclient.request(
            "create_comment",
            "POST",
            "/open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/comment/create",
            path_params={
                "project_key": "space_demo",
                "work_item_type_key": "story",
                "work_item_id": a_story(fake),
            },
            json=json.loads(body),
        )
    assert bad.value.code == 1000051280


async def test_fake_a_lost_answer_is_retried_without_a_second_comment(
    fake: FakeMeegle, fclient: MeegleClient
) -> None:
    wid = a_story(fake)
    fake.faults.inject("create_comment", "drop_after", "503")
    fake.faults.inject("create_comment_v2", "drop_after")
    cid = await fclient.comments.create("space_demo", "story", wid, "once")
    reply_to = await fclient.comments.create_v2(
        "space_demo", work_item_type_key="story", work_item_id=wid, text="twice?"
    )
    sent = fake.requests_to("create_comment")
    assert len(sent) == 3  # answer lost, 503, then the replayed answer
    assert len({r.headers["X-Idem-UUID"] for r in sent}) == 1
    page = await fclient.comments.list("space_demo", "story", wid)
    assert [(c.id, c.content) for c in page.items or []] == [
        (cid, "once"),
        (int(reply_to), "twice?"),
    ]


async def test_fake_replies_go_one_level_deep_and_attachments_stay_as_they_are(
    fake: FakeMeegle, fclient: MeegleClient
) -> None:
    wid = a_story(fake)
    top = await fclient.comments.create_v2(
        "space_demo", work_item_type_key="story", work_item_id=wid, file_token="tok-file"
    )
    reply = await fclient.comments.reply("space_demo", top, text="nice file")
    with pytest.raises(MeegleInvalidParamsError):
        await fclient.comments.reply("space_demo", reply, text="a reply to a reply")
    with pytest.raises(MeegleInvalidParamsError):
        await fclient.comments.update_v2("space_demo", top, text="not a file any more")
    with pytest.raises(MeegleNotFoundError):
        await fclient.comments.reply("space_demo", "9999", text="to nothing")
    await fclient.comments.delete_v2("space_demo", top)  # its replies go with it
    with pytest.raises(MeegleNotFoundError):
        await fclient.comments.query("space_demo", parent_id=top)
    with pytest.raises(MeegleNotFoundError):
        await fclient.comments.update_v2("space_demo", reply, text="gone")


async def test_fake_query_newest_first_follows_the_cursor(
    fake: FakeMeegle, fclient: MeegleClient
) -> None:
    wid = a_story(fake)
    for i in range(5):
        await fclient.comments.create("space_demo", "story", wid, f"c{i}")
    got = [
        c.text
        async for c in fclient.comments.iter_query(
            "space_demo",
            work_item_type_key="story",
            work_item_id=wid,
            direction="DESC",
            page_size=2,
        )
    ]
    assert got == ["c4", "c3", "c2", "c1", "c0"]
    assert len(fake.requests_to("query_comments_v2")) == 3
