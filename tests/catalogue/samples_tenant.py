"""Catalogue samples for ``client.tenant``."""

from __future__ import annotations

from meegle_async import MeegleClient
from meegle_async.testing import RecordedRequest
from meegle_async.testing.pytest_plugin import MeegleFakeFixture

from ._sample import Args, Sample, call

USER = "7000000000000000002"


async def _new_department(client: MeegleClient, fake: MeegleFakeFixture) -> Args:
    key = await client.tenant.create_department(name="Temporary")
    return (key,), {}


def _names_sent(request: RecordedRequest) -> None:
    assert request.body["name"] == {"default": "Ada Li"}
    assert request.body["email"] == "ada@example.com"


SAMPLES: dict[str, Sample] = {
    "create_account": Sample(call(name="Ada Li", email="ada@example.com"), check=_names_sent),
    "update_account": Sample(call(USER, avatar_url="https://example.com/a.png")),
    "active_account": Sample(call(USER)),
    "stop_account": Sample(call(USER)),
    "create_department": Sample(call(name={"default": "Sales"}, parent_key="dep_root")),
    "update_department": Sample(call("dep_eng", name="Engineering & Design")),
    "delete_department": Sample(_new_department),
    "query_department": Sample(call("dep_root", scopes=["all_children"])),
    "query_tenant": Sample(call(scopes=["departments"])),
    "query_users_for_tenant_plugin": Sample(call(user_keys=[USER])),
}
