"""``build_fields`` refuses input that is wrong whatever the metadata says before fetching it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from meegle_async import MeegleClient, MeegleValidationError
from tests.conftest import Stub


@pytest.fixture
async def client(client_kwargs: dict[str, Any]) -> AsyncIterator[MeegleClient]:
    async with MeegleClient(**client_kwargs, default_qps=1000) as c:
        yield c


@pytest.mark.parametrize(
    ("fields", "options", "message"),
    [
        (None, {}, "not NoneType"),
        ([("priority", "P1")], {}, "not list"),
        ({"priority": "P1"}, {"purpose": "delete"}, "purpose"),
    ],
)
async def test_bad_fields_are_refused_before_metadata_is_fetched(
    stub: Stub, client: MeegleClient, fields: Any, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(MeegleValidationError, match=message):
        await client.work_items.build_fields("space", "story", fields, **options)
    assert stub.requests == []
    assert stub.token_requests == []
