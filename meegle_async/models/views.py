"""Views: their settings (``ViewConf``), a fixed view with its item ids (``FixView``), pages.

Key names follow the official Go SDK's ``view`` models. ``view_type`` is an int on the wire
(1 conditional, 2 fixed, 3 panorama, as the platform numbers them: kept as sent).
"""

from __future__ import annotations

import attrs

from .base import MeegleModel
from .common import Pagination
from .work_items import WorkItem

__all__ = ["AggregateField", "FixView", "QuickFilter", "ViewConf", "ViewItemsPage", "ViewPage"]


@attrs.define(frozen=True, kw_only=True, slots=True)
class QuickFilter(MeegleModel):
    """A quick filter saved on a view: pass ``quick_filter_id`` to ``views.get_items``."""

    quick_filter_id: str | None = None
    quick_filter_name: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class ViewConf(MeegleModel):
    """A view as ``views.list`` returns it: id, name, kind, URL, who made it, quick filters."""

    view_id: str
    name: str | None = None
    view_url: str | None = None
    view_type: int | None = None
    auth: int | None = None
    system_view: int | None = None
    collaborators: list[str] | None = None
    created_at: int | None = None
    created_by: str | None = None
    quick_filters: list[QuickFilter] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class FixView(MeegleModel):
    """A fixed (or conditional) view with one page of its work item ids."""

    view_id: str | None = None
    name: str | None = None
    created_by: str | None = None
    created_at: int | None = None
    modified_by: str | None = None
    work_item_id_list: list[int] | None = None
    editable: bool | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class ViewPage(MeegleModel):
    """One page of ``views.list``: ``items`` and ``pagination``."""

    items: list[ViewConf] | None = None
    pagination: Pagination | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class ViewItemsPage(MeegleModel):
    """One page of a view's items: the view (``view``, with ``work_item_id_list`` for a fixed or
    conditional view) or the items themselves (``items``, for a panorama view)."""

    view: FixView | None = None
    items: list[WorkItem] | None = None
    pagination: Pagination | None = None

    @property
    def total(self) -> int | None:
        """How many items the view holds in all, if the server said."""
        return self.pagination.total if self.pagination is not None else None


@attrs.define(frozen=True, kw_only=True, slots=True)
class AggregateField(MeegleModel):
    """A field an aggregate view of a space can show (the SDK's ``ResourceItem``; its
    ``class`` and the rest are read with ``get``)."""

    key: str | None = None
    label: str | None = None
    type: str | None = None
    description: str | None = None
