"""``client.with_raw_response`` and ``capture_raw_responses`` against the fake server: the
model plus the status, headers, log id and attempts of every request a call made."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from meegle_async import (
    MeegleClient,
    MeegleNotFoundError,
    RawIterator,
    RawResponse,
    RawResult,
    RetryPolicy,
    WorkItem,
    capture_raw_responses,
)
from meegle_async.testing import FakeMeegle


@pytest.fixture
async def fake() -> AsyncIterator[FakeMeegle]:
    async with FakeMeegle(seed_items=300, seed=42, rate_limits=False) as server:
        yield server


@pytest.fixture
async def client(fake: FakeMeegle) -> AsyncIterator[MeegleClient]:
    async with MeegleClient(
        base_url=fake.base_url,
        plugin_id=fake.plugin_id,
        plugin_secret=fake.plugin_secret,
        user_key=fake.user_key,
        default_qps=1000,
        retry_policy=RetryPolicy(max_retries=3, backoff_base=0.01, backoff_max=0.05),
    ) as c:
        yield c


def story_ids(fake: FakeMeegle) -> list[int]:
    return sorted(
        i.id
        for i in fake.store.items.values()
        if i.project_key == fake.project_key and i.type_key == "story" and not i.is_resource
    )


def openapi_log_ids(fake: FakeMeegle, endpoint: str) -> list[str]:
    return [r.log_id for r in fake.requests if r.endpoint == endpoint]


async def test_one_request_gives_the_model_and_its_answer(
    fake: FakeMeegle, client: MeegleClient
) -> None:
    ids = story_ids(fake)[:2]
    raw = await client.with_raw_response.work_items.get_details(fake.project_key, "story", ids)
    assert isinstance(raw, RawResult)
    assert [i.id for i in raw.parsed] == ids
    assert all(isinstance(i, WorkItem) for i in raw.parsed)
    assert len(raw.responses) == 1
    answer = raw.responses[0]
    assert answer.endpoint == "get_work_item_details"
    assert raw.status == 200
    assert raw.attempts == 1
    assert raw.log_id == answer.log_id == openapi_log_ids(fake, "get_work_item_details")[-1]
    assert raw.headers["X-Tt-Logid"] == raw.log_id


async def test_a_chunked_call_reports_every_request(fake: FakeMeegle, client: MeegleClient) -> None:
    ids = story_ids(fake)
    assert len(ids) > 100  # three requests of at most 50
    raw = await client.with_raw_response.work_items.get_details(fake.project_key, "story", ids)
    assert [i.id for i in raw.parsed] == ids
    assert len(raw.responses) == 3
    sent = openapi_log_ids(fake, "get_work_item_details")
    assert sorted(raw.log_ids) == sorted(sent)  # arrival order: the chunks run concurrently
    assert sorted(len(r.data) for r in raw.responses) == sorted([50, 50, len(ids) - 100])
    assert raw.attempts == 3


async def test_retries_are_counted_in_attempts(fake: FakeMeegle, client: MeegleClient) -> None:
    fake.faults.inject("get_work_item_details", "503", "503")
    ids = story_ids(fake)[:1]
    raw = await client.with_raw_response.work_items.get_details(fake.project_key, "story", ids)
    assert [i.id for i in raw.parsed] == ids
    assert raw.attempts == 3
    assert raw.status == 200


async def test_a_call_without_requests_reports_none(client: MeegleClient) -> None:
    raw = await client.with_raw_response.work_items.get_details("space", "story", [])
    assert raw.parsed == []
    assert raw.responses == ()
    assert (raw.status, raw.log_id, raw.attempts, dict(raw.headers)) == (None, None, 0, {})


async def test_iterators_collect_one_answer_per_page(
    fake: FakeMeegle, client: MeegleClient
) -> None:
    items = client.with_raw_response.work_items.iter_filter(
        fake.project_key, work_item_type_keys=["story"], page_size=50
    )
    assert isinstance(items, RawIterator)
    got = [i.id async for i in items]
    pages = openapi_log_ids(fake, "filter_work_item")
    assert len(got) > 100
    assert len(items.responses) == len(pages) >= 3
    assert [r.log_id for r in items.responses] == pages
    assert all(isinstance(r, RawResponse) and r.status == 200 for r in items.responses)


async def test_plain_def_iterators_are_wrapped_too(fake: FakeMeegle, client: MeegleClient) -> None:
    ids = story_ids(fake)[:3]
    records = client.with_raw_response.work_items.iter_change_log(fake.project_key, ids)
    assert isinstance(records, RawIterator)
    [r async for r in records]
    assert len(records.responses) >= 1
    assert {r.endpoint for r in records.responses} == {"get_work_item_change_log"}


async def test_request_and_the_typed_call_form(fake: FakeMeegle, client: MeegleClient) -> None:
    raw = await client.with_raw_response.request(
        "query_work_item_types",
        "GET",
        "/open_api/{project_key}/work_item/all-types",
        path_params={"project_key": fake.project_key},
    )
    assert raw.parsed == raw.responses[0].data
    assert raw.status == 200
    one = await client.with_raw_response.call(
        client.work_items.get_details, fake.project_key, "story", story_ids(fake)[:1]
    )
    assert one.parsed[0].id == story_ids(fake)[0]
    assert one.log_id == openapi_log_ids(fake, "get_work_item_details")[-1]
    direct = await client.request(
        "query_work_item_types",
        "GET",
        "/open_api/{project_key}/work_item/all-types",
        path_params={"project_key": fake.project_key},
        raw=True,
    )
    assert isinstance(direct, RawResponse)
    assert direct.data == raw.parsed


async def test_capture_keeps_answers_before_an_error_and_nests(
    fake: FakeMeegle, client: MeegleClient
) -> None:
    ids = story_ids(fake)[:1]
    with capture_raw_responses() as outer:
        await client.work_items.get_details(fake.project_key, "story", ids)
        with capture_raw_responses() as inner:
            with pytest.raises(MeegleNotFoundError):
                await client.work_items.get_details("no_such_space", "story", ids)
            await client.work_items.get_details(fake.project_key, "story", ids)
    after = await client.work_items.get_details(fake.project_key, "story", ids)
    assert after[0].id == ids[0]
    assert len(outer) == 2  # the failed call returned no answer to collect
    assert inner == outer[1:]


async def test_with_options_copies_and_refusals(fake: FakeMeegle, client: MeegleClient) -> None:
    copy = client.with_options(user_key=fake.user_key)
    raw = await copy.with_raw_response.spaces.list()
    assert raw.parsed == [fake.project_key, fake.second_project_key]
    assert raw.responses[0].endpoint == "list_project"
    with pytest.raises(TypeError, match="not a method"):
        _ = client.with_raw_response.work_items.field_metadata
    with pytest.raises(AttributeError, match="with_raw_response has no 'stats'"):
        _ = client.with_raw_response.stats


async def test_concurrent_raw_calls_keep_their_own_answers(
    fake: FakeMeegle, client: MeegleClient
) -> None:
    ids = story_ids(fake)
    raw = client.with_raw_response
    details, spaces, types = await asyncio.gather(
        raw.work_items.get_details(fake.project_key, "story", ids),
        raw.spaces.list(),
        raw.spaces.get_work_item_types(fake.project_key),
    )
    assert {r.endpoint for r in details.responses} == {"get_work_item_details"}
    assert len(details.responses) == 3
    assert [r.endpoint for r in spaces.responses] == ["list_project"]
    assert [r.endpoint for r in types.responses] == ["query_work_item_types"]
    assert [t.type_key for t in types.parsed] == [
        t.type_key for t in await client.spaces.get_work_item_types(fake.project_key)
    ]


async def test_file_calls_and_newer_groups_report_their_answers(
    fake: FakeMeegle, client: MeegleClient
) -> None:
    wid = story_ids(fake)[0]
    raw = client.with_raw_response
    up = await raw.attachments.upload(
        fake.project_key, "story", wid, b"hello", field_alias="attachments", filename="a.txt"
    )
    assert up.parsed is None
    assert [r.endpoint for r in up.responses] == ["upload_attachment"]
    assert up.log_id == fake.requests_to("upload_attachment")[-1].log_id
    listed = await raw.attachments.list(fake.project_key, "story", wid)
    (found,) = listed.parsed
    down = await raw.attachments.download(fake.project_key, "story", wid, found.uuid)
    assert down.parsed == b"hello"
    assert [r.endpoint for r in down.responses] == ["download_attachment"]
    assert down.status == 200
    flow = await raw.workflows.get(fake.project_key, "story", wid)
    assert flow.responses
    assert flow.log_id == fake.requests_to(flow.responses[-1].endpoint)[-1].log_id
