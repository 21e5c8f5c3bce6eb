"""What the work item calls share: enum tables, limits and the small input helpers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..errors import (
    MeegleValidationError,
)
from ..helpers.chunking import (
    MAX_ID,
)
from ..helpers.windows import DAY_MS, check_ms
from ..models.common import FieldValuePair, input_json, input_json_list
from ..models.work_items import (
    Expand,
    WorkItem,
)
from ..transport.response import RawResponse
from ._checks import bad_answer, require_text, shown

#: ``update_mode`` values of a batch update.
UPDATE_MODES = ("APPEND", "UPDATE", "REPLACE")
#: ``reason_option`` values when aborting (terminating) a work item.
ABORT_REASONS = ("cancel", "repeat", "test", "other")
#: ``reason_option`` values when resuming a work item.
RESUME_REASONS = ("restart", "rollback", "test", "other")
#: Change-log filter values the spec enumerates.
OPERATOR_TYPES = ("user", "auto", "system", "calc_field", "plugin", "others")
SOURCE_TYPES = ("auto", "plugin")
OPERATION_TYPES = (
    "modify",
    "create",
    "delete",
    "terminate",
    "restore",
    "complete",
    "rollback",
    "add",
    "remove",
)
OP_RECORD_MODULES = (
    "work_item_mod",
    "node_mod",
    "sub_task_mod",
    "field_mod",
    "role_and_user_mod",
    "baseline_mod",
)
#: The longest ``start``..``end`` range one change-log call takes (7 days, in ms).
CHANGE_LOG_MAX_SPAN_MS = 7 * DAY_MS
#: The change log holds nothing before 2024-07-02 (00:00 UTC, in ms).
CHANGE_LOG_EARLIEST_MS = 1_719_878_400_000
#: The largest change-log ``page_size``.
CHANGE_LOG_MAX_PAGE_SIZE = 200

_COMPOUND_ACTIONS = ("add", "update", "delete")

#: What coalesced ``get`` calls must share: space, type, fields and expand (as JSON).
_DetailsGroup = tuple[str, str, tuple[str, ...] | None, str | None]


# -- input checks shared with the resources group -----------------------------------------


def _opt_text(value: object, name: str) -> str | None:
    return None if value is None else require_text(value, name)


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise MeegleValidationError(
            f"{name} must be a positive int (at most 2**63 - 1), not {shown(value)}"
        )
    return value


def _expand_json(expand: Expand | Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if expand is None else input_json(expand, Expand, name="expand")


def _pairs_json(
    pairs: Iterable[FieldValuePair | Mapping[str, Any]] | None,
    name: str,
    *,
    forbidden: Mapping[str, str] | None = None,
    required: bool = False,
) -> list[dict[str, Any]] | None:
    """Field value pairs as JSON: each names its field, no field twice, none of ``forbidden``."""
    if pairs is None:
        if required:
            raise MeegleValidationError(f"{name} is required: a list of field value pairs")
        return None
    out = input_json_list(pairs, FieldValuePair, name=name)
    if required and not out:
        raise MeegleValidationError(f"{name} is empty: give at least one field value pair")
    seen: dict[str, int] = {}
    for i, pair in enumerate(out):
        key = pair.get("field_key")
        alias = pair.get("field_alias")
        if not (isinstance(key, str) and key) and not (isinstance(alias, str) and alias):
            raise MeegleValidationError(f"{name}[{i}] needs a field_key (or a field_alias)")
        for ident in (key, alias):
            if not isinstance(ident, str) or not ident:
                continue
            if forbidden and ident in forbidden:
                raise MeegleValidationError(
                    f"{name}[{i}]: {shown(ident)} must not be sent in {name}: {forbidden[ident]}"
                )
            if ident in seen:
                raise MeegleValidationError(
                    f"{name}[{i}]: field {shown(ident)} is already set by {name}[{seen[ident]}]: "
                    "send each field once"
                )
        for ident in {key, alias}:
            if isinstance(ident, str) and ident:
                seen[ident] = i
    return out


_CREATE_FORBIDDEN = {
    "name": "pass it as name= instead",
    "template_id": "pass it as template_id= instead",
}


def _int_answer(resp: RawResponse, endpoint: str, key: str | None = None) -> int:
    """The new id an answer carries: ``data`` itself, or ``data[key]``."""
    value = resp.data.get(key) if key is not None and isinstance(resp.data, Mapping) else resp.data
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        where = f"data.{key}" if key else "data"
        raise bad_answer(resp, f"expected an int id in {where}")
    return value


def _str_list(values: str | Iterable[str] | None, name: str) -> list[str] | None:
    """A filter given as one string or a list of them."""
    if values is None:
        return None
    items = [values] if isinstance(values, str) else values
    if isinstance(items, (bytes, Mapping)) or not isinstance(items, Iterable):
        raise MeegleValidationError(f"{name} must be a list of strings, not {shown(values)}")
    out = list(items)
    for i, value in enumerate(out):
        if not isinstance(value, str) or not value:
            raise MeegleValidationError(
                f"{name}[{i}] must be a non-empty string, not {shown(value)}"
            )
    return out


def _enum_list(
    values: str | Iterable[str] | None, name: str, allowed: Sequence[str]
) -> list[str] | None:
    out = _str_list(values, name)
    for i, value in enumerate(out or ()):
        if value not in allowed:
            raise MeegleValidationError(
                f"{name}[{i}]: {shown(value)} is not one of {', '.join(allowed)}"
            )
    return out


def _ms(value: object, name: str) -> int:
    value = check_ms(value, name)
    if value < CHANGE_LOG_EARLIEST_MS:
        raise MeegleValidationError(
            f"{name}: {value} is before 2024-07-02 ({CHANGE_LOG_EARLIEST_MS}); the change log "
            "holds nothing older: start at that date or later"
        )
    return value


def _time_range(start: object, end: object, *, max_span: int | None) -> tuple[int, int] | None:
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise MeegleValidationError("start and end go together: give both or neither")
    lo, hi = _ms(start, "start"), _ms(end, "end")
    if hi < lo:
        raise MeegleValidationError(f"end ({hi}) is before start ({lo})")
    if max_span is not None and hi - lo > max_span:
        raise MeegleValidationError(
            f"start..end spans {(hi - lo) / DAY_MS:.2f} days; one call takes at most 7 days "
            f"({max_span} ms): narrow the range or use iter_change_log, which walks longer "
            "ranges in 7-day windows"
        )
    return lo, hi


def _item_id(item: WorkItem) -> int:
    # Items without an id cannot match a requested id; -1 never does.
    return item.id if item.id is not None else -1


def _compound_groups(fields: Sequence[Any]) -> list[list[dict[str, Any]]]:
    if isinstance(fields, (str, bytes, Mapping)) or not isinstance(fields, Sequence):
        raise MeegleValidationError(
            "fields must be a list of groups, each a list of field value pairs"
        )
    if not fields:
        raise MeegleValidationError("fields is empty: give at least one group of pairs")
    nested = [isinstance(g, Sequence) and not isinstance(g, (str, bytes)) for g in fields]
    if all(nested):
        raw_groups: list[Any] = list(fields)
    elif not any(nested):
        raw_groups = [fields]
    else:
        raise MeegleValidationError(
            "fields mixes groups (lists) and single pairs: pass a list of groups"
        )
    groups = []
    for i, group in enumerate(raw_groups):
        pairs = _pairs_json(group, f"fields[{i}]", required=True)
        assert pairs is not None
        groups.append(pairs)
    return groups
