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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from aiohttp import web

from ..catalogue import ENDPOINTS
from . import rules
from . import seed as seeding
from .context import Ctx, Handler, Paged
from .discovery import DiscoveryHandlers
from .faults import FaultPlan, Faults
from .files_state import MAX_FILE_BYTES, FileAnswer, parse_multipart
from .handlers import collect_handlers
from .handlers.ai import AIHandlers
from .handlers.charts import ChartHandlers
from .handlers.comments import CommentHandlers
from .handlers.deliverables import DeliverableHandlers
from .handlers.fields import FieldHandlers
from .handlers.files import FileHandlers
from .handlers.relations import RelationHandlers
from .handlers.resources import ResourceHandlers
from .handlers.search import SearchHandlers
from .handlers.space_config import SpaceConfigHandlers
from .handlers.tasks import TaskHandlers
from .handlers.template_admin import TemplateAdminHandlers
from .handlers.tenant import TenantHandlers
from .handlers.user_groups import UserGroupHandlers
from .handlers.wbs import WbsHandlers
from .handlers.work_hours import WorkHourHandlers
from .handlers.work_item_extras import WorkItemExtraHandlers
from .handlers.work_items import WorkItemHandlers
from .handlers.workflows import WorkflowHandlers
from .rules import JSON, ApiError, WindowLimiter, fail
from .store import (
    Actor,
    Store,
    TokenInfo,
)

DEFAULT_PLUGIN_ID = "MII_FAKE00000000001"
DEFAULT_PLUGIN_SECRET = "fake-plugin-secret-0001"
DEFAULT_QPS = 15
#: The platform's per-endpoint limits where they differ from 15/s: the catalogue's ``qps``.
DEFAULT_LIMITS: dict[str, int] = {
    entry.name: int(entry.qps) for entry in ENDPOINTS if entry.qps != DEFAULT_QPS
}
REFRESH_TOKEN_TTL = 14 * 24 * 3600
#: A plugin token is handed out again only while it has more than this many seconds left (and
#: more than half its life), so a client renewing it 3 minutes early always gets a fresh one.
TOKEN_REUSE_MIN_REMAINING = 600.0

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
class _Route:
    name: str
    method: str
    path: str
    handler: Handler
    write: bool


class FakeMeegle(
    SearchHandlers,
    ChartHandlers,
    WorkItemHandlers,
    ResourceHandlers,
    TaskHandlers,
    FieldHandlers,
    WbsHandlers,
    TemplateAdminHandlers,
    WorkHourHandlers,
    DeliverableHandlers,
    WorkItemExtraHandlers,
    TenantHandlers,
    AIHandlers,
    WorkflowHandlers,
    SpaceConfigHandlers,
    FileHandlers,
    UserGroupHandlers,
    CommentHandlers,
    RelationHandlers,
):
    """An in-process fake of the Meegle OpenAPI, served over HTTP on loopback.

    Use it as an async context manager (or ``await start()`` / ``await close()``)::

        async with FakeMeegle(seed_items=100, seed=1234) as fake:
            ...  # point a client at fake.base_url with fake.plugin_id / plugin_secret

    Options (keyword-only): ``host`` (loopback only), ``port`` (0 picks a free one),
    ``seed_items`` / ``seed_subtasks`` / ``seed_resources`` and ``seed`` for the data,
    ``rate_limits`` (True: the platform's table, 15/s per token and endpoint with 450 a minute
    for the searches, 1/s for batch update and its
    progress; a mapping overrides per endpoint name, key ``"default"`` for the rest;
    False: unlimited), ``retry_after`` (``"int"``, ``"float"`` or None: how the 429
    ``Retry-After`` header is written), ``token_ttl`` seconds, ``batch_task_duration``
    seconds, ``latency`` + up to ``latency_jitter`` seconds of network delay before a
    request is counted, ``faults``, and ``record_requests`` (False keeps no request log,
    for long benchmarks).

    Tokens: a second ``plugin_token`` request (same kind) returns the same valid token, with
    the seconds it has left as ``expire_time``, while more than half its life (and more than
    ten minutes) remains; after that, or once ``expire_tokens()`` ran, a new one. The platform
    behaves this way, which is why processes that share a plugin share its per-token rate
    budget: a fake minting a new token per request would give N processes N budgets, and a
    test of the shared limiter would pass against the fake and fail against the server.

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
        self.limiter = WindowLimiter(rate_limits)
        self.requests: list[RecordedRequest] = []
        self.record_requests = record_requests
        self.throttled: dict[str, int] = {}
        self.token_requests = 0
        self._idem: dict[tuple[str, str, str], tuple[bytes, str]] = {}
        self._rng = random.Random(seed ^ 0x5EED)
        self._log_prefix = os.urandom(3).hex().upper()
        self._log_ids = itertools.count(1)
        self._token_ids = itertools.count(1)
        self._current_tokens: dict[str, str] = {}
        self._runner: web.AppRunner | None = None
        self._base_url = ""
        self.routes = self._routes()
        #: The token endpoints (catalogue group ``auth``) and their handlers.
        self.token_routes: dict[str, Callable[[web.Request, Any], JSON]] = {
            "plugin_token": self._plugin_token,
            "user_plugin_token": self._user_plugin_token,
            "refresh_token": self._refresh_token,
        }
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
        app = web.Application(client_max_size=MAX_FILE_BYTES + 1024 * 1024)
        for name, fn in self.token_routes.items():
            entry = ENDPOINTS[name]
            app.router.add_route(entry.method, entry.path, self._wrap_token(name, fn))
        # aiohttp tries routes in order: fewer placeholders first, so that a literal segment
        # (``work_item/type/{key}``) wins over a placeholder (``work_item/{type}/{id}``).
        for route in sorted(self.routes, key=lambda r: r.path.count("{")):
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
        if raw and request.content_type == "multipart/form-data":
            rec.body = parse_multipart(raw, request.headers.get("Content-Type", ""))
        elif raw:
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
            if isinstance(payload.get("data"), FileAnswer):
                return await self._file_answer(request, rec, payload["data"])
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

    async def _file_answer(
        self, request: web.Request, rec: RecordedRequest, answer: FileAnswer
    ) -> web.StreamResponse:
        """A binary answer; a cut-off one sends ``cut_at`` bytes of it and drops."""
        rec.status = 200
        resp = web.StreamResponse(
            status=200,
            headers={
                "X-Tt-Logid": rec.log_id,
                "Content-Type": answer.content_type,
                "Content-Disposition": _disposition(answer.filename),
            },
        )
        resp.content_length = len(answer.data)
        await resp.prepare(request)
        end = len(answer.data) if answer.cut_at is None else answer.cut_at
        view = memoryview(answer.data)
        step = 1024 * 1024
        for start in range(0, end, step):
            await resp.write(view[start : min(start + step, end)])
        if answer.cut_at is not None:
            rec.fault = "cut_off"
            if request.transport is not None:
                request.transport.abort()
            return resp
        await resp.write_eof()
        return resp

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
        kind_name = "virtual" if kind == 1 else "plugin"
        # The same valid token again while it has a good part of its life left (see the class
        # docstring): N processes sharing a plugin share one per-token rate budget.
        current = self.store.token(self._current_tokens.get(kind_name))
        if current is not None:
            remaining = current.expires_at - time.monotonic()
            if remaining > max(self.token_ttl / 2, TOKEN_REUSE_MIN_REMAINING):
                return {"token": current.token, "expire_time": int(remaining)}
        token = self.issue_token(kind_name)
        self._current_tokens[kind_name] = token
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
        """One route per catalogue entry, served by the handler registered for its name."""
        handlers = {
            **collect_handlers(self),
            **collect_handlers(DiscoveryHandlers(self.store, [self.user_key])),
        }
        routes = []
        for entry in ENDPOINTS:
            if entry.group == "auth":
                continue  # the token endpoints: token_routes, with their own envelope
            handler = handlers.get(entry.name)
            if handler is None:
                raise RuntimeError(f"the fake has no handler for catalogue entry {entry.name}")
            routes.append(_Route(entry.name, entry.method, entry.path, handler, entry.write))
        return routes


def _disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


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
