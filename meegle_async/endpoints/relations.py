"""``client.relations``: how work items are linked.

- Work item relations (``list``, ``create``, ``update``, ``delete``): the relation definitions of
  a space (which work item type links to which types in which spaces); a relation field names one
  by its id (``work_item_relation_uuid``).
- Space association (``get_rules``, ``list_instances``, ``bind``, ``unbind``): rules that link
  work item types across spaces, and the work items bound to a work item under them.
- Story relations (``create_story_relations``, ``query_story_relations``): pairwise links made
  through a work item relation.
- ``search`` / ``iter_search``: the work items a work item links through a relation field
  (10 requests a second; at most 5000 results).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any, Literal

from ..errors import MeegleTooManyResultsError, MeegleValidationError
from ..helpers.pagination import NumberedPage, iter_page_numbers
from ..models.base import structure, structure_list
from ..models.common import input_json, input_json_list
from ..models.relations import (
    ProjectRelationRules,
    RelationBindInstance,
    RelationInstance,
    StoryRelation,
    StoryRelations,
    WorkItemRelation,
    WorkItemRelationDetail,
)
from ..models.search import WorkItemPage
from ..models.work_items import Expand, WorkItem
from ._base import EndpointGroup
from ._checks import (
    bad_answer,
    item_path,
    require_id,
    require_ids,
    require_literal,
    require_page_number,
    require_text,
    require_text_list,
    shown,
)

__all__ = ["MAX_RELATION_PAGE_SIZE", "RELATION_SEARCH_RESULT_CAP", "Relations"]

#: ``relations.search`` returns at most this many work items a page.
MAX_RELATION_PAGE_SIZE = 50
#: ``relations.search`` refuses a work item linking more than this many (20055).
RELATION_SEARCH_RESULT_CAP = 5000

_SEARCH = "search_work_items_relation"


def _details(values: Iterable[Any] | None) -> list[dict[str, Any]]:
    if values is None:
        raise MeegleValidationError("relation_details is required")
    details = input_json_list(
        values,
        WorkItemRelationDetail,
        name="relation_details",
    )
    if not details:
        raise MeegleValidationError("relation_details needs at least one target")
    for i, detail in enumerate(details):
        require_text(detail.get("project_key"), f"relation_details[{i}].project_key")
        require_text(detail.get("work_item_type_key"), f"relation_details[{i}].work_item_type_key")
    return details


def _relation_id(value: object) -> str:
    return require_text(value, "relation_id")


class Relations(EndpointGroup):
    """Relations between work items: ``client.relations.list(...)``, ``create``, ``bind``,
    ``list_instances``, ``search``, ..."""

    # -- work item relations (definitions) -------------------------------------------------------

    async def list(self, project_key: str) -> Sequence[WorkItemRelation]:
        """The work item relations defined in a space.

        GET /open_api/{project_key}/work_item/relation

        Returns:
            ``WorkItemRelation`` objects (``id``, ``name``, ``work_item_type_key``,
            ``relation_details``).

        Raises:
            MeegleValidationError: an empty project key; nothing was sent.
            MeegleInvalidParamsError: no such space (1000052062).

        Example::

            for relation in await client.relations.list("space"):
                print(relation.id, relation.name, relation.work_item_type_key)
        """
        path = {"project_key": require_text(project_key, "project_key")}
        resp = await self._call("query_work_item_relation", path_params=path)
        return structure_list(resp.data or [], WorkItemRelation)

    async def create(
        self,
        project_key: str,
        work_item_type_key: str,
        *,
        name: str,
        relation_details: Iterable[WorkItemRelationDetail | Mapping[str, Any]],
        idempotency_key: str | None = None,
    ) -> str:
        """Define a work item relation from a type of this space to types of any spaces.

        POST /open_api/work_item/relation/create

        Only space administrators may (10001 otherwise).

        Args:
            project_key: the space (project key or simple name).
            work_item_type_key: the type the relation starts from.
            name: the relation's name, unique in the space.
            relation_details: targets, each a ``WorkItemRelationDetail`` (or dict) with
                ``project_key`` and ``work_item_type_key``.
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Returns:
            The new relation's id (a UUID string).

        Raises:
            MeegleValidationError: a missing name or target; nothing was sent.
            MeegleInvalidParamsError: the name is taken (50006).
            MeeglePermissionError: the user is not a space administrator (10001).

        Example::

            relation_id = await client.relations.create(
                "space", "story", name="Blocked by",
                relation_details=[{"project_key": "space", "work_item_type_key": "bug"}],
            )
        """
        body = {
            "project_key": require_text(project_key, "project_key"),
            "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
            "name": require_text(name, "name"),
            "relation_details": _details(relation_details),
        }
        resp = await self._call(
            "create_work_item_relation", json=body, idempotency_key=idempotency_key
        )
        data = resp.data
        relation_id = data.get("relation_id") if isinstance(data, Mapping) else None
        if not isinstance(relation_id, str) or not relation_id:
            raise bad_answer(resp, "an object with the new relation_id")
        return relation_id

    async def update(
        self,
        project_key: str,
        relation_id: str,
        *,
        work_item_type_key: str,
        name: str,
        relation_details: Iterable[WorkItemRelationDetail | Mapping[str, Any]],
        idempotency_key: str | None = None,
    ) -> None:
        """Overwrite a work item relation: its name and every target are replaced.

        POST /open_api/work_item/relation/update

        Args:
            project_key: the space.
            relation_id: the relation (from ``list`` or ``create``).
            work_item_type_key: the type the relation starts from.
            name: the name (unique in the space).
            relation_details: the complete new list of targets.
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Raises:
            MeegleValidationError: a missing name, id or target; nothing was sent.
            MeegleInvalidParamsError: the name is taken (50006).
            MeeglePermissionError: the user is not a space administrator (10001).

        Example::

            await client.relations.update(
                "space", relation_id, work_item_type_key="story", name="Blocked by",
                relation_details=[{"project_key": "space", "work_item_type_key": "bug"}],
            )
        """
        body = {
            "project_key": require_text(project_key, "project_key"),
            "relation_id": _relation_id(relation_id),
            "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
            "name": require_text(name, "name"),
            "relation_details": _details(relation_details),
        }
        await self._call("update_work_item_relation", json=body, idempotency_key=idempotency_key)

    async def delete(
        self, project_key: str, relation_id: str, *, idempotency_key: str | None = None
    ) -> None:
        """Delete a work item relation.

        DELETE /open_api/work_item/relation/delete (the ids go in a JSON body)

        Raises:
            MeegleValidationError: an empty id; nothing was sent.
            MeegleNotFoundError: already deleted, or no such relation (50006).

        Example::

            await client.relations.delete("space", relation_id)
        """
        body = {
            "project_key": require_text(project_key, "project_key"),
            "relation_id": _relation_id(relation_id),
        }
        await self._call("delete_work_item_relation", json=body, idempotency_key=idempotency_key)

    # -- space association ----------------------------------------------------------------------

    async def get_rules(
        self, project_key: str, *, remote_projects: Sequence[str] | None = None
    ) -> Sequence[ProjectRelationRules]:
        """The space association rules of a space, grouped by the remote space.

        POST /open_api/{project_key}/relation/rules

        Args:
            project_key: the space.
            remote_projects: only the rules towards these spaces (project keys).

        Returns:
            ``ProjectRelationRules`` objects: ``remote_project_key`` and its ``rules``.

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleInvalidParamsError: wrong project key (1000052062).
            MeegleNotFoundError: unknown simple name (1000052063).

        Example::

            for group in await client.relations.get_rules("space"):
                for rule in group.rules or []:
                    print(group.remote_project_key, rule.id, rule.name)
        """
        path = {"project_key": require_text(project_key, "project_key")}
        body: dict[str, Any] = {}
        if remote_projects is not None:
            body["remote_projects"] = require_text_list(remote_projects, "remote_projects")
        resp = await self._call("query_project_relation", path_params=path, json=body)
        return structure_list(resp.data or [], ProjectRelationRules)

    async def list_instances(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        *,
        relation_rule_id: str | None = None,
        relation_work_item_id: int | str | None = None,
        relation_work_item_type_key: str | None = None,
        relation_project_key: str | None = None,
    ) -> Sequence[RelationInstance]:
        """The work items bound to a work item by space association.

        POST /open_api/{project_key}/relation/{work_item_type_key}/{work_item_id}/work_item_list

        Args:
            project_key, work_item_type_key, work_item_id: the work item.
            relation_rule_id: only bindings under this rule (from ``get_rules``).
            relation_work_item_id: only this bound work item.
            relation_work_item_type_key: only bound work items of this type.
            relation_project_key: only bound work items of this space.

        Returns:
            ``RelationInstance`` objects.

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleNotFoundError: no such work item (30005).
            MeegleTooManyResultsError: more bindings than the system returns (50006).

        Example::

            for bound in await client.relations.list_instances("space", "story", 1001):
                print(bound.relation_project_key, bound.relation_work_item_id)
        """
        path = item_path(project_key, work_item_type_key, work_item_id)
        body: dict[str, Any] = {}
        if relation_rule_id is not None:
            body["relation_rule_id"] = require_text(relation_rule_id, "relation_rule_id")
        if relation_work_item_id is not None:
            body["relation_work_item_id"] = require_id(
                relation_work_item_id, name="relation_work_item_id"
            )
        if relation_work_item_type_key is not None:
            body["relation_work_item_type_key"] = require_text(
                relation_work_item_type_key, "relation_work_item_type_key"
            )
        if relation_project_key is not None:
            body["relation_project_key"] = require_text(
                relation_project_key, "relation_project_key"
            )
        resp = await self._call("query_project_relation_instance", path_params=path, json=body)
        return structure_list(resp.data or [], RelationInstance)

    async def bind(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        instances: Iterable[RelationBindInstance | Mapping[str, Any]],
        *,
        relation_rule_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Bind work items to a work item by space association.

        POST /open_api/{project_key}/relation/{work_item_type_key}/{work_item_id}/batch_bind

        Args:
            project_key, work_item_type_key, work_item_id: the work item.
            instances: the work items to bind, ``RelationBindInstance``s (or dicts), each with
                a ``work_item_id`` (and its ``project_key``, ``work_item_type_key``,
                ``chat_group_merge`` where needed).
            relation_rule_id: the rule to bind under (from ``get_rules``).
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Raises:
            MeegleValidationError: no instances, or one without a valid ``work_item_id``;
                nothing was sent.
            MeegleStateConflictError: a binding exists already (1000051617).
            MeegleNotFoundError: no such work item (30005) or bound work item (30015).

        Example::

            await client.relations.bind(
                "space", "story", 1001,
                [{"project_key": "space_ops", "work_item_type_key": "story", "work_item_id": 2002}],
                relation_rule_id=rule_id,
            )
        """
        path = item_path(project_key, work_item_type_key, work_item_id)
        items = input_json_list(
            instances,
            RelationBindInstance,
            name="instances",
        )
        if not items:
            raise MeegleValidationError("instances needs at least one work item to bind")
        for i, item in enumerate(items):
            item["work_item_id"] = require_id(
                item.get("work_item_id"), name=f"instances[{i}].work_item_id"
            )
        body: dict[str, Any] = {"instances": items}
        if relation_rule_id is not None:
            body["relation_rule_id"] = require_text(relation_rule_id, "relation_rule_id")
        await self._call(
            "create_project_relation_instances",
            path_params=path,
            json=body,
            idempotency_key=idempotency_key,
        )

    async def unbind(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        *,
        relation_work_item_id: int | str,
        relation_rule_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Unbind a work item from a work item's space association.

        DELETE /open_api/{project_key}/relation/{work_item_type_key}/{work_item_id}

        Args:
            project_key, work_item_type_key, work_item_id: the work item.
            relation_work_item_id: the bound work item to unbind. Required here: the spec lets
                it out, with an effect it does not define, which is no way to delete links.
            relation_rule_id: the rule it is bound under.
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Raises:
            MeegleValidationError: bad ids; nothing was sent.
            MeegleInvalidParamsError: no such binding or rule (20006).

        Example::

            await client.relations.unbind(
                "space", "story", 1001, relation_work_item_id=2002, relation_rule_id=rule_id
            )
        """
        path = item_path(project_key, work_item_type_key, work_item_id)
        body: dict[str, Any] = {
            "relation_work_item_id": require_id(relation_work_item_id, name="relation_work_item_id")
        }
        if relation_rule_id is not None:
            body["relation_rule_id"] = require_text(relation_rule_id, "relation_rule_id")
        await self._call(
            "delete_project_relation_instance",
            path_params=path,
            json=body,
            idempotency_key=idempotency_key,
        )

    # -- story relations ------------------------------------------------------------------------

    async def create_story_relations(
        self,
        project_key: str,
        story_relations: Iterable[StoryRelation | Mapping[str, Any]],
        *,
        idempotency_key: str | None = None,
    ) -> Mapping[str, int]:
        """Link work items pairwise through a work item relation.

        POST /open_api/{project_key}/story_relations/create

        Args:
            project_key: the space of the local work items.
            story_relations: ``StoryRelation``s (or dicts): ``local_work_item_id``,
                ``remote_work_item_id``, ``relation_id`` (optional ``merge_group``).
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Returns:
            The server's answer, a mapping of strings to numbers (the Go SDK's
            ``map[string]int64``), as sent.

        Raises:
            MeegleValidationError: an empty list or a link without both ids; nothing was sent.

        Example::

            await client.relations.create_story_relations(
                "space", [{"local_work_item_id": 1001, "remote_work_item_id": 1002,
                           "relation_id": relation_id}],
            )
        """
        path = {"project_key": require_text(project_key, "project_key")}
        links = input_json_list(
            story_relations,
            StoryRelation,
            name="story_relations",
        )
        if not links:
            raise MeegleValidationError("story_relations needs at least one link")
        for i, link in enumerate(links):
            for key in ("local_work_item_id", "remote_work_item_id"):
                link[key] = require_id(link.get(key), name=f"story_relations[{i}].{key}")
            if link.get("relation_id") is not None:
                require_text(link["relation_id"], f"story_relations[{i}].relation_id")
        resp = await self._call(
            "create_story_relations",
            path_params=path,
            json={"story_relations": links},
            idempotency_key=idempotency_key,
        )
        data = resp.data if resp.data is not None else {}
        if not isinstance(data, Mapping):
            raise bad_answer(resp, "an object")
        return dict(data)

    async def query_story_relations(
        self, project_key: str, work_item_ids: Iterable[int | str]
    ) -> StoryRelations:
        """The work items linked to each of some work items.

        POST /open_api/{project_key}/story_relations/query

        Returns:
            ``StoryRelations``: ``linked(id)`` gives the ids linked to ``id``, ``project_of(id)``
            the space of a work item the answer names.

        Raises:
            MeegleValidationError: no ids or bad ids; nothing was sent.

        Example::

            links = await client.relations.query_story_relations("space", [1001])
            print(links.linked(1001))
        """
        path = {"project_key": require_text(project_key, "project_key")}
        ids = require_ids(work_item_ids)
        if not ids:
            raise MeegleValidationError("work_item_ids needs at least one id")
        resp = await self._call(
            "query_story_relations", path_params=path, json={"work_item_ids": ids}
        )
        data = resp.data if resp.data is not None else {}
        if not isinstance(data, Mapping):
            raise bad_answer(resp, "an object with work_item_project_map and value")
        return structure(data, StoryRelations)

    # -- search by relation ---------------------------------------------------------------------

    async def search(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        *,
        relation_work_item_type_key: str,
        relation_key: str,
        relation_type: Literal[0, 1] | None = None,
        expand: Expand | Mapping[str, Any] | None = None,
        page_num: int | None = None,
        page_size: int | None = None,
    ) -> WorkItemPage:
        """One page of the work items a work item links through a relation field.

        POST /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/search_by_relation

        10 requests a second. A work item linking more than 5000 work items is refused
        (``MeegleTooManyResultsError``); nothing narrows this search, so ``iter_search`` cannot
        split it either.

        Args:
            project_key, work_item_type_key, work_item_id: the source work item.
            relation_work_item_type_key: the type of the linked work items to return.
            relation_key: the relation field's key (``relation_type=0``, the default) or its
                docking identifier (``relation_type=1``).
            relation_type: 0 field key, 1 docking identifier.
            expand: an ``Expand`` (or dict) asking for more data per item.
            page_num: page, from 1.
            page_size: work items per page, at most 50 (server default 50).

        Returns:
            A ``WorkItemPage``: ``items`` and ``pagination`` (``total``).

        Raises:
            MeegleValidationError: bad input (``page_size`` over 50, ``relation_type`` not 0
                or 1); nothing was sent.
            MeegleTooManyResultsError: more than 5000 linked work items (20055).
            MeegleNotFoundError: ``relation_key`` is not a relation field (30018).
            MeegleInvalidParamsError: the field does not link that type (20060).

        Example::

            page = await client.relations.search(
                "space", "story", 1001, relation_work_item_type_key="bug",
                relation_key="field_blocked_by",
            )
        """  # noqa: E501 (the endpoint path is longer than a line)
        path, body = self._search_request(
            project_key,
            work_item_type_key,
            work_item_id,
            relation_work_item_type_key=relation_work_item_type_key,
            relation_key=relation_key,
            relation_type=relation_type,
            expand=expand,
        )
        if page_num is not None:
            body["page_num"] = require_page_number(page_num, "page_num")
        if page_size is not None:
            body["page_size"] = require_page_number(
                page_size, "page_size", maximum=MAX_RELATION_PAGE_SIZE
            )
        return await self._search_page(path, body)

    @staticmethod
    def _search_request(
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        *,
        relation_work_item_type_key: str,
        relation_key: str,
        relation_type: int | None,
        expand: Expand | Mapping[str, Any] | None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        path = item_path(project_key, work_item_type_key, work_item_id)
        body: dict[str, Any] = {
            "relation_work_item_type_key": require_text(
                relation_work_item_type_key, "relation_work_item_type_key"
            ),
            "relation_key": require_text(relation_key, "relation_key"),
        }
        if relation_type is not None:
            # 0: relation_key is the field key; 1: its docking identifier.
            body["relation_type"] = require_literal(relation_type, "relation_type", (0, 1))
        if expand is not None:
            body["expand"] = input_json(expand, Expand, name="expand")
        return path, body

    async def _search_page(self, path: Mapping[str, Any], body: Mapping[str, Any]) -> WorkItemPage:
        resp = await self._call(_SEARCH, path_params=path, json=dict(body))
        if resp.data is not None and not isinstance(resp.data, Sequence):
            raise bad_answer(resp, "a list of work items")
        return structure({"items": resp.data or [], "pagination": resp.pagination}, WorkItemPage)

    async def iter_search(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        *,
        relation_work_item_type_key: str,
        relation_key: str,
        relation_type: Literal[0, 1] | None = None,
        expand: Expand | Mapping[str, Any] | None = None,
        page_size: int = MAX_RELATION_PAGE_SIZE,
    ) -> AsyncIterator[WorkItem]:
        """Every work item a work item links through a relation field, page after page.

        POST /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/search_by_relation
        (as many calls as needed, at most 10 a second)

        The walk stops on an empty or short page, or once ``pagination.total`` items came; a
        page that repeats the one before raises ``MeeglePaginationError``. The API serves at
        most 5000 linked items and this search has no filter to split by: when the first page
        says more than 5000 (or the server refuses with 20055), ``MeegleTooManyResultsError`` is
        raised before anything is yielded, saying so.

        Yields:
            ``WorkItem`` objects, in the server's order.

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleTooManyResultsError: more than 5000 linked work items.

        Example::

            async for item in client.relations.iter_search(
                "space", "story", 1001, relation_work_item_type_key="bug",
                relation_key="field_blocked_by",
            ):
                print(item.id, item.name)
        """  # noqa: E501 (the endpoint path is longer than a line)
        path, body = self._search_request(
            project_key,
            work_item_type_key,
            work_item_id,
            relation_work_item_type_key=relation_work_item_type_key,
            relation_key=relation_key,
            relation_type=relation_type,
            expand=expand,
        )
        size = require_page_number(page_size, "page_size", maximum=MAX_RELATION_PAGE_SIZE)
        hint = (
            f"work item {path['work_item_id']} links more than {RELATION_SEARCH_RESULT_CAP} "
            f"{body['relation_work_item_type_key']} items through {shown(body['relation_key'])}; "
            "search_by_relation serves at most 5000 and cannot be narrowed: read the relation "
            "field's values from work_items.get_details instead"
        )

        async def fetch(page_num: int) -> NumberedPage[WorkItem]:
            try:
                page = await self._search_page(
                    path, {**body, "page_num": page_num, "page_size": size}
                )
            except MeegleTooManyResultsError as err:
                raise MeegleTooManyResultsError(
                    hint,
                    code=err.code,
                    detail=err.detail,
                    log_id=err.log_id,
                    http_status=err.http_status,
                    endpoint=_SEARCH,
                ) from err
            total = page.total
            if total is not None and total > RELATION_SEARCH_RESULT_CAP:
                raise MeegleTooManyResultsError(
                    f"{hint} (the server counts {total})", endpoint=_SEARCH
                )
            pagination = page.pagination
            return NumberedPage(
                page.items or [], pagination.page_num if pagination is not None else None, total
            )

        async for item in iter_page_numbers(
            fetch, page_size=size, key=lambda w: w.id, what=_SEARCH
        ):
            yield item
