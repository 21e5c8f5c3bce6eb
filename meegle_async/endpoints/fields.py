"""``client.fields``: field settings of a space or work item type (read, create, update)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .._text import shown
from ..errors import MeegleServerError, MeegleValidationError
from ..models.base import structure_list
from ..models.common import input_json, input_json_list
from ..models.enums import CustomFieldType, ZeroOrOne
from ..models.fields import FieldOption, OptionUpdate, SimpleField, TeamOption
from ._checks import require_text, require_text_list
from .field_options import FieldOptions

__all__ = [
    "FIELD_TEXT_MAX_CHARS",
    "OPTION_FIELD_TYPES",
    "RELATED_WORK_ITEM_FIELD_TYPES",
    "SUPPORTED_FIELD_TYPES",
    "TEAM_OPTION_FIELD_TYPES",
    "Fields",
]

#: ``field_type_key`` values create_custom_field accepts.
SUPPORTED_FIELD_TYPES: frozenset[str] = frozenset(
    {
        "text",
        "multi_text",
        "select",
        "multi_select",
        "tree_select",
        "tree_multi_select",
        "radio",
        "user",
        "multi_user",
        "date",
        "schedule",
        "link",
        "number",
        "multi_file",
        "bool",
        "signal",
        "work_item_related_select",
        "work_item_related_multi_select",
    }
)
#: Types whose options come from ``field_value`` or another field (``value_type`` 1).
OPTION_FIELD_TYPES: frozenset[str] = frozenset(
    {"select", "multi_select", "tree_select", "tree_multi_select", "radio"}
)
#: Types that take a ``team_option`` (cascading selects).
TEAM_OPTION_FIELD_TYPES: frozenset[str] = frozenset({"tree_select", "tree_multi_select"})
#: Types that link work items and need ``work_item_relation_uuid``.
RELATED_WORK_ITEM_FIELD_TYPES: frozenset[str] = frozenset(
    {"work_item_related_select", "work_item_related_multi_select"}
)
#: The longest field name or help description the server takes (1000053603, 1000053604).
FIELD_TEXT_MAX_CHARS = 255

_GET_ALL = "get_field_information"
_CREATE = "create_custom_field"
_UPDATE = "update_custom_field"
_ACTIONS = {0: "add", 1: "modify", 2: "delete"}


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise MeegleValidationError(f"{name} must be True or False, not {shown(value)}")
    return value


def _free_add(value: object) -> int:
    # The request wants 1 (allow) or 2 (do not allow); a bool is the natural way to say it.
    if value is True:
        return 1
    if value is False:
        return 2
    if isinstance(value, int) and value in (1, 2):
        return value
    raise MeegleValidationError(
        "free_add must be 1 (users may add options), 2 (they may not) or a bool, not "
        f"{shown(value)}"
    )


def _check_option_labels(options: Sequence[Mapping[str, Any]], name: str) -> None:
    for i, option in enumerate(options):
        where = f"{name}[{i}]"
        require_text(option.get("label"), f"{where}.label")
        children = option.get("children")
        if children:
            _check_option_labels(children, f"{where}.children")


def _check_option_updates(items: Sequence[Any], name: str, *, action_required: bool) -> None:
    # Checked on the caller's values, before the model coerces them (``True`` would become 1).
    for i, raw in enumerate(items):
        where = f"{name}[{i}]"
        if isinstance(raw, OptionUpdate):
            item: Mapping[str, Any] = {
                k: getattr(raw, k) for k in ("label", "value", "action", "children")
            }
        elif isinstance(raw, Mapping):
            item = raw
        else:
            raise MeegleValidationError(
                f"{where} must be an OptionUpdate or a dict, not {type(raw).__name__}"
            )
        action = item.get("action")
        if action is None:
            if action_required:
                raise MeegleValidationError(
                    f"{where}: action is required: 0 (add), 1 (modify) or 2 (delete)"
                )
        elif isinstance(action, bool) or action not in _ACTIONS:
            raise MeegleValidationError(
                f"{where}.action must be 0 (add), 1 (modify) or 2 (delete), not {shown(action)}"
            )
        elif action == 0:
            require_text(item.get("label"), f"{where}.label (needed to add an option)")
        else:
            require_text(
                item.get("value"),
                f"{where}.value (the option id, needed to {_ACTIONS[action]} an option)",
            )
        children = item.get("children")
        if children:
            _check_option_updates(children, f"{where}.children", action_required=False)


def _common_inputs(
    body: dict[str, Any],
    *,
    field_alias: str | None,
    free_add: int | bool | None,
    work_item_relation_uuid: str | None,
    default_value: Any,
    help_description: str | None,
    authorized_roles: Sequence[str] | None,
    team_option: TeamOption | Mapping[str, Any] | None,
) -> None:
    if field_alias is not None:
        body["field_alias"] = require_text(field_alias, "field_alias")
    if free_add is not None:
        body["free_add"] = _free_add(free_add)
    if work_item_relation_uuid is not None:
        body["work_item_relation_uuid"] = require_text(
            work_item_relation_uuid, "work_item_relation_uuid"
        )
    if default_value is not None:
        body["default_value"] = default_value
    if help_description is not None:
        if not isinstance(help_description, str):
            raise MeegleValidationError(
                f"help_description must be a string, not {shown(help_description)}"
            )
        if len(help_description) > FIELD_TEXT_MAX_CHARS:
            raise MeegleValidationError(
                f"help_description is {len(help_description)} characters long; the server "
                f"takes at most {FIELD_TEXT_MAX_CHARS}"
            )
        body["help_description"] = help_description
    if authorized_roles is not None:
        body["authorized_roles"] = require_text_list(authorized_roles, "authorized_roles")
    if team_option is not None:
        if "field_value" in body:
            raise MeegleValidationError(
                "field_value and team_option cannot be sent together: use field_value for the "
                "option list, team_option for the team scope of a cascading select"
            )
        body["team_option"] = input_json(team_option, TeamOption, name="team_option")


class Fields(FieldOptions):
    """Field settings: ``client.fields.get_all(...)``, ``create``, ``update``."""

    async def get_all(
        self, project_key: str, *, work_item_type_key: str | None = None
    ) -> list[SimpleField]:
        """Every field of a space, or of one work item type in it.

        POST /open_api/{project_key}/field/all

        Args:
            project_key: space project key or simple name.
            work_item_type_key: only the fields of this type (all of the space's when left out).

        Returns:
            ``SimpleField`` objects: keys, types, names, ``options`` of select fields,
            ``compound_fields`` of compound fields.

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleNotFoundError: the space has no such work item type (30001).

        Example::

            fields = await client.fields.get_all("space", work_item_type_key="story")
            by_name = {f.field_name: f.field_key for f in fields}
        """
        body: dict[str, Any] = {}
        if work_item_type_key is not None:
            body["work_item_type_key"] = require_text(work_item_type_key, "work_item_type_key")
        resp = await self._call(
            _GET_ALL,
            path_params={"project_key": require_text(project_key, "project_key")},
            json=body,
        )
        return structure_list(resp.data, SimpleField)

    async def create(
        self,
        project_key: str,
        work_item_type_key: str,
        *,
        field_name: str,
        field_type_key: CustomFieldType,
        field_alias: str | None = None,
        value_type: ZeroOrOne | None = None,
        field_value: Sequence[FieldOption | Mapping[str, Any]] | Mapping[str, Any] | None = None,
        reference_work_item_type_key: str | None = None,
        reference_field_key: str | None = None,
        is_multi: bool | None = None,
        format: bool | None = None,
        free_add: int | bool | None = None,
        work_item_relation_uuid: str | None = None,
        default_value: Any = None,
        help_description: str | None = None,
        authorized_roles: Sequence[str] | None = None,
        team_option: TeamOption | Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Create a custom field on a work item type.

        POST /open_api/{project_key}/field/{work_item_type_key}/create

        Args:
            project_key: space project key or simple name.
            work_item_type_key: the type that gets the field.
            field_name: the field's name (unique, at most 255 characters).
            field_type_key: one of ``SUPPORTED_FIELD_TYPES`` (``text``, ``select``, ``date``, ...).
            field_alias: the field's alias (unique within the type).
            value_type: for option fields: 0 custom options (default), 1 reuse another
                field's options (then ``reference_work_item_type_key`` and
                ``reference_field_key`` are required).
            field_value: the options of an option field: ``FieldOption``s or dicts
                (``label``, ``children`` for cascading options, ...), or an object sent as given.
                Not with ``team_option``.
            reference_work_item_type_key: the type of the field whose options are reused.
            reference_field_key: the field whose options are reused.
            is_multi: text fields: multi-line.
            format: date fields: date only (``True``) or date and time.
            free_add: users may add options: ``True``/1 or ``False``/2 (default).
            work_item_relation_uuid: the work item relation (from ``get_all``); required for
                ``work_item_related_select`` and ``work_item_related_multi_select``.
            default_value: the default value, shaped as the field type's values.
            help_description: help text (at most 255 characters).
            authorized_roles: roles or system keys that may use the field
                (``_master``, ``_owner``, ``_role``); anyone by default.
            team_option: a ``TeamOption`` (or dict): team scope of a ``tree_select`` or
                ``tree_multi_select`` field. Not with ``field_value``.
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Returns:
            The new field's key (``field_73jds7``).

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleInvalidParamsError: name or alias already used (1000051750, 1000051468),
                name too long (1000053603).
            MeegleStateConflictError: the field settings were being changed concurrently
                (1000051469).

        Example::

            key = await client.fields.create(
                "space", "story", field_name="Platform", field_type_key="select",
                field_value=[{"label": "iOS"}, {"label": "Android"}], free_add=False,
            )
        """
        path = {
            "project_key": require_text(project_key, "project_key"),
            "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
        }
        ftype = require_text(field_type_key, "field_type_key")
        if ftype not in SUPPORTED_FIELD_TYPES:
            raise MeegleValidationError(
                f"field_type_key {shown(ftype)} cannot be created through the API; use one of "
                f"{', '.join(sorted(SUPPORTED_FIELD_TYPES))}"
            )
        body: dict[str, Any] = {
            "field_name": require_text(field_name, "field_name", limit=FIELD_TEXT_MAX_CHARS),
            "field_type_key": ftype,
        }
        if value_type is not None:
            if isinstance(value_type, bool) or value_type not in (0, 1):
                raise MeegleValidationError(
                    f"value_type must be 0 (custom options) or 1 (reuse another field's), "
                    f"not {shown(value_type)}"
                )
            if ftype not in OPTION_FIELD_TYPES:
                raise MeegleValidationError(
                    "value_type applies to option fields "
                    f"({', '.join(sorted(OPTION_FIELD_TYPES))}), not to {shown(ftype)}"
                )
            body["value_type"] = value_type
        if value_type == 1:
            if reference_work_item_type_key is None or reference_field_key is None:
                raise MeegleValidationError(
                    "value_type 1 (reuse options) needs both reference_work_item_type_key and "
                    "reference_field_key"
                )
        elif reference_work_item_type_key is not None or reference_field_key is not None:
            raise MeegleValidationError(
                "reference_work_item_type_key and reference_field_key are used only with "
                "value_type=1 (reuse another field's options)"
            )
        if reference_work_item_type_key is not None:
            body["reference_work_item_type_key"] = require_text(
                reference_work_item_type_key, "reference_work_item_type_key"
            )
        if reference_field_key is not None:
            body["reference_field_key"] = require_text(reference_field_key, "reference_field_key")
        if field_value is not None:
            if ftype not in OPTION_FIELD_TYPES:
                raise MeegleValidationError(
                    f"field_value (options) applies to option fields "
                    f"({', '.join(sorted(OPTION_FIELD_TYPES))}), not to {shown(ftype)}"
                )
            if isinstance(field_value, Mapping):
                body["field_value"] = dict(field_value)
            else:
                options = input_json_list(field_value, FieldOption, name="field_value")
                _check_option_labels(options, "field_value")
                body["field_value"] = options
        if is_multi is not None:
            body["is_multi"] = _flag(is_multi, "is_multi")
        if format is not None:
            body["format"] = _flag(format, "format")
        if ftype in RELATED_WORK_ITEM_FIELD_TYPES and work_item_relation_uuid is None:
            raise MeegleValidationError(
                f"a {ftype} field needs work_item_relation_uuid (the work item relation's id, "
                "from fields.get_all)"
            )
        if team_option is not None and ftype not in TEAM_OPTION_FIELD_TYPES:
            raise MeegleValidationError(
                "team_option applies to tree_select and tree_multi_select fields, not "
                f"{shown(ftype)}"
            )
        _common_inputs(
            body,
            field_alias=field_alias,
            free_add=free_add,
            work_item_relation_uuid=work_item_relation_uuid,
            default_value=default_value,
            help_description=help_description,
            authorized_roles=authorized_roles,
            team_option=team_option,
        )
        resp = await self._call(
            _CREATE, path_params=path, json=body, idempotency_key=idempotency_key
        )
        if not isinstance(resp.data, str) or not resp.data:
            raise MeegleServerError(
                f"create_custom_field answered {shown(resp.data)} where the new field_key was "
                "expected",
                endpoint=resp.endpoint or _CREATE,
                log_id=resp.log_id,
                http_status=resp.status,
            )
        return resp.data

    async def update(
        self,
        project_key: str,
        work_item_type_key: str,
        *,
        field_key: str,
        field_name: str | None = None,
        field_value: Sequence[OptionUpdate | Mapping[str, Any]] | None = None,
        free_add: int | bool | None = None,
        work_item_relation_uuid: str | None = None,
        default_value: Any = None,
        field_alias: str | None = None,
        help_description: str | None = None,
        authorized_roles: Sequence[str] | None = None,
        team_option: TeamOption | Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Change a custom field's settings or options.

        PUT /open_api/{project_key}/field/{work_item_type_key}

        Only the arguments given are sent. For a compound field, its own ``field_key`` changes
        only ``field_name``, ``field_alias`` and ``help_description``; a sub-field's key changes
        everything.

        Args:
            project_key: space project key or simple name.
            work_item_type_key: the field's work item type.
            field_key: the field to change (from ``get_all``).
            field_name: new name (at most 255 characters).
            field_value: option changes: ``OptionUpdate``s or dicts with ``action`` 0 (add,
                needs ``label``), 1 (modify) or 2 (delete), both needing ``value`` (the
                option id). A sub-option of a cascading field needs ``parent_value`` when added
                or modified. Not with ``team_option``.
            free_add: users may add options: ``True``/1 or ``False``/2.
            work_item_relation_uuid: the work item relation of a related-work-item field.
            default_value: the default value, shaped as the field type's values.
            field_alias: new alias.
            help_description: help text (at most 255 characters).
            authorized_roles: roles or system keys that may use the field.
            team_option: a ``TeamOption`` (or dict). Not with ``field_value``.
            idempotency_key: the ``X-Idem-UUID`` (one is made when left out).

        Raises:
            MeegleValidationError: bad input, or nothing to change; nothing was sent.
            MeegleInvalidParamsError: name or alias already used, name or description too long
                (1000053603, 1000053604), too many options (1000053605), type not supported.

        Example::

            await client.fields.update(
                "space", "story", field_key="field_73jds7",
                field_value=[
                    OptionUpdate(label="Web", action=OptionAction.ADD),
                    {"value": "opt_old", "action": 2},
                ],
            )
        """
        path = {
            "project_key": require_text(project_key, "project_key"),
            "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
        }
        body: dict[str, Any] = {"field_key": require_text(field_key, "field_key")}
        if field_name is not None:
            body["field_name"] = require_text(field_name, "field_name", limit=FIELD_TEXT_MAX_CHARS)
        if field_value is not None:
            value: object = field_value
            if isinstance(value, (str, bytes)) or not isinstance(value, (Mapping, Iterable)):
                raise MeegleValidationError(
                    f"field_value must be a list of option changes, not {shown(field_value)}"
                )
            given = field_value if isinstance(field_value, Mapping) else list(field_value)
            updates = input_json_list(given, OptionUpdate, name="field_value")
            _check_option_updates(given, "field_value", action_required=True)
            body["field_value"] = updates
        _common_inputs(
            body,
            field_alias=field_alias,
            free_add=free_add,
            work_item_relation_uuid=work_item_relation_uuid,
            default_value=default_value,
            help_description=help_description,
            authorized_roles=authorized_roles,
            team_option=team_option,
        )
        if len(body) == 1:
            raise MeegleValidationError(
                "nothing to update: pass field_name, field_value, free_add, default_value, "
                "field_alias, help_description, authorized_roles, work_item_relation_uuid or "
                "team_option"
            )
        await self._call(_UPDATE, path_params=path, json=body, idempotency_key=idempotency_key)
