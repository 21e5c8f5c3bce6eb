"""Catalogue samples for ``client.charts``."""

from __future__ import annotations

from meegle_async import MeegleClient
from meegle_async.testing.pytest_plugin import MeegleFakeFixture

from ._sample import Args, Sample

P = "space_demo"


async def _view(client: MeegleClient) -> str:
    page = await client.views.list(P, "story")
    return (page.items or [])[0].view_id


async def _list(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, await _view(client)), {}


async def _data(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    page = await client.charts.list(P, await _view(client))
    return (P, (page.items or [])[0].chart_id), {}


SAMPLES: dict[str, Sample] = {
    "get_charts": Sample(_list),
    "get_chart_data": Sample(_data),
}
