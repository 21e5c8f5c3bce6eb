"""Chart endpoints of the fake: every view has two charts computed from what it holds now.

``chart_<view id>_priority`` counts the view's items per priority, ``chart_<view id>_state``
per workflow state (or current node). A chart of a deleted view answers 1000050535, as a
deleted chart does.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from .. import rules
from ..context import Ctx
from ..rules import JSON, fail
from ..store import WorkItem
from . import handles
from .views import ViewHandlers, view_state

CHART_NOT_FOUND = 1000050535
CHARTS_PAGE_MAX = 200
_KINDS = {"priority": "Priority", "state": "State"}


def _priority(item: WorkItem) -> str:
    value = item.values.get("priority")
    if isinstance(value, dict):
        return str(value.get("label") or value.get("value") or "none")
    return str(value) if value else "none"


def _state(item: WorkItem) -> str:
    if item.state_key:
        return item.state_key
    current = [n.name for n in item.nodes if n.status == 2]
    return current[0] if current else "none"


class ChartHandlers(ViewHandlers):
    """Charts: the charts of a view, and a chart's data."""

    @handles("get_charts")
    def h_charts(self, ctx: Ctx) -> Any:
        body = rules.body_dict(ctx.body)
        key, view_id = rules.opt_str(body, "project_key"), rules.opt_str(body, "view_id")
        if not key or not view_id:
            fail(rules.MISSING_PARAM, "project_key and view_id")
        space = self.store.space(key)
        view = self._views(space, ctx.actor.operator).views.get(view_id)
        if view is None or view.project_key != space.project_key:
            fail(30004, f"view {view_id} does not exist")
        num = rules.to_int(rules.opt_number(body, "page_num", 1), "page_num")
        size = min(
            rules.to_int(rules.opt_number(body, "page_size", 50), "page_size"), CHARTS_PAGE_MAX
        )
        if num < 1 or size < 1:
            fail(rules.INVALID_PARAM, "page_num and page_size start at 1")
        charts = [
            {"chart_id": f"chart_{view.view_id}_{kind}", "chart_name": f"{title} of {view.name}"}
            for kind, title in _KINDS.items()
        ]
        return {
            "chart_list": charts[(num - 1) * size : num * size],
            "chart_page": {"total": len(charts), "page_num": num, "page_size": size},
        }

    @handles("get_chart_data")
    def h_chart_data(self, ctx: Ctx) -> Any:
        space = self.store.space(ctx.match["project_key"])
        chart_id = ctx.match["chart_id"]
        _, _, rest = chart_id.partition("chart_")
        view_id, _, kind = rest.rpartition("_")
        self._views(space, ctx.actor.operator)
        view = view_state(self.store).views.get(view_id)
        if view is None or kind not in _KINDS or view.project_key != space.project_key:
            fail(CHART_NOT_FOUND, f"chartCfg is nil: {chart_id}")
        label = _priority if kind == "priority" else _state
        counts = Counter(label(item) for item in self._contents(view))
        points: list[JSON] = [
            {"dim": {"0": name}, "value": {"0": str(count)}, "is_zero_spec": False}
            for name, count in sorted(counts.items())
        ]
        return {
            "chart_id": chart_id,
            "name": f"{_KINDS[kind]} of {view.name}",
            "chart_data_list": [points],
            "dim_titles": [_KINDS[kind]],
            "quota_titles": ["Count"],
        }
