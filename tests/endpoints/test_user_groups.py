"""teams.create_user_group / update_user_group_members: requests, refusals, and groups that
the members page reads back on the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from meegle_async import MeegleClient, MeegleNotFoundError, MeegleValidationError
from meegle_async.testing.pytest_plugin import MeegleFakeFixture
from tests.conftest import Recorded, Stub, ok

P = "space_demo"
A, B, C = "7000000000000000002", "7000000000000000003", "7000000000000000004"


@pytest.fixture
async def client(client_kwargs: dict[str, Any]) -> AsyncIterator[MeegleClient]:
    async with MeegleClient(**client_kwargs, default_qps=1000) as c:
        yield c


async def test_requests_on_the_wire(stub: Stub, client: MeegleClient) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.Response:
        return ok({"id": "g1"} if request.method == "POST" else None)

    stub.handler = handler
    assert await client.teams.create_user_group("space", name="On call", user_keys=[A]) == "g1"
    await client.teams.update_user_group_members("space", "g1", add=[B], remove=[A])
    await client.teams.update_user_group_members("space", "g1", replace=[C])
    create, patch, replace = stub.requests
    assert (create.method, create.path) == ("POST", "/open_api/space/user_group")
    assert create.json == {"name": "On call", "users": [A]}
    assert (patch.method, patch.path) == ("PATCH", "/open_api/space/user_group/members")
    assert patch.json == {
        "user_group_type": "CUSTOMIZE",
        "user_group_id": "g1",
        "add_users": [B],
        "delete_users": [A],
    }
    assert "X-Idem-UUID" in patch.headers
    assert replace.json["replace_users"] == [C]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda t: t.create_user_group("space", name=""), "name"),
        (lambda t: t.update_user_group_members("space", "g"), "nothing to change"),
        (lambda t: t.update_user_group_members("space", "g", replace=[A], add=[B]), "alone"),
        (lambda t: t.update_user_group_members("space", "", add=[A]), "user_group_id"),
        (
            lambda t: t.update_user_group_members("space", "g", add=[A], user_group_type="X"),
            "CUSTOMIZE",
        ),
    ],
)
async def test_bad_input_is_refused(
    stub: Stub, client: MeegleClient, call: Any, message: str
) -> None:
    with pytest.raises(MeegleValidationError, match=message):
        await call(client.teams)
    assert stub.requests == []


@pytest.mark.meegle_fake(seed_items=5, seed=1)
async def test_groups_on_the_fake(meegle_fake: MeegleFakeFixture) -> None:
    teams = meegle_fake.client.teams
    group = await teams.create_user_group(P, name="On call", user_keys=[A, B])
    await teams.update_user_group_members(P, group, add=[C], remove=[A])
    page = await teams.list_group_members(P, user_group_type="CUSTOMIZE", user_group_ids=[group])
    (found,) = page.list or []
    assert found.user_members == [B, C]
    await teams.update_user_group_members(P, group, replace=[A])
    page = await teams.list_group_members(P, user_group_type="CUSTOMIZE", user_group_ids=[group])
    assert (page.list or [])[0].user_members == [A]
    with pytest.raises(MeegleNotFoundError):
        await teams.update_user_group_members(P, "no-such-group", add=[A])
