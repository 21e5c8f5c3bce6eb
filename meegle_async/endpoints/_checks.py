"""Input checks shared by the endpoint groups, and the error for an answer of the wrong shape.

Each raises ``MeegleValidationError`` with the argument's name before anything is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import MeegleServerError, MeegleValidationError
from ..helpers.chunking import validate_id
from ..transport.response import RawResponse

__all__ = [
    "bad_answer",
    "check_fields",
    "check_search_group",
    "item_path",
    "require_flag",
    "require_literal",
    "require_page_number",
    "require_text",
    "require_text_list",
]


def require_text(value: object, name: str, *, limit: int | None = None) -> str:
    """A required identifier or name: a non-empty string (at most ``limit`` characters)."""
    if not isinstance(value, str) or not value.strip():
        raise MeegleValidationError(f"{name} must be a non-empty string, not {value!r}")
    if limit is not None and len(value) > limit:
        raise MeegleValidationError(
            f"{name} is {len(value)} characters long; the server takes at most {limit}"
        )
    return value


def require_flag(value: object, name: str) -> bool:
    """A switch: ``True`` or ``False`` (never 0/1 or a string)."""
    if not isinstance(value, bool):
        raise MeegleValidationError(f"{name} must be True or False, not {value!r}")
    return value


def require_text_list(
    values: object, name: str, *, maximum: int | None = None, one_string_ok: bool = False
) -> list[str]:
    """A list of non-empty strings (``one_string_ok``: a lone string is a list of one)."""
    items = [values] if one_string_ok and isinstance(values, str) else values
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Iterable):
        raise MeegleValidationError(f"{name} must be a list of strings, not {values!r}")
    out = [require_text(v, f"{name}[{i}]") for i, v in enumerate(items)]
    if maximum is not None and len(out) > maximum:
        raise MeegleValidationError(
            f"{name} has {len(out)} entries; the API takes at most {maximum}: "
            "narrow it or make several calls"
        )
    return out


def item_path(
    project_key: object, work_item_type_key: object, work_item_id: object
) -> dict[str, Any]:
    """The path parameters naming one work item: space, type and a positive id."""
    return {
        "project_key": require_text(project_key, "project_key"),
        "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
        "work_item_id": validate_id(work_item_id),
    }


def require_literal(value: object, name: str, allowed: Iterable[object]) -> Any:
    """One of ``allowed`` (an enum-like input); ``True`` is not ``1``."""
    choices = list(allowed)
    if not any(value == c and type(value) is type(c) for c in choices):
        shown = ", ".join(repr(c) for c in choices)
        raise MeegleValidationError(f"{name} must be one of {shown}, not {value!r}")
    return value


def require_page_number(value: object, name: str, *, maximum: int | None = None) -> int:
    """A page number or page size: an integer >= 1 (at most ``maximum``)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise MeegleValidationError(f"{name} must be an integer >= 1, not {value!r}")
    if maximum is not None and value > maximum:
        raise MeegleValidationError(f"{name} must be at most {maximum}, not {value}")
    return value


def check_fields(fields: Iterable[str] | None, name: str = "fields") -> list[str] | None:
    """``fields`` to return (``["owner"]``) or to leave out (``["-owner"]``), never both."""
    if fields is None:
        return None
    if isinstance(fields, (str, bytes, Mapping)) or not isinstance(fields, Iterable):
        raise MeegleValidationError(f"{name} must be a list of field keys, not {fields!r}")
    out = list(fields)
    for i, key in enumerate(out):
        if not isinstance(key, str) or not key.strip("- "):
            raise MeegleValidationError(f"{name}[{i}] must be a non-empty field key, not {key!r}")
    excluded = [k for k in out if k.startswith("-")]
    if excluded and len(excluded) != len(out):
        included = [k for k in out if not k.startswith("-")]
        raise MeegleValidationError(
            f"{name} mixes fields to return {included} with fields to leave out {excluded}: "
            "use one mode (all plain keys, or all keys prefixed with '-')"
        )
    return out


def check_search_group(group: Mapping[str, Any], path: str = "search_group") -> int:
    """Check a condition tree (conjunctions, keys, operators); return how many conditions."""
    conjunction = group.get("conjunction")
    if conjunction not in ("AND", "OR"):
        raise MeegleValidationError(f"{path}.conjunction must be AND or OR, not {conjunction!r}")
    count = 0
    for i, param in enumerate(group.get("search_params") or ()):
        where = f"{path}.search_params[{i}]"
        if not isinstance(param, Mapping):
            raise MeegleValidationError(f"{where} must be an object, not {param!r}")
        require_text(param.get("param_key"), f"{where}.param_key")
        require_text(param.get("operator"), f"{where}.operator")
        count += 1
        nested = param.get("value_search_groups")
        if isinstance(nested, Mapping):
            count += check_search_group(nested, f"{where}.value_search_groups")
    for i, sub in enumerate(group.get("search_groups") or ()):
        if not isinstance(sub, Mapping):
            raise MeegleValidationError(f"{path}.search_groups[{i}] must be an object")
        count += check_search_group(sub, f"{path}.search_groups[{i}]")
    return count


def bad_answer(resp: RawResponse, what: str) -> MeegleServerError:
    """The error for a successful answer whose ``data`` is not what the endpoint returns."""
    return MeegleServerError(
        f"unexpected answer: {what}, got {resp.data!r}"[:500],
        endpoint=resp.endpoint,
        log_id=resp.log_id,
        http_status=resp.status,
    )
