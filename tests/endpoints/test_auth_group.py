"""client.auth and client.for_user: tokens as calls, an OAuth code turned into a client that acts
as the user and renews its token with the refresh token; tokens never in a repr."""

from __future__ import annotations

import pytest

from meegle_async import MeegleAuthenticationError, MeegleClient, MeegleValidationError
from meegle_async.testing.pytest_plugin import MeegleFakeFixture


@pytest.mark.meegle_fake(seed_items=5, seed=1)
async def test_code_to_a_user_client_that_renews(meegle_fake: MeegleFakeFixture) -> None:
    fake = meegle_fake.server
    client = meegle_fake.client
    grant = await client.auth.exchange_code(fake.issue_auth_code(user_key="7000000000000000002"))
    assert grant.user_key == "7000000000000000002"
    assert grant.token not in repr(grant)
    assert grant.refresh_token is not None
    assert grant.refresh_token not in repr(grant)
    (request,) = fake.requests_to("user_plugin_token")
    assert request.body == {"code": request.body["code"], "grant_type": "authorization_code"}
    assert request.headers["X-Plugin-Token"]
    async with client.for_user(grant) as as_user:
        keys = await as_user.spaces.list()
        assert keys
        call = fake.requests_to("list_project")[-1]
        assert call.headers["X-Plugin-Token"] == grant.token
        assert "X-User-Key" not in call.headers
        fake.expire_tokens()
        assert await as_user.spaces.list() == keys
        assert fake.requests_to("refresh_token")
        assert fake.requests_to("list_project")[-1].headers["X-Plugin-Token"] != grant.token


@pytest.mark.meegle_fake(seed_items=5, seed=1)
async def test_plugin_token_and_refresh(meegle_fake: MeegleFakeFixture) -> None:
    client = meegle_fake.client
    grant = await client.auth.get_plugin_token()
    assert grant.token
    assert grant.expire_time == 7200
    assert grant.token not in repr(grant)
    user = await client.auth.exchange_code(meegle_fake.server.issue_auth_code())
    assert user.refresh_token is not None
    renewed = await client.auth.refresh_user_token(user.refresh_token)
    assert renewed.token != user.token
    with pytest.raises(MeegleAuthenticationError):
        await client.auth.refresh_user_token(user.refresh_token)  # used once
    with pytest.raises(MeegleAuthenticationError):
        await client.auth.exchange_code("not-a-code")


async def test_refusals_before_sending() -> None:
    client = MeegleClient(base_url="http://127.0.0.1:9", plugin_token="t", user_key="u")
    with pytest.raises(MeegleValidationError, match="plugin_id"):
        await client.auth.get_plugin_token()
    with pytest.raises(MeegleValidationError, match="code"):
        await client.auth.exchange_code("")
    with pytest.raises(MeegleValidationError, match="UserTokenGrant"):
        client.for_user("token")  # type: ignore[arg-type]
    await client.aclose()
