"""client.deliverables: exact requests, refusals, codes, and reviews that behave on the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from meegle_async import (
    MeegleClient,
    MeegleNotFoundError,
    MeeglePermissionError,
    MeegleStateConflictError,
    MeegleValidationError,
)
from meegle_async.testing.pytest_plugin import MeegleFakeFixture
from tests.conftest import Recorded, Stub, fail, ok

P = "space_demo"


@pytest.fixture
async def client(client_kwargs: dict[str, Any]) -> AsyncIterator[MeegleClient]:
    async with MeegleClient(**client_kwargs, default_qps=1000) as c:
        yield c


async def test_requests_on_the_wire(stub: Stub, client: MeegleClient) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.Response:
        if request.path.endswith("deliverable/batch_query"):
            return ok([{"deliverable_uuid": f"d{i}"} for i in rec.json["work_item_ids"]])
        if request.path.endswith("finished/batch_query"):
            return ok({"finished_infos": [{"node_id": "n1", "summary_mode": "calculation"}]})
        if request.path.endswith("query_conclusion_option"):
            return ok([{"node_id": "n1", "finished_conclusion_option": [{"key": "pass"}]}])
        return ok({})

    stub.handler = handler
    got = await client.deliverables.get("space", range(1, 61))
    reviews = await client.deliverables.get_reviews("space", "7", ["n1", "n1", "n2"])
    options = await client.deliverables.get_conclusion_options("space", 7, "n1")
    await client.deliverables.update_review(
        "space", 7, "n1", opinion=None, conclusion_key="pass", operation_type="node"
    )
    await client.deliverables.update_review("space", 7, "n1", reset=True)
    first, second, rev, opt, update, reset = stub.requests
    assert first.path == second.path == "/open_api/work_item/deliverable/batch_query"
    assert first.json == {"project_key": "space", "work_item_ids": list(range(1, 51))}
    assert second.json["work_item_ids"] == list(range(51, 61))
    assert len(got) == 60
    assert rev.json == {"project_key": "space", "work_item_id": 7, "node_ids": ["n1", "n2"]}
    assert [r.node_id for r in reviews] == ["n1"]
    assert opt.json["node_ids"] == ["n1"]
    assert options[0].finished_conclusion_option is not None
    assert update.path == "/open_api/work_item/finished/update"
    assert update.json == {
        "project_key": "space",
        "work_item_id": 7,
        "node_id": "n1",
        "opinion": "",
        "finished_conclusion_option_key": "pass",
        "operation_type": "node",
    }
    assert "X-Idem-UUID" in update.headers
    assert reset.json == {"project_key": "space", "work_item_id": 7, "node_id": "n1", "reset": True}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda d: d.get("space", []), "empty"),
        (lambda d: d.get_reviews("space", 1, []), "empty"),
        (lambda d: d.get_reviews("space", 1, [f"n{i}" for i in range(11)]), "at most 10"),
        (lambda d: d.get_conclusion_options("space", "x", ["n"]), "work_item_id"),
        (lambda d: d.update_review("space", 1, "n"), "nothing to change"),
        (lambda d: d.update_review("space", 1, "n", opinion="x"), "operation_type"),
        (
            lambda d: d.update_review("space", 1, "n", opinion="x", operation_type="team"),
            "operation_type",
        ),
        (lambda d: d.update_review("space", 1, "n", reset=True, opinion="x"), "reset"),
    ],
)
async def test_bad_input_is_refused(
    stub: Stub, client: MeegleClient, call: Any, message: str
) -> None:
    with pytest.raises(MeegleValidationError, match=message):
        await call(client.deliverables)
    assert stub.requests == []


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (1000051120, MeegleNotFoundError),
        (1000051814, MeegleNotFoundError),
        (1000053308, MeegleNotFoundError),
        (1000053219, MeeglePermissionError),
        (20007, MeegleStateConflictError),
    ],
)
async def test_update_codes(stub: Stub, client: MeegleClient, code: int, error: type) -> None:
    async def refuse(request: web.Request, rec: Recorded) -> web.Response:
        return fail(code, "no")

    stub.handler = refuse
    with pytest.raises(error):
        await client.deliverables.update_review(
            "space", 1, "n", opinion="x", operation_type="owner"
        )


@pytest.mark.meegle_fake(seed_items=40, seed=7)
async def test_reviews_on_the_fake(meegle_fake: MeegleFakeFixture) -> None:
    d = meegle_fake.client.deliverables
    item = meegle_fake.ids("story", limit=1)[0]
    (options,) = await d.get_conclusion_options(P, item, ["design"])
    keys = [o.key for o in options.finished_conclusion_option or []]
    assert keys == ["pass", "reject"]
    await d.update_review(
        P, item, "design", opinion="fine by me", conclusion_key="pass", operation_type="owner"
    )
    (review,) = await d.get_reviews(P, item, ["design"])
    assert review.opinion is not None
    owners = review.opinion.owners_finished_opinion_result or []
    assert [(o.owner, o.finished_opinion_result) for o in owners] == [
        (meegle_fake.user_key, "fine by me")
    ]
    # The default user owns no node of the seed: a node-level review is refused.
    with pytest.raises(MeeglePermissionError):
        await d.update_review(P, item, "design", opinion="x", operation_type="node")
    with pytest.raises(MeegleNotFoundError):
        await d.update_review(P, item, "design", conclusion_key="maybe", operation_type="owner")
    await d.update_review(P, item, "design", reset=True)
    (review,) = await d.get_reviews(P, item, ["design"])
    assert review.opinion is not None
    assert review.opinion.owners_finished_opinion_result == []


@pytest.mark.meegle_fake(seed_items=40, seed=7)
async def test_deliverables_on_the_fake(meegle_fake: MeegleFakeFixture) -> None:
    ids = meegle_fake.ids("story", limit=3)
    got = await meegle_fake.client.deliverables.get(P, [*ids, 999])
    assert [d.deliverable_info.work_item_id for d in got if d.deliverable_info] == ids
