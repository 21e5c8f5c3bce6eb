"""Counters per endpoint, and the event a user's metrics hook receives after each attempt."""

from __future__ import annotations

from collections.abc import Callable

import attrs

__all__ = ["ClientStats", "EndpointStats", "RequestEvent", "RequestHook", "StatsRecorder"]


@attrs.define(kw_only=True)
class EndpointStats:
    """What one endpoint cost: attempts sent, retries among them, throttled answers, calls that
    ended in an error, and seconds spent waiting for the limiter."""

    requests: int = 0
    retries: int = 0
    throttled: int = 0
    errors: int = 0
    limiter_wait_seconds: float = 0.0


@attrs.frozen(kw_only=True)
class ClientStats:
    """A snapshot of ``EndpointStats`` per endpoint name; ``meegle_async.to_dict`` gives JSON.

    Example::

        print(to_dict(client.stats())["endpoints"]["get_work_item_details"]["requests"])
    """

    endpoints: dict[str, EndpointStats]

    @property
    def total(self) -> EndpointStats:
        """The sum over every endpoint."""
        out = EndpointStats()
        for one in self.endpoints.values():
            out.requests += one.requests
            out.retries += one.retries
            out.throttled += one.throttled
            out.errors += one.errors
            out.limiter_wait_seconds += one.limiter_wait_seconds
        return out


@attrs.frozen(kw_only=True)
class RequestEvent:
    """One attempt, as a metrics hook sees it.

    ``status`` is the HTTP status (``None`` when no answer came: connection failure, timeout);
    ``err_code`` is the envelope's code when there was one; ``error`` names the exception class
    when the attempt failed.
    """

    endpoint: str
    method: str
    status: int | None
    err_code: int | None
    duration: float
    attempt: int
    throttled: bool
    log_id: str | None
    error: str | None


#: ``on_request=`` gets one ``RequestEvent`` per attempt; what it raises is logged, not raised.
RequestHook = Callable[[RequestEvent], None]


class StatsRecorder:
    """Mutable counters shared by a client and its ``with_options`` copies."""

    def __init__(self) -> None:
        self._by_endpoint: dict[str, EndpointStats] = {}

    def of(self, endpoint: str) -> EndpointStats:
        """The live counters of ``endpoint``."""
        stats = self._by_endpoint.get(endpoint)
        if stats is None:
            stats = self._by_endpoint[endpoint] = EndpointStats()
        return stats

    def snapshot(self) -> ClientStats:
        """A copy that later calls do not change."""
        return ClientStats(endpoints={k: attrs.evolve(v) for k, v in self._by_endpoint.items()})

    def reset(self) -> None:
        """Start counting from zero."""
        self._by_endpoint.clear()
