"""``MeegleClient``: the options, the lifecycle, the endpoint groups and the escape hatch."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any, Literal, overload

import aiohttp
import attrs

from .catalogue import ENDPOINTS
from .endpoints._base import EndpointGroup
from .endpoints.ai import AI
from .endpoints.attachments import Attachments
from .endpoints.auth import Auth
from .endpoints.charts import Charts
from .endpoints.comments import Comments
from .endpoints.deliverables import Deliverables
from .endpoints.fields import Fields
from .endpoints.relations import Relations
from .endpoints.resources import Resources
from .endpoints.roles import Roles
from .endpoints.spaces import Spaces
from .endpoints.tasks import Tasks
from .endpoints.teams import Teams
from .endpoints.templates import Templates
from .endpoints.tenant import TenantAdmin
from .endpoints.users import Users
from .endpoints.views import Views
from .endpoints.wbs import Wbs
from .endpoints.work_hours import WorkHours
from .endpoints.work_items import WorkItems
from .endpoints.workflows import Workflows
from .errors import MeegleValidationError
from .helpers.field_builder import metadata_cache_for
from .helpers.lookups import lookup_cache_for
from .models.auth import UserTokenGrant
from .raw import WithRawResponse, record_raw_response
from .transport import checks
from .transport.auth import (
    DEFAULT_TOKEN_INVALID_CODES,
    MemoryTokenStore,
    PluginTokenProvider,
    Secret,
    StaticTokenProvider,
    TokenProvider,
    TokenStore,
    UserTokenProvider,
)
from .transport.limits import DEFAULT_QPS, LimiterBackend, MemoryLimiterBackend, RateTable
from .transport.log import setup_logging
from .transport.options import at_least
from .transport.response import RawResponse
from .transport.retry import DEFAULT_RETRY_CODES, DEFAULT_THROTTLE_CODES, RetryPolicy
from .transport.session import (
    DEFAULT_MAX_RESPONSE_BYTES,
    CallOptions,
    Transport,
    check_deadline,
    default_user_agent,
)
from .transport.stats import ClientStats, RequestHook
from .transport.urls import DEFAULT_BASE_URL, normalize_base_url

__all__ = ["MeegleClient", "SharedState"]

_UNSET: Any = object()


@attrs.frozen(kw_only=True)
class SharedState:
    """Where limiter state and tokens live. In-memory by default; a Redis backend shares them
    between every process that names the same Redis."""

    limiter: LimiterBackend
    token_store: TokenStore

    @classmethod
    def in_memory(cls) -> SharedState:
        """State private to this process (shared by a client and its ``with_options`` copies)."""
        return cls(limiter=MemoryLimiterBackend(), token_store=MemoryTokenStore())


class MeegleClient:
    """An asyncio client for the Meegle OpenAPI.

    Example::

        async with MeegleClient(plugin_id="...", plugin_secret="...", user_key="...") as client:
            items = await client.work_items.get_details("space", "story", [101, 102])

    Ways to authenticate (keyword-only, see the README's Authentication section):

    * ``plugin_id`` + ``plugin_secret`` (+ ``user_key``): plugin tokens fetched on first use,
      cached and renewed 3 minutes before expiry; ``virtual_token=True`` asks for ``type: 1``.
    * ``plugin_token`` + ``user_key``: a token you already hold (renewed from ``plugin_id`` and
      ``plugin_secret`` when they are given too).
    * ``user_token`` (+ ``refresh_token``, ``plugin_id``, ``plugin_secret`` to renew it): acts as
      that user; no ``X-User-Key`` is sent.

    Args:
        base_url: ``https://project.larksuite.com`` (default) or ``https://project.feishu.cn``;
            ``http://`` only for loopback hosts.
        user_key: ``X-User-Key`` for plugin tokens; an int (as YAML and JSON configs give a
            19-digit key) is taken as its digits.
        session: an ``aiohttp.ClientSession`` you own; the client borrows it and never closes it.
        default_qps: requests per second per token for every endpoint (15).
        rate_limits: per-endpoint rates merged over the built-in table
            (``batch_update_work_item_field`` and ``get_batch_update_progress``: 1).
        minute_limits: per-endpoint caps per minute merged over the built-in table (450 for
            ``filter_work_item`` and the other search endpoints); ``None`` lifts one.
        adaptive_limits: lower an endpoint's rate when the server throttles it although we kept
            to it (the token's budget is shared with traffic we don't see); ``False`` keeps the
            configured rates fixed.
        max_retries: retries after the first attempt for 429, 5xx, connection errors, timeouts
            and ``retry_codes`` (4, or ``retry_policy.max_retries``).
        timeout: seconds per attempt (60), or an ``aiohttp.ClientTimeout``: every attempt, the
            token request included, ends within it, even when the server accepts the connection
            and then stalls. ``None``: no bound per attempt (a silent connection is still given
            up after 300 s).
        deadline: seconds the whole logical call may take: waiting for the limiter and the
            concurrency cap, every attempt and the backoff between them (``None``, the default:
            no bound beyond ``timeout`` and ``max_retries``). Past it, ``MeegleTimeoutError``
            says where the time went. Per call: ``client.request(..., deadline=)``.
        max_response_bytes: the largest answer body accepted, after decompression (64 MiB);
            a larger one raises ``MeegleServerError`` without being read whole.
        max_concurrency: requests in flight at once, all endpoints together (64).
        retry_codes: err_codes retried with backoff (``{20090}``).
        throttle_codes: err_codes treated like HTTP 429.
        token_invalid_codes: err_codes that renew the token and replay the call
            (``{10211, 10022}``).
        user_agent_suffix: appended to ``meegle-async/<version> python/<x.y>``.
        proxy: an HTTP proxy URL; ``trust_env`` (default true) also reads ``HTTPS_PROXY``.
        shared_state: ``"redis://host:port/db"`` (needs ``meegle-async[redis]``) or a
            ``SharedState``: rate limits and the token shared by every process that names it.
        on_backend_error: when the shared state (Redis) fails: ``"fallback"`` (default) keeps
            going on an in-process limiter at a conservative share and logs one warning;
            ``"raise"`` raises ``MeegleBackendError``.
        on_request: called with a ``RequestEvent`` after every attempt (metrics).
        clock: the wall clock used for token expiry (``time.time``); tests pass their own.
        retry_policy: a full ``RetryPolicy`` (overrides ``max_retries`` and ``retry_codes``).

    Every option is checked here (and in ``with_options``): a bad one raises
    ``MeegleValidationError`` before anything is sent.

    Event loops: a client belongs to the loop it runs on, but may move on when that loop has
    ended. One client used from two ``asyncio.run()`` calls (a notebook, a loop per test) works:
    on the new loop it makes a new session and fresh limiter state (each endpoint held until a
    second after its last answer on the old loop, so the limits still hold), keeping its tokens
    and stats. Using it from two loops *at once*, or moving a client whose session or
    ``shared_state`` was passed in, raises ``MeegleError`` ("one client per event loop").

    Close the client (``async with``, or ``await client.aclose()``): calls still in progress end
    with ``MeegleError`` (those queued for the limiter or the concurrency cap send nothing), and
    nothing more is sent. A client dropped unclosed while its loop runs warns with a
    ``ResourceWarning`` naming ``MeegleClient``; when its loop ends (``asyncio.run`` returns),
    its session is closed for it, so no socket is left behind.
    """

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        plugin_id: str | None = None,
        plugin_secret: str | None = None,
        user_key: str | int | None = None,
        plugin_token: str | None = None,
        user_token: str | None = None,
        refresh_token: str | None = None,
        virtual_token: bool = False,
        session: aiohttp.ClientSession | None = None,
        default_qps: float = DEFAULT_QPS,
        rate_limits: Mapping[str, float] | None = None,
        minute_limits: Mapping[str, int | None] | None = None,
        adaptive_limits: bool = True,
        max_retries: int | None = None,
        timeout: float | aiohttp.ClientTimeout | None = 60.0,
        max_concurrency: int = 64,
        retry_codes: frozenset[int] | set[int] = DEFAULT_RETRY_CODES,
        throttle_codes: frozenset[int] | set[int] = DEFAULT_THROTTLE_CODES,
        token_invalid_codes: frozenset[int] | set[int] = DEFAULT_TOKEN_INVALID_CODES,
        user_agent_suffix: str | None = None,
        proxy: str | None = None,
        trust_env: bool = True,
        shared_state: SharedState | str | None = None,
        on_backend_error: Literal["fallback", "raise"] = "fallback",
        on_request: RequestHook | None = None,
        clock: Callable[[], float] = time.time,
        retry_policy: RetryPolicy | None = None,
        deadline: float | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        setup_logging()
        base = normalize_base_url(base_url)
        if (
            isinstance(max_concurrency, bool)
            or not isinstance(max_concurrency, int)
            or (max_concurrency < 1)
        ):
            raise MeegleValidationError(
                f"max_concurrency must be an integer >= 1, not {max_concurrency!r}"
            )
        if (
            isinstance(max_response_bytes, bool)
            or not isinstance(max_response_bytes, int)
            or max_response_bytes < 1
        ):
            raise MeegleValidationError(
                f"max_response_bytes must be an integer >= 1, not {max_response_bytes!r}"
            )
        if proxy is not None:
            normalize_proxy(proxy)
        _check_options(
            session=session,
            adaptive_limits=adaptive_limits,
            trust_env=trust_env,
            virtual_token=virtual_token,
            on_request=on_request,
            clock=clock,
            retry_policy=retry_policy,
        )
        try:
            rates = RateTable(
                default_qps=_check_rate(default_qps, "default_qps"),
                overrides=_check_rate_limits(rate_limits),
                minute_overrides=dict(minute_limits or {}),
            )
        except (TypeError, ValueError) as exc:
            if isinstance(exc, MeegleValidationError):
                raise
            raise MeegleValidationError(str(exc)) from None
        state = _resolve_shared_state(shared_state, on_backend_error)
        codes = checks.check_codes(retry_codes, "retry_codes")
        throttle = checks.check_codes(throttle_codes, "throttle_codes")
        token_invalid = checks.check_codes(token_invalid_codes, "token_invalid_codes")
        policy = retry_policy or RetryPolicy(
            max_retries=4 if max_retries is None else max_retries,
            retry_codes=codes,
        )
        self._options = CallOptions.make(
            user_key=user_key,
            timeout=timeout,
            max_retries=policy.max_retries if max_retries is None else max_retries,
            deadline=deadline,
        )
        self._transport = Transport(
            base_url=base,
            auth=None,
            limiter=state.limiter,
            rates=rates,
            retry=policy,
            adaptive_limits=adaptive_limits,
            session=session,
            max_concurrency=max_concurrency,
            user_agent=default_user_agent(user_agent_suffix),
            proxy=proxy,
            trust_env=trust_env,
            throttle_codes=throttle,
            token_invalid_codes=token_invalid,
            on_request=on_request,
            default_timeout=self._options.timeout,
            max_response_bytes=max_response_bytes,
            # A limiter of the client's own can be made again on a new event loop.
            limiter_factory=(lambda: SharedState.in_memory().limiter)
            if shared_state is None
            else None,
        )
        if shared_state is None:
            self._transport.own_token_store = state.token_store
        self._transport.auth = _make_auth(
            transport=self._transport,
            store=state.token_store,
            base_url=base,
            plugin_id=plugin_id,
            plugin_secret=plugin_secret,
            plugin_token=plugin_token,
            user_token=user_token,
            refresh_token=refresh_token,
            virtual_token=virtual_token,
            clock=clock,
        )
        self._state = state
        self._is_copy = False
        secret = _secret(plugin_secret, "plugin_secret")
        self._plugin_credentials = (
            (plugin_id.strip(), secret) if plugin_id is not None and secret is not None else None
        )

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def from_env(cls, **overrides: Any) -> MeegleClient:
        """A client configured from ``MEEGLE_*`` environment variables; keyword arguments win.

        Reads ``MEEGLE_BASE_URL`` (or ``MEEGLE_DOMAIN``, a bare host such as
        ``project.feishu.cn``), ``MEEGLE_PLUGIN_ID``, ``MEEGLE_PLUGIN_SECRET``,
        ``MEEGLE_PLUGIN_TOKEN``, ``MEEGLE_USER_KEY``, ``MEEGLE_USER_TOKEN``,
        ``MEEGLE_REFRESH_TOKEN`` and ``MEEGLE_REDIS_URL`` (``shared_state``).
        """
        env = os.environ
        kwargs: dict[str, Any] = {}
        base = env.get("MEEGLE_BASE_URL") or (
            f"https://{env['MEEGLE_DOMAIN'].strip().strip('/')}"
            if env.get("MEEGLE_DOMAIN")
            else None
        )
        if base:
            kwargs["base_url"] = base
        for var, name in (
            ("MEEGLE_PLUGIN_ID", "plugin_id"),
            ("MEEGLE_PLUGIN_SECRET", "plugin_secret"),
            ("MEEGLE_PLUGIN_TOKEN", "plugin_token"),
            ("MEEGLE_USER_KEY", "user_key"),
            ("MEEGLE_USER_TOKEN", "user_token"),
            ("MEEGLE_REFRESH_TOKEN", "refresh_token"),
            ("MEEGLE_REDIS_URL", "shared_state"),
        ):
            if env.get(var):
                kwargs[name] = env[var]
        kwargs.update(overrides)
        return cls(**kwargs)

    def with_options(
        self,
        *,
        user_key: str | int | None = _UNSET,
        timeout: float | aiohttp.ClientTimeout | None = _UNSET,
        max_retries: int = _UNSET,
        deadline: float | None = _UNSET,
    ) -> MeegleClient:
        """A light copy that acts with other options and shares everything else.

        The copy shares the session, the token cache, the limiters and the stats of this client,
        so twenty copies make one token request and keep one rate. Closing a copy closes nothing.
        Options are checked as in the constructor (``MeegleValidationError``).

        Example::

            alice = client.with_options(user_key="alice_key")
            pairs = [{"field_key": "name", "field_value": "x"}]
            await alice.work_items.update("space", "story", 101, pairs)
        """
        copy = object.__new__(type(self))
        # Endpoint groups are bound to the client that made them: the copy makes its own.
        copy.__dict__.update(
            {k: v for k, v in self.__dict__.items() if not isinstance(v, EndpointGroup)}
        )
        copy._options = CallOptions.make(
            user_key=self._options.user_key if user_key is _UNSET else user_key,
            timeout=self._options.timeout if timeout is _UNSET else timeout,
            max_retries=self._options.max_retries if max_retries is _UNSET else max_retries,
            deadline=self._options.deadline if deadline is _UNSET else deadline,
        )
        copy._is_copy = True
        return copy

    # -- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> MeegleClient:
        await self._transport.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the session (if the client created it). A ``with_options`` copy closes nothing."""
        if not self._is_copy:
            await self._transport.aclose()

    @property
    def closed(self) -> bool:
        """Whether the client (or the one this copy came from) has been closed."""
        return self._transport.closed

    # -- endpoint groups (built on first use, one set per client or copy) ---------------------
    @cached_property
    def work_items(self) -> WorkItems:
        """Work items: details, create, update, delete, abort/resume, freeze, compound fields,
        batch updates and the change log (``client.work_items.get_details(...)``)."""
        return WorkItems(self._send, field_metadata=metadata_cache_for(self._transport))

    @cached_property
    def resources(self) -> Resources:
        """The work item resource library: details, update, search, create, create work items
        from it (``client.resources.iter_search(...)``)."""
        return Resources(self._send, field_metadata=metadata_cache_for(self._transport))

    @cached_property
    def tasks(self) -> Tasks:
        """Subtasks: search across spaces, details, create, update, complete, rollback, delete
        (``client.tasks.iter_search(project_keys=["space"])``)."""
        return Tasks(self._send)

    @cached_property
    def workflows(self) -> Workflows:
        """Workflows and nodes: read a workflow, complete or roll back nodes, change state, move
        by name (``client.workflows.move_to("space", "story", 1001, "Development")``)."""
        return Workflows(self._send, lookups=lookup_cache_for(self._transport))

    @cached_property
    def teams(self) -> Teams:
        """Teams, business lines and user-group members of a space
        (``client.teams.list("space", cached=True)``)."""
        return Teams(self._send, lookups=lookup_cache_for(self._transport))

    @cached_property
    def roles(self) -> Roles:
        """Flow roles of a work item type (``client.roles.list("space", "story")``)."""
        return Roles(self._send, lookups=lookup_cache_for(self._transport))

    @cached_property
    def templates(self) -> Templates:
        """Process templates: list and detail (``client.templates.list("space", "story")``)."""
        return Templates(self._send, lookups=lookup_cache_for(self._transport))

    @cached_property
    def attachments(self) -> Attachments:
        """Files on work items: upload, download (streamed), list, delete
        (``client.attachments.download(..., to="out/")``)."""
        return Attachments(self._send, transport=self._transport, options=self._options)

    @cached_property
    def comments(self) -> Comments:
        """Comments on work items, their fields and other comments: create, list, update,
        delete, query with replies (``client.comments.iter("space", "story", 1001)``)."""
        return Comments(self._send)

    @cached_property
    def relations(self) -> Relations:
        """Relations: relation definitions, space association rules and bindings, story
        relations, search by relation (``client.relations.list_instances(...)``)."""
        return Relations(self._send)

    @cached_property
    def fields(self) -> Fields:
        """Field settings: read, create and update custom fields
        (``client.fields.get_all("space", work_item_type_key="story")``)."""
        return Fields(self._send)

    @cached_property
    def spaces(self) -> Spaces:
        """Spaces: project keys, details, work item types
        (``client.spaces.get_work_item_types("space")``)."""
        return Spaces(self._send, user_key=self.user_key, lookups=lookup_cache_for(self._transport))

    @cached_property
    def users(self) -> Users:
        """Users: look up by key, email or Lark id, search by name
        (``client.users.query(user_keys=[...])``)."""
        return Users(self._send)

    @cached_property
    def wbs(self) -> Wbs:
        """WBS views and plan tables: the published view, drafts (query, patch, reset,
        publish), WBS templates (``client.wbs.get_view("space", "story", 1001)``)."""
        return Wbs(self._send)

    @cached_property
    def views(self) -> Views:
        """Views: list them, read their items, create and change fixed and conditional views
        (``client.views.iter_items("space", view_id)``)."""
        return Views(self._send)

    @cached_property
    def work_hours(self) -> WorkHours:
        """Work hours: list the records of a work item, register, change and delete hours
        (``client.work_hours.iter("space", "story", 101)``)."""
        return WorkHours(self._send)

    @cached_property
    def charts(self) -> Charts:
        """Charts: the charts of a view and their data
        (``client.charts.get_data("space", chart_id)``)."""
        return Charts(self._send)

    @cached_property
    def deliverables(self) -> Deliverables:
        """Deliverables and node reviews: opinions, conclusions and their options
        (``client.deliverables.get_reviews("space", 101, ["review"])``)."""
        return Deliverables(self._send)

    @cached_property
    def tenant(self) -> TenantAdmin:
        """Tenant administration: accounts, departments, the tenant, users for tenant plugins
        (``client.tenant.get(scopes=["departments"])``)."""
        return TenantAdmin(self._send)

    @cached_property
    def ai(self) -> AI:
        """AI nodes (read, edit, confirm) and AI-filled fields
        (``client.ai.get_node("space", 101, state_key="review")``)."""
        return AI(self._send)

    @cached_property
    def auth(self) -> Auth:
        """Token calls: a fresh plugin token, a user token from an OAuth code or a refresh
        token (``grant = await client.auth.exchange_code(code)``)."""
        return Auth(_TokenAccess(self))

    def for_user(self, grant: UserTokenGrant) -> MeegleClient:
        """A new client acting as the user of ``grant`` (from ``auth.exchange_code``), renewing
        the user token with its refresh token and this client's plugin credentials.

        It shares this client's shared state (limiters, token cache) and options, but has its
        own session: close it (``async with client.for_user(grant) as user_client:``).
        """
        if not isinstance(grant, UserTokenGrant):
            raise MeegleValidationError("for_user takes the UserTokenGrant of auth.exchange_code")
        creds = self._plugin_credentials
        rates = self._transport.rates
        return type(self)(
            base_url=self.base_url,
            user_token=grant.token,
            refresh_token=grant.refresh_token,
            plugin_id=creds[0] if creds else None,
            plugin_secret=creds[1].get() if creds else None,
            shared_state=self._state,
            default_qps=rates.default_qps,
            rate_limits=dict(rates.overrides),
            timeout=self._options.timeout,
            max_retries=self._options.max_retries,
            deadline=self._options.deadline,
            max_response_bytes=self._transport.max_response_bytes,
        )

    @property
    def with_raw_response(self) -> WithRawResponse:
        """Every method of every group, returning its result with the raw answers.

        ``await client.with_raw_response.work_items.get_details(...)`` gives a ``RawResult``:
        ``parsed`` (the usual result) and ``responses`` (status, headers, log id, attempts of
        each request the call made); ``iter_*`` helpers give a ``RawIterator``. See
        ``meegle_async.raw``.

        Example::

            raw = await client.with_raw_response.work_items.get_details("space", "story", [101])
            print(raw.parsed[0].name, raw.status, raw.log_id, raw.attempts)
        """
        return WithRawResponse(self)

    # -- calls -------------------------------------------------------------------------------

    @overload
    async def request(
        self,
        endpoint_name: str,
        method: str,
        path: str,
        *,
        path_params: Mapping[str, object] | None = ...,
        params: Mapping[str, Any] | None = ...,
        json: Any = ...,
        idempotency_key: str | None = ...,
        raw: Literal[False] = ...,
    ) -> Any: ...

    @overload
    async def request(
        self,
        endpoint_name: str,
        method: str,
        path: str,
        *,
        path_params: Mapping[str, object] | None = ...,
        params: Mapping[str, Any] | None = ...,
        json: Any = ...,
        idempotency_key: str | None = ...,
        raw: Literal[True],
    ) -> RawResponse: ...

    @overload
    async def request(
        self,
        endpoint_name: str,
        method: str,
        path: str,
        *,
        path_params: Mapping[str, object] | None = ...,
        params: Mapping[str, Any] | None = ...,
        json: Any = ...,
        idempotency_key: str | None = ...,
        raw: bool,
    ) -> Any: ...

    async def request(
        self,
        endpoint_name: str,
        method: str,
        path: str,
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotency_key: str | None = None,
        raw: bool = False,
        deadline: float | None = None,
    ) -> Any:
        """Call any OpenAPI path with the client's auth, limits, retries and error mapping.

        ``endpoint_name`` names the limiter and the stats (use the spec's ``name:``); ``path`` is a
        template whose ``{placeholders}`` are filled from ``path_params``, each as one encoded
        segment. Calls other than GET carry an ``X-Idem-UUID`` (``idempotency_key`` or a new one).
        ``deadline`` (seconds) bounds this whole call, retries and waits included (the client's
        ``deadline`` otherwise); past it, ``MeegleTimeoutError`` says where the time went.

        Returns the envelope's ``data``, or a ``RawResponse`` with ``raw=True``.

        Example::

            types = await client.request(
                "list_work_item_types", "GET", "/open_api/{project_key}/work_item/all-types",
                path_params={"project_key": "space"},
            )
        """
        if not isinstance(endpoint_name, str) or not endpoint_name.strip():
            raise MeegleValidationError("endpoint_name must be a non-empty string")
        if not isinstance(path, str):
            raise MeegleValidationError(f"path must be a string, not {type(path).__name__}")
        checks.check_bool(raw, "raw")
        check_deadline(deadline)
        if not isinstance(method, str) or method.upper() not in {
            "GET",
            "POST",
            "PUT",
            "PATCH",
            "DELETE",
        }:
            raise MeegleValidationError(
                f"method must be GET, POST, PUT, PATCH or DELETE, not {method!r}"
            )
        response = await self._send(
            endpoint_name,
            method,
            path,
            path_params=path_params,
            params=params,
            json=json,
            idempotency_key=idempotency_key,
            deadline=deadline,
        )
        return response if raw else response.data

    async def _send(
        self,
        endpoint: str,
        method: str,
        path: str,
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        write: bool | None = None,
        idempotency_key: str | None = None,
        deadline: float | None = None,
    ) -> RawResponse:
        entry = ENDPOINTS.get(endpoint)
        response = await self._transport.send(
            endpoint=endpoint,
            method=method,
            path=path,
            options=at_least(self._options, entry.timeout if entry is not None else None),
            path_params=path_params,
            params=params,
            json=json,
            write=write,
            idempotency_key=idempotency_key,
            deadline=deadline,
        )
        record_raw_response(response)  # to with_raw_response / capture_raw_responses, if active
        return response

    # -- observability -----------------------------------------------------------------------

    def stats(self) -> ClientStats:
        """Per endpoint: requests sent, retries, throttled answers, errors, limiter wait.

        Shared with ``with_options`` copies. ``meegle_async.to_dict(client.stats())`` gives JSON.
        """
        return self._transport.stats.snapshot()

    def current_rate(self, endpoint_name: str) -> float:
        """The requests per second the client allows itself now on ``endpoint_name``."""
        return self._transport.current_rate(endpoint_name)

    @property
    def base_url(self) -> str:
        """The base URL calls go to."""
        return self._transport.base_url

    @property
    def user_key(self) -> str | None:
        """The ``X-User-Key`` this client (copy) acts as, if any."""
        key = self._options.user_key
        return key.get() if key is not None else None

    def __repr__(self) -> str:
        # Never raises, even on a client whose constructor failed half-way.
        transport = self.__dict__.get("_transport")
        options = self.__dict__.get("_options")
        if transport is None or options is None:
            return "<MeegleClient (not initialised)>"
        auth = getattr(transport, "auth", None)
        kind = type(auth).__name__.replace("TokenProvider", "").lower() if auth else "none"
        return (
            f"<MeegleClient base_url={getattr(transport, 'base_url', '?')!r} auth={kind} "
            f"user_key={'set' if getattr(options, 'user_key', None) else 'unset'}"
            f"{' closed' if getattr(transport, '_closed', False) else ''}>"
        )


def normalize_proxy(proxy: str) -> str:
    """Check a proxy URL (``http://host:port``)."""
    if not isinstance(proxy, str) or "://" not in proxy:
        raise MeegleValidationError("proxy must be a URL such as http://host:3128")
    if "\\" in proxy or any(ord(c) < 0x21 or ord(c) == 0x7F for c in proxy):
        raise MeegleValidationError(
            "proxy must not contain spaces, backslashes or control characters"
        )
    return proxy


def _check_rate(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MeegleValidationError(
            f"{name} must be a number of requests per second, not {value!r}"
        )
    if not math.isfinite(value) or value <= 0:
        raise MeegleValidationError(f"{name} must be a positive, finite rate, not {value!r}")
    return float(value)


def _check_rate_limits(rate_limits: object) -> dict[str, float]:
    if rate_limits is None:
        return {}
    if not isinstance(rate_limits, Mapping):
        raise MeegleValidationError(
            f"rate_limits must map endpoint names to rates, not {type(rate_limits).__name__}"
        )
    out: dict[str, float] = {}
    for name, qps in rate_limits.items():
        if not isinstance(name, str) or not name.strip():
            raise MeegleValidationError(f"rate_limits keys must be endpoint names, not {name!r}")
        out[name] = _check_rate(qps, f"rate_limits[{name!r}]")
    return out


def _check_options(
    *,
    session: object,
    adaptive_limits: object,
    trust_env: object,
    virtual_token: object,
    on_request: object,
    clock: object,
    retry_policy: object,
) -> None:
    if session is not None and not isinstance(session, aiohttp.ClientSession):
        raise MeegleValidationError(
            f"session must be an aiohttp.ClientSession, not {type(session).__name__}"
        )
    checks.check_bool(adaptive_limits, "adaptive_limits")
    checks.check_bool(trust_env, "trust_env")
    checks.check_bool(virtual_token, "virtual_token")
    if on_request is not None and not callable(on_request):
        raise MeegleValidationError("on_request must be a function taking a RequestEvent")
    if not callable(clock):
        raise MeegleValidationError("clock must be a function returning seconds")
    if retry_policy is not None and not isinstance(retry_policy, RetryPolicy):
        raise MeegleValidationError(
            f"retry_policy must be a RetryPolicy, not {type(retry_policy).__name__}"
        )


def _resolve_shared_state(
    shared_state: SharedState | str | None, on_backend_error: Literal["fallback", "raise"]
) -> SharedState:
    if on_backend_error not in ("fallback", "raise"):
        raise MeegleValidationError(
            f'on_backend_error must be "fallback" or "raise", not {on_backend_error!r}'
        )
    if shared_state is None:
        return SharedState.in_memory()
    if isinstance(shared_state, SharedState):
        return shared_state
    if isinstance(shared_state, str) and shared_state.startswith(
        ("redis://", "rediss://", "unix://")
    ):
        try:
            from .backends.redis import shared_state_from_url
        except ImportError as exc:
            raise MeegleValidationError(
                "shared_state=redis://... needs the redis extra: pip install 'meegle-async[redis]'"
            ) from exc
        return shared_state_from_url(shared_state, on_backend_error=on_backend_error)
    raise MeegleValidationError(
        f"shared_state must be a redis:// URL or a SharedState, not {type(shared_state).__name__}"
    )


def _secret(value: str | None, name: str) -> Secret | None:
    if value is None:
        return None
    return Secret(checks.check_header_value(value, name).strip())


def _make_auth(
    *,
    transport: Transport,
    store: TokenStore,
    base_url: str,
    plugin_id: str | None,
    plugin_secret: str | None,
    plugin_token: str | None,
    user_token: str | None,
    refresh_token: str | None,
    virtual_token: bool,
    clock: Callable[[], float],
) -> TokenProvider:
    secret = _secret(plugin_secret, "plugin_secret")
    if (plugin_id is None) != (secret is None):
        raise MeegleValidationError("plugin_id and plugin_secret go together: pass both or neither")
    if plugin_id is not None:
        checks.check_header_value(plugin_id, "plugin_id")
    if virtual_token and plugin_id is None:
        raise MeegleValidationError("virtual_token=True needs plugin_id and plugin_secret")
    static = _secret(plugin_token, "plugin_token")
    plugin: PluginTokenProvider | StaticTokenProvider | None = None
    if plugin_id is not None and secret is not None:
        plugin = PluginTokenProvider(
            plugin_id=plugin_id.strip(),
            plugin_secret=secret,
            base_url=base_url,
            fetch=transport.fetch_token,
            store=store,
            virtual=virtual_token,
            clock=clock,
            initial_token=static,
        )
    elif static is not None:
        plugin = StaticTokenProvider(static)

    user = _secret(user_token, "user_token")
    if user is not None:
        return UserTokenProvider(
            user_token=user,
            refresh_token=_secret(refresh_token, "refresh_token"),
            plugin=plugin,
            fetch=transport.fetch_token,
            store=store,
            clock=clock,
        )
    if refresh_token is not None:
        raise MeegleValidationError("refresh_token is used only with user_token")
    if plugin is None:
        raise MeegleValidationError(
            "no credentials: pass plugin_id and plugin_secret (or plugin_token), or user_token; "
            "from_env() reads MEEGLE_PLUGIN_ID, MEEGLE_PLUGIN_SECRET, MEEGLE_PLUGIN_TOKEN, "
            "MEEGLE_USER_TOKEN"
        )
    return plugin


class _TokenAccess:
    """What ``client.auth`` needs of a client: its token fetcher and plugin credentials."""

    def __init__(self, client: MeegleClient) -> None:
        self._client = client

    async def fetch(
        self, path: str, body: Mapping[str, Any], headers: Mapping[str, str]
    ) -> Mapping[str, Any]:
        return await self._client._transport.fetch_token(path, body, headers)

    def plugin_credentials(self) -> tuple[str, str] | None:
        creds = self._client._plugin_credentials
        return (creds[0], creds[1].get()) if creds else None

    async def plugin_token(self) -> str:
        auth = self._client._transport.auth
        if isinstance(auth, UserTokenProvider):
            plugin = auth._plugin
            if plugin is None:
                raise MeegleValidationError(
                    "this call needs a plugin token: give the client plugin_id and plugin_secret"
                )
            return await plugin.token()
        if auth is None:
            raise MeegleValidationError("no credentials: this call needs a plugin token")
        return await auth.token()
