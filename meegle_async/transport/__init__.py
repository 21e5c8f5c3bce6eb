"""The transport layer: session, auth, limits, retries, envelope decoding and errors.

Nothing above this layer touches aiohttp. ``session.Transport`` is the one place that sends.
"""

from .auth import (
    MemoryTokenStore,
    PluginTokenProvider,
    Secret,
    StaticTokenProvider,
    StoredToken,
    TokenProvider,
    TokenStore,
    UserTokenProvider,
)
from .limits import AdaptiveRate, LimiterBackend, MemoryLimiterBackend, Permit, RateTable
from .response import RawResponse
from .retry import RetryPolicy
from .session import CallOptions, Transport
from .stats import ClientStats, EndpointStats, RequestEvent

__all__ = [
    "AdaptiveRate",
    "CallOptions",
    "ClientStats",
    "EndpointStats",
    "LimiterBackend",
    "MemoryLimiterBackend",
    "MemoryTokenStore",
    "Permit",
    "PluginTokenProvider",
    "RateTable",
    "RawResponse",
    "RequestEvent",
    "RetryPolicy",
    "Secret",
    "StaticTokenProvider",
    "StoredToken",
    "TokenProvider",
    "TokenStore",
    "Transport",
    "UserTokenProvider",
]
