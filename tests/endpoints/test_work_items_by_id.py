"""Reads by id against the fake: one rule for missing ids whatever the chunking, and single
``get`` calls coalesced into shared details requests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from meegle_async import MeegleClient, MeegleMissingIdsError, MeegleNotFoundError
from meegle_async.errors import MeegleValidationError
from meegle_async.testing import FakeMeegle

DETAILS = "get_work_item_details"


@pytest.fixture
async def fake() -> AsyncIterator[FakeMeegle]:
    async with FakeMeegle(seed_items=400, seed=7, rate_limits=False) as server:
        yield server


def client_for(fake: FakeMeegle, **options: Any) -> MeegleClient:
    return MeegleClient(
        base_url=fake.base_url,
        plugin_id=fake.plugin_id,
        plugin_secret=fake.plugin_secret,
        user_key=fake.user_key,
        default_qps=1000,
        **options,
    )


def stories(fake: FakeMeegle) -> list[int]:
    return sorted(
        i.id
        for i in fake.store.items.values()
        if i.type_key == "story" and i.project_key == fake.project_key
    )


def unknown_ids(count: int) -> list[int]:
    return [9_000_000_000 + n for n in range(count)]


# -- get_details and missing ids -------------------------------------------------------------


@pytest.mark.parametrize("layout", ["scattered", "one whole chunk", "every chunk partly"])
async def test_missing_ids_give_the_same_answer_however_they_fall_into_chunks(
    fake: FakeMeegle, layout: str
) -> None:
    known = stories(fake)[:100]
    gone = unknown_ids(50)
    if layout == "scattered":
        ids = known[:60] + gone[:3] + known[60:]
        missing = gone[:3]
    elif layout == "one whole chunk":
        ids = known[:50] + gone + known[50:]  # the second chunk has no id that exists
        missing = gone
    else:
        ids = [i for pair in zip(known, gone, strict=False) for i in pair] + known[50:]
        missing = gone
    async with client_for(fake) as client:
        with pytest.raises(MeegleMissingIdsError) as info:
            await client.work_items.get_details(fake.project_key, "story", ids, missing="raise")
        skipped = await client.work_items.get_details(
            fake.project_key, "story", ids, missing="skip"
        )
    expected = [i for i in ids if i not in set(missing)]
    assert [item.id for item in info.value.found] == expected
    assert info.value.missing_ids == missing
    assert info.value.code == 30005
    assert isinstance(info.value, MeegleNotFoundError)
    assert [item.id for item in skipped] == expected


async def test_a_refused_chunk_costs_a_bounded_number_of_extra_requests(
    fake: FakeMeegle,
) -> None:
    known = stories(fake)[:49]
    gone = unknown_ids(1)
    async with client_for(fake) as client:
        items = await client.work_items.get_details(
            fake.project_key, "story", known + gone, missing="skip"
        )
    assert [i.id for i in items] == known
    # One request: the server leaves an unknown id out of a chunk where others exist.
    assert len(fake.requests_to(DETAILS)) == 1


async def test_once_unknown_ids_were_seen_left_out_a_refused_chunk_is_not_split(
    fake: FakeMeegle,
) -> None:
    known = stories(fake)[:10]
    gone = unknown_ids(50)
    async with client_for(fake) as client:
        wi = client.work_items
        # The first call learns nothing (no partial answer): the refused chunk is split until
        # each id is known missing, at most 2n - 2 extra requests.
        await wi.get_details(fake.project_key, "story", gone[:8], missing="skip")
        assert len(fake.requests_to(DETAILS)) <= 1 + 2 * 8 - 2
        # A partial answer shows the server leaves unknown ids out...
        await wi.get_details(fake.project_key, "story", [*known, gone[0]], missing="skip")
        fake.requests.clear()
        # ...so from now on a refused chunk is missing as a whole: one request.
        with pytest.raises(MeegleMissingIdsError) as info:
            await wi.get_details(fake.project_key, "story", gone, missing="raise")
    assert info.value.missing_ids == gone
    assert len(fake.requests_to(DETAILS)) == 1


async def test_every_id_missing_raises_with_nothing_found(fake: FakeMeegle) -> None:
    gone = unknown_ids(3)
    async with client_for(fake) as client:
        with pytest.raises(MeegleMissingIdsError) as info:
            await client.work_items.get_details(fake.project_key, "story", gone, missing="raise")
        assert (
            await client.work_items.get_details(fake.project_key, "story", gone, missing="skip")
            == []
        )
    assert info.value.found == []
    assert info.value.missing_ids == gone
    assert info.value.log_id  # the refusal's log id, for a support ticket


async def test_a_bad_missing_option_is_refused_before_sending(fake: FakeMeegle) -> None:
    async with client_for(fake) as client:
        with pytest.raises(MeegleValidationError, match="missing"):
            await client.work_items.get_details(
                fake.project_key,
                "story",
                [1],
                missing="ignore",  # type: ignore[arg-type]
            )
    assert fake.requests_to(DETAILS) == []


# -- get: coalescing ---------------------------------------------------------------------------


async def test_fifty_concurrent_gets_make_one_request(fake: FakeMeegle) -> None:
    ids = stories(fake)[:50]
    async with client_for(fake) as client:
        items = await asyncio.gather(
            *(client.work_items.get(fake.project_key, "story", i) for i in ids)
        )
    assert [item.id for item in items] == ids
    (request,) = fake.requests_to(DETAILS)
    assert sorted(request.body["work_item_ids"]) == ids


async def test_more_than_fifty_gets_are_split_and_repeats_share_one_id(fake: FakeMeegle) -> None:
    ids = stories(fake)[:75]
    asked = ids + ids[:10]
    async with client_for(fake) as client:
        items = await asyncio.gather(
            *(client.work_items.get(fake.project_key, "story", str(i)) for i in asked)
        )
    assert [item.id for item in items] == asked
    sizes = sorted(len(r.body["work_item_ids"]) for r in fake.requests_to(DETAILS))
    assert sizes == [25, 50]  # the repeats join the request already under way


async def test_each_caller_gets_its_own_item_or_its_own_not_found(fake: FakeMeegle) -> None:
    ids = stories(fake)[:5]
    gone = unknown_ids(2)
    async with client_for(fake) as client:
        results = await asyncio.gather(
            *(client.work_items.get(fake.project_key, "story", i) for i in [*ids, *gone]),
            return_exceptions=True,
        )
    assert [r.id for r in results[:5]] == ids  # type: ignore[union-attr]
    for error, missing_id in zip(results[5:], gone, strict=True):
        assert type(error) is MeegleNotFoundError
        assert error.code == 30005
        assert str(missing_id) in str(error)
    assert len(fake.requests_to(DETAILS)) <= 2


async def test_different_options_are_not_mixed(fake: FakeMeegle) -> None:
    ids = stories(fake)[:4]
    async with client_for(fake) as client:
        wi = client.work_items
        plain, narrow = await asyncio.gather(
            asyncio.gather(*(wi.get(fake.project_key, "story", i) for i in ids[:2])),
            asyncio.gather(
                *(wi.get(fake.project_key, "story", i, fields=["name"]) for i in ids[2:])
            ),
        )
    requests = fake.requests_to(DETAILS)
    assert len(requests) == 2
    bodies = sorted((r.body.get("fields") or [], sorted(r.body["work_item_ids"])) for r in requests)
    assert bodies == [([], ids[:2]), (["name"], ids[2:])]
    assert [i.id for i in plain] == ids[:2]
    assert [i.id for i in narrow] == ids[2:]


async def test_cancelling_one_caller_leaves_the_others_alone(fake: FakeMeegle) -> None:
    ids = stories(fake)[:10]
    fake.latency = 0.05
    async with client_for(fake) as client:
        tasks = [
            asyncio.ensure_future(client.work_items.get(fake.project_key, "story", i)) for i in ids
        ]
        await asyncio.sleep(0)  # the shared request is under way
        tasks[3].cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(results[3], asyncio.CancelledError)
    assert [r.id for i, r in enumerate(results) if i != 3] == [  # type: ignore[union-attr]
        x for n, x in enumerate(ids) if n != 3
    ]
    assert len(fake.requests_to(DETAILS)) == 1


async def test_a_window_gathers_calls_made_a_little_apart(fake: FakeMeegle) -> None:
    ids = stories(fake)[:3]
    async with client_for(fake) as client:
        client.work_items.coalesce_window = 0.5

        async def later(delay: int, item_id: int) -> Any:
            for _ in range(delay):
                await asyncio.sleep(0)
            return await client.work_items.get(fake.project_key, "story", item_id)

        items = await asyncio.gather(*(later(n * 3, i) for n, i in enumerate(ids)))
        with pytest.raises(MeegleValidationError):
            client.work_items.coalesce_window = -1
    assert [i.id for i in items] == ids
    assert len(fake.requests_to(DETAILS)) == 1


async def test_a_failure_of_the_shared_request_reaches_every_caller(fake: FakeMeegle) -> None:
    ids = stories(fake)[:3]
    async with client_for(fake) as client:
        results = await asyncio.gather(
            *(client.work_items.get(fake.project_key, "no_such_type", i) for i in ids),
            return_exceptions=True,
        )
    assert all(isinstance(r, MeegleNotFoundError) for r in results)
    assert {r.code for r in results} == {30014}  # type: ignore[union-attr]
    assert len(fake.requests_to(DETAILS)) == 1


# -- resources --------------------------------------------------------------------------------


def resource_kind(fake: FakeMeegle) -> tuple[str, str, list[int]]:
    items = fake.store.items.values()
    kinds = sorted({(i.project_key, i.type_key) for i in items if i.is_resource})
    project_key, type_key = kinds[0]
    ids = sorted(
        i.id
        for i in fake.store.items.values()
        if i.is_resource and (i.project_key, i.type_key) == (project_key, type_key)
    )
    return project_key, type_key, ids


async def test_resource_gets_are_coalesced_and_missing_ones_reported(fake: FakeMeegle) -> None:
    endpoint = "get_work_item_resource_instance_detail"
    project_key, type_key, ids = resource_kind(fake)
    ids = ids[:5]
    gone = unknown_ids(2)
    async with client_for(fake) as client:
        results = await asyncio.gather(
            *(client.resources.get(project_key, type_key, i) for i in [*ids, *gone]),
            return_exceptions=True,
        )
        assert len(fake.requests_to(endpoint)) == 1
        with pytest.raises(MeegleMissingIdsError) as info:
            await client.resources.get_details(
                project_key, type_key, [*gone, *ids], missing="raise"
            )
    assert [r.id for r in results[:5]] == ids  # type: ignore[union-attr]
    assert all(type(r) is MeegleNotFoundError for r in results[5:])
    assert [i.id for i in info.value.found] == ids
    assert info.value.missing_ids == gone
