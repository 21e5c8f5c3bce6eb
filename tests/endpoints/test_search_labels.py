"""Option labels in search conditions become option ids (the server matches nothing on a
label, silently): end to end against the fake, and the pure resolver on a cascading field."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from meegle_async import (
    FieldConfig,
    FieldMetadata,
    MeegleClient,
    MeegleValidationError,
    SearchGroup,
    SearchParam,
)
from meegle_async.helpers.search_labels import has_label_candidates, resolve_search_labels
from meegle_async.models.work_items import OptionConfig
from meegle_async.testing import FakeMeegle


@pytest.fixture
async def fake() -> AsyncIterator[FakeMeegle]:
    async with FakeMeegle(seed_items=80, seed=5, rate_limits=False) as server:
        yield server


@pytest.fixture
async def client(fake: FakeMeegle) -> AsyncIterator[MeegleClient]:
    async with MeegleClient(
        base_url=fake.base_url,
        plugin_id=fake.plugin_id,
        plugin_secret=fake.plugin_secret,
        user_key=fake.user_key,
        default_qps=1000,
    ) as c:
        yield c


def priority_group(*values: str, operator: str = "HAS ANY OF") -> dict[str, Any]:
    return {
        "conjunction": "AND",
        "search_params": [{"param_key": "priority", "operator": operator, "value": list(values)}],
    }


def sent(fake: FakeMeegle, endpoint: str) -> list[Any]:
    return [r.body for r in fake.requests if r.endpoint == endpoint]


def p0_story_ids(fake: FakeMeegle) -> list[int]:
    return sorted(
        i.id
        for i in fake.store.items.values()
        if i.project_key == fake.project_key
        and i.type_key == "story"
        and not i.is_resource
        and (i.values.get("priority") or {}).get("value") == "0"
    )


async def test_a_label_finds_what_the_option_id_finds(
    fake: FakeMeegle, client: MeegleClient
) -> None:
    expected = p0_story_ids(fake)
    assert expected  # the seed has P0 stories
    by_id = await client.work_items.search_by_params(
        fake.project_key, "story", priority_group("0"), page_size=50
    )
    by_label = await client.work_items.search_by_params(
        fake.project_key, "story", priority_group("P0"), page_size=50
    )
    assert [i.id for i in by_label.items or []] == [i.id for i in by_id.items or []] == expected
    bodies = sent(fake, "search_work_item_by_params")
    assert bodies[0]["search_group"] == priority_group("0")  # an id goes out unchanged
    assert bodies[1]["search_group"] == priority_group("0")  # the label went out as its id
    # The type's metadata was read once (cached for the next searches).
    assert len(sent(fake, "get_work_item_creation_metadata")) == 1


async def test_labels_resolve_in_models_nested_groups_and_any_case(
    fake: FakeMeegle, client: MeegleClient
) -> None:
    group = SearchGroup(
        conjunction="OR",
        search_params=[SearchParam(param_key="work_item_id", operator="=", value=[1])],
        search_groups=[
            SearchGroup(
                conjunction="AND",
                search_params=[
                    SearchParam(param_key="priority", operator="=", value="p1"),
                ],
            )
        ],
    )
    await client.work_items.search_by_params(fake.project_key, "story", group)
    body = sent(fake, "search_work_item_by_params")[-1]["search_group"]
    assert body["search_params"] == [{"param_key": "work_item_id", "operator": "=", "value": [1]}]
    assert body["search_groups"][0]["search_params"][0]["value"] == "1"


async def test_an_unknown_value_is_refused_before_the_search_is_sent(
    fake: FakeMeegle, client: MeegleClient
) -> None:
    with pytest.raises(MeegleValidationError) as caught:
        await client.work_items.search_by_params(fake.project_key, "story", priority_group("P9"))
    message = str(caught.value)
    assert "search_group.search_params[0]" in message
    assert "'P9' is neither an option id nor an option label" in message
    assert "P0 (id 0)" in message
    assert sent(fake, "search_work_item_by_params") == []


async def test_resolve_labels_false_sends_values_as_given(
    fake: FakeMeegle, client: MeegleClient
) -> None:
    page = await client.work_items.search_by_params(
        fake.project_key, "story", priority_group("P0"), resolve_labels=False
    )
    assert page.items == []  # what the server does with a label
    assert sent(fake, "search_work_item_by_params")[0]["search_group"] == priority_group("P0")
    assert sent(fake, "get_work_item_creation_metadata") == []


async def test_no_metadata_is_read_when_no_condition_could_hold_a_label(
    fake: FakeMeegle, client: MeegleClient
) -> None:
    group = {
        "conjunction": "AND",
        "search_params": [
            {"param_key": "work_item_status", "operator": "HAS ANY OF", "value": ["doing"]},
            {"param_key": "created_at", "operator": ">=", "value": 1},
        ],
    }
    await client.work_items.search_by_params(fake.project_key, "story", group)
    assert sent(fake, "get_work_item_creation_metadata") == []


async def test_iter_search_by_params_resolves_once_for_every_page(
    fake: FakeMeegle, client: MeegleClient
) -> None:
    expected = p0_story_ids(fake)
    got = [
        i.id
        async for i in client.work_items.iter_search_by_params(
            fake.project_key, "story", priority_group("P0"), page_size=2
        )
    ]
    assert got == expected
    bodies = sent(fake, "search_work_item_by_params")
    assert len(bodies) >= 2
    assert all(b["search_group"] == priority_group("0") for b in bodies)


def platform_metadata() -> FieldMetadata:
    def opt(label: str, value: str, *children: OptionConfig) -> OptionConfig:
        return OptionConfig(label=label, value=value, children=list(children) or None)

    return FieldMetadata(
        [
            FieldConfig(
                field_key="platform",
                field_alias="plat",
                field_type_key="tree_select",
                options=[
                    opt("iOS", "ios", opt("Phone", "ios_phone"), opt("iPad", "ios_pad")),
                    opt("Android", "and", opt("Phone", "and_phone")),
                ],
            ),
            FieldConfig(field_key="summary", field_type_key="text"),
        ]
    )


def test_cascading_paths_aliases_and_ambiguous_labels() -> None:
    meta = platform_metadata()
    group: dict[str, Any] = {
        "conjunction": "AND",
        "search_params": [
            {"param_key": "plat", "operator": "HAS ANY OF", "value": ["iPad", "ios / phone"]},
            {"param_key": "summary", "operator": "=", "value": "iPad"},
        ],
    }
    out = resolve_search_labels(group, meta)
    assert out["search_params"][0]["value"] == ["ios_pad", "ios_phone"]
    assert out["search_params"][1] == group["search_params"][1]  # not an option field
    assert group["search_params"][0]["value"] == ["iPad", "ios / phone"]  # input untouched
    with pytest.raises(MeegleValidationError, match=r"several options .*ios_phone.*and_phone"):
        resolve_search_labels(
            {"search_params": [{"param_key": "platform", "operator": "=", "value": "Phone"}]},
            meta,
        )


def test_which_groups_need_metadata() -> None:
    assert has_label_candidates(priority_group("P0"))
    assert not has_label_candidates(
        {"search_params": [{"param_key": "name", "operator": "=", "value": "x"}]}
    )
    assert not has_label_candidates(
        {"search_params": [{"param_key": "priority", "operator": "=", "value": 3}]}
    )
