"""Decoding answers: the one place that turns an HTTP answer into data or a typed error.

OpenAPI calls answer ``{"err_code", "err_msg", "err", "data", "pagination"}``; the token
endpoints answer ``{"error": {"code", "msg"}, "data"}``. A non-zero code is a failure whatever
the HTTP status, and an answer that is not JSON (a proxy's HTML 502 page) becomes a
``MeegleAPIError`` with the status and a short excerpt, never a ``JSONDecodeError``.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Mapping
from typing import Any

from ..errors import (
    MeegleAPIError,
    MeegleAuthenticationError,
    MeegleRateLimitError,
    MeegleServerError,
    error_class_for,
)

__all__ = ["Decoded", "decode_answer", "log_id_from", "parse_retry_after"]

_EXCERPT = 200


class Decoded:
    """A successful answer: the envelope's ``data`` and the whole envelope."""

    __slots__ = ("data", "envelope")

    def __init__(self, data: Any, envelope: Mapping[str, Any]) -> None:
        self.data = data
        self.envelope = envelope


def log_id_from(headers: Mapping[str, str], body: Any = None) -> str | None:
    """The log id users quote to support: ``X-Tt-Logid``, ``X-Request-Id`` or ``err.log_id``."""
    for name in ("X-Tt-Logid", "X-Request-Id"):
        value = headers.get(name)
        if value:
            return value
    if isinstance(body, Mapping):
        err = body.get("err")
        if isinstance(err, Mapping) and err.get("log_id"):
            return str(err["log_id"])
    return None


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: a number (fractions accepted) or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def _excerpt(raw: bytes) -> str:
    text = raw[: _EXCERPT * 4].decode("utf-8", errors="replace")
    text = " ".join(text.split())
    return text[:_EXCERPT] + ("…" if len(text) > _EXCERPT else "")


class _BadCode(Exception):
    """An err_code that is not an integer (a string, a float, a bool, an object)."""


def _as_code(value: Any) -> int | None:
    """The code as an ``int`` (``None`` when absent); anything else is an answer of the wrong
    shape, never success: ``"0"``, ``1.0``, ``true`` and ``{}`` all raise ``_BadCode``."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _BadCode(f"{type(value).__name__} {str(value)[:40]!r}")


def decode_answer(
    *,
    status: int,
    headers: Mapping[str, str],
    raw: bytes,
    endpoint: str,
    throttle_codes: frozenset[int] = frozenset(),
    token_endpoint: bool = False,
) -> Decoded:
    """Return the answer's data, or raise the ``MeegleAPIError`` subclass it amounts to."""
    retry_after = parse_retry_after(headers.get("Retry-After"))
    too_deep = False
    try:
        body: Any = json.loads(raw) if raw else None
    except ValueError:
        body = _NOT_JSON
    except RecursionError:
        body, too_deep = _NOT_JSON, True
    log_id = log_id_from(headers, body if isinstance(body, Mapping) else None)
    common: dict[str, Any] = {
        "log_id": log_id,
        "http_status": status,
        "endpoint": endpoint,
        "retry_after": retry_after,
    }

    if too_deep:
        raise MeegleServerError(f"HTTP {status} with JSON nested too deeply to decode", **common)
    if body is _NOT_JSON or not isinstance(body, Mapping):
        what = "a non-JSON answer" if body is _NOT_JSON else "an answer that is not a JSON object"
        message = f"HTTP {status} with {what}: {_excerpt(raw)!r}" if raw else f"HTTP {status}"
        if status == 429:
            raise MeegleRateLimitError(message, **common)
        if status >= 500 or status < 400:
            raise MeegleServerError(message, **common)
        raise MeegleAPIError(message, **common)

    try:
        if token_endpoint and "err_code" not in body:
            err = body.get("error")
            if err is not None and not isinstance(err, Mapping):
                raise _BadCode(f"error is {type(err).__name__}, not an object")
            code = _as_code(err.get("code")) if isinstance(err, Mapping) else None
        else:
            err = None
            code = _as_code(body.get("err_code"))
    except _BadCode as exc:
        raise MeegleServerError(
            f"HTTP {status} with an error code that is not an integer ({exc}): "
            "the answer cannot be trusted as success",
            **common,
        ) from None
    if token_endpoint and "err_code" not in body:
        if code:
            msg = str(err.get("msg") or "") if isinstance(err, Mapping) else ""
            raise MeegleAuthenticationError(
                msg or "token request refused", code=code, detail=err, **common
            )
    else:
        if code:
            detail = body.get("err")
            detail = detail if isinstance(detail, Mapping) else {}
            server_message = str(body.get("err_msg") or detail.get("msg") or "") or None
            cls = error_class_for(code, endpoint)
            if status == 429 or code in throttle_codes:
                cls = MeegleRateLimitError
            raise cls(server_message, code=code, detail=detail, **common)

    if status == 429:
        raise MeegleRateLimitError("HTTP 429 Too Many Requests", code=None, **common)
    if status >= 500:
        raise MeegleServerError(f"HTTP {status}", **common)
    if status >= 400:
        raise MeegleAPIError(f"HTTP {status}: {_excerpt(raw)!r}", **common)
    if not 200 <= status < 300:
        # Redirects are not followed (a token must not be sent to another host): a 3xx, even
        # with a JSON body that looks like success, is not the answer to this call.
        location = headers.get("Location")
        where = f" to {location[:200]!r}" if location else ""
        raise MeegleServerError(f"HTTP {status} (a redirect{where}, not followed)", **common)
    return Decoded(body.get("data"), body)


_NOT_JSON: Any = object()
