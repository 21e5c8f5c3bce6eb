"""The client against the fake server on loopback, through the public API only: whole lifecycles
of work items, subtasks, custom fields and resource library instances, at the real rate limits."""

from __future__ import annotations

import time
from typing import Any

import pytest

from meegle_async import (
    MeegleAPIError,
    MeegleClient,
    MeegleNotFoundError,
    PollSchedule,
    WorkItem,
)
from meegle_async.testing.pytest_plugin import MeegleFakeFixture

FAST = PollSchedule(first_delay=0.1, interval=0.1, backoff=1.5, max_interval=0.3)


def value(item: WorkItem, key: str) -> Any:
    return item.field(key)


@pytest.mark.meegle_fake(seed_items=150, seed=21, batch_task_duration=0.2)
async def test_work_item_lifecycle(meegle_fake: MeegleFakeFixture) -> None:
    wi = meegle_fake.client.work_items
    p = meegle_fake.project_key

    meta = await wi.get_creation_metadata(p, "story")
    priority = next(f for f in meta if f.field_key == "priority")
    p1 = priority.option_value("P1")
    assert p1 is not None

    # create -> update
    new_id = await wi.create(
        p,
        "story",
        name="Integration story",
        field_value_pairs=[{"field_key": "priority", "field_value": {"value": p1}}],
    )
    assert isinstance(new_id, int)
    (item,) = await wi.get_details(p, "story", [new_id])
    assert item.id == new_id
    assert item.name == "Integration story"
    assert value(item, "priority")["value"] == p1
    await wi.update(p, "story", new_id, [{"field_key": "description", "field_value": "edited"}])
    (item,) = await wi.get_details(p, "story", [new_id])
    assert value(item, "description") == "edited"

    # batch_update_and_wait over the new item and some seeded ones
    others = meegle_fake.ids("story", limit=60)
    assert len(others) == 60
    targets = [new_id, *others]
    result = await wi.batch_update_and_wait(
        p,
        "story",
        targets,
        field_key="description",
        update_mode="UPDATE",
        after_field_value="bulk",
        poll_schedule=FAST,
        timeout=30,
    )
    assert result.raise_for_failures().ok
    assert len(result.task_ids) == 2  # 61 ids: one task per 50
    assert sorted(result.success_ids) == sorted(targets)
    fetched = await wi.get_details(p, "story", targets)
    assert [i.id for i in fetched] == targets
    assert all(value(i, "description") == "bulk" for i in fetched)

    # change log: create, the update, the batch update
    records = [r async for r in wi.iter_change_log(p, [new_id])]
    assert {r.work_item_id for r in records} == {new_id}
    kinds = [r.operation_type for r in records]
    assert kinds.count("create") == 1
    assert kinds.count("modify") >= 2

    # abort: writes are refused, a batch reports the item as terminated; resume undoes it
    await wi.abort(p, "story", new_id, reason_option="cancel")
    with pytest.raises(MeegleAPIError) as err:
        await wi.update(p, "story", new_id, [{"field_key": "description", "field_value": "x"}])
    assert err.value.code == 20007
    aborted = await wi.batch_update_and_wait(
        p,
        "story",
        [new_id, others[0]],
        field_key="description",
        update_mode="UPDATE",
        after_field_value="second",
        poll_schedule=FAST,
        timeout=30,
    )
    assert not aborted.ok
    assert aborted.failed_ids == [new_id]
    assert aborted.success_ids == [others[0]]
    assert "WorkItemTerminated" in aborted.error_scenes
    await wi.resume(p, "story", new_id, reason_option="restart")
    await wi.update(p, "story", new_id, [{"field_key": "description", "field_value": "back"}])

    # freeze -> unfreeze -> delete
    stored = meegle_fake.server.store.items[new_id]
    await wi.freeze(p, new_id)
    assert stored.frozen
    await wi.unfreeze(p, new_id)
    assert not stored.frozen
    await wi.delete(p, "story", new_id)
    with pytest.raises(MeegleNotFoundError):
        await wi.get(p, "story", new_id)
    assert await wi.get_details(p, "story", [new_id]) == []

    since = int(time.time() * 1000) - 3_600_000
    later = [
        r async for r in wi.iter_change_log(p, [others[0]], start=since, end=since + 7_200_000)
    ]
    assert len([r for r in later if r.operation_type == "modify"]) == 2  # the two batches
    assert meegle_fake.server.throttled == {}


@pytest.mark.meegle_fake(seed_items=10, seed=4)
async def test_compound_field_groups(meegle_fake: MeegleFakeFixture) -> None:
    wi = meegle_fake.client.work_items
    p = meegle_fake.project_key
    wid = await wi.create(p, "story", name="With test cases")
    await wi.update_compound_field(
        p,
        wid,
        action="add",
        field_key="field_af6175",
        fields=[[{"field_key": "field_tc_name", "field_value": "login works"}]],
    )
    (item,) = await wi.get_details(p, "story", [wid], expand={"need_group_uuid_for_compound": True})
    groups = value(item, "field_af6175")
    assert isinstance(groups, list)
    assert len(groups) == 1


@pytest.mark.meegle_fake(seed_items=20, seed=8)
async def test_subtask_lifecycle(meegle_fake: MeegleFakeFixture) -> None:
    tasks = meegle_fake.client.tasks
    p = meegle_fake.project_key
    wid = meegle_fake.ids("story")[0]
    nodes = await tasks.get_details(p, "story", wid)
    node = next(n for n in nodes if n.state_key == "develop")
    assert node.state_key is not None
    before = {t.id for t in node.sub_tasks or ()}

    task_id = await tasks.create(
        p, "story", wid, node_id=node.state_key, name="Write tests", assignee=[meegle_fake.user_key]
    )
    assert isinstance(task_id, int)
    await tasks.update(p, "story", wid, node.state_key, task_id, name="Write more tests", note="n")
    (node_after,) = await tasks.get_details(p, "story", wid, node_id=node.state_key)
    created = next(t for t in node_after.sub_tasks or () if t.id == str(task_id))
    assert created.name == "Write more tests"
    assert {t.id for t in node_after.sub_tasks or ()} - before == {str(task_id)}

    await tasks.complete(p, "story", wid, node_id=node.state_key, task_id=task_id)
    (node_done,) = await tasks.get_details(p, "story", wid, node_id=node.state_key)
    assert next(t for t in node_done.sub_tasks or () if t.id == str(task_id)).passed is True
    await tasks.rollback(p, "story", wid, node_id=node.state_key, task_id=task_id)
    (node_back,) = await tasks.get_details(p, "story", wid, node_id=node.state_key)
    assert next(t for t in node_back.sub_tasks or () if t.id == str(task_id)).passed is False

    found = [
        i async for i in tasks.iter_search(project_keys=[p], name="Write more tests", page_size=10)
    ]
    assert [i.sub_task.id for i in found if i.sub_task] == [str(task_id)]

    await tasks.delete(p, "story", wid, task_id)
    (node_gone,) = await tasks.get_details(p, "story", wid, node_id=node.state_key)
    assert {t.id for t in node_gone.sub_tasks or ()} == before

    records = [
        r
        async for r in meegle_fake.client.work_items.iter_change_log(
            p, [wid], op_record_module="sub_task_mod"
        )
    ]
    assert len(records) >= 2  # added and removed at least


@pytest.mark.meegle_fake(seed_items=0)
async def test_fields_create_update_get_all(meegle_fake: MeegleFakeFixture) -> None:
    fields = meegle_fake.client.fields
    p = meegle_fake.project_key
    key = await fields.create(
        p,
        "story",
        field_name="Customer tier",
        field_type_key="select",
        field_alias="customer_tier",
        field_value=[{"label": "Gold", "value": "gold"}, {"label": "Silver", "value": "silver"}],
    )
    assert key.startswith("field_")
    await fields.update(
        p,
        "story",
        field_key=key,
        field_name="Customer level",
        field_value=[{"label": "Bronze", "action": 0}],
    )
    story_fields = await fields.get_all(p, work_item_type_key="story")
    made = next(f for f in story_fields if f.field_key == key)
    assert made.field_name == "Customer level"
    assert made.field_alias == "customer_tier"
    assert [o.label for o in made.options or ()] == ["Gold", "Silver", "Bronze"]
    bug_fields = await fields.get_all(p, work_item_type_key="bug")
    assert key not in {f.field_key for f in bug_fields}

    # the new field is usable right away
    wi = meegle_fake.client.work_items
    wid = await wi.create(
        p, "story", name="Tiered", field_value_pairs=[{"field_key": key, "field_value": "gold"}]
    )
    (item,) = await wi.get_details(p, "story", [wid])
    assert value(item, key)["label"] == "Gold"


@pytest.mark.meegle_fake(seed_items=60, seed=2)
async def test_resources(meegle_fake: MeegleFakeFixture) -> None:
    res = meegle_fake.client.resources
    p = meegle_fake.project_key
    existing = sorted(
        i.id
        for i in meegle_fake.server.store.items.values()
        if i.is_resource and i.project_key == p and i.type_key == "component"
    )
    assert existing
    new_id = await res.create(
        p,
        "component",
        field_value_pairs=[
            {"field_key": "name", "field_value": "Payments SDK"},
            {"field_key": "field_0a1b2c", "field_value": "1.0"},
        ],
    )
    await res.update(p, "component", new_id, [{"field_key": "field_0a1b2c", "field_value": "2.0"}])
    got = await res.get_details(p, "component", [new_id, *reversed(existing)])
    assert [g.id for g in got] == [new_id, *reversed(existing)]
    assert got[0].field("field_0a1b2c") == "2.0"

    found = [
        i.work_item_id
        async for i in res.iter_search(
            [{"project_key": p, "work_item_type_keys": "component"}],
            {"conjunction": "AND", "search_params": []},
            page_size=3,
        )
    ]
    assert sorted(found) == sorted([*existing, new_id])

    made = await res.create_work_item(p, new_id, work_item_type_key="component", name="From lib")
    assert made.work_item_id is not None
    assert made.work_item_id != new_id


async def test_a_second_client_shares_nothing_but_the_server(
    meegle_fake: MeegleFakeFixture,
) -> None:
    other: MeegleClient = meegle_fake.new_client()
    p = meegle_fake.project_key
    ids = meegle_fake.ids("story")
    a = await meegle_fake.client.work_items.get_details(p, "story", ids)
    b = await other.work_items.get_details(p, "story", ids)
    assert [i.id for i in a] == [i.id for i in b] == ids
    assert meegle_fake.server.token_requests == 2
