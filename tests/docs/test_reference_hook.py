"""The docs hook that generates the reference's catalogue table, group and model pages."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from meegle_async import ENDPOINTS, MeegleClient

from .examples import ROOT


def _hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_hook", ROOT / "docs/hooks/reference.py")
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


def test_every_group_of_the_client_gets_its_reference() -> None:
    hook = _hook()
    groups = dict(hook.endpoint_groups())
    assert {"work_items", "resources", "tasks", "fields", "spaces", "users"} <= set(groups)
    client = MeegleClient(base_url="http://127.0.0.1:9", plugin_token="t", user_key="u")
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
