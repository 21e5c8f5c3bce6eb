"""Catalogue samples for ``client.work_hours``."""

from __future__ import annotations

from meegle_async import MeegleClient
from meegle_async.testing import RecordedRequest
from meegle_async.testing.pytest_plugin import MeegleFakeFixture

from ._sample import Args, Sample

P = "space_demo"
DAY = 1_767_225_600_000  # 2026-01-01, a Thursday


async def _item(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, "story", fake.ids("story", limit=1)[0]), {}


async def _create(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    item = fake.ids("story", limit=1)[0]
    entry = {"resource_type": "work_item", "resource_id": str(item), "work_time": 3}
    return (P, "story", item, [entry]), {"work_begin_date": DAY, "work_end_date": DAY}


async def _record(client: MeegleClient, fake: MeegleFakeFixture) -> tuple[int, int]:
    (args, kwargs) = await _create(client, fake)
    (record,) = await client.work_hours.create(*args, **kwargs)
    return args[2], record.id


async def _update(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    item, record = await _record(client, fake)
    return (P, "story", item, [{"id": record, "work_time": 1.5}]), {}


async def _delete(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    item, record = await _record(client, fake)
    return (P, "story", item, [record]), {}


def _hours_as_string(request: RecordedRequest) -> None:
    assert request.body["working_hour_records"][0]["work_time"] == "3"


SAMPLES: dict[str, Sample] = {
    "get_work_item_man_hour_records": Sample(_item),
    "create_working_hour_record": Sample(_create, check=_hours_as_string),
    "update_working_hour_record": Sample(_update),
    "delete_working_hour_record": Sample(_delete),
}
