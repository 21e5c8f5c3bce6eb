"""Checks of client options and request values, made before anything is sent.

Every check raises ``MeegleValidationError`` naming the option or value; nothing here touches the
network. Header values (tokens, the user key, the idempotency key, the User-Agent suffix) must be
free of control characters, because a CR or LF in a header would let a value write headers of its
own; bodies must be JSON (``NaN`` and ``Infinity`` are not, and are never sent bare).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import MeegleValidationError

__all__ = [
    "check_bool",
    "check_codes",
    "check_header_value",
    "check_seconds",
    "dumps_json",
    "user_key_text",
]

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_header_value(value: object, name: str) -> str:
    """A value sent in a header: a non-empty string without control characters (CR, LF, NUL)."""
    if not isinstance(value, str) or not value.strip():
        raise MeegleValidationError(f"{name} must be a non-empty string")
    if _CONTROL.search(value):
        raise MeegleValidationError(
            f"{name} contains a control character (CR, LF, NUL, ...): it cannot be sent in a header"
        )
    return value


def user_key_text(value: object) -> str:
    """A ``user_key``: a string, or an int (19-digit keys arrive as ints from YAML and JSON)."""
    if isinstance(value, bool):
        raise MeegleValidationError("user_key must be a string, not a bool")
    if isinstance(value, int):
        if value <= 0:
            raise MeegleValidationError("user_key given as an int must be positive")
        return str(value)
    return check_header_value(value, "user_key").strip()


def check_seconds(value: object, name: str) -> float:
    """A positive, finite number of seconds (``nan``, ``inf`` and bools refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MeegleValidationError(f"{name} must be a number of seconds, not {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise MeegleValidationError(f"{name} must be a positive, finite number, not {value!r}")
    return float(value)


def check_bool(value: object, name: str) -> bool:
    """A flag: ``True`` or ``False`` only."""
    if not isinstance(value, bool):
        raise MeegleValidationError(f"{name} must be True or False, not {value!r}")
    return value


def check_codes(value: object, name: str) -> frozenset[int]:
    """A set of err_codes: integers, given as a set, list or tuple."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise MeegleValidationError(f"{name} must be a set of integer err_codes, not {value!r}")
    codes = list(value)
    for code in codes:
        if isinstance(code, bool) or not isinstance(code, int):
            raise MeegleValidationError(f"{name} must hold integer err_codes, not {code!r}")
    return frozenset(codes)


def dumps_json(value: Any, name: str = "json") -> bytes:
    """``value`` as UTF-8 JSON; sets, objects, cycles, ``NaN`` and ``Infinity`` are refused."""
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False).encode()
    except (TypeError, ValueError, RecursionError) as exc:
        reason = str(exc) if not isinstance(exc, RecursionError) else "nested too deeply"
        raise MeegleValidationError(f"{name} cannot be sent as JSON: {reason}") from None
