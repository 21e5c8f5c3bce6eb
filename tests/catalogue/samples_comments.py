"""Samples for the comment endpoints: the SDK's work item comments and the newer comment API."""

from __future__ import annotations

from meegle_async import MeegleClient
from meegle_async.testing import RecordedRequest
from meegle_async.testing.pytest_plugin import MeegleFakeFixture

from ._sample import Args, Sample

P = "space_demo"


def _story(fake: MeegleFakeFixture) -> int:
    return fake.ids("story", limit=1)[0]


async def _create(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, "story", _story(fake), "from the catalogue"), {}


async def _list(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    wid = _story(fake)
    await client.comments.create(P, "story", wid, "one")
    return (P, "story", wid), {"page_size": 200}


async def _existing(client: MeegleClient, fake: MeegleFakeFixture) -> tuple[int, int]:
    wid = _story(fake)
    return wid, await client.comments.create(P, "story", wid, "to change")


async def _update(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    wid, cid = await _existing(client, fake)
    return (P, "story", wid, cid), {"content": "changed"}


async def _delete(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    wid, cid = await _existing(client, fake)
    return (P, "story", wid, cid), {}


async def _create_v2(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P,), {"work_item_type_key": "story", "work_item_id": _story(fake), "text": "v2"}


async def _query(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    wid = _story(fake)
    await client.comments.create(P, "story", wid, "one")
    return (P,), {"work_item_type_key": "story", "work_item_id": wid, "direction": "ASC"}


async def _v2_existing(client: MeegleClient, fake: MeegleFakeFixture) -> str:
    return await client.comments.create_v2(
        P, work_item_type_key="story", work_item_id=_story(fake), text="to change"
    )


async def _update_v2(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, await _v2_existing(client, fake)), {"text": "changed"}


async def _delete_v2(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, await _v2_existing(client, fake)), {}


def _check_create(hit: RecordedRequest) -> None:
    assert hit.body == {"content": "from the catalogue"}


def _check_list(hit: RecordedRequest) -> None:
    assert hit.query == {"page_size": "200"}


def _check_create_v2(hit: RecordedRequest) -> None:
    assert hit.body["object"]["type"] == "WORKITEM"
    assert hit.body["content"] == {"type": "TEXT", "text": "v2"}


def _check_query(hit: RecordedRequest) -> None:
    assert hit.body["paginator"] == {"cursor": "", "direction": "ASC"}


SAMPLES = {
    "create_comment": Sample(_create, _check_create),
    "list_comments": Sample(_list, _check_list),
    "update_comment": Sample(_update),
    "delete_comment": Sample(_delete),
    "create_comment_v2": Sample(_create_v2, _check_create_v2),
    "query_comments_v2": Sample(_query, _check_query),
    "update_comment_v2": Sample(_update_v2),
    "delete_comment_v2": Sample(_delete_v2),
}
