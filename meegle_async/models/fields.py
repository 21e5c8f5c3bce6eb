"""Field settings: fields with their options and compound sub-fields, option updates, team scope.

Flags the server sends as integers (``is_disabled``, ``is_visibility``) stay integers; an option's
``value`` is its id, a string even when it looks numeric.
"""

from __future__ import annotations

import enum
from typing import Any

import attrs

from .base import MeegleModel

__all__ = [
    "FieldOption",
    "OptionAction",
    "OptionUpdate",
    "SimpleField",
    "TeamDataScope",
    "TeamOption",
]


class OptionAction(enum.IntEnum):
    """What an ``OptionUpdate`` does to an option (``action`` in update_custom_field)."""

    ADD = 0
    MODIFY = 1
    DELETE = 2


@attrs.define(frozen=True, kw_only=True, slots=True)
class FieldOption(MeegleModel):
    """An option of a select-type field; ``children`` are cascading sub-options.

    Also what ``fields.create`` takes as ``field_value`` items (``label``, ``children``, ...).
    """

    label: str | None = None
    value: str | None = None
    children: list[FieldOption] | None = None
    is_disabled: int | None = None
    is_visibility: int | None = None
    order: int | None = None
    color: str | None = None
    work_item_type_key: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class SimpleField(MeegleModel):
    """A field of a space or work item type (``fields.get_all``).

    ``options`` for select-type fields, ``compound_fields`` (fields again) for ``compound_field``.
    """

    field_key: str | None = None
    field_alias: str | None = None
    field_type_key: str | None = None
    field_name: str | None = None
    is_custom_field: bool | None = None
    is_obsoleted: bool | None = None
    work_item_scopes: list[str] | None = None
    value_generate_mode: str | None = None
    relation_id: str | None = None
    options: list[FieldOption] | None = None
    compound_fields: list[SimpleField] | None = None
    editable_personnel_scope: dict[str, Any] | None = None
    number_config: dict[str, Any] | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class OptionUpdate(MeegleModel):
    """One change to a field's options (``field_value`` items of ``fields.update``).

    ``action``: 0 add, 1 modify, 2 delete (``OptionAction``). ``value`` is the option id (needed
    to modify or delete); ``parent_value`` the parent option's value, required when adding or
    modifying a sub-option of a cascading field.

    Example::

        OptionUpdate(label="P0", action=OptionAction.ADD)
        OptionUpdate(label="Mobile", value="opt_m", action=1, parent_value="opt_platform")
    """

    label: str | None = None
    value: str | None = None
    action: int | None = None
    parent_value: str | None = None
    children: list[OptionUpdate] | None = None
    disabled: int | None = None
    config_order: int | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class TeamDataScope(MeegleModel):
    """A team in a ``TeamOption`` scope; ``cascade`` includes its sub-teams."""

    team_id: str | None = None
    cascade: bool | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class TeamOption(MeegleModel):
    """Team scope of a cascading select (``tree_select``, ``tree_multi_select``) field."""

    team_mode: str | None = None
    team_data_scopes: list[TeamDataScope] | None = None
