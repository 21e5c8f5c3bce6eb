"""Catalogue samples for the user-group writes on ``client.teams``."""

from __future__ import annotations

from meegle_async import MeegleClient
from meegle_async.testing.pytest_plugin import MeegleFakeFixture

from ._sample import Args, Sample, call

P = "space_demo"


async def _patch(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    group = await client.teams.create_user_group(P, name="Catalogue group")
    return (P, group), {"add": ["7000000000000000003"]}


SAMPLES: dict[str, Sample] = {
    "create_user_group": Sample(call(P, name="On call", user_keys=["7000000000000000002"])),
    "patch_user_group_members": Sample(_patch),
}
