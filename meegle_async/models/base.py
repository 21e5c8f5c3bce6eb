"""The model base class and the one cattrs converter that holds every hook.

Models are frozen, keyword-only attrs classes named after the server's keys. Meegle adds fields
over time, so a model keeps the JSON object it was built from: ``extra`` gives the keys it does
not know and ``to_dict`` writes every key back unchanged, in the server's order; a known key the
server sent as ``null`` comes back as ``null``, and a key it did not send stays absent. A model
built by hand omits the fields left at ``None``.

Types mirror the wire: a subtask id the server sends as a string is a ``str`` here, and typed
accessors (``int_id``, ...) convert where users want another type. An attribute typed with a
``Literal`` of strings (``SearchParam.operator``) is a closed set for type checkers only: at run
time any string is kept, since the server may send values this version does not list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar, cast, get_args, get_origin

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

from .._text import is_signed_digits
from ..errors import MeegleServerError

__all__ = ["MeegleModel", "converter", "structure", "structure_list", "to_dict"]

M = TypeVar("M", bound="MeegleModel")

#: The converter every model goes through: ``converter.structure(data, WorkItem)``.
converter = cattrs.Converter(forbid_extra_keys=False)

_PRIVATE = ("_source",)


@attrs.define(frozen=True, kw_only=True, slots=True)
class MeegleModel:
    """Base of every model: keeps the JSON object it was built from, so nothing is lost.

    ``extra`` holds the keys this version of the library does not model; ``to_dict`` writes every
    key back. The source is kept by reference (no copy): structuring stays cheap, and what the
    server sent is computed only when asked for.
    """

    _source: Mapping[str, Any] | None = attrs.field(
        default=None, repr=False, eq=False, alias="meegle_source"
    )

    @property
    def extra(self) -> Mapping[str, Any]:
        """Keys the server sent that this version of the library does not model."""
        source = self._source
        if not source:
            return {}
        known = _known_names(type(self))
        return {k: v for k, v in source.items() if k not in known}

    def get(self, key: str, default: Any = None) -> Any:
        """A key by its server name, modelled or not: ``item.get("new_field")``."""
        if key in _known_names(type(self)):
            value = getattr(self, key)
            return default if value is None else value
        source = self._source
        if source is not None and key in source:
            return source[key]
        return default


_KNOWN: dict[type, frozenset[str]] = {}


def _known_names(cls: type) -> frozenset[str]:
    known = _KNOWN.get(cls)
    if known is None:
        known = _KNOWN[cls] = frozenset(a.name for a in _model_fields(cls))
    return known


def _model_fields(cls: type) -> list[attrs.Attribute[Any]]:
    return [a for a in attrs.fields(cls) if a.name not in _PRIVATE]


def _structure_factory(cls: type[M]) -> Callable[[Any, type[M]], M]:
    inner = make_dict_structure_fn(cls, converter, _source=override(omit=True))
    set_source = object.__setattr__

    def structure_model(data: Any, _: type[M]) -> M:
        if isinstance(data, cls):
            return data
        if not isinstance(data, Mapping):
            raise TypeError(f"{cls.__name__} expects a JSON object, got {type(data).__name__}")
        instance = inner(data, cls)
        set_source(instance, "_source", data)
        return instance

    return structure_model


def _unstructure_factory(cls: type[MeegleModel]) -> Callable[[MeegleModel], dict[str, Any]]:
    names = [a.name for a in _model_fields(cls)]
    known = frozenset(names)

    def unstructure_model(obj: MeegleModel) -> dict[str, Any]:
        source = obj._source
        out: dict[str, Any] = {}
        if source is not None:
            # The server's key order, its unknown keys, and its nulls, as it sent them.
            for key, raw in source.items():
                out[key] = converter.unstructure(getattr(obj, key)) if key in known else raw
        for name in names:
            if name in out:
                continue
            value = getattr(obj, name)
            if value is not None:
                out[name] = converter.unstructure(value)
        return out

    return unstructure_model


def _is_model(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, MeegleModel)


converter.register_structure_hook_factory(_is_model, _structure_factory)
converter.register_unstructure_hook_factory(_is_model, _unstructure_factory)


def _strict_str(value: Any, _: type) -> str:
    # cattrs' default is str(value), which would send "['a', 'b']" for a list.
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # an id the server sent as a number
    raise TypeError(f"expected a string, got {type(value).__name__}")


def _strict_int(value: Any, _: type) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and is_signed_digits(value.strip()):
        return int(value)  # an id the server sent as a string
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise TypeError(f"expected an integer, got {type(value).__name__} {value!r}")


def _strict_float(value: Any, _: type) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise TypeError(f"expected a number, got {type(value).__name__} {value!r}")


def _strict_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1) and not isinstance(value, float):
        return bool(value)
    raise TypeError(f"expected true or false, got {type(value).__name__} {value!r}")


converter.register_structure_hook(str, _strict_str)
converter.register_structure_hook(int, _strict_int)
converter.register_structure_hook(float, _strict_float)
converter.register_structure_hook(bool, _strict_bool)


def _is_str_literal(cls: Any) -> bool:
    return get_origin(cls) is Literal and all(isinstance(a, str) for a in get_args(cls))


# A Literal of strings types what we send; what the server sends may be newer: keep any string.
converter.register_structure_hook_func(_is_str_literal, _strict_str)


def _shape_error(cls: type, exc: Exception) -> MeegleServerError:
    detail = (
        "; ".join(cattrs.transform_error(exc))
        if isinstance(exc, cattrs.BaseValidationError)
        else str(exc)
    )
    return MeegleServerError(
        f"the answer does not have the shape of {cls.__name__}: {detail[:300]}"
    )


def structure(data: Any, cls: type[M]) -> M:
    """Build a ``cls`` from decoded JSON (a dict), keeping unknown keys.

    An answer of another shape raises ``MeegleServerError`` (never a cattrs or type error).
    """
    try:
        return converter.structure(data, cls)
    except (cattrs.BaseValidationError, TypeError, ValueError, AttributeError) as exc:
        raise _shape_error(cls, exc) from exc


def structure_list(data: Any, cls: type[M]) -> list[M]:
    """Build a list of ``cls`` from a JSON array; ``null`` gives an empty list."""
    if data is None:
        return []
    if not isinstance(data, list):
        raise MeegleServerError(
            f"the answer should be a JSON array of {cls.__name__}, not {type(data).__name__}"
        )
    try:
        return [converter.structure(item, cls) for item in data]
    except (cattrs.BaseValidationError, TypeError, ValueError, AttributeError) as exc:
        raise _shape_error(cls, exc) from exc


def to_dict(obj: Any) -> Any:
    """The JSON-ready dict (or list) of a model, with every key the server sent, known or not.

    Works on lists and dicts of models and on any attrs instance the library returns
    (``client.stats()`` included).

    Example::

        items = await client.work_items.get_details("space", "story", [1, 2])
        json.dumps(to_dict(items))
    """
    return cast(Any, converter.unstructure(obj))
