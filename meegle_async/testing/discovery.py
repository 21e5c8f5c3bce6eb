"""The fake's discovery endpoints: work item filters and searches, spaces, users.

Shapes and limits follow ``docs/spec-discovery.md`` (the official SDKs' models and the platform
docs). Like the rest of the fake these handlers read the store's plain state and answer dicts;
they share nothing with the client.

What the fake supports, and where it chooses for the real API:

* ``filter`` (``POST /open_api/{project_key}/work_item/filter``): ``work_item_type_keys``
  (unknown type → 20003; absent → every type), ``work_item_ids``, ``work_item_name``
  (case-insensitive substring), ``user_keys`` (≤ 10, else 20004; matches the creator, the
  owner, a watcher or a role member), ``created_at`` / ``updated_at`` (``{start, end?}`` in
  13-digit ms, inclusive, else 20013), ``work_item_status`` (by ``state_key``), ``sub_stages``,
  ``priorities`` and ``tags`` (option values), ``businesses`` (the fake's items have none, so any
  value matches nothing), ``expand``. ``search_id``: the fake keeps no saved searches (20005;
  ``""`` counts as absent).
  Page size default 20, **silently capped** at ``FILTER_MAX_PAGE_SIZE`` (200).
* ``search/params``: ``search_group`` (required, 20005) with ``conjunction`` ``AND``/``OR``
  (20072), at most 50 conditions (20006), nested ``search_groups``. Param keys (20068
  otherwise): ``work_item_id``, ``name``, ``created_at``, ``updated_at``, ``created_by``,
  ``updated_by``, ``owner``, ``priority`` (option value), ``work_item_status`` (state key) and
  ``current_status_operator`` (an owner of a node in progress). Operators (20063 otherwise):
  ``=``, ``!=``, ``HAS ANY OF``, ``HAS NONE OF``, ``IN`` (as ``HAS ANY OF``), and ``>``,
  ``>=``, ``<``, ``<=`` on ``work_item_id``, ``created_at`` and ``updated_at`` only. Values
  are a scalar or a list (``=``/``!=``/comparisons take its first element). ``fields``
  selects or excludes fields. Page size default 10, silently capped at 50.
* ``filter_across_project``: ``work_item_type_key`` required (20003, also when no space in
  scope has the type), ``project_keys`` / ``simple_names`` (none: every space), ``search_user``
  (``user_keys`` required, 20059; ``field_key`` ``owner``/``watchers``/``issue_reporter`` (the
  creator)/``issue_operator`` (the owner), else 20005; ``role``: members of that role), the
  filters above (``work_item_ids`` ≤ 50, else 20028), ``template_ids``. Page size default 20,
  silently capped at 50.
* Both searches and the cross-space filter refuse more than ``MAX_SEARCH_RESULTS`` (5000)
  matches with 20094. The filters leave out terminated (aborted) items, as the docs say; the
  condition search keeps them. Resource library instances are never returned. Results are in
  id order.
* ``projects`` (``user_key`` unknown → 30006; ``order`` ``["-last_visited"]`` reverses),
  ``projects/detail`` (≤ 100 keys, else 20006; none → 20005; ``administrators`` only for an
  administrator), ``user/query`` (≤ 100 ids over ``user_keys``, ``emails``, ``out_ids``, else
  20004; none → 20005; nothing found → 30006; a user's ``out_id`` is ``ou_<user_key>``),
  ``user/search`` (``query`` required; case-insensitive substring of username, names, email;
  unknown ``project_key`` → 1000052063).

The caps are module attributes read on every request, so a test can lower them::

    monkeypatch.setattr("meegle_async.testing.discovery.MAX_SEARCH_RESULTS", 30)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from . import rules
from .handlers import handles
from .rules import JSON, fail
from .store import Space, Store, WorkItem

if TYPE_CHECKING:
    from .context import Ctx, Paged

#: Matches the condition search and the cross-space filter refuse past (20094).
MAX_SEARCH_RESULTS = 5000
#: Page sizes: the filter's, and that of the condition search and the cross-space filter.
FILTER_MAX_PAGE_SIZE = 200
SEARCH_MAX_PAGE_SIZE = 50
#: Conditions one ``search_group`` may hold.
MAX_CONDITIONS = 50
#: Ids ``projects/detail`` and ``user/query`` take per request.
MAX_LOOKUP_KEYS = 100
MAX_FILTER_USER_KEYS = 10

_SEARCH_USER_FIELDS = frozenset({"owner", "watchers", "issue_operator", "issue_reporter"})
_PARAM_KEYS = frozenset(
    {
        "work_item_id",
        "name",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "owner",
        "priority",
        "work_item_status",
        "current_status_operator",
    }
)
_NUMERIC_PARAMS = frozenset({"work_item_id", "created_at", "updated_at"})
_OPERATORS = frozenset({"=", "!=", ">", ">=", "<", "<=", "HAS ANY OF", "HAS NONE OF", "IN"})
_ORDERS = ("last_visited", "+last_visited", "-last_visited")


def _page_args(body: JSON, default_size: int, max_size: int) -> tuple[int, int]:
    page_num = rules.opt_number(body, "page_num", 1)
    page_size = rules.opt_number(body, "page_size", default_size)
    if not rules.is_int(page_num) or page_num < 1:
        fail(rules.INVALID_PARAM, "page_num must be a positive integer")
    if not rules.is_int(page_size) or page_size < 1:
        fail(rules.INVALID_PARAM, "page_size must be a positive integer")
    return page_num, min(page_size, max_size)


def _interval(body: JSON, name: str) -> tuple[int, int | None] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        fail(rules.INVALID_TIME_INTERVAL, f"{name} must be {{start, end}}")
    start: Any = value.get("start")
    end: Any = value.get("end")
    if not rules.is_ms_timestamp(start):
        fail(rules.INVALID_TIME_INTERVAL, f"{name}.start must be a 13-digit ms timestamp")
    if end is not None and not rules.is_ms_timestamp(end):
        fail(rules.INVALID_TIME_INTERVAL, f"{name}.end must be a 13-digit ms timestamp")
    if end is not None and start > end:
        fail(rules.INVALID_TIME_INTERVAL, f"{name}.start is after {name}.end")
    return start, end


def _in(value: int, interval: tuple[int, int | None] | None) -> bool:
    if interval is None:
        return True
    start, end = interval
    return start <= value and (end is None or value <= end)


def _option_values(value: Any) -> set[str]:
    """The option ids of a select or multi-select value."""
    values = value if isinstance(value, list) else [value]
    return {v["value"] for v in values if isinstance(v, dict) and isinstance(v.get("value"), str)}


def _people(item: WorkItem) -> set[str]:
    people = {item.created_by}
    owner = item.values.get("owner")
    if isinstance(owner, str):
        people.add(owner)
    people.update(item.values.get("watchers") or [])
    for role in item.values.get("role_owners") or []:
        people.update(role.get("owners") or [])
    return people


def _current_operators(item: WorkItem) -> set[str]:
    return {u for n in item.nodes if n.status == 2 for u in n.owners}


def _status_keys(body: JSON) -> set[str] | None:
    value = body.get("work_item_status")
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        fail(rules.INVALID_PARAM, "work_item_status must be a list of objects")
    keys = {v.get("state_key") for v in value}
    if not all(isinstance(k, str) and k for k in keys):
        fail(rules.INVALID_PARAM, "work_item_status items need a state_key")
    return {str(k) for k in keys}


def _str_set(body: JSON, name: str) -> set[str] | None:
    values = rules.str_list(body, name)
    return None if values is None else set(values)


class DiscoveryHandlers:
    """The discovery endpoints over one store; ``admins`` administer every space."""

    def __init__(self, store: Store, admins: Sequence[str]) -> None:
        self.store = store
        self.admins = list(admins)

    # ------------------------------------------------------------- shared filters
    def _common(self, body: JSON, *, max_ids: int | None) -> Callable[[WorkItem], bool]:
        """The conditions ``filter`` and ``filter_across_project`` share, as one test."""
        ids: set[int] | None = None
        if body.get("work_item_ids") is not None:
            raw = body["work_item_ids"]
            if not isinstance(raw, list):
                fail(rules.INVALID_PARAM, "work_item_ids must be a list")
            if max_ids is not None and len(raw) > max_ids:
                fail(rules.DETAILS_OVER_LIMIT, f"{len(raw)} ids, at most {max_ids}")
            ids = {rules.to_int(v, "work_item_ids") for v in raw}
        name = rules.opt_str(body, "work_item_name")
        needle = name.lower() if name else None
        created = _interval(body, "created_at")
        updated = _interval(body, "updated_at")
        statuses = _status_keys(body)
        businesses = _str_set(body, "businesses")
        priorities = _str_set(body, "priorities")
        tags = _str_set(body, "tags")
        templates: set[int] | None = None
        if body.get("template_ids") is not None:
            if not isinstance(body["template_ids"], list):
                fail(rules.INVALID_PARAM, "template_ids must be a list")
            templates = {rules.to_int(v, "template_ids") for v in body["template_ids"]}

        def test(item: WorkItem) -> bool:
            if ids is not None and item.id not in ids:
                return False
            if needle is not None and needle not in item.name.lower():
                return False
            if not (_in(item.created_at, created) and _in(item.updated_at, updated)):
                return False
            if statuses is not None and item.state_key not in statuses:
                return False
            if businesses is not None:
                return False
            if priorities is not None and not (
                _option_values(item.values.get("priority")) & priorities
            ):
                return False
            if tags is not None and not (_option_values(item.values.get("field_6b2d31")) & tags):
                return False
            return templates is None or item.template_id in templates

        return test

    def _items(self, spaces: Iterable[Space], type_keys: set[str]) -> list[WorkItem]:
        keys = {s.project_key for s in spaces}
        return sorted(
            (
                i
                for i in self.store.items.values()
                if i.project_key in keys and i.type_key in type_keys and not i.is_resource
            ),
            key=lambda i: i.id,
        )

    def _page(
        self,
        matched: list[WorkItem],
        body: JSON,
        page: tuple[int, int],
        *,
        selection: tuple[bool, set[str]] | None = None,
    ) -> Paged:
        from .context import Paged

        page_num, page_size = page
        expand = body.get("expand") if isinstance(body.get("expand"), dict) else None
        chunk = matched[(page_num - 1) * page_size : page_num * page_size]
        return Paged(
            [self.store.work_item_view(i, selection, expand) for i in chunk],
            {"page_num": page_num, "page_size": page_size, "total": len(matched)},
        )

    # -------------------------------------------------------------------- filter
    @handles("filter_work_item")
    def filter(self, ctx: Ctx) -> Any:
        """filter_work_item: one space, simple conditions, terminated items left out."""
        space = self.store.space(ctx.match["project_key"])
        body = rules.body_dict(ctx.body)
        # The official SDK's v1 structs always send "search_id": "": empty means absent.
        if body.get("search_id") not in (None, ""):
            fail(rules.MISSING_PARAM, "search_id invalid: the fake keeps no saved searches")
        page = _page_args(body, 20, FILTER_MAX_PAGE_SIZE)
        type_keys = rules.str_list(body, "work_item_type_keys")
        if type_keys:
            for key in type_keys:
                if key not in space.types:
                    fail(rules.WRONG_WORK_ITEM_TYPE_PARAM, f"no work item type {key}")
            wanted = set(type_keys)
        else:
            wanted = set(space.types)
        users = rules.str_list(body, "user_keys")
        if users is not None and len(users) > MAX_FILTER_USER_KEYS:
            fail(rules.IDS_OVER_LIMIT, f"user_keys has {len(users)}, at most 10")
        stages = _str_set(body, "sub_stages")
        common = self._common(body, max_ids=None)
        matched = [
            i
            for i in self._items([space], wanted)
            if not i.aborted
            and common(i)
            and (not users or set(users) & _people(i))
            and (stages is None or i.state_key in stages)
        ]
        return self._page(matched, body, page)

    # ---------------------------------------------------------- search by params
    @handles("search_work_item_by_params")
    def search_by_params(self, ctx: Ctx) -> Any:
        """search_work_item_by_params: one space and type, an AND/OR condition tree."""
        space = self.store.space(ctx.match["project_key"])
        conf = self.store.type_conf(space, ctx.match["work_item_type_key"])
        body = rules.body_dict(ctx.body)
        if "search_group" not in body:
            fail(rules.MISSING_PARAM, "search_group")
        counter = [0]
        matcher = self._group(body["search_group"], counter)
        if counter[0] > MAX_CONDITIONS:
            fail(rules.INVALID_PARAM, f"{counter[0]} conditions, at most {MAX_CONDITIONS}")
        selection = rules.field_filter(body.get("fields"))
        page = _page_args(body, 10, SEARCH_MAX_PAGE_SIZE)
        matched = [i for i in self._items([space], {conf.key}) if matcher(i)]
        if len(matched) > MAX_SEARCH_RESULTS:
            fail(rules.SEARCH_RESULTS_OVER_LIMIT, f"{len(matched)} work items match")
        return self._page(matched, body, page, selection=selection)

    def _group(self, group: Any, counter: list[int]) -> Callable[[WorkItem], bool]:
        if not isinstance(group, dict):
            fail(rules.SEARCH_PARAM_VALUE_ERROR, "search_group must be an object")
        conjunction = group.get("conjunction")
        if conjunction not in ("AND", "OR"):
            fail(rules.SEARCH_CONJUNCTION_ERROR, str(conjunction))
        tests: list[Callable[[WorkItem], bool]] = []
        for param in group.get("search_params") or []:
            if not isinstance(param, dict):
                fail(rules.SEARCH_PARAM_VALUE_ERROR, "a search param must be an object")
            counter[0] += 1
            tests.append(self._param(param))
        for sub in group.get("search_groups") or []:
            tests.append(self._group(sub, counter))
        if conjunction == "AND":
            return lambda item: all(t(item) for t in tests)
        return lambda item: any(t(item) for t in tests) if tests else True

    def _param(self, param: JSON) -> Callable[[WorkItem], bool]:
        key, op, value = param.get("param_key"), param.get("operator"), param.get("value")
        if key not in _PARAM_KEYS:
            fail(rules.SEARCH_PARAM_NOT_SUPPORTED, str(key))
        if op not in _OPERATORS:
            fail(rules.SEARCH_OPERATOR_ERROR, str(op))
        numeric = key in _NUMERIC_PARAMS
        if op in (">", ">=", "<", "<=") and not numeric:
            fail(rules.SEARCH_OPERATOR_ERROR, f"{op} is not supported for {key}")
        if op in ("HAS ANY OF", "HAS NONE OF", "IN") and not isinstance(value, list):
            fail(rules.SEARCH_PARAM_VALUE_ERROR, f"{key}: {op} takes a list")
        values = value if isinstance(value, list) else [value]
        if not values:
            fail(rules.SEARCH_PARAM_VALUE_ERROR, f"{key}: empty value")
        if numeric:
            values = [
                rules.to_int(v, str(key), code=rules.SEARCH_PARAM_VALUE_ERROR) for v in values
            ]
        elif not all(isinstance(v, str) for v in values):
            fail(rules.SEARCH_PARAM_VALUE_ERROR, f"{key} takes strings")
        wanted = set(values)
        v0 = values[0]

        def current(item: WorkItem) -> set[Any]:
            """Every value the item holds for the key (a multi-valued key matches on any)."""
            if key == "work_item_id":
                return {item.id}
            if key == "name":
                return {item.name}
            if key in ("created_at", "updated_at", "created_by", "updated_by"):
                return {getattr(item, str(key))}
            if key == "owner":
                owner = item.values.get("owner")
                return {owner} if owner else set()
            if key == "priority":
                return _option_values(item.values.get("priority"))
            if key == "work_item_status":
                return {item.state_key}
            return _current_operators(item)

        compare: dict[str, Callable[[set[Any]], bool]] = {
            "=": lambda have: v0 in have,
            "!=": lambda have: v0 not in have,
            ">": lambda have: any(x > v0 for x in have),
            ">=": lambda have: any(x >= v0 for x in have),
            "<": lambda have: any(x < v0 for x in have),
            "<=": lambda have: any(x <= v0 for x in have),
            "HAS ANY OF": lambda have: bool(have & wanted),
            "IN": lambda have: bool(have & wanted),
            "HAS NONE OF": lambda have: not have & wanted,
        }
        fn = compare[str(op)]
        return lambda item: fn(current(item))

    # ----------------------------------------------------- filter across projects
    @handles("filter_work_item_across_project")
    def filter_across_project(self, ctx: Ctx) -> Any:
        """filter_work_item_across_project: one type over many spaces, 5000 at most."""
        body = rules.body_dict(ctx.body)
        type_key = body.get("work_item_type_key")
        if not isinstance(type_key, str) or not type_key:
            fail(rules.WRONG_WORK_ITEM_TYPE_PARAM, "work_item_type_key is required")
        pks = rules.str_list(body, "project_keys") or []
        names = rules.str_list(body, "simple_names") or []
        if pks or names:
            keys = {k for k in pks if k in self.store.spaces}
            keys |= {self.store.simple_names[n] for n in names if n in self.store.simple_names}
            spaces = [self.store.spaces[k] for k in sorted(keys)]
        else:
            spaces = list(self.store.spaces.values())
        spaces = [s for s in spaces if type_key in s.types]
        if not spaces:
            fail(rules.WRONG_WORK_ITEM_TYPE_PARAM, f"no space in scope has type {type_key}")
        who = self._search_user(body.get("search_user"))
        page = _page_args(body, 20, SEARCH_MAX_PAGE_SIZE)
        common = self._common(body, max_ids=rules.MAX_IDS)
        matched = [
            i for i in self._items(spaces, {type_key}) if not i.aborted and common(i) and who(i)
        ]
        if len(matched) > MAX_SEARCH_RESULTS:
            fail(rules.SEARCH_RESULTS_OVER_LIMIT, f"{len(matched)} work items match")
        return self._page(matched, body, page)

    @staticmethod
    def _search_user(value: Any) -> Callable[[WorkItem], bool]:
        if value is None:
            return lambda item: True
        if not isinstance(value, dict):
            fail(rules.MISSING_PARAM, "search_user must be an object")
        users = value.get("user_keys")
        if not users:
            fail(rules.SEARCH_USER_KEYS_MISSING)
        if not isinstance(users, list) or not all(isinstance(u, str) for u in users):
            fail(rules.MISSING_PARAM, "search_user.user_keys must be a list of strings")
        field_key, role = value.get("field_key"), value.get("role")
        if field_key is not None and field_key not in _SEARCH_USER_FIELDS:
            fail(rules.MISSING_PARAM, f"search_user.field_key {field_key!r} is not supported")
        wanted = set(users)

        def holders(item: WorkItem) -> set[str]:
            owner = item.values.get("owner")
            owners = {owner} if isinstance(owner, str) else set()
            by_field = {
                "owner": owners,
                "issue_operator": owners,
                "issue_reporter": {item.created_by},
                "watchers": set(item.values.get("watchers") or []),
            }
            if role is not None:
                return {
                    u
                    for r in item.values.get("role_owners") or []
                    if r.get("role") == role
                    for u in r.get("owners") or []
                }
            if field_key is not None:
                return by_field[field_key]
            return set().union(*by_field.values())

        return lambda item: bool(holders(item) & wanted)

    # -------------------------------------------------------------------- spaces
    @handles("list_project")
    def projects(self, ctx: Ctx) -> Any:
        """list_project: every space's key (the fake's plugin is installed everywhere)."""
        body = rules.body_dict(ctx.body)
        user_key = rules.opt_str(body, "user_key")
        if user_key is not None and user_key not in self.store.users:
            fail(rules.LOOKUP_USER_NOT_FOUND, f"user {user_key} not found")
        order = rules.str_list(body, "order") or []
        for value in order:
            if value not in _ORDERS:
                fail(rules.INVALID_PARAM, f"order {value!r} is not supported")
        keys = list(self.store.spaces)
        return keys[::-1] if "-last_visited" in order else keys

    @handles("get_project_detail")
    def project_detail(self, ctx: Ctx) -> Any:
        """get_project_detail: project key → {project_key, name, simple_name, administrators}."""
        body = rules.body_dict(ctx.body)
        pks = rules.str_list(body, "project_keys") or []
        names = rules.str_list(body, "simple_names") or []
        if not pks and not names:
            fail(rules.MISSING_PARAM, "project_keys or simple_names")
        if len(pks) + len(names) > MAX_LOOKUP_KEYS:
            fail(rules.INVALID_PARAM, f"at most {MAX_LOOKUP_KEYS} spaces per request")
        acting = rules.opt_str(body, "user_key") or ctx.actor.operator
        keys = pks + [self.store.simple_names[n] for n in names if n in self.store.simple_names]
        out: JSON = {}
        for key in keys:
            space = self.store.spaces.get(key)
            if space is None:
                continue
            view: JSON = {
                "project_key": space.project_key,
                "name": space.name,
                "simple_name": space.simple_name,
            }
            if acting in self.admins:
                view["administrators"] = list(self.admins)
            out[space.project_key] = view
        return out

    @handles("query_work_item_types")
    def work_item_types(self, ctx: Ctx) -> Any:
        """query_work_item_types (``GET /open_api/{project_key}/work_item/all-types``)."""
        space = self.store.space(ctx.match["project_key"])
        return [
            {
                "type_key": t.key,
                "name": t.name,
                "is_disable": 1 if t.disabled else 2,
                "api_name": t.key,
                "enable_model_resource_lib": t.resource_enabled,
            }
            for t in space.types.values()
        ]

    # --------------------------------------------------------------------- users
    def _user_view(self, user: JSON) -> JSON:
        # every member the spec and the official SDK's UserBasicInfo name: the numeric
        # user_id (not the user_key), the avatar and the localised name map
        key = str(user["user_key"])
        digits = "".join(c for c in key if c.isdigit())
        return {
            "user_id": 1_000_000 + int(digits[-6:] or 0),
            "avatar_url": f"https://fake.meegle.local/avatar/{key}.png",
            "name": {
                "default": user.get("name_en") or user.get("username") or key,
                "en_us": user.get("name_en") or "",
                "zh_cn": user.get("name_cn") or "",
            },
            **user,
            "out_id": f"ou_{key}",
            "status": "activated",
        }

    @handles("query_user_detail")
    def users(self, ctx: Ctx) -> Any:
        """query_user_detail: by user_keys, emails or out_ids; nothing found → 30006."""
        body = rules.body_dict(ctx.body)
        keys = rules.str_list(body, "user_keys") or []
        emails = rules.str_list(body, "emails") or []
        out_ids = rules.str_list(body, "out_ids") or []
        count = len(keys) + len(emails) + len(out_ids)
        if not count:
            fail(rules.MISSING_PARAM, "user_keys, emails or out_ids")
        if count > MAX_LOOKUP_KEYS:
            fail(rules.IDS_OVER_LIMIT, f"{count} ids, at most {MAX_LOOKUP_KEYS}")
        found = [
            self._user_view(u)
            for u in self.store.users.values()
            if u["user_key"] in keys or u["email"] in emails or f"ou_{u['user_key']}" in out_ids
        ]
        if not found:
            fail(rules.LOOKUP_USER_NOT_FOUND, "no user matches")
        return found

    @handles("search_user")
    def user_search(self, ctx: Ctx) -> Any:
        """search_user: users whose username, names or email contain ``query``."""
        body = rules.body_dict(ctx.body)
        query = rules.req_str(body, "query").lower()
        # The official SDK's v1 structs always send "project_key": "": empty means absent.
        project_key = rules.opt_str(body, "project_key") or None
        if (
            project_key is not None
            and project_key not in self.store.spaces
            and project_key not in self.store.simple_names
        ):
            fail(rules.PROJECT_NOT_EXIST, project_key)
        return [
            self._user_view(u)
            for u in self.store.users.values()
            if any(
                query in str(u.get(k, "")).lower()
                for k in ("username", "name_en", "name_cn", "email")
            )
        ]
