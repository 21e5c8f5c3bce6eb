"""Finding what to sync: work item filter and searches, spaces, types, users.

What each of the nine methods sends (method, path, body) and returns, what it refuses before
sending, and the three iterators against a loopback server: every page, every item once, a
server that caps page sizes, a split past the 5000-result cap, a page that does not advance.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from meegle_async import (
    MeegleClient,
    MeegleInvalidParamsError,
    MeegleNotFoundError,
    MeeglePaginationError,
    MeegleTooManyResultsError,
    MeegleValidationError,
    SearchGroup,
    SearchParam,
    SearchUser,
    Space,
    TimeInterval,
    User,
    WorkItem,
    WorkItemPage,
    WorkItemType,
    to_dict,
)
from meegle_async.helpers.splitting import MIN_TIMESTAMP_MS
from meegle_async.models import Expand, WorkItemStatus
from tests.conftest import Recorded, Stub, fail, ok

T0 = 1_700_000_000_000
FILTER = "/open_api/space/work_item/filter"
SEARCH = "/open_api/space/work_item/story/search/params"
ACROSS = "/open_api/work_items/filter_across_project"
# A condition that can hold no option label, so no field metadata is read first (labels in
# conditions on option fields: tests/endpoints/test_search_labels.py).
GROUP = {
    "conjunction": "AND",
    "search_params": [
        {"param_key": "work_item_status", "operator": "HAS ANY OF", "value": ["doing"]}
    ],
}


@pytest.fixture
async def client(client_kwargs: dict[str, Any]) -> AsyncIterator[MeegleClient]:
    async with MeegleClient(**client_kwargs, default_qps=1000) as c:
        yield c


def work_item(ident: int, created: int = T0) -> dict[str, Any]:
    return {
        "id": ident,
        "name": f"item {ident}",
        "work_item_type_key": "story",
        "project_key": "space",
        "created_at": created,
        "updated_at": created,
        "work_item_status": {"state_key": "doing"},
        "fields": [{"field_key": "priority", "field_value": {"value": "opt_p0"}}],
        "brand_new_key": [1],
    }


def answer(
    items: list[dict[str, Any]], num: int = 1, size: int = 20, total: int | None = None
) -> web.Response:
    total = len(items) if total is None else total
    return ok(items, pagination={"page_num": num, "page_size": size, "total": total})


def serve(stub: Stub, respond: Callable[[Recorded], web.Response]) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return respond(rec)

    stub.handler = handler


# -- work_items.filter -------------------------------------------------------------------------


async def test_filter_sends_every_filter_and_returns_work_items(
    stub: Stub, client: MeegleClient
) -> None:
    serve(stub, lambda rec: answer([work_item(101)], 2, 50, 51))
    page = await client.work_items.filter(
        "space",
        work_item_type_keys=["story", "issue"],
        work_item_ids=[101, "102"],
        work_item_name="login",
        user_keys=["u1"],
        created_at={"start": T0, "end": T0 + 1},
        updated_at=TimeInterval(start=T0),
        work_item_status=["doing", WorkItemStatus(state_key="done"), {"state_key": "open"}],
        sub_stages=["s1"],
        businesses=["b1"],
        priorities=["opt_p0"],
        tags=["tag1"],
        expand=Expand(need_workflow=True),
        page_num=2,
        page_size=50,
    )
    (rec,) = stub.requests
    assert rec.method == "POST"
    assert rec.raw_path == FILTER
    assert "X-Idem-UUID" not in rec.headers  # a read sent with POST
    assert rec.json == {
        "work_item_type_keys": ["story", "issue"],
        "work_item_ids": [101, 102],
        "work_item_name": "login",
        "user_keys": ["u1"],
        "created_at": {"start": T0, "end": T0 + 1},
        "updated_at": {"start": T0},
        "work_item_status": [{"state_key": "doing"}, {"state_key": "done"}, {"state_key": "open"}],
        "sub_stages": ["s1"],
        "businesses": ["b1"],
        "priorities": ["opt_p0"],
        "tags": ["tag1"],
        "expand": {"need_workflow": True},
        "page_num": 2,
        "page_size": 50,
    }
    assert isinstance(page, WorkItemPage)
    assert page.total == 51
    (item,) = page.items or []
    assert isinstance(item, WorkItem)
    assert item.id == 101
    assert item.state_key == "doing"
    assert item.field("priority") == {"value": "opt_p0"}
    assert to_dict(item)["brand_new_key"] == [1]


async def test_filter_with_nothing_sends_an_empty_body_and_search_id_alone(
    stub: Stub, client: MeegleClient
) -> None:
    serve(stub, lambda rec: answer([]))
    page = await client.work_items.filter("space")
    await client.work_items.filter("space", search_id="saved-1", page_size=200)
    assert page.items == []
    assert [r.json for r in stub.requests] == [{}, {"search_id": "saved-1", "page_size": 200}]


# -- work_items.search_by_params ---------------------------------------------------------------


async def test_search_by_params_sends_the_tree_fields_and_paging(
    stub: Stub, client: MeegleClient
) -> None:
    serve(stub, lambda rec: answer([work_item(7)], 3, 10, 21))
    group = SearchGroup(
        conjunction="OR",
        search_params=[SearchParam(param_key="name", operator="=", value="x")],
        search_groups=[SearchGroup(conjunction="AND", search_params=[])],
    )
    page = await client.work_items.search_by_params(
        "space",
        "story",
        group,
        fields=["name", "priority"],
        expand={"need_user_detail": True},
        page_num=3,
        page_size=10,
    )
    (rec,) = stub.requests
    assert rec.method == "POST"
    assert rec.raw_path == SEARCH
    assert rec.json == {
        "search_group": {
            "conjunction": "OR",
            "search_params": [{"param_key": "name", "operator": "=", "value": "x"}],
            "search_groups": [{"conjunction": "AND", "search_params": []}],
        },
        "fields": ["name", "priority"],
        "expand": {"need_user_detail": True},
        "page_num": 3,
        "page_size": 10,
    }
    assert [i.id for i in page.items or []] == [7]
    await client.work_items.search_by_params("space", "story", GROUP)
    assert stub.requests[1].json == {"search_group": GROUP}


# -- work_items.filter_across_projects ---------------------------------------------------------


async def test_filter_across_projects_sends_its_own_body(stub: Stub, client: MeegleClient) -> None:
    serve(stub, lambda rec: answer([work_item(9)]))
    page = await client.work_items.filter_across_projects(
        work_item_type_key="story",
        project_keys=["p1"],
        simple_names=["doc"],
        search_user=SearchUser(user_keys=["u1"], field_key="owner"),
        work_item_ids=[9],
        work_item_name="x",
        created_at=(T0, T0 + 5),
        updated_at={"start": T0},
        work_item_status=["doing"],
        businesses=["b"],
        priorities=["p"],
        tags=["t"],
        template_ids=[400001],
        tenant_group_id=3,
        expand={"need_multi_text": True},
        page_num=1,
        page_size=50,
    )
    (rec,) = stub.requests
    assert rec.method == "POST"
    assert rec.raw_path == ACROSS
    assert rec.json == {
        "work_item_type_key": "story",
        "project_keys": ["p1"],
        "simple_names": ["doc"],
        "search_user": {"user_keys": ["u1"], "field_key": "owner"},
        "work_item_ids": [9],
        "work_item_name": "x",
        "created_at": {"start": T0, "end": T0 + 5},
        "updated_at": {"start": T0},
        "work_item_status": [{"state_key": "doing"}],
        "businesses": ["b"],
        "priorities": ["p"],
        "tags": ["t"],
        "template_ids": [400001],
        "tenant_group_id": 3,
        "expand": {"need_multi_text": True},
        "page_num": 1,
        "page_size": 50,
    }
    assert [i.id for i in page.items or []] == [9]
    await client.work_items.filter_across_projects(work_item_type_key="issue")
    assert stub.requests[1].json == {"work_item_type_key": "issue"}


# -- spaces ------------------------------------------------------------------------------------


async def test_spaces_list_sends_the_clients_user_key(stub: Stub, client: MeegleClient) -> None:
    serve(stub, lambda rec: ok(["space_a", "space_b"]))
    assert await client.spaces.list() == ["space_a", "space_b"]
    await client.spaces.list(user_key="other", order=["-last_visited"])
    await client.with_options(user_key="alice").spaces.list()
    first, second, third = stub.requests
    assert first.method == "POST"
    assert first.raw_path == "/open_api/projects"
    assert first.json == {"user_key": "user-key-1"}
    assert second.json == {"user_key": "other", "order": ["-last_visited"]}
    assert third.json == {"user_key": "alice"}


async def test_spaces_get_details_returns_spaces_by_key_100_keys_a_request(
    stub: Stub, client: MeegleClient
) -> None:
    def respond(rec: Recorded) -> web.Response:
        keys = (rec.json.get("project_keys") or []) + (rec.json.get("simple_names") or [])
        return ok(
            {k: {"project_key": k, "name": k.upper(), "simple_name": k, "x": 1} for k in keys}
        )

    serve(stub, respond)
    spaces = await client.spaces.get_details(project_keys=["a"], simple_names=["doc"])
    (rec,) = stub.requests
    assert rec.raw_path == "/open_api/projects/detail"
    assert rec.json == {"project_keys": ["a"], "simple_names": ["doc"], "user_key": "user-key-1"}
    assert isinstance(spaces["a"], Space)
    assert spaces["a"].name == "A"
    assert spaces["a"].extra == {"x": 1}
    stub.requests.clear()
    keys = [f"p{i}" for i in range(150)]
    many = await client.spaces.get_details(project_keys=[*keys, "p0"])
    assert sorted(len(r.json["project_keys"]) for r in stub.requests) == [50, 100]
    assert list(many) == keys


async def test_spaces_get_work_item_types_is_a_get(stub: Stub, client: MeegleClient) -> None:
    serve(
        stub,
        lambda rec: ok(
            [
                {"type_key": "story", "name": "Story", "is_disable": 2, "api_name": "story"},
                {"type_key": "old", "name": "Old", "is_disable": 1},
            ]
        ),
    )
    types = await client.spaces.get_work_item_types("space")
    (rec,) = stub.requests
    assert rec.method == "GET"
    assert rec.raw_path == "/open_api/space/work_item/all-types"
    assert rec.json is None
    assert all(isinstance(t, WorkItemType) for t in types)
    assert [(t.type_key, t.is_disabled) for t in types] == [("story", False), ("old", True)]


# -- users -------------------------------------------------------------------------------------


USER = {"user_key": "u1", "username": "ada", "name": {"default": "Ada"}, "user_id": 5}


async def test_users_query_sends_the_three_lists(stub: Stub, client: MeegleClient) -> None:
    serve(stub, lambda rec: ok([USER, {**USER, "email": "same user, matched twice"}]))
    users = await client.users.query(
        user_keys=["u1"], emails=["a@example.com"], out_ids=["ou_1"], tenant_key="t"
    )
    (rec,) = stub.requests
    assert rec.method == "POST"
    assert rec.raw_path == "/open_api/user/query"
    assert rec.json == {
        "user_keys": ["u1"],
        "emails": ["a@example.com"],
        "out_ids": ["ou_1"],
        "tenant_key": "t",
    }
    (user,) = users
    assert isinstance(user, User)
    assert user.display_name == "Ada"
    assert user.user_id == 5


async def test_users_query_sends_100_ids_a_request_and_treats_30006_as_nobody(
    stub: Stub, client: MeegleClient
) -> None:
    def respond(rec: Recorded) -> web.Response:
        keys = rec.json.get("user_keys") or []
        if not keys:
            return fail(30006, "User not found")
        return ok([{"user_key": k} for k in keys])

    serve(stub, respond)
    users = await client.users.query(
        user_keys=[f"u{i}" for i in range(120)], emails=[f"e{i}@x" for i in range(90)]
    )
    sizes = sorted(sum(len(v) for k, v in r.json.items()) for r in stub.requests)
    assert sizes == [10, 100, 100]
    assert sorted(u.user_key or "" for u in users) == sorted(f"u{i}" for i in range(120))


async def test_users_search_sends_the_keyword(stub: Stub, client: MeegleClient) -> None:
    serve(stub, lambda rec: ok([USER]))
    assert [u.user_key for u in await client.users.search("ada", project_key="space")] == ["u1"]
    await client.users.search("bo")
    first, second = stub.requests
    assert first.method == "POST"
    assert first.raw_path == "/open_api/user/search"
    assert first.json == {"query": "ada", "project_key": "space"}
    assert second.json == {"query": "bo"}


# -- validation: nothing is sent ---------------------------------------------------------------

Call = Callable[[MeegleClient], Awaitable[Any]]


async def _drain(gen: AsyncIterator[Any]) -> None:
    async for _ in gen:
        pass


REFUSED: list[tuple[str, Call, str]] = [
    ("empty project", lambda c: c.work_items.filter(""), "project_key"),
    ("filter page 201", lambda c: c.work_items.filter("s", page_size=201), "at most 200"),
    ("filter page 0", lambda c: c.work_items.filter("s", page_num=0), ">= 1"),
    (
        "11 user keys",
        lambda c: c.work_items.filter("s", user_keys=[f"u{i}" for i in range(11)]),
        "at most 10",
    ),
    ("seconds", lambda c: c.work_items.filter("s", created_at={"start": T0 // 1000}), "seconds"),
    (
        "start after end",
        lambda c: c.work_items.filter("s", updated_at={"start": T0 + 1, "end": T0}),
        "after end",
    ),
    ("unknown interval key", lambda c: c.work_items.filter("s", created_at={"from": T0}), "only"),
    ("bad id", lambda c: c.work_items.filter("s", work_item_ids=["x"]), "work item id"),
    ("status without key", lambda c: c.work_items.filter("s", work_item_status=[{}]), "state_key"),
    (
        "search_id with filters",
        lambda c: c.work_items.filter("s", search_id="x", work_item_name="y"),
        "cannot be combined",
    ),
    ("no group", lambda c: c.work_items.search_by_params("s", "story", None), "required"),
    (
        "bad conjunction",
        lambda c: c.work_items.search_by_params("s", "story", {"conjunction": "XOR"}),
        "AND or OR",
    ),
    (
        "nested bad conjunction",
        lambda c: c.work_items.search_by_params(
            "s", "story", {"conjunction": "AND", "search_groups": [{"conjunction": "and"}]}
        ),
        r"search_groups\[0\]",
    ),
    (
        "param without operator",
        lambda c: c.work_items.search_by_params(
            "s", "story", {"conjunction": "AND", "search_params": [{"param_key": "name"}]}
        ),
        "operator",
    ),
    (
        "51 conditions",
        lambda c: c.work_items.search_by_params(
            "s",
            "story",
            {
                "conjunction": "OR",
                "search_params": [{"param_key": "name", "operator": "=", "value": 1}] * 51,
            },
        ),
        "at most 50",
    ),
    (
        "mixed fields",
        lambda c: c.work_items.search_by_params("s", "story", GROUP, fields=["a", "-b"]),
        "one mode",
    ),
    (
        "search page 51",
        lambda c: c.work_items.search_by_params("s", "t", GROUP, page_size=51),
        "50",
    ),
    (
        "across without type",
        lambda c: c.work_items.filter_across_projects(work_item_type_key=""),
        "work_item_type_key",
    ),
    (
        "across 51 ids",
        lambda c: c.work_items.filter_across_projects(
            work_item_type_key="story", work_item_ids=list(range(1, 52))
        ),
        "at most 50",
    ),
    (
        "across page 51",
        lambda c: c.work_items.filter_across_projects(work_item_type_key="story", page_size=51),
        "at most 50",
    ),
    (
        "search_user without keys",
        lambda c: c.work_items.filter_across_projects(
            work_item_type_key="story", search_user={"field_key": "owner"}
        ),
        "user_keys",
    ),
    (
        "search_user bad field",
        lambda c: c.work_items.filter_across_projects(
            work_item_type_key="story", search_user={"user_keys": ["u"], "field_key": "boss"}
        ),
        "owner, watchers",
    ),
    (
        "iter_filter page 300",
        lambda c: _drain(c.work_items.iter_filter("s", page_size=300)),
        "at most 200",
    ),
    (
        "iter_search 49 conditions and created_at",
        lambda c: _drain(
            c.work_items.iter_search_by_params(
                "s",
                "story",
                {
                    "conjunction": "OR",
                    "search_params": [{"param_key": "name", "operator": "=", "value": 1}] * 49,
                },
                created_at={"start": T0},
            )
        ),
        "leave created_at out",
    ),
    (
        "iter_across future start",
        lambda c: _drain(
            c.work_items.iter_filter_across_projects(
                work_item_type_key="story", created_at={"start": 9_000_000_000_000}
            )
        ),
        "future",
    ),
    ("list bad order", lambda c: c.spaces.list(order=["name"]), "last_visited"),
    ("details of nothing", lambda c: c.spaces.get_details(), "at least one space"),
    ("details empty key", lambda c: c.spaces.get_details(project_keys=[""]), "non-empty"),
    ("types empty", lambda c: c.spaces.get_work_item_types(" "), "project_key"),
    ("query nobody", lambda c: c.users.query(), "at least one user"),
    ("query empty email", lambda c: c.users.query(emails=[""]), "non-empty"),
    ("search nothing", lambda c: c.users.search(""), "non-empty"),
]


@pytest.mark.parametrize(("call", "message"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
async def test_bad_input_is_refused_before_sending(
    stub: Stub, client: MeegleClient, call: Call, message: str
) -> None:
    with pytest.raises(MeegleValidationError, match=message):
        await call(client)
    assert stub.requests == []


@pytest.mark.parametrize(
    ("call", "code", "exc"),
    [
        (
            lambda c: c.work_items.search_by_params("s", "story", GROUP),
            20094,
            MeegleTooManyResultsError,
        ),
        (
            lambda c: c.work_items.filter_across_projects(work_item_type_key="story"),
            20094,
            MeegleTooManyResultsError,
        ),
        (lambda c: c.work_items.filter("s"), 20004, MeegleInvalidParamsError),
        (lambda c: c.work_items.filter("s"), 30014, MeegleNotFoundError),
        (lambda c: c.spaces.list(), 30006, MeegleNotFoundError),
        (lambda c: c.users.search("x"), 1000052063, MeegleNotFoundError),
    ],
)
async def test_error_codes_map_to_their_exception(
    stub: Stub, client: MeegleClient, call: Call, code: int, exc: type[Exception]
) -> None:
    serve(stub, lambda rec: fail(code, "refused"))
    with pytest.raises(exc):
        await call(client)


# -- iterators against a loopback server -------------------------------------------------------


class Dataset:
    """A loopback store of work items that filters by creation time, pages, and refuses more
    than ``cap`` matches (20094); ``served`` caps the page size silently, as servers may."""

    def __init__(self, count: int, *, cap: int | None = None, served: int | None = None) -> None:
        self.items = [work_item(1000 + i, T0 + 10 * i) for i in range(count)]
        self.cap = cap
        self.served = served
        self.refused = 0

    @staticmethod
    def window(body: dict[str, Any]) -> tuple[int, int]:
        lo, hi = 0, 10**13
        created = body.get("created_at")
        if created is not None:
            lo, hi = created["start"], created.get("end", hi)
        group = body.get("search_group")
        if group is not None:
            for param in group.get("search_params") or []:
                if param["param_key"] == "created_at" and param["operator"] == ">=":
                    lo = param["value"]
                if param["param_key"] == "created_at" and param["operator"] == "<=":
                    hi = param["value"]
        return lo, hi

    def respond(self, rec: Recorded) -> web.Response:
        body = rec.json
        lo, hi = self.window(body)
        matched = [i for i in self.items if lo <= i["created_at"] <= hi]
        if self.cap is not None and len(matched) > self.cap:
            self.refused += 1
            return fail(20094, "Search result exceeds 5000")
        size = body.get("page_size", 20)
        if self.served is not None:
            size = min(size, self.served)
        num = body.get("page_num", 1)
        return answer(matched[(num - 1) * size : num * size], num, size, len(matched))


ITERATORS: list[tuple[str, Callable[[MeegleClient], AsyncIterator[WorkItem]], str]] = [
    (
        "iter_filter",
        lambda c: c.work_items.iter_filter("space", work_item_type_keys=["story"], page_size=7),
        FILTER,
    ),
    (
        "iter_search_by_params",
        lambda c: c.work_items.iter_search_by_params("space", "story", GROUP, page_size=7),
        SEARCH,
    ),
    (
        "iter_filter_across_projects",
        lambda c: c.work_items.iter_filter_across_projects(work_item_type_key="story", page_size=7),
        ACROSS,
    ),
]
IDS = [r[0] for r in ITERATORS]


@pytest.mark.parametrize(("walk", "path"), [r[1:] for r in ITERATORS], ids=IDS)
async def test_iterators_walk_every_page_once(
    stub: Stub, client: MeegleClient, walk: Any, path: str
) -> None:
    data = Dataset(30)
    serve(stub, data.respond)
    got = [item.id async for item in walk(client)]
    assert got == [i["id"] for i in data.items]
    assert [r.json["page_num"] for r in stub.requests] == [1, 2, 3, 4, 5]
    assert {r.raw_path for r in stub.requests} == {path}
    # Under the cap the query goes out as given: no creation window is added.
    assert all("created_at" not in r.json for r in stub.requests)
    assert all(r.json.get("search_group", GROUP) == GROUP for r in stub.requests)


@pytest.mark.parametrize(("walk", "path"), [r[1:] for r in ITERATORS], ids=IDS)
async def test_iterators_follow_a_server_that_caps_page_size(
    stub: Stub, client: MeegleClient, walk: Any, path: str
) -> None:
    data = Dataset(20, served=3)  # asked for 7 a page, served 3
    serve(stub, data.respond)
    got = [item.id async for item in walk(client)]
    assert got == [i["id"] for i in data.items]
    assert len(stub.requests) == 7


@pytest.mark.parametrize(("walk", "path"), [r[1:] for r in ITERATORS], ids=IDS)
async def test_iterators_split_the_creation_range_past_the_cap(
    stub: Stub, client: MeegleClient, walk: Any, path: str
) -> None:
    data = Dataset(40, cap=12)
    serve(stub, data.respond)
    got = [item.id async for item in walk(client)]
    assert sorted(got) == [i["id"] for i in data.items]
    assert len(got) == len(set(got))
    assert data.refused >= 2
    windows = {Dataset.window(r.json) for r in stub.requests[1:]}
    assert min(lo for lo, _ in windows) == MIN_TIMESTAMP_MS
    # Accepted windows do not overlap.
    accepted = sorted({Dataset.window(r.json) for r in stub.requests if r.json["page_num"] > 1})
    for (_, hi), (lo, _) in itertools.pairwise(accepted):
        assert hi < lo


async def test_search_window_wraps_the_callers_tree(stub: Stub, client: MeegleClient) -> None:
    data = Dataset(5, cap=3)
    serve(stub, data.respond)
    got = [
        i.id
        async for i in client.work_items.iter_search_by_params(
            "space", "story", GROUP, created_at={"start": T0, "end": T0 + 40}
        )
    ]
    assert sorted(got) == [i["id"] for i in data.items]
    first, second = stub.requests[:2]
    assert first.json["search_group"] == {
        "conjunction": "AND",
        "search_params": [
            {"param_key": "created_at", "operator": ">=", "value": T0},
            {"param_key": "created_at", "operator": "<=", "value": T0 + 40},
        ],
        "search_groups": [GROUP],
    }
    assert Dataset.window(second.json) == (T0, T0 + 20)


async def test_iter_filter_with_a_created_range_splits_inside_it(
    stub: Stub, client: MeegleClient
) -> None:
    data = Dataset(10, cap=4)
    serve(stub, data.respond)
    got = [
        i.id
        async for i in client.work_items.iter_filter(
            "space", created_at={"start": T0 + 20, "end": T0 + 69}
        )
    ]
    assert got == [i["id"] for i in data.items[2:7]]
    assert stub.requests[0].json["created_at"] == {"start": T0 + 20, "end": T0 + 69}
    assert all(Dataset.window(r.json)[0] >= T0 + 20 for r in stub.requests)


async def test_iter_filter_with_search_id_never_splits(stub: Stub, client: MeegleClient) -> None:
    serve(stub, lambda rec: fail(20094, "too many"))
    with pytest.raises(MeegleTooManyResultsError):
        await _drain(client.work_items.iter_filter("space", search_id="saved"))
    (rec,) = stub.requests
    assert rec.json == {"search_id": "saved", "page_num": 1, "page_size": 200}


async def test_a_single_millisecond_past_the_cap_raises(stub: Stub, client: MeegleClient) -> None:
    data = Dataset(0, cap=2)
    data.items = [work_item(i, T0) for i in range(1, 5)]
    serve(stub, data.respond)
    with pytest.raises(MeegleTooManyResultsError, match="single millisecond"):
        await _drain(
            client.work_items.iter_filter_across_projects(
                work_item_type_key="story", created_at={"start": T0, "end": T0 + 3}
            )
        )


@pytest.mark.parametrize(("walk", "path"), [r[1:] for r in ITERATORS], ids=IDS)
async def test_a_page_that_does_not_advance_raises(
    stub: Stub, client: MeegleClient, walk: Any, path: str
) -> None:
    # The server ignores page_num: the same full page, forever, with a large total.
    serve(stub, lambda rec: answer([work_item(1000 + i) for i in range(7)], 1, 7, 500))
    with pytest.raises(MeeglePaginationError):
        await _drain(walk(client))
    assert len(stub.requests) == 2


async def test_a_repeated_page_without_page_numbers_raises(
    stub: Stub, client: MeegleClient
) -> None:
    serve(stub, lambda rec: ok([work_item(1000 + i) for i in range(7)], pagination={"total": 99}))
    with pytest.raises(MeeglePaginationError, match="repeats"):
        await _drain(client.work_items.iter_filter("space", page_size=7))
    assert len(stub.requests) == 2
