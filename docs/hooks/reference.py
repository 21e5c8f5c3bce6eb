"""MkDocs hook: the parts of the API reference that are generated from the code.

Built at ``mkdocs build`` time, so the reference always describes the code being documented,
including groups and models added since the pages were written. Marker lines a page may hold:

``<!-- endpoints-table -->``
    one table per client group with every entry of ``meegle_async.ENDPOINTS`` (name, method and
    path, the method that calls it, the rate, whether it writes, the SDK's name, the summary);
``<!-- endpoint-groups -->``
    a mkdocstrings directive (``::: module.Class``) for every endpoint group the client has
    (each ``MeegleClient`` attribute whose type is an ``EndpointGroup``), in the client's order;
``<!-- model-modules -->``
    a directive for every module of ``meegle_async.models``.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import typing
from typing import Any

MARKER = "<!-- endpoints-table -->"
GROUPS_MARKER = "<!-- endpoint-groups -->"
MODELS_MARKER = "<!-- model-modules -->"


def _catalogue() -> Any:
    try:
        from meegle_async import ENDPOINTS  # type: ignore[attr-defined]
    except ImportError:
        try:
            from meegle_async.catalogue import ENDPOINTS
        except ImportError:
            return None
    return ENDPOINTS


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def endpoints_markdown() -> str:
    """The catalogue as Markdown: a count, then one table per group."""
    endpoints = _catalogue()
    if endpoints is None:
        return (
            "!!! note\n    The endpoint catalogue (`meegle_async.ENDPOINTS`) is not part of "
            "this version of the library yet."
        )
    groups: dict[str, list[Any]] = {}
    for entry in endpoints:
        groups.setdefault(entry.group, []).append(entry)
    out = [
        f"{len(endpoints)} endpoints in {len(groups)} groups. Rates are requests per second "
        "per token and endpoint (and per minute where the platform also caps that).",
        "",
    ]
    for group, entries in groups.items():
        out += [
            f"### `client.{group}`",
            "",
            "| endpoint name | request | method | rate | writes | SDK name | what it does |",
            "|---|---|---|---|---|---|---|",
        ]
        for e in entries:
            rate = f"{e.qps:g}/s"
            per_minute = getattr(e, "per_minute", None)
            if per_minute:
                rate += f", {per_minute}/min"
            out.append(
                f"| `{_cell(e.name)}` | `{e.method} {_cell(e.path)}` | "
                f"`client.{_cell(e.client_method)}` | {rate} | "
                f"{'yes' if getattr(e, 'write', False) else 'no'} | "
                f"{_cell(getattr(e, 'sdk_name', None) or '-')} | "
                f"{_cell(getattr(e, 'summary', '') or '')} |"
            )
        out.append("")
    return "\n".join(out)


def endpoint_groups() -> list[tuple[str, type]]:
    """``(attribute, class)`` for every endpoint group of ``MeegleClient``, in source order."""
    from meegle_async import MeegleClient
    from meegle_async.endpoints._base import EndpointGroup

    out: list[tuple[str, type]] = []
    for name, member in vars(MeegleClient).items():
        func = getattr(member, "func", None) or getattr(member, "fget", None)
        if name.startswith("_") or func is None:
            continue
        if not isinstance(member, (functools.cached_property, property)):
            continue
        try:
            kind = typing.get_type_hints(func).get("return")
        except Exception:  # an annotation that does not resolve is not a group
            continue
        if isinstance(kind, type) and issubclass(kind, EndpointGroup):
            out.append((name, kind))
    return out


def groups_markdown() -> str:
    """One ``## client.name`` section with its class's directive per group."""
    out: list[str] = []
    for name, kind in endpoint_groups():
        out += [
            f"## `client.{name}`",
            "",
            f"::: {kind.__module__}.{kind.__qualname__}",
            "    options:",
            "      show_root_heading: false",
            "      inherited_members: true",
            "",
        ]
    return "\n".join(out)


def models_markdown() -> str:
    """A directive per module of ``meegle_async.models`` (the package's private ones left out)."""
    package = importlib.import_module("meegle_async.models")
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(package.__path__)
        if not info.name.startswith("_") and info.name != "base"
    )
    out = []
    for name in names:
        out += [f"::: meegle_async.models.{name}", ""]
    return "\n".join(out)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """Replace the marker lines with what they stand for."""
    if MARKER in markdown:
        markdown = markdown.replace(MARKER, endpoints_markdown())
    if GROUPS_MARKER in markdown:
        markdown = markdown.replace(GROUPS_MARKER, groups_markdown())
    if MODELS_MARKER in markdown:
        markdown = markdown.replace(MODELS_MARKER, models_markdown())
    return markdown
