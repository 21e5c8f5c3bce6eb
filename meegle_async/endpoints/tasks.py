"""``client.tasks``: subtasks on workflow nodes (search across spaces, details, writes)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Hashable, Mapping, Sequence
from typing import Any

from .._text import shown
from ..errors import MeegleServerError, MeegleValidationError
from ..helpers.chunking import validate_id
from ..helpers.pagination import NumberedPage, iter_page_numbers
from ..helpers.splitting import (
    MIN_TIMESTAMP_MS,
    check_time_range,
    iter_created_at_windows,
    now_ms,
)
from ..models.base import structure, structure_list
from ..models.common import FieldValuePair, RoleOwner, Schedule, input_json, input_json_list
from ..models.enums import SubtaskAction
from ..models.tasks import NodeTask, TaskSearchItem, TaskSearchPage
from ..transport.response import RawResponse
from ._base import EndpointGroup
from ._checks import require_page_number, require_text, require_text_list

__all__ = [
    "DEFAULT_TASK_PAGE_SIZE",
    "MAX_SPACES_PER_TASK_SEARCH",
    "TASK_SEARCH_RESULT_CAP",
    "Tasks",
]

#: The server's page size when none is sent.
DEFAULT_TASK_PAGE_SIZE = 50
#: A subtask search matching more than this is refused (err_code 20094).
TASK_SEARCH_RESULT_CAP = 5000
#: ``project_keys`` and ``simple_names`` together name at most this many spaces.
MAX_SPACES_PER_TASK_SEARCH = 10

_SEARCH = "get_task_list_across_space"
_DETAILS = "get_task_details"
_CREATE = "create_tasks"
_UPDATE = "update_tasks"
_MODIFY = "complete_or_rollback_tasks"
_DELETE = "delete_tasks"


def _item_path(
    project_key: str, work_item_type_key: str, work_item_id: int | str
) -> dict[str, Any]:
    return {
        "project_key": require_text(project_key, "project_key"),
        "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
        "work_item_id": validate_id(work_item_id),
    }


def _owners_json(
    assignee: Sequence[str] | None,
    role_assignee: Sequence[RoleOwner | Mapping[str, Any]] | None,
) -> dict[str, Any]:
    if assignee is not None and role_assignee is not None:
        raise MeegleValidationError(
            "assignee and role_assignee cannot be set together: pass assignee when the node's "
            "owners are not linked with roles, role_assignee when they are"
        )
    body: dict[str, Any] = {}
    if assignee is not None:
        body["assignee"] = require_text_list(assignee, "assignee")
    if role_assignee is not None:
        body["role_assignee"] = input_json_list(role_assignee, RoleOwner, name="role_assignee")
    return body


def _search_body(
    *,
    project_keys: Sequence[str] | None,
    simple_names: Sequence[str] | None,
    name: str | None,
    user_keys: Sequence[str] | None,
    status: int | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    spaces: list[str] = []
    if project_keys is not None:
        body["project_keys"] = require_text_list(project_keys, "project_keys")
        spaces += body["project_keys"]
    if simple_names is not None:
        body["simple_names"] = require_text_list(simple_names, "simple_names")
        spaces += body["simple_names"]
    if len(set(spaces)) > MAX_SPACES_PER_TASK_SEARCH:
        raise MeegleValidationError(
            f"project_keys and simple_names name {len(set(spaces))} spaces together; the "
            f"search takes at most {MAX_SPACES_PER_TASK_SEARCH}: search in several calls"
        )
    if name is not None:
        if not isinstance(name, str):
            raise MeegleValidationError(f"name must be a string, not {shown(name)}")
        body["name"] = name
    if user_keys is not None:
        body["user_keys"] = require_text_list(user_keys, "user_keys")
    if status is not None:
        if isinstance(status, bool) or status not in (0, 1):
            raise MeegleValidationError(
                f"status must be 0 (in progress) or 1 (completed), not {shown(status)}"
            )
        body["status"] = status
    return body


def _time_range_json(lo: int, hi: int | None) -> dict[str, int]:
    return {"start": lo} if hi is None else {"start": lo, "end": hi}


def _search_key(item: TaskSearchItem) -> Hashable:
    ident = item.task_id
    # Without an id an item cannot be told apart from another: give it a key equal to nothing.
    return ident if ident is not None else object()


class Tasks(EndpointGroup):
    """Subtasks: ``client.tasks.search(...)``, ``get_details``, ``create``, ``update``, ...

    Subtask ids are strings in answers; every method taking a ``task_id`` accepts that string
    (or an int) and sends it the way its endpoint wants it.
    """

    # -- search --------------------------------------------------------------------------------

    async def search(
        self,
        *,
        project_keys: Sequence[str] | None = None,
        simple_names: Sequence[str] | None = None,
        name: str | None = None,
        user_keys: Sequence[str] | None = None,
        status: int | None = None,
        created_at: Any = None,
        page_num: int | None = None,
        page_size: int | None = None,
    ) -> TaskSearchPage:
        """Search subtasks across spaces: one page.

        POST /open_api/work_item/subtask/search

        A query matching more than 5000 subtasks is refused (``MeegleTooManyResultsError``);
        ``iter_search`` walks past that by splitting the creation time range.

        Args:
            project_keys: spaces by project key. With ``simple_names``, at most 10 spaces; with
                neither, every space where the plugin is installed and the user has access.
            simple_names: spaces by simple name.
            name: part of the subtask name (fuzzy match).
            user_keys: subtask owners.
            status: 0 in progress, 1 completed.
            created_at: ``{"start": ms, "end": ms}`` (13-digit milliseconds, inclusive; ``end``
                optional, meaning now) or a ``(start, end)`` pair.
            page_num: page, from 1 (server default 1).
            page_size: results per page (server default 50).

        Returns:
            A ``TaskSearchPage``: ``items`` and ``pagination`` (``total`` counts every match).

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleTooManyResultsError: the query matches more than 5000 subtasks (20094).
            MeegleInvalidParamsError: the server refused the parameters (20013, 20057).

        Example::

            page = await client.tasks.search(project_keys=["space"], status=0, page_size=100)
            for item in page.items or []:
                print(item.work_item_id, item.node_id, item.sub_task.name)
        """
        body = _search_body(
            project_keys=project_keys,
            simple_names=simple_names,
            name=name,
            user_keys=user_keys,
            status=status,
        )
        if created_at is not None:
            body["created_at"] = _time_range_json(*check_time_range(created_at))
        if page_num is not None:
            body["page_num"] = require_page_number(page_num, "page_num")
        if page_size is not None:
            body["page_size"] = require_page_number(
                page_size, "page_size", maximum=TASK_SEARCH_RESULT_CAP
            )
        return await self._search_page(body)

    async def _search_page(self, body: Mapping[str, Any]) -> TaskSearchPage:
        resp = await self._call(_SEARCH, json=dict(body))
        return structure({"items": resp.data or [], "pagination": resp.pagination}, TaskSearchPage)

    async def iter_search(
        self,
        *,
        project_keys: Sequence[str] | None = None,
        simple_names: Sequence[str] | None = None,
        name: str | None = None,
        user_keys: Sequence[str] | None = None,
        status: int | None = None,
        created_at: Any = None,
        since: int | None = None,
        page_size: int = DEFAULT_TASK_PAGE_SIZE,
    ) -> AsyncIterator[TaskSearchItem]:
        """Every subtask matching the filters, page after page, past the 5000-result cap.

        ``POST /open_api/work_item/subtask/search`` (as many calls as needed)

        The walk always runs over a closed creation range ``[start, end]``: ``created_at`` as
        given, with ``end`` = now (at the first call) when it has only ``start``; without
        ``created_at``, ``start`` is ``since`` or, by default, ``MIN_TIMESTAMP_MS``
        (2001-09-09, the smallest 13-digit timestamp, older than any Meegle record, so nothing is
        left out), and ``end`` is now. Subtasks created after the walk began are not returned.
        When the server refuses a range as larger than 5000 results (20094), it is halved into
        two ranges that do not overlap (``[start, mid]``, ``[mid + 1, end]``), each walked in
        turn, earliest first: every subtask comes once. A range's pages are walked from 1 until
        the count reaches ``pagination.total``, or a page comes back short or empty (an empty
        page ends that range's walk even before ``total``).

        Args:
            project_keys, simple_names, name, user_keys, status, created_at: as ``search``.
            since: start of the range when ``created_at`` is not given (13-digit ms).
            page_size: results per request (default 50, the server's default).

        Yields:
            ``TaskSearchItem`` objects, in creation-range order.

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleTooManyResultsError: more than 5000 matching subtasks were created in one
                millisecond (the range cannot be split further).

        Example::

            async for item in client.tasks.iter_search(project_keys=["space"], status=1):
                print(item.sub_task.id, item.sub_task.name)
        """
        body = _search_body(
            project_keys=project_keys,
            simple_names=simple_names,
            name=name,
            user_keys=user_keys,
            status=status,
        )
        size = require_page_number(page_size, "page_size", maximum=TASK_SEARCH_RESULT_CAP)
        if created_at is not None:
            if since is not None:
                raise MeegleValidationError(
                    "since and created_at cannot be set together: put the start in created_at"
                )
            lo, given_end = check_time_range(created_at)
            hi = now_ms() if given_end is None else given_end
            if hi < lo:
                raise MeegleValidationError(f"created_at: start {lo} is in the future")
        else:
            lo = MIN_TIMESTAMP_MS if since is None else check_time_range({"start": since})[0]
            hi = now_ms()
            if hi < lo:
                raise MeegleValidationError(f"since {lo} is in the future")

        async def walk_window(start: int, end: int) -> AsyncIterator[TaskSearchItem]:
            window = {**body, "created_at": {"start": start, "end": end}, "page_size": size}

            async def fetch(page_num: int) -> NumberedPage[TaskSearchItem]:
                page = await self._search_page({**window, "page_num": page_num})
                pagination = page.pagination
                return NumberedPage(
                    page.items or [],
                    pagination.page_num if pagination is not None else None,
                    page.total,
                )

            # The spec names no maximum page size: a server serving fewer than asked shows it on
            # the first page, and its later pages must not be taken for the last for being short.
            async for item in iter_page_numbers(
                fetch, page_size=size, key=_search_key, what=_SEARCH, infer_page_size=True
            ):
                yield item

        async for item in iter_created_at_windows(
            walk_window, lo, hi, key=_search_key, what=_SEARCH
        ):
            yield item

    # -- one work item's subtasks ---------------------------------------------------------------

    async def get_details(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        *,
        node_id: str | None = None,
    ) -> list[NodeTask]:
        """The nodes of a workflow work item, each with its subtasks.

        GET /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/workflow/task

        Args:
            project_key: space project key or simple name.
            work_item_type_key: the work item's type.
            work_item_id: the work item (node-flow mode only).
            node_id: only this node's subtasks (its state key).

        Returns:
            ``NodeTask`` objects; ``sub_tasks`` holds each node's subtasks.

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleNotFoundError: no such work item (30005) or node (20018).
            MeegleInvalidParamsError: the work item is not in workflow mode (50006).

        Example::

            for node in await client.tasks.get_details("space", "story", 1001):
                for task in node.sub_tasks or []:
                    print(node.state_key, task.id, task.name, task.passed)
        """
        path = _item_path(project_key, work_item_type_key, work_item_id)
        params = None if node_id is None else {"node_id": require_text(node_id, "node_id")}
        resp = await self._call(_DETAILS, path_params=path, params=params)
        return structure_list(resp.data, NodeTask)

    async def create(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        *,
        node_id: str,
        name: str,
        alias_key: str | None = None,
        assignee: Sequence[str] | None = None,
        role_assignee: Sequence[RoleOwner | Mapping[str, Any]] | None = None,
        schedule: Schedule | Mapping[str, Any] | None = None,
        note: str | None = None,
        field_value_pairs: Sequence[FieldValuePair | Mapping[str, Any]] | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Create a subtask on a node of a workflow work item.

        POST /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/workflow/task

        Args:
            project_key: space project key or simple name.
            work_item_type_key: the work item's type.
            work_item_id: the work item (node-flow mode only).
            node_id: the node's state key.
            name: the subtask's name.
            alias_key: the node's docking identifier for external systems.
            assignee: owners' user keys, when the node's owners are not linked with roles.
            role_assignee: ``RoleOwner``s (or dicts), when they are. Not with ``assignee``.
            schedule: a ``Schedule`` (or dict): estimated dates, points, owners.
            note: remarks.
            field_value_pairs: custom field values (``FieldValuePair`` or dicts).
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Returns:
            The new subtask's id (an ``int``).

        Raises:
            MeegleValidationError: bad input (``node_id`` or ``name`` missing, ``assignee``
                with ``role_assignee``, ...); nothing was sent.
            MeegleNotFoundError: no such work item (30005) or node (20018).
            MeegleStateConflictError: the work item is terminated (20007).

        Example::

            task_id = await client.tasks.create(
                "space", "story", 1001, node_id="doing", name="Write tests",
                assignee=["user_key"], schedule={"estimate_end_date": 1767225600000},
            )
        """
        path = _item_path(project_key, work_item_type_key, work_item_id)
        body: dict[str, Any] = {
            "node_id": require_text(node_id, "node_id"),
            "name": require_text(name, "name"),
        }
        if alias_key is not None:
            body["alias_key"] = require_text(alias_key, "alias_key")
        body.update(_owners_json(assignee, role_assignee))
        if schedule is not None:
            body["schedule"] = input_json(schedule, Schedule, name="schedule")
        if note is not None:
            body["note"] = _note(note)
        if field_value_pairs is not None:
            body["field_value_pairs"] = input_json_list(
                field_value_pairs, FieldValuePair, name="field_value_pairs"
            )
        resp = await self._call(
            _CREATE, path_params=path, json=body, idempotency_key=idempotency_key
        )
        return _new_id(resp)

    async def update(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        node_id: str,
        task_id: int | str,
        *,
        name: str | None = None,
        assignee: Sequence[str] | None = None,
        role_assignee: Sequence[RoleOwner | Mapping[str, Any]] | None = None,
        schedule: Schedule | Mapping[str, Any] | None = None,
        note: str | None = None,
        deliverable: Sequence[FieldValuePair | Mapping[str, Any]] | None = None,
        update_fields: Sequence[FieldValuePair | Mapping[str, Any]] | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Update a subtask's name, owners, schedule, note, deliverables or fields.

        POST /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/workflow/{node_id}/task/{task_id}

        Only the arguments given are sent; values in ``update_fields`` overwrite the old ones.

        Args:
            project_key: space project key or simple name.
            work_item_type_key: the work item's type.
            work_item_id: the work item.
            node_id: the node's state key.
            task_id: the subtask (its id from search or details, a string or an int).
            name: new name.
            assignee: owners' user keys (not with ``role_assignee``).
            role_assignee: ``RoleOwner``s (or dicts), for nodes whose owners follow roles.
            schedule: a ``Schedule`` (or dict).
            note: remarks.
            deliverable: deliverables (``FieldValuePair`` or dicts).
            update_fields: fields to overwrite (``FieldValuePair`` or dicts).
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Raises:
            MeegleValidationError: bad input, or nothing to update; nothing was sent.
            MeegleNotFoundError: no such work item (30005), node (20018), subtask (20046) or
                field (30009).
            MeeglePermissionError: the user may not edit this subtask (50006).

        Example::

            await client.tasks.update(
                "space", "story", 1001, "doing", "7012", name="Write more tests", note="ok"
            )
        """  # noqa: E501 (the endpoint path is longer than a line)
        path = _item_path(project_key, work_item_type_key, work_item_id)
        path["node_id"] = require_text(node_id, "node_id")
        path["task_id"] = validate_id(task_id, name="task_id")
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = require_text(name, "name")
        body.update(_owners_json(assignee, role_assignee))
        if schedule is not None:
            body["schedule"] = input_json(schedule, Schedule, name="schedule")
        if note is not None:
            body["note"] = _note(note)
        if deliverable is not None:
            body["deliverable"] = input_json_list(deliverable, FieldValuePair, name="deliverable")
        if update_fields is not None:
            body["update_fields"] = input_json_list(
                update_fields, FieldValuePair, name="update_fields"
            )
        if not body:
            raise MeegleValidationError(
                "nothing to update: pass name, assignee, role_assignee, schedule, note, "
                "deliverable or update_fields"
            )
        await self._call(_UPDATE, path_params=path, json=body, idempotency_key=idempotency_key)

    async def complete_or_rollback(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        *,
        node_id: str,
        task_id: int | str,
        action: SubtaskAction,
        assignee: Sequence[str] | None = None,
        role_assignee: Sequence[RoleOwner | Mapping[str, Any]] | None = None,
        schedules: Sequence[Schedule | Mapping[str, Any]] | None = None,
        deliverable: Sequence[FieldValuePair | Mapping[str, Any]] | None = None,
        note: str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Complete (``action="confirm"``) or roll back (``"rollback"``) a subtask.

        POST /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/subtask/modify

        ``complete`` and ``rollback`` call this with the action filled in. ``task_id`` goes in
        the body as a number, so the string id from search or details is converted.

        Args:
            project_key: space project key or simple name.
            work_item_type_key: the work item's type.
            work_item_id: the work item.
            node_id: the node's state key.
            task_id: the subtask (a digit string or an int).
            action: ``"confirm"`` or ``"rollback"``.
            assignee: owners to set on the way (not with ``role_assignee``).
            role_assignee: role owners to set on the way.
            schedules: ``Schedule``s (or dicts) to set on the way.
            deliverable: deliverables (``FieldValuePair`` or dicts); completing may need them.
            note: remarks.
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleNotFoundError: no such work item (30005), node (20018) or subtask (20046).
            MeegleStateConflictError: already confirmed, or a required deliverable is missing
                (50006); the work item is terminated (20007).
        """
        if action not in ("confirm", "rollback"):
            raise MeegleValidationError(
                f"action must be 'confirm' (complete) or 'rollback', not {shown(action)}"
            )
        path = _item_path(project_key, work_item_type_key, work_item_id)
        body: dict[str, Any] = {
            "node_id": require_text(node_id, "node_id"),
            "task_id": validate_id(task_id, name="task_id"),
            "action": action,
        }
        body.update(_owners_json(assignee, role_assignee))
        if schedules is not None:
            body["schedules"] = input_json_list(schedules, Schedule, name="schedules")
        if deliverable is not None:
            body["deliverable"] = input_json_list(deliverable, FieldValuePair, name="deliverable")
        if note is not None:
            body["note"] = _note(note)
        await self._call(_MODIFY, path_params=path, json=body, idempotency_key=idempotency_key)

    async def complete(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        *,
        node_id: str,
        task_id: int | str,
        assignee: Sequence[str] | None = None,
        role_assignee: Sequence[RoleOwner | Mapping[str, Any]] | None = None,
        schedules: Sequence[Schedule | Mapping[str, Any]] | None = None,
        deliverable: Sequence[FieldValuePair | Mapping[str, Any]] | None = None,
        note: str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Complete a subtask (``action: confirm``); see ``complete_or_rollback``.

        POST /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/subtask/modify

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleStateConflictError: already confirmed, or a required deliverable is missing.

        Example::

            async for item in client.tasks.iter_search(project_keys=["space"], status=0):
                await client.tasks.complete(
                    "space", "story", item.work_item_id,
                    node_id=item.node_id, task_id=item.sub_task.id,
                )
        """
        await self.complete_or_rollback(
            project_key,
            work_item_type_key,
            work_item_id,
            node_id=node_id,
            task_id=task_id,
            action="confirm",
            assignee=assignee,
            role_assignee=role_assignee,
            schedules=schedules,
            deliverable=deliverable,
            note=note,
            idempotency_key=idempotency_key,
        )

    async def rollback(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        *,
        node_id: str,
        task_id: int | str,
        assignee: Sequence[str] | None = None,
        role_assignee: Sequence[RoleOwner | Mapping[str, Any]] | None = None,
        schedules: Sequence[Schedule | Mapping[str, Any]] | None = None,
        deliverable: Sequence[FieldValuePair | Mapping[str, Any]] | None = None,
        note: str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Roll a completed subtask back (``action: rollback``); see ``complete_or_rollback``.

        POST /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/subtask/modify

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleNotFoundError: no such work item, node or subtask.
        """
        await self.complete_or_rollback(
            project_key,
            work_item_type_key,
            work_item_id,
            node_id=node_id,
            task_id=task_id,
            action="rollback",
            assignee=assignee,
            role_assignee=role_assignee,
            schedules=schedules,
            deliverable=deliverable,
            note=note,
            idempotency_key=idempotency_key,
        )

    async def delete(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        task_id: int | str,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """Delete a subtask.

        DELETE /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/task/{task_id}

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleNotFoundError: no such work item (30005).
            MeegleStateConflictError: the work item is terminated (20007).

        Example::

            await client.tasks.delete("space", "story", 1001, "7012")
        """
        path = _item_path(project_key, work_item_type_key, work_item_id)
        path["task_id"] = validate_id(task_id, name="task_id")
        await self._call(_DELETE, path_params=path, idempotency_key=idempotency_key)


def _note(note: object) -> str:
    if not isinstance(note, str):
        raise MeegleValidationError(f"note must be a string, not {shown(note)}")
    return note


def _new_id(resp: RawResponse) -> int:
    data = resp.data
    if isinstance(data, int) and not isinstance(data, bool):
        return data
    if isinstance(data, str) and data.strip().isdigit():
        return int(data.strip())
    raise MeegleServerError(
        f"create_tasks answered {shown(data)} where the new subtask id was expected",
        endpoint=resp.endpoint or _CREATE,
        log_id=resp.log_id,
        http_status=resp.status,
    )
