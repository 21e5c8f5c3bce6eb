"""Catalogue samples for field options, multi-signal fields and group-chat invitations."""

from __future__ import annotations

from meegle_async import MeegleClient
from meegle_async.testing import RecordedRequest
from meegle_async.testing.pytest_plugin import MeegleFakeFixture

from ._sample import Args, Sample, call

P = "space_demo"


async def _item(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, "story", fake.ids("story", limit=1)[0]), {}


async def _signal(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    (args, _) = await _item(client, fake)
    detail = {"id": "ci-1", "title": "CI", "status": "passed"}
    return (*args, [detail]), {"field_key": "description"}


async def _chat(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (P, fake.ids("story", limit=1)[0]), {
        "work_item_type_key": "story",
        "app_ids": ["cli_one"],
    }


def _apps(request: RecordedRequest) -> None:
    assert request.body == {"work_item_type_key": "story", "app_ids": ["cli_one"]}


SAMPLES: dict[str, Sample] = {
    "query_work_item_field_options": Sample(call(P, "story", "priority")),
    "update_multi_signal": Sample(_signal),
    "invite_bot_join_chat": Sample(_chat, check=_apps),
}
