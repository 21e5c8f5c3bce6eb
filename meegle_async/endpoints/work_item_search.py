"""Finding work items without their ids: filter, condition search, cross-space filter.

``WorkItemSearch`` is a mixin of ``client.work_items``: its methods are called as
``client.work_items.filter(...)``, ``client.work_items.iter_filter(...)`` and so on. Each one-page
method checks its input the way the official SDK types and the platform's rules allow, sends one
request and returns a ``WorkItemPage``; each ``iter_*`` helper walks every page to the end and,
where the server refuses a query as too broad (more than 5000 results, err_code 20094), splits the
``created_at`` range with the same splitter as ``tasks.iter_search`` (the walks live in
``_search_walks``). Option labels in ``search_by_params`` conditions become option ids
(``helpers.search_labels``). Field names and limits: ``docs/spec-discovery.md``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .._text import shown
from ..errors import MeegleAPIError, MeegleValidationError
from ..helpers.chunking import MAX_IDS_PER_REQUEST, validate_id, validate_ids
from ..helpers.search_labels import has_label_candidates, resolve_search_labels
from ..helpers.splitting import check_time_range
from ..models.base import structure
from ..models.common import SearchGroup, input_json
from ..models.search import SearchUser, WorkItemPage
from ..models.work_items import Expand, WorkItem, WorkItemStatus
from ._base import EndpointGroup
from ._checks import (
    check_fields,
    check_search_group,
    require_flag,
    require_page_number,
    require_text,
    require_text_list,
)
from ._search_walks import _created_windows, _split_walk, _walk_pages, _within_created_at

if TYPE_CHECKING:
    from ..helpers.field_builder import FieldMetadata

__all__ = [
    "FILTER_MAX_PAGE_SIZE",
    "FILTER_MAX_USER_KEYS",
    "SEARCH_MAX_CONDITIONS",
    "SEARCH_MAX_PAGE_SIZE",
    "SEARCH_RESULT_CAP",
    "SEARCH_USER_FIELD_KEYS",
    "WorkItemSearch",
]

#: The largest ``page_size`` of ``work_items.filter``.
FILTER_MAX_PAGE_SIZE = 200
#: The largest ``page_size`` of ``search_by_params`` and ``filter_across_projects``.
SEARCH_MAX_PAGE_SIZE = 50
#: ``search_by_params`` and ``filter_across_projects`` refuse a query matching more (20094).
SEARCH_RESULT_CAP = 5000
#: ``work_items.filter`` takes at most this many ``user_keys`` (20004).
FILTER_MAX_USER_KEYS = 10
#: A ``search_group`` holds at most this many conditions, nested groups included.
SEARCH_MAX_CONDITIONS = 50
#: The fields a cross-space ``search_user`` condition can name.
SEARCH_USER_FIELD_KEYS = ("owner", "watchers", "issue_operator", "issue_reporter")

_FILTER = "filter_work_item"
_SEARCH = "search_work_item_by_params"
_ACROSS = "filter_work_item_across_project"

# -- input checks ----------------------------------------------------------------------------


def _interval(value: Any, name: str) -> dict[str, int]:
    lo, hi = check_time_range(value, name=name)
    return {"start": lo} if hi is None else {"start": lo, "end": hi}


def _statuses(values: object) -> list[dict[str, Any]]:
    """Status filter items: a state key (``"doing"``), a ``WorkItemStatus`` or a dict."""
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise MeegleValidationError(
            f"work_item_status must be a list of state keys or WorkItemStatus, not {shown(values)}"
        )
    out = []
    for i, value in enumerate(values):
        name = f"work_item_status[{i}]"
        if isinstance(value, str):
            out.append({"state_key": require_text(value, name)})
            continue
        item = input_json(value, WorkItemStatus, name=name)
        if not isinstance(item.get("state_key"), str) or not item["state_key"]:
            raise MeegleValidationError(f"{name} needs a state_key (the status to match)")
        out.append(item)
    return out


def _search_group_json(search_group: object) -> tuple[dict[str, Any], int]:
    if search_group is None:
        raise MeegleValidationError(
            "search_group is required: SearchGroup(conjunction='AND', search_params=[...])"
        )
    group = input_json(search_group, SearchGroup, name="search_group")
    count = check_search_group(group)
    if count > SEARCH_MAX_CONDITIONS:
        raise MeegleValidationError(
            f"search_group holds {count} conditions; the API takes at most "
            f"{SEARCH_MAX_CONDITIONS}: simplify it or split the search"
        )
    return group, count


def _search_user_json(value: object) -> dict[str, Any]:
    user = input_json(value, SearchUser, name="search_user")
    keys = user.get("user_keys")
    if not keys:
        raise MeegleValidationError("search_user needs user_keys (at least one user key)")
    user["user_keys"] = require_text_list(keys, "search_user.user_keys", one_string_ok=True)
    field_key = user.get("field_key")
    if field_key is not None and field_key not in SEARCH_USER_FIELD_KEYS:
        raise MeegleValidationError(
            f"search_user.field_key must be one of {', '.join(SEARCH_USER_FIELD_KEYS)}, "
            f"not {shown(field_key)}"
        )
    return user


def _common_filters(
    body: dict[str, Any],
    *,
    work_item_ids: Iterable[int | str] | None,
    work_item_name: str | None,
    created_at: Any,
    updated_at: Any,
    work_item_status: Iterable[Any] | None,
    businesses: Iterable[str] | None,
    priorities: Iterable[str] | None,
    tags: Iterable[str] | None,
    expand: Expand | Mapping[str, Any] | None,
    max_ids: int | None,
) -> None:
    """The filters ``filter`` and ``filter_across_projects`` share, checked, into ``body``."""
    if work_item_ids is not None:
        ids = validate_ids(work_item_ids)
        if max_ids is not None and len(ids) > max_ids:
            raise MeegleValidationError(
                f"work_item_ids has {len(ids)} ids; this filter takes at most {max_ids}: "
                "use work_items.get_details for longer id lists"
            )
        body["work_item_ids"] = ids
    if work_item_name is not None:
        if not isinstance(work_item_name, str):
            raise MeegleValidationError(
                f"work_item_name must be a string, not {shown(work_item_name)}"
            )
        body["work_item_name"] = work_item_name
    if created_at is not None:
        body["created_at"] = _interval(created_at, "created_at")
    if updated_at is not None:
        body["updated_at"] = _interval(updated_at, "updated_at")
    if work_item_status is not None:
        body["work_item_status"] = _statuses(work_item_status)
    for name, values in (("businesses", businesses), ("priorities", priorities), ("tags", tags)):
        if values is not None:
            body[name] = require_text_list(values, name, one_string_ok=True)
    if expand is not None:
        body["expand"] = input_json(expand, Expand, name="expand")


class WorkItemSearch(EndpointGroup):
    """Filters and searches over work items; part of ``client.work_items``.

    ``filter`` (one space, simple conditions), ``search_by_params`` (one space and type, an
    AND/OR condition tree), ``filter_across_projects`` (one type, many spaces); each has an
    ``iter_*`` helper that returns every match. Results are ``WorkItem`` objects, the same model
    as ``get_details``. Terminated (aborted) work items are not returned by the filters.
    """

    if TYPE_CHECKING:
        # Provided by ``WorkItems`` (the group this mixin is part of).
        async def get_field_metadata(
            self, project_key: str, work_item_type_key: str
        ) -> FieldMetadata: ...

    # -- one page --------------------------------------------------------------------------------

    async def filter(
        self,
        project_key: str,
        *,
        work_item_type_keys: Iterable[str] | None = None,
        work_item_ids: Iterable[int | str] | None = None,
        work_item_name: str | None = None,
        user_keys: Iterable[str] | None = None,
        created_at: Any = None,
        updated_at: Any = None,
        work_item_status: Iterable[Any] | None = None,
        sub_stages: Iterable[str] | None = None,
        businesses: Iterable[str] | None = None,
        priorities: Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
        expand: Expand | Mapping[str, Any] | None = None,
        search_id: str | None = None,
        page_num: int | None = None,
        page_size: int | None = None,
    ) -> WorkItemPage:
        """Work items of one space matching simple conditions: one page.

        POST /open_api/{project_key}/work_item/filter

        Only the arguments given are sent. Terminated (aborted) work items are not returned.

        Args:
            project_key: the space's project_key or simple_name.
            work_item_type_keys: types to include (``"story"`` or ``["story", "issue"]``).
            work_item_ids: only these work items.
            work_item_name: part of the name (fuzzy match).
            user_keys: users who created, watch or hold a role in the item (at most 10).
            created_at: creation range, ``{"start": ms, "end": ms}``, a ``TimeInterval`` or a
                ``(start, end)`` pair, in 13-digit milliseconds; ``end`` optional (now).
            updated_at: update range, same forms.
            work_item_status: statuses, as state keys (``"doing"``), ``WorkItemStatus`` objects or
                dicts with a ``state_key``.
            sub_stages: ``sub_stage`` values.
            businesses: business line ids.
            priorities: option ids of the ``priority`` field.
            tags: option ids of the tags field.
            expand: an ``Expand`` (or dict) asking for more data per item.
            search_id: a saved search; the server then ignores every other filter, so none may
                be given with it.
            page_num: page, from 1 (server default 1).
            page_size: items per page, at most 200 (server default 20).

        Returns:
            A ``WorkItemPage``: ``items`` and ``pagination`` (``total`` counts every match).

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleInvalidParamsError: the server refused a parameter (20003 bad type keys,
                20013 bad time range).
            MeegleNotFoundError: no such type, or no permission (30014).

        Example::

            page = await client.work_items.filter(
                "space", work_item_type_keys=["story"], work_item_name="login", page_size=50
            )
            for item in page.items or []:
                print(item.id, item.name, item.state_key)
        """
        body = self._filter_body(
            work_item_type_keys=work_item_type_keys,
            work_item_ids=work_item_ids,
            work_item_name=work_item_name,
            user_keys=user_keys,
            created_at=created_at,
            updated_at=updated_at,
            work_item_status=work_item_status,
            sub_stages=sub_stages,
            businesses=businesses,
            priorities=priorities,
            tags=tags,
            expand=expand,
            search_id=search_id,
        )
        if page_num is not None:
            body["page_num"] = require_page_number(page_num, "page_num")
        if page_size is not None:
            body["page_size"] = require_page_number(
                page_size, "page_size", maximum=FILTER_MAX_PAGE_SIZE
            )
        return await self._filter_page(require_text(project_key, "project_key"), body)

    async def search_by_params(
        self,
        project_key: str,
        work_item_type_key: str,
        search_group: SearchGroup | Mapping[str, Any],
        *,
        fields: Iterable[str] | None = None,
        expand: Expand | Mapping[str, Any] | None = None,
        page_num: int | None = None,
        page_size: int | None = None,
        resolve_labels: bool = True,
    ) -> WorkItemPage:
        """Work items of one space and type matching an AND/OR condition tree: one page.

        POST /open_api/{project_key}/work_item/{work_item_type_key}/search/params

        A query matching more than 5000 items is refused (``MeegleTooManyResultsError``);
        ``iter_search_by_params`` walks past that by splitting the creation time range.

        Args:
            project_key: the space's project_key or simple_name.
            work_item_type_key: the one type to search.
            search_group: a ``SearchGroup`` (or dict): ``conjunction`` ``"AND"``/``"OR"``,
                ``search_params`` of ``{param_key, operator, value}``, nested ``search_groups``;
                at most 50 conditions in all. Values of option fields may be option labels
                (``"P0"``) as well as ids (see ``resolve_labels``).
            fields: fields to return (``["name", "priority"]``) or to leave out
                (``["-description"]``), not both.
            expand: an ``Expand`` (or dict) asking for more data per item.
            page_num: page, from 1 (server default 1).
            page_size: items per page, at most 50 (server default 10).
            resolve_labels: turn option labels in conditions on option fields into the option
                ids the server compares (it matches nothing on a label, silently), from the
                type's cached field metadata (``get_field_metadata``: one extra request per type
                every ``field_metadata.ttl`` seconds, and only when a condition could hold a
                label). Ids are sent unchanged; a value that is neither is refused. ``False``
                sends the values as given.

        Returns:
            A ``WorkItemPage``: ``items`` and ``pagination``.

        Raises:
            MeegleValidationError: bad input, or an option value that is neither an id nor a
                label of its field (the closest labels suggested); nothing was sent.
            MeegleTooManyResultsError: more than 5000 matches (20094).
            MeegleInvalidParamsError: a condition the server refuses (20063 operator, 20068
                param key, 20069 value, 20072 conjunction).
            MeegleNotFoundError: no such type, or no permission (30014).

        Example::

            group = SearchGroup(
                conjunction="AND",
                search_params=[
                    SearchParam(param_key="priority", operator="HAS ANY OF", value=["P0"]),
                ],
            )
            page = await client.work_items.search_by_params("space", "story", group)
        """
        path = _search_path(project_key, work_item_type_key)
        group, _ = _search_group_json(search_group)
        body = _search_body(group, fields=fields, expand=expand)
        if page_num is not None:
            body["page_num"] = require_page_number(page_num, "page_num")
        if page_size is not None:
            body["page_size"] = require_page_number(
                page_size, "page_size", maximum=SEARCH_MAX_PAGE_SIZE
            )
        if require_flag(
            resolve_labels, "resolve_labels"
        ):  # after every other check: it may send a metadata request
            body["search_group"] = await self._resolve_labels(path, group)
        return await self._search_page(path, body)

    async def filter_across_projects(
        self,
        *,
        work_item_type_key: str,
        project_keys: Iterable[str] | None = None,
        simple_names: Iterable[str] | None = None,
        search_user: SearchUser | Mapping[str, Any] | None = None,
        work_item_ids: Iterable[int | str] | None = None,
        work_item_name: str | None = None,
        created_at: Any = None,
        updated_at: Any = None,
        work_item_status: Iterable[Any] | None = None,
        businesses: Iterable[str] | None = None,
        priorities: Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
        template_ids: Iterable[int | str] | None = None,
        tenant_group_id: int | None = None,
        expand: Expand | Mapping[str, Any] | None = None,
        page_num: int | None = None,
        page_size: int | None = None,
    ) -> WorkItemPage:
        """Work items of one type across spaces: one page.

        POST /open_api/work_items/filter_across_project

        Without ``project_keys`` and ``simple_names`` the server searches every space where the
        plugin is installed and the user has access. A query matching more than 5000 items is
        refused; ``iter_filter_across_projects`` splits the creation range past that.

        Args:
            work_item_type_key: the one type to filter (required).
            project_keys: spaces by project key.
            simple_names: spaces by simple name.
            search_user: a ``SearchUser`` (or dict): ``user_keys`` (required) and ``field_key``
                (``owner``, ``watchers``, ``issue_operator``, ``issue_reporter``) or ``role``.
            work_item_ids: only these work items (at most 50).
            work_item_name: part of the name (fuzzy match).
            created_at: creation range (see ``filter``).
            updated_at: update range.
            work_item_status: statuses (see ``filter``).
            businesses: business line ids.
            priorities: option ids of the ``priority`` field.
            tags: option ids of the tags field.
            template_ids: process template ids.
            tenant_group_id: the tenant group (tenant users only).
            expand: an ``Expand`` (or dict) asking for more data per item.
            page_num: page, from 1 (server default 1).
            page_size: items per page, at most 50 (server default 20).

        Returns:
            A ``WorkItemPage``: ``items`` and ``pagination``.

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleTooManyResultsError: more than 5000 matches (20094).
            MeegleInvalidParamsError: the server refused a parameter (20003, 20005, 20013,
                20028, 20059).

        Example::

            page = await client.work_items.filter_across_projects(
                work_item_type_key="story",
                project_keys=["space_a", "space_b"],
                search_user={"user_keys": ["7000000000000000001"], "field_key": "owner"},
            )
        """
        body = self._across_body(
            work_item_type_key=work_item_type_key,
            project_keys=project_keys,
            simple_names=simple_names,
            search_user=search_user,
            work_item_ids=work_item_ids,
            work_item_name=work_item_name,
            created_at=created_at,
            updated_at=updated_at,
            work_item_status=work_item_status,
            businesses=businesses,
            priorities=priorities,
            tags=tags,
            template_ids=template_ids,
            tenant_group_id=tenant_group_id,
            expand=expand,
        )
        if page_num is not None:
            body["page_num"] = require_page_number(page_num, "page_num")
        if page_size is not None:
            body["page_size"] = require_page_number(
                page_size, "page_size", maximum=SEARCH_MAX_PAGE_SIZE
            )
        return await self._across_page(body)

    # -- every page ------------------------------------------------------------------------------

    async def iter_filter(
        self,
        project_key: str,
        *,
        work_item_type_keys: Iterable[str] | None = None,
        work_item_ids: Iterable[int | str] | None = None,
        work_item_name: str | None = None,
        user_keys: Iterable[str] | None = None,
        created_at: Any = None,
        updated_at: Any = None,
        work_item_status: Iterable[Any] | None = None,
        sub_stages: Iterable[str] | None = None,
        businesses: Iterable[str] | None = None,
        priorities: Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
        expand: Expand | Mapping[str, Any] | None = None,
        search_id: str | None = None,
        page_size: int = FILTER_MAX_PAGE_SIZE,
    ) -> AsyncIterator[WorkItem]:
        """Every work item of one space matching the filters, page after page.

        ``POST /open_api/{project_key}/work_item/filter`` (as many calls as needed)

        Pages are walked from 1 until the count reaches ``pagination.total``, or a page comes
        back short or empty (an empty page ends the walk even before ``total``); a server that
        serves fewer items per page than asked is followed. Should the server refuse the query
        as too broad (20094), the creation range is split as ``tasks.iter_search`` does (not
        with ``search_id``, which makes the server ignore it).

        Args:
            project_key, work_item_type_keys, work_item_ids, work_item_name, user_keys,
                created_at, updated_at, work_item_status, sub_stages, businesses, priorities,
                tags, expand, search_id: as ``filter``.
            page_size: items per request (default and maximum 200).

        Yields:
            ``WorkItem`` objects, each once.

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeeglePaginationError: the server answered a page that does not advance.

        Example::

            day_ago = int(time.time() * 1000) - 24 * 3600 * 1000
            async for item in client.work_items.iter_filter(
                "space", work_item_type_keys=["story"], updated_at={"start": day_ago}
            ):
                print(item.id, item.name, item.updated_at)
        """
        path = require_text(project_key, "project_key")
        body = self._filter_body(
            work_item_type_keys=work_item_type_keys,
            work_item_ids=work_item_ids,
            work_item_name=work_item_name,
            user_keys=user_keys,
            created_at=created_at,
            updated_at=updated_at,
            work_item_status=work_item_status,
            sub_stages=sub_stages,
            businesses=businesses,
            priorities=priorities,
            tags=tags,
            expand=expand,
            search_id=search_id,
        )
        size = require_page_number(page_size, "page_size", maximum=FILTER_MAX_PAGE_SIZE)

        def send(page_body: Mapping[str, Any]) -> Awaitable[WorkItemPage]:
            return self._filter_page(path, page_body)

        if search_id is not None:
            walk = _walk_pages(send, body, size, _FILTER)
        else:
            walk = _split_walk(_created_windows(send, body, size, _FILTER), created_at, _FILTER)
        async for item in walk:
            yield item

    async def iter_search_by_params(
        self,
        project_key: str,
        work_item_type_key: str,
        search_group: SearchGroup | Mapping[str, Any],
        *,
        fields: Iterable[str] | None = None,
        expand: Expand | Mapping[str, Any] | None = None,
        created_at: Any = None,
        page_size: int = SEARCH_MAX_PAGE_SIZE,
        resolve_labels: bool = True,
    ) -> AsyncIterator[WorkItem]:
        """Every work item matching a condition tree, page after page, past the 5000 cap.

        ``POST /open_api/{project_key}/work_item/{work_item_type_key}/search/params``
        (as many calls as needed)

        The query is first sent as given. When the server refuses it as larger than 5000
        results (20094), the creation range (``created_at``, by default from 2001-09-09, the
        first 13-digit millisecond, to now) is halved into windows that do not overlap, and
        each window is searched as ``search_group`` AND ``created_at >= start`` AND
        ``created_at <= end``: every item comes once. The two window conditions count towards
        the 50-condition limit. Each query's pages are walked from 1 until the count reaches
        ``pagination.total``, or a page comes back short or empty (an empty page ends the walk
        even before ``total``: it never makes the walk go on).

        Args:
            project_key, work_item_type_key, search_group, fields, expand, resolve_labels: as
                ``search_by_params`` (labels are resolved once, before the first page).
            created_at: limits the search to this creation range (``{"start": ms, "end": ms}``,
                ``end`` optional), sent as the two conditions above.
            page_size: items per request (default and maximum 50).

        Yields:
            ``WorkItem`` objects, each once.

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleTooManyResultsError: more than 5000 matching items were created in one
                millisecond, or the query is refused and ``search_group`` holds more than 48
                conditions (no room for the two window conditions).
            MeeglePaginationError: the server answered a page that does not advance.

        Example::

            group = {"conjunction": "AND", "search_params": [
                {"param_key": "work_item_status", "operator": "HAS ANY OF", "value": ["doing"]},
            ]}
            async for item in client.work_items.iter_search_by_params("space", "story", group):
                print(item.id, item.name)
        """
        path = _search_path(project_key, work_item_type_key)
        group, count = _search_group_json(search_group)
        body = _search_body(group, fields=fields, expand=expand)
        size = require_page_number(page_size, "page_size", maximum=SEARCH_MAX_PAGE_SIZE)
        splittable = count + 2 <= SEARCH_MAX_CONDITIONS
        if created_at is not None and not splittable:
            raise MeegleValidationError(
                f"search_group holds {count} conditions; with created_at's two the API's limit "
                f"of {SEARCH_MAX_CONDITIONS} is passed: simplify it or leave created_at out"
            )
        if require_flag(resolve_labels, "resolve_labels"):
            group = await self._resolve_labels(path, group)
            body["search_group"] = group

        def send(page_body: Mapping[str, Any]) -> Awaitable[WorkItemPage]:
            return self._search_page(path, page_body)

        def walk(window: tuple[int, int | None] | None) -> AsyncIterator[WorkItem]:
            if window is None:
                return _walk_pages(send, body, size, _SEARCH)
            bounded = {**body, "search_group": _within_created_at(group, *window)}
            return _walk_pages(send, bounded, size, _SEARCH)

        # A tree with no room for the two window conditions cannot be split: a refusal is raised.
        pages = _split_walk(walk, created_at, _SEARCH) if splittable else walk(None)
        async for item in pages:
            yield item

    async def iter_filter_across_projects(
        self,
        *,
        work_item_type_key: str,
        project_keys: Iterable[str] | None = None,
        simple_names: Iterable[str] | None = None,
        search_user: SearchUser | Mapping[str, Any] | None = None,
        work_item_ids: Iterable[int | str] | None = None,
        work_item_name: str | None = None,
        created_at: Any = None,
        updated_at: Any = None,
        work_item_status: Iterable[Any] | None = None,
        businesses: Iterable[str] | None = None,
        priorities: Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
        template_ids: Iterable[int | str] | None = None,
        tenant_group_id: int | None = None,
        expand: Expand | Mapping[str, Any] | None = None,
        page_size: int = SEARCH_MAX_PAGE_SIZE,
    ) -> AsyncIterator[WorkItem]:
        """Every work item of one type across spaces, page after page, past the 5000 cap.

        ``POST /open_api/work_items/filter_across_project`` (as many calls as needed)

        The query is first sent as given; when the server refuses it as larger than 5000 results
        (20094), its creation range (``created_at``, by default from 2001-09-09 to now) is halved
        into windows that do not overlap, each walked in turn: every item comes once. Each
        query's pages are walked from 1 until the count reaches ``pagination.total``, or a page
        comes back short or empty (an empty page ends the walk even before ``total``).

        Args:
            work_item_type_key, project_keys, simple_names, search_user, work_item_ids,
                work_item_name, created_at, updated_at, work_item_status, businesses,
                priorities, tags, template_ids, tenant_group_id, expand: as
                ``filter_across_projects``.
            page_size: items per request (default and maximum 50).

        Yields:
            ``WorkItem`` objects, each once.

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleTooManyResultsError: more than 5000 matching items were created in one
                millisecond (the range cannot be split further).
            MeeglePaginationError: the server answered a page that does not advance.

        Example::

            async for item in client.work_items.iter_filter_across_projects(
                work_item_type_key="issue", project_keys=["space_a", "space_b"]
            ):
                print(item.project_key, item.id, item.name)
        """
        body = self._across_body(
            work_item_type_key=work_item_type_key,
            project_keys=project_keys,
            simple_names=simple_names,
            search_user=search_user,
            work_item_ids=work_item_ids,
            work_item_name=work_item_name,
            created_at=created_at,
            updated_at=updated_at,
            work_item_status=work_item_status,
            businesses=businesses,
            priorities=priorities,
            tags=tags,
            template_ids=template_ids,
            tenant_group_id=tenant_group_id,
            expand=expand,
        )
        size = require_page_number(page_size, "page_size", maximum=SEARCH_MAX_PAGE_SIZE)
        walk = _created_windows(self._across_page, body, size, _ACROSS)
        async for item in _split_walk(walk, created_at, _ACROSS):
            yield item

    # -- bodies and requests ---------------------------------------------------------------------

    @staticmethod
    def _filter_body(
        *,
        work_item_type_keys: Iterable[str] | None,
        work_item_ids: Iterable[int | str] | None,
        work_item_name: str | None,
        user_keys: Iterable[str] | None,
        created_at: Any,
        updated_at: Any,
        work_item_status: Iterable[Any] | None,
        sub_stages: Iterable[str] | None,
        businesses: Iterable[str] | None,
        priorities: Iterable[str] | None,
        tags: Iterable[str] | None,
        expand: Expand | Mapping[str, Any] | None,
        search_id: str | None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if work_item_type_keys is not None:
            body["work_item_type_keys"] = require_text_list(
                work_item_type_keys, "work_item_type_keys", one_string_ok=True
            )
        _common_filters(
            body,
            work_item_ids=work_item_ids,
            work_item_name=work_item_name,
            created_at=created_at,
            updated_at=updated_at,
            work_item_status=work_item_status,
            businesses=businesses,
            priorities=priorities,
            tags=tags,
            expand=None,
            max_ids=None,
        )
        if user_keys is not None:
            body["user_keys"] = require_text_list(
                user_keys, "user_keys", maximum=FILTER_MAX_USER_KEYS, one_string_ok=True
            )
        if sub_stages is not None:
            body["sub_stages"] = require_text_list(sub_stages, "sub_stages", one_string_ok=True)
        if search_id is not None:
            if body:
                raise MeegleValidationError(
                    f"search_id cannot be combined with {', '.join(sorted(body))}: the server "
                    "ignores every other filter when a saved search is given"
                )
            body["search_id"] = require_text(search_id, "search_id")
        if expand is not None:
            body["expand"] = input_json(expand, Expand, name="expand")
        return body

    @staticmethod
    def _across_body(
        *,
        work_item_type_key: str,
        project_keys: Iterable[str] | None,
        simple_names: Iterable[str] | None,
        search_user: SearchUser | Mapping[str, Any] | None,
        work_item_ids: Iterable[int | str] | None,
        work_item_name: str | None,
        created_at: Any,
        updated_at: Any,
        work_item_status: Iterable[Any] | None,
        businesses: Iterable[str] | None,
        priorities: Iterable[str] | None,
        tags: Iterable[str] | None,
        template_ids: Iterable[int | str] | None,
        tenant_group_id: int | None,
        expand: Expand | Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "work_item_type_key": require_text(work_item_type_key, "work_item_type_key")
        }
        if project_keys is not None:
            body["project_keys"] = require_text_list(
                project_keys, "project_keys", one_string_ok=True
            )
        if simple_names is not None:
            body["simple_names"] = require_text_list(
                simple_names, "simple_names", one_string_ok=True
            )
        if search_user is not None:
            body["search_user"] = _search_user_json(search_user)
        _common_filters(
            body,
            work_item_ids=work_item_ids,
            work_item_name=work_item_name,
            created_at=created_at,
            updated_at=updated_at,
            work_item_status=work_item_status,
            businesses=businesses,
            priorities=priorities,
            tags=tags,
            expand=expand,
            max_ids=MAX_IDS_PER_REQUEST,
        )
        if template_ids is not None:
            body["template_ids"] = validate_ids(template_ids, name="template_ids")
        if tenant_group_id is not None:
            body["tenant_group_id"] = validate_id(tenant_group_id, name="tenant_group_id")
        return body

    async def _resolve_labels(
        self, path: Mapping[str, str], group: dict[str, Any]
    ) -> dict[str, Any]:
        """``group`` with option labels made ids (``helpers.search_labels``), from the type's
        cached metadata; as given when no condition could hold a label or the metadata cannot
        be read (the search then reports its own errors)."""
        if not has_label_candidates(group):
            return group
        try:
            metadata = await self.get_field_metadata(
                path["project_key"], path["work_item_type_key"]
            )
        except MeegleAPIError:
            return group
        return resolve_search_labels(group, metadata)

    async def _filter_page(self, project_key: str, body: Mapping[str, Any]) -> WorkItemPage:
        resp = await self._call(_FILTER, path_params={"project_key": project_key}, json=dict(body))
        return _page(resp.data, resp.pagination)

    async def _search_page(self, path: Mapping[str, str], body: Mapping[str, Any]) -> WorkItemPage:
        resp = await self._call(_SEARCH, path_params=path, json=dict(body))
        return _page(resp.data, resp.pagination)

    async def _across_page(self, body: Mapping[str, Any]) -> WorkItemPage:
        resp = await self._call(_ACROSS, json=dict(body))
        return _page(resp.data, resp.pagination)


def _page(data: Any, pagination: Mapping[str, Any] | None) -> WorkItemPage:
    return structure({"items": data or [], "pagination": pagination}, WorkItemPage)


def _search_path(project_key: str, work_item_type_key: str) -> dict[str, str]:
    return {
        "project_key": require_text(project_key, "project_key"),
        "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
    }


def _search_body(
    group: dict[str, Any],
    *,
    fields: Iterable[str] | None,
    expand: Expand | Mapping[str, Any] | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"search_group": group}
    if fields is not None:
        body["fields"] = check_fields(fields)
    if expand is not None:
        body["expand"] = input_json(expand, Expand, name="expand")
    return body
