"""The endpoint catalogue: every Meegle endpoint the client wraps, once, as data.

``ENDPOINTS`` is the single source the rest of the package reads: the limiter's rate table
(``qps``, ``per_minute``), the per-endpoint meaning of error codes (``errors``), which calls
carry an idempotency key (``write``), the fake server's routing, the docs' endpoint table and
the test that proves each entry is served and called by its method.

Adding an endpoint is one entry in the group's module here, one method that reads like its
spec entry (``await self._call(ENDPOINTS["name"], ...)``), one model and one fake handler.

This package is data at the bottom of the layers: it imports nothing else of meegle_async.
"""

from __future__ import annotations

from . import (
    ai,
    auth,
    charts,
    comments,
    deliverables,
    files,
    relations,
    resources,
    search,
    settings,
    space_config,
    tasks,
    template_admin,
    tenant,
    user_groups,
    views,
    wbs,
    work_hours,
    work_item_extras,
    work_items,
    workflows,
)
from ._entry import Catalogue, Endpoint, HttpMethod, endpoint

__all__ = ["ENDPOINTS", "Catalogue", "Endpoint", "HttpMethod", "endpoint"]

#: Every wrapped endpoint, in group order. One module per area adds its entries here.
ENDPOINTS = Catalogue(
    (
        *work_items.ENDPOINTS,
        *work_item_extras.ENDPOINTS,
        *search.ENDPOINTS,
        *resources.ENDPOINTS,
        *tasks.ENDPOINTS,
        *settings.ENDPOINTS,
        *wbs.ENDPOINTS,
        *template_admin.ENDPOINTS,
        *workflows.ENDPOINTS,
        *space_config.ENDPOINTS,
        *user_groups.ENDPOINTS,
        *files.ENDPOINTS,
        *files.COMMENT_ENDPOINTS,
        *views.ENDPOINTS,
        *work_hours.ENDPOINTS,
        *charts.ENDPOINTS,
        *deliverables.ENDPOINTS,
        *tenant.ENDPOINTS,
        *ai.ENDPOINTS,
        *auth.ENDPOINTS,
        *comments.ENDPOINTS,
        *relations.ENDPOINTS,
    )
)
