"""``client.work_items``: read and write work items, batch updates, the change log.

Every input rule the spec states and a client can check is checked here, before anything is
sent, and raises ``MeegleValidationError`` saying what to change.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

from ..errors import (
    MeegleBatchSubmitError,
    MeegleError,
    MeegleTimeoutError,
    MeegleValidationError,
)
from ..helpers.by_ids import (
    Coalescer,
    FoundAndMissing,
    ServerHabit,
    fetch_by_ids,
    raise_missing,
)
from ..helpers.chunking import (
    MAX_ID,
    MAX_IDS_PER_REQUEST,
    chunked,
    unique_ids,
    validate_id,
    validate_ids,
)
from ..helpers.field_builder import (
    FieldMetadata,
    FieldMetadataCache,
    Purpose,
    build_field_value_pairs,
    check_field_values,
    load_field_metadata,
)
from ..helpers.pagination import CursorPage, iter_cursor
from ..helpers.polling import PollSchedule, TaskPoller
from ..helpers.windows import DAY_MS, check_ms, fixed_windows
from ..models.base import structure, structure_list
from ..models.common import FieldValuePair, input_json, input_json_list
from ..models.enums import (
    AbortReason,
    CompoundAction,
    OperationType,
    OperatorType,
    OpRecordModule,
    ResumeReason,
    SourceType,
    UpdateMode,
    ZeroOrOne,
)
from ..models.work_items import (
    BatchUpdateProgress,
    BatchUpdateResult,
    BatchUpdateTask,
    ChangeLogPage,
    Expand,
    FieldConfig,
    OpRecord,
    WorkItem,
)
from ..transport.response import RawResponse
from ._base import Requester
from ._checks import bad_answer, check_fields, json_problem, require_flag, require_text, shown
from .fields import Fields
from .work_item_extras import WorkItemExtras
from .work_item_fulltext import WorkItemFullTextSearch
from .work_item_search import WorkItemSearch

__all__ = [
    "ABORT_REASONS",
    "CHANGE_LOG_EARLIEST_MS",
    "CHANGE_LOG_MAX_PAGE_SIZE",
    "CHANGE_LOG_MAX_SPAN_MS",
    "OPERATION_TYPES",
    "OPERATOR_TYPES",
    "OP_RECORD_MODULES",
    "RESUME_REASONS",
    "SOURCE_TYPES",
    "UPDATE_MODES",
    "WorkItems",
]

#: ``update_mode`` values of a batch update.
UPDATE_MODES = ("APPEND", "UPDATE", "REPLACE")
#: ``reason_option`` values when aborting (terminating) a work item.
ABORT_REASONS = ("cancel", "repeat", "test", "other")
#: ``reason_option`` values when resuming a work item.
RESUME_REASONS = ("restart", "rollback", "test", "other")
#: Change-log filter values the spec enumerates.
OPERATOR_TYPES = ("user", "auto", "system", "calc_field", "plugin", "others")
SOURCE_TYPES = ("auto", "plugin")
OPERATION_TYPES = (
    "modify",
    "create",
    "delete",
    "terminate",
    "restore",
    "complete",
    "rollback",
    "add",
    "remove",
)
OP_RECORD_MODULES = (
    "work_item_mod",
    "node_mod",
    "sub_task_mod",
    "field_mod",
    "role_and_user_mod",
    "baseline_mod",
)
#: The longest ``start``..``end`` range one change-log call takes (7 days, in ms).
CHANGE_LOG_MAX_SPAN_MS = 7 * DAY_MS
#: The change log holds nothing before 2024-07-02 (00:00 UTC, in ms).
CHANGE_LOG_EARLIEST_MS = 1_719_878_400_000
#: The largest change-log ``page_size``.
CHANGE_LOG_MAX_PAGE_SIZE = 200

_COMPOUND_ACTIONS = ("add", "update", "delete")

#: What coalesced ``get`` calls must share: space, type, fields and expand (as JSON).
_DetailsGroup = tuple[str, str, tuple[str, ...] | None, str | None]


# -- input checks shared with the resources group -----------------------------------------


def _opt_text(value: object, name: str) -> str | None:
    return None if value is None else require_text(value, name)


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise MeegleValidationError(
            f"{name} must be a positive int (at most 2**63 - 1), not {shown(value)}"
        )
    return value


def _expand_json(expand: Expand | Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if expand is None else input_json(expand, Expand, name="expand")


def _pairs_json(
    pairs: Iterable[FieldValuePair | Mapping[str, Any]] | None,
    name: str,
    *,
    forbidden: Mapping[str, str] | None = None,
    required: bool = False,
) -> list[dict[str, Any]] | None:
    """Field value pairs as JSON: each names its field, no field twice, none of ``forbidden``."""
    if pairs is None:
        if required:
            raise MeegleValidationError(f"{name} is required: a list of field value pairs")
        return None
    out = input_json_list(pairs, FieldValuePair, name=name)
    if required and not out:
        raise MeegleValidationError(f"{name} is empty: give at least one field value pair")
    seen: dict[str, int] = {}
    for i, pair in enumerate(out):
        key = pair.get("field_key")
        alias = pair.get("field_alias")
        if not (isinstance(key, str) and key) and not (isinstance(alias, str) and alias):
            raise MeegleValidationError(f"{name}[{i}] needs a field_key (or a field_alias)")
        for ident in (key, alias):
            if not isinstance(ident, str) or not ident:
                continue
            if forbidden and ident in forbidden:
                raise MeegleValidationError(
                    f"{name}[{i}]: {shown(ident)} must not be sent in {name}: {forbidden[ident]}"
                )
            if ident in seen:
                raise MeegleValidationError(
                    f"{name}[{i}]: field {shown(ident)} is already set by {name}[{seen[ident]}]: "
                    "send each field once"
                )
        for ident in {key, alias}:
            if isinstance(ident, str) and ident:
                seen[ident] = i
    return out


_CREATE_FORBIDDEN = {
    "name": "pass it as name= instead",
    "template_id": "pass it as template_id= instead",
}


def _int_answer(resp: RawResponse, endpoint: str, key: str | None = None) -> int:
    """The new id an answer carries: ``data`` itself, or ``data[key]``."""
    value = resp.data.get(key) if key is not None and isinstance(resp.data, Mapping) else resp.data
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        where = f"data.{key}" if key else "data"
        raise bad_answer(resp, f"expected an int id in {where}")
    return value


def _str_list(values: str | Iterable[str] | None, name: str) -> list[str] | None:
    """A filter given as one string or a list of them."""
    if values is None:
        return None
    items = [values] if isinstance(values, str) else values
    if isinstance(items, (bytes, Mapping)) or not isinstance(items, Iterable):
        raise MeegleValidationError(f"{name} must be a list of strings, not {shown(values)}")
    out = list(items)
    for i, value in enumerate(out):
        if not isinstance(value, str) or not value:
            raise MeegleValidationError(
                f"{name}[{i}] must be a non-empty string, not {shown(value)}"
            )
    return out


def _enum_list(
    values: str | Iterable[str] | None, name: str, allowed: Sequence[str]
) -> list[str] | None:
    out = _str_list(values, name)
    for i, value in enumerate(out or ()):
        if value not in allowed:
            raise MeegleValidationError(
                f"{name}[{i}]: {shown(value)} is not one of {', '.join(allowed)}"
            )
    return out


def _ms(value: object, name: str) -> int:
    value = check_ms(value, name)
    if value < CHANGE_LOG_EARLIEST_MS:
        raise MeegleValidationError(
            f"{name}: {value} is before 2024-07-02 ({CHANGE_LOG_EARLIEST_MS}); the change log "
            "holds nothing older: start at that date or later"
        )
    return value


def _time_range(start: object, end: object, *, max_span: int | None) -> tuple[int, int] | None:
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise MeegleValidationError("start and end go together: give both or neither")
    lo, hi = _ms(start, "start"), _ms(end, "end")
    if hi < lo:
        raise MeegleValidationError(f"end ({hi}) is before start ({lo})")
    if max_span is not None and hi - lo > max_span:
        raise MeegleValidationError(
            f"start..end spans {(hi - lo) / DAY_MS:.2f} days; one call takes at most 7 days "
            f"({max_span} ms): narrow the range or use iter_change_log, which walks longer "
            "ranges in 7-day windows"
        )
    return lo, hi


class WorkItems(WorkItemSearch, WorkItemFullTextSearch, WorkItemExtras):
    """Work items: details, creation metadata, create/update/delete, abort/resume, freeze,
    compound fields, batch updates and the change log (``client.work_items``)."""

    def __init__(
        self, request: Requester, *, field_metadata: FieldMetadataCache | None = None
    ) -> None:
        super().__init__(request)
        # The client passes the cache its with_options copies share; alone, a group keeps its own.
        self._field_metadata = FieldMetadataCache() if field_metadata is None else field_metadata
        self._habit = ServerHabit()  # what get_details learnt about unknown ids
        self._coalescer: Coalescer[_DetailsGroup, WorkItem] = Coalescer(
            self._fetch_details, endpoint="get_work_item_details"
        )

    # -- reading -----------------------------------------------------------------------------

    async def get_creation_metadata(
        self, project_key: str, work_item_type_key: str
    ) -> list[FieldConfig]:
        """The field configurations of a work item type: what create and update accept.

        ``GET /open_api/{project_key}/work_item/{work_item_type_key}/meta``

        Args:
            project_key: the space's project_key or simple_name.
            work_item_type_key: the work item type (``story``, ``issue``, ...).

        Returns:
            One ``FieldConfig`` per field: key, type, required flag, options, compound fields.

        Raises:
            MeegleStateConflictError: the type is disabled (20044).
            MeegleNotFoundError: no such type (30014).

        Example::

            meta = await client.work_items.get_creation_metadata("space", "story")
            priority = next(f for f in meta if f.field_key == "priority")
            p1 = priority.option_value("P1")
        """
        resp = await self._call(
            "get_work_item_creation_metadata",
            path_params={
                "project_key": require_text(project_key, "project_key"),
                "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
            },
        )
        return structure_list(resp.data, FieldConfig)

    async def get_details(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_ids: Iterable[int | str],
        *,
        fields: Iterable[str] | None = None,
        expand: Expand | Mapping[str, Any] | None = None,
        missing: Literal["raise", "skip"] = "skip",
    ) -> list[WorkItem]:
        """Work items by id: any number of ids, sent 50 a request, results in input order.

        ``POST /open_api/{project_key}/work_item/{work_item_type_key}/query``

        Ids that do not exist (or are of another type) are treated the same however the ids fall
        into 50-id chunks: ``missing="skip"`` (the default) returns the items found and leaves
        the others out; ``missing="raise"`` raises ``MeegleMissingIdsError`` carrying the items
        found (``found``, in input order) and the missing ids (``missing_ids``). A chunk the
        server refuses with 30005 is split to find which of its ids exist (see
        ``meegle_async.helpers.by_ids`` for the cost).

        Args:
            project_key: the space's project_key or simple_name.
            work_item_type_key: the items' type.
            work_item_ids: ids (ints or digit strings); a repeated id is fetched once and
                returned at each of its positions; an empty list returns ``[]``.
            fields: field keys to return (``["owner"]``) or to leave out (``["-owner"]``);
                not both modes.
            expand: an ``Expand`` (or dict) asking for more data (workflow, multi-texts, ...).
            missing: ``"skip"`` or ``"raise"``: what to do about ids that do not exist.

        Returns:
            ``WorkItem`` per id found, in the order of ``work_item_ids`` (compare with the ids,
            or pass ``missing="raise"``, to know which are missing).

        Raises:
            MeegleValidationError: a bad id, mixed ``fields`` modes, an empty identifier, a
                ``missing`` other than ``"raise"`` or ``"skip"``.
            MeegleMissingIdsError: some ids do not exist and ``missing="raise"`` (a
                ``MeegleNotFoundError``: 30005).
            MeegleNotFoundError: the type does not exist (30014).

        Example::

            try:
                items = await client.work_items.get_details(
                    "space", "story", ids, fields=["-description"], missing="raise"
                )
            except MeegleMissingIdsError as err:
                items = err.found  # and err.missing_ids were deleted meanwhile
            for item in items:
                print(item.id, item.name, item.field("priority"))
        """
        if missing not in ("raise", "skip"):
            raise MeegleValidationError(f'missing must be "raise" or "skip", not {shown(missing)}')
        ids = validate_ids(work_item_ids)
        group = self._details_group(project_key, work_item_type_key, fields, expand)
        outcome = await self._fetch_details(group, ids)
        return raise_missing(ids, outcome, missing=missing, endpoint="get_work_item_details")

    async def get(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        *,
        fields: Iterable[str] | None = None,
        expand: Expand | Mapping[str, Any] | None = None,
    ) -> WorkItem:
        """One work item by id; concurrent calls are coalesced into one details request.

        ``POST /open_api/{project_key}/work_item/{work_item_type_key}/query``

        Calls for the same space, type, ``fields`` and ``expand`` made in the same event-loop
        iteration (or within ``coalesce_window`` seconds of the first) share one request of up
        to 50 ids, so 50 concurrent gets cost one request. Each caller gets its own item or its
        own ``MeegleNotFoundError``; cancelling one caller leaves the others alone.

        Args:
            project_key: the space's project_key or simple_name.
            work_item_type_key: the item's type.
            work_item_id: the id (an int or a digit string).
            fields: as for ``get_details``.
            expand: as for ``get_details``.

        Returns:
            The ``WorkItem``.

        Raises:
            MeegleValidationError: a bad id, mixed ``fields`` modes, an empty identifier.
            MeegleNotFoundError: no such item of that type (30005), or no such type (30014).

        Example::

            async def handler(request):
                item = await client.work_items.get("space", "story", request.match_info["id"])
                return web.json_response({"name": item.name})
        """
        item_id = validate_id(work_item_id)
        group = self._details_group(project_key, work_item_type_key, fields, expand)
        return await self._coalescer.get(group, item_id)

    @property
    def coalesce_window(self) -> float:
        """Seconds ``get`` waits after a first call for others to join its request (0: the
        current event-loop iteration only)."""
        return self._coalescer.window

    @coalesce_window.setter
    def coalesce_window(self, seconds: float) -> None:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise MeegleValidationError(
                f"coalesce_window must be a number of seconds >= 0, not {shown(seconds)}"
            )
        self._coalescer.window = float(seconds)

    def _details_group(
        self,
        project_key: str,
        work_item_type_key: str,
        fields: Iterable[str] | None,
        expand: Expand | Mapping[str, Any] | None,
    ) -> _DetailsGroup:
        checked = check_fields(fields)
        expand_json = _expand_json(expand)
        problem = json_problem(expand_json, "expand")
        if problem:
            raise MeegleValidationError(problem)
        return (
            require_text(project_key, "project_key"),
            require_text(work_item_type_key, "work_item_type_key"),
            tuple(checked) if checked is not None else None,
            json.dumps(expand_json, sort_keys=True) if expand_json is not None else None,
        )

    async def _fetch_details(
        self, group: _DetailsGroup, ids: list[int]
    ) -> FoundAndMissing[WorkItem]:
        project_key, work_item_type_key, fields, expand = group
        base: dict[str, Any] = {}
        if fields is not None:
            base["fields"] = list(fields)
        if expand is not None:
            base["expand"] = json.loads(expand)

        async def fetch(chunk: list[int]) -> list[WorkItem]:
            resp = await self._call(
                "get_work_item_details",
                path_params={"project_key": project_key, "work_item_type_key": work_item_type_key},
                json={"work_item_ids": chunk, **base},
            )
            return structure_list(resp.data, WorkItem)

        return await fetch_by_ids(ids, fetch, _item_id, habit=self._habit)

    # -- field values by name ----------------------------------------------------------------

    @property
    def field_metadata(self) -> FieldMetadataCache:
        """The field metadata cache ``build_fields`` and ``fields=`` use (shared with
        ``with_options`` copies); set ``.ttl`` (seconds, 600 by default) or ``.invalidate()``.
        """
        return self._field_metadata

    async def get_field_metadata(self, project_key: str, work_item_type_key: str) -> FieldMetadata:
        """A type's field metadata, indexed by key, alias and name; cached.

        ``GET /open_api/{project_key}/work_item/{work_item_type_key}/meta`` on first use (then
        after ``field_metadata.ttl`` seconds), plus ``POST /open_api/{project_key}/field/all``
        when an option field came without its options. Concurrent first uses fetch once.

        Raises:
            MeegleValidationError: an empty identifier.
            MeegleNotFoundError, MeegleStateConflictError: as ``get_creation_metadata``.

        Example::

            meta = await client.work_items.get_field_metadata("space", "story")
            print([f.field_name for f in meta.required_fields()])
        """
        project_key = require_text(project_key, "project_key")
        work_item_type_key = require_text(work_item_type_key, "work_item_type_key")
        return await self._field_metadata.get(
            project_key,
            work_item_type_key,
            lambda: self._load_field_metadata(project_key, work_item_type_key),
        )

    async def refresh_field_metadata(
        self, project_key: str, work_item_type_key: str
    ) -> FieldMetadata:
        """Fetch a type's field metadata again now (after a field or option changed).

        ``GET /open_api/{project_key}/work_item/{work_item_type_key}/meta``

        Returns:
            The new ``FieldMetadata``, kept for the next ``build_fields``.

        Example::

            await client.fields.update("space", "story", field_key="priority", ...)
            await client.work_items.refresh_field_metadata("space", "story")
        """
        project_key = require_text(project_key, "project_key")
        work_item_type_key = require_text(work_item_type_key, "work_item_type_key")
        return await self._field_metadata.refresh(
            project_key,
            work_item_type_key,
            lambda: self._load_field_metadata(project_key, work_item_type_key),
        )

    async def _load_field_metadata(
        self, project_key: str, work_item_type_key: str
    ) -> FieldMetadata:
        async def simple_fields() -> list[Any]:
            return list(
                await Fields(self._request).get_all(
                    project_key, work_item_type_key=work_item_type_key
                )
            )

        return await load_field_metadata(
            project_key,
            work_item_type_key,
            lambda: self.get_creation_metadata(project_key, work_item_type_key),
            simple_fields,
        )

    async def build_fields(
        self,
        project_key: str,
        work_item_type_key: str,
        fields: Mapping[str, Any],
        *,
        required: bool = False,
        purpose: Purpose = "create",
    ) -> list[FieldValuePair]:
        """``field_value_pairs`` from human values: labels, label paths, dates, role maps.

        Uses the type's cached creation metadata (``get_field_metadata``); nothing else is
        sent. The value shape per field type is in the README ("Field values by name").

        Args:
            project_key: the space's project_key or simple_name.
            work_item_type_key: the type whose fields these are.
            fields: field key, alias or display name -> value (``"P1"``, ``["Backend"]``,
                ``"iOS / iPhone"``, ``date(2026, 12, 1)``, ``{"rd": ["user_key"]}``, ...).
            required: refuse a missing required field (what ``required_mode=1`` checks);
                ``name`` and ``template`` are ``create`` arguments and not checked.
            purpose: ``"create"`` (refuses ``name``) or ``"update"`` (accepts it).

        Returns:
            ``FieldValuePair`` per entry, in order; ``create``, ``update``, ``resources`` and
            ``tasks`` writes take the list as it is.

        Raises:
            MeegleValidationError: ``fields`` not a mapping (``None`` included) or an unknown
                ``purpose``, both before anything is fetched; an unknown field (the closest
                names suggested), an unknown or disabled option (the valid labels listed), a
                value of the wrong shape, a missing required field, ``name``/``template_id`` as
                a field.

        Example::

            pairs = await client.work_items.build_fields("space", "story", {
                "priority": "P1", "tags": ["Backend"], "Platform": "iOS / iPhone",
                "role_owners": {"rd": ["user_key"]}, "due_date": date(2026, 12, 1),
            })
            await client.work_items.create("space", "story", name="x", field_value_pairs=pairs)
        """
        # Input that is wrong whatever the metadata says is refused before fetching it.
        check_field_values(fields, purpose=purpose)
        required = require_flag(required, "required")
        metadata = await self.get_field_metadata(project_key, work_item_type_key)
        return build_field_value_pairs(metadata, fields, required=required, purpose=purpose)

    async def _pairs_or_fields(
        self,
        project_key: str,
        work_item_type_key: str,
        pairs: Any,
        fields: Mapping[str, Any] | None,
        pairs_name: str,
        *,
        required: bool = False,
        purpose: Purpose = "create",
    ) -> Any:
        """``pairs`` as given, or ``fields`` built; never both."""
        if fields is None:
            return pairs
        if pairs is not None:
            raise MeegleValidationError(
                f"give {pairs_name} or fields=, not both (build_fields output can be "
                f"concatenated with other pairs and passed as {pairs_name})"
            )
        return await self.build_fields(
            project_key, work_item_type_key, fields, required=required, purpose=purpose
        )

    # -- writing -----------------------------------------------------------------------------

    async def create(
        self,
        project_key: str,
        work_item_type_key: str,
        *,
        name: str | None = None,
        template_id: int | None = None,
        field_value_pairs: Iterable[FieldValuePair | Mapping[str, Any]] | None = None,
        required_mode: ZeroOrOne | None = None,
        idempotency_key: str | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> int:
        """Create a work item; returns its id.

        ``POST /open_api/{project_key}/work_item/create``

        Args:
            project_key: the space's project_key or simple_name.
            work_item_type_key: the type to create (``story``, ...).
            name: the title (never inside ``field_value_pairs``).
            template_id: the process template (the type's default when left out; never inside
                ``field_value_pairs``).
            field_value_pairs: the other fields (``FieldValuePair`` or dicts); option fields take
                the option id, not its label; each field at most once.
            required_mode: 1 makes the server refuse a missing required field, 0 (default) not.
                With ``fields=`` it is also checked here first (``name`` included).
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).
            fields: instead of ``field_value_pairs``, human values by field key, alias or
                name, built by ``build_fields`` (labels become option ids, ...).

        Returns:
            The new work item's id.

        Raises:
            MeegleValidationError: ``name``/``template_id`` in the pairs, a duplicate field,
                both ``field_value_pairs`` and ``fields``, any ``build_fields`` error, ...
            MeegleInvalidParamsError: required fields missing (20038), bad roles (50006), ...

        Example::

            new_id = await client.work_items.create(
                "space", "story", name="Login page",
                field_value_pairs=[{"field_key": "priority", "field_value": {"value": "opt_p1"}}],
            )
            new_id = await client.work_items.create(
                "space", "story", name="Login page", fields={"priority": "P1"}, required_mode=1
            )
        """
        if fields is not None:
            field_value_pairs = await self._pairs_or_fields(
                project_key,
                work_item_type_key,
                field_value_pairs,
                fields,
                "field_value_pairs",
                required=required_mode == 1,
            )
            if required_mode == 1 and name is None:
                meta = await self.get_field_metadata(project_key, work_item_type_key)
                if any(f.field_key == "name" for f in meta.required_fields()):
                    raise MeegleValidationError(
                        "missing required field 'name': pass name= (required_mode=1)"
                    )
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
        if required_mode is not None:
            if isinstance(required_mode, bool) or required_mode not in (0, 1):
                raise MeegleValidationError(
                    f"required_mode must be 0 (don't check required fields) or 1 (check them), "
                    f"not {shown(required_mode)}"
                )
            body["required_mode"] = required_mode
        resp = await self._call(
            "create_work_item",
            path_params={"project_key": require_text(project_key, "project_key")},
            json=body,
            idempotency_key=idempotency_key,
        )
        return _int_answer(resp, "create_work_item")

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
        """Overwrite fields of a work item.

        ``PUT /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}``

        Args:
            project_key: the space's project_key or simple_name.
            work_item_type_key: the item's type.
            work_item_id: the item.
            update_fields: the fields and their new values (``FieldValuePair`` or dicts), each
                field once; option fields take option ids.
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).
            fields: instead of ``update_fields``, human values by field key, alias or name,
                built by ``build_fields(..., purpose="update")``.

        Raises:
            MeegleValidationError: no fields, a field twice, a pair without ``field_key``,
                both ``update_fields`` and ``fields``, any ``build_fields`` error.
            MeegleStateConflictError: the item is terminated (20007).
            MeeglePermissionError: no right to edit (50006, 10001).

        Example::

            await client.work_items.update("space", "story", 101, [
                FieldValuePair(field_key="description", field_value="Updated"),
            ])
            await client.work_items.update("space", "story", 101, fields={"Priority": "P0"})
        """
        update_fields = await self._pairs_or_fields(
            project_key,
            work_item_type_key,
            update_fields,
            fields,
            "update_fields",
            purpose="update",
        )
        pairs = _pairs_json(update_fields, "update_fields", required=True)
        await self._call(
            "update_work_item",
            path_params={
                "project_key": require_text(project_key, "project_key"),
                "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
                "work_item_id": validate_id(work_item_id),
            },
            json={"update_fields": pairs},
            idempotency_key=idempotency_key,
        )

    async def delete(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """Delete a work item, permanently.

        ``DELETE /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}``

        Raises:
            MeegleNotFoundError: no such item (30005).
            MeeglePermissionError: no permission (10001, 1000051195 across tenants).
        """
        await self._call(
            "delete_work_item",
            path_params={
                "project_key": require_text(project_key, "project_key"),
                "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
                "work_item_id": validate_id(work_item_id),
            },
            idempotency_key=idempotency_key,
        )

    async def abort(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        *,
        reason_option: AbortReason,
        reason: str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Terminate (abort) a work item.

        ``PUT /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/abort``
        with ``is_aborted: true``.

        Args:
            reason_option: ``cancel``, ``repeat`` (duplicate), ``test`` or ``other``.
            reason: free text; required with ``other``.

        Raises:
            MeegleValidationError: an unknown ``reason_option``, ``other`` without ``reason``.
            MeegleStateConflictError: already terminated (20007).

        Example::

            await client.work_items.abort("space", "story", 101, reason_option="repeat")
        """
        await self._abort_or_resume(
            project_key,
            work_item_type_key,
            work_item_id,
            aborted=True,
            reason_option=reason_option,
            reason=reason,
            idempotency_key=idempotency_key,
        )

    async def resume(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        *,
        reason_option: ResumeReason,
        reason: str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Resume a terminated work item.

        ``PUT /open_api/{project_key}/work_item/{work_item_type_key}/{work_item_id}/abort``
        with ``is_aborted: false``.

        Args:
            reason_option: ``restart``, ``rollback`` (misoperation), ``test`` or ``other``.
            reason: free text; required with ``other``.

        Raises:
            MeegleValidationError: an unknown ``reason_option``, ``other`` without ``reason``.
            MeegleStateConflictError: already resumed (20008).
        """
        await self._abort_or_resume(
            project_key,
            work_item_type_key,
            work_item_id,
            aborted=False,
            reason_option=reason_option,
            reason=reason,
            idempotency_key=idempotency_key,
        )

    async def _abort_or_resume(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_id: int | str,
        *,
        aborted: bool,
        reason_option: str,
        reason: str | None,
        idempotency_key: str | None,
    ) -> None:
        allowed = ABORT_REASONS if aborted else RESUME_REASONS
        verb = "abort" if aborted else "resume"
        if reason_option not in allowed:
            raise MeegleValidationError(
                f"{verb}: reason_option must be one of {', '.join(allowed)}, not "
                f"{shown(reason_option)}"
            )
        if reason is not None and not isinstance(reason, str):
            raise MeegleValidationError(f"{verb}: reason must be a string, not {shown(reason)}")
        if reason_option == "other" and not (reason and reason.strip()):
            raise MeegleValidationError(f'{verb}: reason_option "other" needs a reason= text')
        body: dict[str, Any] = {"is_aborted": aborted, "reason_option": reason_option}
        if reason is not None:
            body["reason"] = reason
        await self._call(
            "abort_or_resume_work_item",
            path_params={
                "project_key": require_text(project_key, "project_key"),
                "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
                "work_item_id": validate_id(work_item_id),
            },
            json=body,
            idempotency_key=idempotency_key,
        )

    async def freeze(
        self, project_key: str, work_item_id: int | str, *, idempotency_key: str | None = None
    ) -> None:
        """Freeze a work item: it cannot move to its next stage until unfrozen.

        ``PUT /open_api/work_item/freeze`` with ``is_frozen: true``.

        Raises:
            MeegleInvalidParamsError: wrong project_key (1000052062).
        """
        await self._freeze(project_key, work_item_id, True, idempotency_key)

    async def unfreeze(
        self, project_key: str, work_item_id: int | str, *, idempotency_key: str | None = None
    ) -> None:
        """Unfreeze a work item.

        ``PUT /open_api/work_item/freeze`` with ``is_frozen: false``.

        Raises:
            MeegleInvalidParamsError: wrong project_key (1000052062).
        """
        await self._freeze(project_key, work_item_id, False, idempotency_key)

    async def _freeze(
        self, project_key: str, work_item_id: int | str, frozen: bool, idempotency_key: str | None
    ) -> None:
        await self._call(
            "freeze_or_unfreeze_work_item",
            json={
                "project_key": require_text(project_key, "project_key"),
                "work_item_id": validate_id(work_item_id),
                "is_frozen": frozen,
            },
            idempotency_key=idempotency_key,
        )

    async def update_compound_field(
        self,
        project_key: str,
        work_item_id: int | str,
        *,
        action: CompoundAction,
        field_key: str | None = None,
        field_alias: str | None = None,
        group_uuid: str | None = None,
        fields: Sequence[Any] | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Add, update or delete a group of a compound field.

        ``POST /open_api/work_item/field_value/update_compound_field``

        Args:
            action: ``add`` (new groups), ``update`` (one group) or ``delete`` (one group).
            field_key: the compound field's key; or ``field_alias``, exactly one of the two.
            group_uuid: the group to update or delete (``Expand(need_group_uuid_for_compound=
                True)`` in ``get_details`` shows it); refused for ``add``.
            fields: the groups' field value pairs. For ``add`` a list of groups, each a list of
                pairs (a single flat list of pairs is one group); for ``update`` one group. Not
                needed for ``delete``. Sent as a list of groups.

        Raises:
            MeegleValidationError: both or neither of ``field_key``/``field_alias``, a missing
                or refused ``group_uuid``, missing ``fields``.
            MeegleNotFoundError: no such item or compound field (1000050244, 1000050248).

        Example::

            await client.work_items.update_compound_field(
                "space", 101, action="add", field_key="field_steps",
                fields=[[{"field_key": "step", "field_value": "Open the page"}]],
            )
        """
        if action not in _COMPOUND_ACTIONS:
            raise MeegleValidationError(
                f"action must be one of {', '.join(_COMPOUND_ACTIONS)}, not {shown(action)}"
            )
        key = _opt_text(field_key, "field_key")
        alias = _opt_text(field_alias, "field_alias")
        if (key is None) == (alias is None):
            raise MeegleValidationError(
                "name the compound field by exactly one of field_key or field_alias"
            )
        body: dict[str, Any] = {
            "project_key": require_text(project_key, "project_key"),
            "work_item_id": validate_id(work_item_id),
            "action": action,
        }
        if key is not None:
            body["field_key"] = key
        else:
            body["field_alias"] = alias
        if action == "add":
            if group_uuid is not None:
                raise MeegleValidationError(
                    "group_uuid must not be given with action='add' (the server makes new groups)"
                )
        else:
            body["group_uuid"] = require_text(
                group_uuid, f"group_uuid (required for {shown(action)})"
            )
        if fields is None:
            if action != "delete":
                raise MeegleValidationError(f"fields is required for action={shown(action)}")
        else:
            groups = _compound_groups(fields)
            if action == "update" and len(groups) != 1:
                raise MeegleValidationError(
                    f"action='update' changes one group: pass one list of pairs, not {len(groups)}"
                )
            body["fields"] = groups
        await self._call("update_compound_field", json=body, idempotency_key=idempotency_key)

    # -- batch update ------------------------------------------------------------------------

    async def batch_update(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_ids: Iterable[int | str],
        *,
        field_key: str | None = None,
        update_mode: UpdateMode,
        after_field_value: Any = None,
        before_field_value: Any = None,
        idempotency_key: str | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> list[str]:
        """Set one field on many work items: one server task per 50 ids; their task ids.

        ``POST /open_api/work_item/batch_update`` (1 request per second, the limiter paces it).

        Args:
            project_key: the space's project_key.
            work_item_type_key: the items' type.
            work_item_ids: any number of ids (repeats are sent once).
            field_key: the one field to change.
            update_mode: ``APPEND`` (add to multi-value fields), ``UPDATE`` (overwrite) or
                ``REPLACE`` (swap ``before_field_value`` for ``after_field_value``).
            after_field_value: the value after the update; an empty value (``""``, ``[]``)
                clears the field.
            before_field_value: the value to replace; required with ``REPLACE`` only.
            idempotency_key: a base key; chunk ``i`` (0-based) is sent with ``f"{key}-{i}"``.
                Calling again with the same key after a failure re-sends the same keys, so the
                server does not start chunks twice. One is made when left out.
            fields: instead of ``field_key`` and ``after_field_value``, one field by key,
                alias or name and its human value (``{"Priority": "P1"}``), built like
                ``build_fields``; a ``before_field_value`` is then built the same way.

        Returns:
            The task ids (strings), in chunk order; poll them with
            ``get_batch_update_progress`` or use ``batch_update_and_wait``.

        Chunks are submitted one after another, in order, so a failure leaves a clear line:
        the chunks before it were accepted (their tasks run), the ones after were not sent.

        Raises:
            MeegleValidationError: no ids, an unknown ``update_mode``, ``REPLACE`` without
                ``before_field_value``, ``after_field_value=None``; ``fields`` with
                ``field_key``/``after_field_value`` or naming other than one field.
            MeegleInvalidParamsError: wrong project_key (1000052062); any error of the first
                chunk comes as it is (nothing was accepted).
            MeegleBatchSubmitError: a later chunk failed. ``err.submitted`` maps the accepted
                chunks to their task ids, ``err.not_submitted_ids`` lists the ids not sent (the
                failed chunk's included), ``err.idempotency_key`` is the key used (made for the
                call when none was given). To resume safely, call again with the same ids and
                ``idempotency_key=err.idempotency_key``: the accepted chunks are sent with the
                same keys and the server does not apply them twice. A fresh key would.

        Example::

            task_ids = await client.work_items.batch_update(
                "space", "story", ids, field_key="priority", update_mode="UPDATE",
                after_field_value={"value": "opt_p1"},
            )
            task_ids = await client.work_items.batch_update(
                "space", "story", ids, update_mode="UPDATE", fields={"priority": "P1"}
            )
        """
        body, ids, base_key = await self._batch_plan_fields(
            fields,
            project_key,
            work_item_type_key,
            work_item_ids,
            field_key=field_key,
            update_mode=update_mode,
            after_field_value=after_field_value,
            before_field_value=before_field_value,
            idempotency_key=idempotency_key,
        )
        return await self._submit_batch(body, ids, base_key)

    async def _batch_plan_fields(
        self,
        fields: Mapping[str, Any] | None,
        project_key: str,
        work_item_type_key: str,
        work_item_ids: Iterable[int | str],
        *,
        field_key: str | None,
        update_mode: str,
        after_field_value: Any,
        before_field_value: Any,
        idempotency_key: str | None,
    ) -> tuple[dict[str, Any], list[int], str]:
        """``_batch_plan``, with ``fields={name: value}`` built against the metadata."""
        if fields is None:
            return self._batch_plan(
                project_key,
                work_item_type_key,
                work_item_ids,
                field_key=field_key,
                update_mode=update_mode,
                after_field_value=after_field_value,
                before_field_value=before_field_value,
                idempotency_key=idempotency_key,
            )
        if field_key is not None or after_field_value is not None:
            raise MeegleValidationError(
                "give field_key= with after_field_value=, or fields={name: value}, not both"
            )
        if not isinstance(fields, Mapping) or len(fields) != 1:
            raise MeegleValidationError(
                "fields= of a batch update names exactly one field ({name: value}), "
                f"not {shown(fields)}"
            )
        ((name, value),) = fields.items()
        # Every other input is checked before the metadata is fetched: nothing sent on bad input.
        body, ids, base_key = self._batch_plan(
            project_key,
            work_item_type_key,
            work_item_ids,
            field_key=name,
            update_mode=update_mode,
            after_field_value=value,
            before_field_value=before_field_value,
            idempotency_key=idempotency_key,
        )
        meta = await self.get_field_metadata(project_key, work_item_type_key)
        (after,) = build_field_value_pairs(meta, {name: value}, purpose="update")
        body["field_key"] = after.field_key or after.field_alias
        body["after_field_value"] = after.field_value
        if before_field_value is not None:
            (before,) = build_field_value_pairs(meta, {name: before_field_value}, purpose="update")
            body["before_field_value"] = before.field_value
        return body, ids, base_key

    def _batch_plan(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_ids: Iterable[int | str],
        *,
        field_key: str | None,
        update_mode: str,
        after_field_value: Any,
        before_field_value: Any,
        idempotency_key: str | None,
    ) -> tuple[dict[str, Any], list[int], str]:
        ids = unique_ids(validate_ids(work_item_ids))
        if not ids:
            raise MeegleValidationError("work_item_ids is empty: give the items to update")
        if update_mode not in UPDATE_MODES:
            raise MeegleValidationError(
                f"update_mode must be one of {', '.join(UPDATE_MODES)}, not {shown(update_mode)}"
            )
        if update_mode == "REPLACE" and before_field_value is None:
            raise MeegleValidationError(
                "update_mode='REPLACE' needs before_field_value (the value to replace)"
            )
        if update_mode != "REPLACE" and before_field_value is not None:
            raise MeegleValidationError(
                "before_field_value is only used with update_mode='REPLACE', not "
                f"{shown(update_mode)}"
            )
        if after_field_value is None:
            raise MeegleValidationError(
                'after_field_value is required; to clear the field send an empty value ("" or [])'
            )
        if idempotency_key is not None:
            require_text(idempotency_key, "idempotency_key")
        body: dict[str, Any] = {
            "project_key": require_text(project_key, "project_key"),
            "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
            "update_mode": update_mode,
            "field_key": require_text(field_key, "field_key"),
            "after_field_value": after_field_value,
        }
        if before_field_value is not None:
            body["before_field_value"] = before_field_value
        return body, ids, idempotency_key or uuid.uuid4().hex

    async def _submit_batch(
        self,
        body: Mapping[str, Any],
        ids: list[int],
        base_key: str,
        on_submitted: Callable[[int, list[int], str], None] | None = None,
    ) -> list[str]:
        """Submit the chunks one after another, in order; their task ids.

        One at a time (the endpoint allows 1 request per second anyway), so when a chunk fails
        it is known exactly which chunks the server accepted and which were never sent: a
        failure after the first chunk raises ``MeegleBatchSubmitError`` saying so.
        """
        chunks = chunked(ids, MAX_IDS_PER_REQUEST)
        task_ids: list[str] = []
        for index, chunk in enumerate(chunks):
            try:
                task_id = await self._submit_chunk(body, chunk, f"{base_key}-{index}")
            except MeegleError as exc:
                if not task_ids:
                    raise  # nothing accepted: the error as it is
                raise _submit_error(chunks, task_ids, base_key, exc) from exc
            task_ids.append(task_id)
            if on_submitted is not None:
                on_submitted(index, chunk, task_id)
        return task_ids

    async def _submit_chunk(self, body: Mapping[str, Any], chunk: list[int], key: str) -> str:
        resp = await self._call(
            "batch_update_work_item_field",
            json={**body, "work_item_ids": chunk},
            idempotency_key=key,
        )
        data = resp.data
        task_id = data.get("task_id") if isinstance(data, Mapping) else None
        if isinstance(task_id, int) and not isinstance(task_id, bool):
            task_id = str(task_id)
        if not isinstance(task_id, str) or not task_id:
            raise bad_answer(resp, "expected data.task_id")
        return task_id

    async def get_batch_update_progress(self, task_id: str) -> BatchUpdateProgress:
        """The progress of one batch-update task.

        ``GET /open_api/task_result?task_id=...`` (1 request per second, shared by all polls).

        Returns:
            ``BatchUpdateProgress``: ``task_status`` (``IDLE``/``RUNNING``, then ``SUCCESS``,
            ``FAILED``, ``CANCELED`` or ``NOT_EXIST``), counters, success/fail id lists.

        Raises:
            MeegleValidationError: an empty ``task_id``.
        """
        resp = await self._call(
            "get_batch_update_progress", params={"task_id": require_text(task_id, "task_id")}
        )
        return structure(resp.data, BatchUpdateProgress)

    async def batch_update_and_wait(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_ids: Iterable[int | str],
        *,
        field_key: str | None = None,
        update_mode: UpdateMode,
        after_field_value: Any = None,
        before_field_value: Any = None,
        idempotency_key: str | None = None,
        fields: Mapping[str, Any] | None = None,
        timeout: float | None = None,
        poll_schedule: PollSchedule | None = None,
    ) -> BatchUpdateResult:
        """``batch_update``, then poll every task to a final status; one summed-up result.

        Polling starts while chunks are still being submitted and spends the shared 1 QPS
        progress budget where an answer can have changed: a task is first polled
        ``poll_schedule.first_delay`` (2) seconds after its submission, the oldest due task
        first, and a task still ``IDLE``/``RUNNING`` is asked again 1 s later, then less and
        less often (x1.5, at most every 10 s).

        Args:
            (``batch_update``'s arguments)
            timeout: seconds for the whole call (submission included); ``None`` waits as long
                as tasks run.
            poll_schedule: the polling timing (``PollSchedule``).

        Returns:
            ``BatchUpdateResult``: task ids and statuses, success and failed ids, error scenes,
            totals. Check ``result.ok`` or call ``result.raise_for_failures()``: a task that
            ended ``FAILED``/``CANCELED``/``NOT_EXIST`` or with failed items does not raise here.

        Raises:
            MeegleTimeoutError: ``timeout`` passed; ``err.progress`` is the partial
                ``BatchUpdateResult`` (tasks not yet final have ``progress`` None or running).
                Chunks not yet submitted are not sent; retry with the same ``idempotency_key``
                (the message names it when it was made for the call).
            MeegleBatchSubmitError: a chunk after the first failed (see ``batch_update``);
                ``err.result`` holds the accepted tasks with the progress polled so far.
                Resume with the same ids and ``idempotency_key=err.idempotency_key``.
            MeegleValidationError: as ``batch_update``.

        Example::

            result = await client.work_items.batch_update_and_wait(
                "space", "story", ids, field_key="priority", update_mode="UPDATE",
                after_field_value={"value": "opt_p1"}, timeout=300,
            )
            result.raise_for_failures()
        """
        if timeout is not None and (
            isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0
        ):
            raise MeegleValidationError(f"timeout must be a positive number, not {shown(timeout)}")
        body, ids, base_key = await self._batch_plan_fields(
            fields,
            project_key,
            work_item_type_key,
            work_item_ids,
            field_key=field_key,
            update_mode=update_mode,
            after_field_value=after_field_value,
            before_field_value=before_field_value,
            idempotency_key=idempotency_key,
        )
        poller: TaskPoller[str, BatchUpdateProgress] = TaskPoller(
            self.get_batch_update_progress, lambda p: p.is_final, schedule=poll_schedule
        )
        submitted: dict[int, tuple[str, list[int]]] = {}

        def on_submitted(index: int, chunk: list[int], task_id: str) -> None:
            submitted[index] = (task_id, chunk)
            poller.add(task_id)

        async def submit_all() -> None:
            await self._submit_batch(body, ids, base_key, on_submitted)
            poller.close()

        def result() -> BatchUpdateResult:
            latest = poller.latest
            tasks = [
                BatchUpdateTask(task_id=task_id, work_item_ids=chunk, progress=latest.get(task_id))
                for _, (task_id, chunk) in sorted(submitted.items())
            ]
            return BatchUpdateResult.from_tasks(tasks)

        try:
            await asyncio.wait_for(_run_together(submit_all(), poller.run()), timeout)
        except MeegleBatchSubmitError as exc:
            exc.result = result()  # the accepted tasks with what polling learnt of them
            raise
        except asyncio.TimeoutError:
            partial = result()
            raise MeegleTimeoutError(
                f"batch_update_and_wait: {timeout} s passed with "
                f"{len(partial.unfinished_task_ids)} of {len(partial.tasks)} submitted task(s) "
                f"unfinished and {len(chunked(ids)) - len(partial.tasks)} chunk(s) not "
                f"submitted; to finish, call again with the same ids and "
                f"idempotency_key={shown(base_key)}",
                endpoint="get_batch_update_progress",
                progress=partial,
            ) from None
        return result()

    # -- change log --------------------------------------------------------------------------

    async def get_change_log(
        self,
        project_key: str,
        work_item_ids: Iterable[int | str],
        *,
        start_from: str | None = None,
        page_size: int | None = None,
        operator: str | Iterable[str] | None = None,
        operator_type: OperatorType | Iterable[OperatorType] | None = None,
        source_type: SourceType | Iterable[SourceType] | None = None,
        source: str | Iterable[str] | None = None,
        operation_type: OperationType | Iterable[OperationType] | None = None,
        start: int | None = None,
        end: int | None = None,
        op_record_module: OpRecordModule | Iterable[OpRecordModule] | None = None,
    ) -> ChangeLogPage:
        """One page of the change log of up to 50 work items.

        ``POST /open_api/op_record/work_item/list``

        Args:
            project_key: the space's project_key.
            work_item_ids: at most 50 ids (``iter_change_log`` takes any number).
            start_from: the cursor from the previous page's ``start_from``.
            page_size: records per page, at most 200 (server default 50).
            operator: user keys or automation rule ids.
            operator_type: ``user``, ``auto``, ``system``, ``calc_field``, ``plugin``,
                ``others``.
            source_type: ``auto`` or ``plugin``; ``source``: rule or plugin ids.
            operation_type: ``modify``, ``create``, ``delete``, ``terminate``, ``restore``,
                ``complete``, ``rollback``, ``add``, ``remove``.
            start, end: 13-digit ms timestamps, both or neither, at most 7 days apart, not
                before 2024-07-02.
            op_record_module: ``work_item_mod``, ``node_mod``, ``sub_task_mod``, ``field_mod``,
                ``role_and_user_mod``, ``baseline_mod``.

            Each list filter also takes a single string.

        Returns:
            ``ChangeLogPage``: ``op_records``, ``has_more``, ``start_from`` (next cursor),
            ``total``.

        Raises:
            MeegleValidationError: more than 50 ids, ``page_size`` over 200, a bad range or an
                unknown filter value.
            MeegleInvalidParamsError: the server refused the parameters (20005, 20006, 20013).
        """
        project_key = require_text(project_key, "project_key")
        ids = unique_ids(validate_ids(work_item_ids))
        if not ids:
            raise MeegleValidationError("work_item_ids is empty: give up to 50 work item ids")
        if len(ids) > MAX_IDS_PER_REQUEST:
            raise MeegleValidationError(
                f"work_item_ids has {len(ids)} ids; one page takes at most "
                f"{MAX_IDS_PER_REQUEST}: use iter_change_log for more"
            )
        if start_from is not None and (not isinstance(start_from, str) or not start_from):
            raise MeegleValidationError(
                f"start_from must be the previous page's non-empty cursor, not {shown(start_from)}"
            )
        filters = _change_log_filters(
            page_size=page_size,
            operator=operator,
            operator_type=operator_type,
            source_type=source_type,
            source=source,
            operation_type=operation_type,
            op_record_module=op_record_module,
        )
        window = _time_range(start, end, max_span=CHANGE_LOG_MAX_SPAN_MS)
        return await self._change_log_page(project_key, ids, start_from, window, filters)

    def iter_change_log(
        self,
        project_key: str,
        work_item_ids: Iterable[int | str],
        *,
        page_size: int | None = None,
        operator: str | Iterable[str] | None = None,
        operator_type: OperatorType | Iterable[OperatorType] | None = None,
        source_type: SourceType | Iterable[SourceType] | None = None,
        source: str | Iterable[str] | None = None,
        operation_type: OperationType | Iterable[OperationType] | None = None,
        start: int | None = None,
        end: int | None = None,
        op_record_module: OpRecordModule | Iterable[OpRecordModule] | None = None,
    ) -> AsyncIterator[OpRecord]:
        """Every change-log record of any number of work items, over any time range.

        ``POST /open_api/op_record/work_item/list``, page after page.

        Ids go 50 a request; a ``start``..``end`` range longer than 7 days is walked in 7-day
        windows that do not overlap (bounds inclusive), so a record at a window edge comes
        once; each window follows ``start_from`` while ``has_more``. Records are yielded as
        they arrive (nothing is kept). Records have no id, so two identical-looking records
        are both yielded. The filters are ``get_change_log``'s and are checked when this is
        called, before anything is sent.

        A window ends on ``has_more`` false or an empty ``start_from``. Empty pages that still
        say ``has_more`` are followed, at most 3 in a row (``helpers.pagination
        .MAX_EMPTY_PAGES``); a 4th raises instead of asking without end.

        Raises:
            MeegleValidationError: as ``get_change_log`` (bar the 50-id and 7-day limits).
            MeeglePaginationError: the server repeated a cursor, or kept answering empty pages
                with ``has_more`` and new cursors (instead of looping forever).

        Example::

            async for record in client.work_items.iter_change_log(
                "space", ids, start=week_ago_ms, end=now_ms, operation_type=["modify"],
            ):
                print(record.work_item_id, record.operation_type, record.operator)
        """
        project_key = require_text(project_key, "project_key")
        ids = unique_ids(validate_ids(work_item_ids))
        if not ids:
            raise MeegleValidationError("work_item_ids is empty: give the work items to read")
        filters = _change_log_filters(
            page_size=page_size,
            operator=operator,
            operator_type=operator_type,
            source_type=source_type,
            source=source,
            operation_type=operation_type,
            op_record_module=op_record_module,
        )
        span = _time_range(start, end, max_span=None)
        windows: list[tuple[int, int] | None] = (
            [None] if span is None else list(fixed_windows(*span, CHANGE_LOG_MAX_SPAN_MS))
        )
        return self._walk_change_log(project_key, chunked(ids), windows, filters)

    async def _walk_change_log(
        self,
        project_key: str,
        chunks: list[list[int]],
        windows: list[tuple[int, int] | None],
        filters: Mapping[str, Any],
    ) -> AsyncIterator[OpRecord]:
        for chunk in chunks:
            for window in windows:

                async def fetch(
                    cursor: str | None,
                    chunk: list[int] = chunk,
                    window: tuple[int, int] | None = window,
                ) -> CursorPage[OpRecord]:
                    page = await self._change_log_page(project_key, chunk, cursor, window, filters)
                    return CursorPage(page.records, page.start_from, page.has_more)

                async for record in iter_cursor(fetch, what="get_work_item_change_log"):
                    yield record

    async def _change_log_page(
        self,
        project_key: str,
        ids: list[int],
        start_from: str | None,
        window: tuple[int, int] | None,
        filters: Mapping[str, Any],
    ) -> ChangeLogPage:
        body: dict[str, Any] = {"project_key": project_key, "work_item_ids": ids}
        if start_from is not None:
            body["start_from"] = start_from
        body.update(filters)
        if window is not None:
            body["start"], body["end"] = window
        resp = await self._call("get_work_item_change_log", json=body)
        return structure(resp.data if resp.data is not None else {}, ChangeLogPage)


def _item_id(item: WorkItem) -> int:
    # Items without an id cannot match a requested id; -1 never does.
    return item.id if item.id is not None else -1


def _compound_groups(fields: Sequence[Any]) -> list[list[dict[str, Any]]]:
    if isinstance(fields, (str, bytes, Mapping)) or not isinstance(fields, Sequence):
        raise MeegleValidationError(
            "fields must be a list of groups, each a list of field value pairs"
        )
    if not fields:
        raise MeegleValidationError("fields is empty: give at least one group of pairs")
    nested = [isinstance(g, Sequence) and not isinstance(g, (str, bytes)) for g in fields]
    if all(nested):
        raw_groups: list[Any] = list(fields)
    elif not any(nested):
        raw_groups = [fields]
    else:
        raise MeegleValidationError(
            "fields mixes groups (lists) and single pairs: pass a list of groups"
        )
    groups = []
    for i, group in enumerate(raw_groups):
        pairs = _pairs_json(group, f"fields[{i}]", required=True)
        assert pairs is not None
        groups.append(pairs)
    return groups


def _change_log_filters(
    *,
    page_size: int | None,
    operator: str | Iterable[str] | None,
    operator_type: str | Iterable[str] | None,
    source_type: str | Iterable[str] | None,
    source: str | Iterable[str] | None,
    operation_type: str | Iterable[str] | None,
    op_record_module: str | Iterable[str] | None,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if page_size is not None:
        if (
            isinstance(page_size, bool)
            or not isinstance(page_size, int)
            or not 1 <= page_size <= CHANGE_LOG_MAX_PAGE_SIZE
        ):
            raise MeegleValidationError(
                f"page_size must be an int from 1 to {CHANGE_LOG_MAX_PAGE_SIZE}, not "
                f"{shown(page_size)}"
            )
        out["page_size"] = page_size
    lists = {
        "operator": _str_list(operator, "operator"),
        "operator_type": _enum_list(operator_type, "operator_type", OPERATOR_TYPES),
        "source_type": _enum_list(source_type, "source_type", SOURCE_TYPES),
        "source": _str_list(source, "source"),
        "operation_type": _enum_list(operation_type, "operation_type", OPERATION_TYPES),
        "op_record_module": _enum_list(op_record_module, "op_record_module", OP_RECORD_MODULES),
    }
    out.update({k: v for k, v in lists.items() if v})
    return out


def _submit_error(
    chunks: list[list[int]], task_ids: list[str], base_key: str, error: MeegleError
) -> MeegleBatchSubmitError:
    """What ``batch_update`` had done when chunk ``len(task_ids)`` failed."""
    failed = len(task_ids)
    tasks = [
        BatchUpdateTask(task_id=task_id, work_item_ids=chunk)
        for task_id, chunk in zip(task_ids, chunks[:failed], strict=True)
    ]
    not_sent = [i for chunk in chunks[failed:] for i in chunk]
    return MeegleBatchSubmitError(
        f"batch_update: chunk {failed + 1} of {len(chunks)} failed after {failed} chunk(s) "
        f"were accepted as task(s) {', '.join(task_ids)}; {len(not_sent)} id(s) not submitted. "
        f"Resume with the same ids and idempotency_key={shown(base_key)} (accepted chunks are not "
        f"applied again). Cause: {error}",
        submitted=dict(enumerate(task_ids)),
        submitted_ids=[i for chunk in chunks[:failed] for i in chunk],
        failed_chunk=failed,
        not_submitted_ids=not_sent,
        idempotency_key=base_key,
        error=error,
        result=BatchUpdateResult.from_tasks(tasks),
    )


async def _run_together(submitting: Awaitable[None], polling: Awaitable[Any]) -> None:
    """Run submission and polling side by side; the first failure cancels the other."""
    tasks = [asyncio.ensure_future(submitting), asyncio.ensure_future(polling)]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            task.result()
        # No exception: FIRST_EXCEPTION only returns early on one, so both are done.
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
