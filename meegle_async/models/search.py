"""Search inputs and results shared by the work item filters and searches.

Inputs: ``TimeInterval`` (a ``created_at``/``updated_at`` range in 13-digit milliseconds),
``SearchUser`` (the user condition of ``filter_across_projects``), and the condition tree
``SearchGroup``/``SearchParam`` (defined in :mod:`.common`, re-exported here because every search
takes them). Every input also accepts a plain dict with the same keys.

Result: ``WorkItemPage``, one page of work items (the same ``WorkItem`` model as
``work_items.get_details``) with its ``pagination``.
"""

from __future__ import annotations

import attrs

from .base import MeegleModel
from .common import Pagination, SearchGroup, SearchParam
from .enums import SearchUserFieldKey
from .work_items import WorkItem

__all__ = ["SearchGroup", "SearchParam", "SearchUser", "TimeInterval", "WorkItemPage"]


@attrs.define(frozen=True, kw_only=True, slots=True)
class TimeInterval(MeegleModel):
    """A time range in 13-digit milliseconds; ``end`` left out means "until now".

    Example::

        TimeInterval(start=1_719_878_400_000, end=1_719_964_799_999)
    """

    start: int | None = None
    end: int | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class SearchUser(MeegleModel):
    """Who a cross-space filter looks for: ``user_keys`` (required) in the ``field_key`` field
    (``owner``, ``watchers``, ``issue_operator`` or ``issue_reporter``) or the ``role``.

    Example::

        SearchUser(user_keys=["7000000000000000001"], field_key="owner")
    """

    user_keys: list[str] | None = None
    field_key: SearchUserFieldKey | None = None
    role: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class WorkItemPage(MeegleModel):
    """One page of a work item filter or search: ``items`` (the envelope's ``data``) and
    ``pagination`` (``page_num``, ``page_size``, ``total``)."""

    items: list[WorkItem] | None = None
    pagination: Pagination | None = None

    @property
    def total(self) -> int | None:
        """How many work items match the query in all (``pagination.total``), if the server said."""
        return self.pagination.total if self.pagination is not None else None
