"""Input checks shared by the endpoint groups, and the error for an answer of the wrong shape.

Each raises ``MeegleValidationError`` with the argument's name before anything is sent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from .._text import shown
from ..errors import MeegleServerError, MeegleValidationError
from ..helpers.chunking import validate_id
from ..transport.response import RawResponse

__all__ = [
    "bad_answer",
    "check_fields",
    "check_request",
    "check_search_group",
    "item_path",
    "require_flag",
    "require_header_text",
    "require_id",
    "require_ids",
    "require_literal",
    "require_page_number",
    "require_text",
    "require_text_list",
    "shown",
]

#: Control characters: never part of a key, an id or a header value.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: Halves of a UTF-16 pair on their own: no UTF-8 encoding exists for them.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
#: Request bodies nest no deeper than this (search groups are a handful of levels).
MAX_JSON_DEPTH = 64
#: The longest value put in a URL (keys and ids are short; servers refuse long request lines).
MAX_URL_VALUE = 1024
#: The longest idempotency key sent (a UUID is 36 characters).
MAX_IDEMPOTENCY_KEY = 256


def _text_problem(text: str, *, controls: bool) -> str | None:
    if _SURROGATE.search(text):
        return "contains a lone surrogate (not valid Unicode text)"
    if controls and _CONTROL.search(text):
        return "contains a control character (CR, LF, NUL, ...)"
    return None


def require_text(value: object, name: str, *, limit: int | None = None) -> str:
    """A required identifier or name: a non-empty string (at most ``limit`` characters)."""
    if not isinstance(value, str) or not value.strip():
        raise MeegleValidationError(f"{name} must be a non-empty string, not {shown(value)}")
    problem = _text_problem(value, controls=False)
    if problem:
        raise MeegleValidationError(f"{name} {problem}")
    if limit is not None and len(value) > limit:
        raise MeegleValidationError(
            f"{name} is {len(value)} characters long; the server takes at most {limit}"
        )
    return value


def require_header_text(value: object, name: str) -> str:
    """A string that goes in a header (a file name, a content type): no control characters."""
    text = require_text(value, name)
    problem = _text_problem(text, controls=True)
    if problem:
        raise MeegleValidationError(f"{name} {problem}")
    return text


def require_flag(value: object, name: str) -> bool:
    """A switch: ``True`` or ``False`` (never 0/1 or a string)."""
    if not isinstance(value, bool):
        raise MeegleValidationError(f"{name} must be True or False, not {shown(value)}")
    return value


def require_text_list(
    values: object, name: str, *, maximum: int | None = None, one_string_ok: bool = False
) -> list[str]:
    """A list of non-empty strings (``one_string_ok``: a lone string is a list of one)."""
    items = [values] if one_string_ok and isinstance(values, str) else values
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Iterable):
        raise MeegleValidationError(f"{name} must be a list of strings, not {shown(values)}")
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
        "work_item_id": require_id(work_item_id),
    }


#: Ids are signed 64-bit integers on the server.
MAX_ID = 2**63 - 1


def require_id(value: object, name: str = "work_item_id") -> int:
    """A positive id as an ``int``: an int, or a string of ASCII digits, at most 2**63 - 1.

    Bools are refused, and so are strings ``str.isdigit`` takes but ``int`` does not ("²").
    """
    if not isinstance(value, (int, str)):  # a bool is an int: validate_id names it
        raise MeegleValidationError(f"{name}: {shown(value)} is not an id (an int or digits)")
    if isinstance(value, str) and not (value.strip().isascii() and value.strip().isdigit()):
        raise MeegleValidationError(f"{name}: {shown(value)} is not an id (an int or digits)")
    number = validate_id(value, name=name)
    if number > MAX_ID:
        raise MeegleValidationError(f"{name}: {shown(value)} is above 2**63 - 1, not an id")
    return number


def require_ids(values: object, name: str = "work_item_ids") -> list[int]:
    """A list of ids (``require_id`` each), in order."""
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise MeegleValidationError(f"{name} must be a list of ids, not {shown(values)}")
    return [require_id(v, f"{name}[{i}]") for i, v in enumerate(values)]


def json_problem(value: object, where: str) -> str | None:
    """Why ``value`` cannot go out as JSON, or None; walks without recursion."""
    stack: list[tuple[object, str, int]] = [(value, where, 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return f"{path} nests deeper than {MAX_JSON_DEPTH} levels"
        if item is None or isinstance(item, (bool, int)):
            continue
        if isinstance(item, float):
            if not math.isfinite(item):
                return f"{path} is {item!r}, which JSON cannot carry"
        elif isinstance(item, str):
            problem = _text_problem(item, controls=False)
            if problem:
                return f"{path} {problem}"
        elif isinstance(item, Mapping):
            for key, sub in item.items():
                if not isinstance(key, str):
                    return f"{path} has a key that is not a string: {shown(key)}"
                problem = _text_problem(key, controls=False)
                if problem:
                    return f"{path} has a key that {problem}"
                stack.append((sub, f"{path}.{key}"[:200], depth + 1))
        elif isinstance(item, (list, tuple)):
            stack.extend((sub, f"{path}[{i}]", depth + 1) for i, sub in enumerate(item))
        else:
            return f"{path} is a {type(item).__name__}, which JSON cannot carry"
    return None


def check_request(
    path_params: Mapping[str, object] | None,
    params: Mapping[str, Any] | None,
    json: Any,
    idempotency_key: str | None,
) -> None:
    """The last check before a call leaves: every part can be sent as it is.

    Path and query values and the idempotency key hold no control characters; the body is
    plain JSON (no sets, objects, NaN, infinities, lone surrogates, or nesting deeper than
    ``MAX_JSON_DEPTH``). Raises ``MeegleValidationError`` naming the part.
    """
    for part, values in (("path", path_params), ("query", params)):
        for key, value in (values or {}).items():
            text = value if isinstance(value, str) else None
            if isinstance(value, (list, tuple)):
                text = "".join(v for v in value if isinstance(v, str))
            problem = _text_problem(text, controls=True) if text is not None else None
            if problem:
                raise MeegleValidationError(f"{part} parameter {key} {problem}")
            if text is not None and len(text) > MAX_URL_VALUE:
                raise MeegleValidationError(
                    f"{part} parameter {key} is {len(text)} characters long; "
                    f"a URL value takes at most {MAX_URL_VALUE}"
                )
    if idempotency_key is not None:
        if not isinstance(idempotency_key, str) or not idempotency_key.strip():
            raise MeegleValidationError(
                f"idempotency_key must be a non-empty string, not {shown(idempotency_key)}"
            )
        problem = _text_problem(idempotency_key, controls=True)
        if problem:
            raise MeegleValidationError(f"idempotency_key {problem}")
        if len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
            raise MeegleValidationError(
                f"idempotency_key is {len(idempotency_key)} characters long; "
                f"it takes at most {MAX_IDEMPOTENCY_KEY}"
            )
    if json is not None:
        problem = json_problem(json, "body")
        if problem:
            raise MeegleValidationError(f"cannot send this call: {problem}")


def require_literal(value: object, name: str, allowed: Iterable[object]) -> Any:
    """One of ``allowed`` (an enum-like input); ``True`` is not ``1``."""
    choices = list(allowed)
    if not any(value == c and type(value) is type(c) for c in choices):
        choices_text = ", ".join(repr(c) for c in choices)
        raise MeegleValidationError(f"{name} must be one of {choices_text}, not {shown(value)}")
    return value


def require_page_number(value: object, name: str, *, maximum: int | None = None) -> int:
    """A page number or page size: an integer >= 1 (at most ``maximum``)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise MeegleValidationError(f"{name} must be an integer >= 1, not {shown(value)}")
    if maximum is not None and value > maximum:
        raise MeegleValidationError(f"{name} must be at most {maximum}, not {value}")
    return value


def check_fields(fields: Iterable[str] | None, name: str = "fields") -> list[str] | None:
    """``fields`` to return (``["owner"]``) or to leave out (``["-owner"]``), never both."""
    if fields is None:
        return None
    if isinstance(fields, (str, bytes, Mapping)) or not isinstance(fields, Iterable):
        raise MeegleValidationError(f"{name} must be a list of field keys, not {shown(fields)}")
    out = list(fields)
    for i, key in enumerate(out):
        if not isinstance(key, str) or not key.strip("- "):
            raise MeegleValidationError(
                f"{name}[{i}] must be a non-empty field key, not {shown(key)}"
            )
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
        raise MeegleValidationError(
            f"{path}.conjunction must be AND or OR, not {shown(conjunction)}"
        )
    count = 0
    for i, param in enumerate(group.get("search_params") or ()):
        where = f"{path}.search_params[{i}]"
        if not isinstance(param, Mapping):
            raise MeegleValidationError(f"{where} must be an object, not {shown(param)}")
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
