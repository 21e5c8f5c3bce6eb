"""What a call returns below the models: the decoded answer with its HTTP facts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["RawResponse"]


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
