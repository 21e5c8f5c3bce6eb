"""Catalogue samples for ``client.auth`` (the token endpoints)."""

from __future__ import annotations

from meegle_async import MeegleClient
from meegle_async.testing import RecordedRequest
from meegle_async.testing.pytest_plugin import MeegleFakeFixture

from ._sample import Args, Sample, call


async def _code(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    return (fake.server.issue_auth_code(),), {}


async def _refresh(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    grant = await client.auth.exchange_code(fake.server.issue_auth_code())
    assert grant.refresh_token is not None
    return (grant.refresh_token,), {}


def _virtual(request: RecordedRequest) -> None:
    assert request.body["type"] == 1


SAMPLES: dict[str, Sample] = {
    "plugin_token": Sample(call(virtual=True), check=_virtual),
    "user_plugin_token": Sample(_code),
    "refresh_token": Sample(_refresh),
}
