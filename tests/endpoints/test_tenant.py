"""client.tenant: exact requests, refusals before sending, and a tenant that behaves on the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from meegle_async import (
    MeegleClient,
    MeegleNotFoundError,
    MeegleServerError,
    MeegleValidationError,
)
from meegle_async.testing.pytest_plugin import MeegleFakeFixture
from tests.conftest import Recorded, Stub, ok


@pytest.fixture
async def client(client_kwargs: dict[str, Any]) -> AsyncIterator[MeegleClient]:
    async with MeegleClient(**client_kwargs, default_qps=1000) as c:
        yield c


async def test_requests_on_the_wire(stub: Stub, client: MeegleClient) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.Response:
        if request.path.endswith("account/create"):
            return ok({"user_meego_key": "u9"})
        if request.path.endswith("department/create"):
            return ok({"department_meego_key": "d9"})
        if request.path.endswith("tenant/query"):
            return ok({"tenant_meego_key": "t", "name": "T", "departments": []})
        return ok(None)

    stub.handler = handler
    assert (
        await client.tenant.create_account(
            name={"default": "Ada", "en_us": "Ada"},
            email="ada@example.com",
            department_keys=["d1"],
            idempotency_key="k",
        )
        == "u9"
    )
    await client.tenant.stop_account("u9")
    await client.tenant.activate_account("u9")
    assert await client.tenant.create_department(name="Sales", parent_key="d1") == "d9"
    await client.tenant.update_department("d9", parent_key="d2")
    await client.tenant.delete_department("d9")
    tenant = await client.tenant.get(scopes=["departments"])
    create, stop, active, dep, move, delete, query = stub.requests
    assert create.path == "/open_api/account/create"
    assert create.json == {
        "name": {"default": "Ada", "en_us": "Ada"},
        "email": "ada@example.com",
        "department_meego_keys": ["d1"],
    }
    assert create.headers["X-Idem-UUID"] == "k"
    assert (stop.path, stop.json) == ("/open_api/account/stop", {"user_meego_key": "u9"})
    assert active.path == "/open_api/account/active"
    assert dep.json == {"name": {"default": "Sales"}, "parent_department_meego_key": "d1"}
    assert move.json == {"department_meego_key": "d9", "parent_department_meego_key": "d2"}
    assert delete.json == {"department_meego_key": "d9"}
    assert query.json == {"scopes": ["departments"]}
    assert "X-Idem-UUID" not in query.headers
    assert tenant.tenant_meego_key == "t"


async def test_an_answer_without_the_new_key_is_a_server_error(
    stub: Stub, client: MeegleClient
) -> None:
    stub.handler = lambda request, rec: _ok({})
    with pytest.raises(MeegleServerError):
        await client.tenant.create_department(name="x")


async def _ok(data: Any) -> web.Response:
    return ok(data)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda t: t.create_account(name="Ada"), "email"),
        (lambda t: t.create_account(name={}, email="a@b"), "name"),
        (lambda t: t.create_account(name={"default": ""}, email="a@b"), "name"),
        (lambda t: t.update_account("u1"), "nothing to change"),
        (lambda t: t.update_department("d1"), "nothing to change"),
        (lambda t: t.stop_account(""), "user_meego_key"),
        (lambda t: t.query_users(), "at least one"),
        (lambda t: t.query_users(out_users=[{"login_platform_type": "lark"}]), "out_user_id"),
        (lambda t: t.get(scopes="departments"), "list"),
    ],
)
async def test_bad_input_is_refused(
    stub: Stub, client: MeegleClient, call: Any, message: str
) -> None:
    with pytest.raises(MeegleValidationError, match=message):
        await call(client.tenant)
    assert stub.requests == []


@pytest.mark.meegle_fake(seed_items=10, seed=1)
async def test_tenant_lifecycle_on_the_fake(meegle_fake: MeegleFakeFixture) -> None:
    client = meegle_fake.client
    tenant = client.tenant
    sales = await tenant.create_department(name="Sales", parent_key="dep_root")
    key = await tenant.create_account(
        name="Ada Li", email="ada.li@example.com", department_keys=[sales]
    )
    (user,) = await client.users.query(user_keys=[key])
    assert user.email == "ada.li@example.com"
    dep = await tenant.get_department(sales, scopes=["direct_employees", "parent"])
    assert [a.user_meego_key for a in dep.direct_employees or []] == [key]
    assert dep.parent is not None
    assert dep.parent.department_meego_key == "dep_root"
    await tenant.stop_account(key)
    (found,) = await tenant.query_users(emails=["ada.li@example.com"])
    assert found.status == "stopped"
    await tenant.activate_account(key)
    root = await tenant.get_department("dep_root", scopes=["all_children", "all_employees"])
    assert {d.department_meego_key for d in root.all_children or []} >= {"dep_eng", sales}
    assert key in {a.user_meego_key for a in root.all_employees or []}
    with pytest.raises(MeegleServerError):
        await tenant.delete_department("dep_root")  # it has sub-departments
    await tenant.update_account(key, department_keys=[])
    await tenant.delete_department(sales)
    with pytest.raises(MeegleNotFoundError):
        await tenant.get_department(sales)
    whole = await tenant.get(scopes=["departments", "accounts"])
    assert sales not in {d.department_meego_key for d in whole.departments or []}
    assert key in {a.user_meego_key for a in whole.accounts or []}
