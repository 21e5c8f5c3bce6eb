"""``client.charts``: the charts of a view and a chart's data (measurement)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from ..helpers.pagination import NumberedPage, iter_page_numbers
from ..models.base import structure
from ..models.charts import Chart, ChartData, ChartPage
from ._base import EndpointGroup
from ._checks import bad_answer, require_page_number, require_text

__all__ = ["CHARTS_MAX_PAGE_SIZE", "Charts"]

#: ``charts.list`` pages hold at most this many charts.
CHARTS_MAX_PAGE_SIZE = 200


class Charts(EndpointGroup):
    """Charts: ``client.charts.iter("space", view_id)`` and ``get_data("space", chart_id)``."""

    async def list(
        self,
        project_key: str,
        view_id: str,
        *,
        page_num: int | None = None,
        page_size: int | None = None,
    ) -> ChartPage:
        """One page of the charts of a view (50 by default, at most 200).

        POST /open_api/measure/charts

        Example::

            page = await client.charts.list("space_demo", view_id)
            for chart in page.items or []:
                print(chart.chart_id, chart.chart_name)
        """
        body: dict[str, Any] = {
            "project_key": require_text(project_key, "project_key"),
            "view_id": require_text(view_id, "view_id"),
        }
        if page_num is not None:
            body["page_num"] = require_page_number(page_num, "page_num")
        if page_size is not None:
            body["page_size"] = require_page_number(
                page_size, "page_size", maximum=CHARTS_MAX_PAGE_SIZE
            )
        resp = await self._call("get_charts", json=body)
        data = resp.data if resp.data is not None else {}
        if not isinstance(data, Mapping):
            raise bad_answer(resp, "expected {chart_list, chart_page}")
        page = data.get("chart_page")
        facts: Mapping[str, Any] = page if isinstance(page, Mapping) else {}
        return structure({"items": data.get("chart_list") or [], **facts}, ChartPage)

    def iter(self, project_key: str, view_id: str) -> AsyncIterator[Chart]:
        """Every chart of a view, 200 a request.

        Ends on an empty or short page or at the total; a page that repeats the one before
        raises ``MeeglePaginationError``.
        """

        async def fetch(page_num: int) -> NumberedPage[Chart]:
            page = await self.list(
                project_key, view_id, page_num=page_num, page_size=CHARTS_MAX_PAGE_SIZE
            )
            return NumberedPage(page.items or [], page.page_num, page.total)

        return iter_page_numbers(
            fetch, page_size=CHARTS_MAX_PAGE_SIZE, key=lambda c: c.chart_id, what="get_charts"
        )

    async def get_data(self, project_key: str, chart_id: str) -> ChartData:
        """The data of a chart.

        GET /open_api/{project_key}/measure/{chart_id}

        A complex chart can take more than 60 s to compute: each attempt of this call waits
        at least 180 s (the catalogue's ``timeout`` for it), whatever the client's timeout.
        The platform asks for these calls to be made one at a time.

        Raises:
            MeegleNotFoundError: no such chart (500006 / 1000050535).
            MeegleInvalidParamsError: the chart's configuration has an error (50006).

        Example::

            data = await client.charts.get_data("space_demo", chart_id)
            for row in data.rows():
                print(row)
        """
        resp = await self._call(
            "get_chart_data",
            path_params={
                "project_key": require_text(project_key, "project_key"),
                "chart_id": require_text(chart_id, "chart_id"),
            },
        )
        if not isinstance(resp.data, Mapping):
            raise bad_answer(resp, "expected the chart's data")
        return structure(resp.data, ChartData)
