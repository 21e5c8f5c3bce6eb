"""Every error code the spec pages document for the workflow and space look-up endpoints
reaches the caller as its typed error, with the code, the endpoint and the log id."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from meegle_async import ENDPOINTS, MeegleAPIError, MeegleClient
from meegle_async.catalogue import space_config, workflows
from meegle_async.errors import ERROR_KINDS, MeegleTooManyResultsError
from tests.conftest import Recorded, Stub, fail

Call = Callable[[MeegleClient], Awaitable[Any]]
CALLS: dict[str, Call] = {
    "get_work_flow": lambda c: c.workflows.get("s", "story", 1),
    "update_node_state": lambda c: c.workflows.complete_node("s", "story", 1, "n"),
    "update_state_flow": lambda c: c.workflows.change_state("s", "bug", 1, 7),
    "update_workflow_node": lambda c: c.workflows.update_node("s", "story", 1, "n", node_owners=[]),
    "get_work_item_trans_required_item": lambda c: c.workflows.get_required_info(
        "s", "story", 1, "n"
    ),
    "actual_time_update": lambda c: c.workflows.update_actual_time(
        "s", 1, "n", actual_start_time=1_767_225_600_000
    ),
    "list_project_team": lambda c: c.teams.list("s"),
    "user_group_members_page": lambda c: c.teams.list_group_members(
        "s", user_group_type="CUSTOMIZE"
    ),
    "query_businesses": lambda c: c.teams.list_business_lines("s"),
    "get_work_item_type_info_by_key": lambda c: c.spaces.get_work_item_type("s", "story"),
    "update_work_item_type_info": lambda c: c.spaces.update_work_item_type(
        "s", "story", description="d"
    ),
    "query_role_conf_details": lambda c: c.roles.list("s", "story"),
    "list_template_conf": lambda c: c.templates.list("s", "story"),
    "query_template_detail": lambda c: c.templates.get("s", 1),
}
ENTRIES = [*workflows.ENDPOINTS, *space_config.ENDPOINTS]
CASES = [(e.name, code, kind) for e in ENTRIES for code, (kind, _) in e.errors.items()]


def test_every_entry_has_a_call() -> None:
    assert sorted(CALLS) == sorted(e.name for e in ENTRIES)


@pytest.mark.parametrize(("name", "code", "kind"), CASES, ids=[f"{n}-{c}" for n, c, _ in CASES])
async def test_documented_codes_raise_their_typed_error(
    stub: Stub, client_kwargs: dict[str, Any], name: str, code: int, kind: str
) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return fail(code, "refused", **{"X-Tt-Logid": "log-123"})

    stub.handler = handler
    expected = MeegleTooManyResultsError if kind == "too_many_results" else ERROR_KINDS[kind]
    async with MeegleClient(**client_kwargs) as client:
        with pytest.raises(MeegleAPIError) as caught:
            await CALLS[name](client)
    assert type(caught.value) is expected
    assert caught.value.code == code
    assert caught.value.endpoint == name
    assert caught.value.log_id == "log-123"
    entry = ENDPOINTS[name]
    sent = [r for r in stub.requests if r.method == entry.method and "authen" not in r.path]
    assert sent
