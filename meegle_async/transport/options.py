"""The options a call carries, and the checks that make them: timeouts, retries, deadline, user key.

``CallOptions`` is what a client (or a ``with_options`` copy) hands the transport with every call;
``clean_query`` turns query parameters into strings. Everything here raises
``MeegleValidationError`` for a bad value, before anything is sent.
"""

from __future__ import annotations

import math
import sys
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import attrs

from .._version import __version__
from ..errors import MeegleValidationError
from .auth import Secret
from .checks import check_header_value, check_seconds, user_key_text

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "CallOptions",
    "as_timeout",
    "check_deadline",
    "check_max_retries",
    "clean_query",
    "default_user_agent",
    "env_proxy_for",
]

#: The largest answer body (after decompression) a call accepts: a 200 MB gzip bomb must not
#: exhaust memory, and no OpenAPI answer comes close.
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
#: With ``timeout=None`` (no bound on the whole attempt), a connection that stays silent this long
#: between two reads is still given up, so a dead peer cannot hang a call forever.
_UNBOUNDED_SOCK_READ = 300.0


def default_user_agent(suffix: str | None = None) -> str:
    """``meegle-async/<version> python/<major.minor>``, plus the caller's ``suffix``."""
    agent = f"meegle-async/{__version__} python/{sys.version_info[0]}.{sys.version_info[1]}"
    if suffix is None or (isinstance(suffix, str) and not suffix.strip()):
        return agent
    return f"{agent} {check_header_value(suffix, 'user_agent_suffix').strip()}"


def env_proxy_for(base_url: str) -> str | None:
    """The proxy ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY`` name for ``base_url``, unless
    ``NO_PROXY`` exempts its host."""
    parts = urlsplit(base_url)
    proxies = urllib.request.getproxies()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or (parts.hostname and urllib.request.proxy_bypass(parts.hostname)):
        return None
    return proxy


def as_timeout(value: float | aiohttp.ClientTimeout | None) -> aiohttp.ClientTimeout:
    """A ``timeout`` option as an ``aiohttp.ClientTimeout`` (seconds per attempt, or ``None``)."""
    if isinstance(value, aiohttp.ClientTimeout):
        for name in ("total", "connect", "sock_read", "sock_connect"):
            part = getattr(value, name)
            if part is not None:
                check_seconds(part, f"timeout.{name}")
        return value
    if value is None:
        return aiohttp.ClientTimeout(total=None, connect=30.0, sock_read=_UNBOUNDED_SOCK_READ)
    seconds = check_seconds(value, "timeout")
    return aiohttp.ClientTimeout(total=seconds, connect=min(seconds, 10.0))


def check_deadline(value: object) -> float | None:
    """A ``deadline``: ``None`` (none) or a positive, finite number of seconds."""
    return None if value is None else check_seconds(value, "deadline")


def check_max_retries(value: object) -> int:
    """``max_retries``: an integer >= 0."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MeegleValidationError(f"max_retries must be an integer >= 0, not {value!r}")
    return value


@attrs.frozen(kw_only=True)
class CallOptions:
    """The per-client options a call carries (``with_options`` makes copies with others)."""

    user_key: Secret | None
    timeout: aiohttp.ClientTimeout
    max_retries: int
    #: Seconds the whole logical call may take (queue, attempts, backoff); ``None``: no bound.
    deadline: float | None = None

    @classmethod
    def make(
        cls,
        *,
        user_key: str | int | Secret | None,
        timeout: float | aiohttp.ClientTimeout | None,
        max_retries: int,
        deadline: float | None = None,
    ) -> CallOptions:
        """Check and normalise the options (``MeegleValidationError`` for a bad one)."""
        if user_key is not None and not isinstance(user_key, Secret):
            user_key = Secret(user_key_text(user_key))
        return cls(
            user_key=user_key,
            timeout=as_timeout(timeout),
            max_retries=check_max_retries(max_retries),
            deadline=check_deadline(deadline),
        )


def at_least(options: CallOptions, seconds: float | None) -> CallOptions:
    """``options`` whose per-attempt timeout is at least ``seconds`` (an endpoint that the
    platform says can take longer, such as chart data); the connect timeout is kept."""
    if seconds is None:
        return options
    timeout = options.timeout
    total = timeout.total
    read = timeout.sock_read
    if (total is None or total >= seconds) and (read is None or read >= seconds):
        return options
    return attrs.evolve(
        options,
        timeout=aiohttp.ClientTimeout(
            total=None if total is None else max(total, seconds),
            connect=timeout.connect,
            sock_read=None if read is None else max(read, seconds),
            sock_connect=timeout.sock_connect,
        ),
    )


def clean_query(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    """Query parameters as strings; ``None`` values are left out, anything but a scalar refused."""
    if params is None:
        return None
    if not isinstance(params, Mapping):
        raise MeegleValidationError(f"params must be a mapping, not {type(params).__name__}")
    out: dict[str, str] = {}
    for name, value in params.items():
        if not isinstance(name, str) or not name:
            raise MeegleValidationError(f"params keys must be non-empty strings, not {name!r}")
        if value is None:
            continue
        if isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, (str, int)):
            out[name] = str(value)
        elif isinstance(value, float) and math.isfinite(value):
            out[name] = repr(value)
        else:
            raise MeegleValidationError(
                f"params[{name!r}] must be a string, a number or a bool, not {value!r}"
            )
    return out or None
