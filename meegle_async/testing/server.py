"""The fake Meegle OpenAPI server: an aiohttp.web application on loopback.

:class:`FakeMeegle` owns the store, the request log, the rate limiter, the idempotency
cache and the fault plan; each of the 25 spec endpoints is a small synchronous handler
(no ``await`` between reading and writing state, so a request is applied atomically)
that returns the envelope's ``data`` or raises :class:`~.rules.ApiError`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import json
import math
import os
import random
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web

from . import rules
from . import seed as seeding
from .discovery import DiscoveryHandlers
from .faults import FaultPlan, Faults
from .rules import JSON, ApiError, fail
from .store import (
    MULTI_TYPES,
    OPTION_TYPES,
    SUPPORTED_CUSTOM_TYPES,
    WORKFLOW,
    Actor,
    FieldConf,
    LogFilter,
    Space,
    Store,
    SubTask,
    TokenInfo,
    TypeConf,
    WorkItem,
    now_ms,
    record_content,
)

DEFAULT_PLUGIN_ID = "MII_FAKE00000000001"
DEFAULT_PLUGIN_SECRET = "fake-plugin-secret-0001"
DEFAULT_QPS = 15
DEFAULT_LIMITS: dict[str, int] = {
    "batch_update_work_item_field": 1,
    "get_batch_update_progress": 1,
}
REFRESH_TOKEN_TTL = 14 * 24 * 3600
MAX_SUBTASK_RESULTS = 5000
MAX_PAGE_SIZE = 200
MAX_FIELD_SELECTED = 20

_HTML_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


@dataclass
class RecordedRequest:
    """One request as the fake received it, with what it answered.

    ``arrival`` is ``time.monotonic()`` when the server counted the request (after any
    configured network ``latency``); ``status`` is 0 when the connection was dropped;
    ``fault`` names an injected fault; ``replayed`` marks an idempotent replay.
    """

    arrival: float
    method: str
    raw_path: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]
    body: Any
    raw_body: bytes
    status: int = 0
    endpoint: str | None = None
    token: str | None = None
    log_id: str = ""
    err_code: int | None = None
    fault: str | None = None
    replayed: bool = False


@dataclass
class Paged:
    """Handler result for paged endpoints: ``data`` plus a top-level ``pagination``."""

    data: Any
    pagination: JSON


@dataclass
class Ctx:
    """What a handler gets: path parameters, query, parsed body and the acting user."""

    match: Mapping[str, str]
    query: Mapping[str, str]
    body: Any
    actor: Actor
    token: str


Handler = Callable[[Ctx], Any]


@dataclass
class _Route:
    name: str
    method: str
    path: str
    handler: Handler
    write: bool


class RateLimiter:
    """Strict sliding 1-second window per (token, endpoint), counting accepted requests."""

    def __init__(self, limits: bool | Mapping[str, int]) -> None:
        self.enabled = limits is not False
        self.default = DEFAULT_QPS
        self.limits = dict(DEFAULT_LIMITS)
        if isinstance(limits, Mapping):
            self.limits.update({k: v for k, v in limits.items() if k != "default"})
            self.default = limits.get("default", DEFAULT_QPS)
        self._windows: dict[tuple[str, str], deque[float]] = {}

    def limit_for(self, endpoint: str) -> int:
        """The requests-per-second limit of an endpoint."""
        return self.limits.get(endpoint, self.default)

    def hit(self, token: str, endpoint: str, now: float) -> float | None:
        """Count a request; return the seconds until the window frees if it is over."""
        if not self.enabled:
            return None
        limit = self.limit_for(endpoint)
        window = self._windows.get((token, endpoint))
        if window is None:
            window = self._windows[(token, endpoint)] = deque()
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= limit:
            return max(0.0, 1.0 - (now - window[0]))
        window.append(now)
        return None


class FakeMeegle:
    """An in-process fake of the Meegle OpenAPI, served over HTTP on loopback.

    Use it as an async context manager (or ``await start()`` / ``await close()``)::

        async with FakeMeegle(seed_items=100, seed=1234) as fake:
            ...  # point a client at fake.base_url with fake.plugin_id / plugin_secret

    Options (keyword-only): ``host`` (loopback only), ``port`` (0 picks a free one),
    ``seed_items`` / ``seed_subtasks`` / ``seed_resources`` and ``seed`` for the data,
    ``rate_limits`` (True: 15/s per token and endpoint, 1/s for batch update and its
    progress; a mapping overrides per endpoint name, key ``"default"`` for the rest;
    False: unlimited), ``retry_after`` (``"int"``, ``"float"`` or None: how the 429
    ``Retry-After`` header is written), ``token_ttl`` seconds, ``batch_task_duration``
    seconds, ``latency`` + up to ``latency_jitter`` seconds of network delay before a
    request is counted, ``faults``, and ``record_requests`` (False keeps no request log,
    for long benchmarks).

    Besides the 25 spec endpoints it serves the discovery endpoints of
    :mod:`~.discovery`: ``filter_work_item``, ``search_work_item_by_params``,
    ``filter_work_item_across_project``, ``list_project``, ``get_project_detail``,
    ``query_work_item_types``, ``query_user_detail`` and ``search_user``.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed_items: int = 0,
        seed: int = 0,
        seed_subtasks: int | None = None,
        seed_resources: int | None = None,
        rate_limits: bool | Mapping[str, int] = True,
        retry_after: Literal["int", "float"] | None = "int",
        token_ttl: float = 7200,
        batch_task_duration: float = 2.0,
        latency: float = 0.0,
        latency_jitter: float = 0.0,
        faults: Faults | None = None,
        plugin_id: str = DEFAULT_PLUGIN_ID,
        plugin_secret: str = DEFAULT_PLUGIN_SECRET,
        record_requests: bool = True,
    ) -> None:
        if not _is_loopback(host):
            raise ValueError(f"the fake server binds loopback only, not {host!r}")
        if retry_after not in ("int", "float", None):
            raise ValueError("retry_after must be 'int', 'float' or None")
        self.host = host
        self.port = port
        self.plugin_id = plugin_id
        self.plugin_secret = plugin_secret
        self.user_key = seeding.DEFAULT_USER_KEY
        self.project_key = seeding.DEFAULT_PROJECT_KEY
        self.simple_name = seeding.DEFAULT_SIMPLE_NAME
        self.second_project_key = seeding.SECOND_PROJECT_KEY
        self.retry_after = retry_after
        self.token_ttl = token_ttl
        self.latency = latency
        self.latency_jitter = latency_jitter
        self.store = Store()
        self.store.batch_task_duration = batch_task_duration
        seeding.configure(self.store)
        if seed_items or seed_subtasks or seed_resources:
            seeding.seed_data(
                self.store,
                items=seed_items,
                subtasks=seed_subtasks,
                resources=seed_resources,
                seed=seed,
            )
        self.faults = FaultPlan(faults, seed)
        self.limiter = RateLimiter(rate_limits)
        self.requests: list[RecordedRequest] = []
        self.record_requests = record_requests
        self.throttled: dict[str, int] = {}
        self.token_requests = 0
        self._idem: dict[tuple[str, str, str], tuple[bytes, str]] = {}
        self._rng = random.Random(seed ^ 0x5EED)
        self._log_prefix = os.urandom(3).hex().upper()
        self._log_ids = itertools.count(1)
        self._token_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._base_url = ""
        self.routes = self._routes()
        self.app = self._build_app()

    # ---------------------------------------------------------------- lifecycle
    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` once started."""
        if not self._base_url:
            raise RuntimeError("FakeMeegle is not started")
        return self._base_url

    async def start(self) -> None:
        """Bind the port and serve."""
        if self._runner is not None:
            return
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self.port = port
        self._base_url = f"http://{host}:{port}" if ":" not in host else f"http://[{host}]:{port}"

    async def close(self) -> None:
        """Stop serving and release the port."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> FakeMeegle:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------ test helpers
    def expire_tokens(self) -> None:
        """Make every token issued so far invalid: the next call answers 10211."""
        self.store.expire_tokens()

    def clear_requests(self) -> None:
        """Empty the request log and reset the throttled and token-request counters."""
        self.requests.clear()
        self.throttled.clear()
        self.token_requests = 0

    def requests_to(self, endpoint: str) -> list[RecordedRequest]:
        """The logged requests of one endpoint (spec name)."""
        return [r for r in self.requests if r.endpoint == endpoint]

    def issue_token(self, kind: str = "plugin", *, user_key: str | None = None) -> str:
        """Mint a valid token directly (``plugin``, ``virtual`` or ``user``)."""
        if kind not in ("plugin", "virtual", "user"):
            raise ValueError("kind must be plugin, virtual or user")
        if kind == "user":
            user_key = user_key or self.user_key
        token = f"{kind[0]}-{next(self._token_ids):06d}-{os.urandom(8).hex()}"
        self.store.tokens[token] = _token_info(token, kind, self.token_ttl, user_key)
        return token

    def issue_auth_code(self, user_key: str | None = None) -> str:
        """A one-time OAuth ``code`` for ``user_plugin_token`` (default user by default)."""
        code = f"code-{os.urandom(6).hex()}"
        self.store.auth_codes[code] = user_key or self.user_key
        return code

    # -------------------------------------------------------------- plumbing
    def _build_app(self) -> web.Application:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        for name, path, fn in (
            ("plugin_token", "/open_api/authen/plugin_token", self._plugin_token),
            ("user_plugin_token", "/open_api/authen/user_plugin_token", self._user_plugin_token),
            ("refresh_token", "/open_api/authen/refresh_token", self._refresh_token),
        ):
            app.router.add_route("POST", path, self._wrap_token(name, fn))
        for route in self.routes:
            app.router.add_route(route.method, route.path, self._wrap(route))
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        return app

    def _log_id(self) -> str:
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
        return f"{stamp}{self._log_prefix}{next(self._log_ids):010X}"

    async def _receive(self, request: web.Request, endpoint: str | None) -> RecordedRequest:
        delay = self.latency
        if self.latency_jitter:
            delay += self._rng.uniform(0.0, self.latency_jitter)
        if delay > 0:
            await asyncio.sleep(delay)
        raw = await request.read()
        rec = RecordedRequest(
            arrival=time.monotonic(),
            method=request.method,
            raw_path=request.raw_path,
            path=request.path,
            query=dict(request.query),
            headers=request.headers,
            body=None,
            raw_body=raw,
            endpoint=endpoint,
            token=request.headers.get("X-Plugin-Token"),
            log_id=self._log_id(),
        )
        if raw:
            try:
                rec.body = json.loads(raw)
            except ValueError:
                rec.body = None
        if self.record_requests:
            self.requests.append(rec)
        return rec

    def _json(
        self, rec: RecordedRequest, payload: JSON, status: int = 200, **headers: str
    ) -> web.Response:
        rec.status = status
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        return web.Response(
            body=body,
            status=status,
            content_type="application/json",
            headers={"X-Tt-Logid": rec.log_id, **headers},
        )

    def _error_payload(self, err: ApiError, log_id: str) -> JSON:
        return {
            "err_code": err.code,
            "err_msg": err.msg,
            "err": {"code": err.code, "msg": err.msg, "log_id": log_id},
            "data": None,
        }

    def _throttled(self, rec: RecordedRequest, endpoint: str, wait: float) -> web.Response:
        self.throttled[endpoint] = self.throttled.get(endpoint, 0) + 1
        err = ApiError(
            rules.THROTTLED,
            f"{endpoint} allows {self.limiter.limit_for(endpoint)} requests per second per token",
            status=429,
        )
        rec.err_code = err.code
        headers: dict[str, str] = {}
        if self.retry_after == "int":
            headers["Retry-After"] = str(max(1, math.ceil(wait)))
        elif self.retry_after == "float":
            headers["Retry-After"] = f"{max(wait, 0.001):.3f}"
        return self._json(rec, self._error_payload(err, rec.log_id), 429, **headers)

    def _html(self, rec: RecordedRequest, status: int) -> web.Response:
        rec.status = status
        reason = _HTML_REASONS[status]
        page = (
            f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
            "</body>\r\n</html>\r\n"
        )
        return web.Response(
            text=page, status=status, content_type="text/html", headers={"X-Tt-Logid": rec.log_id}
        )

    @staticmethod
    def _drop(request: web.Request, rec: RecordedRequest) -> web.Response:
        rec.status = 0
        transport = request.transport
        if transport is not None:
            transport.abort()
        # aiohttp discards what is written to an aborted transport: the client sees a
        # disconnect instead of this response.
        return web.Response(status=500)

    def _auth(self, request: web.Request, rec: RecordedRequest) -> Actor:
        info = self.store.token(rec.token)
        if info is None:
            fail(rules.TOKEN_INVALID, "token expired or invalid")
        if info.kind == "user":
            assert info.user_key is not None
            return Actor(info.user_key, "user", "plugin", self.plugin_id)
        user_key = request.headers.get("X-User-Key")
        if not user_key or user_key not in self.store.users:
            fail(rules.USER_NOT_FOUND, "X-User-Key missing or unknown")
        return Actor(user_key, "user", "plugin", self.plugin_id)

    def _wrap(self, route: _Route) -> Callable[[web.Request], Any]:
        async def handle(request: web.Request) -> web.StreamResponse:
            rec = await self._receive(request, route.name)
            self.store.settle(rec.arrival)
            try:
                actor = self._auth(request, rec)
            except ApiError as err:
                rec.err_code = err.code
                return self._json(rec, self._error_payload(err, rec.log_id))
            assert rec.token is not None
            wait = self.limiter.hit(rec.token, route.name, rec.arrival)
            if wait is not None:
                return self._throttled(rec, route.name, wait)
            fault = self.faults.decide(route.name)
            rec.fault = fault
            if fault == "429":
                return self._throttled(rec, route.name, 1.0)
            if fault in ("500", "502", "503"):
                return self._html(rec, int(fault))
            if fault == "drop_before":
                return self._drop(request, rec)
            idem_key = request.headers.get("X-Idem-UUID") if route.write else None
            cache_key = (route.name, rec.token, idem_key) if idem_key else None
            if cache_key is not None and cache_key in self._idem:
                body, log_id = self._idem[cache_key]
                rec.replayed = True
                rec.status = 200
                rec.log_id = log_id
                if fault == "drop_after":
                    return self._drop(request, rec)
                return web.Response(
                    body=body, content_type="application/json", headers={"X-Tt-Logid": log_id}
                )
            payload = self._run(route, request, rec, actor)
            body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
            if cache_key is not None:
                self._idem[cache_key] = (body, rec.log_id)
            if fault == "drop_after":
                return self._drop(request, rec)
            extra = self.faults.latency_for(route.name)
            if extra > 0:
                await asyncio.sleep(extra)
            rec.status = 200
            return web.Response(
                body=body, content_type="application/json", headers={"X-Tt-Logid": rec.log_id}
            )

        return handle

    def _run(self, route: _Route, request: web.Request, rec: RecordedRequest, actor: Actor) -> JSON:
        try:
            if rec.raw_body and rec.body is None:
                fail(rules.INVALID_PARAM, "request body is not valid JSON")
            ctx = Ctx(request.match_info, request.query, rec.body, actor, rec.token or "")
            result = route.handler(ctx)
        except ApiError as err:
            rec.err_code = err.code
            return self._error_payload(err, rec.log_id)
        rec.err_code = 0
        payload: JSON = {"err_code": 0, "err_msg": "", "err": {}}
        if isinstance(result, Paged):
            payload["data"] = result.data
            payload["pagination"] = result.pagination
        else:
            payload["data"] = result
        return payload

    async def _not_found(self, request: web.Request) -> web.StreamResponse:
        rec = await self._receive(request, None)
        err = ApiError(rules.DATA_NOT_FOUND, f"no such API: {request.method} {request.path}")
        rec.err_code = err.code
        return self._json(rec, self._error_payload(err, rec.log_id), 404)

    # ------------------------------------------------------------------ tokens
    def _wrap_token(
        self, name: str, fn: Callable[[web.Request, Any], JSON]
    ) -> Callable[[web.Request], Any]:
        async def handle(request: web.Request) -> web.StreamResponse:
            rec = await self._receive(request, name)
            self.token_requests += 1
            fault = self.faults.decide(name)
            rec.fault = fault
            if fault == "429":
                return self._throttled(rec, name, 1.0)
            if fault in ("500", "502", "503"):
                return self._html(rec, int(fault))
            if fault == "drop_before":
                return self._drop(request, rec)
            try:
                data = fn(request, rules.body_dict(rec.body))
                payload: JSON = {"error": {"code": 0, "msg": ""}, "data": data}
                rec.err_code = 0
            except ApiError as err:
                payload = {"error": {"code": err.code, "msg": err.msg}, "data": None}
                rec.err_code = err.code
            if fault == "drop_after":
                return self._drop(request, rec)
            return self._json(rec, payload)

        return handle

    def _plugin_token(self, request: web.Request, body: JSON) -> JSON:
        if (
            body.get("plugin_id") != self.plugin_id
            or body.get("plugin_secret") != self.plugin_secret
        ):
            fail(rules.TOKEN_BAD_CREDENTIALS)
        kind = body.get("type", 0)
        if kind not in (0, 1):
            fail(rules.INVALID_PARAM, "type must be 0 or 1")
        token = self.issue_token("virtual" if kind == 1 else "plugin")
        return {"token": token, "expire_time": int(self.token_ttl)}

    def _require_plugin_header(self, request: web.Request) -> None:
        info = self.store.token(request.headers.get("X-Plugin-Token"))
        if info is None or info.kind == "user":
            fail(rules.TOKEN_INVALID, "X-Plugin-Token must be a valid plugin token")

    def _user_grant(self, user_key: str) -> JSON:
        token = self.issue_token("user", user_key=user_key)
        refresh = f"r-{os.urandom(12).hex()}"
        self.store.refresh_tokens[refresh] = (user_key, time.monotonic() + REFRESH_TOKEN_TTL)
        return {
            "token": token,
            "expire_time": int(self.token_ttl),
            "refresh_token": refresh,
            "refresh_token_expire_time": REFRESH_TOKEN_TTL,
            "user_key": user_key,
            "saas_tenant_key": "tenant_fake_0001",
        }

    def _user_plugin_token(self, request: web.Request, body: JSON) -> JSON:
        self._require_plugin_header(request)
        if body.get("grant_type") != "authorization_code":
            fail(rules.INVALID_PARAM, "grant_type must be authorization_code")
        code = body.get("code")
        user_key = self.store.auth_codes.pop(code, None) if isinstance(code, str) else None
        if user_key is None:
            fail(rules.TOKEN_BAD_CODE)
        return self._user_grant(user_key)

    def _refresh_token(self, request: web.Request, body: JSON) -> JSON:
        self._require_plugin_header(request)
        refresh = body.get("refresh_token")
        entry = self.store.refresh_tokens.pop(refresh, None) if isinstance(refresh, str) else None
        if entry is None or entry[1] <= time.monotonic():
            fail(rules.TOKEN_BAD_REFRESH)
        grant = self._user_grant(entry[0])
        del grant["user_key"], grant["saas_tenant_key"]
        return grant

    # ------------------------------------------------------------------ routes
    def _routes(self) -> list[_Route]:
        wi = "/open_api/{project_key}/work_item/{work_item_type_key}"
        table: list[tuple[str, str, str, Handler, bool]] = [
            ("get_work_item_creation_metadata", "GET", wi + "/meta", self.h_meta, False),
            ("get_work_item_details", "POST", wi + "/query", self.h_details, False),
            (
                "create_work_item",
                "POST",
                "/open_api/{project_key}/work_item/create",
                self.h_create,
                True,
            ),
            ("update_work_item", "PUT", wi + "/{work_item_id}", self.h_update, True),
            ("delete_work_item", "DELETE", wi + "/{work_item_id}", self.h_delete, True),
            ("abort_or_resume_work_item", "PUT", wi + "/{work_item_id}/abort", self.h_abort, True),
            (
                "batch_update_work_item_field",
                "POST",
                "/open_api/work_item/batch_update",
                self.h_batch_update,
                True,
            ),
            ("get_batch_update_progress", "GET", "/open_api/task_result", self.h_progress, False),
            (
                "freeze_or_unfreeze_work_item",
                "PUT",
                "/open_api/work_item/freeze",
                self.h_freeze,
                True,
            ),
            (
                "update_compound_field",
                "POST",
                "/open_api/work_item/field_value/update_compound_field",
                self.h_compound,
                True,
            ),
            (
                "get_work_item_change_log",
                "POST",
                "/open_api/op_record/work_item/list",
                self.h_change_log,
                False,
            ),
            (
                "get_work_item_resource_instance_detail",
                "POST",
                "/open_api/work_item/resource/query",
                self.h_resource_details,
                False,
            ),
            (
                "update_work_item_resource_instance",
                "POST",
                "/open_api/work_item/resource/update",
                self.h_resource_update,
                True,
            ),
            (
                "search_work_item_resource_instances",
                "POST",
                "/open_api/work_item/resource/search/params",
                self.h_resource_search,
                False,
            ),
            (
                "create_work_item_resource_repository",
                "POST",
                "/open_api/work_item/resource/create_work_item",
                self.h_resource_create,
                True,
            ),
            (
                "create_work_item_through_resources",
                "POST",
                "/open_api/work_item/resource/{project_key}/{work_item_id}/create_instance",
                self.h_resource_instance,
                True,
            ),
            (
                "get_task_list_across_space",
                "POST",
                "/open_api/work_item/subtask/search",
                self.h_task_search,
                False,
            ),
            (
                "get_task_details",
                "GET",
                wi + "/{work_item_id}/workflow/task",
                self.h_task_details,
                False,
            ),
            (
                "create_tasks",
                "POST",
                wi + "/{work_item_id}/workflow/task",
                self.h_task_create,
                True,
            ),
            (
                "update_tasks",
                "POST",
                wi + "/{work_item_id}/workflow/{node_id}/task/{task_id}",
                self.h_task_update,
                True,
            ),
            (
                "complete_or_rollback_tasks",
                "POST",
                wi + "/{work_item_id}/subtask/modify",
                self.h_task_modify,
                True,
            ),
            (
                "delete_tasks",
                "DELETE",
                wi + "/{work_item_id}/task/{task_id}",
                self.h_task_delete,
                True,
            ),
            (
                "get_field_information",
                "POST",
                "/open_api/{project_key}/field/all",
                self.h_fields,
                False,
            ),
            (
                "create_custom_field",
                "POST",
                "/open_api/{project_key}/field/{work_item_type_key}/create",
                self.h_field_create,
                True,
            ),
            (
                "update_custom_field",
                "PUT",
                "/open_api/{project_key}/field/{work_item_type_key}",
                self.h_field_update,
                True,
            ),
        ]
        # Beyond the 25 spec endpoints: the filters, searches, space and user look-ups a sync
        # job starts with (shapes from the official SDKs' models; see discovery.py).
        disc = DiscoveryHandlers(self.store, [self.user_key])
        table += [
            (
                "filter_work_item",
                "POST",
                "/open_api/{project_key}/work_item/filter",
                disc.filter,
                False,
            ),
            (
                "search_work_item_by_params",
                "POST",
                wi + "/search/params",
                disc.search_by_params,
                False,
            ),
            (
                "filter_work_item_across_project",
                "POST",
                "/open_api/work_items/filter_across_project",
                disc.filter_across_project,
                False,
            ),
            ("list_project", "POST", "/open_api/projects", disc.projects, False),
            (
                "get_project_detail",
                "POST",
                "/open_api/projects/detail",
                disc.project_detail,
                False,
            ),
            (
                "query_work_item_types",
                "GET",
                "/open_api/{project_key}/work_item/all-types",
                disc.work_item_types,
                False,
            ),
            ("query_user_detail", "POST", "/open_api/user/query", disc.users, False),
            ("search_user", "POST", "/open_api/user/search", disc.user_search, False),
        ]
        return [_Route(n, m, p, h, w) for n, m, p, h, w in table]

    # ------------------------------------------------------- shared handler bits
    def _space_type(self, ctx: Ctx, code: int = rules.TYPE_NOT_FOUND) -> tuple[Space, TypeConf]:
        space = self.store.space(ctx.match["project_key"])
        return space, self.store.type_conf(space, ctx.match["work_item_type_key"], code)

    def _pairs(
        self,
        conf: TypeConf,
        pairs: Any,
        name: str,
        *,
        allow_name: bool = True,
        duplicate_code: int = rules.DUPLICATE_FIELDS,
    ) -> dict[str, Any]:
        """Validate a FieldValuePair list completely before anything is applied."""
        checked = rules.check_pairs(pairs, name, duplicate_code=duplicate_code)
        values: dict[str, Any] = {}
        for pair in checked:
            key = str(pair.get("field_key") or pair.get("field_alias"))
            fconf = conf.field(key)
            if fconf is None:
                fail(rules.FIELD_NOT_FOUND, key)
            if fconf.key in values:
                fail(duplicate_code, fconf.key)
            if fconf.key == "template":
                fail(rules.INVALID_PARAM, "template_id must not appear in field_value_pairs")
            if fconf.key == "name" and not allow_name:
                fail(rules.DUPLICATE_FIELDS, "name is sent both as name and in field_value_pairs")
            if fconf.readonly:
                fail(rules.REQUEST_INTERCEPTED, f"{fconf.key} cannot be updated")
            value = self.store.normalize(fconf, pair.get("field_value"))
            if fconf.type_key == "role_owners" and value:
                self.store.check_roles(conf, value)
            values[fconf.key] = value
        return values

    def _apply_values(
        self, item: WorkItem, conf: TypeConf, values: Mapping[str, Any], actor: Actor
    ) -> None:
        contents = []
        module = "field_mod"
        for key, new in values.items():
            old = item.values.get(key)
            item.values[key] = new
            if key == "name":
                item.name = new if isinstance(new, str) else ""
            if key == "role_owners":
                module = "role_and_user_mod"
            contents.append(record_content("field", key, "field_value", old=old, new=new))
        item.updated_at = now_ms()
        item.updated_by = actor.operator
        if contents:
            self.store.record(item, "modify", module, contents, actor)

    def _template(self, conf: TypeConf, body: JSON) -> int | None:
        template_id = body.get("template_id")
        if template_id is None:
            return None
        tid = rules.to_int(template_id, "template_id")
        if not any(t["id"] == tid for t in conf.templates):
            fail(rules.OPERATE_FAILED, f"template {tid} is invalid")
        return tid

    def _new_item(
        self,
        space: Space,
        conf: TypeConf,
        *,
        name: str,
        actor: Actor,
        template_id: int | None,
        values: Mapping[str, Any],
        is_resource: bool = False,
    ) -> WorkItem:
        item = seeding.new_work_item(
            self.store,
            space,
            conf,
            name=name,
            actor=actor.operator,
            created_at=now_ms(),
            template_id=template_id,
            is_resource=is_resource,
        )
        item.values.update(values)
        item.values["name"] = name
        if "owner" in conf.fields:
            item.values.setdefault("owner", actor.operator)
        self.store.record(
            item,
            "create",
            "work_item_mod",
            [record_content("work_item", str(item.id), "name", new=name)],
            actor,
            at=item.created_at,
        )
        return item

    @staticmethod
    def _live(item: WorkItem) -> None:
        if item.aborted:
            fail(rules.WORK_ITEM_TERMINATED, f"work item {item.id} is terminated")

    # ------------------------------------------------------ work item handlers
    def h_meta(self, ctx: Ctx) -> Any:
        """get_work_item_creation_metadata."""
        _, conf = self._space_type(ctx)
        if conf.disabled:
            fail(rules.TYPE_DISABLED, conf.key)
        return [self.store.field_conf_view(f, conf) for f in conf.fields.values()]

    def h_details(self, ctx: Ctx) -> Any:
        """get_work_item_details: unknown or deleted ids are left out; none found → 30005."""
        space, conf = self._space_type(ctx)
        body = rules.body_dict(ctx.body)
        ids = rules.id_list(body, "work_item_ids", over_code=rules.DETAILS_OVER_LIMIT)
        selection = rules.field_filter(body.get("fields"))
        expand = body.get("expand") if isinstance(body.get("expand"), dict) else None
        found = []
        for wid in sorted(set(ids)):
            item = self.store.items.get(wid)
            if (
                item is not None
                and item.type_key == conf.key
                and item.project_key == space.project_key
            ):
                found.append(self.store.work_item_view(item, selection, expand))
        if not found:
            fail(rules.WORK_ITEM_NOT_FOUND, "none of work_item_ids exists")
        return found

    def h_create(self, ctx: Ctx) -> Any:
        """create_work_item: returns the new id."""
        space = self.store.space(ctx.match["project_key"])
        body = rules.body_dict(ctx.body)
        conf = self.store.type_conf(space, rules.req_str(body, "work_item_type_key"))
        if conf.disabled:
            fail(rules.TYPE_NOT_FOUND, f"{conf.key} is disabled")
        name = rules.opt_str(body, "name")
        template_id = self._template(conf, body)
        mode = body.get("required_mode", 0)
        if mode not in (0, 1):
            fail(rules.INVALID_PARAM, "required_mode must be 0 or 1")
        values = self._pairs(
            conf, body.get("field_value_pairs"), "field_value_pairs", allow_name=not name
        )
        if not name and isinstance(values.get("name"), str):
            name = values["name"]
        if mode == 1:
            missing = [
                f.key
                for f in conf.fields.values()
                if f.required
                and values.get(f.key) in (None, "", [])
                and not (f.key == "name" and name)
            ]
            if missing:
                fail(rules.REQUIRED_FIELDS_MISSING, ", ".join(missing))
        item = self._new_item(
            space,
            conf,
            name=name or "Untitled",
            actor=ctx.actor,
            template_id=template_id,
            values=values,
        )
        return item.id

    def h_update(self, ctx: Ctx) -> Any:
        """update_work_item."""
        space, conf = self._space_type(ctx)
        item = self.store.item(space, conf.key, ctx.match["work_item_id"])
        self._live(item)
        body = rules.body_dict(ctx.body)
        if not body.get("update_fields"):
            fail(rules.MISSING_PARAM, "update_fields")
        values = self._pairs(conf, body["update_fields"], "update_fields")
        self._apply_values(item, conf, values, ctx.actor)
        return {}

    def h_delete(self, ctx: Ctx) -> Any:
        """delete_work_item (an unknown type here is 20003, as the spec says)."""
        space, conf = self._space_type(ctx, rules.WRONG_WORK_ITEM_TYPE_PARAM)
        item = self.store.item(space, conf.key, ctx.match["work_item_id"])
        self.store.record(
            item,
            "delete",
            "work_item_mod",
            [record_content("work_item", str(item.id), "deleted")],
            ctx.actor,
        )
        self.store.delete_item(item)
        return {}

    def h_abort(self, ctx: Ctx) -> Any:
        """abort_or_resume_work_item."""
        space, conf = self._space_type(ctx)
        item = self.store.item(space, conf.key, ctx.match["work_item_id"])
        body = rules.body_dict(ctx.body)
        is_aborted = body.get("is_aborted")
        if not isinstance(is_aborted, bool):
            fail(rules.MISSING_PARAM, "is_aborted")
        option = rules.opt_str(body, "reason_option")
        reason = rules.opt_str(body, "reason") or ""
        if is_aborted:
            if item.aborted:
                fail(rules.WORK_ITEM_TERMINATED, f"work item {item.id} is already aborted")
            allowed = ("cancel", "repeat", "test", "other")
        else:
            if not item.aborted:
                fail(rules.WORK_ITEM_ALREADY_RESTORED, f"work item {item.id} is not aborted")
            allowed = ("restart", "rollback", "test", "other")
        if option is not None and option not in allowed:
            fail(rules.INVALID_PARAM, f"reason_option must be one of {', '.join(allowed)}")
        if option == "other" and not reason:
            fail(rules.MISSING_PARAM, "reason is required when reason_option is other")
        item.aborted = is_aborted
        item.abort_reason = reason or (option or "")
        item.updated_at = now_ms()
        item.updated_by = ctx.actor.operator
        self.store.record(
            item,
            "terminate" if is_aborted else "restore",
            "work_item_mod",
            [record_content("work_item", str(item.id), "status", new=option or reason or "")],
            ctx.actor,
        )
        return {}

    def h_batch_update(self, ctx: Ctx) -> Any:
        """batch_update_work_item_field: queues a task, applied ``batch_task_duration`` later."""
        body = rules.body_dict(ctx.body)
        space = self.store.space(rules.req_str(body, "project_key"))
        conf = self.store.type_conf(space, rules.req_str(body, "work_item_type_key"))
        ids = rules.id_list(body, "work_item_ids", over_code=rules.OPERATE_FAILED)
        mode = rules.req_str(body, "update_mode")
        if mode not in ("APPEND", "UPDATE", "REPLACE"):
            fail(rules.INVALID_PARAM, "update_mode must be APPEND, UPDATE or REPLACE")
        fconf = conf.field(rules.req_str(body, "field_key"))
        if fconf is None:
            fail(rules.FIELD_NOT_FOUND, str(body["field_key"]))
        if fconf.readonly:
            fail(rules.REQUEST_INTERCEPTED, f"{fconf.key} cannot be updated")
        if "after_field_value" not in body:
            fail(rules.MISSING_PARAM, "after_field_value")
        multi = fconf.type_key in MULTI_TYPES
        if mode == "APPEND" and not multi:
            fail(rules.INVALID_PARAM, f"APPEND does not support {fconf.type_key} fields")
        if mode == "REPLACE":
            if fconf.type_key not in OPTION_TYPES | MULTI_TYPES | {"user", "role_owners"}:
                fail(rules.INVALID_PARAM, f"REPLACE does not support {fconf.type_key} fields")
            if body.get("before_field_value") is None:
                fail(rules.MISSING_PARAM, "before_field_value is required for REPLACE")

        def norm(value: Any) -> Any:
            if value is None or value == "" or value == []:
                return None if not multi else []
            if multi and not isinstance(value, list):
                value = [value]
            return self.store.normalize(fconf, value)

        after = norm(body["after_field_value"])
        before = norm(body.get("before_field_value"))
        if fconf.type_key == "role_owners" and after:
            self.store.check_roles(conf, after)
        for wid in ids:
            item = self.store.items.get(wid)
            if item is None or item.project_key != space.project_key or item.type_key != conf.key:
                fail(rules.WORK_ITEM_NOT_FOUND, str(wid))
        task = self.store.new_batch_task(
            project_key=space.project_key,
            type_key=conf.key,
            ids=list(dict.fromkeys(ids)),
            field_key=fconf.key,
            mode=mode,
            before=before,
            after=after,
            actor=ctx.actor,
        )
        return {"task_id": task.task_id}

    def h_progress(self, ctx: Ctx) -> Any:
        """get_batch_update_progress (``?task_id=``)."""
        task_id = ctx.query.get("task_id")
        if not task_id:
            fail(rules.MISSING_PARAM, "task_id")
        return self.store.batch_progress(task_id)

    def h_freeze(self, ctx: Ctx) -> Any:
        """freeze_or_unfreeze_work_item."""
        body = rules.body_dict(ctx.body)
        space = self.store.space(rules.req_str(body, "project_key"))
        if "work_item_id" not in body:
            fail(rules.MISSING_PARAM, "work_item_id")
        item = self.store.item(space, None, body["work_item_id"])
        frozen = body.get("is_frozen")
        if not isinstance(frozen, bool):
            fail(rules.MISSING_PARAM, "is_frozen")
        old, item.frozen = item.frozen, frozen
        item.updated_at = now_ms()
        self.store.record(
            item,
            "modify",
            "work_item_mod",
            [record_content("work_item", str(item.id), "is_frozen", old=old, new=frozen)],
            ctx.actor,
        )
        return {}

    def h_compound(self, ctx: Ctx) -> Any:
        """update_compound_field: add / update / delete a group of a compound field."""
        body = rules.body_dict(ctx.body)
        space = self.store.space(rules.req_str(body, "project_key"))
        if body.get("work_item_id") is None:
            fail(rules.MISSING_PARAM, "work_item_id")
        wid = rules.to_int(body["work_item_id"], "work_item_id")
        item = self.store.items.get(wid)
        if item is None:
            fail(rules.COMPOUND_WORK_ITEM_NOT_FOUND, str(wid))
        if item.project_key != space.project_key:
            fail(rules.COMPOUND_PROJECT_MISMATCH, str(wid))
        conf = space.types[item.type_key]
        key = rules.opt_str(body, "field_key")
        alias = rules.opt_str(body, "field_alias")
        if not key and not alias:
            fail(rules.MISSING_PARAM, "field_key or field_alias")
        fconf = conf.fields.get(key) if key else conf.field(alias or "")
        if fconf is None:
            fail(rules.COMPOUND_FIELD_NOT_FOUND, key or alias or "")
        if fconf.type_key != "compound_field":
            fail(rules.COMPOUND_PROJECT_MISMATCH, f"{fconf.key} is not a compound_field")
        action = body.get("action")
        if action not in ("add", "update", "delete"):
            fail(rules.INVALID_PARAM, "action must be add, update or delete")
        self._live(item)
        group_uuid = rules.opt_str(body, "group_uuid")
        groups: list[JSON] = list(item.values.get(fconf.key) or [])
        fields = body.get("fields")
        old = self.store.field_pair(fconf, groups)["field_value"]
        if action == "add":
            if group_uuid:
                fail(rules.INVALID_PARAM, "group_uuid must not be given for add")
            if not fields or not isinstance(fields, list):
                fail(rules.MISSING_PARAM, "fields")
            if all(isinstance(f, dict) for f in fields):
                fields = [fields]
            groups.extend(self.store.compound_group(fconf, g) for g in fields)
        else:
            if not group_uuid:
                fail(rules.MISSING_PARAM, "group_uuid is required for update and delete")
            index = next((i for i, g in enumerate(groups) if g["group_uuid"] == group_uuid), None)
            if index is None:
                fail(rules.INVALID_PARAM, f"group_uuid {group_uuid} not found")
            if action == "delete":
                del groups[index]
            else:
                if not fields or not isinstance(fields, list):
                    fail(rules.MISSING_PARAM, "fields")
                group = fields[0] if isinstance(fields[0], list) else fields
                new = self.store.compound_group(fconf, group, group_uuid)
                groups[index] = {
                    "group_uuid": group_uuid,
                    "values": {**groups[index]["values"], **new["values"]},
                }
        item.values[fconf.key] = groups
        item.updated_at = now_ms()
        item.updated_by = ctx.actor.operator
        self.store.record(
            item,
            "modify",
            "field_mod",
            [
                record_content(
                    "field",
                    fconf.key,
                    "field_value",
                    old=old,
                    new=self.store.field_pair(fconf, groups)["field_value"],
                )
            ],
            ctx.actor,
        )
        return {}

    def h_change_log(self, ctx: Ctx) -> Any:
        """get_work_item_change_log: one page, cursor ``start_from`` while ``has_more``."""
        body = rules.body_dict(ctx.body)
        space = self.store.space(rules.req_str(body, "project_key"))
        ids = rules.id_list(body, "work_item_ids", over_code=rules.INVALID_PARAM)
        start, end = body.get("start"), body.get("end")
        if (start is None) != (end is None):
            fail(rules.MISSING_PARAM, "start and end must be given together")
        if start is not None:
            if not rules.is_int(start) or not rules.is_int(end):
                fail(rules.INVALID_TIME_INTERVAL, "start and end must be ms timestamps")
            if end < start or end - start > rules.SEVEN_DAYS_MS:
                fail(rules.INVALID_TIME_INTERVAL, "the range must be at most 7 days")
        page_size = body.get("page_size", 50)
        if not rules.is_int(page_size) or not 1 <= page_size <= MAX_PAGE_SIZE:
            fail(rules.INVALID_PARAM, f"page_size must be within 1..{MAX_PAGE_SIZE}")

        def opt_set(name: str) -> frozenset[str] | None:
            values = rules.str_list(body, name)
            return frozenset(values) if values else None

        filt = LogFilter(
            operator=opt_set("operator"),
            operator_type=opt_set("operator_type"),
            source_type=opt_set("source_type"),
            source=opt_set("source"),
            operation_type=opt_set("operation_type"),
            module=opt_set("op_record_module"),
            start=start,
            end=end,
        )
        return self.store.change_log_page(
            space.project_key, ids, filt, rules.opt_str(body, "start_from"), page_size
        )

    # ------------------------------------------------------- resource handlers
    def _resource_type(self, body: JSON) -> tuple[Space, TypeConf]:
        space = self.store.space(rules.req_str(body, "project_key"))
        conf = self.store.type_conf(space, rules.req_str(body, "work_item_type_key"))
        if not conf.resource_enabled:
            fail(rules.RESOURCE_NOT_ENABLED, conf.key)
        return space, conf

    def h_resource_details(self, ctx: Ctx) -> Any:
        """get_work_item_resource_instance_detail: resource instances only, no null fields."""
        body = rules.body_dict(ctx.body)
        space, conf = self._resource_type(body)
        ids = rules.id_list(body, "work_item_ids", over_code=rules.RESOURCE_IDS_OVER_LIMIT)
        selection = rules.field_filter(body.get("fields"))
        out = []
        for wid in sorted(set(ids)):
            item = self.store.items.get(wid)
            if (
                item is not None
                and item.is_resource
                and item.type_key == conf.key
                and item.project_key == space.project_key
            ):
                out.append(self.store.resource_view(item, selection))
        if not out:
            fail(rules.WORK_ITEM_NOT_FOUND, "none of work_item_ids is a resource instance")
        return out

    def h_resource_update(self, ctx: Ctx) -> Any:
        """update_work_item_resource_instance: resource fields only, full overwrite."""
        body = rules.body_dict(ctx.body)
        try:
            space, conf = self._resource_type(body)
        except ApiError as err:
            if err.code == rules.PROJECT_KEY_WRONG:
                fail(rules.TYPE_NOT_FOUND, "project_key is wrong")
            raise
        wid = rules.to_int(body.get("work_item_id"), "work_item_id")
        item = self.store.items.get(wid)
        if (
            item is None
            or not item.is_resource
            or item.project_key != space.project_key
            or item.type_key != conf.key
        ):
            fail(rules.TYPE_NOT_FOUND, f"resource work item {wid} not found")
        fields = body.get("update_fields")
        if not isinstance(fields, list) or not all(
            isinstance(f, dict) and isinstance(f.get("field_key"), str) and "field_value" in f
            for f in fields
        ):
            fail(rules.RESOURCE_UPDATE_FIELD_INVALID, "update_fields")
        for f in fields:
            fconf = conf.field(f["field_key"])
            if fconf is not None and not fconf.resource:
                fail(rules.RESOURCE_NON_RESOURCE_FIELD, fconf.key)
        values = self._pairs(
            conf, fields, "update_fields", duplicate_code=rules.RESOURCE_DUPLICATE_FIELD
        )
        self._apply_values(item, conf, values, ctx.actor)
        return {}

    _SEARCH_PARAMS = frozenset(
        {"work_item_id", "created_at", "updated_at", "created_by", "updated_by", "project_key"}
    )
    _SEARCH_OPS = frozenset({"=", "!=", ">", ">=", "<", "<=", "HAS ANY OF", "HAS NONE OF"})

    def _search_matcher(self, group: Any) -> Callable[[WorkItem], bool]:
        if not isinstance(group, dict):
            fail(rules.SEARCH_PARAM_VALUE_ERROR, "search_group must be an object")
        conjunction = group.get("conjunction", "AND")
        if conjunction not in ("AND", "OR"):
            fail(rules.SEARCH_CONJUNCTION_ERROR, str(conjunction))
        tests: list[Callable[[WorkItem], bool]] = []
        for param in group.get("search_params") or []:
            if not isinstance(param, dict):
                fail(rules.SEARCH_PARAM_VALUE_ERROR, "a search param must be an object")
            tests.append(self._search_param(param))
        for sub in group.get("search_groups") or []:
            tests.append(self._search_matcher(sub))
        if not tests:
            return lambda item: True
        if conjunction == "AND":
            return lambda item: all(t(item) for t in tests)
        return lambda item: any(t(item) for t in tests)

    def _search_param(self, param: JSON) -> Callable[[WorkItem], bool]:
        key, op, value = param.get("param_key"), param.get("operator"), param.get("value")
        if key not in self._SEARCH_PARAMS:
            fail(rules.SEARCH_PARAM_NOT_SUPPORTED, str(key))
        if op not in self._SEARCH_OPS:
            fail(rules.SEARCH_OPERATOR_ERROR, str(op))
        assert isinstance(key, str)
        numeric = key in ("work_item_id", "created_at", "updated_at")
        listy = op in ("HAS ANY OF", "HAS NONE OF")
        values = value if isinstance(value, list) else [value]
        if listy and not isinstance(value, list):
            fail(rules.SEARCH_PARAM_VALUE_ERROR, f"{key}: {op} takes a list")
        if numeric:
            values = [rules.to_int(v, key, code=rules.SEARCH_PARAM_VALUE_ERROR) for v in values]
        elif not all(isinstance(v, str) for v in values):
            fail(rules.SEARCH_PARAM_VALUE_ERROR, f"{key} takes strings")
        if not values:
            fail(rules.SEARCH_PARAM_VALUE_ERROR, f"{key}: empty value")

        def get(item: WorkItem) -> Any:
            return item.id if key == "work_item_id" else getattr(item, key)

        v0 = values[0]
        compare: dict[str, Callable[[Any], bool]] = {
            "=": lambda x: x == v0,
            "!=": lambda x: x != v0,
            ">": lambda x: x > v0,
            ">=": lambda x: x >= v0,
            "<": lambda x: x < v0,
            "<=": lambda x: x <= v0,
            "HAS ANY OF": lambda x: x in values,
            "HAS NONE OF": lambda x: x not in values,
        }
        fn = compare[str(op)]
        if op in (">", ">=", "<", "<=") and not numeric:
            fail(rules.SEARCH_OPERATOR_ERROR, f"{op} is not supported for {key}")
        return lambda item: bool(fn(get(item)))

    def h_resource_search(self, ctx: Ctx) -> Any:
        """search_work_item_resource_instances: ``search_after`` paging, ``""`` at the end."""
        body = rules.body_dict(ctx.body)
        sources = body.get("data_sources")
        if not sources or not isinstance(sources, list):
            fail(rules.MISSING_PARAM, "data_sources")
        scope: set[tuple[str, str]] = set()
        for src in sources:
            if not isinstance(src, dict):
                fail(rules.INVALID_PARAM, "data_sources entries must be objects")
            space = self.store.spaces.get(src.get("project_key", "")) or self.store.spaces.get(
                self.store.simple_names.get(src.get("project_key", ""), "")
            )
            if space is None:
                fail(rules.TYPE_NOT_FOUND, f"project {src.get('project_key')} not found")
            type_keys = src.get("work_item_type_keys")
            keys = type_keys if isinstance(type_keys, list) else [type_keys]
            for tk in keys:
                conf = self.store.type_conf(space, tk)
                if not conf.resource_enabled:
                    fail(rules.RESOURCE_NOT_ENABLED, conf.key)
                scope.add((space.project_key, conf.key))
        if "search_group" not in body:
            fail(rules.MISSING_PARAM, "search_group")
        matcher = self._search_matcher(body["search_group"])
        selected = body.get("field_selected") or []
        if not isinstance(selected, list) or not all(isinstance(s, str) for s in selected):
            fail(rules.INVALID_PARAM, "field_selected must be a list of strings")
        if len(selected) > MAX_FIELD_SELECTED:
            fail(rules.INVALID_PARAM, f"field_selected allows at most {MAX_FIELD_SELECTED} fields")
        paging = body.get("pagination") or {}
        if not isinstance(paging, dict):
            fail(rules.INVALID_PARAM, "pagination must be an object")
        page_size = paging.get("page_size", 50)
        if not rules.is_int(page_size) or page_size < 1:
            fail(rules.SEARCH_PARAM_VALUE_ERROR, "page_size must be a positive integer")
        page_size = min(page_size, MAX_PAGE_SIZE)
        after = paging.get("search_after") or ""
        after_id = rules.to_int(after, "search_after") if after else 0
        features = body.get("features") or {}
        find_aborted = isinstance(features, dict) and str(features.get("FindAborted")).lower() in (
            "true",
            "1",
        )
        matched = sorted(
            (
                item
                for item in self.store.items.values()
                if item.is_resource
                and (item.project_key, item.type_key) in scope
                and (find_aborted or not item.aborted)
                and matcher(item)
            ),
            key=lambda i: i.id,
        )
        remaining = [i for i in matched if i.id > after_id]
        page = remaining[:page_size]
        more = len(remaining) > page_size
        return Paged(
            [self._resource_search_view(item, selected) for item in page],
            {
                "page_size": page_size,
                "search_after": str(page[-1].id) if more and page else "",
                "total": len(matched),
            },
        )

    def _resource_search_view(self, item: WorkItem, selected: list[str]) -> JSON:
        out: JSON = {"work_item_id": item.id}
        conf = self.store.spaces[item.project_key].types[item.type_key]
        fields = []
        for key in selected:
            if key in ("name", "work_item_type_key", "project_key", "created_at", "updated_at"):
                out[key] = item.name if key == "name" else getattr(item, key)
            elif key == "template_type":
                out[key] = item.type_key
            elif key in ("created_by", "updated_by"):
                out[key] = self.store.user_detail(getattr(item, key))
            elif key == "owner" and item.values.get("owner"):
                out[key] = self.store.user_detail(item.values["owner"])
            elif key == "role_owners":
                out[key] = [
                    {
                        "role": r["role"],
                        "role_key": r["role"],
                        "owners": [self.store.user_detail(u) for u in r["owners"]],
                    }
                    for r in item.values.get("role_owners") or []
                ]
            elif key == "template":
                out[key] = {"id": item.template_id}
            else:
                fconf = conf.field(key)
                if fconf is not None and item.values.get(fconf.key) is not None:
                    fields.append(self.store.field_pair(fconf, item.values[fconf.key]))
        if fields:
            out["fields"] = fields
        return out

    def h_resource_create(self, ctx: Ctx) -> Any:
        """create_work_item_resource_repository."""
        body = rules.body_dict(ctx.body)
        space, conf = self._resource_type(body)
        template_id = self._template(conf, body)
        values = self._pairs(conf, body.get("field_value_pairs"), "field_value_pairs")
        name = values.get("name") if isinstance(values.get("name"), str) else "Untitled"
        item = self._new_item(
            space,
            conf,
            name=str(name),
            actor=ctx.actor,
            template_id=template_id,
            values=values,
            is_resource=True,
        )
        return {"work_item_id": item.id}

    def h_resource_instance(self, ctx: Ctx) -> Any:
        """create_work_item_through_resources: resource fields come from the resource."""
        space = self.store.space(ctx.match["project_key"])
        wid = rules.to_int(
            ctx.match["work_item_id"], "work_item_id", code=rules.WORK_ITEM_NOT_FOUND
        )
        source = self.store.items.get(wid)
        if source is None or not source.is_resource or source.project_key != space.project_key:
            fail(rules.WORK_ITEM_NOT_FOUND, f"resource work item {wid} not found")
        body = rules.body_dict(ctx.body)
        type_key = rules.req_str(body, "work_item_type_key")
        conf = self.store.type_conf(space, type_key)
        if conf.key != source.type_key:
            fail(rules.INVALID_PARAM, "work_item_type_key must be the resource's type")
        template_id = self._template(conf, body)
        try:
            values = self._pairs(conf, body.get("field_value_pairs"), "field_value_pairs")
        except ApiError as err:
            if err.code == rules.FIELD_CHECK_FAILED:
                raise ApiError(rules.INVALID_PARAM, err.msg) from None
            raise
        ignored = [k for k in values if conf.fields[k].resource]
        kept = {k: v for k, v in values.items() if k not in ignored}
        name = rules.opt_str(body, "name")
        if conf.fields["name"].resource or not name:
            if name and "name" not in ignored:
                ignored.append("name")
            name = source.name
        for key, value in source.values.items():
            if conf.fields.get(key) is not None and conf.fields[key].resource:
                kept[key] = value
        item = self._new_item(
            space, conf, name=name, actor=ctx.actor, template_id=template_id, values=kept
        )
        item.source_resource_id = source.id
        return {
            "work_item_id": item.id,
            "ignore_create_info": {"field_keys": ignored, "role_ids": []},
        }

    # ---------------------------------------------------------- task handlers
    def h_task_search(self, ctx: Ctx) -> Any:
        """get_task_list_across_space: refuses (20094) when more than 5000 match."""
        body = rules.body_dict(ctx.body)
        pks = rules.str_list(body, "project_keys") or []
        names = rules.str_list(body, "simple_names") or []
        if len(set(pks) | set(names)) > 10:
            fail(rules.SUBTASK_SCOPE_OVER_LIMIT)
        scope: set[str] | None = None
        if pks or names:
            scope = {k for k in pks if k in self.store.spaces}
            scope |= {self.store.simple_names[n] for n in names if n in self.store.simple_names}
        page_size = body.get("page_size", 50)
        page_num = body.get("page_num", 1)
        if not rules.is_int(page_size) or page_size < 1:
            fail(rules.INVALID_PARAM, "page_size must be a positive integer")
        if not rules.is_int(page_num) or page_num < 1:
            fail(rules.INVALID_PARAM, "page_num must be a positive integer")
        page_size = min(page_size, MAX_PAGE_SIZE)
        name = rules.opt_str(body, "name")
        needle = name.lower() if name else None
        users = set(rules.str_list(body, "user_keys") or [])
        status = body.get("status")
        if status is not None and status not in (0, 1):
            fail(rules.INVALID_PARAM, "status must be 0 or 1")
        start, end = 0, None
        created = body.get("created_at")
        if created is not None:
            if not isinstance(created, dict):
                fail(rules.INVALID_TIME_INTERVAL, "created_at must be {start, end}")
            for key in ("start", "end"):
                v = created.get(key)
                if v is not None and not rules.is_ms_timestamp(v):
                    fail(
                        rules.INVALID_TIME_INTERVAL,
                        f"created_at.{key} must be a 13-digit ms timestamp",
                    )
            start = created.get("start") or 0
            end = created.get("end")
        end = now_ms() if end is None else end
        if start > end:
            fail(rules.INVALID_TIME_INTERVAL, "created_at.start is after created_at.end")
        items = self.store.items
        matched: list[SubTask] = []
        for task in self.store.subtasks_by_creation():
            if task.created_at < start:
                continue
            if task.created_at > end:
                break
            item = items.get(task.work_item_id)
            if item is None or (scope is not None and item.project_key not in scope):
                continue
            if needle is not None and needle not in task.name.lower():
                continue
            if status is not None and task.passed != (status == 1):
                continue
            if users and not (
                users.intersection(task.assignee)
                or any(users.intersection(r.get("owners", [])) for r in task.role_assignee)
            ):
                continue
            matched.append(task)
        if len(matched) > MAX_SUBTASK_RESULTS:
            fail(rules.SUBTASK_SEARCH_OVER_LIMIT, f"{len(matched)} subtasks match")
        page = matched[(page_num - 1) * page_size : page_num * page_size]
        return Paged(
            [
                {
                    "work_item_id": t.work_item_id,
                    "work_item_name": items[t.work_item_id].name,
                    "node_id": t.node_id,
                    "sub_task": self.store.subtask_view(t),
                }
                for t in page
            ],
            {"page_num": page_num, "page_size": page_size, "total": len(matched)},
        )

    def _workflow_item(self, ctx: Ctx) -> tuple[TypeConf, WorkItem]:
        space, conf = self._space_type(ctx)
        item = self.store.item(space, conf.key, ctx.match["work_item_id"])
        if conf.flow_mode != WORKFLOW:
            fail(rules.OPERATE_FAILED, "work item is not workflow mode")
        return conf, item

    def _node(self, item: WorkItem, node_id: Any) -> Any:
        node = item.node(node_id) if isinstance(node_id, str) else None
        if node is None:
            fail(rules.NODE_NOT_IN_WORKFLOW, str(node_id))
        return node

    def _task(self, item: WorkItem, task_id: Any, node_id: str | None = None) -> SubTask:
        try:
            tid = rules.to_int(task_id, "task_id", code=rules.TASK_NOT_FOUND)
        except ApiError:
            fail(rules.TASK_NOT_FOUND, str(task_id))
        task = self.store.subtasks.get(tid)
        if task is None or task.work_item_id != item.id or (node_id and task.node_id != node_id):
            fail(rules.TASK_NOT_FOUND, str(task_id))
        return task

    @staticmethod
    def _assignees(body: JSON) -> tuple[list[str] | None, list[JSON] | None]:
        assignee = rules.str_list(body, "assignee")
        role_assignee = body.get("role_assignee")
        if assignee and role_assignee:
            fail(rules.ASSIGNEE_AND_ROLE_ASSIGNEE)
        if role_assignee is not None and (
            not isinstance(role_assignee, list)
            or not all(
                isinstance(r, dict) and isinstance(r.get("role"), str) for r in role_assignee
            )
        ):
            fail(rules.INVALID_PARAM, "role_assignee must be a list of {role, owners}")
        return assignee, role_assignee

    def h_task_details(self, ctx: Ctx) -> Any:
        """get_task_details: nodes with their subtasks (``?node_id=`` for one node)."""
        conf, item = self._workflow_item(ctx)
        node_id = ctx.query.get("node_id")
        nodes = [self._node(item, node_id)] if node_id else item.nodes
        return [self.store.node_tasks_view(item, conf, n) for n in nodes]

    def h_task_create(self, ctx: Ctx) -> Any:
        """create_tasks: returns the new subtask id (an integer)."""
        conf, item = self._workflow_item(ctx)
        self._live(item)
        body = rules.body_dict(ctx.body)
        node = self._node(item, rules.req_str(body, "node_id"))
        name = rules.req_str(body, "name")
        assignee, role_assignee = self._assignees(body)
        schedule = body.get("schedule")
        if schedule is not None and not isinstance(schedule, dict):
            fail(rules.INVALID_PARAM, "schedule must be an object")
        pairs = rules.check_pairs(body.get("field_value_pairs"), "field_value_pairs")
        node_conf = conf.node_by_key.get(node.state_key, {})
        created = now_ms()
        task = SubTask(
            id=self.store.new_task_id(),
            work_item_id=item.id,
            node_id=node.state_key,
            name=name,
            created_at=created,
            assignee=assignee or [],
            role_assignee=role_assignee or [],
            schedules=[schedule] if schedule else [],
            note=rules.opt_str(body, "note") or "",
            fields=list(pairs),
            order=float(len(node.task_ids) + 1),
            owner_usage_mode=node_conf.get("owner_usage_mode", 1),
            owner_roles=list(node_conf.get("roles", [])),
        )
        self.store.add_subtask(item, node, task)
        self.store.record(
            item,
            "add",
            "sub_task_mod",
            [record_content("sub_task", str(task.id), "name", new=name)],
            ctx.actor,
            at=created,
        )
        return task.id

    def h_task_update(self, ctx: Ctx) -> Any:
        """update_tasks."""
        _, item = self._workflow_item(ctx)
        self._live(item)
        node = self._node(item, ctx.match["node_id"])
        task = self._task(item, ctx.match["task_id"], node.state_key)
        body = rules.body_dict(ctx.body)
        assignee, role_assignee = self._assignees(body)
        changes = []
        name = rules.opt_str(body, "name")
        if name:
            changes.append(
                record_content("sub_task", str(task.id), "name", old=task.name, new=name)
            )
            task.name = name
        if assignee is not None:
            task.assignee, task.role_assignee = assignee, []
        if role_assignee is not None:
            task.role_assignee, task.assignee = role_assignee, []
        if isinstance(body.get("schedule"), dict):
            task.schedules = [body["schedule"]]
        note = rules.opt_str(body, "note")
        if note is not None:
            task.note = note
        if body.get("deliverable") is not None:
            task.deliverable = list(rules.check_pairs(body["deliverable"], "deliverable"))
        if body.get("update_fields") is not None:
            updates = {
                p["field_key"]: p for p in rules.check_pairs(body["update_fields"], "update_fields")
            }
            task.fields = [f for f in task.fields if f.get("field_key") not in updates]
            task.fields.extend(updates.values())
        self.store.record(
            item,
            "modify",
            "sub_task_mod",
            changes or [record_content("sub_task", str(task.id), "detail")],
            ctx.actor,
        )
        return {}

    def h_task_modify(self, ctx: Ctx) -> Any:
        """complete_or_rollback_tasks: ``task_id`` in the body is an integer."""
        _, item = self._workflow_item(ctx)
        body = rules.body_dict(ctx.body)
        for required in ("node_id", "task_id", "action"):
            if body.get(required) in (None, ""):
                fail(rules.MISSING_PARAM, required)
        action = body["action"]
        if action not in ("confirm", "rollback"):
            fail(rules.ACTION_NOT_SUPPORTED, str(action))
        if not rules.is_int(body["task_id"]):
            fail(rules.INVALID_PARAM, "task_id must be an integer")
        self._live(item)
        node = self._node(item, body["node_id"])
        task = self._task(item, body["task_id"], node.state_key)
        assignee, role_assignee = self._assignees(body)
        if action == "confirm":
            if task.passed:
                fail(rules.OPERATE_FAILED, "subtask already confirmed, refresh and try again")
            task.passed, task.finish = True, now_ms()
            task.begin = task.begin or task.finish
        else:
            if not task.passed:
                fail(rules.OPERATE_FAILED, "subtask is not completed")
            task.passed, task.finish = False, None
        if assignee is not None:
            task.assignee, task.role_assignee = assignee, []
        if role_assignee is not None:
            task.role_assignee, task.assignee = role_assignee, []
        if isinstance(body.get("schedules"), list):
            task.schedules = body["schedules"]
        if body.get("deliverable") is not None:
            task.deliverable = list(rules.check_pairs(body["deliverable"], "deliverable"))
        note = rules.opt_str(body, "note")
        if note is not None:
            task.note = note
        self.store.record(
            item,
            "complete" if action == "confirm" else "rollback",
            "sub_task_mod",
            [
                record_content(
                    "sub_task", str(task.id), "passed", old=not task.passed, new=task.passed
                )
            ],
            ctx.actor,
        )
        return {}

    def h_task_delete(self, ctx: Ctx) -> Any:
        """delete_tasks."""
        _, item = self._workflow_item(ctx)
        self._live(item)
        task = self._task(item, ctx.match["task_id"])
        self.store.remove_subtask(task)
        self.store.record(
            item,
            "remove",
            "sub_task_mod",
            [record_content("sub_task", str(task.id), "name", old=task.name)],
            ctx.actor,
        )
        return {}

    # --------------------------------------------------------- field handlers
    def h_fields(self, ctx: Ctx) -> Any:
        """get_field_information: a type's fields, or the space's with their scopes."""
        space = self.store.space(ctx.match["project_key"])
        body = rules.body_dict(ctx.body)
        type_key = rules.opt_str(body, "work_item_type_key")
        if type_key:
            conf = space.types.get(type_key)
            if conf is None:
                fail(rules.DATA_NOT_FOUND, f"no work item type {type_key} in this space")
            return [self.store.simple_field_view(f, [conf.key]) for f in conf.fields.values()]
        merged: dict[str, tuple[FieldConf, list[str]]] = {}
        for conf in space.types.values():
            for f in conf.fields.values():
                merged.setdefault(f.key, (f, []))[1].append(conf.key)
        return [self.store.simple_field_view(f, scopes) for f, scopes in merged.values()]

    def _check_names(
        self, conf: TypeConf, body: JSON, current: FieldConf | None
    ) -> tuple[str | None, str | None]:
        name = rules.opt_str(body, "field_name")
        alias = rules.opt_str(body, "field_alias")
        if name is not None and len(name) > rules.MAX_NAME_LENGTH:
            fail(rules.FIELD_NAME_TOO_LONG)
        help_text = rules.opt_str(body, "help_description")
        if help_text is not None and len(help_text) > rules.MAX_NAME_LENGTH:
            fail(rules.FIELD_DESCRIPTION_TOO_LONG)
        for other in conf.fields.values():
            if other is current:
                continue
            if name and other.name == name:
                fail(rules.FIELD_NAME_USED, name)
            if alias and other.alias == alias:
                fail(rules.FIELD_ALIAS_REPEATED, alias)
        if body.get("field_value") is not None and body.get("team_option") is not None:
            fail(rules.INVALID_PARAM, "field_value and team_option are mutually exclusive")
        return name, alias

    def _new_options(self, raw: Any) -> list[JSON]:
        if isinstance(raw, dict):
            raw = raw.get("options")
        if not isinstance(raw, list):
            fail(rules.INVALID_PARAM, "field_value must list the options")
        out = []
        for opt in raw:
            if not isinstance(opt, dict) or not isinstance(opt.get("label"), str):
                fail(rules.INVALID_PARAM, "an option needs a label")
            option: JSON = {
                "label": opt["label"],
                "value": opt.get("value") or self.store.new_uuid("opt_"),
            }
            if opt.get("children"):
                option["children"] = self._new_options(opt["children"])
            out.append(option)
        return out

    def h_field_create(self, ctx: Ctx) -> Any:
        """create_custom_field: returns the new field_key."""
        space, conf = self._space_type(ctx)
        body = rules.body_dict(ctx.body)
        rules.req_str(body, "field_name")
        type_key = rules.req_str(body, "field_type_key")
        if type_key not in SUPPORTED_CUSTOM_TYPES:
            fail(rules.FIELD_TYPE_NOT_SUPPORTED, type_key)
        name, alias = self._check_names(conf, body, None)
        options: list[JSON] = []
        if body.get("value_type") == 1:
            ref_type = self.store.type_conf(
                space, rules.req_str(body, "reference_work_item_type_key")
            )
            ref = ref_type.field(rules.req_str(body, "reference_field_key"))
            if ref is None:
                fail(rules.FIELD_NOT_FOUND, str(body["reference_field_key"]))
            options = ref.options
        elif body.get("field_value") is not None and type_key in OPTION_TYPES:
            options = self._new_options(body["field_value"])
        if len(options) > rules.MAX_OPTIONS:
            fail(rules.OPTION_COUNT_EXCEEDED, str(rules.MAX_OPTIONS))
        key = f"field_{self._rng.getrandbits(24):06x}"
        while any(key in t.fields for t in space.types.values()):
            key = f"field_{self._rng.getrandbits(24):06x}"
        conf.add_field(
            FieldConf(
                key,
                name or key,
                type_key,
                alias=alias or "",
                custom=True,
                help=rules.opt_str(body, "help_description") or "",
                free_add=1 if body.get("free_add") == 1 else 2,
                authorized_roles=rules.str_list(body, "authorized_roles") or [],
                options=options,
                default=body.get("default_value"),
            )
        )
        return key

    def h_field_update(self, ctx: Ctx) -> Any:
        """update_custom_field: names, help, default, options (action 0 add, 1 modify, 2 delete)."""
        _, conf = self._space_type(ctx)
        body = rules.body_dict(ctx.body)
        key = rules.req_str(body, "field_key")
        target = conf.fields.get(key)
        parent = None
        if target is None:
            for f in conf.fields.values():
                if key in f.sub_by_key:
                    parent, target = f, f.sub_by_key[key]
        if target is None:
            fail(rules.FIELD_NOT_FOUND, key)
        if not target.custom:
            fail(rules.FIELD_TYPE_NOT_SUPPORTED, f"{key} is a system field")
        if target.compound:
            extra = set(body) - {"field_key", "field_name", "field_alias", "help_description"}
            if extra:
                fail(
                    rules.INVALID_PARAM,
                    f"a compound parent allows only name, alias, help: {sorted(extra)}",
                )
        name, alias = self._check_names(conf, body, target)
        if body.get("field_value") is not None:
            if target.type_key not in OPTION_TYPES:
                fail(rules.FIELD_TYPE_NOT_SUPPORTED, f"{key} has no options")
            options = [dict(o) for o in target.options]
            self._edit_options(target, options, body["field_value"])
            target.options = options
        if name:
            target.name = name
        if alias:
            if target.alias in conf.aliases and parent is None:
                del conf.aliases[target.alias]
            target.alias = alias
            if parent is None:
                conf.aliases[alias] = target.key
        help_text = rules.opt_str(body, "help_description")
        if help_text is not None:
            target.help = help_text
        if "default_value" in body:
            target.default = body["default_value"]
        if body.get("free_add") in (1, 2):
            target.free_add = body["free_add"]
        target.reindex()
        if parent is not None:
            parent.reindex()
        return {}

    def _edit_options(self, target: FieldConf, options: list[JSON], edits: Any) -> None:
        if not isinstance(edits, list):
            fail(rules.INVALID_PARAM, "field_value must be a list of option edits")

        def find(level: list[JSON], value: Any) -> tuple[list[JSON], int] | None:
            for i, o in enumerate(level):
                if o["value"] == value:
                    return level, i
                if o.get("children"):
                    o["children"] = [dict(c) for c in o["children"]]
                    hit = find(o["children"], value)
                    if hit:
                        return hit
            return None

        for edit in edits:
            if not isinstance(edit, dict) or edit.get("action") not in (0, 1, 2):
                fail(rules.INVALID_PARAM, "each option edit needs action 0, 1 or 2")
            action = edit["action"]
            if action == 0:
                if not isinstance(edit.get("label"), str):
                    fail(rules.INVALID_PARAM, "a new option needs a label")
                level = options
                if edit.get("parent_value"):
                    hit = find(options, edit["parent_value"])
                    if hit is None:
                        fail(rules.INVALID_PARAM, f"parent_value {edit['parent_value']} not found")
                    parent = hit[0][hit[1]]
                    parent["children"] = list(parent.get("children") or [])
                    level = parent["children"]
                level.append(
                    {
                        "label": edit["label"],
                        "value": edit.get("value") or self.store.new_uuid("opt_"),
                    }
                )
            else:
                hit = find(options, edit.get("value"))
                if hit is None:
                    fail(rules.INVALID_PARAM, f"option {edit.get('value')} not found")
                level, index = hit
                if action == 1:
                    level[index] = {
                        **level[index],
                        "label": edit.get("label", level[index]["label"]),
                    }
                else:
                    del level[index]
        count = 0
        stack = list(options)
        while stack:
            o = stack.pop()
            count += 1
            stack.extend(o.get("children") or [])
        if count > rules.MAX_OPTIONS:
            fail(rules.OPTION_COUNT_EXCEEDED, str(rules.MAX_OPTIONS))


def _token_info(token: str, kind: str, ttl: float, user_key: str | None) -> TokenInfo:
    return TokenInfo(token, kind, time.monotonic() + ttl, user_key)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    seed_items: int = 100,
    seed: int = 0,
    out: Callable[[str], None] = print,
    **options: Any,
) -> None:
    """Run a fake server until cancelled, printing its base URL and credentials first.

    Extra keyword arguments go to :class:`FakeMeegle` (``rate_limits``, ``faults``, …).
    """
    fake = FakeMeegle(host=host, port=port, seed_items=seed_items, seed=seed, **options)
    await fake.start()
    try:
        out(f"Fake Meegle server listening on {fake.base_url}")
        out(f"  plugin_id     = {fake.plugin_id}")
        out(f"  plugin_secret = {fake.plugin_secret}")
        out(f"  user_key      = {fake.user_key}")
        out(f"  project_key   = {fake.project_key} (simple_name {fake.simple_name})")
        await asyncio.Event().wait()
    finally:
        await fake.close()
