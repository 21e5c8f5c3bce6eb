"""The change log on ``client.work_items``: one page, or every record over any range of
days and ids (a mixin of ``WorkItems``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

from ..errors import (
    MeegleValidationError,
)
from ..helpers.chunking import (
    MAX_IDS_PER_REQUEST,
    chunked,
    unique_ids,
    validate_ids,
)
from ..helpers.pagination import CursorPage, iter_cursor
from ..helpers.windows import fixed_windows
from ..models.base import structure
from ..models.enums import (
    OperationType,
    OperatorType,
    OpRecordModule,
    SourceType,
)
from ..models.work_items import (
    ChangeLogPage,
    OpRecord,
)
from ._base import EndpointGroup
from ._checks import require_text, shown
from ._work_item_common import (
    CHANGE_LOG_MAX_PAGE_SIZE,
    CHANGE_LOG_MAX_SPAN_MS,
    OP_RECORD_MODULES,
    OPERATION_TYPES,
    OPERATOR_TYPES,
    SOURCE_TYPES,
    _enum_list,
    _str_list,
    _time_range,
)


class WorkItemChangeLog(EndpointGroup):
    """``get_change_log`` and ``iter_change_log``."""

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
