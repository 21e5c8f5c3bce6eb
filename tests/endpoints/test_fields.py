"""client.fields: what each method sends, what it returns, what it refuses, and the spec's codes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from meegle_async import (
    FieldOption,
    MeegleAPIError,
    MeegleClient,
    MeegleInvalidParamsError,
    MeegleNotFoundError,
    MeegleServerError,
    MeegleStateConflictError,
    MeegleValidationError,
    OptionAction,
    OptionUpdate,
    SimpleField,
    TeamOption,
    to_dict,
)
from meegle_async.models import TeamDataScope
from tests.conftest import Recorded, Stub, fail, ok


@pytest.fixture
async def client(client_kwargs: dict[str, Any]) -> AsyncIterator[MeegleClient]:
    async with MeegleClient(**client_kwargs, default_qps=1000) as c:
        yield c


def answer(data: Any) -> Callable[[web.Request, Recorded], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return ok(data)

    return handler


FIELDS = [
    {
        "field_key": "priority",
        "field_alias": "priority",
        "field_type_key": "select",
        "field_name": "Priority",
        "is_custom_field": False,
        "work_item_scopes": ["story"],
        "options": [
            {
                "label": "P0",
                "value": "opt_0",
                "order": 1,
                "color": "red",
                "is_disabled": 2,
                "is_visibility": 1,
                "children": [{"label": "P0-a", "value": "opt_0a", "new_option_key": 1}],
            }
        ],
    },
    {
        "field_key": "field_c",
        "field_type_key": "compound_field",
        "field_name": "Release",
        "compound_fields": [{"field_key": "field_c1", "field_type_key": "date"}],
        "number_config": {"display_digits": 2},
        "server_added_later": "kept",
    },
]


# -- get_all -----------------------------------------------------------------------------------


async def test_get_all_sends_the_type_and_returns_fields(stub: Stub, client: MeegleClient) -> None:
    stub.handler = answer(FIELDS)
    got = await client.fields.get_all("space", work_item_type_key="story")
    await client.fields.get_all("space")
    first, second = stub.requests
    assert first.method == "POST"
    assert first.raw_path == "/open_api/space/field/all"
    assert first.query == {}
    assert first.json == {"work_item_type_key": "story"}
    assert "X-Idem-UUID" not in first.headers  # a read sent with POST
    assert second.json == {}
    priority, compound = got
    assert isinstance(priority, SimpleField)
    assert priority.options is not None
    option = priority.options[0]
    assert isinstance(option, FieldOption)
    assert option.value == "opt_0"
    assert option.is_disabled == 2  # an int flag, not a bool
    assert option.children is not None
    assert option.children[0].value == "opt_0a"
    assert compound.compound_fields is not None
    assert compound.compound_fields[0].field_type_key == "date"
    assert compound.get("server_added_later") == "kept"
    assert to_dict(got) == FIELDS


# -- create ------------------------------------------------------------------------------------


async def test_create_sends_every_input_and_returns_the_field_key(
    stub: Stub, client: MeegleClient
) -> None:
    stub.handler = answer("field_73jds7")
    key = await client.fields.create(
        "space",
        "story",
        field_name="Platform",
        field_type_key="tree_select",
        field_alias="platform",
        value_type=0,
        field_value=[
            FieldOption(label="Mobile", children=[FieldOption(label="iOS")]),
            {"label": "Web", "color": "blue"},
        ],
        free_add=True,
        default_value={"value": "x"},
        help_description="Where it runs",
        authorized_roles=["_master", "_owner"],
        idempotency_key="idem-f",
    )
    assert key == "field_73jds7"
    (rec,) = stub.requests
    assert rec.method == "POST"
    assert rec.raw_path == "/open_api/space/field/story/create"
    assert rec.headers["X-Idem-UUID"] == "idem-f"
    assert rec.json == {
        "field_name": "Platform",
        "field_type_key": "tree_select",
        "field_alias": "platform",
        "value_type": 0,
        "field_value": [
            {"label": "Mobile", "children": [{"label": "iOS"}]},
            {"label": "Web", "color": "blue"},
        ],
        "free_add": 1,
        "default_value": {"value": "x"},
        "help_description": "Where it runs",
        "authorized_roles": ["_master", "_owner"],
    }


async def test_create_variants(stub: Stub, client: MeegleClient) -> None:
    stub.handler = answer("field_1")
    await client.fields.create("space", "story", field_name="Notes", field_type_key="text")
    await client.fields.create(
        "space",
        "story",
        field_name="Reuse",
        field_type_key="select",
        value_type=1,
        reference_work_item_type_key="bug",
        reference_field_key="priority",
        free_add=2,
    )
    await client.fields.create(
        "space",
        "story",
        field_name="Team",
        field_type_key="tree_multi_select",
        team_option=TeamOption(
            team_mode="custom", team_data_scopes=[TeamDataScope(team_id="7", cascade=True)]
        ),
    )
    await client.fields.create(
        "space",
        "story",
        field_name="Linked",
        field_type_key="work_item_related_select",
        work_item_relation_uuid="rel-1",
    )
    await client.fields.create(
        "space", "story", field_name="Due", field_type_key="date", format=True, is_multi=False
    )
    await client.fields.create(
        "space", "story", field_name="Raw", field_type_key="radio", field_value={"options": []}
    )
    bodies = [r.json for r in stub.requests]
    assert bodies == [
        {"field_name": "Notes", "field_type_key": "text"},
        {
            "field_name": "Reuse",
            "field_type_key": "select",
            "value_type": 1,
            "reference_work_item_type_key": "bug",
            "reference_field_key": "priority",
            "free_add": 2,
        },
        {
            "field_name": "Team",
            "field_type_key": "tree_multi_select",
            "team_option": {
                "team_mode": "custom",
                "team_data_scopes": [{"team_id": "7", "cascade": True}],
            },
        },
        {
            "field_name": "Linked",
            "field_type_key": "work_item_related_select",
            "work_item_relation_uuid": "rel-1",
        },
        {"field_name": "Due", "field_type_key": "date", "is_multi": False, "format": True},
        {"field_name": "Raw", "field_type_key": "radio", "field_value": {"options": []}},
    ]


async def test_create_refuses_an_answer_without_a_key(stub: Stub, client: MeegleClient) -> None:
    stub.handler = answer(None)
    with pytest.raises(MeegleServerError, match="field_key"):
        await client.fields.create("space", "story", field_name="x", field_type_key="text")


# -- update ------------------------------------------------------------------------------------


async def test_update_sends_option_changes_with_put(stub: Stub, client: MeegleClient) -> None:
    stub.handler = answer(None)
    result = await client.fields.update(
        "space",
        "story",
        field_key="field_73jds7",
        field_name="Platforms",
        field_value=[
            OptionUpdate(label="Desktop", action=OptionAction.ADD),
            {"label": "Android", "value": "opt_a", "action": 1, "parent_value": "opt_mobile"},
            {"value": "opt_old", "action": 2},
            OptionUpdate(
                label="TV",
                action=0,
                children=[OptionUpdate(label="Roku", action=0, parent_value="opt_tv")],
            ),
        ],
        free_add=False,
        field_alias="platforms",
        help_description="",
        authorized_roles=["_role"],
        default_value=[],
        work_item_relation_uuid="rel-2",
    )
    assert result is None
    (rec,) = stub.requests
    assert rec.method == "PUT"
    assert rec.raw_path == "/open_api/space/field/story"
    assert rec.headers["X-Idem-UUID"]
    assert rec.json == {
        "field_key": "field_73jds7",
        "field_name": "Platforms",
        "field_value": [
            {"label": "Desktop", "action": 0},
            {"label": "Android", "value": "opt_a", "action": 1, "parent_value": "opt_mobile"},
            {"value": "opt_old", "action": 2},
            {
                "label": "TV",
                "action": 0,
                "children": [{"label": "Roku", "action": 0, "parent_value": "opt_tv"}],
            },
        ],
        "free_add": 2,
        "field_alias": "platforms",
        "help_description": "",
        "authorized_roles": ["_role"],
        "default_value": [],
        "work_item_relation_uuid": "rel-2",
    }


async def test_update_team_option_alone(stub: Stub, client: MeegleClient) -> None:
    stub.handler = answer(None)
    await client.fields.update(
        "space", "story", field_key="f", team_option={"team_mode": "all", "team_data_scopes": []}
    )
    assert stub.requests[0].json == {
        "field_key": "f",
        "team_option": {"team_mode": "all", "team_data_scopes": []},
    }


# -- validation: nothing is sent -----------------------------------------------------------------

Call = Callable[[MeegleClient], Awaitable[Any]]
LONG = "x" * 256


def create(c: MeegleClient, **kw: Any) -> Awaitable[Any]:
    kw.setdefault("field_name", "Name")
    kw.setdefault("field_type_key", "select")
    return c.fields.create("space", "story", **kw)


def update(c: MeegleClient, **kw: Any) -> Awaitable[Any]:
    kw.setdefault("field_key", "field_1")
    return c.fields.update("space", "story", **kw)


REFUSED: list[tuple[str, Call, str]] = [
    (
        "create field_value with team_option",
        lambda c: create(
            c, field_type_key="tree_select", field_value=[{"label": "a"}], team_option={}
        ),
        "field_value and team_option",
    ),
    (
        "update field_value with team_option",
        lambda c: update(c, field_value=[{"label": "a", "action": 0}], team_option={}),
        "field_value and team_option",
    ),
    ("value_type 1 without keys", lambda c: create(c, value_type=1), "reference_field_key"),
    (
        "value_type 1 with one key",
        lambda c: create(c, value_type=1, reference_work_item_type_key="bug"),
        "needs both",
    ),
    (
        "reference keys without value_type 1",
        lambda c: create(c, reference_work_item_type_key="bug", reference_field_key="p"),
        "only with value_type=1",
    ),
    ("value_type 2", lambda c: create(c, value_type=2), "value_type must be 0"),
    ("value_type on text", lambda c: create(c, field_type_key="text", value_type=0), "option"),
    ("unsupported type", lambda c: create(c, field_type_key="vote"), "cannot be created"),
    ("compound type", lambda c: create(c, field_type_key="compound_field"), "cannot be created"),
    ("empty type", lambda c: create(c, field_type_key=""), "field_type_key"),
    (
        "related select without relation",
        lambda c: create(c, field_type_key="work_item_related_select"),
        "work_item_relation_uuid",
    ),
    (
        "related multi select without relation",
        lambda c: create(c, field_type_key="work_item_related_multi_select"),
        "work_item_relation_uuid",
    ),
    (
        "team_option on select",
        lambda c: create(c, field_type_key="select", team_option={"team_mode": "all"}),
        "tree_select",
    ),
    (
        "options on a text field",
        lambda c: create(c, field_type_key="text", field_value=[{"label": "a"}]),
        "option fields",
    ),
    ("option without label", lambda c: create(c, field_value=[{"value": "v"}]), "label"),
    (
        "sub-option without label",
        lambda c: create(c, field_value=[{"label": "a", "children": [{"color": "red"}]}]),
        r"field_value\[0\]\.children\[0\]\.label",
    ),
    ("option action 3", lambda c: update(c, field_value=[{"label": "a", "action": 3}]), "action"),
    ("option action missing", lambda c: update(c, field_value=[{"label": "a"}]), "action"),
    (
        "option action bool",
        lambda c: update(c, field_value=[{"label": "a", "action": True}]),
        "action",
    ),
    (
        "child option action 5",
        lambda c: update(
            c, field_value=[{"label": "a", "action": 0, "children": [{"label": "b", "action": 5}]}]
        ),
        r"children\[0\]\.action",
    ),
    ("add without label", lambda c: update(c, field_value=[{"action": 0}]), "needed to add"),
    (
        "modify without value",
        lambda c: update(c, field_value=[{"label": "a", "action": 1}]),
        "needed to modify",
    ),
    ("delete without value", lambda c: update(c, field_value=[{"action": 2}]), "needed to delete"),
    ("option update not a dict", lambda c: update(c, field_value=["a"]), "OptionUpdate"),
    ("create name too long", lambda c: create(c, field_name=LONG), "at most 255"),
    ("update name too long", lambda c: update(c, field_name=LONG), "at most 255"),
    ("create description too long", lambda c: create(c, help_description=LONG), "at most 255"),
    ("update description too long", lambda c: update(c, help_description=LONG), "at most 255"),
    ("empty name", lambda c: create(c, field_name=""), "field_name"),
    ("free_add 0", lambda c: create(c, free_add=0), "free_add"),
    ("free_add string", lambda c: update(c, free_add="yes"), "free_add"),
    ("is_multi not a bool", lambda c: create(c, field_type_key="text", is_multi=1), "is_multi"),
    ("roles a string", lambda c: update(c, authorized_roles="_master"), "authorized_roles"),
    ("update nothing", lambda c: update(c), "nothing to update"),
    ("update without field_key", lambda c: update(c, field_key="", field_name="x"), "field_key"),
    ("bad team option", lambda c: update(c, team_option=["all"]), "team_option"),
    ("empty project", lambda c: c.fields.get_all(""), "project_key"),
    ("empty type filter", lambda c: c.fields.get_all("space", work_item_type_key=""), "type"),
]


@pytest.mark.parametrize(("case", "call", "match"), REFUSED, ids=[r[0] for r in REFUSED])
async def test_bad_input_is_refused_before_sending(
    stub: Stub, client: MeegleClient, case: str, call: Call, match: str
) -> None:
    with pytest.raises(MeegleValidationError, match=match):
        await call(client)
    assert stub.requests == []


def test_names_and_descriptions_of_255_characters_pass_validation() -> None:
    from meegle_async.endpoints._checks import require_text
    from meegle_async.endpoints.fields import FIELD_TEXT_MAX_CHARS

    text = "x" * FIELD_TEXT_MAX_CHARS
    assert require_text(text, "field_name", limit=FIELD_TEXT_MAX_CHARS) == text


# -- error codes of the spec ---------------------------------------------------------------------

_CALLS: dict[str, Call] = {
    "get_field_information": lambda c: c.fields.get_all("space", work_item_type_key="nope"),
    "create_custom_field": lambda c: create(c),
    "update_custom_field": lambda c: update(c, field_name="x"),
}
_EXPECTED: dict[str, dict[int, type[MeegleAPIError]]] = {
    "get_field_information": {30001: MeegleNotFoundError},
    "create_custom_field": {
        1000051468: MeegleInvalidParamsError,
        1000051469: MeegleStateConflictError,
        1000051750: MeegleInvalidParamsError,
        1000053603: MeegleInvalidParamsError,
    },
    "update_custom_field": {
        1000051468: MeegleInvalidParamsError,
        1000051750: MeegleInvalidParamsError,
        1000050746: MeegleInvalidParamsError,
        1000053603: MeegleInvalidParamsError,
        1000053604: MeegleInvalidParamsError,
        1000053605: MeegleInvalidParamsError,
    },
}
ERRORS = [
    (endpoint, _CALLS[endpoint], code, cls)
    for endpoint, codes in _EXPECTED.items()
    for code, cls in codes.items()
]


@pytest.mark.parametrize(
    ("endpoint", "call", "code", "cls"), ERRORS, ids=[f"{e[0]}-{e[2]}" for e in ERRORS]
)
async def test_spec_error_codes_map_to_their_exception(
    stub: Stub,
    client: MeegleClient,
    endpoint: str,
    call: Call,
    code: int,
    cls: type[MeegleAPIError],
) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return fail(code, "refused")

    stub.handler = handler
    with pytest.raises(MeegleAPIError) as info:
        await call(client)
    assert type(info.value) is cls
    assert info.value.code == code
    assert info.value.endpoint == endpoint
    assert len(stub.requests) == 1  # none of these is retried
