"""Samples for the first 33 endpoints: work items, resources, subtasks, fields, spaces, users."""

from __future__ import annotations

from typing import Any

from meegle_async import MeegleClient
from meegle_async.testing import RecordedRequest
from meegle_async.testing.pytest_plugin import MeegleFakeFixture

from ._sample import Args, Sample, call

P = "space_demo"


def _story(fake: MeegleFakeFixture) -> int:
    return fake.ids("story", limit=1)[0]


async def _item(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, "story", _story(fake)), {}


async def _details(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, "story", fake.ids("story", limit=3)), {}


async def _abort(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, "story", _story(fake)), {"reason_option": "other", "reason": "catalogue"}


async def _batch(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, "story", fake.ids("story", limit=2)), {
        "field_key": "description",
        "update_mode": "UPDATE",
        "after_field_value": "batch",
    }


async def _progress(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    (task,) = await client.work_items.batch_update(
        P,
        "story",
        fake.ids("story", limit=1),
        field_key="description",
        update_mode="UPDATE",
        after_field_value="x",
    )
    return (task,), {}


async def _freeze(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, _story(fake)), {}


async def _compound(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, _story(fake)), {
        "action": "add",
        "field_key": "field_af6175",
        "fields": [[{"field_key": "field_tc_name", "field_value": "from the catalogue"}]],
    }


async def _change_log(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, fake.ids("story", limit=2)), {}


async def _resource_ids(fake: MeegleFakeFixture) -> list[int]:
    return [i.id for i in fake.server.store.items.values() if i.is_resource][:2]


async def _resource_details(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    ids = await _resource_ids(fake)
    item = fake.server.store.items[ids[0]]
    return (item.project_key, item.type_key, ids[:1]), {}


async def _resource_update(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    ids = await _resource_ids(fake)
    item = fake.server.store.items[ids[0]]
    pairs = [{"field_key": "description", "field_value": "from the catalogue test"}]
    return (item.project_key, item.type_key, item.id, pairs), {}


async def _resource_search(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    ids = await _resource_ids(fake)
    item = fake.server.store.items[ids[0]]
    return (
        [{"project_key": item.project_key, "work_item_type_keys": item.type_key}],
        {"conjunction": "AND", "search_params": []},
    ), {}


async def _resource_create(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    ids = await _resource_ids(fake)
    item = fake.server.store.items[ids[0]]
    return (item.project_key, item.type_key), {
        "field_value_pairs": [{"field_key": "name", "field_value": "resource from catalogue"}]
    }


async def _resource_instance(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    ids = await _resource_ids(fake)
    item = fake.server.store.items[ids[0]]
    return (item.project_key, item.id), {
        "work_item_type_key": item.type_key,
        "name": "from a resource",
    }


def _subtask(fake: MeegleFakeFixture) -> tuple[int, str, int]:
    for task in fake.server.store.subtasks.values():
        item = fake.server.store.items.get(task.work_item_id)
        if item is not None and item.type_key == "story" and not item.aborted:
            return item.id, task.node_id, task.id
    raise AssertionError("the seed has no subtask on a story")


async def _task_create(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    item_id, node_id, _ = _subtask(fake)
    return (P, "story", item_id), {"node_id": node_id, "name": "catalogue subtask"}


async def _task_update(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    item_id, node_id, task_id = _subtask(fake)
    return (P, "story", item_id, node_id, task_id), {"note": "from the catalogue test"}


async def _task_complete(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    item_id, node_id, task_id = _subtask(fake)
    return (P, "story", item_id), {"node_id": node_id, "task_id": task_id}


async def _task_delete(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    item_id, _, task_id = _subtask(fake)
    return (P, "story", item_id, task_id), {}


async def _task_details(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    item_id, _, _ = _subtask(fake)
    return (P, "story", item_id), {}


async def _field_update(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    key = await client.fields.create(P, "story", field_name="Catalogue", field_type_key="text")
    return (P, "story"), {"field_key": key, "field_name": "Catalogue renamed"}


def _body_has(**expected: Any) -> Any:
    def check(request: RecordedRequest) -> None:
        for key, value in expected.items():
            assert request.body[key] == value, (key, request.body)

    return check


SAMPLES: dict[str, Sample] = {
    "get_work_item_creation_metadata": Sample(call(P, "story")),
    "get_work_item_details": Sample(_details),
    "create_work_item": Sample(
        call(P, "story", name="From the catalogue test"),
        check=_body_has(work_item_type_key="story", name="From the catalogue test"),
    ),
    "update_work_item": Sample(
        lambda c, f: _with(_item, c, f, [{"field_key": "description", "field_value": "u"}])
    ),
    "delete_work_item": Sample(_item),
    "abort_or_resume_work_item": Sample(_abort, check=_body_has(is_aborted=True)),
    "batch_update_work_item_field": Sample(_batch, check=_body_has(field_key="description")),
    "get_batch_update_progress": Sample(_progress),
    "freeze_or_unfreeze_work_item": Sample(_freeze, check=_body_has(is_frozen=True)),
    "update_compound_field": Sample(_compound),
    "get_work_item_change_log": Sample(_change_log),
    "filter_work_item": Sample(call(P, work_item_type_keys=["story"], page_size=5)),
    "search_work_item_by_params": Sample(
        call(P, "story", {"conjunction": "AND", "search_params": []}, page_size=5)
    ),
    "filter_work_item_across_project": Sample(call(work_item_type_key="story", page_size=5)),
    "get_work_item_resource_instance_detail": Sample(_resource_details),
    "update_work_item_resource_instance": Sample(_resource_update),
    "search_work_item_resource_instances": Sample(_resource_search),
    "create_work_item_resource_repository": Sample(_resource_create),
    "create_work_item_through_resources": Sample(_resource_instance),
    "get_task_list_across_space": Sample(call(project_keys=[P], page_size=5)),
    "get_task_details": Sample(_task_details),
    "create_tasks": Sample(_task_create),
    "update_tasks": Sample(_task_update),
    "complete_or_rollback_tasks": Sample(_task_complete, check=_body_has(action="confirm")),
    "delete_tasks": Sample(_task_delete),
    "get_field_information": Sample(call(P, work_item_type_key="story")),
    "create_custom_field": Sample(
        call(P, "story", field_name="From the catalogue", field_type_key="text"),
        check=_body_has(field_name="From the catalogue"),
    ),
    "update_custom_field": Sample(_field_update),
    "list_project": Sample(call()),
    "get_project_detail": Sample(call(project_keys=[P])),
    "query_work_item_types": Sample(call(P)),
    "query_user_detail": Sample(call(user_keys=["7000000000000000001"])),
    "search_user": Sample(call("a")),
}


async def _with(base: Any, client: MeegleClient, fake: MeegleFakeFixture, *extra: Any) -> Args:
    args, kwargs = await base(client, fake)
    return (*args, *extra), kwargs
