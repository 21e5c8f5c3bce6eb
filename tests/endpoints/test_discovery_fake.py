"""Finding what to sync, end to end against the embedded fake server: spaces, types, every
story updated in the last day, whole-type walks, a split past the 5000 cap, capped page sizes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from meegle_async import MeegleClient
from meegle_async.helpers.windows import DAY_MS
from meegle_async.testing import FakeMeegle
from meegle_async.testing import discovery as fake_discovery
from meegle_async.testing.store import now_ms


@pytest.fixture
async def fake() -> AsyncIterator[FakeMeegle]:
    async with FakeMeegle(seed_items=60, seed=1234, rate_limits=False) as server:
        yield server


@pytest.fixture
async def client(fake: FakeMeegle) -> AsyncIterator[MeegleClient]:
    async with MeegleClient(
        base_url=fake.base_url,
        plugin_id=fake.plugin_id,
        plugin_secret=fake.plugin_secret,
        user_key=fake.user_key,
        default_qps=1000,  # the fake runs without rate limits; so does this client
    ) as c:
        yield c


def story_ids(fake: FakeMeegle, project_key: str, *, live_only: bool = True) -> list[int]:
    return sorted(
        i.id
        for i in fake.store.items.values()
        if i.project_key == project_key
        and i.type_key == "story"
        and not i.is_resource
        and not (live_only and i.aborted)
    )


async def test_spaces_types_and_stories_updated_in_the_last_day(
    fake: FakeMeegle, client: MeegleClient
) -> None:
    keys = await client.spaces.list()
    assert keys == [fake.project_key, fake.second_project_key]
    spaces = await client.spaces.get_details(project_keys=keys)
    assert spaces[fake.project_key].simple_name == fake.simple_name
    assert spaces[fake.project_key].administrators == [fake.user_key]
    types = await client.spaces.get_work_item_types(fake.project_key)
    usable = [t.type_key for t in types if not t.is_disabled]
    assert "story" in usable
    assert "legacy" not in usable
    # The seed data ends on 2026-01-01; two stories are made now, so they are the recent ones.
    fresh = [
        await client.work_items.create(fake.project_key, "story", name=f"Fresh story {n}")
        for n in range(2)
    ]
    since = now_ms() - DAY_MS
    recent = [
        item
        async for item in client.work_items.iter_filter(
            fake.project_key, work_item_type_keys=["story"], updated_at={"start": since}
        )
    ]
    assert [i.id for i in recent] == fresh
    assert all((i.updated_at or 0) >= since for i in recent)
    assert [i.name for i in recent] == ["Fresh story 0", "Fresh story 1"]


async def test_iter_filter_walks_a_whole_type_page_by_page(
    fake: FakeMeegle, client: MeegleClient
) -> None:
    got = [
        i.id
        async for i in client.work_items.iter_filter(
            fake.project_key, work_item_type_keys=["story"], page_size=7
        )
    ]
    assert got == story_ids(fake, fake.project_key)
    assert len(fake.requests_to("filter_work_item")) == -(-len(got) // 7)


async def test_iterators_split_past_the_cap_of_the_fake(
    fake: FakeMeegle, client: MeegleClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fake_discovery, "MAX_SEARCH_RESULTS", 8)
    fake.store.items[story_ids(fake, fake.project_key)[0]].aborted = True
    searched = [
        i.id
        async for i in client.work_items.iter_search_by_params(
            fake.project_key, "story", {"conjunction": "AND", "search_params": []}
        )
    ]
    # The condition search keeps terminated items; the filters leave them out.
    assert sorted(searched) == story_ids(fake, fake.project_key, live_only=False)
    across = [
        i.id
        async for i in client.work_items.iter_filter_across_projects(work_item_type_key="story")
    ]
    assert sorted(across) == sorted(
        story_ids(fake, fake.project_key) + story_ids(fake, fake.second_project_key)
    )
    assert any(r.err_code == 20094 for r in fake.requests_to("search_work_item_by_params"))
    assert any(r.err_code == 20094 for r in fake.requests_to("filter_work_item_across_project"))


async def test_iter_filter_follows_a_fake_that_serves_smaller_pages(
    fake: FakeMeegle, client: MeegleClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fake_discovery, "FILTER_MAX_PAGE_SIZE", 5)
    got = [i.id async for i in client.work_items.iter_filter(fake.project_key)]
    assert len(got) == len(set(got))
    assert len(got) > 5
    assert len(fake.requests_to("filter_work_item")) == -(-len(got) // 5)


async def test_users_against_the_fake(fake: FakeMeegle, client: MeegleClient) -> None:
    (me,) = await client.users.query(user_keys=[fake.user_key])
    assert me.display_name == "Demo User"
    assert me.out_id == f"ou_{fake.user_key}"
    assert await client.users.query(user_keys=["nobody"]) == []
    found = await client.users.search("demo", project_key=fake.project_key)
    assert [u.user_key for u in found] == [fake.user_key]
