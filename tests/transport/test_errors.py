"""Error mapping: err_codes to classes per endpoint, log ids, HTML bodies, secrets kept out."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from aioresponses import aioresponses

from meegle_async import (
    MeegleAPIError,
    MeegleAuthenticationError,
    MeegleClient,
    MeegleInvalidParamsError,
    MeegleNotFoundError,
    MeeglePermissionError,
    MeegleServerError,
    MeegleStateConflictError,
    MeegleTooManyResultsError,
    RetryPolicy,
)
from meegle_async.errors import describe_error_code, error_class_for

BASE = "https://project.larksuite.com"


@pytest.mark.parametrize(
    ("endpoint", "code", "cls", "description"),
    [
        ("get_work_item_details", 30005, MeegleNotFoundError, "Work item not found"),
        ("get_work_item_details", 20028, MeegleInvalidParamsError, "work_item_ids exceeds 50"),
        ("update_work_item", 50006, MeeglePermissionError, "No right to edit"),
        ("create_work_item", 50006, MeegleInvalidParamsError, "Role owners parsing failed"),
        ("get_task_list_across_space", 50006, MeegleServerError, "Operate fail"),
        ("complete_or_rollback_tasks", 50006, MeegleStateConflictError, "already confirmed"),
        ("get_task_list_across_space", 20094, MeegleTooManyResultsError, "exceeds 5000"),
        ("update_work_item", 20007, MeegleStateConflictError, "aborted"),
        ("delete_work_item", 10001, MeeglePermissionError, "not permitted"),
        ("update_work_item", 10211, MeegleAuthenticationError, "Token info invalid"),
        ("update_custom_field", 1000053604, MeegleInvalidParamsError, "description length"),
        ("get_work_item_change_log", 20013, MeegleInvalidParamsError, "exceeds 7 days"),
    ],
)
def test_spec_codes_map_to_their_class_and_description(
    endpoint: str, code: int, cls: type[MeegleAPIError], description: str
) -> None:
    assert error_class_for(code, endpoint) is cls
    assert description in (describe_error_code(code, endpoint) or "")


def test_unknown_codes_are_base_api_errors() -> None:
    assert error_class_for(987654, "x") is MeegleAPIError
    assert describe_error_code(987654) is None


async def call_with(m: aioresponses, **response: Any) -> MeegleAPIError:
    m.post(
        f"{BASE}/open_api/authen/plugin_token",
        payload={
            "error": {"code": 0, "msg": ""},
            "data": {"token": "secret-tok", "expire_time": 9},
        },
    )
    m.post(f"{BASE}/open_api/space/work_item/story/query", **response)
    client = MeegleClient(
        plugin_id="p",
        plugin_secret="very-secret",
        user_key="u",
        retry_policy=RetryPolicy(max_retries=0),
    )
    async with client:
        with pytest.raises(MeegleAPIError) as info:
            await client.request(
                "get_work_item_details",
                "POST",
                "/open_api/{project_key}/work_item/{t}/query",
                path_params={"project_key": "space", "t": "story"},
                json={"work_item_ids": [1]},
            )
    return info.value


async def test_error_carries_code_message_detail_log_id_and_endpoint() -> None:
    with aioresponses() as m:
        err = await call_with(
            m,
            payload={
                "err_code": 30005,
                "err_msg": "work item 1 not found",
                "err": {"code": 30005, "msg": "detail", "log_id": "body-log"},
            },
            headers={"X-Tt-Logid": "20261123-abc"},
        )
    assert isinstance(err, MeegleNotFoundError)
    assert err.code == 30005
    assert err.message == "work item 1 not found"
    assert err.detail == {"code": 30005, "msg": "detail", "log_id": "body-log"}
    assert err.log_id == "20261123-abc"
    assert err.http_status == 200
    assert err.endpoint == "get_work_item_details"
    text = str(err)
    assert "get_work_item_details" in text
    assert "30005" in text
    assert "20261123-abc" in text
    assert "secret-tok" not in text
    assert "very-secret" not in text


async def test_log_id_falls_back_to_the_err_object_and_message_to_the_spec() -> None:
    with aioresponses() as m:
        err = await call_with(m, payload={"err_code": 20028, "err": {"log_id": "from-body"}})
    assert err.log_id == "from-body"
    assert err.message == "work_item_ids exceeds 50"


async def test_html_502_becomes_a_server_error_with_an_excerpt() -> None:
    page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    with aioresponses() as m:
        err = await call_with(m, status=502, body=page, headers={"X-Request-Id": "rid-1"})
    assert isinstance(err, MeegleServerError)
    assert err.http_status == 502
    assert err.code is None
    assert err.log_id == "rid-1"
    assert "502 Bad Gateway" in str(err)


async def test_non_json_200_is_an_api_error_not_a_json_error() -> None:
    with aioresponses() as m:
        err = await call_with(m, status=200, body="not json at all")
    assert isinstance(err, MeegleServerError)
    assert "not json at all" in err.message


def test_errors_survive_pickling() -> None:
    err = MeegleNotFoundError("gone", code=30005, log_id="L", http_status=200, endpoint="e")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is MeegleNotFoundError
    assert (back.code, back.log_id, back.endpoint, str(back)) == (30005, "L", "e", str(err))
