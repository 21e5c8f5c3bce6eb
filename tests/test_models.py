"""Models: every key the server sent survives, scalars are checked, bad shapes are our errors."""

from __future__ import annotations

import json

import attrs
import pytest

from meegle_async import MeegleServerError, MeegleValidationError, to_dict
from meegle_async.models import FieldValuePair, input_json, structure, structure_list
from meegle_async.models.work_items import WorkItem

ANSWER = {
    "id": 101,
    "name": "Login page",
    "brand_new_key": {"nested": [1, 2]},
    "work_item_type_key": "story",
    "deleted_at": None,
    "fields": [
        {"field_key": "priority", "field_value": {"value": "p1"}, "field_alias": "prio", "x": 1}
    ],
    "work_item_status": {"state_key": "doing", "future_flag": True},
}


def test_to_dict_gives_back_every_key_in_the_servers_order_with_its_nulls() -> None:
    item = structure(ANSWER, WorkItem)
    assert to_dict(item) == ANSWER
    assert list(to_dict(item)) == list(ANSWER)
    assert json.dumps(to_dict(item)) == json.dumps(ANSWER)
    assert item.extra == {"brand_new_key": {"nested": [1, 2]}}
    assert item.get("brand_new_key") == {"nested": [1, 2]}
    assert item.work_item_status is not None
    assert item.work_item_status.extra == {"future_flag": True}


def test_a_changed_copy_writes_its_new_values() -> None:
    item = attrs.evolve(structure(ANSWER, WorkItem), name="Renamed", updated_by="u9")
    out = to_dict(item)
    assert out["name"] == "Renamed"
    assert out["updated_by"] == "u9"
    assert out["brand_new_key"] == {"nested": [1, 2]}


def test_models_built_by_hand_omit_what_was_not_set() -> None:
    assert to_dict(FieldValuePair(field_key="a", field_value=None)) == {"field_key": "a"}


def test_ids_the_server_sends_as_strings_or_numbers_are_tolerated() -> None:
    assert structure({"id": "101"}, WorkItem).id == 101
    assert structure({"field_key": "k", "field_type_key": "text"}, FieldValuePair).field_key == "k"


@pytest.mark.parametrize(
    "answer",
    [
        {"id": [1]},
        {"id": True},
        {"name": ["not", "a", "string"]},
        {"work_item_status": {"state_key": ["doing"]}},
        {"work_item_status": "doing"},
    ],
)
def test_answers_of_another_shape_raise_server_errors(answer: dict[str, object]) -> None:
    with pytest.raises(MeegleServerError, match="shape of"):
        structure(answer, WorkItem)


def test_a_field_of_another_shape_raises_when_the_fields_are_read() -> None:
    item = structure({"fields": [{"field_key": {"a": 1}}]}, WorkItem)
    with pytest.raises(MeegleServerError, match="shape of"):
        _ = item.field_value_pairs


def test_a_list_where_an_object_is_expected_is_a_server_error() -> None:
    with pytest.raises(MeegleServerError, match="JSON array"):
        structure_list({"id": 1}, WorkItem)
    assert structure_list(None, WorkItem) == []


def test_inputs_are_checked_not_coerced() -> None:
    with pytest.raises(MeegleValidationError, match=r"pairs\[0\]"):
        input_json({"field_key": ["x"], "field_value": 1}, FieldValuePair, name="pairs[0]")
    assert input_json({"field_key": "x", "field_value": [1]}, FieldValuePair, name="p") == {
        "field_key": "x",
        "field_value": [1],
    }
