"""Catalogue samples for ``client.ai``."""

from __future__ import annotations

from meegle_async import MeegleClient
from meegle_async.testing.pytest_plugin import MeegleFakeFixture

from ._sample import Args, Sample

P = "space_demo"


def _story(fake: MeegleFakeFixture) -> int:
    return fake.ids("story", limit=1)[0]


async def _node(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, _story(fake)), {"state_key": "design"}


async def _edit(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, _story(fake)), {
        "node_uuid": f"{_story(fake)}:design",
        "node_fields": {"summary": "ok"},
    }


async def _field(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (f"ai_{_story(fake)}_description", "written by AI"), {}


async def _files(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    item = _story(fake)
    fake.server.store.items[item].values["description"] = [{"uuid": "f1"}, {"uuid": "f2"}]
    return (f"ai_{item}_description", ["f1"]), {}


SAMPLES: dict[str, Sample] = {
    "query_ai_node": Sample(_node),
    "edit_ai_node": Sample(_edit),
    "confirm_ai_node": Sample(_node),
    "update_work_item_ai_field": Sample(_field),
    "delete_file_for_ai_field": Sample(_files),
}
