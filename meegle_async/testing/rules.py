"""Error codes and input checks of the fake Meegle server.

Every check raises :class:`ApiError` with the code the real endpoint documents for that
failure. Where the specs are silent the fake picks a code and says so here, so that the
client's tests and the fake agree on one table:

========================  =======================================================
code                      meaning in the fake
========================  =======================================================
``429``                   throttled (HTTP 429 body; the specs do not name a code)
``10012``                 token endpoints: wrong ``plugin_id`` / ``plugin_secret``
``10015``                 token endpoints: unknown or already used OAuth ``code``
``10016``                 token endpoints: unknown or already used ``refresh_token``
``20006``                 any malformed body or parameter the spec gives no code for
                          (``field_selected`` over 20 in resource search included)
``1000052062``            unknown ``project_key`` / ``simple_name`` in any endpoint
========================  =======================================================
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from .._text import is_signed_digits
from ..catalogue import ENDPOINTS

JSON = dict[str, Any]

# Platform
TOKEN_INVALID = 10211
USER_NOT_FOUND = 1000051743
NO_PERMISSION = 10001
THROTTLED = 429
TOKEN_BAD_CREDENTIALS = 10012
TOKEN_BAD_CODE = 10015
TOKEN_BAD_REFRESH = 10016
PROJECT_KEY_WRONG = 1000052062

# Generic parameter errors
MISSING_PARAM = 20005
INVALID_PARAM = 20006
INVALID_TIME_INTERVAL = 20013
REQUEST_INTERCEPTED = 20090
DATA_NOT_FOUND = 30001

# Work items
WORK_ITEM_TERMINATED = 20007
WORK_ITEM_ALREADY_RESTORED = 20008
WRONG_WORK_ITEM_TYPE_PARAM = 20003
PROJECT_WORK_ITEM_MISMATCH = 20014
DETAILS_OVER_LIMIT = 20028
REQUIRED_FIELDS_MISSING = 20038
TYPE_DISABLED = 20044
FIELD_CHECK_FAILED = 20050
DUPLICATE_FIELDS = 20083
WORK_ITEM_NOT_FOUND = 30005
FIELD_NOT_FOUND = 30009
TYPE_NOT_FOUND = 30014
OPERATE_FAILED = 50006  # also "batch update over 50 ids" and "not workflow mode"

# Subtasks
NODE_NOT_IN_WORKFLOW = 20018
TASK_NOT_FOUND = 20046
ASSIGNEE_AND_ROLE_ASSIGNEE = 20047
SUBTASK_SCOPE_OVER_LIMIT = 20057
ACTION_NOT_SUPPORTED = 20082
SUBTASK_SEARCH_OVER_LIMIT = 20094

# Discovery (filters, searches, spaces, users)
IDS_OVER_LIMIT = 20004  # filter: user_keys over 10; user/query: over 100 ids
SEARCH_USER_KEYS_MISSING = 20059
SEARCH_RESULTS_OVER_LIMIT = 20094
LOOKUP_USER_NOT_FOUND = 30006
PROJECT_NOT_EXIST = 1000052063

# Resource library
RESOURCE_IDS_OVER_LIMIT = 1000050178
RESOURCE_UPDATE_FIELD_INVALID = 1000050183
RESOURCE_DUPLICATE_FIELD = 1000050438
RESOURCE_NOT_ENABLED = 1000053507
RESOURCE_NON_RESOURCE_FIELD = 1000053593
SEARCH_OPERATOR_ERROR = 20063
SEARCH_PARAM_NOT_SUPPORTED = 20068
SEARCH_PARAM_VALUE_ERROR = 20069
SEARCH_CONJUNCTION_ERROR = 20072

# Compound fields
COMPOUND_WORK_ITEM_NOT_FOUND = 1000050244
COMPOUND_PROJECT_MISMATCH = 1000050156
COMPOUND_FIELD_NOT_FOUND = 1000050248

# Field settings
FIELD_ALIAS_REPEATED = 1000051468
FIELD_NAME_USED = 1000051750
FIELD_TYPE_NOT_SUPPORTED = 1000050746
FIELD_NAME_TOO_LONG = 1000053603
FIELD_DESCRIPTION_TOO_LONG = 1000053604
OPTION_COUNT_EXCEEDED = 1000053605

MAX_IDS = 50
MAX_OPTIONS = 500
MAX_NAME_LENGTH = 255
SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000

MESSAGES: dict[int, str] = {
    TOKEN_INVALID: "Token info invalid",
    USER_NOT_FOUND: "Can not find user info",
    NO_PERMISSION: "Operation not permitted",
    THROTTLED: "Too many requests",
    TOKEN_BAD_CREDENTIALS: "plugin_id or plugin_secret invalid",
    TOKEN_BAD_CODE: "authorization code invalid or already used",
    TOKEN_BAD_REFRESH: "refresh_token invalid or expired",
    PROJECT_KEY_WRONG: "Project key is wrong",
    MISSING_PARAM: "Missing param",
    INVALID_PARAM: "Invalid param",
    INVALID_TIME_INTERVAL: "Invalid time interval",
    REQUEST_INTERCEPTED: "Request intercepted",
    DATA_NOT_FOUND: "Data not found",
    WORK_ITEM_TERMINATED: "Work item is already aborted",
    WORK_ITEM_ALREADY_RESTORED: "Work item is already restored",
    WRONG_WORK_ITEM_TYPE_PARAM: "Wrong work_item_type param",
    PROJECT_WORK_ITEM_MISMATCH: "Project and work item not match",
    DETAILS_OVER_LIMIT: "work_item_ids exceeds 50",
    REQUIRED_FIELDS_MISSING: "Required fields not set",
    TYPE_DISABLED: "Work item type has been disabled",
    FIELD_CHECK_FAILED: "Failed to check field",
    DUPLICATE_FIELDS: "Duplicate fields in request",
    WORK_ITEM_NOT_FOUND: "Work item not found",
    FIELD_NOT_FOUND: "Field not found",
    TYPE_NOT_FOUND: "Work item type not found",
    OPERATE_FAILED: "Operate fail",
    NODE_NOT_IN_WORKFLOW: "Node ID not exist in workflow",
    TASK_NOT_FOUND: "Task ID not exist in workflow",
    ASSIGNEE_AND_ROLE_ASSIGNEE: "role_assignee and assignee cannot be set together",
    SUBTASK_SCOPE_OVER_LIMIT: "project_keys and simple_names exceed 10",
    ACTION_NOT_SUPPORTED: "Action not supported",
    SUBTASK_SEARCH_OVER_LIMIT: "Search result exceeds 5000, please refine search params",
    IDS_OVER_LIMIT: "Too many ids",
    SEARCH_USER_KEYS_MISSING: "search_user.user_keys missing",
    LOOKUP_USER_NOT_FOUND: "User not found",
    PROJECT_NOT_EXIST: "Project does not exist",
    RESOURCE_IDS_OVER_LIMIT: "work_item_ids exceeds 50",
    RESOURCE_UPDATE_FIELD_INVALID: "Update field invalid",
    RESOURCE_DUPLICATE_FIELD: "Duplication field exist",
    RESOURCE_NOT_ENABLED: "Work item has not enabled resource library",
    RESOURCE_NON_RESOURCE_FIELD: "NonresourceFieldsRolesUnsupported",
    SEARCH_OPERATOR_ERROR: "Search operator error",
    SEARCH_PARAM_NOT_SUPPORTED: "Search param not supported",
    SEARCH_PARAM_VALUE_ERROR: "Search param value error",
    SEARCH_CONJUNCTION_ERROR: "Conjunction value only supports AND / OR",
    COMPOUND_WORK_ITEM_NOT_FOUND: "Work item not found",
    COMPOUND_PROJECT_MISMATCH: "ProjectKey does not match",
    COMPOUND_FIELD_NOT_FOUND: "Field not found",
    FIELD_ALIAS_REPEATED: "Field alias repeated",
    FIELD_NAME_USED: "Field name has been used",
    FIELD_TYPE_NOT_SUPPORTED: "Field type not supported",
    FIELD_NAME_TOO_LONG: "Field name length exceeded",
    FIELD_DESCRIPTION_TOO_LONG: "Field description length exceeded",
    OPTION_COUNT_EXCEEDED: "Option count exceeded",
}


class ApiError(Exception):
    """A business error the fake answers with ``err_code`` (HTTP 200 unless ``status`` says)."""

    def __init__(self, code: int, detail: str = "", *, status: int = 200) -> None:
        base = MESSAGES.get(code, "error")
        self.code = code
        self.msg = f"{base}: {detail}" if detail else base
        self.status = status
        super().__init__(f"{code} {self.msg}")


def fail(code: int, detail: str = "") -> NoReturn:
    """Raise :class:`ApiError` (a statement-shaped helper that keeps handlers short)."""
    raise ApiError(code, detail)


def body_dict(body: Any) -> JSON:
    """The request body as an object; a missing body is an empty one."""
    if body is None:
        return {}
    if not isinstance(body, dict):
        fail(INVALID_PARAM, "request body must be a JSON object")
    return body


def is_int(value: Any) -> bool:
    """True for JSON integers (``bool`` is not one)."""
    return isinstance(value, int) and not isinstance(value, bool)


def to_int(value: Any, name: str, *, code: int = INVALID_PARAM) -> int:
    """An integer from a JSON number or a decimal string (path segments are strings)."""
    if is_int(value):
        return int(value)
    if isinstance(value, str) and is_signed_digits(value.strip()):
        return int(value)
    fail(code, f"{name} must be an integer")


def opt_number(body: Mapping[str, Any], name: str, default: Any = None) -> Any:
    """An optional number member where ``0`` means absent, as the official SDKs send it.

    The Go SDK's v1 request structs have no ``omitempty``: every number the caller did not
    set goes out as ``0`` (``page_num: 0``, ``cooperation_mode: 0``) and the real server
    reads that as "not given". Answers ``default`` for a missing, ``null`` or ``0`` member;
    anything else is returned unchanged for the caller to check.
    """
    value = body.get(name)
    if value is None or (is_int(value) and value == 0):
        return default
    return value


def opt_str(body: Mapping[str, Any], name: str) -> str | None:
    """An optional string member; a present non-string is refused."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        fail(INVALID_PARAM, f"{name} must be a string")
    return value


def req_str(body: Mapping[str, Any], name: str) -> str:
    """A required non-empty string member (missing → 20005)."""
    value = opt_str(body, name)
    if not value:
        fail(MISSING_PARAM, name)
    return value


def str_list(body: Mapping[str, Any], name: str) -> list[str] | None:
    """An optional list of strings."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        fail(INVALID_PARAM, f"{name} must be a list of strings")
    return value


def id_list(
    body: Mapping[str, Any],
    name: str,
    *,
    over_code: int,
    missing_code: int = MISSING_PARAM,
    max_items: int = MAX_IDS,
) -> list[int]:
    """A required list of integer ids, at most ``max_items`` of them."""
    value = body.get(name)
    if value is None or value == []:
        fail(missing_code, name)
    if not isinstance(value, list):
        fail(INVALID_PARAM, f"{name} must be a list")
    if len(value) > max_items:
        fail(over_code, f"{name} has {len(value)} ids, at most {max_items} allowed")
    return [to_int(v, name) for v in value]


def is_ms_timestamp(value: Any) -> bool:
    """A 13-digit millisecond timestamp, as the specs require for every time."""
    return is_int(value) and 10**12 <= value < 10**13


def check_string_list(value: Any, name: str, code: int = FIELD_CHECK_FAILED) -> list[str]:
    """A field value that must be a list of strings (users, ids)."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        fail(code, f"{name} expects a list of strings")
    return list(value)


def field_filter(fields: Any) -> tuple[bool, set[str]] | None:
    """Parse a ``fields`` selection: (exclude mode, keys); the two modes cannot be mixed."""
    if fields is None or fields == []:
        return None
    if not isinstance(fields, list) or not all(isinstance(f, str) and f for f in fields):
        fail(INVALID_PARAM, "fields must be a list of field keys")
    excluded = [f.startswith("-") for f in fields]
    if any(excluded) and not all(excluded):
        fail(INVALID_PARAM, "fields cannot mix included and excluded keys")
    exclude = all(excluded)
    return exclude, {f[1:] if exclude else f for f in fields}


def check_pairs(pairs: Any, name: str, *, duplicate_code: int = DUPLICATE_FIELDS) -> Sequence[JSON]:
    """A FieldValuePair list: objects with a ``field_key`` (or ``field_alias``), no duplicates."""
    if pairs is None:
        return []
    if not isinstance(pairs, list) or not all(isinstance(p, dict) for p in pairs):
        fail(INVALID_PARAM, f"{name} must be a list of objects")
    seen: set[str] = set()
    for pair in pairs:
        key = pair.get("field_key") or pair.get("field_alias")
        if not isinstance(key, str) or not key:
            fail(INVALID_PARAM, f"{name}: every pair needs a field_key")
        if "field_value" not in pair:
            fail(INVALID_PARAM, f"{name}: {key} has no field_value")
        if key in seen:
            fail(duplicate_code, key)
        seen.add(key)
    return pairs


#: The platform's per-second limits other than the default of 15, and its minute caps
#: (requests per token and endpoint), from the catalogue and the platform's table for endpoints
#: not catalogued yet; the fake's ``WindowLimiter`` enforces both.
SECOND_LIMITS: Mapping[str, int] = {
    "search_work_items_relation": 10,
    **{e.name: int(e.qps) for e in ENDPOINTS if e.qps != 15},
}
MINUTE_LIMITS: Mapping[str, int] = {
    "filter_work_item": 450,
    "search_work_item_by_params": 450,
    "filter_work_item_across_project": 450,
    "get_task_list_across_space": 450,
    "update_condition_view": 450,
    **{e.name: e.per_minute for e in ENDPOINTS if e.per_minute is not None},
}


class WindowLimiter:
    """Strict sliding windows per (token, endpoint), counting accepted arrivals: N in any
    second and, where capped, M in any minute.

    A drop-in for ``FakeMeegle.limiter`` (same ``enabled``, ``limit_for`` and ``hit``); the
    minute window's length can be shortened for tests (``minute_window``).

    Args:
        limits: ``True`` (the platform's table), ``False`` (no limits) or per-second limits by
            endpoint name, ``"default"`` for the rest (15).
        minute_limits: per-minute caps merged over ``MINUTE_LIMITS``.
        minute_window: the minute window's length in seconds (60).
    """

    def __init__(
        self,
        limits: bool | Mapping[str, int] = True,
        *,
        minute_limits: Mapping[str, int] | None = None,
        minute_window: float = 60.0,
    ) -> None:
        self.enabled = limits is not False
        self.default = 15
        self.limits = dict(SECOND_LIMITS)
        if isinstance(limits, Mapping):
            self.limits.update({k: v for k, v in limits.items() if k != "default"})
            self.default = limits.get("default", 15)
        self.minute_limits = {**MINUTE_LIMITS, **(minute_limits or {})}
        self.minute_window = minute_window
        self._seconds: dict[tuple[str, str], deque[float]] = {}
        self._minutes: dict[tuple[str, str], deque[float]] = {}

    def limit_for(self, endpoint: str) -> int:
        """The requests-per-second limit of an endpoint."""
        return self.limits.get(endpoint, self.default)

    def hit(self, token: str, endpoint: str, now: float) -> float | None:
        """Count an arrival; return the seconds until a window frees if it is over."""
        if not self.enabled:
            return None
        key = (token, endpoint)
        second = self._seconds.setdefault(key, deque())
        while second and now - second[0] >= 1.0:
            second.popleft()
        if len(second) >= self.limit_for(endpoint):
            return max(0.0, 1.0 - (now - second[0]))
        cap = self.minute_limits.get(endpoint)
        minute: deque[float] | None = None
        if cap is not None:
            minute = self._minutes.setdefault(key, deque())
            while minute and now - minute[0] >= self.minute_window:
                minute.popleft()
            if len(minute) >= cap:
                return max(0.0, self.minute_window - (now - minute[0]))
            minute.append(now)
        second.append(now)
        return None
