"""MkDocs hook: the endpoint catalogue page's table, generated from ``meegle_async.ENDPOINTS``.

A page holding the line ``<!-- endpoints-table -->`` gets, in its place, one table per client
group with every catalogue entry (name, method and path, the method that calls it, the rate,
whether it writes, the official SDK's name, the summary). Built at ``mkdocs build`` time, so
the table is always the catalogue of the code being documented.
"""

from __future__ import annotations

from typing import Any

MARKER = "<!-- endpoints-table -->"


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


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """Replace the marker line with the generated tables."""
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, endpoints_markdown())
