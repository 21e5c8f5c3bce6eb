"""``client.resources``: the work item resource library (reusable resource instances)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any, Literal

from ..errors import MeegleValidationError
from ..helpers.by_ids import (
    Coalescer,
    FoundAndMissing,
    ServerHabit,
    fetch_by_ids,
    raise_missing,
)
from ..helpers.chunking import validate_id, validate_ids
from ..helpers.field_builder import FieldMetadataCache
from ..helpers.pagination import CursorPage, iter_cursor
from ..models.base import structure, structure_list
from ..models.common import FieldValuePair, SearchGroup, input_json, input_json_list
from ..models.resources import (
    CreateFromResourceResult,
    DataSource,
    ResourceInstance,
    ResourceSearchItem,
    ResourceSearchPage,
)
from ..models.work_items import Expand
from ._base import EndpointGroup, Requester
from ._checks import bad_answer, check_search_group, require_text, shown
from .work_items import (
    _CREATE_FORBIDDEN,
    WorkItems,
    _int_answer,
    _pairs_json,
    _positive_int,
)

__all__ = ["MAX_FIELD_SELECTED", "Resources"]

#: ``field_selected`` takes at most this many field keys.
MAX_FIELD_SELECTED = 20

#: What coalesced ``get`` calls must share: space, type, fields and expand (as JSON).
_Group = tuple[str, str, tuple[str, ...] | None, str | None]


class Resources(EndpointGroup):
    """The work item resource library: details, update, search, create, create items from it
    (``client.resources``)."""

    def __init__(
        self, request: Requester, *, field_metadata: FieldMetadataCache | None = None
    ) -> None:
        super().__init__(request)
        # fields= goes through the work items' builder and its (shared) metadata cache.
        self._items = WorkItems(request, field_metadata=field_metadata)
        self._habit = ServerHabit()  # what get_details learnt about unknown ids
        self._coalescer: Coalescer[_Group, ResourceInstance] = Coalescer(
            self._fetch_instances,
            endpoint="get_work_item_resource_instance_detail",
            what="resource instance",
        )

    async def get_details(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_ids: Iterable[int | str],
        *,
        fields: Iterable[str] | None = None,
        expand: Expand | Mapping[str, Any] | None = None,
        missing: Literal["raise", "skip"] = "skip",
    ) -> list[ResourceInstance]:
        """Resource instances by id: any number of ids, 50 a request, results in input order.

        ``POST /open_api/work_item/resource/query``

        Ids that are not resource instances of the type (or do not exist) follow one rule
        whatever the chunking, as in ``work_items.get_details``: ``missing="skip"`` (default)
        leaves them out; ``"raise"`` raises ``MeegleMissingIdsError`` with ``found`` and
        ``missing_ids``.

        Args:
            project_key: the space's project_key.
            work_item_type_key: the instances' type.
            work_item_ids: ids (ints or digit strings); an empty list returns ``[]``.
            fields: field keys to return (all when left out); ``-key`` leaves one out, not
                mixed with plain keys.
            expand: an ``Expand`` (or dict).
            missing: ``"raise"`` or ``"skip"``: what to do about ids that are not instances.

        Returns:
            The resource instances found, in the order of ``work_item_ids``.

        Raises:
            MeegleMissingIdsError: some ids are not resource instances and ``missing="raise"``.
            MeegleInvalidParamsError: bad ids (20005).

        Example::

            instances = await client.resources.get_details("space", "story", ids, missing="skip")
        """
        if missing not in ("raise", "skip"):
            raise MeegleValidationError(f'missing must be "raise" or "skip", not {shown(missing)}')
        ids = validate_ids(work_item_ids)
        group = self._items._details_group(project_key, work_item_type_key, fields, expand)
        outcome = await self._fetch_instances(group, ids)
        return raise_missing(
            ids,
            outcome,
            missing=missing,
            endpoint="get_work_item_resource_instance_detail",
            what="resource instance",
        )

    async def get(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        *,
        fields: Iterable[str] | None = None,
        expand: Expand | Mapping[str, Any] | None = None,
    ) -> ResourceInstance:
        """One resource instance by id; concurrent calls share one request of up to 50 ids.

        ``POST /open_api/work_item/resource/query``

        Coalesced like ``work_items.get`` (same space, type, ``fields`` and ``expand``, same
        loop iteration or ``coalesce_window``). Subtasks have no batch-by-id endpoint, so
        ``tasks`` has no such method.

        Args:
            project_key: the space's project_key.
            work_item_type_key: the instance's type.
            work_item_id: the id (an int or a digit string).
            fields: as for ``get_details``.
            expand: as for ``get_details``.

        Returns:
            The ``ResourceInstance``.

        Raises:
            MeegleValidationError: a bad id or option.
            MeegleNotFoundError: the id is not a resource instance of that type (30005).

        Example::

            instance = await client.resources.get("space", "story", 1001)
        """
        item_id = validate_id(work_item_id)
        group = self._items._details_group(project_key, work_item_type_key, fields, expand)
        return await self._coalescer.get(group, item_id)

    @property
    def coalesce_window(self) -> float:
        """Seconds ``get`` waits after a first call for others to join its request."""
        return self._coalescer.window

    @coalesce_window.setter
    def coalesce_window(self, seconds: float) -> None:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise MeegleValidationError(
                f"coalesce_window must be a number of seconds >= 0, not {shown(seconds)}"
            )
        self._coalescer.window = float(seconds)

    async def _fetch_instances(
        self, group: _Group, ids: list[int]
    ) -> FoundAndMissing[ResourceInstance]:
        project_key, work_item_type_key, fields, expand = group
        base: dict[str, Any] = {
            "project_key": project_key,
            "work_item_type_key": work_item_type_key,
        }
        if fields is not None:
            base["fields"] = list(fields)
        if expand is not None:
            base["expand"] = json.loads(expand)

        async def fetch(chunk: list[int]) -> list[ResourceInstance]:
            resp = await self._call(
                "get_work_item_resource_instance_detail", json={**base, "work_item_ids": chunk}
            )
            return structure_list(resp.data, ResourceInstance)

        return await fetch_by_ids(ids, fetch, _instance_id, habit=self._habit)

    async def update(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        update_fields: Iterable[FieldValuePair | Mapping[str, Any]] | None = None,
        *,
        idempotency_key: str | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> None:
        """Overwrite resource fields of a resource instance (other fields and roles are ignored).

        ``POST /open_api/work_item/resource/update``

        Args:
            update_fields: the fields and their new values, each once.
            fields: instead of ``update_fields``, human values by field key, alias or name
                (``work_items.build_fields`` of the type, ``purpose="update"``).

        Raises:
            MeegleValidationError: no fields, a field twice, both ``update_fields`` and
                ``fields``, any ``build_fields`` error.
            MeegleInvalidParamsError: a non-resource field (1000053593), a bad format
                (1000050183).
            MeegleNotFoundError: wrong space, type or id (30014).

        Example::

            await client.resources.update("space", "component", 501, [
                {"field_key": "description", "field_value": "v2"},
            ])
            await client.resources.update("space", "component", 501, fields={"tags": ["UX"]})
        """
        update_fields = await self._items._pairs_or_fields(
            project_key,
            work_item_type_key,
            update_fields,
            fields,
            "update_fields",
            purpose="update",
        )
        pairs = _pairs_json(update_fields, "update_fields", required=True)
        await self._call(
            "update_work_item_resource_instance",
            json={
                "project_key": require_text(project_key, "project_key"),
                "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
                "work_item_id": validate_id(work_item_id),
                "update_fields": pairs,
            },
            idempotency_key=idempotency_key,
        )

    async def search(
        self,
        data_sources: Iterable[DataSource | Mapping[str, Any]],
        search_group: SearchGroup | Mapping[str, Any],
        *,
        field_selected: Iterable[str] | None = None,
        page_size: int | None = None,
        search_after: str | None = None,
        features: Mapping[str, str] | None = None,
    ) -> ResourceSearchPage:
        """One page of resource instances matching ``search_group``.

        ``POST /open_api/work_item/resource/search/params``

        Args:
            data_sources: where to look: ``DataSource(project_key=..., work_item_type_keys=...)``
                or dicts; ``work_item_type_keys`` is ONE type key (a string).
            search_group: the conditions (``SearchGroup`` or dict), ``conjunction`` AND or OR;
                only creation/update time and people, space, resource id and repository
                config can be searched.
            field_selected: up to 20 field keys to return (only ``work_item_id`` otherwise).
            page_size: results per page (sent as ``pagination.page_size``).
            search_after: the previous page's ``pagination.search_after`` cursor.
            features: extended options such as ``{"FindAborted": "true"}``.

        Returns:
            ``ResourceSearchPage``: ``data`` (``ResourceSearchItem``) and ``pagination``;
            ``page.next_search_after`` is ``None`` on the last page.

        Raises:
            MeegleValidationError: no data source, a list as ``work_item_type_keys``, a bad
                conjunction, more than 20 ``field_selected``.
            MeegleInvalidParamsError: an unsupported search param, value or operator (20068,
                20069, 20063).

        Example::

            page = await client.resources.search(
                [{"project_key": "space", "work_item_type_keys": "component"}],
                {"conjunction": "AND", "search_params": [
                    {"param_key": "created_at", "operator": ">", "value": 1719878400000},
                ]},
                field_selected=["name"], page_size=50,
            )
        """
        body = _search_body(data_sources, search_group, field_selected, page_size, features)
        return await self._search_page(body, _cursor(search_after))

    def iter_search(
        self,
        data_sources: Iterable[DataSource | Mapping[str, Any]],
        search_group: SearchGroup | Mapping[str, Any],
        *,
        field_selected: Iterable[str] | None = None,
        page_size: int | None = None,
        search_after: str | None = None,
        features: Mapping[str, str] | None = None,
    ) -> AsyncIterator[ResourceSearchItem]:
        """Every resource instance matching ``search_group``, following ``search_after``.

        ``POST /open_api/work_item/resource/search/params``, page after page, until the server
        sends an empty or missing cursor, or an empty page (the walk ends there, whatever the
        cursor). The arguments are ``search``'s and are checked when this is called, before
        anything is sent.

        Raises:
            MeeglePaginationError: the server repeated a cursor (instead of looping forever).

        Example::

            async for item in client.resources.iter_search(sources, group, page_size=100):
                print(item.work_item_id)
        """
        body = _search_body(data_sources, search_group, field_selected, page_size, features)
        start = _cursor(search_after)

        async def fetch(cursor: str | None) -> CursorPage[ResourceSearchItem]:
            page = await self._search_page(body, cursor)
            return CursorPage(page.items, page.next_search_after)

        return iter_cursor(fetch, start=start, what="search_work_item_resource_instances")

    async def _search_page(
        self, body: Mapping[str, Any], search_after: str | None
    ) -> ResourceSearchPage:
        payload = dict(body)
        if search_after is not None:
            payload["pagination"] = {**payload.get("pagination", {}), "search_after": search_after}
        resp = await self._call("search_work_item_resource_instances", json=payload)
        return structure({"data": resp.data, "pagination": resp.pagination}, ResourceSearchPage)

    async def create(
        self,
        project_key: str,
        work_item_type_key: str,
        *,
        template_id: int | None = None,
        field_value_pairs: Iterable[FieldValuePair | Mapping[str, Any]] | None = None,
        idempotency_key: str | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> int:
        """Create a resource instance in the resource library; returns its id.

        ``POST /open_api/work_item/resource/create_work_item``

        Args:
            project_key: the space's project_key.
            work_item_type_key: a type with the resource library enabled.
            template_id: the process template (the type's first when left out).
            field_value_pairs: initial values (as for ``work_items.create``), each field once.
            fields: instead of ``field_value_pairs``, human values by field key, alias or name
                (``work_items.build_fields`` of the type; ``name`` is accepted, as this call
                has no ``name=``).

        Returns:
            The new resource work item's id (``data.work_item_id``).

        Raises:
            MeegleValidationError: both ``field_value_pairs`` and ``fields``, any
                ``build_fields`` error.
            MeegleInvalidParamsError: the type has no resource library (1000053507).

        Example::

            rid = await client.resources.create("space", "component", field_value_pairs=[
                {"field_key": "name", "field_value": "Button"},
            ])
            rid = await client.resources.create(
                "space", "component", fields={"name": "Button", "tags": ["UX"]}
            )
        """
        field_value_pairs = await self._items._pairs_or_fields(
            project_key,
            work_item_type_key,
            field_value_pairs,
            fields,
            "field_value_pairs",
            purpose="update",
        )
        body: dict[str, Any] = {
            "project_key": require_text(project_key, "project_key"),
            "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
        }
        if template_id is not None:
            body["template_id"] = _positive_int(template_id, "template_id")
        pairs = _pairs_json(field_value_pairs, "field_value_pairs")
        if pairs is not None:
            body["field_value_pairs"] = pairs
        resp = await self._call(
            "create_work_item_resource_repository", json=body, idempotency_key=idempotency_key
        )
        return _int_answer(resp, "create_work_item_resource_repository", key="work_item_id")

    async def create_work_item(
        self,
        project_key: str,
        resource_work_item_id: int | str,
        *,
        work_item_type_key: str,
        name: str | None = None,
        template_id: int | None = None,
        field_value_pairs: Iterable[FieldValuePair | Mapping[str, Any]] | None = None,
        idempotency_key: str | None = None,
    ) -> CreateFromResourceResult:
        """Create a work item from a resource instance (its resource fields are copied).

        ``POST /open_api/work_item/resource/{project_key}/{work_item_id}/create_instance``

        Args:
            project_key: the space's project_key or simple_name.
            resource_work_item_id: the resource instance to create from (the path's
                ``work_item_id``).
            work_item_type_key: the type to create; must match the resource's type.
            name: the title (ignored when ``name`` is a resource field; never inside the pairs).
            template_id: the process template (never inside the pairs).
            field_value_pairs: other fields, each once.

        Returns:
            ``CreateFromResourceResult``: ``work_item_id`` of the new item and
            ``ignore_create_info`` (fields and roles the server ignored).

        Raises:
            MeegleInvalidParamsError: pairs that do not fit the field (20006).

        Example::

            result = await client.resources.create_work_item(
                "space", 501, work_item_type_key="story", name="Button for checkout",
            )
            print(result.work_item_id, result.ignore_create_info)
        """
        body: dict[str, Any] = {
            "work_item_type_key": require_text(work_item_type_key, "work_item_type_key")
        }
        if name is not None:
            body["name"] = require_text(name, "name")
        if template_id is not None:
            body["template_id"] = _positive_int(template_id, "template_id")
        pairs = _pairs_json(field_value_pairs, "field_value_pairs", forbidden=_CREATE_FORBIDDEN)
        if pairs is not None:
            body["field_value_pairs"] = pairs
        resp = await self._call(
            "create_work_item_through_resources",
            path_params={
                "project_key": require_text(project_key, "project_key"),
                "work_item_id": validate_id(resource_work_item_id, name="resource_work_item_id"),
            },
            json=body,
            idempotency_key=idempotency_key,
        )
        if not isinstance(resp.data, Mapping):
            raise bad_answer(resp, "expected an object")
        return structure(resp.data, CreateFromResourceResult)


def _instance_id(instance: ResourceInstance) -> int:
    # Instances without an id cannot match a requested id; -1 never does.
    return instance.id if instance.id is not None else -1


def _cursor(search_after: str | None) -> str | None:
    if search_after is None:
        return None
    if not isinstance(search_after, str):
        raise MeegleValidationError(
            f"search_after must be a string cursor, not {shown(search_after)}"
        )
    return search_after or None


def _search_body(
    data_sources: Iterable[DataSource | Mapping[str, Any]],
    search_group: SearchGroup | Mapping[str, Any],
    field_selected: Iterable[str] | None,
    page_size: int | None,
    features: Mapping[str, str] | None,
) -> dict[str, Any]:
    if isinstance(data_sources, (DataSource, Mapping)):
        data_sources = [data_sources]
    given = list(data_sources) if isinstance(data_sources, Iterable) else data_sources
    for i, source in enumerate(given if isinstance(given, list) else ()):
        # Checked before conversion, which would turn a list into its str().
        keys = source.get("work_item_type_keys") if isinstance(source, Mapping) else None
        if not isinstance(keys, (str, type(None))):
            raise MeegleValidationError(
                f"data_sources[{i}].work_item_type_keys is one type key (a string) despite "
                f"its name, not {type(keys).__name__}: use one data source per type"
            )
    sources = input_json_list(given, DataSource, name="data_sources")
    if not sources:
        raise MeegleValidationError("data_sources is empty: give at least one space and type")
    for i, source in enumerate(sources):
        require_text(source.get("project_key"), f"data_sources[{i}].project_key")
        require_text(source.get("work_item_type_keys"), f"data_sources[{i}].work_item_type_keys")
    group = input_json(search_group, SearchGroup, name="search_group")
    check_search_group(group, "search_group")
    body: dict[str, Any] = {"data_sources": sources, "search_group": group}
    if field_selected is not None:
        if isinstance(field_selected, (str, bytes)) or not isinstance(field_selected, Iterable):
            raise MeegleValidationError("field_selected must be a list of field keys")
        selected = list(field_selected)
        if len(selected) > MAX_FIELD_SELECTED:
            raise MeegleValidationError(
                f"field_selected has {len(selected)} field keys; at most {MAX_FIELD_SELECTED} "
                "can be selected"
            )
        for i, key in enumerate(selected):
            require_text(key, f"field_selected[{i}]")
        body["field_selected"] = selected
    if page_size is not None:
        body["pagination"] = {"page_size": _positive_int(page_size, "page_size")}
    if features is not None:
        if not isinstance(features, Mapping):
            raise MeegleValidationError(
                'features must be a dict such as {"FindAborted": "true"}, not '
                f"{type(features).__name__}"
            )
        body["features"] = dict(features)
    return body
