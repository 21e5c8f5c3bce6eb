"""``client.fields.get_options`` / ``iter_options``: a select-type field's options, level by
level (a mixin of ``Fields``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from ..errors import MeeglePaginationError
from ..models.base import structure
from ..models.fields import FieldOption
from ..models.work_item_extras import FieldOptionsPage
from ._base import EndpointGroup
from ._checks import bad_answer, require_id, require_text

__all__ = ["FieldOptions"]


class FieldOptions(EndpointGroup):
    """The options endpoint of the Java SDK (``queryWorkItemFieldOptions``)."""

    async def get_options(
        self,
        project_key: str,
        work_item_type_key: str,
        field_key: str,
        *,
        work_item_id: int | str | None = None,
        first_option_key: str | None = None,
    ) -> FieldOptionsPage:
        """One page of the options of a select-type field (the options a work item may take,
        with ``work_item_id``), starting after ``first_option_key``; ``has_more`` says whether
        another page follows.

        POST /open_api/work_item/field/options

        Example::

            page = await client.fields.get_options("space_demo", "story", "priority")
            labels = [o.label for o in page.options or []]
        """
        body: dict[str, Any] = {
            "project_key": require_text(project_key, "project_key"),
            "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
            "field_key": require_text(field_key, "field_key"),
        }
        if work_item_id is not None:
            body["work_item_id"] = require_id(work_item_id)
        if first_option_key is not None:
            body["first_option_key"] = require_text(first_option_key, "first_option_key")
        resp = await self._call("query_work_item_field_options", json=body)
        if not isinstance(resp.data, Mapping):
            raise bad_answer(resp, "expected the field's options")
        return structure(resp.data, FieldOptionsPage)

    async def iter_options(
        self,
        project_key: str,
        work_item_type_key: str,
        field_key: str,
        *,
        work_item_id: int | str | None = None,
    ) -> AsyncIterator[FieldOption]:
        """Every option of ``get_options``, page after page: each next page starts after the
        last option's ``value``. Ends when ``has_more`` is false or a page is empty; a page
        that starts where the one before did raises ``MeeglePaginationError``.
        """
        after: str | None = None
        seen: set[str] = set()
        while True:
            page = await self.get_options(
                project_key,
                work_item_type_key,
                field_key,
                work_item_id=work_item_id,
                first_option_key=after,
            )
            options = page.options or []
            for option in options:
                if option.value is not None and option.value in seen:
                    continue
                if option.value is not None:
                    seen.add(option.value)
                yield option
            if not page.has_more or not options:
                return
            last = options[-1].value
            if last is None or last == after:
                raise MeeglePaginationError(
                    "query_work_item_field_options: the next page would start where this one "
                    "did; stopping instead of looping",
                    endpoint="query_work_item_field_options",
                )
            after = last
