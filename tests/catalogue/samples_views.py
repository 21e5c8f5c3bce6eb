"""Catalogue samples for ``client.views``."""

from __future__ import annotations

from meegle_async import MeegleClient
from meegle_async.testing import RecordedRequest
from meegle_async.testing.pytest_plugin import MeegleFakeFixture

from ._sample import Args, Sample, call

P = "space_demo"


async def _view_id(client: MeegleClient, kind: int) -> str:
    page = await client.views.list(P, "story")
    return next(v.view_id for v in page.items or [] if v.view_type == kind)


async def _fixed(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, await _view_id(client, 2)), {}


async def _panorama(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, await _view_id(client, 3)), {"page_size": 5}


async def _create_fixed(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, "story"), {"name": "Catalogue", "work_item_ids": fake.ids("story", limit=3)}


async def _update_fixed(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, "story", await _view_id(client, 2)), {"remove": fake.ids("story", limit=1)}


async def _update_conditional(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    group = {"conjunction": "AND", "search_params": []}
    return (P, "story", await _view_id(client, 1)), {"search_group": group, "name": "Renamed"}


def _ids_in_body(request: RecordedRequest) -> None:
    assert request.body["name"] == "Catalogue"
    assert len(request.body["work_item_id_list"]) == 3


SAMPLES: dict[str, Sample] = {
    "view_list": Sample(call(P, "story", page_size=10)),
    "work_item_list": Sample(_fixed),
    "query_work_item_details_by_view_id": Sample(_panorama),
    "create_fix_view": Sample(_create_fixed, check=_ids_in_body),
    "update_fix_view": Sample(_update_fixed),
    "delete_fix_view": Sample(_fixed),
    "create_condition_view": Sample(
        call(
            P,
            "story",
            name="Catalogue condition",
            search_group={"conjunction": "AND", "search_params": []},
        )
    ),
    "update_condition_view": Sample(_update_conditional),
    "query_space_ui_agg_fields": Sample(call(P)),
}
