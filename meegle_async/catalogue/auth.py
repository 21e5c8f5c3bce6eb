"""Tokens: plugin tokens, and user tokens from an OAuth code or a refresh token.

Their names are the last segment of their paths (``plugin_token``...), the names the client's
stats and logs have always used for them. They answer the token envelope
(``{"error": {"code", "msg"}, "data"}``), not the OpenAPI one, and carry no idempotency key.
"""

from __future__ import annotations

from ._entry import endpoint

ENDPOINTS = (
    endpoint(
        "plugin_token",
        "POST",
        "/open_api/authen/plugin_token",
        "auth.get_plugin_token",
        write=False,
        sdk_name="GetPluginToken",
        summary="A plugin token (or a virtual one) from the plugin's id and secret.",
    ),
    endpoint(
        "user_plugin_token",
        "POST",
        "/open_api/authen/user_plugin_token",
        "auth.exchange_code",
        write=False,
        sdk_name="GetUserPluginToken",
        summary="A user token (and its refresh token) from an OAuth authorization code.",
    ),
    endpoint(
        "refresh_token",
        "POST",
        "/open_api/authen/refresh_token",
        "auth.refresh_user_token",
        write=False,
        sdk_name="RefreshToken",
        summary="A new user token from a refresh token.",
    ),
)
