"""Catalogue samples for the full-text and view-model searches on ``client.work_items``."""

from __future__ import annotations

from meegle_async.testing import RecordedRequest

from ._sample import Sample, call

P = "space_demo"
ALL = {"conjunction": "AND", "search_params": []}


def _sent_query(request: RecordedRequest) -> None:
    assert request.body["query"] == "a"
    assert request.body["query_type"] == "workitem"


SAMPLES: dict[str, Sample] = {
    "compositive_search": Sample(call("a", project_keys=[P]), check=_sent_query),
    "universal_search": Sample(call(P, "story", ALL, field_selected=["name"], page_size=5)),
    "integrate_search": Sample(
        call(
            [{"project_key": P, "work_item_type_keys": "story"}],
            {"filter": {"conjunction": "AND", "conditions": []}, "pagination": {"page_size": 5}},
        )
    ),
}
