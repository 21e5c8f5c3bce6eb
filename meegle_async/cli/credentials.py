"""Credentials for command-line tools: flags first, then ``MEEGLE_*``, each missing one named.

A command adds the flags with :func:`add_credential_flags` and builds its client with
:func:`client_from_args`, which raises :class:`MissingCredentials` (a message saying which value
is missing and where to find it) before anything is sent.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..client import MeegleClient

__all__ = [
    "MissingCredentials",
    "add_credential_flags",
    "client_from_args",
    "missing_credentials",
]

PLUGIN_HINT = (
    "the plugin's page on the Meegle developer platform (Plugin ID and Plugin Secret under "
    "its basic information)"
)
USER_KEY_HINT = "double-click your avatar in Meegle (bottom left) to copy your user key"


class MissingCredentials(Exception):
    """A credential the client needs is neither a flag nor an environment variable."""


def add_credential_flags(parser: argparse.ArgumentParser) -> None:
    """``--base-url``, ``--plugin-id``, ``--plugin-secret``, ``--user-key``."""
    group = parser.add_argument_group("credentials (default: the MEEGLE_* environment variables)")
    group.add_argument(
        "--base-url",
        metavar="URL",
        help="Meegle site (MEEGLE_BASE_URL or MEEGLE_DOMAIN; https://project.larksuite.com)",
    )
    group.add_argument("--plugin-id", metavar="ID", help="plugin id (MEEGLE_PLUGIN_ID)")
    group.add_argument(
        "--plugin-secret",
        metavar="SECRET",
        help="plugin secret (MEEGLE_PLUGIN_SECRET; prefer the variable: flags show in ps)",
    )
    group.add_argument("--user-key", metavar="KEY", help="your user key (MEEGLE_USER_KEY)")
    net = parser.add_argument_group("network")
    net.add_argument(
        "--timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="seconds each attempt of a request may take, a stalled server included (60)",
    )
    net.add_argument(
        "--max-retries",
        type=_retries,
        default=None,
        metavar="N",
        help="retries after a failed attempt: 429, 5xx, timeouts, lost connections (4)",
    )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text!r}")
    return value


def _retries(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, not {text!r}")
    return int(text)


def missing_credentials(args: argparse.Namespace, env: Mapping[str, str]) -> list[str]:
    """One line per missing credential: the flag, the variable, and where to find the value."""
    if env.get("MEEGLE_USER_TOKEN"):
        # A user token acts as its user: no plugin credentials or user key needed.
        return []
    plugin_id = args.plugin_id or env.get("MEEGLE_PLUGIN_ID")
    secret = args.plugin_secret or env.get("MEEGLE_PLUGIN_SECRET")
    token = env.get("MEEGLE_PLUGIN_TOKEN")
    user_key = args.user_key or env.get("MEEGLE_USER_KEY")
    missing = []
    if not token or plugin_id or secret:
        if not plugin_id:
            missing.append(f"plugin id: --plugin-id or MEEGLE_PLUGIN_ID; from {PLUGIN_HINT}")
        if not secret:
            missing.append(
                f"plugin secret: MEEGLE_PLUGIN_SECRET (or --plugin-secret); from {PLUGIN_HINT}"
            )
    if not user_key:
        missing.append(f"user key: --user-key or MEEGLE_USER_KEY; {USER_KEY_HINT}")
    return missing


def client_from_args(args: argparse.Namespace, **options: Any) -> MeegleClient:
    """A client from the flags, falling back to ``MEEGLE_*`` (``MeegleClient.from_env``).

    Raises:
        MissingCredentials: a credential is missing; the message names each one.
        MeegleValidationError: a value is malformed (an ``http://`` URL to a remote host, ...).
    """
    from ..client import MeegleClient

    missing = missing_credentials(args, os.environ)
    if missing:
        raise MissingCredentials(
            "missing credentials:\n" + "\n".join(f"  - {line}" for line in missing)
        )
    overrides: dict[str, Any] = dict(options)
    for flag in ("timeout", "max_retries"):
        value = getattr(args, flag, None)
        if value is not None:
            overrides[flag] = value
    for flag in ("base_url", "plugin_id", "plugin_secret", "user_key"):
        value = getattr(args, flag, None)
        if value:
            overrides[flag] = value
    return MeegleClient.from_env(**overrides)
