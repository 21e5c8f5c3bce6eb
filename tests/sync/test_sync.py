"""sync_database against the fake Meegle, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import json
import math

import pytest

from meegle_async import MeegleClient, MeegleValidationError
from meegle_async.sync import SyncLockedError, create_engine, sync_database
from meegle_async.sync.database import database_lock, schema_version, upgrade
from meegle_async.testing import FakeMeegle

from .conftest import fetch_all

STORY = "story"


def listed(fake: FakeMeegle, type_key: str = STORY) -> dict[int, object]:
    """The fake's items the filter returns (it leaves out terminated ones)."""
    return {
        i.id: i
        for i in fake.store.items.values()
        if i.project_key == fake.project_key
        and i.type_key == type_key
        and not i.aborted
        and not i.is_resource
    }


def sent(fake: FakeMeegle, since: int, endpoint: str) -> int:
    return sum(1 for r in fake.requests[since:] if r.endpoint == endpoint)


async def test_first_sync_copies_items_fields_and_nodes(
    fake: FakeMeegle, client: MeegleClient, db_url: str
) -> None:
    report = await sync_database(client, db_url, projects=[fake.project_key], types=[STORY])

    expected = listed(fake)
    [target] = report.targets
    assert (target.listed, target.upserted, target.deleted) == (len(expected), len(expected), 0)
    assert sent(fake, 0, "get_work_item_details") == math.ceil(len(expected) / 50)
    details = [r for r in fake.requests if r.endpoint == "get_work_item_details"]
    assert all(len(r.body["work_item_ids"]) <= 50 for r in details)
    assert all(r.body["expand"] == {"need_workflow": True} for r in details)

    rows = await fetch_all(
        db_url,
        "SELECT id, project_key, work_item_type_key, name, updated_at, created_by "
        "FROM work_items ORDER BY id",
    )
    assert rows == [
        (i.id, i.project_key, STORY, i.name, i.updated_at, i.created_by)
        for i in sorted(expected.values(), key=lambda i: i.id)
    ]
    # "Items per priority" is one GROUP BY over field_values.
    per_label = dict(
        await fetch_all(
            db_url,
            "SELECT label, count(*) FROM field_values WHERE field_key = 'priority' GROUP BY label",
        )
    )
    want: dict[str, int] = {}
    for item in expected.values():
        value = item.values.get("priority")
        if value is not None:
            want[value["label"]] = want.get(value["label"], 0) + 1
    assert per_label == want
    assert sum(want.values()) > 0
    # Workflow nodes and their subtasks come with the details (no request per item).
    nodes = await fetch_all(db_url, "SELECT count(*) FROM workflow_nodes")
    assert nodes[0][0] == sum(len(i.nodes) for i in expected.values())
    tasks = await fetch_all(db_url, "SELECT id, work_item_id FROM subtasks ORDER BY id")
    want_tasks = sorted(
        (str(t), i.id) for i in expected.values() for n in i.nodes for t in n.task_ids
    )
    assert sorted(tasks) == want_tasks
    assert sent(fake, 0, "get_task_details") == 0
    # Spaces, types, fields, users and the change log are there too.
    assert await fetch_all(db_url, "SELECT project_key FROM spaces") == [(fake.project_key,)]
    types = await fetch_all(db_url, "SELECT type_key FROM work_item_types ORDER BY type_key")
    assert (STORY,) in types
    names = await fetch_all(db_url, "SELECT field_name FROM fields WHERE field_key = 'priority'")
    assert len(names) == 1
    creators = {i.created_by for i in expected.values()}
    users = {r[0] for r in await fetch_all(db_url, "SELECT user_key FROM users")}
    assert creators <= users
    log = await fetch_all(db_url, "SELECT count(*), count(DISTINCT work_item_id) FROM change_log")
    assert log[0][0] == target.change_log > 0
    state = await fetch_all(
        db_url,
        "SELECT watermark, run_watermark, runs FROM sync_state WHERE work_item_type_key='story'",
    )
    assert state == [(target.watermark, None, 1)]
    assert await fetch_all(db_url, "SELECT count(*) FROM sync_pending") == [(0,)]
    assert (target.first, target.reconciled) == (True, False)
    assert report.schema_version == "0001"


async def test_rerun_copies_only_what_changed(
    fake: FakeMeegle, client: MeegleClient, db_url: str
) -> None:
    await sync_database(client, db_url, projects=[fake.project_key], types=[STORY])
    changed = sorted(listed(fake))[:3]
    for n, work_item_id in enumerate(changed):
        await client.work_items.update(
            fake.project_key,
            STORY,
            work_item_id,
            [{"field_key": "name", "field_value": f"new {n}"}],
        )
    before = len(fake.requests)

    report = await sync_database(client, db_url, projects=[fake.project_key], types=[STORY])

    [target] = report.targets
    assert (target.upserted, target.reconciled) == (3, False)
    assert sent(fake, before, "get_work_item_details") == 1
    # A handful of requests: one filter page, one details, the change log of those three.
    assert len(fake.requests) - before <= 5
    [filter_req] = [r for r in fake.requests[before:] if r.endpoint == "filter_work_item"]
    assert filter_req.body["updated_at"]["start"] > 0
    rows = await fetch_all(
        db_url,
        f"SELECT name FROM work_items WHERE id IN ({','.join(map(str, changed))}) ORDER BY id",
    )
    assert rows == [("new 0",), ("new 1",), ("new 2",)]
    # The overlap fetches the change log again; nothing is stored twice.
    log = await fetch_all(db_url, "SELECT count(*) FROM change_log")
    fresh = await fetch_all(
        db_url, "SELECT count(*) FROM (SELECT DISTINCT work_item_id, record_hash FROM change_log) d"
    )
    assert log == fresh


async def test_reconciliation_drops_deleted_and_keeps_terminated(
    fake: FakeMeegle, client: MeegleClient, db_url: str
) -> None:
    await sync_database(client, db_url, projects=[fake.project_key], types=[STORY])
    gone, stopped = sorted(listed(fake))[:2]
    await client.work_items.delete(fake.project_key, STORY, gone)
    await client.work_items.abort(
        fake.project_key, STORY, stopped, reason_option="other", reason="stopped"
    )

    report = await sync_database(
        client, db_url, projects=[fake.project_key], types=[STORY], reconcile_every=0
    )

    [target] = report.targets
    assert (target.reconciled, target.deleted) == (True, 1)
    assert await fetch_all(db_url, f"SELECT id FROM work_items WHERE id = {gone}") == []
    assert await fetch_all(
        db_url, f"SELECT count(*) FROM field_values WHERE work_item_id = {gone}"
    ) == [(0,)]
    assert await fetch_all(db_url, f"SELECT sub_stage FROM work_items WHERE id = {stopped}") == [
        ("aborted",)
    ]


async def test_a_second_run_on_the_same_database_is_refused(
    fake: FakeMeegle, client: MeegleClient, db_url: str
) -> None:
    engine = create_engine(db_url)
    try:
        async with database_lock(engine):
            before = len(fake.requests)
            with pytest.raises(SyncLockedError, match="another meegle-async sync is running"):
                await sync_database(client, db_url, projects=[fake.project_key])
            assert len(fake.requests) == before
    finally:
        await engine.dispose()
    # Released: the next run goes ahead.
    report = await sync_database(client, db_url, projects=[fake.project_key], types=[STORY])
    assert report.upserted == len(listed(fake))


async def test_migrations_build_the_documented_schema_and_upgrade_in_place(
    fake: FakeMeegle, client: MeegleClient, db_url: str
) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from meegle_async.sync.schema import metadata

    await sync_database(client, db_url, projects=[fake.project_key], types=[STORY])
    engine = create_engine(db_url)
    try:
        await upgrade(engine)  # an existing database: nothing to do, nothing lost
        assert await schema_version(engine) == "0001"

        def diff(conn: object) -> list[object]:
            return list(compare_metadata(MigrationContext.configure(conn), metadata))

        async with engine.connect() as conn:
            assert await conn.run_sync(diff) == []
    finally:
        await engine.dispose()
    count = await fetch_all(db_url, "SELECT count(*) FROM work_items")
    assert count == [(len(listed(fake)),)]


async def test_bad_arguments_are_refused_before_any_request(
    fake: FakeMeegle, client: MeegleClient, sqlite_url: str
) -> None:
    with pytest.raises(MeegleValidationError, match="projects"):
        await sync_database(client, sqlite_url)
    with pytest.raises(MeegleValidationError, match="not supported"):
        await sync_database(client, "mysql://u:p@127.0.0.1/db", projects=["p"])
    with pytest.raises(MeegleValidationError, match="concurrency"):
        await sync_database(client, sqlite_url, projects=["p"], concurrency=0)
    with pytest.raises(MeegleValidationError, match="no enabled work item type"):
        await sync_database(client, sqlite_url, projects=[fake.project_key], types=["nope"])
    assert [r.endpoint for r in fake.requests if r.endpoint != "plugin_token"] == [
        "get_project_detail",
        "query_work_item_types",
    ]


async def test_every_field_is_kept_as_json(
    fake: FakeMeegle, client: MeegleClient, sqlite_url: str
) -> None:
    await sync_database(client, sqlite_url, projects=[fake.project_key], types=[STORY])
    work_item_id = min(listed(fake))
    [(fields, data)] = await fetch_all(
        sqlite_url, f"SELECT fields, data FROM work_items WHERE id = {work_item_id}"
    )
    [item] = await client.work_items.get_details(fake.project_key, STORY, [work_item_id])
    assert json.loads(fields) == {f["field_key"]: f["field_value"] for f in item.fields or []}
    assert json.loads(data)["name"] == item.name


async def test_the_guides_example_sql_runs_on_the_synced_database(
    fake: FakeMeegle, client: MeegleClient, db_url: str
) -> None:
    import re
    from pathlib import Path

    guide = Path(__file__).parents[2] / "docs" / "guide" / "sync.md"
    blocks = re.findall(r"```sql\n(.*?)```", guide.read_text(), flags=re.S)
    assert len(blocks) >= 5
    await sync_database(client, db_url, projects=[fake.project_key], types=[STORY])
    for sql in blocks:
        rows = await fetch_all(db_url, sql.strip().rstrip(";"))
        assert rows, sql


async def test_comments_are_copied_with_comments_true(
    fake: FakeMeegle, client: MeegleClient, sqlite_url: str
) -> None:
    work_item_id = min(listed(fake))
    first = await client.comments.create(fake.project_key, STORY, work_item_id, "first note")
    await client.comments.create(fake.project_key, STORY, work_item_id, "second note")

    report = await sync_database(
        client, sqlite_url, projects=[fake.project_key], types=[STORY], comments=True
    )

    assert report.targets[0].comments >= 2
    rows = await fetch_all(
        sqlite_url,
        f"SELECT id, content FROM comments WHERE work_item_id = {work_item_id} ORDER BY id",
    )
    assert (first, "first note") in rows
    assert [c for _, c in rows][-2:] == ["first note", "second note"]
    # One comments request per item: opt-in, because it costs that much.
    assert sum(1 for r in fake.requests if r.endpoint == "list_comments") >= len(listed(fake))


async def test_a_space_named_by_its_simple_name_is_stored_under_its_key(
    fake: FakeMeegle, client: MeegleClient, sqlite_url: str
) -> None:
    simple = fake.store.spaces[fake.project_key].simple_name
    assert simple != fake.project_key
    await sync_database(client, sqlite_url, projects=[simple], types=[STORY])
    before = len(fake.requests)

    again = await sync_database(client, sqlite_url, projects=[simple], types=[STORY])

    assert again.targets[0].project_key == fake.project_key
    assert again.targets[0].upserted == 0
    assert sent(fake, before, "get_work_item_details") == 0
    keys = await fetch_all(sqlite_url, "SELECT DISTINCT project_key FROM sync_state")
    assert keys == [(fake.project_key,)]
