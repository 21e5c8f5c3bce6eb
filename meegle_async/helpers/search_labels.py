"""Option labels in search conditions, turned into the option ids the server matches.

A condition search compares option fields by option *id*: ``priority HAS ANY OF ["P0"]``
matches nothing when ``"P0"`` is the label of option ``"0"``, and the server says nothing. The
writes take labels through ``fields=`` (``field_builder``); ``resolve_search_labels`` does the
same for a ``search_group``, from the same cached metadata, before anything is sent:

* a condition whose ``param_key`` is the key (or alias) of an option field (``select``,
  ``radio``, ``multi_select``, ``tree_select``, ``tree_multi_select``) has each string value
  looked up among the field's options, at every level of a cascading field;
* a value that is an option id is sent unchanged (ids always win, so queries that were right
  stay byte for byte the same);
* a label (exact, else case-insensitive; ``"iOS / iPhone"`` for a path) becomes its option's id;
* a label that names several options, or a value that is neither an id nor a label, is refused
  with ``MeegleValidationError`` naming the ids or the closest labels;
* conditions on other keys, non-string values, and option fields the metadata lists without
  options are left as they are.

It is pure: give it the metadata (``client.work_items.get_field_metadata``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .._text import shown
from ..errors import MeegleValidationError
from ..models.work_items import FieldConfig, OptionConfig
from .field_builder import OPTION_FIELD_TYPES, FieldMetadata

__all__ = ["NON_OPTION_PARAM_KEYS", "has_label_candidates", "resolve_search_labels"]

#: Search keys that are never option fields: a condition on them needs no metadata.
NON_OPTION_PARAM_KEYS = frozenset(
    {
        "work_item_id",
        "name",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "owner",
        "watchers",
        "work_item_status",
        "current_status_operator",
        "role_owners",
        "description",
        "start_time",
        "finish_time",
    }
)


def _conditions(group: Mapping[str, Any], where: str) -> Iterator[tuple[dict[str, Any], str]]:
    for i, param in enumerate(group.get("search_params") or ()):
        if isinstance(param, dict):
            yield param, f"{where}.search_params[{i}]"
    for i, sub in enumerate(group.get("search_groups") or ()):
        if isinstance(sub, Mapping):
            yield from _conditions(sub, f"{where}.search_groups[{i}]")


def _strings(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, str)]


def has_label_candidates(group: Mapping[str, Any]) -> bool:
    """Whether some condition of ``group`` could hold an option label (so metadata is worth
    fetching): a string value on a key that is not a known non-option key."""
    return any(
        param.get("param_key") not in NON_OPTION_PARAM_KEYS and _strings(param.get("value"))
        for param, _ in _conditions(group, "search_group")
    )


def resolve_search_labels(
    group: Mapping[str, Any], metadata: FieldMetadata, *, where: str = "search_group"
) -> dict[str, Any]:
    """A copy of ``group`` (the JSON of a ``SearchGroup``) with option labels made option ids.

    Args:
        group: the condition tree as sent (``conjunction``, ``search_params``,
            ``search_groups``).
        metadata: the searched type's ``FieldMetadata``.
        where: how error messages name the tree.

    Returns:
        The tree to send; unchanged where nothing was a label.

    Raises:
        MeegleValidationError: a value that is neither an option id nor a label of the field,
            or a label that several options carry (their ids are listed).

    Example::

        meta = await client.work_items.get_field_metadata("space", "story")
        group = resolve_search_labels(
            {"conjunction": "AND", "search_params": [
                {"param_key": "priority", "operator": "HAS ANY OF", "value": ["P0", "P1"]},
            ]},
            meta,
        )  # value becomes ["0", "1"], the option ids
    """
    by_key: dict[str, FieldConfig] = {}
    for conf in metadata.fields:
        if conf.field_key:
            by_key.setdefault(conf.field_key, conf)
    for conf in metadata.fields:
        if conf.field_alias:
            by_key.setdefault(conf.field_alias, conf)
    return _group(group, by_key, where)


def _group(
    group: Mapping[str, Any], by_key: Mapping[str, FieldConfig], where: str
) -> dict[str, Any]:
    out = dict(group)
    if group.get("search_params"):
        out["search_params"] = [
            _param(p, by_key, f"{where}.search_params[{i}]") if isinstance(p, Mapping) else p
            for i, p in enumerate(group["search_params"])
        ]
    if group.get("search_groups"):
        out["search_groups"] = [
            _group(g, by_key, f"{where}.search_groups[{i}]") if isinstance(g, Mapping) else g
            for i, g in enumerate(group["search_groups"])
        ]
    return out


def _param(
    param: Mapping[str, Any], by_key: Mapping[str, FieldConfig], where: str
) -> Mapping[str, Any]:
    key = param.get("param_key")
    conf = by_key.get(key) if isinstance(key, str) else None
    if conf is None or conf.field_type_key not in OPTION_FIELD_TYPES or not conf.options:
        return param
    value = param.get("value")
    options = list(_walk(conf.options, ()))
    what = f"{where} ({shown(key)}, a {conf.field_type_key} field)"
    if isinstance(value, list):
        resolved: Any = [_resolve(v, options, what) if isinstance(v, str) else v for v in value]
    elif isinstance(value, str):
        resolved = _resolve(value, options, what)
    else:
        return param
    if resolved == value:
        return param
    return {**param, "value": resolved}


def _walk(
    level: Sequence[OptionConfig], path: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], OptionConfig]]:
    for option in level:
        here = (*path, option.label or option.value or "?")
        yield here, option
        yield from _walk(option.children or (), here)


def _resolve(value: str, options: Sequence[tuple[tuple[str, ...], OptionConfig]], what: str) -> str:
    if any(o.value == value for _, o in options):
        return value
    found = [(p, o) for p, o in options if o.label == value]
    if not found:
        fold = value.casefold()
        found = [(p, o) for p, o in options if o.label and o.label.casefold() == fold]
    if not found and "/" in value:
        steps = tuple(s.strip().casefold() for s in value.split("/"))
        found = [(p, o) for p, o in options if tuple(s.casefold() for s in p) == steps]
    ids = {o.value for _, o in found if o.value is not None}
    if len(ids) == 1:
        return ids.pop()
    if len(ids) > 1:
        listed = ", ".join(f"{' / '.join(p)} (id {o.value})" for p, o in found)
        raise MeegleValidationError(
            f"{what}: the label {shown(value)} names several options ({listed}); pass the option id"
        )
    labels = list(dict.fromkeys(" / ".join(p) for p, _ in options))
    close = difflib.get_close_matches(value, labels, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    valid = ", ".join(f"{' / '.join(p)} (id {o.value})" for p, o in options[:20])
    more = f", ... ({len(options) - 20} more)" if len(options) > 20 else ""
    raise MeegleValidationError(
        f"{what}: {shown(value)} is neither an option id nor an option label{hint}; the options "
        "are "
        f"{valid}{more} (if they changed, call work_items.refresh_field_metadata)"
    )
