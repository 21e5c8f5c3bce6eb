"""Paths stay on the host and path they name: encoding, injection attempts, http:// for loopback."""

from __future__ import annotations

from typing import Any

import pytest

from meegle_async import MeegleClient, MeegleValidationError
from meegle_async.transport.urls import build_path, normalize_base_url
from tests.conftest import Stub


@pytest.mark.parametrize(
    ("value", "segment"),
    [
        ("../x", "..%2Fx"),
        ("a/b", "a%2Fb"),
        ("a?b", "a%3Fb"),
        ("a#b", "a%23b"),
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("空间", "%E7%A9%BA%E9%97%B4"),
        (42, "42"),
    ],
)
def test_path_parameters_become_one_encoded_segment(value: Any, segment: str) -> None:
    path = build_path("/open_api/{project_key}/work_item/all-types", {"project_key": value})
    assert path == f"/open_api/{segment}/work_item/all-types"


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({}, "required"),
        ({"project_key": ""}, "empty"),
        ({"project_key": "  "}, "empty"),
        ({"project_key": None}, "string or an integer"),
        ({"project_key": True}, "string or an integer"),
        ({"project_key": "a", "other": "b"}, "do not appear"),
    ],
)
def test_bad_path_parameters_are_refused(params: dict[str, Any], match: str) -> None:
    with pytest.raises(MeegleValidationError, match=match):
        build_path("/open_api/{project_key}/work_item/all-types", params)


async def test_injection_attempts_stay_in_their_segment_on_the_wire(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    async with MeegleClient(**client_kwargs) as client:
        for value in ("../../authen/plugin_token", "a/b", "a?b=c", "..", "%2e%2e"):
            await client.request(
                "get_types",
                "GET",
                "/open_api/{project_key}/work_item/all-types",
                path_params={"project_key": value},
            )
    raw = [r.raw_path for r in stub.requests]
    assert raw == [
        "/open_api/..%2F..%2Fauthen%2Fplugin_token/work_item/all-types",
        "/open_api/a%2Fb/work_item/all-types",
        "/open_api/a%3Fb%3Dc/work_item/all-types",
        "/open_api/%2E%2E/work_item/all-types",
        "/open_api/%252e%252e/work_item/all-types",
    ]
    assert all(r.path.endswith("/work_item/all-types") for r in stub.requests)
    assert len(stub.token_requests) == 1  # the traversal never reached the token endpoint


async def test_nothing_is_sent_when_a_path_parameter_is_empty(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    async with MeegleClient(**client_kwargs) as client:
        with pytest.raises(MeegleValidationError):
            await client.request(
                "get_types", "GET", "/open_api/{project_key}/x", path_params={"project_key": ""}
            )
    assert stub.requests == []
    assert stub.token_requests == []


@pytest.mark.parametrize(
    "url",
    ["http://project.larksuite.com", "http://10.0.0.1:8080", "http://example.com", "ftp://x"],
)
def test_plain_http_is_refused_for_hosts_that_are_not_loopback(url: str) -> None:
    with pytest.raises(MeegleValidationError):
        MeegleClient(base_url=url, plugin_token="t", user_key="u")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("http://localhost:1", "http://localhost:1"),
        ("http://[::1]:9000", "http://[::1]:9000"),
        ("https://project.feishu.cn", "https://project.feishu.cn"),
        ("project.feishu.cn", "https://project.feishu.cn"),
    ],
)
def test_accepted_base_urls(url: str, expected: str) -> None:
    assert normalize_base_url(url) == expected


def test_query_params_are_encoded_by_the_transport() -> None:
    with pytest.raises(MeegleValidationError, match="/open_api/"):
        build_path("/other/{x}", {"x": "1"})
