"""The last check every endpoint group makes before a call leaves (``_checks.check_request``),
and the id and flag checks, seen through the public API against the loopback stub."""

from __future__ import annotations

from typing import Any

import pytest

from meegle_async import MeegleClient, MeegleValidationError
from tests.conftest import Stub


@pytest.fixture
async def client(stub: Stub) -> Any:
    async with MeegleClient(
        base_url=stub.base_url, plugin_token="plugin-token-value", user_key="u", max_retries=0
    ) as c:
        yield c


async def test_lone_surrogate_in_a_comment_is_refused(client: MeegleClient, stub: Stub) -> None:
    with pytest.raises(MeegleValidationError, match="lone surrogate"):
        await client.comments.create("space", "story", 101, "half \ud800 a pair")
    assert stub.requests == []


async def test_control_characters_in_a_path_key_are_refused(
    client: MeegleClient, stub: Stub
) -> None:
    with pytest.raises(MeegleValidationError, match="path parameter project_key"):
        await client.views.get_items("spa\r\nce", "view_1")
    assert stub.requests == []


async def test_idempotency_key_with_crlf_is_refused(client: MeegleClient, stub: Stub) -> None:
    with pytest.raises(MeegleValidationError, match="idempotency_key contains a control"):
        await client.views.delete("space", "view_1", idempotency_key="k\r\nX-Evil: 1")
    assert stub.requests == []


async def test_deep_body_is_refused_with_a_short_message(client: MeegleClient, stub: Stub) -> None:
    value: dict[str, Any] = {"v": 1}
    for _ in range(5000):
        value = {"n": value}
    with pytest.raises(MeegleValidationError, match="nests deeper than 64") as info:
        await client.ai.update_field("ai-task-1", value)
    assert len(str(info.value)) < 500
    assert stub.requests == []


async def test_nan_in_a_body_is_refused(client: MeegleClient, stub: Stub) -> None:
    with pytest.raises(MeegleValidationError, match="JSON cannot carry"):
        await client.ai.update_field("ai-task-1", {"score": float("nan")})
    assert stub.requests == []


async def test_a_huge_key_is_refused_and_not_echoed_whole(client: MeegleClient, stub: Stub) -> None:
    with pytest.raises(MeegleValidationError, match="at most 1024") as info:
        await client.charts.get_data("space", "c" * 1_000_000)
    assert len(str(info.value)) < 500
    assert stub.requests == []


@pytest.mark.parametrize("bad", ["\u00b2", "\u0661\u0662", 2**63, True, {"id": 1}])
async def test_ids_that_are_not_64_bit_integers_are_refused(
    client: MeegleClient, stub: Stub, bad: object
) -> None:
    with pytest.raises(MeegleValidationError, match=r"work_item_ids\[0\]"):
        await client.views.create_fixed("space", "story", name="v", work_item_ids=[bad])
    assert stub.requests == []


async def test_the_largest_id_is_sent(client: MeegleClient, stub: Stub) -> None:
    await client.workflows.get("space", "story", 2**63 - 1)
    assert stub.requests[0].path.endswith(f"/{2**63 - 1}/workflow/query")


@pytest.mark.parametrize("bad", ["yes", 1, None])
async def test_cached_takes_only_a_bool(client: MeegleClient, stub: Stub, bad: object) -> None:
    with pytest.raises(MeegleValidationError, match="cached must be True or False"):
        await client.teams.list("space", cached=bad)  # type: ignore[arg-type]
    assert stub.requests == []


async def test_upload_file_name_with_a_newline_is_refused(client: MeegleClient, stub: Stub) -> None:
    with pytest.raises(MeegleValidationError, match="filename contains a control"):
        await client.attachments.upload_file("space", b"data", filename="a\r\nb.txt")
    assert stub.requests == []
