"""MkDocs hook: pages that ``nav`` in mkdocs.yml does not list are added instead of refused.

Several people add guides at once; a page that lands without its line in ``nav`` would fail
``mkdocs build --strict``. Before the build reads the files, every Markdown page under the docs
folder that ``nav`` leaves out is appended: a page under ``guides/`` (or ``guide/``) to the
"Guides" section, any other to a "More" section, each titled by its first heading. List a page
in ``nav`` to choose its place and title.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

GUIDE_FOLDERS = ("guides/", "guide/")


def _listed(nav: Any) -> set[str]:
    """Every page path named anywhere in a nav structure."""
    out: set[str] = set()
    if isinstance(nav, str):
        out.add(nav)
    elif isinstance(nav, dict):
        for value in nav.values():
            out |= _listed(value)
    elif isinstance(nav, list):
        for item in nav:
            out |= _listed(item)
    return out


def _title(page: Path) -> str:
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip().replace("`", "")
    return page.stem.replace("-", " ").capitalize()


def _section(nav: list[Any], name: str) -> list[Any]:
    for item in nav:
        if isinstance(item, dict) and name in item and isinstance(item[name], list):
            return item[name]  # type: ignore[no-any-return]
    section: list[Any] = []
    nav.append({name: section})
    return section


def add_missing_pages(nav: list[Any], docs_dir: Path) -> list[str]:
    """Append the pages ``nav`` leaves out; returns their paths (relative, with ``/``)."""
    listed = _listed(nav)
    added = []
    for page in sorted(docs_dir.rglob("*.md")):
        path = page.relative_to(docs_dir).as_posix()
        if path in listed:
            continue
        section = "Guides" if path.startswith(GUIDE_FOLDERS) else "More"
        _section(nav, section).append({_title(page): path})
        added.append(path)
    return added


def on_config(config: Any, **kwargs: Any) -> Any:
    """Complete ``nav`` before the files are read."""
    if config.get("nav"):
        add_missing_pages(config["nav"], Path(config["docs_dir"]))
    return config
