"""The field builder: human values to field_value_pairs against realistic creation metadata
(every field type, every refusal), and the metadata cache (one fetch for concurrent users, TTL,
invalidation, failures)."""

from __future__ import annotations

import asyncio
import gc
import math
import weakref
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from meegle_async import FieldValuePair, MeegleValidationError, to_dict
from meegle_async.helpers.field_builder import (
    FieldMetadata,
    FieldMetadataCache,
    build_field_value_pairs,
    load_field_metadata,
    metadata_cache_for,
)
from meegle_async.models.base import structure_list
from meegle_async.models.common import RoleOwner
from meegle_async.models.fields import SimpleField
from meegle_async.models.work_items import FieldConfig


def opt(
    label: str, value: str, children: list[Any] | None = None, *, disabled: bool = False
) -> Any:
    out: dict[str, Any] = {
        "label": label,
        "value": value,
        "is_disabled": 1 if disabled else 2,
        "is_visibility": 1,
    }
    if children:
        out["children"] = children
    return out


def field(key: str, name: str, kind: str, alias: str = "", **extra: Any) -> dict[str, Any]:
    out = {
        "field_key": key,
        "field_alias": alias,
        "field_name": name,
        "field_type_key": kind,
        "is_required": 2,
        "is_visibility": 1,
        "is_validity": 1,
        "label": name,
        "field_uuid": key,
        "free_add": False,
    }
    out.update(extra)
    return out


PLATFORM = [
    opt("iOS", "pl_ios", [opt("iPhone", "pl_ios_phone"), opt("iPad", "pl_ios_pad")]),
    opt("Android", "pl_and", [opt("Phone", "pl_and_phone"), opt("Tablet", "pl_and_tab")]),
    opt("Web", "pl_web", [opt("Desktop", "pl_web_desk"), opt("Mobile web", "pl_web_mob")]),
    opt("Other", "pl_other"),
]

#: The creation metadata of a "story" type, as get_work_item_creation_metadata answers it.
META: list[dict[str, Any]] = [
    field("name", "Name", "text", "name", is_required=1),
    field("description", "Description", "multi_text", "description"),
    field("owner", "Owner", "user", "owner"),
    field(
        "priority",
        "Priority",
        "select",
        "priority",
        options=[
            opt("P0", "0"),
            opt("P1", "1"),
            opt("P2", "2"),
            opt("P3", "99"),
            opt("P4", "100", disabled=True),
        ],
    ),
    field(
        "role_owners",
        "Role owners",
        "role_owners",
        "role_owners",
        role_assign=[
            {"role": "pm", "name": "PM", "default_appear": 1, "deletable": 2, "members": []},
            {"role": "rd", "name": "RD", "default_appear": 1, "deletable": 2, "members": []},
            {"role": "qa", "name": "QA", "default_appear": 1, "deletable": 2, "members": []},
        ],
    ),
    field("watchers", "Watchers", "multi_user", "watchers"),
    field("template", "Template", "template", "template", options=[opt("Default", "400001")]),
    field("field_5a1c20", "Story points", "number", "story_points"),
    field(
        "field_6b2d31",
        "Tags",
        "multi_select",
        "tags",
        options=[
            opt("Frontend", "k3x9a1"),
            opt("Backend", "k3x9a2"),
            opt("Infra", "k3x9a3"),
            opt("Legacy", "k3x9a9", disabled=True),
        ],
    ),
    field("field_7c3e42", "Platform", "tree_select", "platform", options=PLATFORM),
    field(
        "field_f4b6ca",
        "Affected platforms",
        "tree_multi_select",
        "affected_platforms",
        options=PLATFORM,
    ),
    field("field_8d4f53", "Reviewers", "multi_user", "reviewers"),
    field("field_9e5064", "Due date", "date", "due_date"),
    field(
        "field_af6175",
        "Test cases",
        "compound_field",
        "test_cases",
        compound_fields=[
            field("field_tc_name", "Case name", "text", "case_name", is_required=1),
            field(
                "field_tc_result",
                "Result",
                "select",
                "case_result",
                options=[opt("Pass", "res_pass"), opt("Fail", "res_fail")],
            ),
            field("field_tc_owner", "Case owner", "user", "case_owner"),
        ],
    ),
    field("field_b07286", "Design link", "link", "design_link"),
    field("field_c18397", "Blocked", "bool", "blocked"),
    field(
        "field_d294a8",
        "Severity",
        "radio",
        "severity",
        is_required=1,
        options=[opt("Blocker", "sev_1"), opt("Critical", "sev_2"), opt("Major", "sev_3")],
    ),
    # Labels that are other options' ids: "1" is ambiguous.
    field("field_lvl", "Level", "select", "level", options=[opt("1", "2"), opt("2", "1")]),
    field("field_rel", "Parent story", "work_item_related_select", "parent_story"),
    field("field_rels", "Linked stories", "work_item_related_multi_select", "linked"),
    field("field_team_a", "Owner team", "text"),
    field("field_team_b", "Owner team", "text"),
    field("field_vote", "Votes", "vote", "votes"),
]


@pytest.fixture
def meta() -> FieldMetadata:
    return FieldMetadata(
        structure_list(META, FieldConfig), project_key="space_demo", work_item_type_key="story"
    )


def one(meta: FieldMetadata, name: str, value: Any, **kwargs: Any) -> Any:
    (pair,) = build_field_value_pairs(meta, {name: value}, **kwargs)
    return pair.field_value


def refused(meta: FieldMetadata, values: dict[str, Any], **kwargs: Any) -> str:
    with pytest.raises(MeegleValidationError) as info:
        build_field_value_pairs(meta, values, **kwargs)
    return str(info.value)


# -- the issue's example and the output ----------------------------------------------------


def test_issue_example(meta: FieldMetadata) -> None:
    pairs = build_field_value_pairs(
        meta,
        {
            "priority": "P1",
            "description": "Login fails on Safari",
            "owner": "u_owner",
            "tags": ["Frontend", "Backend"],
            "role_owners": {"rd": ["u1"], "QA": ["u2", "u3"]},
            "Due date": date(2026, 12, 1),
        },
    )
    assert all(isinstance(p, FieldValuePair) for p in pairs)
    assert to_dict(pairs) == [
        {"field_key": "priority", "field_value": {"value": "1"}},
        {"field_key": "description", "field_value": "Login fails on Safari"},
        {"field_key": "owner", "field_value": "u_owner"},
        {"field_key": "field_6b2d31", "field_value": [{"value": "k3x9a1"}, {"value": "k3x9a2"}]},
        {
            "field_key": "role_owners",
            "field_value": [
                {"role": "rd", "owners": ["u1"]},
                {"role": "qa", "owners": ["u2", "u3"]},
            ],
        },
        {"field_key": "field_9e5064", "field_value": 1_796_083_200_000},
    ]


def test_accepts_the_config_list_and_an_empty_mapping(meta: FieldMetadata) -> None:
    configs = structure_list(META, FieldConfig)
    assert build_field_value_pairs(configs, {"priority": "P0"}) == build_field_value_pairs(
        meta, {"priority": "P0"}
    )
    assert build_field_value_pairs(meta, {}) == []
    assert meta.build({"tags": []})[0].field_value == []


# -- finding the field ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["field_6b2d31", "tags", "Tags", "TAGS", "FIELD_6B2D31", "Tags".lower()]
)
def test_field_by_key_alias_or_name(meta: FieldMetadata, name: str) -> None:
    (pair,) = build_field_value_pairs(meta, {name: ["Infra"]})
    assert pair.field_key == "field_6b2d31"


def test_keys_win_over_aliases_and_names() -> None:
    confs = structure_list(
        [
            field("alpha", "beta", "text", "gamma"),
            field("beta", "Beta field", "text", "alpha"),
            field("gamma", "alpha", "text"),
        ],
        FieldConfig,
    )
    meta = FieldMetadata(confs)
    assert meta.field("alpha").field_key == "alpha"  # key over another field's alias
    assert meta.field("beta").field_key == "beta"  # key over another field's name
    assert meta.field("gamma").field_key == "gamma"
    assert meta.field("Beta field").field_key == "beta"


def test_unknown_field_suggests_the_closest(meta: FieldMetadata) -> None:
    message = refused(meta, {"prority": "P1"})
    assert "unknown field 'prority'" in message
    assert "'priority'" in message
    assert "story" in message
    assert "space_demo" in message
    assert "did you mean" not in refused(meta, {"zzzzzz": 1})


def test_ambiguous_display_name_lists_the_keys(meta: FieldMetadata) -> None:
    message = refused(meta, {"Owner team": "x"})
    assert "ambiguous" in message
    assert "'field_team_a'" in message
    assert "'field_team_b'" in message
    assert one(meta, "field_team_b", "x") == "x"


def test_same_field_twice_is_refused(meta: FieldMetadata) -> None:
    message = refused(meta, {"priority": "P1", "Priority": "P2"})
    assert "given twice" in message


@pytest.mark.parametrize("name", ["name", "Name", "template_id", "template", "Template"])
def test_name_and_template_are_separate_arguments(meta: FieldMetadata, name: str) -> None:
    message = refused(meta, {name: "x"})
    assert "must not be a field value" in message
    assert ("name=" in message) or ("template_id=" in message)


def test_update_accepts_name_but_never_template(meta: FieldMetadata) -> None:
    assert one(meta, "name", "Renamed", purpose="update") == "Renamed"
    assert "template_id=" in refused(meta, {"template_id": 4}, purpose="update")
    assert "purpose" in refused(meta, {}, purpose="delete")


@pytest.mark.parametrize("bad", [None, ["priority"], "priority"])
def test_fields_must_be_a_mapping(meta: FieldMetadata, bad: Any) -> None:
    with pytest.raises(MeegleValidationError, match="mapping"):
        build_field_value_pairs(meta, bad)


@pytest.mark.parametrize("name", ["", "  ", 3])
def test_field_names_are_strings(meta: FieldMetadata, name: Any) -> None:
    assert "non-empty string" in refused(meta, {name: 1})


def test_none_is_not_a_value(meta: FieldMetadata) -> None:
    message = refused(meta, {"description": None})
    assert "None is not a value" in message
    assert "empty value" in message


# -- required fields -----------------------------------------------------------------------


def test_required_fields(meta: FieldMetadata) -> None:
    message = refused(meta, {"priority": "P1"}, required=True)
    assert "missing required field(s)" in message
    assert "'Severity' (field_d294a8)" in message
    assert "'Name'" not in message  # a create argument, checked by create itself
    pairs = build_field_value_pairs(meta, {"severity": "Major"}, required=True)
    assert to_dict(pairs) == [{"field_key": "field_d294a8", "field_value": {"value": "sev_3"}}]
    assert build_field_value_pairs(meta, {"priority": "P1"}) != []  # not asked: no check
    assert [f.field_key for f in meta.required_fields()] == ["name", "field_d294a8"]


# -- options -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("P1", "1"),
        ("p1", "1"),
        ("1", "1"),
        ("99", "99"),
        (99, "99"),
        ({"value": "2"}, "2"),
        ({"label": "P3"}, "99"),
    ],
)
def test_select_by_label_or_id(meta: FieldMetadata, given: Any, sent: str) -> None:
    assert one(meta, "priority", given) == {"value": sent}


def test_radio(meta: FieldMetadata) -> None:
    assert one(meta, "severity", "Critical") == {"value": "sev_2"}


def test_unknown_option_lists_the_valid_ones(meta: FieldMetadata) -> None:
    message = refused(meta, {"priority": "P9"})
    assert "unknown option 'P9'" in message
    assert "valid: 'P0', 'P1', 'P2', 'P3'" in message
    assert "P4" not in message  # disabled options are not offered
    message = refused(meta, {"priority": "P11"})
    assert "did you mean" in message
    assert "unknown option id 'P1'" in refused(meta, {"priority": {"value": "P1"}})


def test_disabled_option(meta: FieldMetadata) -> None:
    message = refused(meta, {"priority": "P4"})
    assert "option 'P4' (id 100) is disabled" in message
    assert "enabled options: 'P0', 'P1', 'P2', 'P3'" in message
    assert "disabled" in refused(meta, {"tags": ["Frontend", "Legacy"]})


def test_label_that_is_another_options_id(meta: FieldMetadata) -> None:
    message = refused(meta, {"level": "1"})
    assert "ambiguous" in message
    assert '{"value": id}' in message
    assert one(meta, "level", {"value": "1"}) == {"value": "1"}
    assert one(meta, "level", {"label": "1"}) == {"value": "2"}


@pytest.mark.parametrize("bad", [True, 1.5, [], {"id": "1"}, ""])
def test_option_of_the_wrong_shape(meta: FieldMetadata, bad: Any) -> None:
    assert "priority" in refused(meta, {"priority": bad})


def test_multi_select(meta: FieldMetadata) -> None:
    assert one(meta, "tags", ("Infra", "k3x9a1")) == [{"value": "k3x9a3"}, {"value": "k3x9a1"}]
    assert "a list of option labels or ids" in refused(meta, {"tags": "Infra"})
    assert "unknown option 'Design'" in refused(meta, {"tags": ["Infra", "Design"]})


def test_option_field_without_options() -> None:
    meta = FieldMetadata(structure_list([field("f", "F", "select")], FieldConfig))
    assert meta.lacks_options()
    assert "lists no options" in refused(meta, {"f": "x"})


# -- cascading selects ---------------------------------------------------------------------

IPHONE = {"value": "pl_ios", "children": {"value": "pl_ios_phone"}}


@pytest.mark.parametrize(
    "given",
    [
        ["iOS", "iPhone"],
        ("pl_ios", "pl_ios_phone"),
        "iOS / iPhone",
        "ios/iphone",
        "iPhone",
        {"value": "pl_ios", "children": {"value": "pl_ios_phone"}},
        {"value": "pl_ios", "children": [{"value": "pl_ios_phone"}]},
        {"label": "iOS", "children": {"label": "iPhone"}},
    ],
)
def test_tree_select_paths(meta: FieldMetadata, given: Any) -> None:
    assert one(meta, "platform", given) == IPHONE


def test_tree_select_top_level_leaf(meta: FieldMetadata) -> None:
    assert one(meta, "Platform", "Other") == {"value": "pl_other"}


def test_tree_select_must_reach_a_leaf(meta: FieldMetadata) -> None:
    message = refused(meta, {"platform": "iOS"})
    assert "'iOS' is not a leaf" not in message  # the path text, not a repr
    assert "iOS is not a leaf" in message
    assert "'iPhone', 'iPad'" in message


def test_tree_select_bad_steps(meta: FieldMetadata) -> None:
    message = refused(meta, {"platform": ["iOS", "Tablet"]})
    assert "at iOS" in message
    assert "unknown option 'Tablet'" in message
    assert "valid: 'iPhone', 'iPad'" in message
    assert "one step too many" in refused(meta, {"platform": ["Other", "x"]})
    assert "empty path" in refused(meta, {"platform": []})
    assert "unknown option 'Phone'" in refused(meta, {"platform": "Phone / Android"})
    # "Phone" alone is the one leaf with that label: found below Android.
    assert one(meta, "platform", "Phone") == {
        "value": "pl_and",
        "children": {"value": "pl_and_phone"},
    }
    assert "nested value" in refused(meta, {"platform": {"value": "pl_ios", "children": 3}})


def test_tree_multi_select(meta: FieldMetadata) -> None:
    assert one(meta, "affected_platforms", ["iOS / iPhone", ["Web", "Desktop"], "Other"]) == [
        IPHONE,
        {"value": "pl_web", "children": {"value": "pl_web_desk"}},
        {"value": "pl_other"},
    ]
    assert "list of cascading paths" in refused(meta, {"affected_platforms": "iOS / iPhone"})


# -- users, dates, scalars -----------------------------------------------------------------


def test_users(meta: FieldMetadata) -> None:
    assert one(meta, "owner", "u1") == "u1"
    assert one(meta, "reviewers", ["u1", "u2"]) == ["u1", "u2"]
    assert "user_key" in refused(meta, {"owner": ["u1"]})
    assert "list of user_keys" in refused(meta, {"watchers": "u1"})
    assert "user_key" in refused(meta, {"watchers": ["u1", ""]})


def test_dates(meta: FieldMetadata) -> None:
    utc = datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc)
    assert one(meta, "due_date", utc) == 1_796_117_400_000
    plus8 = datetime(2026, 12, 1, 17, 30, tzinfo=timezone(timedelta(hours=8)))
    assert one(meta, "due_date", plus8) == 1_796_117_400_000
    assert one(meta, "due_date", date(2026, 12, 1)) == 1_796_083_200_000
    assert one(meta, "due_date", 1_796_083_200_123) == 1_796_083_200_123
    assert "no timezone" in refused(meta, {"due_date": datetime(2026, 12, 1)})
    assert "seconds? multiply by 1000" in refused(meta, {"due_date": 1_796_083_200})
    assert "13-digit" in refused(meta, {"due_date": 12})
    assert "datetime" in refused(meta, {"due_date": "2026-12-01"})
    assert "datetime" in refused(meta, {"due_date": True})


def test_scalars(meta: FieldMetadata) -> None:
    assert one(meta, "story_points", 3) == 3
    assert one(meta, "story_points", 2.5) == 2.5
    assert one(meta, "blocked", False) is False
    assert one(meta, "design_link", "https://x.example/d/1") == "https://x.example/d/1"
    assert one(meta, "description", "") == ""
    assert "int or a float" in refused(meta, {"story_points": "3"})
    assert "int or a float" in refused(meta, {"story_points": True})
    assert "finite" in refused(meta, {"story_points": math.nan})
    assert "True or False" in refused(meta, {"blocked": 1})
    assert "a string" in refused(meta, {"design_link": 5})


def test_related_work_items(meta: FieldMetadata) -> None:
    assert one(meta, "parent_story", "1001") == 1001
    assert one(meta, "linked", [1001, "1002"]) == [1001, 1002]
    assert "work item ids" in refused(meta, {"parent_story": 0})
    assert "list of work item ids" in refused(meta, {"linked": 1001})
    # isdigit() accepts these, int() does not (or reads another script); 2**63 is out of range.
    for bad in ("²", "１２", 2**63, True):
        assert "work item ids" in refused(meta, {"parent_story": bad})
        assert "work item ids" in refused(meta, {"linked": [1001, bad]})


def test_other_types_are_sent_as_given(meta: FieldMetadata) -> None:
    assert one(meta, "votes", {"anything": [1]}) == {"anything": [1]}


# -- role owners ---------------------------------------------------------------------------


def test_role_owners_shapes(meta: FieldMetadata) -> None:
    expected = [{"role": "rd", "owners": ["u1"]}, {"role": "pm", "owners": []}]
    assert one(meta, "role_owners", {"rd": ["u1"], "PM": []}) == expected
    assert one(meta, "role_owners", [{"role": "rd", "owners": ["u1"]}, {"role": "pm"}]) == expected
    given = [RoleOwner(role="rd", owners=["u1"]), RoleOwner(role="pm", owners=[])]
    assert one(meta, "role_owners", given) == expected


def test_role_owners_refusals(meta: FieldMetadata) -> None:
    message = refused(meta, {"role_owners": {"dev": ["u1"]}})
    assert "unknown role 'dev'" in message
    assert "pm (PM), rd (RD), qa (QA)" in message
    assert "did you mean 'rd'" in refused(meta, {"role_owners": {"rdd": ["u1"]}})
    assert "list of user_keys" in refused(meta, {"role_owners": {"rd": "u1"}})
    assert "given twice" in refused(meta, {"role_owners": {"rd": ["u1"], "RD": ["u2"]}})
    assert "takes" in refused(meta, {"role_owners": "rd"})
    assert "entries are" in refused(meta, {"role_owners": [["rd", ["u1"]]]})


def test_role_owners_without_role_config_are_not_checked() -> None:
    meta = FieldMetadata(structure_list([field("role_owners", "R", "role_owners")], FieldConfig))
    assert one(meta, "role_owners", {"any": ["u1"]}) == [{"role": "any", "owners": ["u1"]}]


# -- compound fields -----------------------------------------------------------------------


def test_compound_groups(meta: FieldMetadata) -> None:
    groups = one(
        meta,
        "Test cases",
        [
            {"case_name": "Login", "Result": "Pass", "case_owner": "u1"},
            {"Case name": "Logout", "field_tc_result": "res_fail"},
        ],
    )
    assert groups == [
        [
            {"field_key": "field_tc_name", "field_value": "Login"},
            {"field_key": "field_tc_result", "field_value": {"value": "res_pass"}},
            {"field_key": "field_tc_owner", "field_value": "u1"},
        ],
        [
            {"field_key": "field_tc_name", "field_value": "Logout"},
            {"field_key": "field_tc_result", "field_value": {"value": "res_fail"}},
        ],
    ]
    assert one(meta, "test_cases", {"case_name": "Only"}) == [
        [{"field_key": "field_tc_name", "field_value": "Only"}]
    ]


def test_compound_refusals(meta: FieldMetadata) -> None:
    message = refused(meta, {"test_cases": [{"case_nam": "x"}]})
    assert "compound field 'Test cases'" in message
    assert "'case_name'" in message
    assert "unknown option 'Skip'" in refused(meta, {"test_cases": {"Result": "Skip"}})
    assert "group 0 must be a mapping" in refused(meta, {"test_cases": [["x"]]})
    assert "a list of groups" in refused(meta, {"test_cases": "x"})
    message = refused(meta, {"severity": "Major", "test_cases": {"Result": "Pass"}}, required=True)
    assert "'Case name' (field_tc_name)" in message
    bare = FieldMetadata(structure_list([field("c", "C", "compound_field")], FieldConfig))
    assert "no sub-fields" in refused(bare, {"c": {"x": 1}})


# -- filling gaps from fields.get_all ------------------------------------------------------


async def test_load_fills_missing_options_from_simple_fields() -> None:
    confs = structure_list(
        [
            field("priority", "", "select"),
            field("c", "C", "compound_field", compound_fields=[field("s", "S", "select")]),
        ],
        FieldConfig,
    )
    simple = structure_list(
        [
            {
                "field_key": "priority",
                "field_alias": "priority",
                "field_name": "Priority",
                "field_type_key": "select",
                "options": [{"label": "P1", "value": "1", "is_disabled": 2, "order": 0}],
            },
            {
                "field_key": "c",
                "field_type_key": "compound_field",
                "compound_fields": [
                    {"field_key": "s", "options": [{"label": "Yes", "value": "y"}]}
                ],
            },
        ],
        SimpleField,
    )
    calls: list[str] = []

    async def get_metadata() -> list[FieldConfig]:
        calls.append("meta")
        return confs

    async def get_fields() -> list[SimpleField]:
        calls.append("fields")
        return simple

    meta = await load_field_metadata("p", "story", get_metadata, get_fields)
    assert calls == ["meta", "fields"]
    assert not meta.lacks_options()
    assert meta.build({"Priority": "P1", "c": {"S": "Yes"}}, purpose="update") == [
        FieldValuePair(field_key="priority", field_value={"value": "1"}),
        FieldValuePair(
            field_key="c", field_value=[[{"field_key": "s", "field_value": {"value": "y"}}]]
        ),
    ]
    calls.clear()
    full = await load_field_metadata(
        "p", "story", lambda: _value(structure_list(META, FieldConfig)), get_fields
    )
    assert calls == []
    assert len(full.fields) == len(META)


async def _value(value: Any) -> Any:
    return value


# -- the cache -----------------------------------------------------------------------------


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Loader:
    """Counts loads; each waits for ``gate`` when one is set."""

    def __init__(self) -> None:
        self.calls = 0
        self.gate: asyncio.Event | None = None
        self.fail: Exception | None = None

    async def __call__(self) -> FieldMetadata:
        self.calls += 1
        n = self.calls
        if self.gate is not None:
            await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        return FieldMetadata([], project_key=f"load{n}")


async def test_cache_concurrent_first_uses_load_once() -> None:
    cache, load = FieldMetadataCache(), Loader()
    load.gate = asyncio.Event()
    tasks = [asyncio.ensure_future(cache.get("p", "story", load)) for _ in range(20)]
    await asyncio.sleep(0)
    load.gate.set()
    results = await asyncio.gather(*tasks)
    assert load.calls == 1
    assert all(r is results[0] for r in results)
    assert await cache.get("p", "story", load) is results[0]
    await cache.get("p", "bug", load)
    assert load.calls == 2


async def test_cache_ttl() -> None:
    clock = Clock()
    cache, load = FieldMetadataCache(ttl=600, clock=clock), Loader()
    first = await cache.get("p", "story", load)
    clock.now += 599.9
    assert await cache.get("p", "story", load) is first
    assert cache.cached("p", "story") is first
    clock.now += 0.1
    assert cache.cached("p", "story") is None
    second = await cache.get("p", "story", load)
    assert second is not first
    assert load.calls == 2
    cache.ttl = 10  # takes effect at once
    clock.now += 10
    await cache.get("p", "story", load)
    assert load.calls == 3
    cache.ttl = None
    clock.now += 10**9
    await cache.get("p", "story", load)
    assert load.calls == 3
    cache.ttl = 0
    await cache.get("p", "story", load)
    assert load.calls == 4


@pytest.mark.parametrize("ttl", [-1, True, math.nan])
def test_cache_ttl_must_be_sensible(ttl: Any) -> None:
    with pytest.raises(MeegleValidationError, match="ttl"):
        FieldMetadataCache(ttl=ttl)


async def test_cache_refresh_and_invalidate() -> None:
    cache, load = FieldMetadataCache(), Loader()
    first = await cache.get("p", "story", load)
    refreshed = await cache.refresh("p", "story", load)
    assert refreshed is not first
    assert load.calls == 2
    assert await cache.get("p", "story", load) is refreshed
    await cache.get("p", "bug", load)
    await cache.get("q", "story", load)
    cache.invalidate("p")
    assert cache.cached("p", "story") is None
    assert cache.cached("p", "bug") is None
    assert cache.cached("q", "story") is not None
    cache.invalidate(work_item_type_key="story")
    assert cache.cached("q", "story") is None
    await cache.get("q", "story", load)
    cache.invalidate()
    assert cache.cached("q", "story") is None


async def test_cache_refresh_during_a_fetch_starts_a_new_one() -> None:
    cache, load = FieldMetadataCache(), Loader()
    load.gate = asyncio.Event()
    early = asyncio.ensure_future(cache.get("p", "story", load))
    await asyncio.sleep(0)
    await settle()
    late = asyncio.ensure_future(cache.refresh("p", "story", load))
    await settle()
    assert load.calls == 2
    load.gate.set()
    stale, fresh = await early, await late
    assert stale.project_key == "load1"
    assert fresh.project_key == "load2"
    # Only the fetch started after the refresh is kept.
    assert cache.cached("p", "story") is fresh


async def test_cache_failures_are_shared_and_not_kept() -> None:
    cache, load = FieldMetadataCache(), Loader()
    load.gate, load.fail = asyncio.Event(), RuntimeError("boom")
    tasks = [asyncio.ensure_future(cache.get("p", "story", load)) for _ in range(3)]
    await asyncio.sleep(0)
    load.gate.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    assert load.calls == 1
    load.fail = None
    await cache.get("p", "story", load)
    assert load.calls == 2


async def test_cache_one_cancelled_caller_does_not_cancel_the_fetch() -> None:
    cache, load = FieldMetadataCache(), Loader()
    load.gate = asyncio.Event()
    first = asyncio.ensure_future(cache.get("p", "story", load))
    second = asyncio.ensure_future(cache.get("p", "story", load))
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)
    load.gate.set()
    assert (await second).project_key == "load1"
    assert first.cancelled()
    assert load.calls == 1


def test_metadata_cache_for_is_per_owner() -> None:
    class Owner:
        pass

    a, b = Owner(), Owner()
    assert metadata_cache_for(a) is metadata_cache_for(a)
    assert metadata_cache_for(a) is not metadata_cache_for(b)
    gone = weakref.ref(metadata_cache_for(b))
    del b
    gc.collect()
    assert gone() is None  # the cache lives as long as its owner
