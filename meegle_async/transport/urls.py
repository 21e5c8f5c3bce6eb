"""Base URLs and request paths: the checks that keep a call on the host and path it names."""

from __future__ import annotations

import functools
import ipaddress
import string
from collections.abc import Mapping
from urllib.parse import quote, urlsplit

from ..errors import MeegleValidationError

__all__ = ["DEFAULT_BASE_URL", "build_path", "normalize_base_url"]

#: International Meegle; ``https://project.feishu.cn`` is Feishu Project (China).
DEFAULT_BASE_URL = "https://project.larksuite.com"

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
_FORMATTER = string.Formatter()


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def normalize_base_url(base_url: str) -> str:
    """Check ``base_url`` and return it without a trailing slash.

    Accepts ``https://`` anywhere and plain ``http://`` only for loopback hosts (tests and the
    fake server): a plugin token must never cross a network in clear text.
    A bare host (``project.feishu.cn``) is taken as ``https://`` on that host.
    """
    if not isinstance(base_url, str) or not base_url.strip():
        raise MeegleValidationError("base_url must be a non-empty string")
    raw = base_url.strip()
    if "\\" in raw or any(ord(c) < 0x21 or ord(c) == 0x7F for c in raw):
        # Some URL parsers read a backslash as "/", others as a plain character: refuse it.
        raise MeegleValidationError(
            "base_url must not contain backslashes, spaces or control characters (CR, LF, ...)"
        )
    if "://" not in raw:
        raw = "https://" + raw
    parts = urlsplit(raw)
    try:
        parts.port  # noqa: B018 - raises for a port that is not a number
    except ValueError:
        raise MeegleValidationError(f"base_url has an invalid port: {base_url!r}") from None
    if parts.username is not None or parts.password is not None:
        raise MeegleValidationError("base_url must not carry a user name or password")
    if parts.scheme not in ("http", "https"):
        raise MeegleValidationError(f"base_url must use https:// (got scheme {parts.scheme!r})")
    if not parts.hostname:
        raise MeegleValidationError(f"base_url has no host: {base_url!r}")
    if parts.query or parts.fragment:
        raise MeegleValidationError("base_url must not carry a query string or a fragment")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise MeegleValidationError(
            f"plain http:// is accepted only for loopback hosts, not {parts.hostname!r}: "
            "use https:// so that tokens are never sent in clear text"
        )
    return raw.rstrip("/")


def _encode_segment(name: str, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise MeegleValidationError(
            f"path parameter {name} must be a string or an integer, not {type(value).__name__}"
        )
    text = str(value)
    if not text.strip():
        raise MeegleValidationError(f"path parameter {name} must not be empty")
    encoded = quote(text, safe="")
    # "." and ".." survive percent-encoding and would be resolved as dot-segments, moving the
    # call to another path; encode the dots so the value stays one literal segment.
    if encoded.strip(".") == "":
        encoded = encoded.replace(".", "%2E")
    return encoded


@functools.lru_cache(maxsize=512)
def _parse_template(template: str) -> tuple[tuple[str, str | None], ...]:
    """The literal text and placeholder of each part of a path template, checked once."""
    if not template.startswith("/open_api/"):
        raise MeegleValidationError(f"path must start with /open_api/: {template!r}")
    parts: list[tuple[str, str | None]] = []
    for literal, field, spec, conversion in _FORMATTER.parse(template):
        if field is not None and (spec or conversion or not field.isidentifier()):
            raise MeegleValidationError(f"unsupported placeholder {{{field}}} in {template!r}")
        parts.append((literal, field))
    return tuple(parts)


def build_path(template: str, path_params: Mapping[str, object] | None = None) -> str:
    """Fill ``template`` (``/open_api/{project_key}/work_item/all-types``) with ``path_params``.

    Every value becomes exactly one percent-encoded segment, so ``a/b``, ``../x`` or ``a?b``
    can never change which path is called. Missing, unused or empty parameters are refused.
    """
    params = path_params or {}
    out: list[str] = []
    used: set[str] = set()
    for literal, field in _parse_template(template):
        out.append(literal)
        if field is None:
            continue
        if field not in params:
            raise MeegleValidationError(f"path parameter {field} is required by {template!r}")
        out.append(_encode_segment(field, params[field]))
        used.add(field)
    unused = set(params) - used
    if unused:
        raise MeegleValidationError(
            f"path_params {sorted(unused)} do not appear in the path template {template!r}"
        )
    return "".join(out)
