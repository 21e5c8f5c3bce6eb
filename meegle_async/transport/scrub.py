"""Keeping secrets out of what errors show: server text, ``detail`` objects and cause chains.

A server may quote a request back (a token endpoint that echoes the body, an ``err_msg`` that
names the user key, a proxy's HTML page with the headers). Before such text reaches an exception,
every secret the call knew (the plugin secret, tokens, the user key) is replaced by ``***``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy

from ..errors import MeegleAPIError, MeegleError

__all__ = ["MASK", "safe_cause", "scrub_error", "scrub_text"]

MASK = "***"
#: Shorter values are not masked: replacing every "u" of a message would hide it, not a secret.
_MIN_SECRET = 4


def _secrets(values: Iterable[str | None]) -> list[str]:
    found = {v for v in values if isinstance(v, str) and len(v.strip()) >= _MIN_SECRET}
    # Longest first, so a secret that contains another is masked whole.
    return sorted(found, key=len, reverse=True)


def scrub_text(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every secret of ``secrets`` replaced by ``***``."""
    for secret in _secrets(secrets):
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def _scrub_value(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        return scrub_text(value, secrets)
    if isinstance(value, Mapping):
        return {
            scrub_text(str(k), secrets) if isinstance(k, str) else k: _scrub_value(v, secrets)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_scrub_value(v, secrets) for v in value]
    return value


def scrub_error(error: MeegleError, secrets: Iterable[str | None]) -> MeegleError:
    """Mask ``secrets`` in ``error``'s message, ``detail`` and arguments (in place)."""
    found = _secrets(secrets)
    if not found:
        return error
    if isinstance(error, MeegleAPIError):
        error.message = scrub_text(error.message, found)
        error.detail = _scrub_value(error.detail, found)
        error.args = (error._render(),)
    else:
        error.args = tuple(_scrub_value(a, found) for a in error.args)
    return error


def safe_cause(exc: BaseException) -> BaseException:
    """``exc`` fit to be kept as a ``__cause__``: without the request's headers.

    aiohttp's response errors carry ``request_info``, which holds every header sent (the token
    and the user key among them). Those become a plain ``ClientResponseError`` with the same
    status, message and URL and no headers; other exceptions are kept as they are.
    """
    info = getattr(exc, "request_info", None)
    if info is None:
        exc.__context__ = None
        return exc
    clean = aiohttp.RequestInfo(
        url=info.url,
        method=info.method,
        headers=CIMultiDictProxy(CIMultiDict()),
        real_url=info.real_url,
    )
    return aiohttp.ClientResponseError(
        clean,
        (),
        status=getattr(exc, "status", 0) or 0,
        message=str(getattr(exc, "message", "") or type(exc).__name__),
    )
