"""Field values by name: ``field_value_pairs`` built from creation metadata, and its cache.

Every write takes option *ids*, cascading options as a nested ``{value, children}`` path, role
owners as ``[{role, owners}]`` and dates as 13-digit milliseconds; the only place that says
which field wants what is "Get Work Item Creation Metadata". ``build_field_value_pairs`` turns
human values (labels, label paths, ``date``/``datetime``, ``{"rd": ["u1"]}``) into those pairs,
checking each against the metadata before anything is sent. It is pure: give it the metadata.

``FieldMetadataCache`` keeps the metadata per (space, work item type) for ``ttl`` seconds; the
first callers of a key share one fetch. ``client.work_items.build_fields`` uses the cache that
``metadata_cache_for(transport)`` gives, so a client and its ``with_options`` copies (which share
one transport) fetch a type's metadata once. A module-level weak mapping keyed by the transport
holds it rather than an attribute on the transport: the transport stays the object that sends
and knows nothing of field metadata, and the cache goes away with the transport it belongs to.

Value shapes per ``field_type_key`` (the wire shape in brackets):

* ``select``, ``radio``: an option label or id [``{"value": id}``]; ``{"value": id}`` forces an
  id, ``{"label": text}`` a label.
* ``multi_select``: a list of those [a list of ``{"value": id}``].
* ``tree_select`` (cascading): a label path to a leaf: ``["iOS", "iPhone"]``, ``"iOS / iPhone"``,
  or a leaf label found once in the tree (``"iPhone"``) [``{"value": id, "children": {...}}``].
* ``tree_multi_select``: a list of paths (each a string or a list of steps).
* ``user``: a user_key string. ``multi_user``: a list of user_keys.
* ``date``: a timezone-aware ``datetime``, a ``date`` (midnight UTC) or an int in ms [int ms].
* ``number``: int or float. ``bool``, ``signal``: bool. ``text``, ``multi_text``, ``link``: str.
* ``work_item_related_select``: a work item id; ``work_item_related_multi_select``: a list.
* ``role_owners``: ``{"rd": ["u1"]}`` (role key or role name) or ``[{"role", "owners"}]``
  [``[{"role": "rd", "owners": ["u1"]}]``].
* ``compound_field``: one group (a mapping of sub-field to value) or a list of groups, sub-fields
  named and built by the same rules [a list of groups, each a list of pairs].
* any other type: sent as given.
"""

from __future__ import annotations

import asyncio
import difflib
import math
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal

import attrs

from .._text import shown
from ..errors import MeegleValidationError
from ..models.common import FieldValuePair, RoleOwner
from ..models.fields import FieldOption, SimpleField
from ..models.work_items import FieldConfig, OptionConfig
from .chunking import validate_id
from .windows import check_ms

__all__ = [
    "DEFAULT_METADATA_TTL",
    "OPTION_FIELD_TYPES",
    "SEPARATE_ARGUMENT_FIELDS",
    "FieldMetadata",
    "FieldMetadataCache",
    "build_field_value_pairs",
    "check_field_values",
    "load_field_metadata",
    "metadata_cache_for",
]

#: Seconds a type's metadata is reused before it is fetched again.
DEFAULT_METADATA_TTL = 600.0
#: Field types whose values are option ids.
OPTION_FIELD_TYPES = frozenset(
    {"select", "radio", "multi_select", "tree_select", "tree_multi_select"}
)
#: Fields that ``create`` takes as arguments of their own, never as field values.
SEPARATE_ARGUMENT_FIELDS = {
    "name": "pass it as name= (a create argument of its own), not as a field",
    "template": "pass it as template_id= (a create argument of its own), not as a field",
    "template_id": "pass it as template_id= (a create argument of its own), not as a field",
}

Purpose = Literal["create", "update"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MS = timedelta(milliseconds=1)
_YES = 1  # is_required / is_disabled are int flags: 1 yes, 2 no


def _show(values: Iterable[str], limit: int = 20) -> str:
    items = [repr(v) for v in values]
    more = f", ... ({len(items) - limit} more)" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def _suggest(word: str, candidates: Iterable[str]) -> list[str]:
    by_fold: dict[str, str] = {}
    for candidate in candidates:
        by_fold.setdefault(candidate.casefold(), candidate)
    close = difflib.get_close_matches(word.casefold(), list(by_fold), n=3, cutoff=0.6)
    return [by_fold[c] for c in close]


def _is_list(value: object) -> bool:
    return isinstance(value, (list, tuple))


def _describe(conf: FieldConfig) -> str:
    name = conf.field_name or conf.field_key or conf.field_alias or "?"
    if conf.field_key and conf.field_key != name:
        return f"{shown(name)} ({conf.field_key})"
    return repr(name)


# -- the metadata, indexed -----------------------------------------------------------------


class FieldMetadata:
    """The fields of one work item type, found by key, alias or display name.

    Built from ``get_creation_metadata``'s answer (``FieldConfig`` list). Lookups are exact
    first (field keys, then aliases, then display names), then case-insensitive.

    Example::

        meta = await client.work_items.get_field_metadata("space", "story")
        pairs = meta.build({"Priority": "P1", "tags": ["Backend"]})
    """

    def __init__(
        self,
        fields: Iterable[FieldConfig],
        *,
        project_key: str | None = None,
        work_item_type_key: str | None = None,
        parent: FieldConfig | None = None,
    ) -> None:
        self.fields: tuple[FieldConfig, ...] = tuple(fields)
        self.project_key = project_key
        self.work_item_type_key = work_item_type_key
        self._parent = parent
        self._by_key: dict[str, FieldConfig] = {}
        self._by_alias: dict[str, FieldConfig] = {}
        self._by_name: dict[str, list[FieldConfig]] = {}
        for conf in self.fields:
            if conf.field_key:
                self._by_key.setdefault(conf.field_key, conf)
            if conf.field_alias:
                self._by_alias.setdefault(conf.field_alias, conf)
            if conf.field_name:
                self._by_name.setdefault(conf.field_name, []).append(conf)
        self._subs: dict[int, FieldMetadata] = {}

    def __repr__(self) -> str:
        return f"<FieldMetadata {self._where()}: {len(self.fields)} fields>"

    def _where(self) -> str:
        if self._parent is not None:
            return f"compound field {_describe(self._parent)}"
        if self.work_item_type_key and self.project_key:
            return (
                f"work item type {shown(self.work_item_type_key)} "
                f"of space {shown(self.project_key)}"
            )
        return "this work item type"

    def _names(self) -> list[str]:
        out: list[str] = []
        for conf in self.fields:
            out.extend(n for n in (conf.field_key, conf.field_alias, conf.field_name) if n)
        return out

    def field(self, name: str) -> FieldConfig:
        """The field called ``name`` (a field key, an alias or a display name).

        Raises:
            MeegleValidationError: no such field (the closest names are suggested), or a
                display name several fields share (their keys are listed).
        """
        if not isinstance(name, str) or not name.strip():
            raise MeegleValidationError(
                f"a field name must be a non-empty string, not {shown(name)}"
            )
        found = self._by_key.get(name) or self._by_alias.get(name)
        if found is not None:
            return found
        named = self._by_name.get(name)
        if named:
            return self._one(name, named)
        fold = name.casefold()
        for index in (self._by_key, self._by_alias):
            loose = [c for k, c in index.items() if k.casefold() == fold]
            if loose:
                return self._one(name, loose)
        loose = [c for n, cs in self._by_name.items() if n.casefold() == fold for c in cs]
        if loose:
            return self._one(name, loose)
        close = _suggest(name, self._names())
        hint = f"; did you mean {_show(close)}?" if close else ""
        raise MeegleValidationError(
            f"unknown field {shown(name)} in {self._where()}{hint} "
            "(get_creation_metadata lists the field keys, aliases and names)"
        )

    def _one(self, name: str, matches: list[FieldConfig]) -> FieldConfig:
        unique = list({id(c): c for c in matches}.values())
        if len(unique) == 1:
            return unique[0]
        keys = _show(c.field_key or c.field_alias or "?" for c in unique)
        raise MeegleValidationError(
            f"field name {shown(name)} is ambiguous in {self._where()}: it matches {len(unique)} "
            f"fields ({keys}); use the field key instead"
        )

    def required_fields(self) -> list[FieldConfig]:
        """The fields the metadata marks as required (``is_required == 1``)."""
        return [c for c in self.fields if c.is_required == _YES]

    def compound(self, conf: FieldConfig) -> FieldMetadata:
        """The sub-fields of compound field ``conf``, indexed like the type's fields."""
        sub = self._subs.get(id(conf))
        if sub is None:
            sub = FieldMetadata(
                conf.compound_fields or (),
                project_key=self.project_key,
                work_item_type_key=self.work_item_type_key,
                parent=conf,
            )
            self._subs[id(conf)] = sub
        return sub

    def value(self, name: str, value: Any) -> tuple[FieldConfig, Any]:
        """The field called ``name`` and ``value`` in the shape it is sent in.

        Raises:
            MeegleValidationError: an unknown field, an unknown or disabled option, a value of
                the wrong shape for the field's type.
        """
        conf = self.field(name)
        return conf, _convert(self, conf, value, required=False)

    def build(
        self,
        values: Mapping[str, Any],
        *,
        required: bool = False,
        purpose: Purpose = "create",
    ) -> list[FieldValuePair]:
        """``build_field_value_pairs`` over this metadata."""
        return build_field_value_pairs(self, values, required=required, purpose=purpose)

    def with_simple_fields(self, simple: Iterable[SimpleField]) -> FieldMetadata:
        """A copy whose option fields without options (and fields without an alias or a name)
        take them from ``fields.get_all``'s ``SimpleField`` of the same key."""
        by_key = {s.field_key: s for s in simple if s.field_key}
        return FieldMetadata(
            (_merge(c, by_key.get(c.field_key or "")) for c in self.fields),
            project_key=self.project_key,
            work_item_type_key=self.work_item_type_key,
        )

    def lacks_options(self) -> bool:
        """Whether an option field (compound sub-fields included) came without its options."""
        stack = list(self.fields)
        while stack:
            conf = stack.pop()
            if conf.field_type_key in OPTION_FIELD_TYPES and not conf.options:
                return True
            stack.extend(conf.compound_fields or ())
        return False


def _merge(conf: FieldConfig, simple: SimpleField | None) -> FieldConfig:
    if simple is None:
        return conf
    changes: dict[str, Any] = {}
    if conf.field_type_key in OPTION_FIELD_TYPES and not conf.options and simple.options:
        changes["options"] = [_option_config(o) for o in simple.options]
    if not conf.field_alias and simple.field_alias:
        changes["field_alias"] = simple.field_alias
    if not conf.field_name and simple.field_name:
        changes["field_name"] = simple.field_name
    if conf.compound_fields and simple.compound_fields:
        subs = {s.field_key: s for s in simple.compound_fields if s.field_key}
        changes["compound_fields"] = [
            _merge(c, subs.get(c.field_key or "")) for c in conf.compound_fields
        ]
    return attrs.evolve(conf, **changes) if changes else conf


def _option_config(option: FieldOption) -> OptionConfig:
    return OptionConfig(
        label=option.label,
        value=option.value,
        is_disabled=option.is_disabled,
        is_visibility=option.is_visibility,
        children=[_option_config(c) for c in option.children] if option.children else None,
    )


# -- the builder ---------------------------------------------------------------------------


def check_field_values(values: object, *, purpose: object = "create") -> None:
    """The checks of ``build_field_value_pairs`` that need no metadata: run them before
    fetching any (``values`` a mapping, ``purpose`` known).

    Raises:
        MeegleValidationError: ``values`` is not a mapping (``None`` included), or ``purpose``
            is neither ``"create"`` nor ``"update"``.
    """
    if purpose not in ("create", "update"):
        raise MeegleValidationError(f'purpose must be "create" or "update", not {shown(purpose)}')
    if not isinstance(values, Mapping):
        raise MeegleValidationError(
            f"fields must be a mapping of field name to value, not {type(values).__name__}"
        )


def build_field_value_pairs(
    metadata: FieldMetadata | Iterable[FieldConfig],
    values: Mapping[str, Any],
    *,
    required: bool = False,
    purpose: Purpose = "create",
) -> list[FieldValuePair]:
    """Field value pairs from human values, checked against a work item type's metadata.

    Pure: nothing is fetched or sent. The value shapes per field type are in this module's
    docstring (and the field builder guide).

    Args:
        metadata: the type's ``FieldMetadata``, or ``get_creation_metadata``'s list.
        values: field key, alias or display name -> value; pairs come out in this order.
        required: also refuse a value missing for a field the metadata marks required (the
            check ``required_mode=1`` asks the server for). ``name`` and ``template`` are
            ``create`` arguments and are not checked here.
        purpose: ``"create"`` refuses ``name`` (a create argument); ``"update"`` accepts it.
            ``template``/``template_id`` is refused either way.

    Returns:
        ``FieldValuePair`` per entry (``field_key`` and ``field_value``).

    Raises:
        MeegleValidationError: an unknown field (with the closest names), an ambiguous display
            name, the same field twice, an unknown option (the valid labels listed), a disabled
            option, a value of the wrong shape for the field's type, a missing required field
            (with ``required=True``), ``name``/``template_id`` among the fields.

    Example::

        meta = await client.work_items.get_creation_metadata("space", "story")
        pairs = build_field_value_pairs(
            meta, {"priority": "P1", "Platform": "iOS / iPhone", "due_date": date(2026, 12, 1)}
        )
    """
    index = metadata if isinstance(metadata, FieldMetadata) else FieldMetadata(metadata)
    check_field_values(values, purpose=purpose)
    pairs: list[FieldValuePair] = []
    given: dict[str, str] = {}
    for name, value in values.items():
        _refuse_separate(name, None, purpose)
        conf = index.field(name)
        _refuse_separate(name, conf, purpose)
        key = conf.field_key or conf.field_alias or name
        if key in given:
            raise MeegleValidationError(
                f"field {_describe(conf)} is given twice (as {shown(given[key])} and "
                f"{shown(name)}): "
                "give each field once"
            )
        given[key] = name
        converted = _convert(index, conf, value, required=required)
        if conf.field_key:
            pairs.append(FieldValuePair(field_key=conf.field_key, field_value=converted))
        else:
            pairs.append(FieldValuePair(field_alias=conf.field_alias, field_value=converted))
    if required:
        _check_required(index, given)
    return pairs


def _refuse_separate(name: str, conf: FieldConfig | None, purpose: Purpose) -> None:
    idents = [name] if conf is None else [conf.field_key, conf.field_alias]
    for ident in idents:
        if ident in SEPARATE_ARGUMENT_FIELDS and (purpose == "create" or ident != "name"):
            raise MeegleValidationError(
                f"fields: {shown(name)} must not be a field value: "
                f"{SEPARATE_ARGUMENT_FIELDS[ident]}"
            )


def _check_required(index: FieldMetadata, given: Mapping[str, str]) -> None:
    missing = [
        c
        for c in index.required_fields()
        if (c.field_key or c.field_alias or "") not in given
        and c.field_key not in SEPARATE_ARGUMENT_FIELDS
    ]
    if missing:
        raise MeegleValidationError(
            f"missing required field(s) of {index._where()}: "
            f"{', '.join(_describe(c) for c in missing)}; give them a value (or leave "
            "required=False / required_mode unset to let the server apply its defaults)"
        )


def _convert(index: FieldMetadata, conf: FieldConfig, value: Any, *, required: bool) -> Any:
    kind = conf.field_type_key or ""
    what = f"field {_describe(conf)} ({kind or 'no type'})"
    if value is None:
        raise MeegleValidationError(
            f"{what}: None is not a value; to clear the field send its empty value "
            '("" or []), or leave the field out'
        )
    if kind in ("select", "radio"):
        return {"value": _option(conf, conf.options or (), value, what).value}
    if kind == "multi_select":
        items = _items(value, what, "option labels or ids")
        return [{"value": _option(conf, conf.options or (), v, what).value} for v in items]
    if kind == "tree_select":
        return _tree(conf, value, what)
    if kind == "tree_multi_select":
        return [_tree(conf, v, what) for v in _items(value, what, "cascading paths")]
    if kind == "user":
        return _user(value, what)
    if kind == "multi_user":
        return [_user(v, what) for v in _items(value, what, "user_keys")]
    if kind == "date":
        return _ms(value, what)
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise MeegleValidationError(f"{what} takes an int or a float, not {shown(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise MeegleValidationError(f"{what} takes a finite number, not {shown(value)}")
        return value
    if kind in ("bool", "signal"):
        if not isinstance(value, bool):
            raise MeegleValidationError(f"{what} takes True or False, not {shown(value)}")
        return value
    if kind in ("text", "multi_text", "link"):
        if not isinstance(value, str):
            raise MeegleValidationError(f"{what} takes a string, not {shown(value)}")
        return value
    if kind == "work_item_related_select":
        return _item_id(value, what)
    if kind == "work_item_related_multi_select":
        return [_item_id(v, what) for v in _items(value, what, "work item ids")]
    if kind == "role_owners":
        return _role_owners(conf, value, what)
    if kind == "compound_field":
        return _compound(index, conf, value, what, required=required)
    return value


def _items(value: Any, what: str, of: str) -> list[Any]:
    if not _is_list(value):
        raise MeegleValidationError(f"{what} takes a list of {of}, not {shown(value)}")
    return list(value)


def _user(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise MeegleValidationError(f"{what} takes user_key strings, not {shown(value)}")
    return value


def _item_id(value: Any, what: str) -> int:
    try:
        return validate_id(value, name=what)
    except MeegleValidationError:
        raise MeegleValidationError(
            f"{what} takes work item ids (positive ints up to 2**63 - 1), not {shown(value)}"[:300]
        ) from None


def _ms(value: Any, what: str) -> int:
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise MeegleValidationError(
                f"{what}: {shown(value)} has no timezone; give an aware datetime "
                "(value.replace(tzinfo=timezone.utc) or a ZoneInfo), a date, or int ms"
            )
        return (value - _EPOCH) // _MS
    if isinstance(value, date):
        return (datetime(value.year, value.month, value.day, tzinfo=timezone.utc) - _EPOCH) // _MS
    if isinstance(value, bool) or not isinstance(value, int):
        raise MeegleValidationError(
            f"{what} takes a datetime (with tzinfo), a date or a 13-digit ms timestamp, "
            f"not {shown(value)}"
        )
    return check_ms(value, what)


# -- options -------------------------------------------------------------------------------


def _option(
    conf: FieldConfig, level: Sequence[OptionConfig], given: Any, what: str
) -> OptionConfig:
    """The option of ``level`` that ``given`` (label or id) names; enabled."""
    if not level:
        raise MeegleValidationError(
            f"{what}: the metadata lists no options here, so {shown(given)} cannot be checked; "
            "send this field as a field_value_pairs entry with the option id"
        )
    by_label_only = by_id_only = False
    text: Any = given
    if isinstance(given, Mapping):
        if "value" in given:
            text, by_id_only = given["value"], True
        elif "label" in given:
            text, by_label_only = given["label"], True
        else:
            raise MeegleValidationError(
                f"{what}: an option given as a mapping needs 'value' (an id) or 'label'"
            )
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str) or not text:
        raise MeegleValidationError(
            f"{what} takes an option label or id (a string), not {shown(given)}"
        )
    labels = [] if by_id_only else [o for o in level if o.label == text]
    ids = [] if by_label_only else [o for o in level if o.value == text]
    if not labels and not ids and not by_id_only:
        fold = text.casefold()
        labels = [o for o in level if o.label is not None and o.label.casefold() == fold]
    found = list({id(o): o for o in labels + ids}.values())
    if len(found) > 1:
        raise MeegleValidationError(
            f"{what}: {shown(text)} is ambiguous: it names options "
            f"{_show(f'{o.label} (id {o.value})' for o in found)}; pass "
            '{"value": id} to choose by id or {"label": text} by label'
        )
    if not found:
        valid = [o.label or o.value or "?" for o in level if o.is_disabled != _YES]
        close = _suggest(text, valid)
        hint = f"; did you mean {_show(close)}?" if close else ""
        kind = "option id" if by_id_only else "option"
        raise MeegleValidationError(
            f"{what}: unknown {kind} {shown(text)}{hint}; valid: {_show(valid)}"
        )
    option = found[0]
    if option.is_disabled == _YES:
        enabled = [o.label or o.value or "?" for o in level if o.is_disabled != _YES]
        raise MeegleValidationError(
            f"{what}: option {shown(option.label)} (id {option.value}) is disabled; "
            f"enabled options: {_show(enabled)}"
        )
    if option.value is None:
        raise MeegleValidationError(
            f"{what}: option {shown(option.label)} has no id in the metadata"
        )
    return option


def _tree(conf: FieldConfig, given: Any, what: str) -> dict[str, Any]:
    """A cascading value: the nested ``{value, children}`` of a path from the top to a leaf."""
    top = conf.options or ()
    steps = _tree_steps(top, given, what)
    path: list[OptionConfig] = []
    level: Sequence[OptionConfig] = top
    for step in steps:
        if not level:
            raise MeegleValidationError(
                f"{what}: the path {_path_text(path)} ends at a leaf; {shown(step)} is one step "
                "too many"
            )
        option = _option(conf, level, step, f"{what} at {_path_text(path) or 'the top level'}")
        path.append(option)
        level = option.children or ()
    if level:
        raise MeegleValidationError(
            f"{what}: {_path_text(path)} is not a leaf; a cascading value goes down to a leaf: "
            f"choose one of {_show(o.label or o.value or '?' for o in level)}"
        )
    out: dict[str, Any] | None = None
    for option in reversed(path):
        node: dict[str, Any] = {"value": option.value}
        if out is not None:
            node["children"] = out
        out = node
    assert out is not None  # steps is never empty
    return out


def _path_text(path: Sequence[OptionConfig]) -> str:
    return " / ".join(o.label or o.value or "?" for o in path)


def _tree_steps(top: Sequence[OptionConfig], given: Any, what: str) -> list[Any]:
    if isinstance(given, Mapping) and "children" in given:
        steps: list[Any] = []
        node: Any = given
        while node:
            if _is_list(node) and len(node) == 1:
                node = node[0]
            if not isinstance(node, Mapping):
                raise MeegleValidationError(
                    f"{what}: a nested value is {{'value': id, 'children': {{...}}}}, not "
                    f"{shown(given)}"
                )
            steps.append({k: node[k] for k in ("value", "label") if k in node})
            node = node.get("children")
        return steps
    if _is_list(given):
        if not given:
            raise MeegleValidationError(f"{what}: an empty path; give the labels top to leaf")
        return list(given)
    if isinstance(given, str):
        if any(o.label == given or o.value == given for o in top):
            return [given]
        if "/" in given:
            return [part.strip() for part in given.split("/")]
        leaf = _unique_path(top, given)
        if leaf is not None:
            return [{"value": o.value} for o in leaf]
        return [given]
    return [given]


def _unique_path(top: Sequence[OptionConfig], label: str) -> list[OptionConfig] | None:
    """The path to the one option labelled ``label`` below the top level, if exactly one is."""
    found: list[list[OptionConfig]] = []
    stack: list[list[OptionConfig]] = [[o] for o in top]
    while stack:
        path = stack.pop()
        if len(path) > 1 and path[-1].label == label:
            found.append(path)
        stack.extend([*path, c] for c in path[-1].children or ())
    return found[0] if len(found) == 1 else None


# -- role owners and compound fields -------------------------------------------------------


def _role_owners(conf: FieldConfig, value: Any, what: str) -> list[dict[str, Any]]:
    entries: list[tuple[Any, Any]]
    if isinstance(value, Mapping):
        entries = list(value.items())
    elif _is_list(value):
        entries = []
        for entry in value:
            if isinstance(entry, RoleOwner):
                entries.append((entry.role, entry.owners))
            elif isinstance(entry, Mapping) and "role" in entry:
                entries.append((entry["role"], entry.get("owners", [])))
            else:
                raise MeegleValidationError(
                    f"{what}: entries are {{'role': key, 'owners': [user_key, ...]}}, not "
                    f"{shown(entry)}"
                )
    else:
        raise MeegleValidationError(
            f'{what} takes {{"role": [user_key, ...]}} (or [{{"role", "owners"}}]), '
            f"not {shown(value)}"
        )
    roles = conf.role_assign or []
    by_key = {r.role: r.role for r in roles if r.role}
    by_name = {r.name: r.role for r in roles if r.name and r.role}
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for role, owners in entries:
        if not isinstance(role, str) or not role:
            raise MeegleValidationError(
                f"{what}: a role is a non-empty role key, not {shown(role)}"
            )
        key = (by_key.get(role) or by_name.get(role)) if roles else role
        if key is None:
            close = _suggest(role, [*by_key, *by_name])
            hint = f"; did you mean {_show(close)}?" if close else ""
            raise MeegleValidationError(
                f"{what}: unknown role {shown(role)}{hint}; the type's roles: "
                + ", ".join(f"{r.role} ({r.name})" if r.name else str(r.role) for r in roles)
            )
        if key in seen:
            raise MeegleValidationError(f"{what}: role {shown(key)} is given twice")
        seen.add(key)
        if not _is_list(owners):
            raise MeegleValidationError(
                f"{what}: role {shown(role)} takes a list of user_keys, not {shown(owners)}"
            )
        out.append(
            {"role": key, "owners": [_user(o, f"{what} role {shown(role)}") for o in owners]}
        )
    return out


def _compound(
    index: FieldMetadata, conf: FieldConfig, value: Any, what: str, *, required: bool
) -> list[list[dict[str, Any]]]:
    if isinstance(value, Mapping):
        groups: list[Any] = [value]
    elif _is_list(value):
        groups = list(value)
    else:
        raise MeegleValidationError(
            f"{what} takes a group (a mapping of sub-field to value) or a list of groups, "
            f"not {shown(value)}"
        )
    if not conf.compound_fields:
        raise MeegleValidationError(
            f"{what}: the metadata lists no sub-fields, so the groups cannot be built; send it "
            "as a field_value_pairs entry"
        )
    subs = index.compound(conf)
    out = []
    for i, group in enumerate(groups):
        if not isinstance(group, Mapping):
            raise MeegleValidationError(
                f"{what}: group {i} must be a mapping of sub-field to value, not {shown(group)}"
            )
        pairs = build_field_value_pairs(subs, group, required=required, purpose="update")
        out.append([_pair_json(p) for p in pairs])
    return out


def _pair_json(pair: FieldValuePair) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if pair.field_key is not None:
        out["field_key"] = pair.field_key
    if pair.field_alias is not None:
        out["field_alias"] = pair.field_alias
    out["field_value"] = pair.field_value
    return out


# -- loading and caching -------------------------------------------------------------------


async def load_field_metadata(
    project_key: str,
    work_item_type_key: str,
    get_metadata: Callable[[], Awaitable[Sequence[FieldConfig]]],
    get_fields: Callable[[], Awaitable[Sequence[SimpleField]]] | None = None,
) -> FieldMetadata:
    """A type's ``FieldMetadata``: ``get_metadata()`` (creation metadata), completed by
    ``get_fields()`` (``fields.get_all`` of the type) only when an option field came without
    its options."""
    metadata = FieldMetadata(
        await get_metadata(), project_key=project_key, work_item_type_key=work_item_type_key
    )
    if get_fields is not None and metadata.lacks_options():
        metadata = metadata.with_simple_fields(await get_fields())
    return metadata


_Key = tuple[str, str]


class FieldMetadataCache:
    """Field metadata per (project_key, work_item_type_key), kept ``ttl`` seconds.

    Concurrent first uses of a key wait for one fetch; a failed fetch is not kept (the next
    use tries again). ``ttl`` may be changed at any time (``None`` keeps entries until
    ``invalidate``; ``0`` fetches on every use, sharing only concurrent fetches).

    Args:
        ttl: seconds an entry is reused (600).
        clock: a monotonic clock in seconds (``time.monotonic``); tests pass their own.

    Example::

        client.work_items.field_metadata.ttl = 60
    """

    def __init__(
        self,
        *,
        ttl: float | None = DEFAULT_METADATA_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl is not None and (isinstance(ttl, bool) or not ttl >= 0):
            raise MeegleValidationError(f"ttl must be a number of seconds >= 0, not {shown(ttl)}")
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[_Key, tuple[float, FieldMetadata]] = {}
        self._loading: dict[_Key, tuple[int, asyncio.Future[FieldMetadata]]] = {}
        self._generation: dict[_Key, int] = {}

    def __repr__(self) -> str:
        return f"<FieldMetadataCache ttl={self.ttl} entries={len(self._entries)}>"

    def cached(self, project_key: str, work_item_type_key: str) -> FieldMetadata | None:
        """The entry for the key if it is still fresh, without fetching."""
        entry = self._entries.get((project_key, work_item_type_key))
        if entry is None:
            return None
        fetched_at, metadata = entry
        if self.ttl is not None and self.clock() - fetched_at >= self.ttl:
            return None
        return metadata

    async def get(
        self,
        project_key: str,
        work_item_type_key: str,
        load: Callable[[], Awaitable[FieldMetadata]],
    ) -> FieldMetadata:
        """The fresh entry for the key, or ``await load()`` (once for concurrent callers)."""
        fresh = self.cached(project_key, work_item_type_key)
        if fresh is not None:
            return fresh
        key = (project_key, work_item_type_key)
        generation = self._generation.get(key, 0)
        pending = self._loading.get(key)
        if pending is None or pending[0] != generation:
            future = asyncio.ensure_future(self._load(key, generation, load))
            # A fetch whose callers were all cancelled still ends; its error is not "lost".
            future.add_done_callback(lambda f: f.cancelled() or f.exception())
            pending = (generation, future)
            self._loading[key] = pending
        # shield: one caller cancelled must not cancel the fetch the others wait for.
        return await asyncio.shield(pending[1])

    async def _load(
        self, key: _Key, generation: int, load: Callable[[], Awaitable[FieldMetadata]]
    ) -> FieldMetadata:
        try:
            metadata = await load()
        finally:
            pending = self._loading.get(key)
            if pending is not None and pending[0] == generation:
                del self._loading[key]
        # An invalidate() during the fetch makes this answer stale: hand it to the callers
        # who asked before, but keep it for no one after.
        if self._generation.get(key, 0) == generation:
            self._entries[key] = (self.clock(), metadata)
        return metadata

    async def refresh(
        self,
        project_key: str,
        work_item_type_key: str,
        load: Callable[[], Awaitable[FieldMetadata]],
    ) -> FieldMetadata:
        """Fetch the key again now (a fetch already under way is not joined) and keep it."""
        self.invalidate(project_key, work_item_type_key)
        return await self.get(project_key, work_item_type_key, load)

    def invalidate(
        self, project_key: str | None = None, work_item_type_key: str | None = None
    ) -> None:
        """Forget entries: one key, every type of a space, or (no arguments) everything."""
        keys = {*self._entries, *self._loading}
        for key in keys:
            if (project_key is None or key[0] == project_key) and (
                work_item_type_key is None or key[1] == work_item_type_key
            ):
                self._entries.pop(key, None)
                self._generation[key] = self._generation.get(key, 0) + 1
        if project_key is not None and work_item_type_key is not None:
            key = (project_key, work_item_type_key)
            if key not in keys:
                self._generation[key] = self._generation.get(key, 0) + 1


_CACHES: weakref.WeakKeyDictionary[object, FieldMetadataCache] = weakref.WeakKeyDictionary()


def metadata_cache_for(owner: object) -> FieldMetadataCache:
    """The ``FieldMetadataCache`` of ``owner`` (a client's transport), made on first use.

    Everything that holds the same owner (a client and its ``with_options`` copies) shares it;
    it goes away with the owner.
    """
    cache = _CACHES.get(owner)
    if cache is None:
        cache = _CACHES[owner] = FieldMetadataCache()
    return cache
