"""Spaces (projects) and their work item types, as the discovery endpoints return them.

``spaces.list`` returns bare project keys (strings); ``spaces.get_details`` maps each key to a
``Space``; ``spaces.get_work_item_types`` lists ``WorkItemType`` entries. Key names follow the
official SDK's JSON (``docs/spec-discovery.md``).
"""

from __future__ import annotations

import attrs

from .base import MeegleModel

__all__ = ["Space", "WorkItemType"]


@attrs.define(frozen=True, kw_only=True, slots=True)
class Space(MeegleModel):
    """A space (the API's "project"): its key, display name and short URL name.

    ``administrators`` (user keys) is filled only when the acting user administers the space.

    Example::

        spaces = await client.spaces.get_details(project_keys=await client.spaces.list())
        for key, space in spaces.items():
            print(key, space.simple_name, space.name)
    """

    project_key: str | None = None
    name: str | None = None
    simple_name: str | None = None
    administrators: list[str] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class WorkItemType(MeegleModel):
    """A work item type of a space (``story``, ``issue``, a custom type, ...).

    ``type_key`` (or ``api_name``) is what other calls take as ``work_item_type_key``.
    ``is_disable`` is an int on the wire, not a bool; ``is_disabled`` reads it.

    Example::

        types = await client.spaces.get_work_item_types("space")
        usable = [t.type_key for t in types if not t.is_disabled]
    """

    type_key: str | None = None
    name: str | None = None
    is_disable: int | None = None
    api_name: str | None = None
    enable_model_resource_lib: bool | None = None

    @property
    def is_disabled(self) -> bool | None:
        """``True`` for ``is_disable == 1``, ``False`` for ``2`` (enabled), else ``None``.

        The platform documents only "2 = enabled"; 1 as disabled is the observed convention.
        """
        if self.is_disable == 1:
            return True
        if self.is_disable == 2:
            return False
        return None
