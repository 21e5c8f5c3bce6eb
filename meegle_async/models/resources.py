"""The work item resource library: resource instances, search pages, creation results.

Two shapes describe a resource instance: the detail query returns one like a work item (``id``,
``fields``, people as user keys), the search returns another (``work_item_id``, people as objects).
"""

from __future__ import annotations

import attrs

from .base import MeegleModel
from .common import Pagination
from .work_items import FieldsView, UserDetail

__all__ = [
    "CreateFromResourceResult",
    "DataSource",
    "IgnoreCreateInfo",
    "ResourceInstance",
    "ResourceRoleOwner",
    "ResourceSearchItem",
    "ResourceSearchPage",
    "ResourceTemplate",
]


@attrs.define(frozen=True, kw_only=True, slots=True)
class ResourceInstance(FieldsView):
    """A resource-library work item from ``resources.get_details``.

    Read fields with ``field("key_or_alias")`` as on a ``WorkItem``; the server leaves out fields
    whose value is empty.
    """

    id: int | None = None
    name: str | None = None
    work_item_type_key: str | None = None
    project_key: str | None = None
    template_id: int | None = None
    template_type: str | None = None
    simple_name: str | None = None
    created_by: str | None = None
    updated_by: str | None = None
    created_at: int | None = None
    updated_at: int | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class DataSource(MeegleModel):
    """Where a resource search looks: a space and ONE work item type key.

    ``work_item_type_keys`` is a single string on the wire despite its plural name.

    Example::

        DataSource(project_key="space", work_item_type_keys="story")
    """

    project_key: str | None = None
    work_item_type_keys: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class ResourceRoleOwner(MeegleModel):
    """A role of a resource instance in a search answer, with its owners as people."""

    role: str | None = None
    role_key: str | None = None
    owners: list[UserDetail] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class ResourceTemplate(MeegleModel):
    """The process template of a resource instance in a search answer."""

    id: int | None = None
    state_flow_key: str | None = None
    work_flow_key: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class ResourceSearchItem(MeegleModel):
    """A resource instance as the search returns it: its id is ``work_item_id`` (not ``id``).

    Without ``field_selected`` the server sends only ``work_item_id``; fields it sends that this
    model does not name are kept (``item.get("key")``, ``to_dict(item)``).
    """

    work_item_id: int | None = None
    name: str | None = None
    work_item_type_key: str | None = None
    project_key: str | None = None
    template_type: str | None = None
    created_by: UserDetail | None = None
    updated_by: UserDetail | None = None
    owner: UserDetail | None = None
    role_owners: list[ResourceRoleOwner] | None = None
    created_at: int | None = None
    updated_at: int | None = None
    template_version: int | None = None
    template: ResourceTemplate | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class ResourceSearchPage(MeegleModel):
    """One page of a resource search: the instances (``data``) and ``pagination``.

    ``next_search_after`` is the cursor of the next page, ``None`` on the last one.
    """

    data: list[ResourceSearchItem] | None = None
    pagination: Pagination | None = None

    @property
    def items(self) -> list[ResourceSearchItem]:
        """``data``, or an empty list when the server sent none."""
        return list(self.data or ())

    @property
    def next_search_after(self) -> str | None:
        """The cursor to pass as ``search_after``; ``None`` (end) when empty or missing."""
        cursor = self.pagination.search_after if self.pagination else None
        return cursor or None


@attrs.define(frozen=True, kw_only=True, slots=True)
class IgnoreCreateInfo(MeegleModel):
    """Fields and roles the server ignored when creating from a resource."""

    field_keys: list[str] | None = None
    role_ids: list[str] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class CreateFromResourceResult(MeegleModel):
    """What ``resources.create_work_item`` returns: the new item's id and what was ignored."""

    work_item_id: int | None = None
    ignore_create_info: IgnoreCreateInfo | None = None
