"""Every public method of every endpoint group, attacked with hostile input one argument at a time.

For each method the test reads the signature, builds a valid baseline call from ``SAMPLES`` (by
parameter name, else by annotation), then replaces one argument with each value of ``HOSTILE``.
Each call must end in one of two ways:

- ``MeegleValidationError`` and nothing sent to the server, or
- a request that went out (the value was acceptable), carrying strict JSON, and ending in a
  result or a ``MeegleError`` for the stub's generic answer.

Never another exception type (``TypeError``, ``KeyError``, ``RecursionError``, ``UnicodeError``...).
Values no API could take (``object()``, a set, NaN, an id that is not a positive 64-bit integer)
must be refused before sending. The calls of one argument run concurrently against the ``stub``
fixture; each call carries its own ``X-User-Key`` so the stub's records tell which call sent what.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import math
from collections.abc import Callable
from typing import Any

import pytest

from meegle_async import ENDPOINTS, MeegleClient, MeegleError, MeegleValidationError
from meegle_async.helpers.chunking import validate_id
from tests import conftest
from tests.conftest import Recorded, Stub, gather

# --- the valid baseline -----------------------------------------------------------------------

_ID = 101
SEARCH_GROUP = {
    "conjunction": "AND",
    "search_params": [{"param_key": "name", "operator": "~", "value": "x"}],
}

#: A valid value per parameter name (a method's required arguments come from here).
SAMPLES: dict[str, Any] = {
    "project_key": "space",
    "work_item_type_key": "story",
    "work_item_id": _ID,
    "work_item_ids": [_ID],
    "resource_work_item_id": _ID,
    "relation_work_item_id": 102,
    "comment_id": 7,
    "parent_id": 7,
    "task_id": 5,
    "transition_id": 3,
    "record_ids": [9],
    "node_id": "node_a",
    "node_ids": ["node_a"],
    "state_key": "state_a",
    "target": "state_b",
    "uuid": "uuid-1",
    "uuids": ["uuid-1"],
    "file_token": "ft-1",
    "file": b"data",
    "resource_type": "CommentAttachment",
    "content": "a comment",
    "query": "login bug",
    "code": "auth-code",
    "refresh_token": "refresh-1",
    "task_id_str": "task-1",
    "ai_task_id": "ai-task-1",
    "field_value": "v",
    "search_group": SEARCH_GROUP,
    "data_sources": [{"project_key": "space", "work_item_type_keys": "story"}],
    "fields": {"name": "x"},
    "update_fields": [{"field_key": "name", "field_value": "x"}],
    "update_mode": "APPEND",
    "reason_option": "other",
    "action": "complete",
    "rollback_reason": "wrong",
    "relation_details": [{"project_key": "space", "work_item_type_key": "bug"}],
    "instances": [{"project_key": "space", "work_item_type_key": "story", "work_item_id": 102}],
    "story_relations": [
        {"local_work_item_id": _ID, "remote_work_item_id": 102, "relation_id": "r"}
    ],
    "records": [{"resource_type": "work_item", "resource_id": str(_ID), "work_time": 4}],
    "updates": [{"id": 9, "work_time": 2}],
    "details": [{"name": "x"}],
    "app_ids": ["cli_1"],
    "work_begin_date": 1_700_000_000_000,
    "work_end_date": 1_700_086_400_000,
    "relation_work_item_type_key": "bug",
    "relation_key": "rel_key",
    "field_name": "A field",
    "field_type_key": "text",
    "field_key": "field_a",
    "view_id": "view_1",
    "chart_id": "chart_1",
    "relation_id": "rel-1",
    "name": "A name",
    "team_id": 11,
    "user_group_id": "g1",
    "users": ["user_a"],
    "user_keys": ["user_a"],
    "user_group_type": "PROJECT_MEMBER",
    "element_type": "node",
}

#: Per method overrides where a name means something else there.
METHOD_SAMPLES: dict[str, dict[str, Any]] = {
    "roles.create": {"role": {"id": "reviewer", "name": "Reviewer", "members": ["u1"]}},
    "roles.update": {"role": {"name": "Code reviewer"}},
    "wbs.patch_draft": {
        "operations": [{"uuid": "row-1", "operation_type": "update", "value": {"name": "D"}}]
    },
    "work_items.get_batch_update_progress": {"task_id": "task-1"},
    "work_items.update_compound_field": {"action": "add"},
    "tasks.complete_or_rollback": {"action": "confirm"},
    "work_items.build_fields": {"fields": {"name": "x"}},
    "work_items.integrate_search": {"query": SEARCH_GROUP},
    "ai.update_field": {"field_value": "v"},
}


#: Optional arguments a method needs for a valid call (one of several, say).
METHOD_EXTRA: dict[str, dict[str, Any]] = {
    "roles.delete": {"role_id": "reviewer"},
    "roles.update": {"role_id": "reviewer"},
    "templates.update": {"workflow_confs": [{"state_key": "review", "name": "R", "action": 1}]},
    "ai.confirm_node": {"state_key": "state_a"},
    "ai.edit_node": {"state_key": "state_a", "status": "done"},
    "ai.get_node": {"state_key": "state_a"},
    "attachments.delete": {"field_key": "field_a"},
    "attachments.upload": {"field_key": "field_a"},
    "comments.iter_query": {"work_item_type_key": "story", "work_item_id": _ID},
    "comments.query": {"work_item_type_key": "story", "work_item_id": _ID},
    "comments.create_v2": {"work_item_type_key": "story", "work_item_id": _ID, "text": "hi"},
    "comments.reply": {"text": "hi"},
    "comments.update": {"content": "hi"},
    "comments.update_v2": {"text": "hi"},
    "deliverables.update_review": {"opinion": "fine", "operation_type": "node"},
    "fields.update": {"field_name": "A field"},
    "resources.update": {"update_fields": SAMPLES["update_fields"]},
    "work_items.update": {"update_fields": SAMPLES["update_fields"]},
    "spaces.get_details": {"project_keys": ["space"]},
    "spaces.update_work_item_type": {"description": "d"},
    "tasks.update": {"name": "A name"},
    "teams.iter_group_members": {"user_group_type": "PROJECT_MEMBER"},
    "teams.list_group_members": {"user_group_type": "PROJECT_MEMBER"},
    "teams.update_user_group_members": {"add": ["user_a"]},
    "tenant.create_account": {"email": "a@example.com"},
    "tenant.query_users": {"user_keys": ["user_a"]},
    "tenant.update_account": {"name": "A name"},
    "tenant.update_department": {"name": "A name"},
    "users.query": {"user_keys": ["user_a"]},
    "views.update_fixed": {"add": [_ID]},
    "work_items.abort": {"reason": "why"},
    "work_items.resume": {"reason": "why"},
    "work_items.batch_update": {"field_key": "field_a", "after_field_value": "v"},
    "work_items.batch_update_and_wait": {"field_key": "field_a", "after_field_value": "v"},
    "work_items.compositive_search": {"project_keys": ["space"]},
    "work_items.iter_compositive_search": {"project_keys": ["space"]},
    "work_items.update_compound_field": {"field_key": "field_a", "fields": [[{"field_key": "a"}]]},
    "work_items.update_multi_signal": {"field_key": "field_a"},
    "workflows.update_actual_time": {"actual_start_time": 1_700_000_000_000},
    "workflows.update_node": {"node_owners": ["user_a"]},
}

#: Helpers that read the server before they can check their input (``move_to`` reads the
#: type and the workflow to find the target): a validation error after reads only is fine
#: (a write would carry ``X-Idem-UUID``).
READ_FIRST = {"workflows.move_to"}


def _by_annotation(annotation: str) -> Any:
    """A valid value for a parameter the table does not name."""
    if "Iterable[int" in annotation or "Sequence[int" in annotation:
        return [_ID]
    if "Iterable[str]" in annotation or "Sequence[str]" in annotation:
        return ["x"]
    if annotation.startswith(("Mapping", "dict")):
        return {}
    if annotation.startswith("int | str"):
        return _ID
    if annotation.startswith("int"):
        return 1
    if annotation.startswith("bool"):
        return False
    return "x"


def sample(method: str, name: str, annotation: str) -> Any:
    overrides = METHOD_SAMPLES.get(method, {})
    if name in overrides:
        return overrides[name]
    if name in SAMPLES:
        return SAMPLES[name]
    return _by_annotation(annotation)


# --- the hostile values -----------------------------------------------------------------------


def _nested(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"v": 1}
    for _ in range(depth):
        node = {"n": node}
    return node


class _Opaque:
    """Stands for ``object()``: anything that is no JSON value."""

    def __repr__(self) -> str:
        return "<opaque>"


#: name -> value. ``object()``, a set, NaN/inf and a tree deeper than the recursion limit are
#: refused everywhere; the rest is judged per parameter (see ``must_refuse``).
HOSTILE: dict[str, Any] = {
    "int": 12345,
    "str_word": "abc",
    "dict": {"a": 1},
    "set": {"a"},
    "object": _Opaque(),
    "empty_str": "",
    "empty_list": [],
    "whitespace": " \t ",
    "crlf": "a\r\nb",
    "nul": "\x00",
    "surrogate": "\ud800",
    "huge_str": "x" * 1_000_000,
    "huge_int": 2**70,
    "negative": -5,
    "zero": 0,
    "bool": True,
    "nan": math.nan,
    "inf": math.inf,
    "nested": _nested(5000),
    "superscript": "\u00b2",
    "list_of_objects": [_Opaque()],
}

ALWAYS_REFUSED = {"set", "object", "nan", "inf", "list_of_objects"}


def _is_id_param(name: str, annotation: str) -> bool:
    ints = annotation.startswith(("int", "Iterable[int"))
    return ints and (name.endswith(("_id", "_ids")))


#: Ids that are opaque strings as well as numbers (v2 comment ids).
OPAQUE_IDS = {
    ("comment_id", "str_word"),
    ("parent_id", "str_word"),
    ("comment_id", "superscript"),
    ("parent_id", "superscript"),
}


def must_refuse(name: str, annotation: str, value_name: str) -> bool:
    """Values that no API could take for this parameter: sending them is a bug."""
    if value_name == "set" and ("Iterable[" in annotation or "Sequence[" in annotation):
        return False  # a set of keys is a fine collection of them
    if (name, value_name) in OPAQUE_IDS:
        return False
    if value_name in ALWAYS_REFUSED:
        return True
    if _is_id_param(name, annotation) and not name.endswith("_ids"):
        return value_name in {"huge_int", "negative", "zero", "bool", "superscript", "str_word"}
    return False


# --- the methods --------------------------------------------------------------------------

#: Arguments left alone: where output goes, callbacks, and the idempotency key (a header).
NOT_ATTACKED = {"to", "progress", "poll_schedule", "timeout"}

#: (method, parameter) -> the file whose checks let these values through (a raw exception or a
#: request sent); files other helpers own while this test was written (under endpoints/),
#: left to be fixed there.
#: "nested" is a RecursionError: the value printed whole with ``!r`` in an error message.
KNOWN: dict[tuple[str, str], str] = {
    (
        "resources.create",
        "fields",
    ): "needs field metadata first, which the stub cannot answer (the real server does)",
    (
        "work_items.build_fields",
        "fields",
    ): "needs field metadata first, which the stub cannot answer (the real server does)",
    (
        "work_items.create",
        "fields",
    ): "needs field metadata first, which the stub cannot answer (the real server does)",
}


_PROBE = MeegleClient(base_url="http://127.0.0.1:9", plugin_token="t", user_key="u")


def _cls(group: str) -> type:
    return type(getattr(_PROBE, group))


def _groups() -> list[str]:
    return sorted({e.client_method.split(".", 1)[0] for e in ENDPOINTS})


def _methods() -> list[str]:
    out = []
    for group in _groups():
        obj = getattr(_PROBE, group)
        for attr in sorted(dir(obj)):
            if attr.startswith("_"):
                continue
            fn = getattr(obj, attr)
            if inspect.ismethod(fn):
                out.append(f"{group}.{attr}")
    return out


def _params(method: str) -> list[inspect.Parameter]:
    group, attr = method.split(".")
    fn = getattr(_cls(group), attr)
    return [
        p
        for name, p in inspect.signature(fn).parameters.items()
        if name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    ]


METHODS = _methods()


def _id_values_fixed() -> bool:
    """Whether ``validate_id`` refuses '²', 2**70 and a deep structure as it should."""
    for value in ("\u00b2", 2**70, _nested(5000)):
        try:
            validate_id(value)
        except MeegleValidationError:
            continue
        except Exception:
            return False
        return False
    return True


#: Values that reach ``helpers.chunking.validate_id`` in methods calling it directly.
ID_VALUES = {"superscript", "huge_int", "nested"}
ID_VALUES_FIXED = _id_values_fixed()

CASES = [
    pytest.param(
        method,
        p.name,
        id=f"{method}:{p.name}",
        marks=(
            [pytest.mark.xfail(strict=True, reason=KNOWN[(method, p.name)])]
            if (method, p.name) in KNOWN
            else []
        ),
    )
    for method in METHODS
    for p in _params(method)
    if p.name not in NOT_ATTACKED
]

#: Arguments that are ids (``int | str``): the id values are tried on them in ``test_hostile_id``.
ID_PARAMS = {
    (method, p.name)
    for method in METHODS
    for p in _params(method)
    if "int | str" in str(p.annotation) and p.name not in NOT_ATTACKED
}
#: Id arguments checked by ``helpers.chunking.validate_id`` called straight from work_items.py,
#: tasks.py, resources.py, template_admin.py and wbs.py (files other helpers own).
#: ``validate_id`` now refuses "\u00b2" and ids above 2**63 - 1, but still prints a structure
#: whole in its message (``{value!r}``): 5000 levels deep, that is a RecursionError. These
#: cases pass on their own once ``validate_id`` prints a bounded repr (``ID_VALUES_FIXED``).
ID_VIA_VALIDATE_ID = {
    ("templates.create", "copy_template_id"),
    ("templates.delete", "template_id"),
    ("templates.update", "template_id"),
    ("wbs.collaboration_publish", "work_item_id"),
    ("wbs.complete_create_audit", "work_item_id"),
    ("wbs.get_sub_work_item_conf", "work_item_id"),
    ("wbs.switch_back_to_draft", "work_item_id"),
    ("wbs.update_frozen_rows", "work_item_id"),
    ("resources.create_work_item", "resource_work_item_id"),
    ("resources.update", "work_item_id"),
    ("tasks.complete", "task_id"),
    ("tasks.complete", "work_item_id"),
    ("tasks.complete_or_rollback", "task_id"),
    ("tasks.complete_or_rollback", "work_item_id"),
    ("tasks.create", "work_item_id"),
    ("tasks.delete", "task_id"),
    ("tasks.delete", "work_item_id"),
    ("tasks.get_details", "work_item_id"),
    ("tasks.rollback", "task_id"),
    ("tasks.rollback", "work_item_id"),
    ("tasks.update", "task_id"),
    ("tasks.update", "work_item_id"),
    ("work_items.abort", "work_item_id"),
    ("work_items.delete", "work_item_id"),
    ("work_items.freeze", "work_item_id"),
    ("work_items.resume", "work_item_id"),
    ("work_items.unfreeze", "work_item_id"),
    ("work_items.update", "work_item_id"),
    ("work_items.update_compound_field", "work_item_id"),
}
ID_CASES = [
    pytest.param(
        m,
        n,
        id=f"{m}:{n}",
        marks=(
            [
                pytest.mark.xfail(
                    not ID_VALUES_FIXED,
                    strict=True,
                    reason=f"{m.split('.')[0]}: validate_id in helpers/chunking.py",
                )
            ]
            if (m, n) in ID_VIA_VALIDATE_ID
            else []
        ),
    )
    for m, n in sorted(ID_PARAMS)
]


def baseline(method: str) -> tuple[list[Any], dict[str, Any]]:
    """Positional and keyword arguments of a valid call (required ones, plus ``METHOD_EXTRA``)."""
    args: list[Any] = []
    kwargs: dict[str, Any] = dict(METHOD_EXTRA.get(method, {}))
    for p in _params(method):
        if p.default is not p.empty:
            continue
        value = sample(method, p.name, str(p.annotation))
        if p.kind is p.KEYWORD_ONLY:
            kwargs[p.name] = value
        else:
            args.append(value)
    return args, kwargs


def _call(client: MeegleClient, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    group, attr = method.split(".")
    fn: Callable[..., Any] = getattr(getattr(client, group), attr)
    return fn(*args, **kwargs)


async def _run(client: MeegleClient, method: str, args: list[Any], kwargs: dict[str, Any]) -> None:
    """Make the call; for an iterator, take its first item."""
    result = _call(client, method, args, kwargs)
    if inspect.isawaitable(result):
        await result
    elif hasattr(result, "__aiter__"):
        iterator = result.__aiter__()
        try:
            await iterator.__anext__()
        except StopAsyncIteration:
            pass
        finally:
            close = getattr(iterator, "aclose", None)
            if close is not None:
                await close()


def _strict_json(body: bytes) -> None:
    def refuse(token: str) -> Any:
        raise AssertionError(f"non-standard JSON constant {token} sent")

    if body and body.lstrip()[:1] in (b"{", b"["):
        json.loads(body, parse_constant=refuse)


def _make_client(stub: Stub, method: str) -> MeegleClient:
    fast = {e.name: 1e6 for e in ENDPOINTS}
    auth: dict[str, Any] = (
        {"plugin_id": "plugin-id", "plugin_secret": "plugin-secret-value"}
        if method.startswith("auth.")
        else {"plugin_token": "plugin-token-value"}
    )
    return MeegleClient(
        base_url=stub.base_url,
        user_key="baseline",
        **auth,
        max_retries=0,
        timeout=10.0,
        default_qps=1e6,
        rate_limits=fast,
        adaptive_limits=False,
    )


def _sent(stub: Stub, tag: str) -> list[Any]:
    """What the call tagged ``tag`` sent (for ``auth.*``: everything since it started)."""
    if tag.startswith("#"):
        return (stub.requests + stub.token_requests)[int(tag[1:]) :]
    return [r for r in stub.requests + stub.token_requests if r.headers.get("X-User-Key") == tag]


#: ``auth.*`` calls carry no ``X-User-Key``: they run one at a time, told apart by count.
_AUTH_LOCK: dict[str, Any] = {}


async def _outcome(
    client: MeegleClient, stub: Stub, method: str, tag: str, args: list[Any], kwargs: dict[str, Any]
) -> tuple[str, BaseException | None]:
    """("refused" | "sent", error) or ("bad", the exception)."""
    if method.startswith("auth."):
        loop = asyncio.get_running_loop()
        if _AUTH_LOCK.get("loop") is not loop:
            _AUTH_LOCK.update(loop=loop, lock=asyncio.Lock())
        lock = _AUTH_LOCK["lock"]
        async with lock:
            count = len(stub.requests) + len(stub.token_requests)
            return await _judge(client, stub, method, f"#{count}", args, kwargs)
    return await _judge(client.with_options(user_key=tag), stub, method, tag, args, kwargs)


async def _judge(
    client: MeegleClient, stub: Stub, method: str, tag: str, args: list[Any], kwargs: dict[str, Any]
) -> tuple[str, BaseException | None]:
    try:
        await _run(client, method, args, kwargs)
    except MeegleValidationError as exc:
        sent = _sent(stub, tag)
        reads_only = all("X-Idem-UUID" not in r.headers for r in sent)
        if sent and not (method in READ_FIRST and reads_only):
            return "bad", AssertionError(f"validation error after sending: {exc}")
        return "refused", exc
    except MeegleError as exc:
        if not _sent(stub, tag):
            return "bad", AssertionError(f"{type(exc).__name__} with nothing sent: {exc}")
        return "sent", exc
    except Exception as exc:  # the thing under test: any other type is a failure
        return "bad", exc
    # cached=True answers from the cache; no ids at all is an empty answer without a request
    if not _sent(stub, tag) and "cached" not in kwargs and tag != "empty_list":
        return "bad", AssertionError("returned without sending anything")
    return "sent", None


class _AnyBody(Recorded):
    """Records multipart uploads too (the shared stub expects JSON bodies)."""

    def __init__(self, request: Any, body: bytes, arrival: float) -> None:
        try:
            super().__init__(request, body, arrival)
        except ValueError:
            super().__init__(request, b"", arrival)
            self.raw_body = body


@pytest.fixture
def any_body_stub(stub: Stub, monkeypatch: pytest.MonkeyPatch) -> Stub:
    monkeypatch.setattr(conftest, "Recorded", _AnyBody)
    return stub


async def _attack(stub: Stub, method: str, param: str, values: dict[str, Any]) -> list[str]:
    """Failures of ``method`` with each of ``values`` as ``param`` (one call each, concurrent)."""
    args, kwargs = baseline(method)
    params = {p.name: p for p in _params(method)}
    annotation = str(params[param].annotation)
    positional = [p.name for p in _params(method) if p.kind is not p.KEYWORD_ONLY]
    async with _make_client(stub, method) as client:
        kind, error = await _outcome(client, stub, method, "base", args, kwargs)
        ok = "refused" if method in READ_FIRST else "sent"
        assert kind == ok, f"the baseline call of {method} failed: {error!r}"

        async def attack(value_name: str, value: Any) -> tuple[str, str, BaseException | None]:
            a, k = list(args), dict(kwargs)
            if params[param].kind is params[param].KEYWORD_ONLY or param in k:
                k[param] = value
            else:
                index = positional.index(param)
                while len(a) < index:  # an optional positional before it: its sample
                    p = params[positional[len(a)]]
                    a.append(sample(method, p.name, str(p.annotation)))
                if len(a) == index:
                    a.append(value)
                else:
                    a[index] = value
            kind, error = await _outcome(client, stub, method, value_name, a, k)
            if kind == "sent":
                for rec in _sent(stub, value_name):
                    try:
                        _strict_json(rec.raw_body)
                    except AssertionError as exc:
                        return value_name, "bad", exc
                if must_refuse(param, annotation, value_name):
                    return value_name, "bad", AssertionError("sent a value no API can take")
            return value_name, kind, error

        results = await gather(*(attack(n, v) for n, v in values.items()))
    return [
        f"{value_name}: {type(error).__name__}: {str(error)[:200]}"
        for value_name, kind, error in results
        if kind == "bad"
    ]


@pytest.mark.parametrize(("method", "param"), CASES)
async def test_hostile_argument(any_body_stub: Stub, method: str, param: str) -> None:
    """Every hostile value but the id ones: refused before sending, or sent as valid JSON."""
    skip = ID_VALUES if (method, param) in ID_PARAMS else set()
    values = {n: v for n, v in HOSTILE.items() if n not in skip}
    failures = await _attack(any_body_stub, method, param, values)
    assert not failures, f"{method}({param}=...):\n" + "\n".join(failures)


@pytest.mark.parametrize(("method", "param"), ID_CASES)
async def test_hostile_id(any_body_stub: Stub, method: str, param: str) -> None:
    """'²', 2**70 and a structure 5000 levels deep where an id goes: refused, never sent."""
    values = {n: v for n, v in HOSTILE.items() if n in ID_VALUES}
    failures = await _attack(any_body_stub, method, param, values)
    assert not failures, f"{method}({param}=...):\n" + "\n".join(failures)
