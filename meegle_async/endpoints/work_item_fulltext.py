"""Full-text and view-model searches on ``client.work_items``: ``compositive_search``,
``universal_search``, ``integrate_search`` and their iterators (a mixin of ``WorkItems``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any, Literal

from ..errors import MeegleValidationError
from ..helpers.pagination import CursorPage, NumberedPage, iter_cursor, iter_page_numbers
from ..models.base import structure
from ..models.common import SearchGroup, input_json, input_json_list
from ..models.fulltext import (
    CompositiveResult,
    CompositiveSearchPage,
    SearchResultItem,
    SearchResultPage,
)
from ..models.resources import DataSource
from ..transport.response import RawResponse
from ._base import EndpointGroup
from ._checks import (
    bad_answer,
    check_search_group,
    require_page_number,
    require_text,
    require_text_list,
    shown,
)

__all__ = [
    "COMPOSITIVE_RESULT_CAP",
    "FIELD_SELECTED_MAX",
    "QUERY_MAX_LENGTH",
    "SEARCH_GROUP_MAX_CONDITIONS",
    "WorkItemFullTextSearch",
]

#: ``compositive_search`` returns at most this many results, the best first.
COMPOSITIVE_RESULT_CAP = 200
#: The longest full-text query.
QUERY_MAX_LENGTH = 200
#: ``universal_search`` returns at most this many fields per item.
FIELD_SELECTED_MAX = 20
#: A search group takes at most this many conditions.
SEARCH_GROUP_MAX_CONDITIONS = 50
_PAGE = 50


def _field_selected(fields: Iterable[str] | None) -> list[str] | None:
    if fields is None:
        return None
    return require_text_list(fields, "field_selected", maximum=FIELD_SELECTED_MAX)


def _features(features: Mapping[str, str] | None) -> dict[str, str] | None:
    if features is None:
        return None
    if not isinstance(features, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in features.items()
    ):
        raise MeegleValidationError("features must be a mapping of strings to strings")
    return dict(features)


def _result_page(resp: RawResponse) -> SearchResultPage:
    """Decode an answer whose ``data`` is a JSON string of items (or, tolerated, a list).

    The spec and the official Go SDK also name a top-level ``datas`` list of work items (the
    "new model", ``id`` for ``work_item_id``): it is read when ``data`` holds no items.
    """
    data: Any = resp.data
    if isinstance(data, str):
        try:
            data = json.loads(data) if data.strip() else []
        except ValueError:
            raise bad_answer(resp, "data is not a JSON list of items") from None
    if isinstance(data, Mapping):
        data = data.get("datas") or data.get("data") or []
    if not data and resp.envelope.get("datas") is not None:
        datas = resp.envelope["datas"]
        if not isinstance(datas, list):
            raise bad_answer(resp, "datas is not a list of items")
        data = [
            {"work_item_id": d.get("id"), **d}
            if isinstance(d, Mapping) and "work_item_id" not in d
            else d
            for d in datas
        ]
    if data is None:
        data = []
    if not isinstance(data, list):
        raise bad_answer(resp, "expected a list of items")
    return structure({"items": data, "pagination": resp.pagination}, SearchResultPage)


class WorkItemFullTextSearch(EndpointGroup):
    """Full-text (``compositive_search``) and view-model (``universal_search``,
    ``integrate_search``) searches."""

    async def compositive_search(
        self,
        query: str,
        *,
        project_keys: Iterable[str] | None = None,
        simple_names: Iterable[str] | None = None,
        query_type: Literal["workitem", "view"] = "workitem",
        work_item_type_keys: Iterable[str] | None = None,
        page_num: int | None = None,
        page_size: int | None = None,
    ) -> CompositiveSearchPage:
        """Full-text search of work items (or views) in some spaces: titles, descriptions and
        other text, best matches first, 200 results at the most.

        POST /open_api/compositive_search

        Args:
            query: 1 to 200 characters.
            project_keys, simple_names: the spaces (at least one of the two).
            query_type: ``"workitem"`` or ``"view"``.
            work_item_type_keys: only these types (with ``query_type="workitem"``).

        Raises:
            MeegleValidationError: an empty or too long query, no space; nothing was sent.

        Example::

            page = await client.work_items.compositive_search("login", project_keys=["space_demo"])
            for hit in page.items or []:
                print(hit.id, hit.name, hit.SearchHit)
        """
        text = require_text(query, "query", limit=QUERY_MAX_LENGTH)
        if query_type not in ("workitem", "view"):
            raise MeegleValidationError(
                f'query_type must be "workitem" or "view", not {shown(query_type)}'
            )
        body: dict[str, Any] = {"query": text, "query_type": query_type}
        if project_keys is not None:
            body["project_keys"] = require_text_list(project_keys, "project_keys")
        if simple_names is not None:
            body["simple_names"] = require_text_list(simple_names, "simple_names")
        if not body.get("project_keys") and not body.get("simple_names"):
            raise MeegleValidationError("name the spaces: project_keys= or simple_names=")
        if work_item_type_keys is not None:
            if query_type != "workitem":
                raise MeegleValidationError('work_item_type_keys go with query_type="workitem"')
            body["query_sub_type"] = require_text_list(work_item_type_keys, "work_item_type_keys")
        if page_num is not None:
            body["page_num"] = require_page_number(page_num, "page_num")
        if page_size is not None:
            body["page_size"] = require_page_number(
                page_size, "page_size", maximum=COMPOSITIVE_RESULT_CAP
            )
        resp = await self._call("compositive_search", json=body)
        return structure(
            {"items": resp.data or [], "pagination": resp.pagination}, CompositiveSearchPage
        )

    def iter_compositive_search(
        self, query: str, **options: Any
    ) -> AsyncIterator[CompositiveResult]:
        """Every result of ``compositive_search`` (same arguments), 50 a request: at most 200.

        Ends on an empty or short page or at the total; a repeated page raises
        ``MeeglePaginationError``.
        """

        async def fetch(page_num: int) -> NumberedPage[CompositiveResult]:
            page = await self.compositive_search(
                query, page_num=page_num, page_size=_PAGE, **options
            )
            return NumberedPage.of(page.items, page.pagination)

        return iter_page_numbers(
            fetch, page_size=_PAGE, key=lambda r: (r.ID, r.ProjectKey), what="compositive_search"
        )

    async def universal_search(
        self,
        project_key: str,
        work_item_type_key: str,
        search_group: SearchGroup | Mapping[str, Any],
        *,
        field_selected: Iterable[str] | None = None,
        page_size: int | None = None,
        search_after: str | None = None,
        sort: Mapping[str, Any] | None = None,
        features: Mapping[str, str] | None = None,
    ) -> SearchResultPage:
        """One page of the work items of one type that match a search group, with only the
        fields asked for (``work_item_id`` alone when ``field_selected`` is left out).

        POST /open_api/view_search/universal_search — at most 50 conditions and 20 fields;
        the next page is asked with ``search_after=page.next_search_after``. The server sends
        the items as a JSON string; they come back decoded.

        Raises:
            MeegleValidationError: a malformed search group, over 50 conditions, over 20 fields.
            MeegleInvalidParamsError: an unsupported key, operator or value (20063-20069).
            MeegleNotFoundError: no such type (30014).

        Example::

            page = await client.work_items.universal_search(
                "space_demo", "story", {"conjunction": "AND", "search_params": []},
                field_selected=["name"],
            )
        """
        group = input_json(search_group, SearchGroup, name="search_group")
        if check_search_group(group) > SEARCH_GROUP_MAX_CONDITIONS:
            raise MeegleValidationError(
                f"search_group has more than {SEARCH_GROUP_MAX_CONDITIONS} conditions"
            )
        body: dict[str, Any] = {
            "project_key": require_text(project_key, "project_key"),
            "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
            "search_group": group,
        }
        paging: dict[str, Any] = {}
        if page_size is not None:
            paging["page_size"] = require_page_number(page_size, "page_size")
        if search_after is not None:
            paging["search_after"] = require_text(search_after, "search_after")
        if paging:
            body["pagination"] = paging
        selected = _field_selected(field_selected)
        if selected is not None:
            body["field_selected"] = selected
        if sort is not None:
            if not isinstance(sort, Mapping):
                raise MeegleValidationError("sort must be a mapping (field_key, order, ...)")
            body["sort"] = dict(sort)
        extra = _features(features)
        if extra is not None:
            body["features"] = extra
        return _result_page(await self._call("universal_search", json=body))

    def iter_universal_search(
        self,
        project_key: str,
        work_item_type_key: str,
        search_group: SearchGroup | Mapping[str, Any],
        **options: Any,
    ) -> AsyncIterator[SearchResultItem]:
        """Every item of ``universal_search`` (same arguments), following ``search_after``.

        Ends when the cursor is empty or missing (or a page is empty); a cursor seen before
        raises ``MeeglePaginationError``.
        """

        size = options.pop("page_size", _PAGE)

        async def fetch(cursor: str | None) -> CursorPage[SearchResultItem]:
            page = await self.universal_search(
                project_key,
                work_item_type_key,
                search_group,
                search_after=cursor,
                page_size=size,
                **options,
            )
            return CursorPage(page.items or [], page.next_search_after)

        return iter_cursor(fetch, what="universal_search")

    async def integrate_search(
        self,
        data_sources: Iterable[DataSource | Mapping[str, Any]],
        query: Mapping[str, Any],
        *,
        field_selected: Iterable[str] | None = None,
        view_id: str | None = None,
        search_id: str | None = None,
        features: Mapping[str, str] | None = None,
    ) -> SearchResultPage:
        """One page of the work items of several spaces and types that match a view-model
        query (the query a view saves: ``filter`` of ``conditions`` and ``groups``, ``sorts``,
        ``pagination``...).

        POST /open_api/view_search/integrate_search

        ``query`` is sent as given (a mapping; the SDK models it loosely: condition values are
        JSON strings in ``original_value``). The next page: the same call with
        ``query["pagination"]["search_after"]`` set to ``page.next_search_after``.

        Raises:
            MeegleValidationError: no data source, a query that is not a mapping.

        Example::

            page = await client.work_items.integrate_search(
                [{"project_key": "space_demo", "work_item_type_keys": "story"}],
                {"filter": {"conjunction": "AND", "conditions": []},
                 "pagination": {"page_size": 50}},
            )
        """
        sources = input_json_list(data_sources, DataSource, name="data_sources")
        if not sources:
            raise MeegleValidationError("data_sources is empty: name the spaces and types")
        if not isinstance(query, Mapping):
            raise MeegleValidationError("query must be a mapping (filter, sorts, pagination...)")
        body: dict[str, Any] = {"data_sources": sources, "query": dict(query)}
        selected = _field_selected(field_selected)
        if selected is not None:
            body["field_selected"] = selected
        if view_id is not None:
            body["view_id"] = require_text(view_id, "view_id")
        if search_id is not None:
            body["search_id"] = require_text(search_id, "search_id")
        extra = _features(features)
        if extra is not None:
            body["features"] = extra
        return _result_page(await self._call("integrate_search", json=body))
