"""``client.work_items``: read and write work items, batch updates, the change log.

Every input rule the spec states and a client can check is checked here, before anything is
sent, and raises ``MeegleValidationError`` saying what to change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from ..errors import (
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
from ..models.base import structure_list
from ..models.common import FieldValuePair
from ..models.enums import (
    AbortReason,
    CompoundAction,
    ResumeReason,
    ZeroOrOne,
)
from ..models.work_items import (
    Expand,
    FieldConfig,
    WorkItem,
)
from ._base import Requester
from ._checks import check_fields, json_problem, require_flag, require_text, shown
from .fields import Fields
from .work_item_batch import WorkItemBatch
from .work_item_extras import WorkItemExtras
from .work_item_fulltext import WorkItemFullTextSearch
from .work_item_log import WorkItemChangeLog
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

from ._work_item_common import (
    _COMPOUND_ACTIONS,
    _CREATE_FORBIDDEN,
    ABORT_REASONS,
    CHANGE_LOG_EARLIEST_MS,
    CHANGE_LOG_MAX_PAGE_SIZE,
    CHANGE_LOG_MAX_SPAN_MS,
    OP_RECORD_MODULES,
    OPERATION_TYPES,
    OPERATOR_TYPES,
    RESUME_REASONS,
    SOURCE_TYPES,
    UPDATE_MODES,
    _compound_groups,
    _DetailsGroup,
    _expand_json,
    _int_answer,
    _item_id,
    _opt_text,
    _pairs_json,
    _positive_int,
)


class WorkItems(
    WorkItemSearch, WorkItemFullTextSearch, WorkItemExtras, WorkItemBatch, WorkItemChangeLog
):
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
