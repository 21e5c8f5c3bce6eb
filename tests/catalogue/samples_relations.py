"""Samples for the relation endpoints: definitions, space association, story relations, search."""

from __future__ import annotations

from meegle_async import MeegleClient
from meegle_async.testing import RecordedRequest
from meegle_async.testing.pytest_plugin import MeegleFakeFixture

from ._sample import Args, Sample, call

P = "space_demo"
OPS = "space_ops"
TARGET = [{"project_key": P, "work_item_type_key": "bug"}]


def _story(fake: MeegleFakeFixture) -> int:
    return fake.ids("story", limit=1)[0]


def _ops_story(fake: MeegleFakeFixture) -> int:
    return fake.ids("story", project_key=OPS, limit=1)[0]


async def _relation(client: MeegleClient) -> str:
    return await client.relations.create(P, "story", name="Blocked by", relation_details=TARGET)


async def _create(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, "story"), {"name": "Blocked by", "relation_details": TARGET}


async def _update(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    rid = await _relation(client)
    return (P, rid), {
        "work_item_type_key": "story",
        "name": "Blocks",
        "relation_details": TARGET,
    }


async def _delete(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, await _relation(client)), {}


async def _item(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, "story", _story(fake)), {}


async def _bind(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    instance = {"project_key": OPS, "work_item_type_key": "story", "work_item_id": _ops_story(fake)}
    return (P, "story", _story(fake), [instance]), {"relation_rule_id": f"{P}:{OPS}:story"}


async def _unbind(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    args, kwargs = await _bind(client, fake)
    await client.relations.bind(*args, **kwargs)
    return (P, "story", _story(fake)), {"relation_work_item_id": _ops_story(fake)}


async def _story_links(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    a, b = fake.ids("story", limit=2)
    return (P, [{"local_work_item_id": a, "remote_work_item_id": b}]), {}


async def _query_links(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, fake.ids("story", limit=2)), {}


async def _search(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    a, b = fake.ids("story", limit=2)
    rid = await client.relations.create(
        P,
        "story",
        name="Linked",
        relation_details=[{"project_key": P, "work_item_type_key": "story"}],
    )
    key = await client.fields.create(
        P,
        "story",
        field_name="Linked stories",
        field_type_key="work_item_related_multi_select",
        work_item_relation_uuid=rid,
    )
    await client.work_items.update(P, "story", a, [{"field_key": key, "field_value": [b]}])
    return (P, "story", a), {"relation_work_item_type_key": "story", "relation_key": key}


def _check_bind(hit: RecordedRequest) -> None:
    assert hit.body["relation_rule_id"] == f"{P}:{OPS}:story"
    assert [i["project_key"] for i in hit.body["instances"]] == [OPS]


def _check_search(hit: RecordedRequest) -> None:
    assert hit.body["relation_work_item_type_key"] == "story"


SAMPLES = {
    "query_work_item_relation": Sample(call(P)),
    "create_work_item_relation": Sample(_create),
    "update_work_item_relation": Sample(_update),
    "delete_work_item_relation": Sample(_delete),
    "query_project_relation": Sample(call(P, remote_projects=[OPS])),
    "query_project_relation_instance": Sample(_item),
    "create_project_relation_instances": Sample(_bind, _check_bind),
    "delete_project_relation_instance": Sample(_unbind),
    "create_story_relations": Sample(_story_links),
    "query_story_relations": Sample(_query_links),
    "search_work_items_relation": Sample(_search, _check_search),
}
