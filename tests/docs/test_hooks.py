"""The docs hooks: the generated reference (catalogue table, groups, models) and the nav."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

from meegle_async import ENDPOINTS, MeegleClient

from .examples import ROOT


def _hook(name: str = "reference") -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"docs_{name}", ROOT / f"docs/hooks/{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_catalogue_table_has_one_row_per_endpoint() -> None:
    table = _hook().endpoints_markdown()
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert len(rows) == len(ENDPOINTS)
    entry = ENDPOINTS["get_work_item_details"]
    row = next(r for r in rows if r.startswith("| `get_work_item_details` |"))
    assert f"`{entry.method} {entry.path}`" in row
    assert "`client.work_items.get_details`" in row
    for group in ENDPOINTS.groups():
        assert f"### `client.{group}`" in table


async def test_every_group_of_the_client_gets_its_reference() -> None:
    hook = _hook()
    groups = dict(hook.endpoint_groups())
    assert {"work_items", "resources", "tasks", "fields", "spaces", "users"} <= set(groups)
    async with MeegleClient(
        base_url="http://127.0.0.1:9", plugin_token="t", user_key="u"
    ) as client:
        for name, kind in groups.items():
            assert isinstance(getattr(client, name), kind)
    text = hook.groups_markdown()
    assert "::: meegle_async.endpoints.work_items.WorkItems" in text
    assert "::: meegle_async.models.work_items" in hook.models_markdown()


def test_markers_are_replaced_and_other_pages_left_alone() -> None:
    hook = _hook()
    page = "# Catalogue\n\n<!-- endpoints-table -->\n"
    assert "<!--" not in hook.on_page_markdown(page)
    assert hook.on_page_markdown("# Other\n\ntext\n") == "# Other\n\ntext\n"


def test_pages_left_out_of_nav_are_added_where_they_belong(tmp_path: Path) -> None:
    (tmp_path / "guides").mkdir()
    (tmp_path / "guide").mkdir()
    for path, text in {
        "index.md": "# Home\n",
        "guides/work-items.md": "# Work items\n",
        "guide/views.md": "intro\n\n# Views: `client.views`\n",
        "extra.md": "no heading\n",
    }.items():
        (tmp_path / path).write_text(text, encoding="utf-8")
    nav = [{"Home": "index.md"}, {"Guides": [{"Work items": "guides/work-items.md"}]}]
    added = _hook("nav").add_missing_pages(nav, tmp_path)
    assert added == ["extra.md", "guide/views.md"]
    assert nav == [
        {"Home": "index.md"},
        {
            "Guides": [
                {"Work items": "guides/work-items.md"},
                {"Views: client.views": "guide/views.md"},
            ]
        },
        {"More": [{"Extra": "extra.md"}]},
    ]


def test_the_site_nav_lists_every_page_itself() -> None:
    # The hook is a safety net for pages merged without a nav line; the nav itself names them all.
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    listed = re.findall(r"^\s+- (?:.*: )?([\w./-]+\.md)\s*$", text, flags=re.MULTILINE)
    missing = _hook("nav").add_missing_pages([*listed], ROOT / "docs")
    assert missing == []
