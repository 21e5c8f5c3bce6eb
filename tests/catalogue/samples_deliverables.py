"""Catalogue samples for ``client.deliverables``."""

from __future__ import annotations

from meegle_async import MeegleClient
from meegle_async.testing import RecordedRequest
from meegle_async.testing.pytest_plugin import MeegleFakeFixture

from ._sample import Args, Sample

P = "space_demo"


def _story(fake: MeegleFakeFixture) -> int:
    return fake.ids("story", limit=1)[0]


async def _ids(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, fake.ids("story", limit=3)), {}


async def _nodes(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, _story(fake), ["started", "design"]), {}


async def _update(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, _story(fake), "design"), {"opinion": "ok", "operation_type": "owner"}


def _owner_opinion(request: RecordedRequest) -> None:
    assert request.body["operation_type"] == "owner"
    assert request.body["opinion"] == "ok"
    assert "finished_conclusion_option_key" not in request.body


SAMPLES: dict[str, Sample] = {
    "batch_query_deliverable": Sample(_ids),
    "batch_query_finished": Sample(_nodes),
    "batch_query_conclusion_option": Sample(_nodes),
    "update_finished": Sample(_update, check=_owner_opinion),
}
