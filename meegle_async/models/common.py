"""Structures shared by several areas of the API: field value pairs, role owners, schedules,
pagination; and the one way inputs given as models or plain dicts become JSON."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import attrs
import cattrs

from ..errors import MeegleValidationError
from .base import MeegleModel, converter, to_dict
from .enums import Conjunction, SearchOperator

__all__ = [
    "FieldValuePair",
    "Pagination",
    "RoleOwner",
    "Schedule",
    "SearchGroup",
    "SearchParam",
    "input_json",
    "input_json_list",
]

M = TypeVar("M", bound=MeegleModel)


@attrs.define(frozen=True, kw_only=True, slots=True)
class FieldValuePair(MeegleModel):
    """A field and its value, as work items carry them and writes send them.

    For option fields ``field_value`` is the option's *id* (``{"value": "opt_id"}``), not its
    label; role owners are ``[{"role": "rd", "owners": ["user_key"]}]``.

    Example::

        FieldValuePair(field_key="priority", field_value={"value": "opt_p1"})
    """

    field_key: str | None = None
    field_value: Any = None
    field_type_key: str | None = None
    field_alias: str | None = None
    target_state: Any = None


def _structure_field_value_pair(data: Any, _: type[FieldValuePair]) -> FieldValuePair:
    # The hot path: a work item carries hundreds of these. Built directly, it costs a third of
    # the generic hook, with the same result (the source dict kept for to_dict).
    if isinstance(data, FieldValuePair):
        return data
    if not isinstance(data, Mapping):
        raise TypeError(f"FieldValuePair expects a JSON object, got {type(data).__name__}")
    get = data.get
    for name in ("field_key", "field_type_key", "field_alias"):
        value = get(name)
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    return FieldValuePair(
        field_key=get("field_key"),
        field_value=get("field_value"),
        field_type_key=get("field_type_key"),
        field_alias=get("field_alias"),
        target_state=get("target_state"),
        meegle_source=data,
    )


converter.register_structure_hook(FieldValuePair, _structure_field_value_pair)


@attrs.define(frozen=True, kw_only=True, slots=True)
class RoleOwner(MeegleModel):
    """A role and the user keys that hold it (``role_owners``, ``role_assignee``)."""

    role: str | None = None
    owners: list[str] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class Schedule(MeegleModel):
    """A node's or subtask's schedule: estimated dates in 13-digit milliseconds, points, owners."""

    owners: list[str] | None = None
    estimate_start_date: int | None = None
    estimate_end_date: int | None = None
    points: float | None = None
    actual_work_time: float | None = None
    is_auto: bool | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class Pagination(MeegleModel):
    """Paging facts of a page-numbered answer; ``search_after`` for cursor-paged searches."""

    page_num: int | None = None
    page_size: int | None = None
    total: int | None = None
    search_after: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class SearchParam(MeegleModel):
    """One search condition: a field (``param_key``), an ``operator`` and a ``value``.

    ``operator`` is typed ``SearchOperator`` (a typo fails type checking); at run time any
    string is kept, as the server may know more operators.

    Example::

        SearchParam(param_key="created_at", operator=">", value=1719878400000)
    """

    param_key: str | None = None
    value: Any = None
    operator: SearchOperator | None = None
    pre_operator: str | None = None
    value_search_groups: SearchGroup | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class SearchGroup(MeegleModel):
    """Search conditions joined by ``conjunction`` (``AND`` or ``OR``), nestable.

    Example::

        SearchGroup(conjunction="AND", search_params=[SearchParam(...)], search_groups=[...])
    """

    conjunction: Conjunction | None = None
    search_params: list[SearchParam] | None = None
    search_groups: list[SearchGroup] | None = None


def input_json(value: Any, cls: type[M], *, name: str) -> dict[str, Any]:
    """An input given as a ``cls`` instance or a plain dict, as the JSON object to send.

    A dict is checked by building a ``cls`` from it (unknown keys are kept and sent as given).
    """
    if isinstance(value, cls):
        return dict(to_dict(value))
    if isinstance(value, Mapping):
        try:
            return dict(to_dict(converter.structure(dict(value), cls)))
        except (cattrs.BaseValidationError, TypeError, ValueError) as exc:
            detail = (
                "; ".join(cattrs.transform_error(exc, path=name))
                if isinstance(exc, cattrs.BaseValidationError)
                else f"{name}: {exc}"
            )
            raise MeegleValidationError(f"not a valid {cls.__name__}: {detail}") from None
    raise MeegleValidationError(
        f"{name} must be a {cls.__name__} or a dict, not {type(value).__name__}"
    )


def input_json_list(
    values: Iterable[Any] | None, cls: type[M], *, name: str
) -> list[dict[str, Any]]:
    """``input_json`` over a list; ``None`` gives an empty list."""
    if values is None:
        return []
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise MeegleValidationError(f"{name} must be a list of {cls.__name__} or dicts")
    return [input_json(v, cls, name=f"{name}[{i}]") for i, v in enumerate(values)]
