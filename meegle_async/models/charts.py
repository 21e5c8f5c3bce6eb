"""Charts of a view and a chart's data (the Go SDK's ``measure`` models).

A data point maps dimension and value *indexes* to strings: ``dim`` {0: "P0"}, ``value``
{0: "12"}; ``dim_titles`` and ``quota_titles`` name them. JSON object keys are strings on the
wire ("0"); the models give them back as ints.
"""

from __future__ import annotations

import attrs

from .base import MeegleModel

__all__ = ["Chart", "ChartData", "ChartPage", "ChartPoint"]


@attrs.define(frozen=True, kw_only=True, slots=True)
class Chart(MeegleModel):
    """A chart of a view: its id and name."""

    chart_id: str
    chart_name: str | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class ChartPage(MeegleModel):
    """One page of ``charts.list``: ``items`` and the page facts (``total``, ``page_num``,
    ``page_size``: the API's ``chart_page``)."""

    items: list[Chart] | None = None
    total: int | None = None
    page_num: int | None = None
    page_size: int | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class ChartPoint(MeegleModel):
    """One data point: dimension index -> label, value index -> value (as the server sends it,
    a string)."""

    dim: dict[int, str] | None = None
    value: dict[int, str] | None = None
    is_zero_spec: bool | None = None


@attrs.define(frozen=True, kw_only=True, slots=True)
class ChartData(MeegleModel):
    """A chart's data: rows of points (``chart_data_list``) and the axis titles."""

    chart_id: str | None = None
    name: str | None = None
    chart_data_list: list[list[ChartPoint]] | None = None
    dim_titles: list[str] | None = None
    quota_titles: list[str] | None = None

    def rows(self) -> list[dict[str, str]]:
        """The points as dicts of title -> value (dimension titles, then value titles)."""
        out = []
        for row in self.chart_data_list or []:
            for point in row:
                entry: dict[str, str] = {}
                for i, label in (point.dim or {}).items():
                    titles = self.dim_titles or []
                    entry[titles[i] if i < len(titles) else f"dim{i}"] = label
                for i, number in (point.value or {}).items():
                    titles = self.quota_titles or []
                    entry[titles[i] if i < len(titles) else f"value{i}"] = number
                out.append(entry)
        return out
