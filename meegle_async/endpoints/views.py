"""``client.views``: views of a space (fixed, conditional, panorama), their items and settings.

A *fixed* view holds a hand-picked list of up to 200 work items; a *conditional* view holds what
its search group matches; a *panorama* view spans spaces. ``get_items`` lists the ids of a fixed
or conditional view; a panorama view answers only ``get_panorama_items`` (full items, 50 a
page), and ``iter_items`` picks the right one.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any, Literal

from ..errors import MeegleAPIError, MeegleValidationError
from ..helpers.chunking import unique_ids
from ..helpers.pagination import NumberedPage, iter_page_numbers
from ..helpers.splitting import check_time_range
from ..models.base import structure, structure_list
from ..models.common import SearchGroup, input_json
from ..models.views import AggregateField, FixView, ViewConf, ViewItemsPage, ViewPage
from ..models.work_items import Expand, WorkItem
from ._base import EndpointGroup
from ._checks import (
    bad_answer,
    check_search_group,
    require_flag,
    require_ids,
    require_page_number,
    require_text,
    require_text_list,
    shown,
)

__all__ = [
    "FIXED_VIEW_MAX_ITEMS",
    "PANORAMA_MAX_PAGE_SIZE",
    "VIEW_ITEMS_MAX_PAGE_SIZE",
    "VIEW_LIST_MAX_PAGE_SIZE",
    "CooperationMode",
    "Views",
]

#: ``views.list`` pages hold at most this many views.
VIEW_LIST_MAX_PAGE_SIZE = 10
#: ``views.get_items`` pages hold at most this many work item ids.
VIEW_ITEMS_MAX_PAGE_SIZE = 200
#: ``views.get_panorama_items`` pages hold at most this many work items.
PANORAMA_MAX_PAGE_SIZE = 50
#: A fixed view is created with, and changed by, at most this many work item ids at a time.
FIXED_VIEW_MAX_ITEMS = 200
#: Who may edit a view: 1 the people and teams named, 2 the space's administrators, 3 everyone.
CooperationMode = Literal[1, 2, 3]

# The fixed-view call answers 50006 for a panorama view ("can not handle multiProjectView").
_PANORAMA_REFUSED = 50006


def _cooperation(
    body: dict[str, Any],
    mode: int | None,
    user_keys: Iterable[str] | None,
    team_ids: Iterable[int] | None,
) -> None:
    """Add the collaborator settings shared by the view writes to ``body``."""
    if mode is not None:
        if mode not in (1, 2, 3) or isinstance(mode, bool):
            raise MeegleValidationError(f"cooperation_mode must be 1, 2 or 3, not {shown(mode)}")
        body["cooperation_mode"] = mode
    if user_keys is not None:
        body["cooperation_user_keys"] = require_text_list(user_keys, "cooperation_user_keys")
    if team_ids is not None:
        body["cooperation_team_ids"] = require_ids(team_ids, name="cooperation_team_ids")
    if mode in (2, 3) and (user_keys is not None or team_ids is not None):
        raise MeegleValidationError(
            "cooperation_user_keys and cooperation_team_ids apply only with cooperation_mode=1"
        )


def _id_list(values: Iterable[int | str], name: str) -> list[int]:
    ids = unique_ids(require_ids(values, name))
    if len(ids) > FIXED_VIEW_MAX_ITEMS:
        raise MeegleValidationError(
            f"{name} has {len(ids)} ids; a fixed view takes at most {FIXED_VIEW_MAX_ITEMS} at a "
            "time: create the view with 200, then add the rest with update_fixed"
        )
    return ids


def _search_group(value: SearchGroup | Mapping[str, Any]) -> dict[str, Any]:
    group = input_json(value, SearchGroup, name="search_group")
    check_search_group(group)
    return group


class Views(EndpointGroup):
    """Views: ``client.views.list("space", "story")``, ``get_items``, ``iter_items``,
    ``create_fixed``, ``update_fixed``, ``create_conditional``, ``update_conditional``,
    ``delete``, ``get_panorama_items``, ``get_aggregate_fields``."""

    async def list(
        self,
        project_key: str,
        work_item_type_key: str,
        *,
        view_name: str | None = None,
        view_ids: Iterable[str] | None = None,
        created_by: str | None = None,
        created_at: Mapping[str, int] | None = None,
        quick_filters: bool = False,
        page_num: int | None = None,
        page_size: int | None = None,
    ) -> ViewPage:
        """One page of the views of a work item type (``sub_task`` is not supported).

        POST /open_api/{project_key}/view_conf/list — at most 10 views a page.

        Args:
            view_name: a part of the name (ignored by the server when ``view_ids`` is given).
            view_ids: only these views.
            created_by: only views this user created.
            created_at: ``{"start": ms, "end": ms}`` (``end`` optional).
            quick_filters: also return each view's quick filters.

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleNotFoundError: the type does not exist (30014).

        Example::

            page = await client.views.list("space_demo", "story")
            for view in page.items or []:
                print(view.view_id, view.name)
        """
        body: dict[str, Any] = {
            "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
        }
        if view_name is not None:
            body["view_name"] = require_text(view_name, "view_name")
        if view_ids is not None:
            body["view_ids"] = require_text_list(view_ids, "view_ids")
        if created_by is not None:
            body["created_by"] = require_text(created_by, "created_by")
        if created_at is not None:
            start, end = check_time_range(created_at, name="created_at")
            body["created_at"] = {"start": start} if end is None else {"start": start, "end": end}
        if require_flag(quick_filters, "quick_filters"):
            body["is_query_quick_filter"] = True
        if page_num is not None:
            body["page_num"] = require_page_number(page_num, "page_num")
        if page_size is not None:
            body["page_size"] = require_page_number(
                page_size, "page_size", maximum=VIEW_LIST_MAX_PAGE_SIZE
            )
        resp = await self._call(
            "view_list",
            path_params={"project_key": require_text(project_key, "project_key")},
            json=body,
        )
        return structure({"items": resp.data or [], "pagination": resp.pagination}, ViewPage)

    def iter(
        self, project_key: str, work_item_type_key: str, **filters: Any
    ) -> AsyncIterator[ViewConf]:
        """Every view of ``list`` (same filters), page after page.

        Ends on an empty or short page, or when ``pagination.total`` is reached; a page that
        repeats the one before raises ``MeeglePaginationError``.
        """

        async def fetch(page_num: int) -> NumberedPage[ViewConf]:
            page = await self.list(
                project_key,
                work_item_type_key,
                page_num=page_num,
                page_size=VIEW_LIST_MAX_PAGE_SIZE,
                **filters,
            )
            return NumberedPage.of(page.items, page.pagination)

        return iter_page_numbers(
            fetch,
            page_size=VIEW_LIST_MAX_PAGE_SIZE,
            key=lambda v: v.view_id,
            what="view_list",
        )

    async def get_items(
        self,
        project_key: str,
        view_id: str,
        *,
        quick_filter_id: str | None = None,
        page_num: int | None = None,
        page_size: int | None = None,
    ) -> ViewItemsPage:
        """One page of the work item ids of a fixed or conditional view
        (``view.work_item_id_list``).

        GET /open_api/{project_key}/fix_view/{view_id} — at most 200 ids a page. A view of more
        than 200,000 items answers 50006: narrow it with a quick filter. A panorama view is
        refused by the server (50006): call ``get_panorama_items``, or ``iter_items``, which
        routes to the right call.

        Raises:
            MeegleNotFoundError: no such view (30004).
            MeegleInvalidParamsError: the view is in another space (20012), too large, or a
                panorama view (50006).

        Example::

            page = await client.views.get_items("space_demo", view_id)
            ids = page.view.work_item_id_list if page.view else []
        """
        params: dict[str, Any] = {}
        if quick_filter_id is not None:
            params["quick_filter_id"] = require_text(quick_filter_id, "quick_filter_id")
        if page_num is not None:
            params["page_num"] = require_page_number(page_num, "page_num")
        if page_size is not None:
            params["page_size"] = require_page_number(
                page_size, "page_size", maximum=VIEW_ITEMS_MAX_PAGE_SIZE
            )
        resp = await self._call(
            "work_item_list",
            path_params={
                "project_key": require_text(project_key, "project_key"),
                "view_id": require_text(view_id, "view_id"),
            },
            params=params,
        )
        if resp.data is not None and not isinstance(resp.data, Mapping):
            raise bad_answer(resp, "expected a view object")
        return structure({"view": resp.data, "pagination": resp.pagination}, ViewItemsPage)

    async def get_panorama_items(
        self,
        project_key: str,
        view_id: str,
        *,
        quick_filter_id: str | None = None,
        expand: Expand | Mapping[str, Any] | None = None,
        page_num: int | None = None,
        page_size: int | None = None,
    ) -> ViewItemsPage:
        """One page of the work items (full details) of a panorama (multi-space) view.

        POST /open_api/{project_key}/view/{view_id} — at most 50 items a page.

        Raises:
            MeegleNotFoundError: no such view (30004).

        Example::

            page = await client.views.get_panorama_items("space_demo", view_id, page_size=50)
        """
        body: dict[str, Any] = {}
        if quick_filter_id is not None:
            body["quick_filter_id"] = require_text(quick_filter_id, "quick_filter_id")
        if expand is not None:
            body["expand"] = input_json(expand, Expand, name="expand")
        if page_num is not None:
            body["page_num"] = require_page_number(page_num, "page_num")
        if page_size is not None:
            body["page_size"] = require_page_number(
                page_size, "page_size", maximum=PANORAMA_MAX_PAGE_SIZE
            )
        resp = await self._call(
            "query_work_item_details_by_view_id",
            path_params={
                "project_key": require_text(project_key, "project_key"),
                "view_id": require_text(view_id, "view_id"),
            },
            json=body,
        )
        return structure({"items": resp.data or [], "pagination": resp.pagination}, ViewItemsPage)

    async def iter_items(
        self, project_key: str, view_id: str, *, quick_filter_id: str | None = None
    ) -> AsyncIterator[int | WorkItem]:
        """Every item of a view: work item ids (``int``) for a fixed or conditional view, work
        items (``WorkItem``) for a panorama view, whose first page the fixed-view call refuses
        (50006) — the walk then continues on ``get_panorama_items``.

        Ends on an empty or short page or at ``pagination.total``; a page that repeats the one
        before raises ``MeeglePaginationError``.

        Example::

            ids = [i async for i in client.views.iter_items("space_demo", view_id)]
        """

        async def fixed(page_num: int) -> NumberedPage[int]:
            page = await self.get_items(
                project_key,
                view_id,
                quick_filter_id=quick_filter_id,
                page_num=page_num,
                page_size=VIEW_ITEMS_MAX_PAGE_SIZE,
            )
            ids = (page.view.work_item_id_list if page.view is not None else None) or []
            return NumberedPage.of(ids, page.pagination)

        async def panorama(page_num: int) -> NumberedPage[WorkItem]:
            page = await self.get_panorama_items(
                project_key,
                view_id,
                quick_filter_id=quick_filter_id,
                page_num=page_num,
                page_size=PANORAMA_MAX_PAGE_SIZE,
            )
            return NumberedPage.of(page.items, page.pagination)

        try:
            first = await fixed(1)
        except MeegleAPIError as exc:
            if exc.code != _PANORAMA_REFUSED:
                raise
            async for item in iter_page_numbers(
                panorama, page_size=PANORAMA_MAX_PAGE_SIZE, key=lambda w: w.id, what="view"
            ):
                yield item
            return

        async def resume(page_num: int) -> NumberedPage[int]:
            return first if page_num == 1 else await fixed(page_num)

        async for work_item_id in iter_page_numbers(
            resume, page_size=VIEW_ITEMS_MAX_PAGE_SIZE, key=lambda i: i, what="fix_view"
        ):
            yield work_item_id

    async def create_fixed(
        self,
        project_key: str,
        work_item_type_key: str,
        *,
        name: str,
        work_item_ids: Iterable[int | str],
        cooperation_mode: CooperationMode | None = None,
        cooperation_user_keys: Iterable[str] | None = None,
        cooperation_team_ids: Iterable[int] | None = None,
        idempotency_key: str | None = None,
    ) -> FixView:
        """Create a fixed view of 1 to 200 work items of one type.

        POST /open_api/{project_key}/{work_item_type_key}/fix_view

        Returns:
            The new view (``view_id``, ``work_item_id_list``).

        Raises:
            MeegleValidationError: no ids, over 200 ids, bad collaborators; nothing was sent.
            MeegleNotFoundError: an id does not exist (30005).
            MeegleInvalidParamsError: the items are not all of this type (20010).

        Example::

            view = await client.views.create_fixed(
                "space_demo", "story", name="Release 1.2", work_item_ids=ids
            )
        """
        ids = _id_list(work_item_ids, "work_item_ids")
        if not ids:
            raise MeegleValidationError("work_item_ids is empty: a fixed view needs items")
        body: dict[str, Any] = {"name": require_text(name, "name"), "work_item_id_list": ids}
        _cooperation(body, cooperation_mode, cooperation_user_keys, cooperation_team_ids)
        resp = await self._call(
            "create_fix_view",
            path_params={
                "project_key": require_text(project_key, "project_key"),
                "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
            },
            json=body,
            idempotency_key=idempotency_key,
        )
        if not isinstance(resp.data, Mapping):
            raise bad_answer(resp, "expected the new view")
        return structure(resp.data, FixView)

    async def update_fixed(
        self,
        project_key: str,
        work_item_type_key: str,
        view_id: str,
        *,
        add: Iterable[int | str] | None = None,
        remove: Iterable[int | str] | None = None,
        cooperation_mode: CooperationMode | None = None,
        cooperation_user_keys: Iterable[str] | None = None,
        cooperation_team_ids: Iterable[int] | None = None,
        idempotency_key: str | None = None,
    ) -> FixView | None:
        """Add work items to a fixed view, or remove them (one of the two, up to 200 ids).

        POST /open_api/{project_key}/{work_item_type_key}/fix_view/{view_id}

        Returns:
            The view as the server answers it (``None`` when it sends nothing).

        Raises:
            MeegleValidationError: both or neither of ``add``/``remove``, an empty list, over
                200 ids; nothing was sent.
            MeegleNotFoundError: no such view (30004).
            MeeglePermissionError: no permission on the view (10001).

        Example::

            await client.views.update_fixed("space_demo", "story", view_id, add=[new_id])
        """
        if (add is None) == (remove is None):
            raise MeegleValidationError("pass exactly one of add= and remove=")
        key, values = (
            ("add_work_item_ids", add) if add is not None else ("remove_work_item_ids", remove)
        )
        assert values is not None
        ids = _id_list(values, key)
        if not ids:
            raise MeegleValidationError(f"{key} is empty: name the work items to change")
        body: dict[str, Any] = {key: ids}
        _cooperation(body, cooperation_mode, cooperation_user_keys, cooperation_team_ids)
        resp = await self._call(
            "update_fix_view",
            path_params={
                "project_key": require_text(project_key, "project_key"),
                "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
                "view_id": require_text(view_id, "view_id"),
            },
            json=body,
            idempotency_key=idempotency_key,
        )
        return structure(resp.data, FixView) if isinstance(resp.data, Mapping) else None

    async def create_conditional(
        self,
        project_key: str,
        work_item_type_key: str,
        *,
        name: str,
        search_group: SearchGroup | Mapping[str, Any],
        cooperation_mode: CooperationMode | None = None,
        cooperation_user_keys: Iterable[str] | None = None,
        cooperation_team_ids: Iterable[int] | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Create a conditional view: the items its ``search_group`` matches.

        POST /open_api/view/v1/create_condition_view — 450 a minute. ``project_key`` must be
        the space's key (its simple name is refused by the server). Date conditions filter by
        day.

        Returns:
            The new view's id.

        Raises:
            MeegleValidationError: bad input (an empty name, a malformed search group).
            MeegleInvalidParamsError: a field that conditions cannot use (20029), or an
                unknown field (50006).

        Example::

            view_id = await client.views.create_conditional(
                "space_demo", "story", name="P0 stories",
                search_group={"conjunction": "AND", "search_params": [
                    {"param_key": "priority", "operator": "HAS ANY OF", "value": ["0"]}]},
            )
        """
        body = self._condition_body(
            project_key,
            work_item_type_key,
            search_group,
            cooperation_mode,
            cooperation_user_keys,
            cooperation_team_ids,
        )
        body["name"] = require_text(name, "name")
        resp = await self._call("create_condition_view", json=body, idempotency_key=idempotency_key)
        view_id = resp.data.get("view_id") if isinstance(resp.data, Mapping) else None
        if not isinstance(view_id, str) or not view_id:
            raise bad_answer(resp, "expected {view_id}")
        return view_id

    async def update_conditional(
        self,
        project_key: str,
        work_item_type_key: str,
        view_id: str,
        *,
        search_group: SearchGroup | Mapping[str, Any],
        name: str | None = None,
        cooperation_mode: CooperationMode | None = None,
        cooperation_user_keys: Iterable[str] | None = None,
        cooperation_team_ids: Iterable[int] | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Replace the conditions (and optionally the name and collaborators) of a conditional view.

        POST /open_api/view/v1/update_condition_view — 450 a minute.

        Raises:
            MeegleNotFoundError: no such view (30004).
            MeegleInvalidParamsError: a field conditions cannot use (20029).

        Example::

            await client.views.update_conditional(
                "space_demo", "story", view_id,
                search_group={"conjunction": "AND", "search_params": []},
            )
        """
        body = self._condition_body(
            project_key,
            work_item_type_key,
            search_group,
            cooperation_mode,
            cooperation_user_keys,
            cooperation_team_ids,
        )
        body["view_id"] = require_text(view_id, "view_id")
        if name is not None:
            body["name"] = require_text(name, "name")
        await self._call("update_condition_view", json=body, idempotency_key=idempotency_key)

    @staticmethod
    def _condition_body(
        project_key: str,
        work_item_type_key: str,
        search_group: SearchGroup | Mapping[str, Any],
        mode: int | None,
        user_keys: Iterable[str] | None,
        team_ids: Iterable[int] | None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "project_key": require_text(project_key, "project_key"),
            "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
            "search_group": _search_group(search_group),
        }
        _cooperation(body, mode, user_keys, team_ids)
        return body

    async def delete(
        self, project_key: str, view_id: str, *, idempotency_key: str | None = None
    ) -> None:
        """Delete a view (fixed, conditional or panorama).

        DELETE /open_api/{project_key}/fix_view/{view_id}

        Raises:
            MeegleNotFoundError: no such view (30004).

        Example::

            await client.views.delete("space_demo", view_id)
        """
        await self._call(
            "delete_fix_view",
            path_params={
                "project_key": require_text(project_key, "project_key"),
                "view_id": require_text(view_id, "view_id"),
            },
            idempotency_key=idempotency_key,
        )

    async def get_aggregate_fields(self, project_key: str) -> builtins.list[AggregateField]:
        """The fields a space's aggregate (cross-type) views can show.

        POST /open_api/view_search/space_agg_fields/query_ui

        Example::

            for field in await client.views.get_aggregate_fields("space_demo"):
                print(field.key, field.label)
        """
        resp = await self._call(
            "query_space_ui_agg_fields",
            json={"project_key": require_text(project_key, "project_key")},
        )
        data = resp.data.get("agg_resource_items") if isinstance(resp.data, Mapping) else None
        if resp.data is not None and not isinstance(resp.data, Mapping):
            raise bad_answer(resp, "expected {agg_resource_items: [...]}")
        return structure_list(data or [], AggregateField)
