"""Charts (measurement): the charts of a view and their data."""

from __future__ import annotations

from ._entry import endpoint

ENDPOINTS = (
    endpoint(
        "get_charts",
        "POST",
        "/open_api/measure/charts",
        "charts.list",
        write=False,
        sdk_name="GetCharts",
        summary="One page of the charts of a view (200 a page).",
    ),
    endpoint(
        "get_chart_data",
        "GET",
        "/open_api/{project_key}/measure/{chart_id}",
        "charts.get_data",
        sdk_name="GetChartData",
        summary="The data of a chart; complex charts take over 60 s to answer.",
        timeout=180.0,
        errors={
            50006: ("invalid_params", "The chart's configuration has an error (fix it in Meegle)"),
            1000051872: ("invalid_params", "The chart's configuration has an error"),
            500006: ("not_found", "No such chart (chart_id wrong or the chart was deleted)"),
            1000050535: ("not_found", "No such chart (chart_id wrong or the chart was deleted)"),
        },
    ),
)
