"""An unknown space is a not-found error (and still an invalid-params one, as it used to be)."""

from __future__ import annotations

import pickle
from collections.abc import AsyncIterator

import pytest

from meegle_async import (
    MeegleClient,
    MeegleInvalidParamsError,
    MeegleNotFoundError,
    MeegleSpaceNotFoundError,
)
from meegle_async.errors import error_class_for
from meegle_async.testing import FakeMeegle


@pytest.fixture
async def client() -> AsyncIterator[MeegleClient]:
    async with (
        FakeMeegle(seed_items=3, seed=7, rate_limits=False) as fake,
        MeegleClient(
            base_url=fake.base_url,
            plugin_id=fake.plugin_id,
            plugin_secret=fake.plugin_secret,
            user_key=fake.user_key,
            default_qps=1000,
        ) as c,
    ):
        yield c


def test_the_class_is_both_not_found_and_invalid_params() -> None:
    assert issubclass(MeegleSpaceNotFoundError, MeegleNotFoundError)
    assert issubclass(MeegleSpaceNotFoundError, MeegleInvalidParamsError)
    assert error_class_for(1000052062, "get_work_item_details") is MeegleSpaceNotFoundError
    assert error_class_for(1000052062) is MeegleSpaceNotFoundError
    assert error_class_for(1000052063, "search_user") is MeegleSpaceNotFoundError


async def test_an_unknown_space_raises_space_not_found_with_code_and_log_id(
    client: MeegleClient,
) -> None:
    with pytest.raises(MeegleNotFoundError) as caught:
        await client.work_items.get_details("no_such_space", "story", [1])
    err = caught.value
    assert type(err) is MeegleSpaceNotFoundError
    assert isinstance(err, MeegleInvalidParamsError)  # what older code catches
    assert err.code == 1000052062
    assert err.endpoint == "get_work_item_details"
    assert err.log_id
    assert "1000052062" in str(err)
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is MeegleSpaceNotFoundError
    assert (again.code, again.log_id) == (err.code, err.log_id)


async def test_old_handlers_of_invalid_params_still_catch_it(client: MeegleClient) -> None:
    with pytest.raises(MeegleInvalidParamsError):
        await client.work_items.filter("no_such_space")
