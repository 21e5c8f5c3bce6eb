"""Results of the full-text and view-model searches.

``compositive_search`` answers items whose keys are *capitalised* on the wire (``ID``,
``WorkItemTypeKey``, ``ProjectKey``: the official SDK's ``CompInfo``); the model keeps those
names as attributes and adds snake_case properties. ``universal_search`` and
``integrate_search`` answer their items as a JSON *string* in ``data`` (the SDK's ``*string``);
the client decodes it into ``SearchResultItem`` objects.
"""

from __future__ import annotations

import attrs

from .._text import is_digits
from .base import MeegleModel
from .common import Pagination

__all__ = [
    "CompositiveResult",
    "CompositiveSearchPage",
    "SearchResultItem",
    "SearchResultPage",
]


@attrs.define(frozen=True, kw_only=True, slots=True)
class CompositiveResult(MeegleModel):
    """One full-text hit: a work item (or a view) with the words that matched (``SearchHit``)."""

    ID: str | None = None
    name: str | None = None
    WorkItemTypeKey: str | None = None
    ProjectKey: str | None = None
    CreatedBy: str | None = None
    CreatedAt: int | None = None
    SearchHit: list[str] | None = None
    ViewScopeKey: str | None = None
    ProjectKeys: list[str] | None = None

    @property
    def id(self) -> int | None:
        """The work item id as an int (``None`` for a view or a non-numeric id)."""
        return int(self.ID) if self.ID is not None and is_digits(self.ID) else None

    @property
    def work_item_type_key(self) -> str | None:
        """``WorkItemTypeKey``."""
        return self.WorkItemTypeKey

    @property
    def project_key(self) -> str | None:
        """``ProjectKey``."""
        return self.ProjectKey


@attrs.define(frozen=True, kw_only=True, slots=True)
class CompositiveSearchPage(MeegleModel):
    """One page of ``compositive_search``."""

    items: list[CompositiveResult] | None = None
    pagination: Pagination | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class SearchResultItem(MeegleModel):
    """A work item as the view-model searches return it: ``work_item_id`` and the fields asked
    for in ``field_selected`` (others are kept: ``item.get("key")``)."""

    work_item_id: int | None = None
    name: str | None = None
    work_item_type_key: str | None = None
    project_key: str | None = None
    created_at: int | None = None
    updated_at: int | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class SearchResultPage(MeegleModel):
    """One page of ``universal_search`` or ``integrate_search``: the items, the cursor of the
    next page (``pagination.search_after``; empty on the last page) and the total."""

    items: list[SearchResultItem] | None = None
    pagination: Pagination | None = None

    @property
    def next_search_after(self) -> str | None:
        """The cursor of the next page, or ``None`` on the last one."""
        after = self.pagination.search_after if self.pagination is not None else None
        return after or None
