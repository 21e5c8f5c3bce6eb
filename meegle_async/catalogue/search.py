"""Full-text and view-model searches of work items (beyond filter and search/params)."""

from __future__ import annotations

from ._entry import endpoint

_SEARCH_ERRORS = {
    20063: ("invalid_params", "Search operator error"),
    20067: ("invalid_params", "Search signal value not supported"),
    20068: ("invalid_params", "Search param not supported"),
    20069: ("invalid_params", "Search param value error"),
    30001: ("not_found", "Data not found"),
    30014: ("not_found", "Work item type not found (or no permission)"),
}

ENDPOINTS = (
    endpoint(
        "compositive_search",
        "POST",
        "/open_api/compositive_search",
        "work_items.compositive_search",
        write=False,
        sdk_name="CompositiveSearch",
        summary="Full-text search of work items or views across spaces (top 200 by relevance).",
        errors={
            20080: ("invalid_params", "The query must be 1 to 200 characters"),
            20081: ("invalid_params", "Query type not supported (workitem or view)"),
        },
    ),
    endpoint(
        "universal_search",
        "POST",
        "/open_api/view_search/universal_search",
        "work_items.universal_search",
        write=False,
        sdk_name="UniversalSearch",
        summary="Work items of one type matching a search group, chosen fields, cursor paging.",
        errors=_SEARCH_ERRORS,
    ),
    endpoint(
        "integrate_search",
        "POST",
        "/open_api/view_search/integrate_search",
        "work_items.integrate_search",
        write=False,
        sdk_name="IntegrateSearch",
        summary="Work items of several spaces and types matching a view-model query.",
        errors=_SEARCH_ERRORS,
    ),
)
