"""What a call returns below the models: the decoded answer with its HTTP facts.

Also where answers are reported: ``record_raw_response`` hands a call's ``RawResponse`` to every
collector active in the current context (``RAW_SINKS``, a ``ContextVar``). The client's send
paths call it for every request; ``meegle_async.raw`` (``with_raw_response``,
``capture_raw_responses``) installs the collectors.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

import attrs

__all__ = ["RAW_SINKS", "RawResponse", "record_raw_response"]


@attrs.frozen(kw_only=True)
class RawResponse:
    """An answer with everything around it, from ``client.request(..., raw=True)``.

    Attributes:
        status: HTTP status of the final attempt.
        headers: response headers (names as the server sent them).
        log_id: ``X-Tt-Logid`` / ``X-Request-Id``: quote it to Meegle support.
        attempts: how many attempts the call took (1 when nothing was retried).
        data: the envelope's decoded ``data``.
        envelope: the whole decoded JSON answer (``pagination`` and any other keys included).
        endpoint: the endpoint name the call was counted under.
    """

    status: int
    headers: Mapping[str, str]
    log_id: str | None
    attempts: int
    data: Any
    envelope: Mapping[str, Any] = attrs.field(factory=dict, repr=False)
    endpoint: str = ""

    @property
    def pagination(self) -> Mapping[str, Any] | None:
        """The envelope's ``pagination`` object, on paged endpoints."""
        value = self.envelope.get("pagination")
        return value if isinstance(value, Mapping) else None


#: The collectors active in this context; each gets every answer recorded in it.
RAW_SINKS: ContextVar[tuple[list[RawResponse], ...]] = ContextVar(
    "meegle_async_raw_responses", default=()
)


def record_raw_response(response: RawResponse) -> None:
    """Hand ``response`` to every collector active in this context (none: nothing happens)."""
    for sink in RAW_SINKS.get():
        sink.append(response)
